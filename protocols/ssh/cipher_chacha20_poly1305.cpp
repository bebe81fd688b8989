// chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305), built from Botan's raw ChaCha(20)
// and Poly1305: Botan's ChaCha20Poly1305 AEAD is the RFC 8439 construction, which lays out
// nonce, counter and MAC input differently and is NOT this cipher.
//   key material: 64 bytes; the first 32 are K_2 (payload + Poly1305 key), the last 32 K_1
//                 (packet_length only)
//   nonce:        the packet sequence number as a big-endian uint64, for both instances
//   Poly1305 key: K_2 keystream block 0 (its first 32 bytes); payload from block 1 on
//   tag:          Poly1305 over the encrypted length || encrypted rest, checked before any
//                 decryption of the body
#include "protocols/ssh/detail/algorithm_rows.hpp"
#include "protocols/ssh/disconnect.hpp"

#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/stream_cipher.h>

#include <array>
#include <stdexcept>
#include <string>

namespace wharf::ssh::detail {

namespace {

constexpr std::size_t k_tag_size = 16;
constexpr std::uint64_t k_chacha_block = 64;

class ChaCha20Poly1305PacketCipher final : public PacketCipher {
public:
    explicit ChaCha20Poly1305PacketCipher(ByteView key)
        : m_payload_cipher(Botan::StreamCipher::create_or_throw("ChaCha(20)")),
          m_length_cipher(Botan::StreamCipher::create_or_throw("ChaCha(20)")),
          m_poly1305(Botan::MessageAuthenticationCode::create_or_throw("Poly1305")) {
        m_payload_cipher->set_key(key.data(), 32);      // K_2
        m_length_cipher->set_key(key.data() + 32, 32);  // K_1
    }

    ~ChaCha20Poly1305PacketCipher() override {
        Botan::secure_scrub_memory(m_poly_key.data(), m_poly_key.size());
    }
    ChaCha20Poly1305PacketCipher(const ChaCha20Poly1305PacketCipher&) = delete;
    ChaCha20Poly1305PacketCipher& operator=(const ChaCha20Poly1305PacketCipher&) = delete;

    [[nodiscard]] std::size_t block_size() const noexcept override { return 8; }
    [[nodiscard]] bool length_outside_alignment() const noexcept override { return true; }
    [[nodiscard]] std::size_t trailer_size() const noexcept override { return k_tag_size; }
    [[nodiscard]] std::size_t length_prefix_size() const noexcept override { return 4; }

    void seal(std::uint32_t sequence, std::span<std::uint8_t> packet,
              std::span<std::uint8_t> trailer) override {
        check_sizes(packet, trailer.size());
        const std::array<std::uint8_t, 8> nonce = nonce_for(sequence);
        m_length_cipher->set_iv(nonce.data(), nonce.size());
        m_length_cipher->cipher1(packet.data(), 4);
        start_payload_cipher(nonce);
        m_payload_cipher->cipher1(packet.data() + 4, packet.size() - 4);
        m_poly1305->update(packet.data(), packet.size());
        m_poly1305->final(trailer.data());
    }

    std::uint32_t open_length(std::uint32_t sequence, std::span<std::uint8_t> prefix) override {
        if (prefix.size() != 4) {
            throw std::invalid_argument("open_length: prefix is not 4 bytes");
        }
        // Decrypt a copy: the tag covers the encrypted length, so the buffer keeps ciphertext.
        std::array<std::uint8_t, 4> length{};
        std::copy_n(prefix.begin(), 4, length.begin());
        const std::array<std::uint8_t, 8> nonce = nonce_for(sequence);
        m_length_cipher->set_iv(nonce.data(), nonce.size());
        m_length_cipher->cipher1(length.data(), length.size());
        m_opened_length = load_u32_be(length.data());
        return m_opened_length;
    }

    void open(std::uint32_t sequence, std::span<std::uint8_t> packet, ByteView trailer) override {
        check_sizes(packet, trailer.size());
        start_payload_cipher(nonce_for(sequence));
        std::array<std::uint8_t, k_tag_size> expected{};
        m_poly1305->update(packet.data(), packet.size());
        m_poly1305->final(expected.data());
        if (!Botan::constant_time_compare(expected.data(), trailer.data(), k_tag_size)) {
            throw ProtocolError(
                DisconnectReason::mac_error,
                "Poly1305 tag of packet " + std::to_string(sequence) + " does not verify");
        }
        // open_length() already decrypted the length; re-keying K_1 for it again would cost a
        // full ChaCha block setup per packet.
        store_u32_be(m_opened_length, packet.data());
        m_payload_cipher->cipher1(packet.data() + 4, packet.size() - 4);
    }

private:
    static void check_sizes(std::span<const std::uint8_t> packet, std::size_t trailer) {
        if (packet.size() < 4 + 8 || (packet.size() - 4) % 8 != 0 || trailer != k_tag_size) {
            throw std::invalid_argument("packet or tag size breaks the PacketCipher contract");
        }
    }

    static std::array<std::uint8_t, 8> nonce_for(std::uint32_t sequence) noexcept {
        std::array<std::uint8_t, 8> nonce{};
        store_u64_be(sequence, nonce.data());
        return nonce;
    }

    // Keys Poly1305 from K_2 block 0 and leaves K_2 at block 1 for the payload.
    void start_payload_cipher(const std::array<std::uint8_t, 8>& nonce) {
        m_payload_cipher->set_iv(nonce.data(), nonce.size());
        m_payload_cipher->write_keystream(m_poly_key.data(), m_poly_key.size());
        m_poly1305->set_key(m_poly_key.data(), m_poly_key.size());
        m_payload_cipher->seek(k_chacha_block);
    }

    std::unique_ptr<Botan::StreamCipher> m_payload_cipher;
    std::unique_ptr<Botan::StreamCipher> m_length_cipher;
    std::unique_ptr<Botan::MessageAuthenticationCode> m_poly1305;
    std::array<std::uint8_t, 32> m_poly_key{};
    std::uint32_t m_opened_length = 0;  // from open_length(), written back by open()
};

std::unique_ptr<PacketCipher> make_chacha20_poly1305(CipherDirection /*direction*/, ByteView key,
                                                     ByteView /*iv*/, const MacInfo* /*mac*/,
                                                     ByteView /*mac_key*/) {
    return std::make_unique<ChaCha20Poly1305PacketCipher>(key);
}

// name, key, IV, block, AEAD, legacy, factory
constexpr std::array k_chacha20_poly1305_rows{
    CipherInfo{"chacha20-poly1305@openssh.com", 64, 0, 8, true, false, make_chacha20_poly1305},
};

}  // namespace

std::span<const CipherInfo> chacha20_poly1305_rows() noexcept { return k_chacha20_poly1305_rows; }

}  // namespace wharf::ssh::detail
