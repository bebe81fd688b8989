// The SFTP server engine against an in-memory file system that completes at once or on demand
// (to answer pipelined requests out of order).
#include "sftp/server_session.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
using sftp::Error;
using sftp::StatusCode;

using sftp_test::FakeFs;
using sftp_test::Node;

using sftp_test::Session;

// These tests speak v3, as OpenSSH does; server_engine_v6_test.cpp and friends cover 4-6.
sftp::ServerConfig v3_only() {
    sftp::ServerConfig config;
    config.max_version = 3;
    return config;
}

constexpr auto kOk = static_cast<std::uint32_t>(StatusCode::ok);
constexpr auto kEof = static_cast<std::uint32_t>(StatusCode::eof);
constexpr auto kNoSuchFile = static_cast<std::uint32_t>(StatusCode::no_such_file);
constexpr auto kDenied = static_cast<std::uint32_t>(StatusCode::permission_denied);
constexpr auto kFailure = static_cast<std::uint32_t>(StatusCode::failure);
constexpr auto kBadMessage = static_cast<std::uint32_t>(StatusCode::bad_message);
constexpr auto kUnsupported = static_cast<std::uint32_t>(StatusCode::op_unsupported);

using sftp_test::bytes_of;

}  // namespace

TEST_CASE("server engine: INIT is answered with the negotiated VERSION", "[sftp_server]") {
    Session s(v3_only(), 0);
    CHECK(s.engine->wants_input());
    s.send(sftp::Init{6, {}});
    const auto version = std::get<sftp::Version>(s.one());
    CHECK(version.version == 3);
    CHECK(version.extensions == sftp::ServerEngine::version_extensions(v3_only()));
    CHECK(s.engine->version() == 3U);

    SECTION("a second INIT is a protocol violation") {
        s.send(sftp::Init{3, {}});
        CHECK(s.engine->failed());
        CHECK_FALSE(s.engine->wants_input());
    }
}

TEST_CASE("server engine: anything before INIT, or a version below 3, ends the session",
          "[sftp_server]") {
    Session s({}, 0);
    SECTION("request first") {
        s.send(sftp::Stat{1, "/", 0});
        REQUIRE(s.engine->failed());
        CHECK(*s.engine->failure() == "SSH_FXP_STAT before SSH_FXP_INIT");
    }
    SECTION("version 2") {
        s.send(sftp::Init{2, {}});
        CHECK(s.engine->failed());
    }
    CHECK(s.replies().empty());
    CHECK(s.fs.calls.empty());
}

TEST_CASE("server engine: open, write, read, fstat and close a file", "[sftp_server]") {
    Session s;
    namespace pf = sftp::pflags;
    const std::string h = s.open(1, "/f", pf::read | pf::write | pf::creat);
    CHECK(s.engine->open_handles() == 1);
    s.send(sftp::Write{2, h, 0, bytes_of("hello world")});
    CHECK(s.status(2) == kOk);
    CHECK(s.fs.nodes.at("/f").data == bytes_of("hello world"));

    s.send(sftp::Read{3, h, 6, 100});
    CHECK(std::get<sftp::Data>(s.one()) == sftp::Data{3, bytes_of("world"), std::nullopt});
    s.send(sftp::Read{4, h, 11, 100});
    CHECK(s.status(4) == kEof);

    s.send(sftp::Fstat{5, h, 0});
    const auto attrs = std::get<sftp::Attrs>(s.one());
    CHECK(attrs.request_id == 5);
    CHECK(attrs.attrs.size == 11U);

    s.send(sftp::Close{6, h});
    CHECK(s.status(6) == kOk);
    CHECK(s.engine->open_handles() == 0);
    s.send(sftp::Read{7, h, 0, 10});
    CHECK(s.status(7) == kFailure);  // INVALID_HANDLE does not exist in v3
    CHECK(s.engine->outstanding() == 0);
}

