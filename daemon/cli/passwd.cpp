#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <string>

#include "daemon/auth/password_hash.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/terminal.hpp"

namespace wharf::cli {

int passwd(std::span<const std::string_view> args) {
    bool from_stdin = !isatty(STDIN_FILENO);
    for (const auto arg : args) {
        if (arg == "--stdin") from_stdin = true;
        else {
            fmt::print(stderr, "usage: wharf passwd [--stdin]\n");
            return 2;
        }
    }
    std::optional<std::string> password;
    if (from_stdin) {
        std::string line;
        if (std::getline(std::cin, line)) password = std::move(line);
    } else {
        password = ask_terminal("Password: ", false);
        const auto again = ask_terminal("Repeat password: ", false);
        if (password && again && *password != *again) {
            fmt::print(stderr, "wharf passwd: the passwords differ\n");
            return 1;
        }
    }
    if (!password || password->empty()) {
        fmt::print(stderr, "wharf passwd: no password given\n");
        return 1;
    }
    fmt::print("{}\n", auth::hash_password(*password));
    return 0;
}

}  // namespace wharf::cli
