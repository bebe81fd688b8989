// wharf: the operator's tool.
#include <fmt/format.h>

#include <cstdio>
#include <string_view>
#include <vector>

#include "daemon/cli/commands.hpp"

namespace {

void print_usage() {
    fmt::print(
        "usage: wharf COMMAND [ARGS]\n"
        "  passwd [--stdin]                  hash a password (argon2id) for users[].password\n"
        "  keygen -t TYPE [-b BITS] [-C COMMENT] -f FILE\n"
        "                                    write an OpenSSH private key FILE and FILE.pub;\n"
        "                                    TYPE: ed25519, ecdsa (P-256), ecdsa-384, ecdsa-521, rsa\n"
        "  check-config FILE                 validate a configuration file\n"
        "  exec [-p PORT] [-i KEY] [--password-env VAR] [--known-hosts FILE | --fingerprint FP]\n"
        "       USER@HOST COMMAND...         run a command over SSH (host key must be vouched for)\n"
        "  sftp [-p PORT] [-i KEY] [--password-env VAR] [--known-hosts FILE | --fingerprint FP |\n"
        "       --accept-any-host-key] [--sftp-version 3..6] [--requests N] [--request-size BYTES]\n"
        "       COMMAND USER@HOST ARGS...    one SFTP operation: put LOCAL REMOTE, get REMOTE LOCAL,\n"
        "                                    ls [-l] DIR, stat PATH, rm PATH, mkdir DIR, rmdir DIR, mv OLD NEW\n"
        "  oftp send (--config FILE --partner NAME | --to HOST:PORT --ssid CODE --sfid CODE) [OPTIONS] FILE...\n"
        "                                    send files over OFTP 1.2-2.0 (TCP or TLS); 'wharf oftp --help'\n"
        "  version                           print the version\n");
}

}  // namespace

int main(int argc, char** argv) {
    using namespace wharf;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage();
        return args.empty() ? 2 : 0;
    }
    const auto command = args[0];
    const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
    try {
        if (command == "passwd") return cli::passwd(rest);
        if (command == "keygen") return cli::keygen(rest);
        if (command == "exec") return cli::exec(rest);
        if (command == "sftp") return cli::sftp_client(rest);
        if (command == "oftp") return cli::oftp_client(rest);
        if (command == "check-config" && rest.size() == 1) return cli::check_config(rest[0]);
        if (command == "version" || command == "--version") {
            fmt::print("wharf {}\n", WHARF_VERSION);
            return 0;
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "wharf {}: {}\n", command, e.what());
        return 1;
    }
    fmt::print(stderr, "wharf: unknown command or arguments: {}\n", command);
    print_usage();
    return 2;
}
