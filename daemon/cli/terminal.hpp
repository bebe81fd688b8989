// Questions to the person at the controlling terminal (/dev/tty), never to stdin or stdout:
// those may carry a batch file, a command's data or a pipe, while a password prompt must reach
// a human and must not end up in a script's output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::cli {

/// Writes `prompt` to /dev/tty and reads one line from it (without its newline). With
/// `echo` false the typed characters are not shown, and the terminal's settings are restored
/// afterwards even when SIGINT, SIGTERM, SIGQUIT or SIGHUP arrives meanwhile (the signal is
/// then delivered as usual). nullopt when there is no terminal or it reached end of file.
[[nodiscard]] std::optional<std::string> ask_terminal(std::string_view prompt, bool echo);

}  // namespace wharf::cli
