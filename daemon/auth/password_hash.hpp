// Password hashes for local users: new ones are argon2id; bcrypt, SHA-512-crypt and yescrypt
// hashes taken over from /etc/shadow or htpasswd-style files still verify.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wharf::auth {

enum class HashScheme { argon2id, bcrypt, sha512_crypt, yescrypt, unknown };

// By prefix only: "$argon2id$", "$2a$"/"$2b$"/"$2y$", "$6$", "$y$". Everything else, including
// argon2i/argon2d, MD5-crypt "$1$", SHA-256-crypt "$5$" and bcrypt's buggy "$2x$", is unknown
// and never verifies.
[[nodiscard]] HashScheme classify_hash(std::string_view stored_hash) noexcept;

// Cost of new hashes. m = 64 MiB, t = 3 is RFC 9106's recommendation for memory-constrained
// settings and above OWASP's minimum (19 MiB, t = 2); it takes about 140 ms here (Botan 2.19,
// EPYC). p = 1 keeps one check on one core, so a login burst costs cores we can count. Every
// check holds 64 MiB while it runs: the caller bounds how many run at once. Old hashes keep the
// parameters they were made with, so changing these later needs no migration.
struct Argon2Params {
    std::size_t memory_kib;
    std::size_t iterations;
    std::size_t parallelism;
};
inline constexpr Argon2Params k_argon2_params{65536, 3, 1};

// A PHC string "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>" with a fresh 16-byte salt from
// the system RNG and a 32-byte hash. Throws only if the system RNG fails.
[[nodiscard]] std::string hash_password(std::string_view password);

// Whether password matches stored_hash, for any scheme classify_hash knows. Unknown or malformed
// hashes, and argon2 parameters past sane bounds (m > 1 GiB, t > 64, p > 16, which only a
// corrupt or hostile entry would hold), give false; it never throws. Passwords holding a NUL
// byte never match a bcrypt or crypt(3) hash, whose C implementations would stop reading there.
[[nodiscard]] bool verify_password(std::string_view stored_hash,
                                   std::string_view password) noexcept;

// Spends what verify_password spends on an argon2id hash made by hash_password, and always
// fails. Call it for unknown users so response time does not reveal which user names exist.
void verify_dummy(std::string_view password) noexcept;

namespace detail {
// The hash verify_dummy checks against; exposed so tests can see it uses k_argon2_params.
[[nodiscard]] std::string_view dummy_hash() noexcept;
}  // namespace detail

}  // namespace wharf::auth
