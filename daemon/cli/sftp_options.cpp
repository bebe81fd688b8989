// Parsing of `wharf sftp` options (see sftp_options.hpp).
#include "daemon/cli/sftp_options.hpp"

#include <fmt/format.h>

#include <charconv>

#include "daemon/cli/sftp_commands.hpp"
#include "daemon/cli/ssh_options.hpp"

namespace wharf::cli {

int sftp_usage() {
    fmt::print(stderr,
               "usage: wharf sftp [options] COMMAND ARGS... (USER@HOST[:PATH] as one of ARGS)\n"
               "       wharf sftp [options] -b BATCHFILE USER@HOST\n"
               "connection and logon:\n");
    print_ssh_options_usage(stderr, 2);
    fmt::print(stderr,
               "sftp:\n"
               "  --sftp-version 3..6, --requests N (default 64), --request-size BYTES,\n"
               "  --parallel N (files at once), --json, --sha256, --no-progress\n"
               "exit: 0 done, 1 an operation failed, 2 usage, 255 connection or logon\n"
               "commands:\n");
    print_command_synopses(stderr);
    return 2;
}

namespace {

template <class Number>
bool parse_number(std::string_view text, Number& out) {
    return !text.empty() && std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc{};
}

struct Target {
    std::string user;
    std::string host;
    std::optional<std::string> path;
};

// USER@HOST, USER@HOST:PATH, USER@[ADDRESS]:PATH. The user may contain '@' (the last one before
// the host counts); paths starting with '/' or '.' are never targets.
std::optional<Target> parse_target(std::string_view word) {
    if (word.empty() || word.starts_with('/') || word.starts_with('.')) return std::nullopt;
    const auto at = word.rfind('@', word.find(':'));
    if (at == std::string_view::npos || at == 0 || at + 1 >= word.size()) return std::nullopt;
    Target target{std::string(word.substr(0, at)), {}, {}};
    std::string_view rest = word.substr(at + 1);
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        target.host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
    } else {
        const auto colon = rest.find(':');
        target.host = rest.substr(0, colon);
        rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon);
    }
    if (target.host.empty() || target.host.find('/') != std::string::npos) return std::nullopt;
    if (rest.starts_with(':')) {
        target.path = std::string(rest.substr(1));
        if (target.path->empty()) target.path = ".";
    } else if (!rest.empty()) {
        return std::nullopt;
    }
    return target;
}

// Takes the first positional word that is a target out of `words` (words[0] is the command):
// USER@HOST goes, USER@HOST:PATH leaves PATH in its place.
std::optional<Target> take_target(std::vector<std::string>& words) {
    const auto* spec = find_command(words[0]);
    if (!spec) return std::nullopt;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string_view word = words[i];
        if (word == "--") continue;
        if (word.size() > 1 && word.starts_with('-')) {
            const bool valued = std::find(spec->valued.begin(), spec->valued.end(), word) != spec->valued.end();
            if (valued) ++i;
            continue;
        }
        auto target = parse_target(word);
        if (!target) continue;
        if (target->path) {
            words[i] = *target->path;
        } else {
            words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
        }
        return target;
    }
    return std::nullopt;
}

}  // namespace

std::optional<SftpOptions> parse_sftp_options(std::span<const std::string_view> args) {
    SftpOptions run;
    run.ssh = default_ssh_client_options();
    std::size_t i = 0;
    const auto fail = [](std::string_view why) -> std::optional<SftpOptions> {
        fmt::print(stderr, "wharf sftp: {}\n", why);
        return std::nullopt;
    };
    for (; i < args.size() && args[i].starts_with("-"); ++i) {
        try {
            if (const auto used = parse_ssh_option(args, i, run.ssh); used > 0) {
                i += used - 1;
                continue;
            }
        } catch (const OptionError& e) {
            return fail(e.what());
        }
        const auto option = args[i];
        if (option == "--json") {
            run.transfer.json = true;
            continue;
        }
        if (option == "--sha256") {
            run.transfer.sha256 = true;
            continue;
        }
        if (option == "--no-progress") {
            run.transfer.progress = false;
            continue;
        }
        if (i + 1 >= args.size()) return fail(fmt::format("{} needs a value", option));
        const auto v = args[++i];
        bool ok = true;
        if (option == "-b") {
            run.batch_file = std::string(v);
        } else if (option == "--sftp-version") {
            ok = parse_number(v, run.engine.max_version) && run.engine.max_version >= sftp::kMinVersion &&
                 run.engine.max_version <= sftp::kMaxVersion;
        } else if (option == "--requests") {
            ok = parse_number(v, run.transfer.pipeline.max_requests) && run.transfer.pipeline.max_requests > 0;
        } else if (option == "--request-size") {
            ok = parse_number(v, run.transfer.pipeline.request_size) && run.transfer.pipeline.request_size > 0;
        } else if (option == "--parallel") {
            ok = parse_number(v, run.transfer.simultaneous) && run.transfer.simultaneous > 0;
        } else {
            return fail(fmt::format("unknown option {}", option));
        }
        if (!ok) return fail(fmt::format("bad value for {}: {}", option, v));
    }
    std::vector<std::string> words(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    std::optional<Target> target;
    if (run.batch_file) {
        if (words.size() != 1 || !(target = parse_target(words[0])) || target->path) {
            return fail("-b takes USER@HOST and no command");
        }
    } else {
        if (words.empty()) return fail("no command");
        if (!find_command(words[0])) return fail(fmt::format("unknown command {}", words[0]));
        target = take_target(words);
        if (!target) return fail("no USER@HOST among the arguments");
        run.command = std::move(words);
    }
    run.ssh.user = target->user;
    run.ssh.host = target->host;
    return run;
}

}  // namespace wharf::cli
