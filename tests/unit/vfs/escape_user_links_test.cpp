// Escape attempts with symlinks the user creates through the filesystem itself: the
// target is stored as given, and no operation may then be carried out through it.
// Every case runs under both resolvers.
#include "vfs_fixture.hpp"

#include <catch2/catch.hpp>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;

TEST_CASE("escape 24: user symlink out, then open and stat through it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    CHECK(fs::read_symlink(box.root / "esc") == "../outside");  // stored as given
    CHECK(v.readlink("/esc").value() == "../outside");
    CHECK(v.open("/esc/secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/esc/secret.txt").error() == Errc::permission_denied);
    CHECK(v.stat("/esc").error() == Errc::permission_denied);
    CHECK(v.lstat("/esc/secret.txt").error() == Errc::permission_denied);
    CHECK(v.readlink("/esc/secret.txt").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 25: user symlink out, then list through it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    CHECK(v.open_directory("/esc").error() == Errc::permission_denied);
    CHECK(v.open_directory("/esc/dir").error() == Errc::permission_denied);
    CHECK(v.statvfs("/esc").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 26: user symlink out, then mkdir and create through it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    CHECK(v.make_directory("/esc/made").error() == Errc::permission_denied);
    CHECK(v.open("/esc/new.txt", {.write = true, .create = true}).error() == Errc::permission_denied);
    CHECK(v.open("/esc/secret.txt", {.write = true, .truncate = true}).error() == Errc::permission_denied);
    CHECK(v.symlink("x", "/esc/planted").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 27: user symlink out, then rename into and out of it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    CHECK(v.rename("/pub/file.txt", "/esc/stolen.txt").error() == Errc::permission_denied);
    CHECK(v.rename("/esc/secret.txt", "/loot.txt").error() == Errc::permission_denied);
    CHECK(v.rename("/esc/secret.txt", "/loot.txt", vfs::RenameMode::no_overwrite).error() ==
          Errc::permission_denied);
    CHECK(v.rename("/pub", "/esc/pub").error() == Errc::permission_denied);
    CHECK(fs::exists(box.root / "pub" / "file.txt"));
    CHECK_FALSE(fs::exists(box.root / "loot.txt"));
    // Renaming the link itself is only moving a name.
    CHECK(v.rename("/esc", "/pub/esc2"));
    // From /pub, "../outside" now names the user's own /outside, which does not exist.
    CHECK(v.open("/pub/esc2/secret.txt", {.read = true}).error() == Errc::no_such_file);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 28: user symlink out, then hard links through it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    CHECK(v.link("/esc/secret.txt", "/hl").error() == Errc::permission_denied);
    CHECK(v.link("/pub/file.txt", "/esc/hl").error() == Errc::permission_denied);
    CHECK_FALSE(fs::exists(box.root / "hl"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 29: user symlink out, then chmod, utimens, truncate, remove through it",
          "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../outside", "/esc"));
    REQUIRE(v.symlink("../outside/secret.txt", "/escfile"));
    for (const char* path : {"/esc/secret.txt", "/escfile"}) {
        INFO(path);
        CHECK(v.set_attributes(path, {.mode = 0777}).error() == Errc::permission_denied);
        CHECK(v.set_attributes(path, {.mtime = vfs::Timestamp{12345, 0}}).error() ==
              Errc::permission_denied);
        CHECK(v.set_attributes(path, {.size = 0}).error() == Errc::permission_denied);
        CHECK(v.set_attributes(path, {.uid = 0}).error() == Errc::permission_denied);
    }
    CHECK(v.remove("/esc/secret.txt").error() == Errc::permission_denied);
    CHECK(v.remove_directory("/esc/dir").error() == Errc::permission_denied);
    CHECK(v.remove("/escfile"));  // removes the link, not its target
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 30: user symlink with an absolute target", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("/etc/passwd", "/p"));
    REQUIRE(v.symlink(box.outside.string(), "/o"));
    CHECK(v.readlink("/p").value() == "/etc/passwd");  // stored and returned as given
    CHECK(v.open("/p", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/p", {.write = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/p").error() == Errc::permission_denied);
    CHECK(v.open("/o/secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.realpath("/o/secret.txt").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 31: user symlinks into another mount by virtual path do not jump", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    // "/shared" is virtual: as a link target it is an absolute real path, refused.
    REQUIRE(v.symlink("/shared/doc.txt", "/pub/share-link"));
    CHECK(v.open("/pub/share-link", {.read = true}).error() == Errc::permission_denied);
    // A relative target is resolved in the real directory of this mount only.
    REQUIRE(v.symlink("../shared/doc.txt", "/pub/share-rel"));
    CHECK(v.open("/pub/share-rel", {.read = true}).error() == Errc::no_such_file);
    REQUIRE(v.symlink("../../shared/doc.txt", "/pub/share-up"));
    CHECK(v.open("/pub/share-up", {.read = true}).error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 32: links inside a virtual folder stay inside it", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    REQUIRE(v.symlink("../root/pub/file.txt", "/shared/to-root"));
    REQUIRE(v.symlink("doc.txt", "/shared/ok"));
    CHECK(v.open("/shared/to-root", {.read = true}).error() == Errc::permission_denied);
    CHECK(vfs::test::read_all(v.open("/shared/ok", {.read = true}).value()) == "shared doc");
    CHECK(v.realpath("/shared/ok").value() == "/shared/doc.txt");
    CHECK(box.outside_state() == outside_before);
}
