// The server engine's SSH_FXP_EXTENDED requests: each extension's request and reply, the
// read-only gate, failure messages, the WRITE cap and the handle cap.
#include "sftp/server_session.hpp"

#include <botan/hash.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
using sftp::StatusCode;
using sftp_test::bytes_of;
using sftp_test::code;
using sftp_test::hex;
using sftp_test::Node;
using sftp_test::Session;

ssh::Bytes digest(const char* algorithm, std::string_view data) {
    auto hash = Botan::HashFunction::create_or_throw(algorithm);
    hash->update(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    const auto out = hash->final();
    return ssh::Bytes(out.begin(), out.end());
}

std::string path_reply(Session& s, std::uint32_t id) {
    const auto reply = s.one();
    if (const auto* status = std::get_if<sftp::Status>(&reply)) FAIL("status " << status->code);
    const auto name = std::get<sftp::Name>(reply);
    CHECK(name.request_id == id);
    REQUIRE(name.entries.size() == 1);
    return name.entries[0].filename;
}

}  // namespace

TEST_CASE("server extensions: posix-rename replaces the target", "[sftp_server]") {
    Session s;
    s.fs.add_file("/a", "A");
    s.fs.add_file("/b", "B");
    s.extended(1, sftp::PosixRename{"/a", "/b"});
    CHECK(s.status(1) == code(StatusCode::ok));
    CHECK(s.fs.text("/b") == "A");
    CHECK(s.fs.nodes.count("/a") == 0);
    CHECK(s.fs.last_rename_flags == (sftp::rename_flags::overwrite | sftp::rename_flags::atomic));
    s.extended(2, sftp::PosixRename{"/a", "/c"});
    CHECK(s.status(2) == code(StatusCode::no_such_file));
}

TEST_CASE("server extensions: statvfs, fstatvfs and space-available", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "x");
    s.extended(1, sftp::Statvfs{"/f"});
    CHECK(s.extended_reply<sftp::StatvfsReply>(1) == s.fs.vfs);
    s.extended(2, sftp::Statvfs{"/missing"});
    CHECK(s.status(2) == code(StatusCode::no_such_file));
    const auto h = s.open(3, "/f", sftp::pflags::read);
    s.extended(4, sftp::Fstatvfs{h});
    CHECK(s.extended_reply<sftp::StatvfsReply>(4) == s.fs.vfs);
    s.extended(5, sftp::Fstatvfs{"nope"});
    CHECK(s.status(5) == code(StatusCode::failure));  // INVALID_HANDLE in v3

    s.extended(6, sftp::SpaceAvailable{"/"});
    const auto space = s.extended_reply<sftp::SpaceAvailableReply>(6);
    CHECK(space.bytes_on_device == 1000U * 4096);
    CHECK(space.unused_bytes_on_device == 600U * 4096);
    CHECK(space.bytes_available_to_user == 1000U * 4096);
    CHECK(space.unused_bytes_available_to_user == 500U * 4096);
    CHECK(space.bytes_per_allocation_unit == 4096U);
}

TEST_CASE("server extensions: hardlink, fsync, lsetstat", "[sftp_server]") {
    Session s;
    s.fs.add_file("/f", "data");
    s.extended(1, sftp::Hardlink{"/f", "/g"});
    CHECK(s.status(1) == code(StatusCode::ok));
    CHECK(s.fs.text("/g") == "data");
    s.extended(2, sftp::Hardlink{"/f", "/g"});
    CHECK(s.status(2) == code(StatusCode::failure));  // FILE_ALREADY_EXISTS in v3

    const auto h = s.open(3, "/f", sftp::pflags::write);
    s.extended(4, sftp::Fsync{h});
    CHECK(s.status(4) == code(StatusCode::ok));
    CHECK(s.fs.fsyncs == 1);

    s.fs.nodes["/l"] = Node{Node::link, {}, "/f", 0777, 0};
    sftp::FileAttributes mode;
    mode.permissions = 0700;
    s.extended(5, sftp::Lsetstat{"/l", mode});
    CHECK(s.status(5) == code(StatusCode::ok));
    CHECK(s.fs.nodes.at("/l").mode == 0700U);
    CHECK(s.fs.nodes.at("/f").mode == 0644U);  // the target is untouched
}

