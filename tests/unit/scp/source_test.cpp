// The sending side, as `scp -O host:path local` drives it. Expected bytes are written from the
// protocol (scp.c's source and rsource), not produced by our encoder.
#include "engine_harness.hpp"

using namespace scp_test;

namespace {

const std::string ok = "\0"s;

Harness source(std::string_view command_line, scp::EngineLimits limits = {}) {
    Harness h;
    h.fs.add_dir("/out");
    h.fs.add_file("/out/a.txt", "hello", 0640, {1700000000, 1700000001});
    h.fs.add_file("/out/b.txt", "bee");
    h.fs.add_file("/out/.hidden.txt", "h");
    h.fs.add_file("/out/c.log", "log");
    h.fs.add_dir("/out/d", 0750);
    h.fs.add_file("/out/d/x", "x", 0600);
    h.fs.add_dir("/out/d/sub", 0700);
    h.fs.add_file("/out/d/sub/y y", "yy");
    h.start(command_line, limits);
    return h;
}

}  // namespace

TEST_CASE("scp source: one file", "[scp][source]") {
    auto h = source("scp -f -- /out/a.txt");
    CHECK(h.take().empty());  // the client's sink speaks first
    h.feed(ok);
    CHECK(h.take() == "C0640 5 a.txt\n");
    h.feed(ok);
    CHECK(h.take() == "hello"s + ok);
    CHECK_FALSE(h.engine->finished());
    h.feed(ok);
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 0);
    CHECK(h.fs.open_reads() == 0);
    const auto done = h.finished_transfers();
    REQUIRE(done.size() == 1);
    CHECK(done[0].ok);
    CHECK(done[0].path == "/out/a.txt");
    CHECK(done[0].bytes == 5);
}

TEST_CASE("scp source: -p sends times first", "[scp][source]") {
    auto h = source("scp -p -f /out/a.txt");
    h.feed(ok);
    CHECK(h.take() == "T1700000000 0 1700000001 0\n");
    h.feed(ok);
    CHECK(h.take() == "C0640 5 a.txt\n");
    h.feed(ok);
    CHECK(h.take() == "hello"s + ok);
    h.feed(ok);
    CHECK(h.engine->exit_status() == 0);
}

TEST_CASE("scp source: -r sends a tree, entries in name order", "[scp][source]") {
    auto h = source("scp -r -f /out/d/");
    h.feed(ok);
    CHECK(h.take() == "D0750 0 d\n");
    h.feed(ok);
    CHECK(h.take() == "D0700 0 sub\n");  // "sub" sorts before "x"
    h.feed(ok);
    CHECK(h.take() == "C0644 2 y y\n");
    h.feed(ok);
    CHECK(h.take() == "yy"s + ok);
    h.feed(ok);
    CHECK(h.take() == "E\n");
    h.feed(ok);
    CHECK(h.take() == "C0600 1 x\n");
    h.feed(ok);
    CHECK(h.take() == "x"s + ok);
    h.feed(ok);
    CHECK(h.take() == "E\n");
    CHECK_FALSE(h.engine->finished());
    h.feed(ok);
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 0);
    CHECK(h.finished_transfers().size() == 2);
}

TEST_CASE("scp source: -r -p sends the directory's times before D", "[scp][source]") {
    auto h = source("scp -rp -f /out/d/sub");
    h.fs.nodes["/out/d/sub"].times = {1111, 2222};
    h.fs.nodes["/out/d/sub/y y"].times = {3333, 4444};
    const std::string client_acks(7, '\0');
    h.feed(client_acks);
    CHECK(h.take() == "T1111 0 2222 0\nD0700 0 sub\nT3333 0 4444 0\nC0644 2 y y\nyy\0E\n"s);
    CHECK(h.engine->finished());
}

TEST_CASE("scp source: a directory without -r is not a regular file", "[scp][source]") {
    auto h = source("scp -f /out/d /out/b.txt");
    h.feed(ok);
    CHECK(h.take() == "\x01scp: /out/d: not a regular file\nC0644 3 b.txt\n");
    h.feed(ok + ok);
    CHECK(h.take() == "bee"s + ok);
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 1);
}

TEST_CASE("scp source: a missing file is reported and the next one sent", "[scp][source]") {
    auto h = source("scp -f /out/missing /out/b.txt");
    h.feed(ok);
    CHECK(h.take() == "\x01scp: /out/missing: No such file or directory\nC0644 3 b.txt\n");
    h.feed(ok + ok);
    CHECK(h.take() == "bee"s + ok);
    CHECK(h.engine->exit_status() == 1);
}

TEST_CASE("scp source: a pre-download hook's refusal carries its message", "[scp][source]") {
    auto h = source("scp -f /out/a.txt");
    h.fs.download_hook_deny["/out/a.txt"] = "not before noon";
    h.feed(ok);
    CHECK(h.take() == "\x01scp: /out/a.txt: not before noon\n");
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 1);
    const auto done = h.finished_transfers();
    REQUIRE(done.size() == 1);
    CHECK_FALSE(done[0].ok);
    CHECK(done[0].error == "not before noon");
}

