#include "config/detail/password_format.hpp"

#include <algorithm>

namespace wharf::config::detail {

namespace {

constexpr std::string_view how_to_hash =
    "store a hash instead: run `wharf passwd` (argon2id), or use a bcrypt ($2b$/$2y$) or "
    "SHA-512-crypt ($6$) hash";

bool is_crypt64(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

bool is_b64(char c) { return is_crypt64(c) || c == '+'; }

bool all_of(std::string_view text, bool (*pred)(char)) { return std::all_of(text.begin(), text.end(), pred); }

// $argon2id$v=19$m=65536,t=3,p=1$<salt b64>$<hash b64>
bool valid_argon2id(std::string_view v) {
    constexpr std::string_view prefix = "$argon2id$v=19$m=";
    if (!v.starts_with(prefix)) return false;
    v.remove_prefix(prefix.size());
    const auto params_end = v.find('$');
    if (params_end == std::string_view::npos) return false;
    const auto params = v.substr(0, params_end);
    if (params.find(",t=") == std::string_view::npos || params.find(",p=") == std::string_view::npos) return false;
    v.remove_prefix(params_end + 1);
    const auto salt_end = v.find('$');
    if (salt_end == std::string_view::npos) return false;
    const auto salt = v.substr(0, salt_end);
    const auto hash = v.substr(salt_end + 1);
    return salt.size() >= 11 && hash.size() >= 22 && all_of(salt, is_b64) && all_of(hash, is_b64);
}

// $2b$12$ + 22 salt + 31 hash characters
bool valid_bcrypt(std::string_view v) {
    if (v.size() != 60 || v[0] != '$' || v[1] != '2' || v[3] != '$' || v[6] != '$') return false;
    if (v[2] != 'a' && v[2] != 'b' && v[2] != 'y') return false;
    if (v[4] < '0' || v[4] > '3' || v[5] < '0' || v[5] > '9') return false;
    return all_of(v.substr(7), is_crypt64);
}

// $6$[rounds=N$]salt$86 characters
bool valid_sha512_crypt(std::string_view v) {
    if (!v.starts_with("$6$")) return false;
    v.remove_prefix(3);
    if (v.starts_with("rounds=")) {
        const auto end = v.find('$');
        if (end == std::string_view::npos || end == 7) return false;
        if (!std::all_of(v.begin() + 7, v.begin() + static_cast<long>(end), [](char c) { return c >= '0' && c <= '9'; })) {
            return false;
        }
        v.remove_prefix(end + 1);
    }
    const auto salt_end = v.find('$');
    if (salt_end == std::string_view::npos || salt_end > 16) return false;
    const auto hash = v.substr(salt_end + 1);
    return hash.size() == 86 && all_of(hash, is_crypt64) && all_of(v.substr(0, salt_end), [](char c) {
               return c != ':' && c != '\n';
           });
}

}  // namespace

std::optional<std::string> password_hash_problem(std::string_view value) {
    if (value.starts_with("$argon2id$")) {
        if (valid_argon2id(value)) return std::nullopt;
        return "malformed $argon2id$ hash (expected $argon2id$v=19$m=..,t=..,p=..$salt$hash)";
    }
    if (value.starts_with("$2")) {
        if (valid_bcrypt(value)) return std::nullopt;
        return "malformed bcrypt hash (expected $2b$NN$ followed by 53 characters)";
    }
    if (value.starts_with("$6$")) {
        if (valid_sha512_crypt(value)) return std::nullopt;
        return "malformed SHA-512-crypt hash (expected $6$salt$ followed by 86 characters)";
    }
    if (value.starts_with("$argon2i$") || value.starts_with("$argon2d$")) {
        return "only the argon2id variant is accepted; " + std::string(how_to_hash);
    }
    if (value.starts_with("$")) return "unsupported hash scheme; " + std::string(how_to_hash);
    return "plaintext passwords are refused; " + std::string(how_to_hash);
}

}  // namespace wharf::config::detail