TEST_CASE("server extensions: limits, and WRITEs above the write limit", "[sftp_server]") {
    sftp::ServerConfig config;
    config.max_read_length = 1000;
    config.max_write_length = 2000;
    config.max_handles = 9;
    Session s(config);
    s.extended(1, sftp::Limits{});
    const auto limits = s.extended_reply<sftp::LimitsReply>(1);
    CHECK(limits == sftp::LimitsReply{sftp::kDefaultMaxPacketLength, 1000, 2000, 9});

    s.fs.add_file("/f", "");
    const auto h = s.open(2, "/f", sftp::pflags::write);
    s.send(sftp::Write{3, h, 0, ssh::Bytes(2000, 'x')});
    CHECK(s.status(3) == code(StatusCode::ok));
    s.send(sftp::Write{4, h, 0, ssh::Bytes(2001, 'x')});
    CHECK(s.status(4) == code(StatusCode::bad_message));  // INVALID_PARAMETER before v6
    CHECK(s.fs.nodes.at("/f").data.size() == 2000);

    SECTION("v6 names the error INVALID_PARAMETER") {
        Session v6(config, 6);
        v6.fs.add_file("/g", "");
        const auto g = v6.open5(1, "/g", sftp::ace4::write_data, sftp::open_flags::open_existing);
        v6.send(sftp::Write{2, g, 0, ssh::Bytes(2001, 'x')});
        CHECK(v6.status(2) == code(StatusCode::invalid_parameter));
    }
    SECTION("the default write limit is what a packet can carry") {
        Session d({}, 6);
        d.extended(1, sftp::Limits{});
        const auto l = d.extended_reply<sftp::LimitsReply>(1);
        CHECK(l.max_write_length == 256U * 1024);
        CHECK(l.max_read_length == 256U * 1024);
        CHECK(l.max_open_handles == 256U);
    }
}

TEST_CASE("server extensions: expand-path and home-directory", "[sftp_server]") {
    Session s;
    s.fs.home = "/home/alice";
    s.extended(1, sftp::ExpandPath{"~"});
    CHECK(path_reply(s, 1) == "/home/alice");
    s.extended(2, sftp::ExpandPath{"~/docs/a"});
    CHECK(path_reply(s, 2) == "/home/alice/docs/a");
    s.extended(3, sftp::ExpandPath{"~bob/x"});
    CHECK(path_reply(s, 3) == "/home/bob/x");
    s.extended(4, sftp::ExpandPath{"~carol"});
    CHECK(s.status(4) == code(StatusCode::no_such_file));
    s.extended(5, sftp::ExpandPath{"rel"});
    CHECK(path_reply(s, 5) == "/home/alice/rel");

    s.extended(6, sftp::HomeDirectory{""});
    CHECK(path_reply(s, 6) == "/home/alice");
    s.extended(7, sftp::HomeDirectory{"bob"});
    CHECK(path_reply(s, 7) == "/home/bob");
    s.extended(8, sftp::HomeDirectory{"mallory"});
    CHECK(s.status(8) == code(StatusCode::no_such_file));
}

TEST_CASE("server extensions: users-groups-by-id", "[sftp_server]") {
    Session s;
    s.extended(1, sftp::UsersGroupsById{{1000, 5}, {100}});
    const auto names = s.extended_reply<sftp::UsersGroupsByIdReply>(1);
    CHECK(names.user_names == std::vector<std::string>{"alice", ""});
    CHECK(names.group_names == std::vector<std::string>{"staff"});
}