TEST_CASE("server engine: OPEN errors and READ lengths", "[sftp_server]") {
    sftp::ServerConfig config;
    config.max_read_length = 4;
    Session s(config);
    s.send(sftp::Open{1, "/missing", sftp::pflags::read, 0, 0, {}});
    CHECK(s.status(1) == kNoSuchFile);
    s.fs.add_file("/f", "abcdefgh");
    namespace pf = sftp::pflags;
    s.send(sftp::Open{2, "/f", pf::write | pf::creat | pf::excl, 0, 0, {}});
    CHECK(s.status(2) == kFailure);  // FILE_ALREADY_EXISTS is FAILURE in v3
    const std::string h = s.open(3, "/f", sftp::pflags::read);
    s.send(sftp::Read{4, h, 0, 1000});
    CHECK(std::get<sftp::Data>(s.one()).data == bytes_of("abcd"));
}

TEST_CASE("server engine: a long realpath or too many handles get FAILURE", "[sftp_server]") {
    sftp::ServerConfig config = v3_only();  // a v6 VERSION is larger than 1 KiB
    config.max_handles = 1;
    config.max_packet_length = 1024;
    Session s(config);
    s.fs.add_file("/f", "x");
    s.open(1, "/f", sftp::pflags::read);
    s.send(sftp::Open{2, "/f", sftp::pflags::read, 0, 0, {}});
    CHECK(s.status(2) == kFailure);
    s.send(sftp::Opendir{3, "/"});
    CHECK(s.status(3) == kFailure);
    // The fake echoes the path; twice 900 bytes does not fit a 1024-byte NAME reply.
    s.send(sftp::Realpath{4, std::string(900, 'a'), std::nullopt, {}});
    CHECK(s.status(4) == kFailure);
    CHECK(s.engine->outstanding() == 0);
}

TEST_CASE("server engine: STAT follows links, LSTAT does not", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "12345");
    s.send(sftp::Symlink{1, "/l", "/f"});
    CHECK(s.status(1) == kOk);
    s.send(sftp::Stat{2, "/l", 0});
    const auto followed = std::get<sftp::Attrs>(s.one()).attrs;
    CHECK(followed.size == 5U);
    CHECK(followed.permissions == 0100644U);
    s.send(sftp::Lstat{3, "/l", 0});
    CHECK(std::get<sftp::Attrs>(s.one()).attrs.permissions == 0120777U);
    s.send(sftp::Stat{4, "/nope", 0});
    CHECK(s.status(4) == kNoSuchFile);
}

TEST_CASE("server engine: SETSTAT and FSETSTAT", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "12345");
    sftp::FileAttributes a;
    a.permissions = 0600;
    s.send(sftp::Setstat{1, "/f", a});
    CHECK(s.status(1) == kOk);
    CHECK(s.fs.nodes.at("/f").mode == 0600U);
    const std::string h = s.open(2, "/f", sftp::pflags::write);
    sftp::FileAttributes truncate;
    truncate.size = 2;
    s.send(sftp::Fsetstat{3, h, truncate});
    CHECK(s.status(3) == kOk);
    CHECK(s.fs.nodes.at("/f").data == bytes_of("12"));
}

