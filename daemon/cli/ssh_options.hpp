// The SSH options `wharf exec` and `wharf sftp` share (port, credentials, host key checks,
// algorithms, keepalives, timeouts): one table, parsed and documented in one place. Each
// command runs its own loop and hands every option word here first.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "daemon/cli/ssh_client.hpp"

namespace wharf::cli {

/// A known SSH option with a missing or bad value, or naming an unset environment variable.
/// The message names the option and never contains a secret.
class OptionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Options as a command starts from: defaults, and questions go to the terminal.
[[nodiscard]] SshClientOptions default_ssh_client_options();

/// If args[index] is an SSH option, applies it (with its value, args[index + 1]) to `options`
/// and returns the number of words it took (1 or 2); returns 0 for any other word. Secrets
/// named by --password-env, --passphrase-env and --kbd-answers-env are read from the
/// environment here. Throws OptionError.
std::size_t parse_ssh_option(std::span<const std::string_view> args, std::size_t index, SshClientOptions& options);

/// A pinned host key fingerprint in the form PublicKey prints it ("SHA256:<base64>",
/// "SHA1:<base64>", "MD5:<hex pairs>"), from any of: those forms (prefix in any case, base64
/// with or without padding), the prefix followed by hex, or bare hex of 16, 20 or 32 bytes
/// (MD5, SHA-1, SHA-256; with or without colons, any case). nullopt when it is none of them.
[[nodiscard]] std::optional<std::string> canonical_fingerprint(std::string_view pin);

/// Writes the SSH options, one per line with what each does, indented by `indent` spaces.
void print_ssh_options_usage(std::FILE* out, int indent);

}  // namespace wharf::cli