TEST_CASE("scp source: the client refuses a file, the next one still goes", "[scp][source]") {
    auto h = source("scp -f /out/a.txt /out/b.txt");
    h.feed(ok);
    CHECK(h.take() == "C0640 5 a.txt\n");
    h.feed("\x01scp: a.txt: Permission denied\n");
    CHECK(h.take() == "C0644 3 b.txt\n");
    CHECK(h.fs.released.size() == 1);  // a.txt, closed unread
    h.feed(ok + ok);
    CHECK(h.take() == "bee"s + ok);
    CHECK(h.fs.open_reads() == 0);
    CHECK(h.engine->exit_status() == 1);
    const auto done = h.finished_transfers();
    REQUIRE(done.size() == 2);
    CHECK_FALSE(done[0].ok);
    CHECK(done[1].ok);
}

TEST_CASE("scp source: the client's fatal error or EOF ends the session", "[scp][source]") {
    SECTION("fatal") {
        auto h = source("scp -f /out/a.txt /out/b.txt");
        h.feed(ok);
        h.take();
        h.feed("\x02scp: disk full\n");
        CHECK(h.take().empty());
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
        CHECK(h.fs.open_reads() == 0);
    }
    SECTION("garbage answer") {
        auto h = source("scp -f /out/a.txt");
        h.feed(ok);
        h.take();
        h.feed("what\n");
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
    }
    SECTION("EOF while waiting") {
        auto h = source("scp -f /out/a.txt");
        h.feed(ok);
        h.take();
        h.eof();
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
        CHECK(h.fs.open_reads() == 0);
        CHECK(h.finished_transfers().at(0).error == "connection lost");
    }
}

TEST_CASE("scp source: wildcards expand within one directory", "[scp][source]") {
    SECTION("matches, dot files excluded") {
        auto h = source("scp -f /out/*.txt");
        h.feed(ok);
        CHECK(h.take() == "C0640 5 a.txt\n");
        h.feed(ok + ok);
        CHECK(h.take() == "hello"s + ok + "C0644 3 b.txt\n");
        h.feed(ok + ok);
        CHECK(h.take() == "bee"s + ok);
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 0);
    }
    SECTION("relative to the home, with ?") {
        Harness h;
        h.fs.add_file("/r1", "1");
        h.fs.add_file("/r22", "22");
        h.start("scp -f r?");
        h.feed(ok);
        CHECK(h.take() == "C0644 1 r1\n");
        h.feed(ok + ok);
        CHECK(h.take() == "1"s + ok);
        CHECK(h.engine->finished());
    }
    SECTION("quoted wildcards are literal") {
        auto h = source("scp -f '/out/*.txt'");
        h.feed(ok);
        CHECK(h.take() == "\x01scp: /out/*.txt: No such file or directory\n");
        CHECK(h.engine->exit_status() == 1);
    }
    SECTION("an existing name is taken literally") {
        auto h = source("scp -f /out/*");
        h.fs.add_file("/out/*", "star");
        h.feed(ok);
        CHECK(h.take() == "C0644 4 *\n");
    }
    SECTION("no match") {
        auto h = source("scp -f /out/*.zip");
        h.feed(ok);
        CHECK(h.take() == "\x01scp: /out/*.zip: No such file or directory\n");
    }
}

TEST_CASE("scp source: a file that shrank is padded and reported", "[scp][source]") {
    auto h = source("scp -f /out/a.txt");
    h.fs.nodes["/out/a.txt"].claimed_size = 8;
    h.feed(ok);
    CHECK(h.take() == "C0640 8 a.txt\n");
    h.feed(ok);
    CHECK(h.take() == "hello\0\0\0\x01scp: /out/a.txt: file shrank while being sent\n"s);
    h.feed(ok);
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 1);
    CHECK_FALSE(h.finished_transfers().at(0).ok);
}

TEST_CASE("scp source: reading waits while the output is full", "[scp][source]") {
    Harness h;
    std::string big(1000000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
    h.fs.add_file("/big", big);
    h.start("scp -f /big", scp::EngineLimits{64 * 1024, 128 * 1024});
    h.feed(ok);
    CHECK(h.take() == "C0644 1000000 big\n");
    h.feed(ok);
    std::string received;
    while (received.size() < big.size() + 1) {
        const auto pending = h.engine->pending_output().size();
        INFO(received.size());
        REQUIRE(pending > 0);
        CHECK(pending <= 128 * 1024 + 64 * 1024);
        received += h.take();
    }
    CHECK(received == big + ok);
    h.feed(ok);
    CHECK(h.engine->finished());
}

TEST_CASE("scp source: a name with a newline is not sent", "[scp][source]") {
    Harness h;
    h.fs.add_file("/bad\nname", "x");
    h.start("scp -f '/bad\nname'");
    h.feed(ok);
    CHECK(h.take() == "\x01scp: /bad name: name contains a newline\n");
}

TEST_CASE("scp source: completions that arrive later wake the driver", "[scp][source]") {
    Harness h;
    h.fs.add_file("/f", "late");
    h.fs.defer = true;
    int wakes = 0;
    h.start("scp -f /f");
    h.engine->set_wake([&] { ++wakes; });
    h.feed(ok);
    CHECK(h.take().empty());  // the stat is still running
    REQUIRE(h.fs.complete_next());
    CHECK(wakes == 1);
    REQUIRE(h.fs.complete_next());  // open
    CHECK(wakes == 2);
    CHECK(h.take() == "C0644 4 f\n");
    h.feed(ok);
    h.fs.complete_all();
    CHECK(h.take() == "late"s + ok);
    h.feed(ok);
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 0);
}
