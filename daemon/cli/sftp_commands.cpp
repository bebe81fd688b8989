// Dispatch, argument parsing and batch files for `wharf sftp` (see sftp_commands.hpp).
#include "daemon/cli/sftp_commands.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace wharf::cli {

void fail(const std::string& operation, sftp::StatusCode code, std::string message) {
    throw OperationFailed(operation + ": " + sftp::describe(sftp::ClientFailure{code, std::move(message)}));
}

bool is_missing(sftp::StatusCode code) {
    return code == sftp::StatusCode::no_such_file || code == sftp::StatusCode::no_such_path;
}

std::string SftpContext::remote(std::string_view path) const {
    if (m_remote_directory.empty() || path.starts_with('/')) return std::string(path);
    if (path.empty() || path == ".") return m_remote_directory;
    std::string joined = m_remote_directory;
    if (!joined.ends_with('/')) joined += '/';
    joined += path;
    return joined;
}

std::optional<std::string> CommandArgs::value(std::string_view flag) const {
    const auto found = values.find(flag);
    if (found == values.end()) return std::nullopt;
    return found->second;
}

std::vector<std::string> CommandArgs::all(std::string_view flag) const {
    const auto found = lists.find(flag);
    return found == lists.end() ? std::vector<std::string>{} : found->second;
}

namespace {

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void take_flag(const CommandSpec& spec, CommandArgs& out, std::string_view word,
               std::span<const std::string> words, std::size_t& i) {
    std::string_view flag = word;
    std::optional<std::string> inline_value;
    if (const auto eq = word.find('='); word.starts_with("--") && eq != std::string_view::npos) {
        flag = word.substr(0, eq);
        inline_value = std::string(word.substr(eq + 1));
    }
    if (contains(spec.valued, flag)) {
        if (!inline_value) {
            if (i + 1 >= words.size()) throw UsageError(fmt::format("{}: {} needs a value", spec.name, flag));
            inline_value = words[++i];
        }
        out.values[std::string(flag)] = *inline_value;
        out.lists[std::string(flag)].push_back(*inline_value);
        return;
    }
    if (!inline_value && contains(spec.switches, flag)) {
        out.switches.emplace(flag);
        return;
    }
    // -lr: single-letter switches run together.
    if (!inline_value && !word.starts_with("--") && word.size() > 2) {
        for (const char letter : word.substr(1)) {
            const std::string single{'-', letter};
            if (!contains(spec.switches, single)) {
                throw UsageError(fmt::format("{}: unknown flag {} in {}", spec.name, single, word));
            }
            out.switches.insert(single);
        }
        return;
    }
    throw UsageError(fmt::format("{}: unknown flag {}", spec.name, word));
}

}  // namespace

CommandArgs parse_command_args(const CommandSpec& spec, std::span<const std::string> words) {
    CommandArgs out;
    bool flags_done = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string_view word = words[i];
        if (!flags_done && word == "--") {
            flags_done = true;
        } else if (!flags_done && word.size() > 1 && word.starts_with('-')) {
            take_flag(spec, out, word, words, i);
        } else {
            out.positional.emplace_back(word);
        }
    }
    if (out.positional.size() < spec.min_positional || out.positional.size() > spec.max_positional) {
        throw UsageError(fmt::format("usage: {}", spec.synopsis));
    }
    return out;
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto table : {file_commands(), attribute_commands(), transfer_commands()}) {
        for (const auto& spec : table) {
            if (spec.name == name) return &spec;
        }
    }
    return nullptr;
}

void print_command_synopses(std::FILE* out) {
    for (const auto table : {file_commands(), attribute_commands(), transfer_commands()}) {
        for (const auto& spec : table) fmt::print(out, "  {}\n", spec.synopsis);
    }
}

void run_command(SftpContext& context, std::span<const std::string> words) {
    if (words.empty()) throw UsageError("no command");
    const auto* spec = find_command(words[0]);
    if (!spec) throw UsageError(fmt::format("unknown command {}", words[0]));
    spec->run(context, parse_command_args(*spec, words.subspan(1)));
}

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && i + 1 < line.size() &&
                       (line[i + 1] == '"' || line[i + 1] == '\\')) {
                word += line[++i];  // as in sh: other backslashes in "..." stay (mask escapes)
            } else {
                word += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            word += line[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            if (in_word) words.push_back(std::exchange(word, {}));
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote) throw UsageError("unclosed quote");
    if (in_word) words.push_back(std::move(word));
    return words;
}

void run_batch(SftpContext& context, std::istream& lines, std::string_view name) {
    run_batch([&context](std::span<const std::string> words) { run_command(context, words); }, lines, name);
}

void run_batch(const BatchLineRunner& run_line, std::istream& lines, std::string_view name) {
    std::string line;
    for (std::size_t number = 1; std::getline(lines, line); ++number) {
        std::string_view text = line;
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
        if (text.empty() || text.front() == '#') continue;
        const bool may_fail = text.front() == '-';
        if (may_fail) text.remove_prefix(1);
        fmt::print(stderr, "sftp> {}\n", text);
        const auto where = [&] { return fmt::format("{} line {}: ", name, number); };
        try {
            const auto words = split_words(text);
            if (words.empty()) continue;
            run_line(words);
        } catch (const UsageError& e) {
            throw UsageError(where() + e.what());
        } catch (const OperationFailed& e) {
            if (may_fail) {
                fmt::print(stderr, "wharf sftp: {}{} (ignored)\n", where(), e.what());
                continue;
            }
            throw OperationFailed(where() + e.what());
        }
    }
}

}  // namespace wharf::cli
