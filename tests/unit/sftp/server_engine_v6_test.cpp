// The server engine in versions 4 to 6: OPEN modes and flags, attributes and READDIR per
// version, status codes per version, REALPATH controls, LINK, BLOCK/UNBLOCK, RENAME flags.
#include "sftp/server_session.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
namespace of = sftp::open_flags;
namespace ace = sftp::ace4;
using sftp::StatusCode;
using sftp_test::bytes_of;
using sftp_test::code;
using sftp_test::Node;
using sftp_test::Session;

constexpr std::uint32_t kRead = ace::read_data | ace::read_attributes;
constexpr std::uint32_t kWrite = ace::write_data | ace::write_attributes;

}  // namespace

TEST_CASE("server engine v4-v6: OPEN pflags (v4) and desired-access + flags (v5, v6)",
          "[sftp_server]") {
    SECTION("v4 pflags become the v5 form") {
        Session s({}, 4);
        namespace pf = sftp::pflags;
        s.open(1, "/new", pf::write | pf::creat | pf::trunc);
        REQUIRE(s.fs.open_modes.size() == 1);
        CHECK(s.fs.open_modes[0] == sftp::OpenMode{kWrite, of::create_truncate});
    }
    for (const std::uint32_t version : {5U, 6U}) {
        CAPTURE(version);
        Session s({}, version);
        s.fs.add_file("/f", "0123456789");
        SECTION("TRUNCATE_EXISTING empties an existing file and needs one") {
            s.open5(1, "/f", kWrite, of::truncate_existing);
            CHECK(s.fs.text("/f").empty());
            s.send(sftp::Open{2, "/missing", 0, kWrite, of::truncate_existing, {}});
            CHECK(s.status(2) == code(StatusCode::no_such_file));
        }
        SECTION("CREATE_NEW refuses an existing file with FILE_ALREADY_EXISTS") {
            s.send(sftp::Open{1, "/f", 0, kWrite, of::create_new, {}});
            CHECK(s.status(1) == code(StatusCode::file_already_exists));
            s.open5(2, "/g", kWrite, of::create_new);
            CHECK(s.fs.nodes.count("/g") == 1);
        }
        SECTION("OPEN_OR_CREATE keeps the data; CREATE_TRUNCATE does not") {
            s.open5(1, "/f", kWrite, of::open_or_create);
            CHECK(s.fs.text("/f") == "0123456789");
            s.open5(2, "/f", kWrite, of::create_truncate);
            CHECK(s.fs.text("/f").empty());
        }
        SECTION("APPEND_DATA writes at the end whatever the offset") {
            const auto h = s.open5(1, "/f", kWrite | ace::append_data,
                                   of::open_existing | of::append_data);
            s.send(sftp::Write{2, h, 0, bytes_of("AB")});
            CHECK(s.status(2) == code(StatusCode::ok));
            CHECK(s.fs.text("/f") == "0123456789AB");
        }
        SECTION("flags we cannot honour are refused before the file system sees them") {
            for (const std::uint32_t flag : {of::block_read, of::block_write, of::block_delete,
                                             of::delete_on_close, of::access_backup,
                                             of::backup_stream, of::override_owner}) {
                s.send(sftp::Open{7, "/f", 0, kRead, of::open_existing | flag, {}});
                CHECK(s.status(7) == code(StatusCode::op_unsupported));
            }
            s.send(sftp::Open{8, "/f", 0, kRead, 5, {}});  // no such disposition
            CHECK(s.status(8) == code(version == 6 ? StatusCode::invalid_parameter
                                                   : StatusCode::bad_message));
            CHECK(s.fs.calls.empty());
        }
        SECTION("NOFOLLOW: a symlink is LINK_LOOP (v6), a file opens") {
            s.fs.nodes["/l"] = Node{Node::link, {}, "/f", 0777, 0};
            s.send(sftp::Open{1, "/l", 0, kRead, of::open_existing | of::nofollow, {}});
            CHECK(s.status(1) == code(version == 6 ? StatusCode::link_loop
                                                   : StatusCode::no_such_path));
            s.open5(2, "/f", kRead, of::open_existing | of::nofollow);
            s.open5(3, "/created", kWrite, of::create_new | of::nofollow);
        }
    }
}

