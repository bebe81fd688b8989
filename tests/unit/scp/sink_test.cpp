// The receiving side, as `scp -O file host:dir` drives it. Expected bytes are written from the
// protocol (scp.c's sink), not produced by our encoder.
#include "engine_harness.hpp"

using namespace scp_test;

namespace {

const std::string ok = "\0"s;

Harness sink(std::string_view command_line) {
    Harness h;
    h.fs.add_dir("/in");
    h.start(command_line);
    return h;
}

}  // namespace

TEST_CASE("scp sink: one file into a directory", "[scp][sink]") {
    auto h = sink("scp -t -- /in");
    CHECK(h.take() == ok);
    h.feed("C0640 5 a.txt\n");
    CHECK(h.take() == ok);
    h.feed("hello");
    CHECK(h.take().empty());
    h.feed(ok);
    CHECK(h.take() == ok);
    h.eof();
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 0);
    REQUIRE(h.fs.nodes.count("/in/a.txt"));
    CHECK(h.fs.nodes["/in/a.txt"].data == "hello");
    CHECK(h.fs.nodes["/in/a.txt"].mode == 0640);
    const auto done = h.finished_transfers();
    REQUIRE(done.size() == 1);
    CHECK(done[0].ok);
    CHECK(done[0].path == "/in/a.txt");
    CHECK(done[0].bytes == 5);
    CHECK(h.consumed == "C0640 5 a.txt\n"s.size() + 6);
}

TEST_CASE("scp sink: a target that is not a directory is the file's name", "[scp][sink]") {
    auto h = sink("scp -t /in/renamed.txt");
    h.feed("C0644 3 original.txt\nabc\0"s);
    CHECK(h.take() == ok + ok + ok);
    h.eof();
    CHECK(h.fs.nodes["/in/renamed.txt"].data == "abc");
    CHECK(h.fs.nodes.count("/in/original.txt") == 0);
}

TEST_CASE("scp sink: several files in one stream, zero-length and names with spaces", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.feed("C0644 0 empty\n\0C0600 4 with space.bin\n\x01\x02\x03\x04\0"s);
    CHECK(h.take() == ok + ok + ok + ok + ok);
    h.eof();
    CHECK(h.engine->exit_status() == 0);
    CHECK(h.fs.nodes["/in/empty"].data.empty());
    CHECK(h.fs.nodes["/in/with space.bin"].data == "\x01\x02\x03\x04");
}

TEST_CASE("scp sink: -r -p tree with times and exact modes", "[scp][sink]") {
    auto h = sink("scp -r -p -t /in");
    const std::string client = "T1500000000 0 1500000001 0\n"
                               "D0750 0 tree\n"
                               "T1600000000 0 1600000002 0\n"
                               "C0600 3 f\n"
                               "abc\0"
                               "D0700 0 sub\n"
                               "C4755 0 tool\n"
                               "\0"
                               "E\n"
                               "E\n"s;
    h.feed(client);
    // initial, T, D, T, C, data, D, C, data, E, E
    CHECK(h.take() == std::string(11, '\0'));
    h.eof();
    CHECK(h.engine->exit_status() == 0);
    REQUIRE(h.fs.nodes.count("/in/tree/sub/tool"));
    CHECK(h.fs.nodes["/in/tree"].directory);
    CHECK(h.fs.nodes["/in/tree"].mode == 0750);
    CHECK(h.fs.nodes["/in/tree"].times == scp::FileTimes{1500000000, 1500000001});
    CHECK(h.fs.nodes["/in/tree/f"].data == "abc");
    CHECK(h.fs.nodes["/in/tree/f"].mode == 0600);
    CHECK(h.fs.nodes["/in/tree/f"].times == scp::FileTimes{1600000000, 1600000002});
    CHECK(h.fs.nodes["/in/tree/sub"].mode == 0700);
    CHECK(h.fs.nodes["/in/tree/sub/tool"].mode == 04755);  // -p keeps set-id bits, as OpenSSH
    CHECK(h.fs.nodes["/in/tree/sub/tool"].times == scp::FileTimes{1800000000, 1800000000});
}

TEST_CASE("scp sink: without -p the umask applies and set-id bits go", "[scp][sink]") {
    auto h = sink("scp -r -t /in");
    h.feed("D0777 0 d\nC4777 1 x\nz\0E\n"s);
    CHECK(h.take() == std::string(5, '\0'));
    CHECK(h.fs.nodes["/in/d"].mode == 0755);
    CHECK(h.fs.nodes["/in/d/x"].mode == 0755);
}

TEST_CASE("scp sink: a directory record into an existing directory reuses it", "[scp][sink]") {
    auto h = sink("scp -r -t /");
    h.feed("D0755 0 in\nC0644 1 x\ny\0E\n"s);
    CHECK(h.take() == std::string(5, '\0'));
    CHECK(h.fs.nodes["/in/x"].data == "y");
}

