// The commands of `wharf sftp`, shared by the one-shot form (`wharf sftp get USER@HOST:PATH
// LOCAL`) and batch files (`-b FILE`, one command per line, like OpenSSH's `sftp -b`).
//
// A command is a name, flags and arguments (`get -r --resume /in ./out`). Each handler parses
// its own words with parse_command_args() and reports through exceptions:
//   UsageError       bad words: exit 2 (in a batch: the line is named, the batch stops)
//   OperationFailed  the server refused or a local file operation failed: exit 1, message
//                    "OPERATION PATH: SSH_FX_NAME (server message)" or the local reason
//   anything else    the connection is gone: exit 255
// Files: sftp_commands.cpp (dispatch, batch, argument parsing), sftp_commands_files.cpp
// (listing and file operations), sftp_commands_attributes.cpp (setting attributes, hash, cp,
// df), sftp_commands_transfer.cpp (put, get, mirror, queues).
#pragma once

#include <cstdio>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/cli/sftp_options.hpp"
#include "daemon/cli/sftp_session.hpp"

namespace wharf::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class OperationFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The value of a request, or OperationFailed("OPERATION: SSH_FX_... (message)").
template <class T>
T checked(sftp::ClientResult<T> result, const std::string& operation) {
    if (!result) throw OperationFailed(operation + ": " + sftp::describe(result.failure()));
    if constexpr (!std::is_void_v<T>) return std::move(result.value());
}

// Throws OperationFailed("OPERATION: SSH_FX_NAME (message)") for a failure the client finds
// itself (a local check, an answer that does not fit).
[[noreturn]] void fail(const std::string& operation, sftp::StatusCode code, std::string message);

// The path (or a component of it) does not exist.
[[nodiscard]] bool is_missing(sftp::StatusCode code);

// What every command runs against.
class SftpContext {
public:
    SftpContext(SftpSession& session, const SftpOptions& options)
        : m_session(session), m_options(options) {}

    SftpSession& session() noexcept { return m_session; }
    sftp::ClientEngine& engine() noexcept { return m_session.engine(); }
    const SftpOptions& options() const noexcept { return m_options; }

    // `path` against the remote working directory (`cd`); absolute paths and paths before
    // any `cd` are passed on as given (the server resolves them against the login directory).
    [[nodiscard]] std::string remote(std::string_view path) const;
    void set_remote_directory(std::string absolute) { m_remote_directory = std::move(absolute); }
    [[nodiscard]] const std::string& remote_directory() const noexcept { return m_remote_directory; }

private:
    SftpSession& m_session;
    const SftpOptions& m_options;
    std::string m_remote_directory;
};

// A command's words split by its CommandSpec: switches seen, values of valued flags (the last
// one, and every one in `lists` for repeatable flags), positional arguments in order.
// `-lr` is `-l -r` for single-letter switches; `--flag=value` and `--flag value` both work;
// `--` ends the flags.
struct CommandArgs {
    std::set<std::string, std::less<>> switches;
    std::map<std::string, std::string, std::less<>> values;
    std::map<std::string, std::vector<std::string>, std::less<>> lists;
    std::vector<std::string> positional;

    [[nodiscard]] bool has(std::string_view flag) const { return switches.contains(flag); }
    [[nodiscard]] std::optional<std::string> value(std::string_view flag) const;
    [[nodiscard]] std::vector<std::string> all(std::string_view flag) const;
};

using CommandHandler = void (*)(SftpContext& context, const CommandArgs& args);

struct CommandSpec {
    std::string_view name;
    std::string_view synopsis;                 // "get [-r] [--resume] REMOTE [LOCAL]"
    std::vector<std::string_view> switches;    // "-r", "--resume"
    std::vector<std::string_view> valued;      // "--offset", "--mask" (take the next word)
    std::size_t min_positional = 0;
    std::size_t max_positional = 0;
    CommandHandler run = nullptr;
};

// Each file contributes its table.
std::span<const CommandSpec> file_commands();       // sftp_commands_files.cpp
std::span<const CommandSpec> attribute_commands();  // sftp_commands_attributes.cpp
std::span<const CommandSpec> transfer_commands();   // sftp_commands_transfer.cpp

[[nodiscard]] const CommandSpec* find_command(std::string_view name);

// Splits `words` (after the command name) by `spec`. Throws UsageError naming the problem
// (unknown flag, missing value, wrong number of arguments).
[[nodiscard]] CommandArgs parse_command_args(const CommandSpec& spec, std::span<const std::string> words);

// Runs one command: words[0] is its name. Throws as described at the top.
void run_command(SftpContext& context, std::span<const std::string> words);

// Runs a batch: one command per line, `#` comments and blank lines skipped, words split like a
// shell does (single and double quotes, backslash escapes). A line starting with `-` may fail
// without stopping the batch (OpenSSH's convention). Each line is echoed to stderr as
// "sftp> LINE" unless quiet. Stops at the first failure; exceptions name the line number.
void run_batch(SftpContext& context, std::istream& lines, std::string_view name);

// run_batch() with `run_line` in place of run_command (the same rules for comments, `-`, echo
// and errors), so batch handling can be tested without a server.
using BatchLineRunner = std::function<void(std::span<const std::string> words)>;
void run_batch(const BatchLineRunner& run_line, std::istream& lines, std::string_view name);

// Shell-like word splitting of one batch line: blanks separate words, '...' is literal, "..."
// takes \" and \\ as escapes and keeps any other backslash (so "a\*b" stays a mask escape),
// an unquoted backslash escapes the next character. Throws UsageError for an unclosed quote.
[[nodiscard]] std::vector<std::string> split_words(std::string_view line);

// Prints every command's synopsis (for usage()).
void print_command_synopses(std::FILE* out);

}  // namespace wharf::cli
