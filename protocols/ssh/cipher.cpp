// The cipher table (lookup, default offer, key-size checks) and the one PacketCipher shared by
// every non-AEAD row: a RawCipher plus a MAC, in RFC 4253 or encrypt-then-MAC order.
#include "protocols/ssh/cipher.hpp"

#include "protocols/ssh/detail/algorithm_rows.hpp"
#include "protocols/ssh/disconnect.hpp"

#include <botan/stream_cipher.h>

#include <stdexcept>
#include <string>

namespace wharf::ssh {

namespace detail {

namespace {

class StreamRawCipher final : public RawCipher {
public:
    StreamRawCipher(const std::string& botan_name, ByteView key, ByteView iv)
        : m_cipher(Botan::StreamCipher::create_or_throw(botan_name)) {
        m_cipher->set_key(key.data(), key.size());
        if (!iv.empty()) {
            m_cipher->set_iv(iv.data(), iv.size());
        }
    }

    void process(std::span<std::uint8_t> data) override {
        m_cipher->cipher1(data.data(), data.size());
    }

private:
    std::unique_ptr<Botan::StreamCipher> m_cipher;
};

// Before the first NEWKEYS: bytes pass through unchanged.
class PlaintextRawCipher final : public RawCipher {
public:
    void process(std::span<std::uint8_t> /*data*/) override {}
};

class CipherWithMac final : public PacketCipher {
public:
    CipherWithMac(std::unique_ptr<RawCipher> cipher, std::size_t block_size,
                  std::unique_ptr<Mac> mac, bool encrypt_then_mac)
        : m_cipher(std::move(cipher)),
          m_mac(std::move(mac)),
          m_block_size(block_size < 8 ? 8 : block_size),
          m_encrypt_then_mac(encrypt_then_mac) {}

    [[nodiscard]] std::size_t block_size() const noexcept override { return m_block_size; }
    [[nodiscard]] bool length_outside_alignment() const noexcept override {
        return m_encrypt_then_mac;
    }
    [[nodiscard]] std::size_t trailer_size() const noexcept override {
        return m_mac ? m_mac->size() : 0;
    }
    [[nodiscard]] std::size_t length_prefix_size() const noexcept override {
        return m_encrypt_then_mac ? 4 : m_block_size;
    }

    void seal(std::uint32_t sequence, std::span<std::uint8_t> packet,
              std::span<std::uint8_t> trailer) override {
        check_sizes(packet, trailer.size());
        if (m_encrypt_then_mac) {
            m_cipher->process(packet.subspan(4));
            m_mac->compute(sequence, packet, trailer);
            return;
        }
        if (m_mac) {
            m_mac->compute(sequence, packet, trailer);
        }
        m_cipher->process(packet);
    }

    std::uint32_t open_length(std::uint32_t /*sequence*/, std::span<std::uint8_t> prefix) override {
        if (prefix.size() != length_prefix_size()) {
            throw std::invalid_argument("open_length: prefix is not length_prefix_size() bytes");
        }
        if (!m_encrypt_then_mac) {
            m_cipher->process(prefix);  // the first block; open() decrypts the rest
        }
        return load_u32_be(prefix.data());
    }

    void open(std::uint32_t sequence, std::span<std::uint8_t> packet, ByteView trailer) override {
        check_sizes(packet, trailer.size());
        if (m_encrypt_then_mac) {
            // The point of -etm: nothing unauthenticated is ever decrypted.
            verify(sequence, packet, trailer);
            m_cipher->process(packet.subspan(4));
            return;
        }
        m_cipher->process(packet.subspan(m_block_size));
        if (m_mac) {
            verify(sequence, packet, trailer);
        }
    }

private:
    void check_sizes(std::span<const std::uint8_t> packet, std::size_t trailer_bytes) const {
        const std::size_t aligned = m_encrypt_then_mac ? packet.size() - 4 : packet.size();
        if (packet.size() < 4 + 1 || packet.size() < length_prefix_size() ||
            aligned % m_block_size != 0 || trailer_bytes != trailer_size()) {
            throw std::invalid_argument("packet or trailer size breaks the PacketCipher contract");
        }
    }

