// `wharf exec`: run one command on an SSH server (OpenSSH sshd or wharfd) and relay its
// input, output and exit status. The host key must be vouched for by known_hosts or a pinned
// fingerprint unless --insecure-accept-any-host-key is given.
#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "daemon/cli/commands.hpp"
#include "daemon/cli/ssh_client.hpp"

namespace wharf::cli {

namespace {

int usage() {
    fmt::print(stderr,
               "usage: wharf exec [-p PORT] [-i KEY]... [--password-env VAR] [--known-hosts FILE]\n"
               "                  [--fingerprint SHA256:...] [--insecure-accept-any-host-key]\n"
               "                  [--cipher NAME] [--kex NAME] USER@HOST COMMAND...\n");
    return 2;
}

std::vector<std::string> comma_list(std::string_view text) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        names.emplace_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return names;
}

}  // namespace

int exec(std::span<const std::string_view> args) {
    SshClientOptions options;
    std::size_t i = 0;
    const auto value = [&]() -> std::optional<std::string_view> {
        if (i + 1 >= args.size()) return std::nullopt;
        return args[++i];
    };
    for (; i < args.size() && args[i].starts_with("-"); ++i) {
        const auto option = args[i];
        if (option == "--insecure-accept-any-host-key") {
            options.host_key.accept_any = true;
            continue;
        }
        const auto v = value();
        if (!v) return usage();
        if (option == "-p") {
            if (std::from_chars(v->data(), v->data() + v->size(), options.port).ec != std::errc{}) return usage();
        } else if (option == "-i") {
            options.identity_files.emplace_back(*v);
        } else if (option == "--password-env") {
            const char* password = std::getenv(std::string(*v).c_str());
            if (!password) {
                fmt::print(stderr, "wharf exec: environment variable {} is not set\n", *v);
                return 2;
            }
            options.password = password;
        } else if (option == "--known-hosts") {
            options.host_key.known_hosts_file = *v;
        } else if (option == "--fingerprint") {
            options.host_key.fingerprint = *v;
        } else if (option == "--cipher") {
            options.ciphers = comma_list(*v);
        } else if (option == "--kex") {
            options.kex = comma_list(*v);
        } else {
            return usage();
        }
    }
    if (i + 2 > args.size()) return usage();
    const auto target = args[i++];
    const auto at = target.find('@');
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
