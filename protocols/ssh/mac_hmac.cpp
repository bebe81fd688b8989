// HMAC rows of the MAC table: RFC 4253 (hmac-sha1, -96, md5), RFC 6668 (hmac-sha2-*) and the
// OpenSSH encrypt-then-MAC variants. The -etm rows compute the same HMAC; only the transport's
// order of operations differs, which the row's encrypt_then_mac flag tells make_packet_cipher.
#include "protocols/ssh/detail/algorithm_rows.hpp"
#include "protocols/ssh/mac.hpp"

#include <botan/mac.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace wharf::ssh::detail {

namespace {

class HmacMac final : public Mac {
public:
    HmacMac(const std::string& botan_name, ByteView key, std::size_t tag_size)
        : m_hmac(Botan::MessageAuthenticationCode::create_or_throw(botan_name)),
          m_tag_size(tag_size) {
        m_hmac->set_key(key.data(), key.size());
    }

    [[nodiscard]] std::size_t size() const noexcept override { return m_tag_size; }

    void compute(std::uint32_t sequence, ByteView data, std::span<std::uint8_t> out) override {
        if (out.size() != m_tag_size) {
            throw std::invalid_argument("HMAC output buffer has the wrong size");
        }
        const std::array<std::uint8_t, 4> sequence_bytes{
            static_cast<std::uint8_t>(sequence >> 24), static_cast<std::uint8_t>(sequence >> 16),
            static_cast<std::uint8_t>(sequence >> 8), static_cast<std::uint8_t>(sequence)};
        m_hmac->update(sequence_bytes.data(), sequence_bytes.size());
        m_hmac->update(data.data(), data.size());
        if (m_tag_size == m_hmac->output_length()) {
            m_hmac->final(out.data());
            return;
        }
        // Truncated variants (-96): the first tag_size bytes of the full digest (RFC 2104 5).
        m_hmac->final(m_digest.data());
        std::copy_n(m_digest.begin(), m_tag_size, out.begin());
    }

private:
    std::unique_ptr<Botan::MessageAuthenticationCode> m_hmac;
    std::size_t m_tag_size;
    std::array<std::uint8_t, 64> m_digest{};  // room for SHA-512, reused for every packet
};

constexpr char k_sha256[] = "HMAC(SHA-256)";
constexpr char k_sha512[] = "HMAC(SHA-512)";
constexpr char k_sha1[] = "HMAC(SHA-1)";
constexpr char k_md5[] = "HMAC(MD5)";

template <const char* BotanName, std::size_t TagSize>
std::unique_ptr<Mac> make_hmac(ByteView key) {
    return std::make_unique<HmacMac>(BotanName, key, TagSize);
}

// name, key, tag, encrypt-then-MAC, legacy, factory. Key sizes are the digest sizes (RFC 4253
// 6.4, RFC 6668 2); the -96 variants keep the full key and send the first 96 bits.
constexpr std::array k_hmac_rows{
    MacInfo{"hmac-sha2-256-etm@openssh.com", 32, 32, true, false, make_hmac<k_sha256, 32>},
    MacInfo{"hmac-sha2-512-etm@openssh.com", 64, 64, true, false, make_hmac<k_sha512, 64>},
    MacInfo{"hmac-sha1-etm@openssh.com", 20, 20, true, false, make_hmac<k_sha1, 20>},
    MacInfo{"hmac-sha2-256", 32, 32, false, false, make_hmac<k_sha256, 32>},
    MacInfo{"hmac-sha2-512", 64, 64, false, false, make_hmac<k_sha512, 64>},
    MacInfo{"hmac-sha1", 20, 20, false, false, make_hmac<k_sha1, 20>},
    MacInfo{"hmac-sha1-96", 20, 12, false, true, make_hmac<k_sha1, 12>},
    MacInfo{"hmac-md5", 16, 16, false, true, make_hmac<k_md5, 16>},
    MacInfo{"hmac-md5-96", 16, 12, false, true, make_hmac<k_md5, 12>},
    MacInfo{"hmac-md5-etm@openssh.com", 16, 16, true, true, make_hmac<k_md5, 16>},
};

}  // namespace

std::span<const MacInfo> hmac_rows() noexcept { return k_hmac_rows; }

}  // namespace wharf::ssh::detail
