// The exec command line of an SCP session, as an OpenSSH or PuTTY client sends it:
// `scp -t -- /in`, `scp -r -p -d -t 'dir with space'`, `scp -v -f a b`. No shell runs it: the
// words are split here with POSIX shell quoting (single quotes, double quotes, backslashes),
// and anything that would need a real shell (pipes, `;`, `$`, redirections) is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wharf::scp {

/// One shell word. `pattern` is `text` with every quoted or escaped `*`, `?`, `[` and `\`
/// escaped by a backslash, so a glob matcher sees only the wildcards the shell would expand.
struct ShellWord {
    std::string text;
    std::string pattern;
    friend bool operator==(const ShellWord&, const ShellWord&) = default;
};

/// Splits `line` into words as a POSIX shell would, without expansions. nullopt when a quote is
/// unterminated, a trailing backslash escapes nothing, or the line holds an unquoted operator
/// (`;`, `&`, `|`, `<`, `>`, `(`, `)`), `$` or backquote that only a shell could act on.
[[nodiscard]] std::optional<std::vector<ShellWord>> split_shell_words(std::string_view line);

enum class Direction {
    sink,    ///< -t: the client sends files to us
    source,  ///< -f: we send files to the client
};

/// A parsed `scp` command.
struct Command {
    Direction direction = Direction::sink;
    bool recursive = false;                 ///< -r: directories (D/E records) allowed
    bool preserve = false;                  ///< -p: times (T records) and exact modes
    bool target_must_be_directory = false;  ///< -d
    bool verbose = false;                   ///< -v: accepted, no effect on a server
    bool quiet = false;                     ///< -q: accepted, no effect on a server
    /// -t: exactly one target. -f: one or more sources, each with its glob pattern.
    std::vector<ShellWord> paths;
};

/// Why a command line is not a runnable scp command.
struct CommandError {
    enum class Kind {
        not_scp,  ///< another program: refuse the exec request politely
        invalid,  ///< scp, but options or arguments are wrong
    } kind = Kind::invalid;
    std::string message;  ///< for the client's stderr, without "scp: " or newline
};

/// Parses the exec command `line`. The program must be `scp` (or a path ending in `/scp`).
[[nodiscard]] std::variant<Command, CommandError> parse_command(std::string_view line);

}  // namespace wharf::scp
