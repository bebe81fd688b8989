#include "protocols/scp/command.hpp"

#include <cstddef>

namespace wharf::scp {

namespace {

bool is_glob_special(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// Characters a shell would act on that we cannot honour without running one.
bool is_shell_operator(char c) {
    switch (c) {
    case ';': case '&': case '|': case '<': case '>': case '(': case ')': case '$': case '`':
        return true;
    default:
        return false;
    }
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Builds one word, remembering which characters came from quotes (those are never wildcards).
class WordBuilder {
public:
    void add_unquoted(char c) {
        m_word.text += c;
        m_word.pattern += c;
        m_started = true;
    }
    void add_quoted(char c) {
        m_word.text += c;
        if (is_glob_special(c)) m_word.pattern += '\\';
        m_word.pattern += c;
        m_started = true;
    }
    // '' and "" make an empty word.
    void mark_started() { m_started = true; }
    [[nodiscard]] bool started() const { return m_started; }
    [[nodiscard]] bool empty() const { return m_word.text.empty(); }

    ShellWord take() {
        ShellWord word = std::move(m_word);
        m_word = {};
        m_started = false;
        return word;
    }

private:
    ShellWord m_word;
    bool m_started = false;
};

// Inside "...": a backslash escapes only $ ` " \ and newline; $ and ` would expand.
bool read_double_quoted(std::string_view line, std::size_t& i, WordBuilder& word) {
    for (++i; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') return true;
        if (c == '$' || c == '`') return false;
        if (c == '\\' && i + 1 < line.size()) {
            const char next = line[i + 1];
            if (next == '$' || next == '`' || next == '"' || next == '\\') {
                word.add_quoted(next);
                ++i;
                continue;
            }
            if (next == '\n') {  // line continuation
                ++i;
                continue;
            }
        }
        word.add_quoted(c);
    }
    return false;
}

bool read_single_quoted(std::string_view line, std::size_t& i, WordBuilder& word) {
    for (++i; i < line.size(); ++i) {
        if (line[i] == '\'') return true;
        word.add_quoted(line[i]);
    }
    return false;
}

// An unquoted leading "~" or "~/" is the home directory, which relative virtual paths start
// from; "~user" is left alone (virtual users do not see each other's homes).
void expand_tilde(ShellWord& word, bool tilde_unquoted) {
    if (!tilde_unquoted || word.text.empty() || word.text[0] != '~') return;
    if (word.text == "~") {
        word.text = word.pattern = ".";
    } else if (word.text[1] == '/') {
        word.text.erase(0, 2);
        word.pattern.erase(0, 2);
        if (word.text.empty()) word.text = word.pattern = ".";
    }
}

}  // namespace

std::optional<std::vector<ShellWord>> split_shell_words(std::string_view line) {
    std::vector<ShellWord> words;
    WordBuilder word;
    bool tilde_unquoted = false;
    const auto finish_word = [&] {
        ShellWord done = word.take();
        expand_tilde(done, tilde_unquoted);
        words.push_back(std::move(done));
        tilde_unquoted = false;
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (is_blank(c)) {
            if (word.started()) finish_word();
            continue;
        }
        if (!word.started() && c == '#') return std::nullopt;  // a comment would hide arguments
        if (!word.started() && c == '~') tilde_unquoted = true;
        if (is_shell_operator(c)) return std::nullopt;
        if (c == '\'') {
            word.mark_started();
            if (!read_single_quoted(line, i, word)) return std::nullopt;
        } else if (c == '"') {
            word.mark_started();
            if (!read_double_quoted(line, i, word)) return std::nullopt;
        } else if (c == '\\') {
            if (i + 1 >= line.size()) return std::nullopt;
            ++i;
            if (line[i] != '\n') word.add_quoted(line[i]);  // backslash-newline joins lines
        } else {
            word.add_unquoted(c);
        }
    }
    if (word.started()) finish_word();
    return words;
}

namespace {

bool names_scp(std::string_view program) {
    if (program == "scp") return true;
    return program.size() > 4 && program.substr(program.size() - 4) == "/scp";
}

CommandError invalid(std::string message) {
    return CommandError{CommandError::Kind::invalid, std::move(message)};
}

// Applies one cluster of option letters ("-rpt"). Empty on success, else the message.
std::string apply_options(std::string_view letters, Command& command, bool& sink, bool& source) {
    for (const char letter : letters) {
        switch (letter) {
        case 't': sink = true; break;
        case 'f': source = true; break;
        case 'r': command.recursive = true; break;
        case 'p': command.preserve = true; break;
        case 'd': command.target_must_be_directory = true; break;
        case 'v': command.verbose = true; break;
        case 'q': command.quiet = true; break;
        default: return std::string("unknown option -") + letter;
        }
    }
    return {};
}

}  // namespace

std::variant<Command, CommandError> parse_command(std::string_view line) {
    auto words = split_shell_words(line);
    if (!words) {
        // Could still be scp with shell syntax; say so only if it starts like scp.
        const auto first = line.substr(0, line.find_first_of(" \t"));
        if (names_scp(first)) return invalid("unsupported shell syntax in the command");
        return CommandError{CommandError::Kind::not_scp, "not an scp command"};
    }
    if (words->empty() || !names_scp((*words)[0].text)) {
        return CommandError{CommandError::Kind::not_scp, "not an scp command"};
    }
    Command command;
    bool sink = false;
    bool source = false;
    std::size_t i = 1;
    for (; i < words->size(); ++i) {
        const std::string& word = (*words)[i].text;
        if (word == "--") {
            ++i;
            break;
        }
        if (word.size() < 2 || word[0] != '-') break;
        if (auto error = apply_options(std::string_view(word).substr(1), command, sink, source);
            !error.empty()) {
            return invalid(std::move(error));
        }
    }
    if (sink == source) return invalid("exactly one of -t and -f is required");
    command.direction = sink ? Direction::sink : Direction::source;
    command.paths.assign(words->begin() + static_cast<std::ptrdiff_t>(i), words->end());
    if (command.paths.empty()) return invalid("missing path");
    if (sink && command.paths.size() != 1) return invalid("ambiguous target");
    for (const auto& path : command.paths) {
        if (path.text.empty()) return invalid("empty path");
        if (path.text.find('\0') != std::string::npos) return invalid("path contains a NUL byte");
    }
    return command;
}

}  // namespace wharf::scp
