// The client engine's requests against the real ServerEngine over a FakeFs: renames with and
// without v5 flags, links in every version's form, status codes as each version sends them,
// and the extensions.
#include "sftp/client_pair.hpp"

#include <botan/hash.h>

#include <catch2/catch.hpp>

namespace sftp_test {
namespace {

using sftp::StatusCode;

// Runs a request answered by STATUS alone and returns its code (0 for OK).
template <class Issue>
std::uint32_t status_of(ClientPair& pair, Issue issue) {
    Answer<void> answer;
    pair.call(answer, issue);
    return answer.result->ok() ? 0 : answer.code();
}

TEST_CASE("client engine: rename, v5+ flags and posix-rename", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    auto& c = pair.client;
    pair.fs.add_file("/a", "A");
    pair.fs.add_file("/b", "B");

    CHECK(status_of(pair, [&](auto done) { c.rename("/a", "/c", 0, std::move(done)); }) == 0);
    CHECK(pair.fs.text("/c") == "A");
    // An existing target without OVERWRITE: FAILURE in v3 (as sftp-server), else the v4 code.
    const std::uint32_t exists = status_of(pair, [&](auto d) { c.rename("/c", "/b", 0, std::move(d)); });
    CHECK(exists == wire(version == 3 ? StatusCode::failure : StatusCode::file_already_exists));
    if (version >= 5) {
        const std::uint32_t flags = sftp::rename_flags::overwrite | sftp::rename_flags::atomic;
        CHECK(status_of(pair, [&](auto d) { c.rename("/c", "/b", flags, std::move(d)); }) == 0);
        CHECK(pair.fs.last_rename_flags == flags);
        CHECK(pair.fs.text("/b") == "A");
    } else {
        CHECK_THROWS_AS(c.rename("/c", "/b", sftp::rename_flags::overwrite, [](auto) {}),
                        std::invalid_argument);
        CHECK(status_of(pair, [&](auto d) { c.posix_rename("/c", "/b", std::move(d)); }) == 0);
        CHECK(pair.fs.text("/b") == "A");
    }
    CHECK(pair.fs.nodes.count("/c") == 0);
}

TEST_CASE("client engine: symlinks, readlink and links per version", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    auto& c = pair.client;
    pair.fs.add_file("/target", "T");

    // v3 goes out in OpenSSH's (target, link) order, v6 as LINK: the server must see the
    // same link either way.
    CHECK(status_of(pair, [&](auto d) { c.symlink("/link", "/target", std::move(d)); }) == 0);
    REQUIRE(pair.fs.nodes.count("/link") == 1);
    CHECK(pair.fs.nodes.at("/link").kind == Node::link);
    CHECK(pair.fs.nodes.at("/link").target == "/target");
    Answer<std::string> target;
    pair.call(target, [&](auto d) { c.readlink("/link", std::move(d)); });
    CHECK(target.value() == "/target");

    CHECK(status_of(pair, [&](auto d) { c.hardlink("/target", "/hard", std::move(d)); }) == 0);
    CHECK(pair.fs.text("/hard") == "T");
    if (version == 6) {
        CHECK(status_of(pair, [&](auto d) { c.link("/hard2", "/target", false, std::move(d)); }) == 0);
        CHECK(pair.fs.nodes.at("/hard2").kind == Node::file);
        CHECK(status_of(pair, [&](auto d) { c.link("/sym2", "/target", true, std::move(d)); }) == 0);
        CHECK(pair.fs.nodes.at("/sym2").kind == Node::link);
    } else {
        CHECK_THROWS_AS(c.link("/x", "/target", false, [](auto) {}), std::invalid_argument);
    }
}

TEST_CASE("client engine: status codes as each version sends them", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    auto& c = pair.client;
    pair.fs.add_file("/file", "x");
    pair.fs.nodes["/full"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    pair.fs.add_file("/full/x", "x");

    Answer<sftp::FileAttributes> missing;
    pair.call(missing, [&](auto d) { c.stat("/nope", std::move(d)); });
    CHECK(missing.code() == wire(StatusCode::no_such_file));
    CHECK(missing.result->message() == "No such file");

    Answer<std::string> not_dir;
    pair.call(not_dir, [&](auto d) { c.opendir("/file", std::move(d)); });
    const StatusCode expected_not_dir = version == 3   ? StatusCode::no_such_file
                                        : version == 6 ? StatusCode::not_a_directory
                                                       : StatusCode::no_such_path;
    CHECK(not_dir.code() == wire(expected_not_dir));

    CHECK(status_of(pair, [&](auto d) { c.rmdir("/full", std::move(d)); }) ==
          wire(version == 6 ? StatusCode::dir_not_empty : StatusCode::failure));
    CHECK(status_of(pair, [&](auto d) { c.mkdir("/full", {}, std::move(d)); }) ==
          wire(version == 3 ? StatusCode::failure : StatusCode::file_already_exists));
    CHECK(status_of(pair, [&](auto d) { c.remove("/nope", std::move(d)); }) ==
          wire(StatusCode::no_such_file));

    Answer<void> bad_handle;
    pair.call(bad_handle, [&](auto d) { c.close("no such handle", std::move(d)); });
    CHECK(bad_handle.code() == wire(version == 3 ? StatusCode::failure : StatusCode::invalid_handle));

    // And the successful forms.
    CHECK(status_of(pair, [&](auto d) { c.mkdir("/new", {}, std::move(d)); }) == 0);
    CHECK(status_of(pair, [&](auto d) { c.rmdir("/new", std::move(d)); }) == 0);
    CHECK(status_of(pair, [&](auto d) { c.remove("/file", std::move(d)); }) == 0);
    CHECK(pair.fs.nodes.count("/file") == 0);
}

TEST_CASE("client engine: open modes turn into pflags before v5", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    Answer<std::string> created;
    const sftp::OpenMode create_new{sftp::ace4::write_data, sftp::open_flags::create_new};
    pair.call(created, [&](auto d) { pair.client.open("/n", create_new, {}, std::move(d)); });
    CHECK_FALSE(created.value().empty());
    // The server saw the same v5 mode whatever the version carried.
    REQUIRE(pair.fs.open_modes.size() == 1);
    CHECK((pair.fs.open_modes[0].flags & sftp::open_flags::access_disposition) ==
          sftp::open_flags::create_new);
    CHECK((pair.fs.open_modes[0].desired_access & sftp::ace4::write_data) != 0);
    Answer<std::string> again;
    pair.call(again, [&](auto d) { pair.client.open("/n", create_new, {}, std::move(d)); });
    CHECK(again.code() == wire(version == 3 ? StatusCode::failure : StatusCode::file_already_exists));
    const sftp::OpenMode nofollow{sftp::ace4::read_data,
                                  sftp::open_flags::open_existing | sftp::open_flags::nofollow};
    if (version < 5) {
        CHECK_THROWS_AS(pair.client.open("/n", nofollow, {}, [](auto) {}), std::invalid_argument);
    }
}

// An extension no server knows.
struct Nonsense {
    static constexpr std::string_view kName = "nonsense@example.com";
    void encode(ssh::Writer& out, std::uint32_t) const { out.uint32(42); }
};

TEST_CASE("client engine: extensions", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    auto& c = pair.client;
    pair.fs.add_file("/f", "0123456789");

    Answer<sftp::StatvfsReply> vfs;
    pair.call(vfs, [&](auto d) { c.statvfs("/", std::move(d)); });
    CHECK(vfs.value() == pair.fs.vfs);

    Answer<sftp::LimitsReply> limits;
    pair.call(limits, [&](auto d) { c.limits(std::move(d)); });
    CHECK(limits.value().max_write_length == 256u * 1024);
    CHECK(limits.value().max_read_length == 256u * 1024);

    Answer<sftp::SpaceAvailableReply> space;
    pair.call(space, [&](auto d) { c.space_available("/", std::move(d)); });
    CHECK(space.value().bytes_on_device == 1000u * 4096);
    CHECK(space.value().bytes_per_allocation_unit == 4096u);

    Answer<sftp::CheckFileReply> hash;
    pair.call(hash, [&](auto d) {
        c.check_file(sftp::CheckFileName{"/f", "sha256", 0, 0, 0}, std::move(d));
    });
    CHECK(hash.value().hash_algorithm == "sha256");
    const auto sha256 = Botan::HashFunction::create_or_throw("SHA-256")->process("0123456789");
    CHECK(hash.value().hashes == ssh::Bytes(sha256.begin(), sha256.end()));

    Answer<std::string> source, destination;
    pair.call(source, [&](auto d) { c.open("/f", sftp::open_for_reading(), {}, std::move(d)); });
    pair.call(destination, [&](auto d) { c.open("/g", sftp::open_for_writing(), {}, std::move(d)); });
    CHECK(status_of(pair, [&](auto d) {
              c.copy_data(sftp::CopyData{source.value(), 2, 5, destination.value(), 0}, std::move(d));
          }) == 0);
    CHECK(pair.fs.text("/g") == "23456");
    CHECK(status_of(pair, [&](auto d) { c.fsync(destination.value(), std::move(d)); }) == 0);
    CHECK(pair.fs.fsyncs == 1);
    Answer<sftp::StatvfsReply> fvfs;
    pair.call(fvfs, [&](auto d) { c.fstatvfs(source.value(), std::move(d)); });
    CHECK(fvfs.value().namemax == 255u);
    Answer<sftp::CheckFileReply> handle_hash;
    pair.call(handle_hash, [&](auto d) {
        c.check_file(sftp::CheckFileHandle{source.value(), "md5,sha256", 0, 0, 0}, std::move(d));
    });
    CHECK(handle_hash.value().hash_algorithm == "md5");

    CHECK(status_of(pair, [&](auto d) { c.extended(Nonsense{}, std::move(d)); }) ==
          wire(StatusCode::op_unsupported));
    CHECK_FALSE(pair.client.failed());
}

TEST_CASE("client engine: reads at the end of a file report EOF", "[sftp][client]") {
    ClientPair pair(GENERATE(3u, 6u));
    pair.fs.add_file("/f", "abc");
    Answer<std::string> handle;
    pair.call(handle, [&](auto d) { pair.client.open("/f", sftp::open_for_reading(), {}, std::move(d)); });
    Answer<ssh::Bytes> first, second;
    pair.client.read(handle.value(), 0, 100, first.callback());
    pair.client.read(handle.value(), 3, 100, second.callback());
    pair.pump();
    CHECK(first.value() == ssh::Bytes{'a', 'b', 'c'});
    CHECK(second.code() == wire(StatusCode::eof));
}

}  // namespace
}  // namespace sftp_test