TEST_CASE("server extensions: copy-data and copy-file", "[sftp_server]") {
    Session s({}, 6);
    namespace of = sftp::open_flags;
    namespace ace = sftp::ace4;
    s.fs.add_file("/src", "0123456789");
    const auto from = s.open5(1, "/src", ace::read_data, of::open_existing);
    const auto to = s.open5(2, "/dst", ace::write_data, of::create_new);
    s.extended(3, sftp::CopyData{from, 2, 5, to, 1});
    CHECK(s.status(3) == code(StatusCode::ok));
    CHECK(s.fs.nodes.at("/dst").data == ssh::Bytes{0, '2', '3', '4', '5', '6'});
    s.extended(4, sftp::CopyData{from, 8, 0, to, 0});  // 0: to the end
    CHECK(s.status(4) == code(StatusCode::ok));
    CHECK(s.fs.text("/dst").substr(0, 2) == "89");
    s.extended(5, sftp::CopyData{from, 0, 5, from, 2});  // overlapping in one file
    CHECK(s.status(5) == code(StatusCode::invalid_parameter));
    s.extended(6, sftp::CopyData{from, 0, 5, "nope", 2});
    CHECK(s.status(6) == code(StatusCode::invalid_handle));

    s.extended(7, sftp::CopyFile{"/src", "/copy", false});
    CHECK(s.status(7) == code(StatusCode::ok));
    CHECK(s.fs.text("/copy") == "0123456789");
    s.extended(8, sftp::CopyFile{"/dst", "/copy", false});
    CHECK(s.status(8) == code(StatusCode::file_already_exists));
    s.extended(9, sftp::CopyFile{"/dst", "/copy", true});
    CHECK(s.status(9) == code(StatusCode::ok));
    CHECK(s.fs.text("/copy").substr(0, 2) == "89");
}