    void verify(std::uint32_t sequence, ByteView packet, ByteView trailer) {
        if (!m_mac->verify(sequence, packet, trailer)) {
            throw ProtocolError(DisconnectReason::mac_error,
                                "MAC of packet " + std::to_string(sequence) + " does not verify");
        }
    }

    std::unique_ptr<RawCipher> m_cipher;
    std::unique_ptr<Mac> m_mac;
    std::size_t m_block_size;
    bool m_encrypt_then_mac;
};

}  // namespace

std::unique_ptr<RawCipher> make_stream_raw_cipher(const std::string& botan_name, ByteView key,
                                                  ByteView iv) {
    return std::make_unique<StreamRawCipher>(botan_name, key, iv);
}

std::unique_ptr<PacketCipher> make_cipher_with_mac(std::unique_ptr<RawCipher> cipher,
                                                   std::size_t block_size, const MacInfo* mac,
                                                   ByteView mac_key) {
    if (mac == nullptr) {
        return std::make_unique<CipherWithMac>(std::move(cipher), block_size, nullptr, false);
    }
    return std::make_unique<CipherWithMac>(std::move(cipher), block_size, mac->make(mac_key),
                                           mac->encrypt_then_mac);
}

}  // namespace detail

std::span<const CipherInfo> all_ciphers() {
    // Built once from the per-file rows; the order is the preference order of all_ciphers().
    static const std::vector<CipherInfo> rows = [] {
        std::vector<CipherInfo> out;
        for (const auto part :
             {detail::chacha20_poly1305_rows(), detail::aes_ctr_rows(), detail::aes_gcm_rows(),
              detail::cbc_rows(), detail::legacy_stream_rows()}) {
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    }();
    return rows;
}

const CipherInfo* find_cipher(std::string_view name) noexcept {
    for (const CipherInfo& row : all_ciphers()) {
        if (row.name == name) {
            return &row;
        }
    }
    return nullptr;
}

const std::vector<std::string>& default_ciphers() {
    static const std::vector<std::string> names{
        "chacha20-poly1305@openssh.com",
        "aes128-ctr",
        "aes192-ctr",
        "aes256-ctr",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
    };
    return names;
}

std::unique_ptr<PacketCipher> make_packet_cipher(CipherDirection direction,
                                                 std::string_view cipher_name,
                                                 std::string_view mac_name, ByteView key,
                                                 ByteView iv, ByteView mac_key) {
    const CipherInfo* const cipher = find_cipher(cipher_name);
    if (cipher == nullptr) {
        throw std::invalid_argument("unknown cipher \"" + std::string(cipher_name) + "\"");
    }
    if (key.size() != cipher->key_size || iv.size() != cipher->iv_size) {
        throw std::invalid_argument(std::string(cipher_name) + " needs a " +
                                    std::to_string(cipher->key_size) + "-byte key and a " +
                                    std::to_string(cipher->iv_size) + "-byte IV");
    }
    if (cipher->aead) {
        return cipher->make(direction, key, iv, nullptr, {});
    }
    const MacInfo* const mac = find_mac(mac_name);
    if (mac == nullptr) {
        throw std::invalid_argument("unknown MAC \"" + std::string(mac_name) + "\"");
    }
    if (mac_key.size() != mac->key_size) {
        throw std::invalid_argument(std::string(mac_name) + " needs a " +
                                    std::to_string(mac->key_size) + "-byte key");
    }
    return cipher->make(direction, key, iv, mac, mac_key);
}

std::unique_ptr<PacketCipher> make_plaintext_packet_cipher() {
    return detail::make_cipher_with_mac(std::make_unique<detail::PlaintextRawCipher>(), 8, nullptr,
                                        {});
}

}  // namespace wharf::ssh
