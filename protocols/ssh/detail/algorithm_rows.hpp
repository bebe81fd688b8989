// Internal to protocols/ssh: the pieces the cipher_*.cpp and mac_*.cpp row files share, and the
// functions through which each file hands its rows to the tables in cipher.cpp and mac.cpp.
#pragma once

#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/mac.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace wharf::ssh::detail {

// An unauthenticated cipher whose state runs from one packet to the next (CTR counter, CBC
// chain, RC4 state): process() encrypts or decrypts, as created, in place. data.size() is a
// multiple of the block size.
class RawCipher {
public:
    RawCipher() = default;
    RawCipher(const RawCipher&) = delete;
    RawCipher& operator=(const RawCipher&) = delete;
    virtual ~RawCipher() = default;

    virtual void process(std::span<std::uint8_t> data) = 0;
};

// A Botan StreamCipher ("CTR-BE(AES-128)", "RC4(1536)") keyed with key and, when non-empty, iv.
// A stream cipher encrypts and decrypts alike, so it needs no direction.
[[nodiscard]] std::unique_ptr<RawCipher> make_stream_raw_cipher(const std::string& botan_name,
                                                                ByteView key, ByteView iv);

// Pairs a RawCipher with a MAC row (MAC-then-encrypt per RFC 4253 6.4, or encrypt-then-MAC for
// the -etm rows). mac may be null only for the pre-KEX "none" state.
[[nodiscard]] std::unique_ptr<PacketCipher> make_cipher_with_mac(std::unique_ptr<RawCipher> cipher,
                                                                 std::size_t block_size,
                                                                 const MacInfo* mac,
                                                                 ByteView mac_key);

// Big-endian helpers; Botan's loadstor.h is on its way to being internal (toolchain.md P3).
[[nodiscard]] inline std::uint32_t load_u32_be(const std::uint8_t* in) noexcept {
    return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) |
           (std::uint32_t{in[2]} << 8) | std::uint32_t{in[3]};
}

inline void store_u32_be(std::uint32_t value, std::uint8_t* out) noexcept {
    out[0] = static_cast<std::uint8_t>(value >> 24);
    out[1] = static_cast<std::uint8_t>(value >> 16);
    out[2] = static_cast<std::uint8_t>(value >> 8);
    out[3] = static_cast<std::uint8_t>(value);
}

inline void store_u64_be(std::uint64_t value, std::uint8_t* out) noexcept {
    store_u32_be(static_cast<std::uint32_t>(value >> 32), out);
    store_u32_be(static_cast<std::uint32_t>(value), out + 4);
}

// The rows, one function per file.
[[nodiscard]] std::span<const CipherInfo>
chacha20_poly1305_rows() noexcept;                                  // cipher_chacha20_poly1305.cpp
[[nodiscard]] std::span<const CipherInfo> aes_ctr_rows() noexcept;  // cipher_aes_ctr.cpp
[[nodiscard]] std::span<const CipherInfo> aes_gcm_rows() noexcept;  // cipher_aes_gcm.cpp
[[nodiscard]] std::span<const CipherInfo> cbc_rows() noexcept;      // cipher_cbc.cpp
[[nodiscard]] std::span<const CipherInfo>
legacy_stream_rows() noexcept;                                // cipher_legacy_stream.cpp
[[nodiscard]] std::span<const MacInfo> hmac_rows() noexcept;  // mac_hmac.cpp

}  // namespace wharf::ssh::detail
