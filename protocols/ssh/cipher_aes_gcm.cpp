// aes128-gcm@openssh.com and aes256-gcm@openssh.com: RFC 5647 with OpenSSH's negotiation rule
// (the cipher name alone selects GCM; no MAC is negotiated). packet_length is sent in clear as
// the additional authenticated data, the rest is GCM ciphertext followed by a 16-byte tag.
// Nonce (RFC 5647 7.1): the 12-byte IV from the KEX is a 4-byte fixed field followed by a 64-bit
// invocation counter, incremented after every packet.
#include "protocols/ssh/detail/algorithm_rows.hpp"
#include "protocols/ssh/disconnect.hpp"

#include <botan/aead.h>
#include <botan/exceptn.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace wharf::ssh::detail {

namespace {

constexpr std::size_t k_tag_size = 16;
constexpr std::size_t k_nonce_size = 12;

class AesGcmPacketCipher final : public PacketCipher {
public:
    AesGcmPacketCipher(const char* botan_name, CipherDirection direction, ByteView key, ByteView iv)
        : m_mode(Botan::AEAD_Mode::create_or_throw(botan_name, direction == CipherDirection::seal
                                                                   ? Botan::ENCRYPTION
                                                                   : Botan::DECRYPTION)),
          m_granularity(m_mode->update_granularity()) {
        m_mode->set_key(key.data(), key.size());
        std::copy_n(iv.begin(), k_nonce_size, m_nonce.begin());
    }

    [[nodiscard]] std::size_t block_size() const noexcept override { return 16; }
    [[nodiscard]] bool length_outside_alignment() const noexcept override { return true; }
    [[nodiscard]] std::size_t trailer_size() const noexcept override { return k_tag_size; }
    [[nodiscard]] std::size_t length_prefix_size() const noexcept override { return 4; }

    void seal(std::uint32_t /*sequence*/, std::span<std::uint8_t> packet,
              std::span<std::uint8_t> trailer) override {
        const std::span<std::uint8_t> body = start_packet(packet, trailer.size());
        const std::size_t bulk = bulk_size(body.size());
        m_mode->process(body.data(), bulk);
        // Botan's GCM processes whole update_granularity() chunks; finish() takes the rest
        // (under 64 bytes, a whole number of 16-byte blocks) and appends the tag.
        m_tail.assign(body.begin() + static_cast<std::ptrdiff_t>(bulk), body.end());
        m_mode->finish(m_tail);
        const std::size_t rest = body.size() - bulk;
        std::copy_n(m_tail.begin(), rest, body.begin() + static_cast<std::ptrdiff_t>(bulk));
        std::copy_n(m_tail.begin() + static_cast<std::ptrdiff_t>(rest), k_tag_size,
                    trailer.begin());
        next_invocation();
    }

    std::uint32_t open_length(std::uint32_t /*sequence*/, std::span<std::uint8_t> prefix) override {
        if (prefix.size() != 4) {
            throw std::invalid_argument("open_length: prefix is not 4 bytes");
        }
        return load_u32_be(prefix.data());
    }

    void open(std::uint32_t sequence, std::span<std::uint8_t> packet, ByteView trailer) override {
        const std::span<std::uint8_t> body = start_packet(packet, trailer.size());
        const std::size_t bulk = bulk_size(body.size());
        // GHASH runs over the ciphertext, so process() decrypts ahead of the tag check; the
        // plaintext is only used once finish() has verified the tag.
        m_mode->process(body.data(), bulk);
        m_tail.assign(body.begin() + static_cast<std::ptrdiff_t>(bulk), body.end());
        m_tail.insert(m_tail.end(), trailer.begin(), trailer.end());
        try {
            m_mode->finish(m_tail);
        } catch (const Botan::Invalid_Authentication_Tag&) {
            throw ProtocolError(
                DisconnectReason::mac_error,
                "AES-GCM tag of packet " + std::to_string(sequence) + " does not verify");
        }
        std::copy(m_tail.begin(), m_tail.end(), body.begin() + static_cast<std::ptrdiff_t>(bulk));
        next_invocation();
    }

private:
    // Checks the contract, binds packet_length as AAD and starts the message; returns the
    // encrypted part.
    std::span<std::uint8_t> start_packet(std::span<std::uint8_t> packet, std::size_t trailer) {
        if (packet.size() < 4 + 16 || (packet.size() - 4) % 16 != 0 || trailer != k_tag_size) {
            throw std::invalid_argument("packet or tag size breaks the PacketCipher contract");
        }
        m_mode->set_associated_data(packet.data(), 4);
        m_mode->start(m_nonce.data(), m_nonce.size());
        return packet.subspan(4);
    }

    [[nodiscard]] std::size_t bulk_size(std::size_t body) const noexcept {
        return body - body % m_granularity;
    }

    // Increments the 64-bit big-endian invocation counter (bytes 4..11), wrapping at 2^64.
    void next_invocation() noexcept {
        for (std::size_t i = k_nonce_size; i-- > 4;) {
            if (++m_nonce[i] != 0) {
                break;
            }
        }
    }

    std::unique_ptr<Botan::AEAD_Mode> m_mode;
    std::size_t m_granularity;
    std::array<std::uint8_t, k_nonce_size> m_nonce{};
    Botan::secure_vector<std::uint8_t> m_tail;  // reused: tail blocks and the tag
};

constexpr char k_aes128[] = "AES-128/GCM";
constexpr char k_aes256[] = "AES-256/GCM";

template <const char* BotanName>
std::unique_ptr<PacketCipher> make_aes_gcm(CipherDirection direction, ByteView key, ByteView iv,
                                           const MacInfo* /*mac*/, ByteView /*mac_key*/) {
    return std::make_unique<AesGcmPacketCipher>(BotanName, direction, key, iv);
}

// name, key, IV, block, AEAD, legacy, factory
constexpr std::array k_aes_gcm_rows{
    CipherInfo{"aes128-gcm@openssh.com", 16, k_nonce_size, 16, true, false, make_aes_gcm<k_aes128>},
    CipherInfo{"aes256-gcm@openssh.com", 32, k_nonce_size, 16, true, false, make_aes_gcm<k_aes256>},
};

}  // namespace

std::span<const CipherInfo> aes_gcm_rows() noexcept { return k_aes_gcm_rows; }

}  // namespace wharf::ssh::detail
