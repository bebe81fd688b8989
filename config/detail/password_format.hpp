// Shape checks for credential values in the configuration. They decide whether a value is
// acceptable to store; verifying a password against a hash is daemon/auth's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::config::detail {

/// Nullopt for a well-formed $argon2id$, $2a$/$2b$/$2y$ or $6$ hash; otherwise what is wrong,
/// phrased for the operator and never quoting the value.
std::optional<std::string> password_hash_problem(std::string_view value);

/// Nullopt when `line` is a valid OpenSSH authorized_keys line; otherwise what is wrong.
std::optional<std::string> authorized_key_problem(std::string_view line);

}  // namespace wharf::config::detail
