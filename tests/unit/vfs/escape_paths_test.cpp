// Escape attempts through path spelling, names and mounts. Every case runs under both
// resolvers (openat2 and the user-space walk).
#include "vfs_fixture.hpp"

#include "daemon/vfs/path.hpp"

#include <catch2/catch.hpp>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;
using vfs::test::Sandbox;
using vfs::test::with_nul;

TEST_CASE("escape 01: ../../etc/passwd is clamped at the virtual root", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.open("../../etc/passwd", {.read = true}).error() == Errc::no_such_file);
    CHECK(v.stat("../../../../../etc/passwd").error() == Errc::no_such_file);
    box.policy.home = "/pub/sub";
    auto& from_home = box.open_filesystem();
    CHECK(from_home.open("../../../outside/secret.txt", {.read = true}).error() == Errc::no_such_file);
    CHECK(from_home.realpath("../../../..").value() == "/");
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 02: /..//../ spellings stay in the tree", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.open("/..//../outside/secret.txt", {.read = true}).error() == Errc::no_such_file);
    CHECK(v.open("/pub/../../outside/secret.txt", {.read = true}).error() == Errc::no_such_file);
    CHECK(v.open("/./.././../outside/./secret.txt", {.write = true, .create = true}).error() ==
          Errc::no_such_file);  // "/outside" in the user's root, which has no such directory
    CHECK(v.make_directory("/../../outside"));
    CHECK(fs::is_directory(box.root / "outside"));
    auto listing = v.open_directory("/../..");
    REQUIRE(listing);
    CHECK(listing->virtual_path() == "/");
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 03: rename across mounts is refused with cross_mount", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.rename("/pub/file.txt", "/shared/file.txt").error() == Errc::cross_mount);
    CHECK(v.rename("/shared/doc.txt", "/doc.txt").error() == Errc::cross_mount);
    CHECK(v.rename("/shared/doc.txt", "/ro/doc.txt").error() == Errc::cross_mount);
    CHECK(fs::exists(box.root / "pub" / "file.txt"));
    CHECK(fs::exists(box.shared / "doc.txt"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 04: hard links across mounts are refused with cross_mount", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.link("/shared/doc.txt", "/stolen.txt").error() == Errc::cross_mount);
    CHECK(v.link("/pub/file.txt", "/shared/copy.txt").error() == Errc::cross_mount);
    CHECK(v.link("/ro/readme.txt", "/pub/readme.txt").error() == Errc::cross_mount);
    CHECK_FALSE(fs::exists(box.root / "stolen.txt"));
    CHECK_FALSE(fs::exists(box.root / "pub" / "readme.txt"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 05: NUL bytes are rejected everywhere", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    const std::string evil = with_nul("/pub/file.txt", "/../../outside/secret.txt");
    CHECK(v.open(evil, {.read = true}).error() == Errc::invalid_name);
    CHECK(v.stat(evil).error() == Errc::invalid_name);
    CHECK(v.make_directory(with_nul("/new", "dir")).error() == Errc::invalid_name);
    CHECK(v.remove(evil).error() == Errc::invalid_name);
    CHECK(v.rename("/pub/file.txt", with_nul("/x", "y")).error() == Errc::invalid_name);
    CHECK(v.symlink(with_nul("../outside", ""), "/l").error() == Errc::invalid_name);
    CHECK(fs::exists(box.root / "pub" / "file.txt"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 06: over-long names and paths are rejected", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    const std::string long_name = "/" + std::string(256, 'x');
    CHECK(v.open(long_name, {.write = true, .create = true}).error() == Errc::invalid_name);
    CHECK(v.make_directory(long_name).error() == Errc::invalid_name);
    std::string long_path;
    while (long_path.size() <= vfs::max_path_length) long_path += "/aaaaaaaaaaaaaaaaaaa";
    CHECK(v.stat(long_path).error() == Errc::invalid_name);
    CHECK(v.symlink(std::string(5000, 'a'), "/l").error() == Errc::invalid_name);
    // Many ".." cannot be used to smuggle a long path past the check either.
    std::string dots;
    while (dots.size() <= vfs::max_path_length) dots += "/..";
    CHECK(v.stat(dots + "/outside").error() == Errc::invalid_name);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 07: '.' and empty names do not name anything new", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.make_directory("").error() == Errc::exists);
    CHECK(v.make_directory(".").error() == Errc::exists);
    CHECK(v.make_directory("/pub/.").error() == Errc::exists);
    CHECK(v.remove("").error() == Errc::is_a_directory);
    CHECK(v.remove_directory(".").error() == Errc::permission_denied);
    CHECK(v.remove_directory("/").error() == Errc::permission_denied);
    CHECK(v.open("", {.write = true, .create = true}).error() == Errc::is_a_directory);
    CHECK(v.open(".", {.read = true}).error() == Errc::is_a_directory);
    CHECK(v.rename("", "/x").error() == Errc::permission_denied);
    CHECK(v.rename("/pub/file.txt", "").error() == Errc::permission_denied);
    CHECK(v.symlink("../outside", "").error() == Errc::exists);
    CHECK(v.symlink("", "/empty-target").error() == Errc::invalid_name);
    CHECK(fs::exists(box.root / "pub" / "file.txt"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 08: trailing slashes do not change what is reached", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink(box.outside, box.root / "lnk");
    CHECK(v.open("/pub/file.txt/", {.read = true}).error() == Errc::not_a_directory);
    CHECK(v.stat("/pub/file.txt/").error() == Errc::not_a_directory);
    CHECK(v.open("/new.txt/", {.write = true, .create = true}).error() == Errc::is_a_directory);
    CHECK(v.open("/pub/file.txt/", {.write = true, .create = true, .truncate = true}).error() ==
          Errc::not_a_directory);
    CHECK(v.remove("/pub/file.txt/").error() == Errc::not_a_directory);
    CHECK(v.rename("/pub/file.txt/", "/moved").error() == Errc::not_a_directory);
    CHECK(v.lstat("/lnk/").error() == Errc::permission_denied);  // "lnk/" follows: denied
    CHECK(v.lstat("/lnk").value().is_symlink());                  // the link itself is fine
    CHECK(v.open_directory("/lnk/").error() == Errc::permission_denied);
    CHECK(v.open("/lnk/./secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(vfs::test::read_file(box.root / "pub" / "file.txt") == "public");
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 09: temporary upload names cannot be named", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    auto upload = v.open("/up.txt", {.write = true, .create = true});
    REQUIRE(upload);
    std::string temp_name;
    for (const auto& entry : fs::directory_iterator(box.root)) {
        if (vfs::is_reserved_name(entry.path().filename().string())) temp_name = entry.path().filename();
    }
    REQUIRE_FALSE(temp_name.empty());
    CHECK(v.open("/" + temp_name, {.read = true}).error() == Errc::invalid_name);
    CHECK(v.remove("/" + temp_name).error() == Errc::invalid_name);
    CHECK(v.rename("/" + temp_name, "/x").error() == Errc::invalid_name);
    CHECK(v.symlink(temp_name, "/peek").error() == Errc::invalid_name);
    CHECK(v.make_directory("/.wharf-upload-mine").error() == Errc::invalid_name);
    CHECK(upload->close());
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 10: mount points and the root cannot be removed or moved", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    CHECK(v.remove_directory("/shared").error() == Errc::permission_denied);
    CHECK(v.remove("/shared").error() == Errc::is_a_directory);
    CHECK(v.rename("/shared", "/elsewhere").error() == Errc::permission_denied);
    CHECK(v.rename("/pub", "/shared").error() == Errc::permission_denied);
    CHECK(v.rename("/pub", "/").error() == Errc::permission_denied);
    CHECK(v.symlink("../outside", "/shared").error() == Errc::exists);
    CHECK(fs::is_directory(box.shared));
    CHECK(box.outside_state() == outside_before);
}