TEST_CASE("server engine: OPENDIR and READDIR with ls -l longnames", "[sftp_server]") {
    Session s;
    s.fs.add_file("/d/a", "hello world!");
    s.fs.nodes["/d"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    s.fs.nodes["/d/sub"] = Node{Node::dir, {}, {}, 02755, 1600000000};
    s.send(sftp::Opendir{1, "/d"});
    const std::string h = std::get<sftp::Handle>(s.one()).handle;

    s.send(sftp::Readdir{2, h});
    const auto name = std::get<sftp::Name>(s.one());
    CHECK(name.request_id == 2);
    REQUIRE(name.entries.size() == 2);
    CHECK(name.entries[0].filename == "a");
    // The file is a day old (the time shows); the directory is years old (the year shows).
    CHECK(name.entries[0].longname == "-rw-r--r--    1 alice    staff          12 Nov 14 22:13 a");
    CHECK(name.entries[1].longname ==
          "drwxr-sr-x    3 1000     100          4096 Sep 13  2020 sub");
    CHECK(name.entries[0].attrs.size == 12U);

    s.send(sftp::Readdir{3, h});
    CHECK(s.status(3) == kEof);
    s.send(sftp::Read{4, h, 0, 10});
    CHECK(s.status(4) == kFailure);  // a directory handle is not a file handle
    s.send(sftp::Close{5, h});
    CHECK(s.status(5) == kOk);

    s.send(sftp::Opendir{6, "/d/a"});
    CHECK(s.status(6) == kNoSuchFile);  // NOT_A_DIRECTORY in v3, as sftp-server's ENOTDIR
}

TEST_CASE("server engine: a long directory comes in NAME replies of at most 100", "[sftp_server]") {
    Session s;
    s.fs.nodes["/big"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    for (int i = 0; i < 250; ++i) s.fs.add_file("/big/f" + std::to_string(1000 + i), "x");
    s.send(sftp::Opendir{1, "/big"});
    const std::string h = std::get<sftp::Handle>(s.one()).handle;
    std::vector<std::size_t> sizes;
    std::vector<std::string> names;
    for (std::uint32_t id = 2;; ++id) {
        s.send(sftp::Readdir{id, h});
        const auto reply = s.one();
        if (std::holds_alternative<sftp::Status>(reply)) {
            CHECK(std::get<sftp::Status>(reply).code == kEof);
            break;
        }
        const auto& entries = std::get<sftp::Name>(reply).entries;
        sizes.push_back(entries.size());
        for (const auto& e : entries) names.push_back(e.filename);
    }
    CHECK(sizes == std::vector<std::size_t>{100, 100, 50});
    REQUIRE(names.size() == 250);
    CHECK(names.front() == "f1000");
    CHECK(names.back() == "f1249");
    CHECK(s.fs.calls.size() == 3);  // OPENDIR, one batch, and the READDIR that found the end
}

TEST_CASE("server engine: MKDIR, RMDIR, REMOVE, RENAME, REALPATH, READLINK, SYMLINK",
          "[sftp_server]") {
    Session s;
    s.send(sftp::Mkdir{1, "/d", {}});
    CHECK(s.status(1) == kOk);
    s.send(sftp::Mkdir{2, "/d", {}});
    CHECK(s.status(2) == kFailure);
    s.fs.add_file("/d/f", "x");
    s.send(sftp::Rmdir{3, "/d"});
    CHECK(s.status(3) == kFailure);  // DIR_NOT_EMPTY is FAILURE in v3
    s.send(sftp::Rename{4, "/d/f", "/g", 0});
    CHECK(s.status(4) == kOk);
    CHECK(s.fs.nodes.count("/g") == 1);
    s.send(sftp::Rmdir{5, "/d"});
    CHECK(s.status(5) == kOk);
    s.send(sftp::Remove{6, "/g"});
    CHECK(s.status(6) == kOk);
    s.send(sftp::Remove{7, "/g"});
    CHECK(s.status(7) == kNoSuchFile);

    s.send(sftp::Realpath{8, ".", std::nullopt, {}});
    const auto real = std::get<sftp::Name>(s.one());
    REQUIRE(real.entries.size() == 1);
    CHECK(real.entries[0].filename == "/");
    CHECK(real.entries[0].longname == "/");

    s.send(sftp::Symlink{9, "/ln", "/target"});
    CHECK(s.status(9) == kOk);
    CHECK(s.fs.nodes.at("/ln").target == "/target");
    s.send(sftp::Readlink{10, "/ln"});
    CHECK(std::get<sftp::Name>(s.one()).entries.at(0).filename == "/target");
    s.send(sftp::Readlink{11, "/"});
    CHECK(s.status(11) == kBadMessage);  // INVALID_PARAMETER -> BAD_MESSAGE, as EINVAL
}

TEST_CASE("server engine: Error maps to the closest status the version defines", "[sftp_server]") {
    using sftp::status_for_error;
    CHECK(status_for_error(Error::eof, 3) == StatusCode::eof);
    CHECK(status_for_error(Error::permission_denied, 6) == StatusCode::permission_denied);
    CHECK(status_for_error(Error::op_unsupported, 3) == StatusCode::op_unsupported);
    CHECK(status_for_error(Error::invalid_handle, 3) == StatusCode::failure);
    CHECK(status_for_error(Error::invalid_handle, 4) == StatusCode::invalid_handle);
    CHECK(status_for_error(Error::dir_not_empty, 3) == StatusCode::failure);
    CHECK(status_for_error(Error::dir_not_empty, 6) == StatusCode::dir_not_empty);
    CHECK(status_for_error(Error::not_a_directory, 3) == StatusCode::no_such_file);
    CHECK(status_for_error(Error::not_a_directory, 4) == StatusCode::no_such_path);
    CHECK(status_for_error(Error::quota, 3) == StatusCode::failure);
    CHECK(status_for_error(Error::quota, 5) == StatusCode::quota_exceeded);
    CHECK(status_for_error(Error::invalid_filename, 3) == StatusCode::bad_message);
    CHECK(status_for_error(Error::write_protect, 3) == StatusCode::permission_denied);
    CHECK(status_for_error(Error::no_space, 5) == StatusCode::no_space_on_filesystem);
}

TEST_CASE("server engine: malformed and unsupported requests get a STATUS", "[sftp_server]") {
    Session s;
    SECTION("truncated READ: BAD_MESSAGE with its id") {
        // id 7, handle "a", and no offset
        s.send_raw(5, sftp_test::hex("00000007 00000001 61"));
        CHECK(s.status(7) == kBadMessage);
    }
    SECTION("trailing bytes") {
        s.send_raw(17, sftp_test::hex("00000008 00000001 2f ff"));
        CHECK(s.status(8) == kBadMessage);
    }
    SECTION("unknown type: OP_UNSUPPORTED") {
        s.send_raw(99, sftp_test::hex("00000009"));
        CHECK(s.status(9) == kUnsupported);
    }
    SECTION("an extension we do not offer") {
        s.send(sftp::Extended{10, "statvfs@example.com", ssh::Bytes{0, 0, 0, 1, '/'}});
        CHECK(s.status(10) == kUnsupported);
    }
    SECTION("a packet too short for an id ends the session") {
        s.send_raw(3, sftp_test::hex("0000"));
        CHECK(s.engine->failed());
        CHECK(s.replies().empty());
    }
    SECTION("broken framing ends the session") {
        s.engine->receive(ssh::ByteView(sftp_test::hex("00000000")));
        CHECK(s.engine->failed());
    }
    CHECK(s.fs.calls.empty());
    if (!s.engine->failed()) {  // and the session carries on
        s.send(sftp::Stat{11, "/", 0});
        CHECK(std::get<sftp::Attrs>(s.one()).request_id == 11);
    }
}

TEST_CASE("server engine: pipelined READs are answered in completion order", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "aaaabbbbcccc");
    const std::string h = s.open(1, "/f", sftp::pflags::read);
    s.fs.defer = true;
    for (std::uint32_t i = 0; i < 3; ++i) s.send(sftp::Read{10 + i, h, 4 * i, 4});
    CHECK(s.engine->outstanding() == 3);
    CHECK(s.replies().empty());
    s.fs.complete(2);
    s.fs.complete(0);
    s.fs.complete(1);
    const auto replies = s.replies();
    REQUIRE(replies.size() == 3);
    CHECK(std::get<sftp::Data>(replies[0]) == sftp::Data{12, bytes_of("cccc"), std::nullopt});
    CHECK(std::get<sftp::Data>(replies[1]) == sftp::Data{10, bytes_of("aaaa"), std::nullopt});
    CHECK(std::get<sftp::Data>(replies[2]) == sftp::Data{11, bytes_of("bbbb"), std::nullopt});
    CHECK(s.engine->outstanding() == 0);
}

TEST_CASE("server engine: unknown and wrong-kind handles are INVALID_HANDLE", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "x");
    const std::string h = s.open(1, "/f", sftp::pflags::read);
    s.send(sftp::Read{2, "no-such-handle", 0, 1});
    CHECK(s.status(2) == kFailure);
    s.send(sftp::Readdir{3, h});
    CHECK(s.status(3) == kFailure);
    s.send(sftp::Close{4, "no-such-handle"});
    CHECK(s.status(4) == kFailure);
    CHECK(s.fs.calls.size() == 1);  // only the OPEN reached the file system
}

