// `wharf sftp` command words: shell-like splitting of batch lines, flags and arguments by
// CommandSpec, the command tables, and how a batch file runs, stops and names its lines.
#include <catch2/catch.hpp>

#include "daemon/cli/sftp_commands.hpp"

#include <set>
#include <sstream>

using namespace std::string_literals;
using wharf::cli::CommandArgs;
using wharf::cli::CommandSpec;
using wharf::cli::OperationFailed;
using wharf::cli::UsageError;
using Words = std::vector<std::string>;

namespace {

CommandArgs parse(const CommandSpec& spec, const Words& words) {
    return wharf::cli::parse_command_args(spec, words);
}

const CommandSpec kGet{"get", "get [-r] [-p] [--resume] [--offset N] [--mask M]... REMOTE [LOCAL]",
                       {"-r", "-p", "--resume"}, {"--offset", "--mask"}, 1, 2, nullptr};

}  // namespace

TEST_CASE("split_words splits on blanks and honours quotes and escapes", "[daemon][sftp_commands]") {
    using wharf::cli::split_words;
    CHECK(split_words("put a b") == Words{"put", "a", "b"});
    CHECK(split_words("  put \t a   b  ") == Words{"put", "a", "b"});
    CHECK(split_words("put a b\r") == Words{"put", "a", "b"});  // CRLF batch files
    CHECK(split_words("") == Words{});
    CHECK(split_words("   ") == Words{});
    CHECK(split_words("put 'my file' \"your file\"") == Words{"put", "my file", "your file"});
    CHECK(split_words("put my\\ file") == Words{"put", "my file"});
    CHECK(split_words("rm a\\*b") == Words{"rm", "a*b"});                   // as in sh
    CHECK(split_words("rm 'a\\*b'") == Words{"rm", "a\\*b"});               // '...' is literal
    CHECK(split_words("rm \"a\\*b\"") == Words{"rm", "a\\*b"});             // "..." keeps \*
    CHECK(split_words(R"(x "say \"hi\" \\o/")") == Words{"x", R"(say "hi" \o/)"});
    CHECK(split_words("x '' \"\"") == Words{"x", "", ""});                  // empty words count
    CHECK(split_words("x a'b'\"c\"d") == Words{"x", "abcd"});               // pieces join
    CHECK(split_words("x 'it\"s'") == Words{"x", "it\"s"});
    CHECK(split_words("x a\\") == Words{"x", "a\\"});                       // trailing backslash
    CHECK(split_words("ls #notacomment") == Words{"ls", "#notacomment"});
}

TEST_CASE("split_words refuses an unclosed quote", "[daemon][sftp_commands]") {
    CHECK_THROWS_AS(wharf::cli::split_words("put 'a b"), UsageError);
    CHECK_THROWS_AS(wharf::cli::split_words("put \"a b"), UsageError);
    CHECK_THROWS_WITH(wharf::cli::split_words("x \"a\\\""), Catch::Contains("unclosed quote"));
}

TEST_CASE("parse_command_args: switches, valued flags, positional arguments", "[daemon][sftp_commands]") {
    const auto args = parse(kGet, {"-r", "--offset", "100", "/in", "out"});
    CHECK(args.has("-r"));
    CHECK_FALSE(args.has("-p"));
    CHECK(args.value("--offset") == "100");
    CHECK_FALSE(args.value("--mask").has_value());
    CHECK(args.all("--mask").empty());
    CHECK(args.positional == Words{"/in", "out"});
}

TEST_CASE("parse_command_args: --flag=value, repeated flags, joined letters, --", "[daemon][sftp_commands]") {
    const auto args = parse(kGet, {"--offset=7", "--mask", "*.edi", "--mask=*.x12", "-rp", "/in"});
    CHECK(args.value("--offset") == "7");
    CHECK(args.all("--mask") == Words{"*.edi", "*.x12"});
    CHECK(args.value("--mask") == "*.x12");  // the last one
    CHECK(args.has("-r"));
    CHECK(args.has("-p"));
    CHECK(args.positional == Words{"/in"});

    const auto dashed = parse(kGet, {"--", "-r", "--resume"});
    CHECK_FALSE(dashed.has("-r"));
    CHECK(dashed.positional == Words{"-r", "--resume"});

    const auto lone_dash = parse(kGet, {"-", "x"});  // "-" is an argument (stdin/stdout)
    CHECK(lone_dash.positional == Words{"-", "x"});

    const auto empty_value = parse(kGet, {"--offset=", "/in"});
    CHECK(empty_value.value("--offset") == "");
}

TEST_CASE("parse_command_args: usage errors name the problem", "[daemon][sftp_commands]") {
    CHECK_THROWS_WITH(parse(kGet, {"-x", "/in"}), "get: unknown flag -x");
    CHECK_THROWS_WITH(parse(kGet, {"--recursive", "/in"}), "get: unknown flag --recursive");
    CHECK_THROWS_WITH(parse(kGet, {"-rx", "/in"}), "get: unknown flag -x in -rx");
    CHECK_THROWS_WITH(parse(kGet, {"/in", "--offset"}), "get: --offset needs a value");
    CHECK_THROWS_WITH(parse(kGet, {"--resume=yes", "/in"}), "get: unknown flag --resume=yes");
    CHECK_THROWS_WITH(parse(kGet, {}), "usage: " + std::string(kGet.synopsis));
    CHECK_THROWS_WITH(parse(kGet, {"a", "b", "c"}), "usage: " + std::string(kGet.synopsis));
    CHECK_THROWS_AS(parse(kGet, {"-x"}), UsageError);
}

TEST_CASE("every command has a unique name, a synopsis naming it and a handler", "[daemon][sftp_commands]") {
    std::set<std::string_view> names;
    for (const auto table : {wharf::cli::file_commands(), wharf::cli::attribute_commands(),
                             wharf::cli::transfer_commands()}) {
        for (const auto& spec : table) {
            INFO(spec.name);
            CHECK(names.insert(spec.name).second);
            CHECK(spec.synopsis.starts_with(spec.name));
            CHECK(spec.run != nullptr);
            CHECK(spec.min_positional <= spec.max_positional);
            CHECK(wharf::cli::find_command(spec.name) == &spec);
        }
    }
    for (const char* name : {"ls", "stat", "lstat", "exists", "rm", "mkdir", "rmdir", "mv", "ln", "readlink",
                             "realpath", "cd", "pwd", "lcd", "lpwd", "version", "chmod", "chown", "chgrp", "touch",
                             "setstat", "hash", "cp", "df", "put", "get"}) {
        INFO(name);
        CHECK(names.contains(name));
    }
    CHECK(wharf::cli::find_command("format-c") == nullptr);
}

TEST_CASE("the file commands take the flags their synopses promise", "[daemon][sftp_commands]") {
    const auto command = [](std::string_view name) { return *wharf::cli::find_command(name); };
    const auto ls = parse(command("ls"), {"-la", "-i", "--mask", "*.edi;*.x12", "--exclude=t*", "/in"});
    CHECK(ls.has("-l"));
    CHECK(ls.has("-a"));
    CHECK(ls.has("-i"));
    CHECK(ls.all("--mask") == Words{"*.edi;*.x12"});
    CHECK(ls.all("--exclude") == Words{"t*"});
    CHECK(parse(command("ls"), {}).positional.empty());
    CHECK(parse(command("rm"), {"-f", "a", "b", "c"}).positional.size() == 3);
    CHECK_THROWS_AS(parse(command("rm"), {"-f"}), UsageError);
    CHECK(parse(command("mkdir"), {"-p", "/a/b"}).has("-p"));
    CHECK(parse(command("mv"), {"-f", "a", "b"}).has("-f"));
    CHECK(parse(command("ln"), {"-s", "t", "l"}).has("-s"));
    CHECK(parse(command("touch"), {"-m", "100", "f"}).value("-m") == "100");
    CHECK(parse(command("touch"), {"-d", "2024-01-31T10:00:00Z", "f"}).value("-d") == "2024-01-31T10:00:00Z");
    CHECK(parse(command("hash"), {"-a", "md5", "r", "l"}).value("-a") == "md5");
    CHECK(parse(command("df"), {"-h"}).has("-h"));
    CHECK(parse(command("setstat"), {"f", "mode=644", "mtime=0"}).positional.size() == 3);
    CHECK_THROWS_AS(parse(command("setstat"), {"f"}), UsageError);
    CHECK_THROWS_AS(parse(command("pwd"), {"x"}), UsageError);
    CHECK_THROWS_AS(parse(command("chmod"), {"644"}), UsageError);
}

// ---- batch files ----------------------------------------------------------------------------

namespace {

// Runs `text` as a batch through a fake command runner that records the lines and fails the
// ones the test names.
struct FakeBatch {
    std::vector<Words> ran;
    std::set<std::string> failing;  // command names that fail with OperationFailed
    std::set<std::string> misused;  // command names that fail with UsageError

    void run(const std::string& text) {
        std::istringstream lines(text);
        wharf::cli::run_batch(
            [this](std::span<const std::string> words) {
                ran.emplace_back(words.begin(), words.end());
                if (failing.contains(words[0])) throw OperationFailed(words[0] + " /x: SSH_FX_FAILURE (Failure)");
                if (misused.contains(words[0])) throw UsageError("usage: " + words[0]);
            },
            lines, "jobs.txt");
    }
};

}  // namespace

TEST_CASE("a batch runs every line in order, skipping comments and blank lines", "[daemon][sftp_commands]") {
    FakeBatch batch;
    batch.run("# nightly\n\ncd /in\n   lcd out  \n\t# indented comment\nget 'a b' c\n");
    CHECK(batch.ran == std::vector<Words>{{"cd", "/in"}, {"lcd", "out"}, {"get", "a b", "c"}});
}

TEST_CASE("a failed line stops the batch and is named", "[daemon][sftp_commands]") {
    FakeBatch batch;
    batch.failing = {"rm"};
    CHECK_THROWS_WITH(batch.run("cd /in\nrm x\nget y z\n"),
                      "jobs.txt line 2: rm /x: SSH_FX_FAILURE (Failure)");
    CHECK(batch.ran.size() == 2);
    CHECK_THROWS_AS(batch.run("rm x"), OperationFailed);
}

TEST_CASE("a line starting with '-' may fail", "[daemon][sftp_commands]") {
    FakeBatch batch;
    batch.failing = {"rm"};
    batch.run("-rm old\n  -rm older\nput a b\n");
    CHECK(batch.ran == std::vector<Words>{{"rm", "old"}, {"rm", "older"}, {"put", "a", "b"}});
}

TEST_CASE("usage errors stop a batch even on '-' lines, naming the line", "[daemon][sftp_commands]") {
    FakeBatch batch;
    batch.misused = {"ls"};
    CHECK_THROWS_WITH(batch.run("pwd\n\n-ls --bogus\npwd\n"), "jobs.txt line 3: usage: ls");
    CHECK(batch.ran.size() == 2);

    FakeBatch quoting;
    CHECK_THROWS_WITH(quoting.run("pwd\nget 'unclosed\n"), "jobs.txt line 2: unclosed quote");
    CHECK_THROWS_AS(quoting.run("get 'unclosed"), UsageError);
}

TEST_CASE("connection trouble passes through a batch unchanged", "[daemon][sftp_commands]") {
    std::istringstream lines("-ls\nls\n");
    int runs = 0;
    CHECK_THROWS_WITH(wharf::cli::run_batch(
                          [&](std::span<const std::string>) {
                              ++runs;
                              throw std::runtime_error("sftp: the server closed the channel");
                          },
                          lines, "b"),
                      "sftp: the server closed the channel");
    CHECK(runs == 1);  // not even a '-' line survives a lost connection
}
