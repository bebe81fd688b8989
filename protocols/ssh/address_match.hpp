// Client address patterns as OpenSSH matches them for authorized_keys from="..." (match.c,
// addrmatch.c): comma-separated entries, each optionally negated with '!', that are either an
// address or CIDR block (IPv4 or IPv6) or a '*'/'?' wildcard pattern.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::ssh {

// Whether a client may log in under from="patterns".
//  - "192.0.2.0/24", "2001:db8::/32": the client address is inside the block;
//  - "192.0.2.7", "2001:db8::1": the address equals it;
//  - anything else: a wildcard pattern matched against the address text and, if client_host is
//    given (only when the host name was looked up and verified), against the host name without
//    regard to case.
// client_address is an IP address as text; an IPv4-mapped IPv6 address counts as IPv4.
// Returns true when some positive entry matches and no negated one does: a negated match denies
// outright, whatever else matches. A malformed entry (an address block with host bits set, a bad
// prefix length, an empty entry) denies too, as OpenSSH does, so a typo never opens access.
[[nodiscard]] bool match_from_patterns(std::string_view patterns, std::string_view client_address,
                                       std::string_view client_host = {});

// nullopt if every entry of the list is well formed, else what is wrong with the first bad one.
// authorized_keys parsing calls it so a typo shows when the file is read, not at login time.
[[nodiscard]] std::optional<std::string> from_patterns_error(std::string_view patterns);

// OpenSSH's match_pattern: '*' matches any run of characters (also none), '?' exactly one;
// everything else matches itself. Case-sensitive.
[[nodiscard]] bool match_wildcard(std::string_view text, std::string_view pattern) noexcept;

}  // namespace wharf::ssh