TEST_CASE("server engine v4-v6: attributes carry a type byte and names, no S_IFMT bits",
          "[sftp_server]") {
    for (const std::uint32_t version : {4U, 5U, 6U}) {
        CAPTURE(version);
        Session s({}, version);
        s.fs.add_file("/f", "12345");
        s.send(sftp::Stat{1, "/f", sftp::attr::size | sftp::attr::permissions});
        const auto a = std::get<sftp::Attrs>(s.one()).attrs;
        CHECK(a.type == sftp::FileType::regular);
        CHECK(a.permissions == 0644U);
        CHECK(a.size == 5U);
        CHECK(a.owner_group == sftp::OwnerGroup{"1000", "100"});
        CHECK(a.uid_gid == std::nullopt);
        CHECK(a.mtime == sftp::FileTime{1700000000, 500});

        s.fs.nodes["/l"] = Node{Node::link, {}, "/f", 0777, 1700000000};
        s.send(sftp::Lstat{2, "/l", 0});
        CHECK(std::get<sftp::Attrs>(s.one()).attrs.type == sftp::FileType::symlink);
    }
    SECTION("v3 keeps the S_IFMT bits and numeric ids") {
        Session s({}, 3);
        s.fs.add_file("/f", "12345");
        s.send(sftp::Stat{1, "/f", 0});
        const auto a = std::get<sftp::Attrs>(s.one()).attrs;
        CHECK(a.permissions == 0100644U);
        CHECK(a.uid_gid == sftp::UidGid{1000, 100});
        CHECK(a.mtime == sftp::FileTime{1700000000, std::nullopt});
    }
}

TEST_CASE("server engine v4-v6: READDIR has no longnames and shows owner names",
          "[sftp_server]") {
    for (const std::uint32_t version : {4U, 6U}) {
        CAPTURE(version);
        Session s({}, version);
        s.fs.nodes["/d"] = Node{Node::dir, {}, {}, 0755, 1700000000};
        s.fs.add_file("/d/a", "hello");
        s.fs.nodes["/d/sub"] = Node{Node::dir, {}, {}, 0700, 1600000000};
        s.send(sftp::Opendir{1, "/d"});
        const std::string h = std::get<sftp::Handle>(s.one()).handle;
        s.send(sftp::Readdir{2, h});
        const auto name = std::get<sftp::Name>(s.one());
        REQUIRE(name.entries.size() == 2);
        CHECK(name.entries[0].filename == "a");
        CHECK(name.entries[0].longname.empty());
        CHECK(name.entries[0].attrs.type == sftp::FileType::regular);
        CHECK(name.entries[0].attrs.owner_group == sftp::OwnerGroup{"alice", "staff"});
        CHECK(name.entries[1].attrs.type == sftp::FileType::directory);
        CHECK(name.entries[1].attrs.permissions == 0700U);
        CHECK(name.entries[1].attrs.owner_group == sftp::OwnerGroup{"1000", "100"});
        if (version == 6) CHECK(name.entries[1].attrs.link_count == 3U);
        s.send(sftp::Readdir{3, h});
        CHECK(s.status(3) == code(StatusCode::eof));
    }
}