TEST_CASE("server engine: intake stops at the outstanding-request bound", "[sftp_server]") {
    sftp::ServerConfig config;
    config.max_outstanding = 4;
    Session s(config);
    s.fs.defer = true;
    ssh::Bytes batch;
    for (std::uint32_t id = 1; id <= 10; ++id) {
        const auto one = sftp::encode_packet(sftp::Stat{id, "/", 0}, 3);
        batch.insert(batch.end(), one.begin(), one.end());
    }
    s.engine->receive(ssh::ByteView(batch));
    CHECK(s.fs.calls.size() == 4);
    CHECK(s.engine->outstanding() == 4);
    CHECK_FALSE(s.engine->wants_input());

    s.fs.complete(1);  // one slot frees: the fifth request runs
    CHECK(s.fs.calls.size() == 5);
    CHECK_FALSE(s.engine->wants_input());
    for (std::size_t i = 0; i < s.fs.queued.size(); ++i) {
        if (s.fs.queued[i]) s.fs.complete(i);  // completing may queue more; the loop sees them
    }
    CHECK(s.fs.calls.size() == 10);
    CHECK(s.engine->wants_input());
    std::vector<std::uint32_t> ids;
    for (const auto& r : s.replies()) ids.push_back(std::get<sftp::Attrs>(r).request_id);
    CHECK(ids == std::vector<std::uint32_t>{2, 1, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("server engine: intake stops while output could not take a worst-case reply",
          "[sftp_server]") {
    sftp::ServerConfig config = v3_only();
    config.max_packet_length = 1024;
    config.max_buffered_output = 0;  // raised to one worst-case reply
    Session s(config);
    ssh::Bytes batch;
    for (std::uint32_t id = 1; id <= 3; ++id) {
        const auto one = sftp::encode_packet(sftp::Stat{id, "/", 0}, 3);
        batch.insert(batch.end(), one.begin(), one.end());
    }
    s.engine->receive(ssh::ByteView(batch));
    CHECK(s.fs.calls.size() == 1);
    CHECK_FALSE(s.engine->wants_input());
    CHECK(s.replies().size() == 3);  // each take_output made room for the next
    CHECK(s.engine->wants_input());
}

TEST_CASE("server engine: with count_until_delivered, taken output counts until delivered",
          "[sftp_server]") {
    sftp::ServerConfig config = v3_only();
    config.max_packet_length = 1024;
    config.max_buffered_output = 0;  // raised to one worst-case reply
    config.count_until_delivered = true;
    Session s(config);
    s.engine->output_delivered(1 << 20);  // the VERSION reply the session took has gone out
    ssh::Bytes batch;
    for (std::uint32_t id = 1; id <= 3; ++id) {
        const auto one = sftp::encode_packet(sftp::Stat{id, "/", 0}, 3);
        batch.insert(batch.end(), one.begin(), one.end());
    }
    s.engine->receive(ssh::ByteView(batch));
    REQUIRE(s.fs.calls.size() == 1);
    // Taking the reply does not make room: the driver still holds it.
    const auto first = s.engine->take_output();
    REQUIRE(first);
    CHECK(s.fs.calls.size() == 1);
    CHECK_FALSE(s.engine->wants_input());
    // Part of it sent is not yet room for a worst-case reply; all of it is.
    s.engine->output_delivered(first->size() - 1);
    CHECK(s.fs.calls.size() == 1);
    s.engine->output_delivered(1);
    CHECK(s.fs.calls.size() == 2);
    // Reports beyond what was taken are harmless.
    s.engine->output_delivered(1 << 20);
    CHECK(s.engine->take_output());
    s.engine->output_delivered(1 << 20);
    CHECK(s.fs.calls.size() == 3);
}

TEST_CASE("server engine: read-only sessions refuse writes before the file system sees them",
          "[sftp_server]") {
    sftp::ServerConfig config;
    config.read_only = true;
    Session s(config);
    s.fs.add_file("/f", "x");
    s.send(sftp::Remove{1, "/f"});
    CHECK(s.status(1) == kDenied);
    s.send(sftp::Mkdir{2, "/d", {}});
    CHECK(s.status(2) == kDenied);
    s.send(sftp::Open{3, "/f", sftp::pflags::write, 0, 0, {}});
    CHECK(s.status(3) == kDenied);
    s.send(sftp::Open{4, "/new", sftp::pflags::read | sftp::pflags::creat, 0, 0, {}});
    CHECK(s.status(4) == kDenied);
    CHECK(s.fs.calls.empty());
    s.open(5, "/f", sftp::pflags::read);
}

TEST_CASE("server engine: completions after the engine is gone are dropped", "[sftp_server]") {
    Session s;
    s.fs.defer = true;
    s.send(sftp::Stat{1, "/", 0});
    REQUIRE(s.fs.queued.size() == 1);
    s.engine.reset();
    s.fs.complete(0);  // must not touch the destroyed engine
    SUCCEED();
}
