// Per-type facts shared by the key and key-file code. Internal to protocols/ssh.
#pragma once

#include "protocols/ssh/key.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace wharf::ssh::detail {

// RSA modulus sizes we accept: OpenSSH's minimum (SSH_RSA_MINIMUM_MODULUS_SIZE) and its largest
// bignum (SSHBUF_MAX_BIGNUM), so a hostile blob cannot make us do 100k-bit arithmetic.
inline constexpr std::size_t k_rsa_min_bits = 1024;
inline constexpr std::size_t k_rsa_max_bits = 16384;

// The curve identifier inside ECDSA blobs ("nistp256", RFC 5656 section 6.1); "" for others.
[[nodiscard]] std::string_view ecdsa_curve_id(KeyType type) noexcept;
// Botan's name for the curve ("secp256r1"); "" for others.
[[nodiscard]] std::string_view botan_group_name(KeyType type) noexcept;

// Text for error messages: printable ASCII kept, anything else shown as '?', at most 64 chars.
[[nodiscard]] std::string printable(std::string_view text);

}  // namespace wharf::ssh::detail
