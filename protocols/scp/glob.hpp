// The part of shell globbing an scp source needs: `*` and `?` within one path component, as
// the shell OpenSSH's server runs would expand `scp -f 'dir/*.txt'`. A backslash makes the
// next character literal (split_shell_words escapes quoted wildcards that way).
#pragma once

#include <string>
#include <string_view>

namespace wharf::scp {

/// Whether `pattern` holds an unescaped `*` or `?`.
[[nodiscard]] bool has_wildcards(std::string_view pattern) noexcept;

/// Whether `name` (one path component) matches `pattern`. As in a shell, a leading '.' must be
/// matched by a literal '.', not by a wildcard.
[[nodiscard]] bool glob_matches(std::string_view pattern, std::string_view name) noexcept;

/// `pattern` without its escaping backslashes: the literal name it stands for.
[[nodiscard]] std::string unescape_pattern(std::string_view pattern);

}  // namespace wharf::scp