TEST_CASE("scp sink: a directory record over a file is refused, the rest goes on", "[scp][sink]") {
    auto h = sink("scp -r -t /in");
    h.fs.add_file("/in/plain", "data");
    h.take();
    h.feed("D0755 0 plain\n");
    CHECK(h.take() == "\x01scp: /in/plain: Not a directory\n");
    h.feed("C0644 1 next\nn\0"s);
    CHECK(h.take() == ok + ok);
    h.eof();
    CHECK(h.engine->exit_status() == 1);
    CHECK(h.fs.nodes["/in/next"].data == "n");
}

TEST_CASE("scp sink: -d needs a directory target, before the first answer", "[scp][sink]") {
    SECTION("missing") {
        auto h = sink("scp -d -t /nope");
        CHECK(h.take() == "\x02scp: /nope: No such file or directory\n");
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
    }
    SECTION("a file") {
        Harness h;
        h.fs.add_file("/f", "x");
        h.start("scp -d -t /f");
        CHECK(h.take() == "\x02scp: /f: Not a directory\n");
        CHECK(h.engine->exit_status() == 1);
    }
    SECTION("a directory") {
        auto h = sink("scp -d -t /in");
        CHECK(h.take() == ok);
        CHECK_FALSE(h.engine->finished());
    }
}

TEST_CASE("scp sink: a read-only folder refuses the file, no data follows", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.fs.read_only_dirs.insert("/in");
    h.take();
    h.feed("C0644 5 a.txt\n");
    CHECK(h.take() == "\x01scp: /in/a.txt: Read-only file system\n");
    h.eof();
    CHECK(h.engine->exit_status() == 1);
    CHECK(h.fs.nodes.count("/in/a.txt") == 0);
    const auto done = h.finished_transfers();
    REQUIRE(done.size() == 1);
    CHECK_FALSE(done[0].ok);
    CHECK(done[0].error == "Read-only file system");
}

TEST_CASE("scp sink: a pre-upload hook's refusal carries its message", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.fs.upload_hook_deny["/in/blocked.exe"] = "executables are not accepted";
    h.take();
    h.feed("C0755 2 blocked.exe\n");
    CHECK(h.take() == "\x01scp: /in/blocked.exe: executables are not accepted\n");
    CHECK(h.finished_transfers().at(0).error == "executables are not accepted");
}

TEST_CASE("scp sink: over quota, the data is read to the end and the file discarded", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.fs.max_file_size = 4;
    h.take();
    h.feed("C0644 10 big\n0123456789\0"s);
    CHECK(h.take() == ok + "\x01scp: /in/big: Disk quota exceeded\n");
    CHECK(h.fs.nodes.count("/in/big") == 0);
    CHECK(h.fs.outstanding_uploads() == 0);
    CHECK(h.fs.released.size() == 1);
    REQUIRE(h.finished_transfers().size() == 1);
    CHECK(h.finished_transfers()[0].error_code == scp::Error::quota_exceeded);
    CHECK(h.finished_transfers()[0].bytes == 10);
    h.feed("C0644 2 small\nok\0"s);
    CHECK(h.take() == ok + ok);
    h.eof();
    CHECK(h.engine->exit_status() == 1);
    CHECK(h.fs.nodes["/in/small"].data == "ok");
}

TEST_CASE("scp sink: the client's error after the data discards the file", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.take();
    h.feed("C0644 3 x\nab\0\x01scp: x: Input/output error\n"s);
    CHECK(h.take() == ok + ok);
    CHECK(h.fs.nodes.count("/in/x") == 0);
    CHECK(h.fs.outstanding_uploads() == 0);
    h.eof();
    CHECK(h.engine->exit_status() == 1);
    CHECK(h.finished_transfers().at(0).error == "scp: x: Input/output error");
}

TEST_CASE("scp sink: connection lost inside the data leaves no file", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.take();
    h.feed("C0644 4611686018427387904 huge\n");  // 4 EiB announced: nothing is allocated for it
    CHECK(h.take() == ok);
    h.feed(std::string(100000, 'x'));
    h.eof();
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 1);
    CHECK(h.fs.nodes.count("/in/huge") == 0);
    CHECK(h.fs.outstanding_uploads() == 0);
    CHECK(h.finished_transfers().at(0).error == "connection lost");
    CHECK(h.finished_transfers().at(0).bytes == 100000);
}