TEST_CASE("server extensions: check-file-handle and check-file-name", "[sftp_server]") {
    Session s({}, 6);
    s.fs.add_file("/f", "hello");
    const std::string big(600, 'z');
    s.fs.add_file("/big", big);
    SECTION("the first algorithm of the client's list we have") {
        s.extended(1, sftp::CheckFileName{"/f", "crc32,sha256,md5", 0, 0, 0});
        const auto reply = s.extended_reply<sftp::CheckFileReply>(1);
        CHECK(reply.hash_algorithm == "sha256");
        CHECK(sftp_test::to_hex(reply.hashes) ==
              "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }
    SECTION("blocks of 256 bytes, one digest each, over a range") {
        const auto h = s.open5(1, "/big", sftp::ace4::read_data, sftp::open_flags::open_existing);
        s.extended(2, sftp::CheckFileHandle{h, "md5", 0, 0, 256});
        const auto reply = s.extended_reply<sftp::CheckFileReply>(2);
        CHECK(reply.hash_algorithm == "md5");
        ssh::Bytes expected = digest("MD5", std::string(256, 'z'));
        const auto second = digest("MD5", std::string(256, 'z'));
        const auto last = digest("MD5", std::string(88, 'z'));
        expected.insert(expected.end(), second.begin(), second.end());
        expected.insert(expected.end(), last.begin(), last.end());
        CHECK(reply.hashes == expected);

        s.extended(3, sftp::CheckFileHandle{h, "sha1", 100, 10, 0});
        CHECK(s.extended_reply<sftp::CheckFileReply>(3).hashes ==
              digest("SHA-1", std::string(10, 'z')));
    }
    SECTION("refusals") {
        s.extended(1, sftp::CheckFileName{"/f", "crc32,whirlpool", 0, 0, 0});
        CHECK(s.status(1) == code(StatusCode::op_unsupported));
        s.extended(2, sftp::CheckFileName{"/f", "sha512", 0, 0, 255});  // below 256
        CHECK(s.status(2) == code(StatusCode::invalid_parameter));
        s.extended(3, sftp::CheckFileName{"/f", "sha512", 0, 1ULL << 40, 256});  // too many
        CHECK(s.status(3) == code(StatusCode::invalid_parameter));
        s.extended(4, sftp::CheckFileName{"/nope", "sha512", 0, 0, 0});
        CHECK(s.status(4) == code(StatusCode::no_such_file));
        s.extended(5, sftp::CheckFileHandle{"nope", "sha512", 0, 0, 0});
        CHECK(s.status(5) == code(StatusCode::invalid_handle));
    }
}

TEST_CASE("server extensions: unknown, malformed and read-only", "[sftp_server]") {
    SECTION("an unknown name is OP_UNSUPPORTED") {
        Session s;
        s.send(sftp::Extended{1, "frobnicate@example.com", {}});
        CHECK(s.status(1) == code(StatusCode::op_unsupported));
    }
    SECTION("a malformed payload is BAD_MESSAGE and the session carries on") {
        Session s;
        s.send(sftp::Extended{1, "statvfs@openssh.com", hex("00000009 2f")});
        CHECK(s.status(1) == code(StatusCode::bad_message));
        s.extended(2, sftp::Limits{});
        CHECK(s.extended_reply<sftp::LimitsReply>(2).max_open_handles == 256U);
    }
    SECTION("read-only sessions refuse the writing extensions before the file system") {
        sftp::ServerConfig config;
        config.read_only = true;
        Session s(config, 6);
        s.fs.add_file("/f", "x");
        const auto h = s.open5(1, "/f", sftp::ace4::read_data, sftp::open_flags::open_existing);
        s.fs.calls.clear();
        s.extended(2, sftp::PosixRename{"/f", "/g"});
        s.extended(3, sftp::Hardlink{"/f", "/g"});
        s.extended(4, sftp::Fsync{h});
        s.extended(5, sftp::Lsetstat{"/f", {}});
        s.extended(6, sftp::CopyData{h, 0, 0, h, 1});
        s.extended(7, sftp::CopyFile{"/f", "/g", true});
        const auto replies = s.replies();
        REQUIRE(replies.size() == 6);
        for (const auto& r : replies) {
            CHECK(std::get<sftp::Status>(r).code == code(StatusCode::permission_denied));
        }
        CHECK(s.fs.calls.empty());
        s.extended(8, sftp::Statvfs{"/f"});  // reading is fine
        CHECK(s.extended_reply<sftp::StatvfsReply>(8) == s.fs.vfs);
    }
}

TEST_CASE("server engine: a file system's failure message replaces the standard text",
          "[sftp_server]") {
    for (const std::uint32_t version : {3U, 6U}) {
        CAPTURE(version);
        Session s({}, version);
        s.fs.add_file("/secret", "x");
        s.fs.denied["/secret"] =
            sftp::Failure{sftp::Error::permission_denied, "upload hook said no"};
        s.send(sftp::Remove{1, "/secret"});
        const auto denied = s.status_reply(1);
        CHECK(denied.code == code(StatusCode::permission_denied));
        CHECK(denied.message == "upload hook said no");
        CHECK(denied.language == "en");
        s.extended(2, sftp::CopyFile{"/x", "/secret", true});
        CHECK(s.status_reply(2).message == "upload hook said no");

        s.send(sftp::Remove{3, "/missing"});
        const auto standard = s.status_reply(3);
        CHECK(standard.message == "No such file");
        CHECK(standard.language == "en");
    }
}

TEST_CASE("server engine: opens in flight count towards max_handles", "[sftp_server]") {
    sftp::ServerConfig config;
    config.max_handles = 2;
    Session s(config);
    s.fs.add_file("/f", "x");
    s.fs.defer = true;
    s.send(sftp::Open{1, "/f", sftp::pflags::read, 0, 0, {}});
    s.send(sftp::Opendir{2, "/"});
    s.send(sftp::Open{3, "/f", sftp::pflags::read, 0, 0, {}});
    CHECK(s.status(3) == code(StatusCode::failure));
    s.fs.complete(0);
    s.fs.complete(1);
    CHECK(s.engine->open_handles() == 2);
    CHECK(s.replies().size() == 2);
}
