#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "daemon/auth/password_hash.hpp"
#include "daemon/cli/commands.hpp"

namespace wharf::cli {

namespace {

// Reads one line from the terminal with echo off, so the password never shows on screen.
std::optional<std::string> read_hidden(const char* prompt) {
    fmt::print(stderr, "{}", prompt);
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    const bool ok = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fmt::print(stderr, "\n");
    }
    if (!ok) return std::nullopt;
    return line;
}

}  // namespace

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
        password = read_hidden("Password: ");
        const auto again = read_hidden("Repeat password: ");
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
