#include "protocols/scp/command.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

namespace scp = wharf::scp;

namespace {

scp::Command parsed(std::string_view line) {
    auto result = scp::parse_command(line);
    INFO(line);
    REQUIRE(std::holds_alternative<scp::Command>(result));
    return std::get<scp::Command>(result);
}

scp::CommandError rejected(std::string_view line) {
    auto result = scp::parse_command(line);
    INFO(line);
    REQUIRE(std::holds_alternative<scp::CommandError>(result));
    return std::get<scp::CommandError>(result);
}

std::vector<std::string> texts(const scp::Command& command) {
    std::vector<std::string> out;
    for (const auto& path : command.paths) out.push_back(path.text);
    return out;
}

}  // namespace

TEST_CASE("scp command: OpenSSH's upload command", "[scp][command]") {
    const auto command = parsed("scp -t -- /in");
    CHECK(command.direction == scp::Direction::sink);
    CHECK_FALSE(command.recursive);
    CHECK_FALSE(command.preserve);
    CHECK_FALSE(command.target_must_be_directory);
    CHECK(texts(command) == std::vector<std::string>{"/in"});
}

TEST_CASE("scp command: every flag, quoted target with spaces", "[scp][command]") {
    const auto command = parsed("scp -v -r -p -d -t -- 'dir with space'");
    CHECK(command.direction == scp::Direction::sink);
    CHECK(command.recursive);
    CHECK(command.preserve);
    CHECK(command.target_must_be_directory);
    CHECK(command.verbose);
    CHECK(texts(command) == std::vector<std::string>{"dir with space"});
}

TEST_CASE("scp command: download of several sources", "[scp][command]") {
    const auto command = parsed("scp -f -- 'a b' c");
    CHECK(command.direction == scp::Direction::source);
    CHECK(texts(command) == std::vector<std::string>{"a b", "c"});
}

TEST_CASE("scp command: clustered flags, -q, a path to scp, no --", "[scp][command]") {
    CHECK(parsed("scp -v -t .").verbose);
    const auto clustered = parsed("scp -rpqt /x");
    CHECK(clustered.recursive);
    CHECK(clustered.preserve);
    CHECK(clustered.quiet);
    CHECK(clustered.direction == scp::Direction::sink);
    CHECK(texts(parsed("/usr/bin/scp -f x")) == std::vector<std::string>{"x"});
    CHECK(texts(parsed("scp -t -- -dash")) == std::vector<std::string>{"-dash"});
}

TEST_CASE("scp command: POSIX shell quoting", "[scp][command]") {
    CHECK(texts(parsed(R"(scp -f 'it'\''s')")) == std::vector<std::string>{"it's"});
    CHECK(texts(parsed(R"(scp -f a\ b)")) == std::vector<std::string>{"a b"});
    CHECK(texts(parsed(R"(scp -f "x\"y" "a\b" "c\\d")")) == std::vector<std::string>{"x\"y", "a\\b", "c\\d"});
    CHECK(texts(parsed("scp  -f\t 'a'\"b\"c ")) == std::vector<std::string>{"abc"});
}

TEST_CASE("scp command: quoted wildcards are escaped in the pattern", "[scp][command]") {
    const auto command = parsed(R"(scp -f *.txt '*.log' a\?b "[x]")");
    REQUIRE(command.paths.size() == 4);
    CHECK(command.paths[0].pattern == "*.txt");
    CHECK(command.paths[1].text == "*.log");
    CHECK(command.paths[1].pattern == "\\*.log");
    CHECK(command.paths[2].text == "a?b");
    CHECK(command.paths[2].pattern == "a\\?b");
    CHECK(command.paths[3].pattern == "\\[x]");
}

TEST_CASE("scp command: an unquoted leading ~ is the home directory", "[scp][command]") {
    CHECK(texts(parsed("scp -f ~/x ~ '~/y' ~other/z")) == std::vector<std::string>{"x", ".", "~/y", "~other/z"});
}

TEST_CASE("scp command: other programs are not scp", "[scp][command]") {
    for (const char* line : {"ls -la", "", "   ", "scpx -t a", "echo scp -t a", "sftp-server", "ls; scp -t a"}) {
        CHECK(rejected(line).kind == scp::CommandError::Kind::not_scp);
    }
}

TEST_CASE("scp command: wrong options and arguments are refused with a reason", "[scp][command]") {
    CHECK(rejected("scp -x -t a").message == "unknown option -x");
    CHECK(rejected("scp -t").message == "missing path");
    CHECK(rejected("scp -t -- ").message == "missing path");
    CHECK(rejected("scp -t a b").message == "ambiguous target");
    CHECK(rejected("scp -t -f a").message == "exactly one of -t and -f is required");
    CHECK(rejected("scp a").message == "exactly one of -t and -f is required");
    CHECK(rejected("scp -t ''").message == "empty path");
    for (const char* line : {"scp -t 'unterminated", "scp -t a; rm -rf /", "scp -t $HOME", "scp -t `id`",
                             "scp -f a | cat", "scp -t a\\", "scp -t \"$x\"", "scp -t a > b", "scp -t #x"}) {
        INFO(line);
        CHECK(rejected(line).kind == scp::CommandError::Kind::invalid);
    }
}

TEST_CASE("scp command: shell word splitting", "[scp][command]") {
    const auto words = scp::split_shell_words("a 'b c'\\\nd \"e\\$\"");
    REQUIRE(words);
    REQUIRE(words->size() == 3);
    CHECK((*words)[0].text == "a");
    CHECK((*words)[1].text == "b cd");
    CHECK((*words)[2].text == "e$");
    const auto empty = scp::split_shell_words("'' \"\"");
    REQUIRE(empty);
    CHECK(empty->size() == 2);
    CHECK((*empty)[0].text.empty());
    CHECK_FALSE(scp::split_shell_words("'open"));
    CHECK_FALSE(scp::split_shell_words("\"open"));
}
