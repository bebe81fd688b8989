// OpenSSH authorized_keys files (sshd(8), "AUTHORIZED_KEYS FILE FORMAT"): one key per line,
// optionally preceded by options, followed by a comment.
#pragma once

#include "protocols/ssh/key.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::ssh {

// The options before a key. Permissions start as OpenSSH's defaults (allowed); "restrict"
// turns them all off and later options may turn single ones back on, applied left to right.
// Option names are case-insensitive; values must be double-quoted, with \" for a quote.
struct AuthorizedKeyOptions {
    bool restricted = false;  // "restrict" was given
    // The key is a CA for user certificates. Such a key must not be accepted as a plain user
    // key; until certificates are supported, auth should skip these lines.
    bool cert_authority = false;
    bool port_forwarding = true;            // [no-]port-forwarding
    bool agent_forwarding = true;           // [no-]agent-forwarding
    bool x11_forwarding = true;             // [no-]x11-forwarding
    bool pty = true;                        // [no-]pty
    bool user_rc = true;                    // [no-]user-rc
    bool no_touch_required = false;         // FIDO keys only
    bool verify_required = false;           // FIDO keys only
    std::optional<std::string> command;     // command="..."
    std::optional<std::string> from;        // from="...": check with match_from_patterns
    std::optional<std::string> principals;  // principals="a,b" (with cert-authority)
    std::optional<std::string> tunnel;      // tunnel="n"
    // expiry-time="YYYYMMDD[HHMM[SS]]", local time, or UTC with a trailing 'Z'.
    std::optional<std::chrono::system_clock::time_point> expiry_time;
    std::vector<std::string> environment;    // environment="NAME=value", in file order
    std::vector<std::string> permit_open;    // permitopen="host:port"
    std::vector<std::string> permit_listen;  // permitlisten="[host:]port"
};

struct AuthorizedKey {
    AuthorizedKeyOptions options;
    PublicKey key;
    std::string comment;
    std::size_t line_number = 0;  // 1-based line in the file; 0 from parse_authorized_key_line
};

// what() reads "authorized_keys line 3: unknown option 'no-ptty'" (or without the line number
// for a single line).
class AuthorizedKeysError : public std::runtime_error {
public:
    AuthorizedKeysError(std::size_t line, const std::string& message);
    [[nodiscard]] std::size_t line() const noexcept { return m_line; }
    // The message without the "authorized_keys line N: " prefix.
    [[nodiscard]] const std::string& reason() const noexcept { return m_reason; }

private:
    std::size_t m_line;
    std::string m_reason;
};

// One line: [options] type base64 [comment]. Unknown options, malformed values (a bad from=
// pattern list, an impossible expiry-time), an unsupported key type, a blob that does not decode
// or whose own type differs from the line's all throw AuthorizedKeysError with line() == 0.
[[nodiscard]] AuthorizedKey parse_authorized_key_line(std::string_view line);

// A whole file. Blank lines and lines starting with '#' (after leading blanks) are skipped.
// With skipped == nullptr the first bad line throws AuthorizedKeysError naming its line number.
// Otherwise bad lines are appended to *skipped and the rest are returned, which is what sshd
// does, so one unsupported key does not lock out every other key in the file.
[[nodiscard]] std::vector<AuthorizedKey> parse_authorized_keys(
    std::string_view text, std::vector<AuthorizedKeysError>* skipped = nullptr);

}  // namespace wharf::ssh
