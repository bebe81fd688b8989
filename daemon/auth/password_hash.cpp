#include "daemon/auth/password_hash.hpp"

#include <botan/argon2.h>
#include <botan/bcrypt.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include <crypt.h>

#include <memory>
#include <optional>
#include <vector>

namespace wharf::auth {

namespace {

// Made once with hash_password() from 32 random bytes that were then thrown away, so no
// password matches it. Regenerate it whenever k_argon2_params change (a unit test checks).
constexpr std::string_view k_dummy_hash =
    "$argon2id$v=19$m=65536,t=3,p=1$FcMYoElONleVoj2/xFnwig$"
    "rKAm3rp4l+D2O1pQ43dNrCsR4xru94kPluKh4AVm1uM";

// Bounds for parameters read from a stored hash: a corrupt entry with m=4000000000 must not
// make a login attempt allocate 4 TiB.
constexpr std::size_t k_max_memory_kib = 1u << 20;  // 1 GiB
constexpr std::size_t k_max_iterations = 64;
constexpr std::size_t k_max_parallelism = 16;

// A std::string copy of a password that is wiped when it goes away.
class SecretString {
public:
    explicit SecretString(std::string_view text) : m_text(text) {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    ~SecretString() { Botan::secure_scrub_memory(m_text.data(), m_text.size()); }

    [[nodiscard]] const std::string& str() const noexcept { return m_text; }

private:
    std::string m_text;
};

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    for (;;) {
        const auto next = text.find(separator, pos);
        if (next == std::string_view::npos) {
            parts.push_back(text.substr(pos));
            return parts;
        }
        parts.push_back(text.substr(pos, next - pos));
        pos = next + 1;
    }
}

// "name=digits" with at most 10 digits; nullopt otherwise.
std::optional<std::size_t> parameter(std::string_view field, std::string_view name) {
    if (!field.starts_with(name) || field.size() <= name.size() ||
        field.size() > name.size() + 10) {
        return std::nullopt;
    }
    std::size_t value = 0;
    for (const char c : field.substr(name.size())) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    return value;
}

// "$argon2id$v=19$m=M,t=T,p=P$salt$hash" with parameters inside our bounds.
bool argon2_shape_ok(std::string_view stored) {
    const auto parts = split(stored, '$');
    if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id" || parts[2] != "v=19" ||
        parts[4].empty() || parts[5].empty()) {
        return false;
    }
    const auto costs = split(parts[3], ',');
    if (costs.size() != 3) {
        return false;
    }
    const auto m = parameter(costs[0], "m=");
    const auto t = parameter(costs[1], "t=");
    const auto p = parameter(costs[2], "p=");
    return m && t && p && *p >= 1 && *p <= k_max_parallelism && *t >= 1 && *t <= k_max_iterations &&
           *m >= 8 * *p && *m <= k_max_memory_kib;
}

bool verify_argon2id(std::string_view stored, std::string_view password) {
    if (!argon2_shape_ok(stored)) {
        return false;
    }
    // Botan compares the derived hash with the stored one in constant time.
    return Botan::argon2_check_pwhash(password.data(), password.size(), std::string(stored));
}

bool verify_bcrypt(std::string_view stored, std::string_view password) {
    if (stored.size() != 60 || password.find('\0') != std::string_view::npos) {
        return false;
    }
    const SecretString secret(password);
    // Botan accepts the 2a, 2b and 2y prefixes as they are, and compares in constant time.
    return Botan::check_bcrypt(secret.str(), std::string(stored));
}

// SHA-512-crypt and yescrypt through libxcrypt, which Botan lacks.
bool verify_crypt(std::string_view stored, std::string_view password) {
    if (password.find('\0') != std::string_view::npos ||
        stored.find('\0') != std::string_view::npos || stored.size() >= CRYPT_OUTPUT_SIZE) {
        return false;
    }
    const SecretString secret(password);
    const std::string setting(stored);
    // About 32 KiB, zeroed as crypt_r requires; too big for a coroutine's stack.
    const auto data = std::make_unique<crypt_data>();
    const char* result = crypt_r(secret.str().c_str(), setting.c_str(), data.get());
    bool match = false;
    // libxcrypt signals failure with NULL or a string starting with '*', which is never a hash.
    if (result != nullptr && result[0] != '*') {
        const std::string_view computed(result);
        match = computed.size() == stored.size() &&
                Botan::constant_time_compare(reinterpret_cast<const std::uint8_t*>(computed.data()),
                                             reinterpret_cast<const std::uint8_t*>(stored.data()),
                                             stored.size());
    }
    Botan::secure_scrub_memory(data.get(), sizeof(crypt_data));
    return match;
}

}  // namespace

HashScheme classify_hash(std::string_view stored_hash) noexcept {
    if (stored_hash.starts_with("$argon2id$")) {
        return HashScheme::argon2id;
    }
    if (stored_hash.starts_with("$2a$") || stored_hash.starts_with("$2b$") ||
        stored_hash.starts_with("$2y$")) {
        return HashScheme::bcrypt;
    }
    if (stored_hash.starts_with("$6$")) {
        return HashScheme::sha512_crypt;
    }
    if (stored_hash.starts_with("$y$")) {
        return HashScheme::yescrypt;
    }
    return HashScheme::unknown;
}

std::string hash_password(std::string_view password) {
    return Botan::argon2_generate_pwhash(password.data(), password.size(), Botan::system_rng(),
                                         k_argon2_params.parallelism, k_argon2_params.memory_kib,
                                         k_argon2_params.iterations, /*y=argon2id*/ 2,
                                         /*salt_len=*/16, /*output_len=*/32);
}

bool verify_password(std::string_view stored_hash, std::string_view password) noexcept {
    try {
        switch (classify_hash(stored_hash)) {
        case HashScheme::argon2id:
            return verify_argon2id(stored_hash, password);
        case HashScheme::bcrypt:
            return verify_bcrypt(stored_hash, password);
        case HashScheme::sha512_crypt:
        case HashScheme::yescrypt:
            return verify_crypt(stored_hash, password);
        case HashScheme::unknown:
            return false;
        }
    } catch (...) {
        // Malformed base64, allocation failure, ...: a hash we cannot check never matches.
    }
    return false;
}

void verify_dummy(std::string_view password) noexcept {
    const bool matched = verify_password(k_dummy_hash, password);
    static_cast<void>(matched);
}

namespace detail {

std::string_view dummy_hash() noexcept { return k_dummy_hash; }

}  // namespace detail

}  // namespace wharf::auth