TEST_CASE("scp sink: protocol errors end the session with a fatal line", "[scp][sink]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"C0644 1 ../escape\n", "\x02scp: error: unexpected filename: ../escape\n"},
        {"C0644 1 a/b\n", "\x02scp: error: unexpected filename: a/b\n"},
        {"C0644 1 .\n", "\x02scp: error: unexpected filename: .\n"},
        {"C0644 1 ..\n", "\x02scp: error: unexpected filename: ..\n"},
        {"D0755 0 d\n", "\x02scp: protocol error: received directory without -r\n"},
        {"C0x44 1 a\n", "\x02scp: protocol error: bad mode\n"},
        {"C0644 99999999999999999999 a\n", "\x02scp: protocol error: size out of range\n"},
        {"\n", "\x02scp: protocol error: unexpected <newline>\n"},
        {"hello\n", "\x02scp: protocol error: expected control record\n"},
        {"T1 0\n", "\x02scp: protocol error: mtime.usec not delimited\n"},
        {std::string(5000, 'C'), "\x02scp: protocol error: control record too long\n"},
    };
    for (const auto& [client, answer] : cases) {
        INFO(client.substr(0, 40));
        auto h = sink("scp -t /in");
        h.take();
        h.feed(client);
        CHECK(h.take() == answer);
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
        CHECK(h.fs.nodes.size() == 2);  // "/" and "/in": nothing was written
        h.feed("C0644 1 late\nx\0"s);  // ignored, but its window is given back
        CHECK(h.take().empty());
    }
}

TEST_CASE("scp sink: the client's warning is counted, its fatal error ends the session", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.take();
    h.feed("\x01scp: local.txt: Permission denied\n");
    CHECK(h.take().empty());
    CHECK_FALSE(h.engine->finished());
    h.feed("\x02scp: giving up\n");
    CHECK(h.take().empty());
    CHECK(h.engine->finished());
    CHECK(h.engine->exit_status() == 1);
}

TEST_CASE("scp sink: E at the top ends the session; EOF inside a directory is fine", "[scp][sink]") {
    SECTION("E") {
        auto h = sink("scp -t /in");
        h.take();
        h.feed("E\n");
        CHECK(h.take() == ok);
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 0);
    }
    SECTION("EOF after D") {
        auto h = sink("scp -r -t /in");
        h.take();
        h.feed("D0755 0 d\n");
        h.eof();
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 0);
    }
    SECTION("EOF inside a record") {
        auto h = sink("scp -t /in");
        h.take();
        h.feed("C0644");
        h.eof();
        CHECK(h.engine->finished());
        CHECK(h.engine->exit_status() == 1);
    }
}

TEST_CASE("scp sink: byte by byte gives the same answers as all at once", "[scp][sink]") {
    const std::string client = "D0755 0 d\nT1 0 2 0\nC0644 6 x y\nline\n\n\0E\nC0600 1 z\nq\0"s;
    auto whole = sink("scp -r -t /in");
    whole.feed(client);
    auto bytewise = sink("scp -r -t /in");
    bytewise.feed_bytewise(client);
    const std::string expected = std::string(8, '\0');  // first, D, T, C, data, E, C, data
    CHECK(whole.take() == expected);
    CHECK(bytewise.take() == expected);
    CHECK(bytewise.fs.nodes["/in/d/x y"].data == "line\n\n");
    CHECK(bytewise.fs.nodes["/in/d/x y"].times == scp::FileTimes{1, 2});
    CHECK(bytewise.fs.nodes["/in/z"].data == "q");
    CHECK(bytewise.consumed == client.size());
}

TEST_CASE("scp sink: input waits while a write is outstanding", "[scp][sink]") {
    Harness h;
    h.fs.add_dir("/in");
    h.fs.defer = true;
    h.start("scp -t /in", scp::EngineLimits{1024, 4096});
    h.fs.complete_all();  // the target's stat
    h.collect();
    CHECK(h.take() == ok);
    const std::string header = "C0644 3000 f\n";
    h.feed(header);
    h.fs.complete_all();  // create_file
    h.collect();
    CHECK(h.take() == ok);
    CHECK(h.consumed == header.size());
    h.feed(std::string(3000, 'a') + ok);
    // One 1 KiB write is outstanding: nothing more is taken, the window stays shut.
    CHECK(h.fs.queued.size() == 1);
    CHECK(h.consumed == header.size());
    h.fs.complete_next();
    h.collect();
    CHECK(h.consumed == header.size() + 1024);
    h.fs.complete_all();
    h.fs.complete_all();
    h.fs.complete_all();  // the last write, then commit
    h.collect();
    CHECK(h.take() == ok);
    CHECK(h.consumed == header.size() + 3001);
    CHECK(h.fs.nodes["/in/f"].data == std::string(3000, 'a'));
}

TEST_CASE("scp sink: an engine destroyed with an upload open releases it", "[scp][sink]") {
    auto h = sink("scp -t /in");
    h.feed("C0644 10 partial\nabc");
    CHECK(h.fs.outstanding_uploads() == 1);
    h.engine.reset();
    CHECK(h.fs.outstanding_uploads() == 0);
    CHECK(h.fs.nodes.count("/in/partial") == 0);
}

TEST_CASE("scp sink: late completions after the engine is gone are dropped", "[scp][sink]") {
    Harness h;
    h.fs.add_dir("/in");
    h.fs.defer = true;
    h.start("scp -t /in");
    h.engine.reset();
    h.fs.complete_all();  // must not touch the destroyed engine
    CHECK(h.fs.queued.empty());
}
