// `wharf exec`: run one command on an SSH server (OpenSSH sshd or wharfd) and relay its
// input, output and exit status. The host key must be vouched for by known_hosts or a pinned
// fingerprint unless --accept-any-host-key is given. Exit status: the command's, 2 for usage
// errors, 255 when connecting or logging on fails (as ssh(1)).
#include <unistd.h>

#include <fmt/format.h>

#include "daemon/cli/commands.hpp"
#include "daemon/cli/ssh_client.hpp"
#include "daemon/cli/ssh_options.hpp"

namespace wharf::cli {

namespace {

int usage() {
    fmt::print(stderr, "usage: wharf exec [options] USER@HOST COMMAND...\noptions:\n");
    print_ssh_options_usage(stderr, 2);
    return 2;
}

}  // namespace

int exec(std::span<const std::string_view> args) {
    auto options = default_ssh_client_options();
    std::size_t i = 0;
    try {
        while (i < args.size() && args[i].starts_with("-")) {
            const auto used = parse_ssh_option(args, i, options);
            if (used == 0) {
                fmt::print(stderr, "wharf exec: unknown option {}\n", args[i]);
                return usage();
            }
            i += used;
        }
    } catch (const OptionError& e) {
        fmt::print(stderr, "wharf exec: {}\n", e.what());
        return usage();
    }
    if (i + 2 > args.size()) return usage();
    const auto target = args[i++];
    const auto at = target.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == target.size()) return usage();
    options.user = target.substr(0, at);
    options.host = target.substr(at + 1);
    std::string command;
    for (; i < args.size(); ++i) command += (command.empty() ? "" : " ") + std::string(args[i]);
    try {
        SshClient client(std::move(options));
        client.connect();
        return client.exec(command, STDIN_FILENO, STDOUT_FILENO);
    } catch (const std::exception& e) {
        fmt::print(stderr, "wharf exec: {}\n", e.what());
        return 255;
    }
}

}  // namespace wharf::cli