TEST_CASE("server engine: READDIR batches follow readdir_batch", "[sftp_server]") {
    sftp::ServerConfig config;
    config.readdir_batch = 40;
    Session s(config, 6);
    s.fs.nodes["/big"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    for (int i = 0; i < 100; ++i) s.fs.add_file("/big/f" + std::to_string(100 + i), "x");
    s.send(sftp::Opendir{1, "/big"});
    const std::string h = std::get<sftp::Handle>(s.one()).handle;
    std::vector<std::size_t> sizes;
    for (std::uint32_t id = 2; id < 10; ++id) {
        s.send(sftp::Readdir{id, h});
        const auto reply = s.one();
        if (std::holds_alternative<sftp::Status>(reply)) break;
        sizes.push_back(std::get<sftp::Name>(reply).entries.size());
    }
    CHECK(sizes == std::vector<std::size_t>{40, 40, 20});
}

TEST_CASE("server engine: status codes follow the negotiated version", "[sftp_server]") {
    struct Case {
        std::uint32_t version;
        StatusCode not_empty, not_a_directory, exists, bad_handle;
    };
    for (const Case c : {Case{3, StatusCode::failure, StatusCode::no_such_file,
                              StatusCode::failure, StatusCode::failure},
                         Case{4, StatusCode::failure, StatusCode::no_such_path,
                              StatusCode::file_already_exists, StatusCode::invalid_handle},
                         Case{5, StatusCode::failure, StatusCode::no_such_path,
                              StatusCode::file_already_exists, StatusCode::invalid_handle},
                         Case{6, StatusCode::dir_not_empty, StatusCode::not_a_directory,
                              StatusCode::file_already_exists, StatusCode::invalid_handle}}) {
        CAPTURE(c.version);
        Session s({}, c.version);
        s.fs.nodes["/d"] = Node{Node::dir, {}, {}, 0755, 0};
        s.fs.add_file("/d/f", "x");
        s.send(sftp::Rmdir{1, "/d"});
        CHECK(s.status(1) == code(c.not_empty));
        s.send(sftp::Opendir{2, "/d/f"});
        CHECK(s.status(2) == code(c.not_a_directory));
        s.send(sftp::Mkdir{3, "/d", {}});
        CHECK(s.status(3) == code(c.exists));
        s.send(sftp::Close{4, "nope"});
        CHECK(s.status(4) == code(c.bad_handle));
    }
}

TEST_CASE("server engine v6: REALPATH control byte and compose paths", "[sftp_server]") {
    Session s({}, 6);
    s.fs.home = "/home/alice";
    s.fs.nodes["/home/alice"] = Node{Node::dir, {}, {}, 0755, 0};
    s.fs.add_file("/home/alice/f", "12345");
    const auto path_of = [&](std::uint32_t id) {
        const auto name = std::get<sftp::Name>(s.one());
        CHECK(name.request_id == id);
        REQUIRE(name.entries.size() == 1);
        return name.entries[0];
    };
    SECTION("NO_CHECK (also without a control byte) resolves by name, nothing is checked") {
        s.send(sftp::Realpath{1, "/a/./b//../c", std::nullopt, {}});
        CHECK(path_of(1).filename == "/a/c");
        CHECK(s.fs.calls.empty());
        s.send(sftp::Realpath{2, "/x/y", sftp::realpath_control::no_check, {"..", "z", "", "w"}});
        CHECK(path_of(2).filename == "/x/z/w");
        s.send(sftp::Realpath{3, "/x", sftp::realpath_control::no_check, {"/abs", "q"}});
        CHECK(path_of(3).filename == "/abs/q");
        s.send(sftp::Realpath{4, "..", sftp::realpath_control::no_check, {"../.."}});
        CHECK(path_of(4).filename == "/");
        s.send(sftp::Realpath{5, "missing", sftp::realpath_control::no_check, {}});
        const auto missing = path_of(5);
        CHECK(missing.filename == "/home/alice/missing");
        CHECK(missing.attrs.type == sftp::FileType::unknown);  // dummy attributes
    }
    SECTION("STAT_IF: attributes when the path exists, type UNKNOWN when not") {
        s.send(sftp::Realpath{1, ".", sftp::realpath_control::stat_if, {"f"}});
        const auto found = path_of(1);
        CHECK(found.filename == "/home/alice/f");
        CHECK(found.attrs.size == 5U);
        CHECK(found.attrs.type == sftp::FileType::regular);
        s.send(sftp::Realpath{2, ".", sftp::realpath_control::stat_if, {"nope"}});
        const auto absent = path_of(2);
        CHECK(absent.filename == "/home/alice/nope");
        CHECK(absent.attrs.type == sftp::FileType::unknown);
        CHECK_FALSE(absent.attrs.size.has_value());
    }
    SECTION("STAT_ALWAYS fails for a missing path") {
        s.send(sftp::Realpath{1, "/home/alice", sftp::realpath_control::stat_always, {"f"}});
        const auto found = path_of(1);
        CHECK(found.filename == "/home/alice/f");
        CHECK(found.attrs.permissions == 0644U);
        s.send(sftp::Realpath{2, "/home/alice", sftp::realpath_control::stat_always, {"nope"}});
        CHECK(s.status(2) == code(StatusCode::no_such_file));
    }
    SECTION("an unknown control byte is INVALID_PARAMETER") {
        s.send(sftp::Realpath{1, "/", 9, {}});
        CHECK(s.status(1) == code(StatusCode::invalid_parameter));
    }
    SECTION("before v6 the file system resolves the path as it is") {
        Session v5({}, 5);
        v5.fs.home = "/home/alice";
        v5.send(sftp::Realpath{1, "x", std::nullopt, {}});
        CHECK(std::get<sftp::Name>(v5.one()).entries.at(0).filename == "/home/alice/x");
    }
}

TEST_CASE("server engine v6: LINK makes symbolic or hard links", "[sftp_server]") {
    Session s({}, 6);
    s.fs.add_file("/f", "data");
    s.send(sftp::Link{1, "/sym", "/f", true});
    CHECK(s.status(1) == code(StatusCode::ok));
    CHECK(s.fs.nodes.at("/sym").kind == Node::link);
    CHECK(s.fs.nodes.at("/sym").target == "/f");
    s.send(sftp::Link{2, "/hard", "/f", false});
    CHECK(s.status(2) == code(StatusCode::ok));
    CHECK(s.fs.nodes.at("/hard").kind == Node::file);
    CHECK(s.fs.text("/hard") == "data");
    s.send(sftp::Link{3, "/hard", "/f", false});
    CHECK(s.status(3) == code(StatusCode::file_already_exists));

    sftp::ServerConfig read_only;
    read_only.read_only = true;
    Session ro(read_only, 6);
    ro.send(sftp::Link{1, "/x", "/", true});
    CHECK(ro.status(1) == code(StatusCode::permission_denied));
    CHECK(ro.fs.calls.empty());
}

TEST_CASE("server engine v6: BLOCK and UNBLOCK", "[sftp_server]") {
    Session s({}, 6);
    s.fs.add_file("/f", "0123456789");
    const auto a = s.open5(1, "/f", kRead | kWrite, of::open_existing);
    const auto b = s.open5(2, "/f", kRead, of::open_existing);
    const std::uint32_t shared = of::block_write | of::block_advisory;
    const std::uint32_t exclusive = of::block_read | of::block_write | of::block_advisory;
    s.send(sftp::Block{3, a, 0, 5, exclusive});
    CHECK(s.status(3) == code(StatusCode::ok));
    s.send(sftp::Block{4, b, 4, 2, shared});
    CHECK(s.status(4) == code(StatusCode::byte_range_lock_refused));
    s.send(sftp::Block{5, b, 5, 0, shared});  // to the end of the file: no overlap
    CHECK(s.status(5) == code(StatusCode::ok));
    s.send(sftp::Block{6, a, 0, 1, of::block_read});  // a combination we do not offer
    CHECK(s.status(6) == code(StatusCode::op_unsupported));
    s.send(sftp::Block{7, a, 0, 1, 0x1000});
    CHECK(s.status(7) == code(StatusCode::invalid_parameter));
    s.send(sftp::Unblock{8, a, 0, 4});
    CHECK(s.status(8) == code(StatusCode::no_matching_byte_range_lock));
    s.send(sftp::Unblock{9, a, 0, 5});
    CHECK(s.status(9) == code(StatusCode::ok));
    s.send(sftp::Block{10, b, 0, 5, shared});
    CHECK(s.status(10) == code(StatusCode::ok));

    s.send(sftp::Opendir{11, "/"});
    const std::string dir = std::get<sftp::Handle>(s.one()).handle;
    s.send(sftp::Block{12, dir, 0, 1, shared});
    CHECK(s.status(12) == code(StatusCode::op_unsupported));
    s.send(sftp::Block{13, "nope", 0, 1, shared});
    CHECK(s.status(13) == code(StatusCode::invalid_handle));
}

TEST_CASE("server engine v5+: RENAME flags reach the file system", "[sftp_server]") {
    Session s({}, 5);
    s.fs.add_file("/a", "A");
    s.fs.add_file("/b", "B");
    s.send(sftp::Rename{1, "/a", "/b", 0});
    CHECK(s.status(1) == code(StatusCode::file_already_exists));
    s.send(sftp::Rename{2, "/a", "/b", sftp::rename_flags::overwrite});
    CHECK(s.status(2) == code(StatusCode::ok));
    CHECK(s.fs.text("/b") == "A");
    CHECK(s.fs.last_rename_flags == sftp::rename_flags::overwrite);
    s.send(sftp::Rename{3, "/b", "/c", 0x10});
    CHECK(s.status(3) == code(StatusCode::op_unsupported));
}

TEST_CASE("server engine v3: SYMLINK in OpenSSH's order (targetpath, linkpath)",
          "[sftp_server]") {
    Session s({}, 3);
    // SSH_FXP_SYMLINK, id 1, "/target" then "/ln", as OpenSSH's sftp sends `ln -s /target /ln`
    s.send_raw(20, sftp_test::hex("00000001 00000007 2f746172676574 00000003 2f6c6e"));
    CHECK(s.status(1) == code(StatusCode::ok));
    CHECK(s.fs.nodes.at("/ln").target == "/target");
}
