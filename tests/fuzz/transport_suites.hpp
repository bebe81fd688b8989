// The packet protections fuzz_transport.cpp runs under, and the fixed keys it uses for them,
// shared with make_corpus.cpp so the seeds it writes decrypt in the harness.
#pragma once

#include "protocols/ssh/transport.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wharf::fuzz {

struct TransportSuite {
    std::string_view cipher;  // "" is the pre-KEX "none" state: no set_incoming_keys()
    std::string_view mac;
    std::string_view compression;
};

// Indexed by the low four bits of the harness's first byte. Every cipher and MAC family is here
// (CTR, CBC, stream, GCM, chacha20-poly1305; MAC-then-encrypt and encrypt-then-MAC), and zlib
// behind three different ciphers so inflate sees fuzzer-chosen streams.
inline constexpr std::array<TransportSuite, 16> transport_suites{{
    {"", "", "none"},
    {"aes128-ctr", "hmac-sha2-256", "none"},
    {"aes256-ctr", "hmac-sha2-512-etm@openssh.com", "none"},
    {"chacha20-poly1305@openssh.com", "", "none"},
    {"aes128-gcm@openssh.com", "", "none"},
    {"aes256-gcm@openssh.com", "", "none"},
    {"aes128-cbc", "hmac-sha1", "none"},
    {"3des-cbc", "hmac-md5-96", "none"},
    {"arcfour256", "hmac-sha1-etm@openssh.com", "none"},
    {"aes128-ctr", "hmac-sha2-256", "zlib"},
    {"chacha20-poly1305@openssh.com", "", "zlib"},
    {"aes256-gcm@openssh.com", "", "zlib"},
    {"aes192-ctr", "hmac-sha2-256-etm@openssh.com", "zlib"},
    {"3des-ctr", "hmac-sha1-96", "none"},
    {"blowfish-cbc", "hmac-md5", "none"},
    {"cast128-cbc", "hmac-md5-etm@openssh.com", "none"},
}};

// First-byte flags above the suite index (see fuzz_transport.cpp).
inline constexpr std::uint8_t transport_sealed = 0x10;
inline constexpr std::uint8_t transport_small_limit = 0x20;
inline constexpr std::uint8_t transport_wrap_sequence = 0x40;
inline constexpr std::uint8_t transport_flip_bit = 0x80;
inline constexpr std::uint32_t transport_wrap_start = 0xfffffffe;

// Key material of the sizes the suite needs, from a fixed pattern: the harness and the corpus
// generator derive the same keys.
inline ssh::DirectionKeys transport_suite_keys(const TransportSuite& suite) {
    const ssh::KeyMaterialSizes sizes = ssh::key_material_sizes(suite.cipher, suite.mac);
    const auto pattern = [](std::size_t n, std::uint8_t salt) {
        ssh::Bytes out(n);
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = static_cast<std::uint8_t>(i * 31 + salt);
        }
        return out;
    };
    return ssh::DirectionKeys{std::string(suite.cipher), std::string(suite.mac),
                              std::string(suite.compression), pattern(sizes.key, 1),
                              pattern(sizes.iv, 2), pattern(sizes.mac_key, 3)};
}

}  // namespace wharf::fuzz
