// Escape attempts through symlinks found on disk (planted by someone with shell access,
// or left by an old tool). Every case runs under both resolvers.
#include "vfs_fixture.hpp"

#include <catch2/catch.hpp>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;

namespace {

bool never_real(const vfs::test::Sandbox& box, const std::string& text) {
    return text.find(box.temp.path().string()) == std::string::npos;
}

}  // namespace

TEST_CASE("escape 11: absolute symlink to /etc", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("/etc", box.root / "etc");
    CHECK(v.open("/etc/passwd", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/etc/passwd").error() == Errc::permission_denied);
    CHECK(v.stat("/etc").error() == Errc::permission_denied);
    CHECK(v.open_directory("/etc").error() == Errc::permission_denied);
    CHECK(v.open("/etc/wharf-owned", {.write = true, .create = true}).error() == Errc::permission_denied);
    CHECK(v.lstat("/etc").value().is_symlink());
    CHECK_FALSE(fs::exists("/etc/wharf-owned"));
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 12: absolute symlink straight at a file outside", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink(box.outside / "secret.txt", box.root / "abs");
    CHECK(v.open("/abs", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/abs", {.write = true}).error() == Errc::permission_denied);
    CHECK(v.open("/abs", {.append = true}).error() == Errc::permission_denied);
    CHECK(v.set_attributes("/abs", {.size = 0}).error() == Errc::permission_denied);
    CHECK(v.set_attributes("/abs", {.mode = 0777}).error() == Errc::permission_denied);
    CHECK(v.statvfs("/abs").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 13: relative symlink ../../..", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("../../..", box.root / "up");
    CHECK(v.stat("/up/etc/passwd").error() == Errc::permission_denied);
    CHECK(v.open_directory("/up").error() == Errc::permission_denied);
    CHECK(v.make_directory("/up/tmp/wharf-escape").error() == Errc::permission_denied);
    CHECK(v.realpath("/up").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 14: relative symlink one level out to a file", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("../outside/secret.txt", box.root / "rel");
    CHECK(v.open("/rel", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/rel").error() == Errc::permission_denied);
    CHECK(v.realpath("/rel").error() == Errc::permission_denied);
    CHECK(v.link("/rel", "/hard"));  // links the symlink itself (linkat without FOLLOW)
    CHECK(v.lstat("/hard").value().is_symlink());
    CHECK(v.open("/hard", {.read = true}).error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 15: a chain of symlinks that ends outside", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("b", box.root / "a");
    fs::create_symlink("pub/c", box.root / "b");
    fs::create_symlink("../../outside", box.root / "pub" / "c");
    CHECK(v.open("/a/secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/a").error() == Errc::permission_denied);
    CHECK(v.open("/a/new.txt", {.write = true, .create = true}).error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 16: symlink into a sibling mount's real directory", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("../shared", box.root / "toshared");
    fs::create_symlink(box.shared, box.root / "toshared_abs");
    fs::create_symlink("../../ro", box.root / "pub" / "toro");
    CHECK(v.open("/toshared/doc.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/toshared_abs/doc.txt", {.read = true}).error() == Errc::permission_denied);
    // A write through a link must not bypass the read-only flag of the other mount.
    CHECK(v.open("/pub/toro/readme.txt", {.write = true}).error() == Errc::permission_denied);
    CHECK(v.remove("/pub/toro/readme.txt").error() == Errc::permission_denied);
    CHECK(vfs::test::read_file(box.ro / "readme.txt") == "read only");
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 17: symlink as a middle component", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("../../../outside", box.root / "pub" / "sub" / "mid");
    CHECK(v.open("/pub/sub/mid/secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.make_directory("/pub/sub/mid/made").error() == Errc::permission_denied);
    CHECK(v.remove("/pub/sub/mid/secret.txt").error() == Errc::permission_denied);
    CHECK(v.symlink("x", "/pub/sub/mid/planted").error() == Errc::permission_denied);
    CHECK(v.open_directory("/pub/sub/mid/dir").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 18: directory symlink followed by '..' in its target", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("sub", box.root / "pub" / "dl");
    fs::create_symlink("../../../outside", box.root / "pub" / "sub" / "back");
    fs::create_symlink("sub/../../../outside", box.root / "pub" / "inner");
    CHECK(v.open("/pub/dl/back/secret.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/pub/inner/secret.txt", {.read = true}).error() == Errc::permission_denied);
    // ".." in the virtual path is lexical: "/pub/dl/../.." is "/", not the link's parent.
    CHECK(v.open("/pub/dl/../../outside/secret.txt", {.read = true}).error() == Errc::no_such_file);
    // Links whose ".." stays inside work.
    fs::create_symlink("../file.txt", box.root / "pub" / "sub" / "up");
    CHECK(vfs::test::read_all(v.open("/pub/dl/up", {.read = true}).value()) == "public");
    CHECK(v.realpath("/pub/dl/up").value() == "/pub/file.txt");
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 19: magic links and /proc detours", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("/proc/self/root", box.root / "self");
    std::string deep = "..";
    for (int i = 0; i < 30; ++i) deep += "/..";
    fs::create_symlink(deep + "/proc/self/root/etc", box.root / "procrel");
    fs::create_symlink(deep + "/proc/self/cwd", box.root / "cwd");
    CHECK(v.open("/self/etc/passwd", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/procrel/passwd", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open_directory("/cwd").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 20: symlink loops end in Errc::loop", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink("b", box.root / "a");
    fs::create_symlink("a", box.root / "b");
    fs::create_symlink("self/x", box.root / "self");
    CHECK(v.open("/a", {.read = true}).error() == Errc::loop);
    CHECK(v.stat("/a/x").error() == Errc::loop);
    CHECK(v.stat("/self").error() == Errc::loop);
    CHECK(v.realpath("/a").error() == Errc::loop);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 21: readlink and realpath never reveal real paths", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink(box.root / "pub" / "file.txt", box.root / "pub" / "inabs");
    fs::create_symlink(box.outside / "secret.txt", box.root / "pub" / "outabs");
    fs::create_symlink("file.txt", box.root / "pub" / "plain");
    CHECK(v.readlink("/pub/inabs").value() == "/pub/file.txt");
    CHECK(v.readlink("/pub/plain").value() == "file.txt");
    CHECK(v.open("/pub/inabs", {.read = true}).error() == Errc::permission_denied);  // absolute
    CHECK(v.realpath("/pub/../pub/./file.txt").value() == "/pub/file.txt");
    CHECK(v.realpath("/pub/plain").value() == "/pub/file.txt");
    CHECK(v.realpath("/pub/sub/../../shared/doc.txt").value() == "/shared/doc.txt");
    CHECK(v.realpath("/shared").value() == "/shared");
    CHECK(v.realpath("/pub/not-yet.txt").value() == "/pub/not-yet.txt");
    CHECK(v.realpath("/pub/outabs").error() == Errc::permission_denied);
    CHECK(v.realpath("/missing/dir/x").error() == Errc::no_such_file);
    for (const char* path : {"/", ".", "/pub", "/pub/plain", "/shared/doc.txt", "/ro"}) {
        INFO(path);
        CHECK(never_real(box, v.realpath(path).value()));
    }
    for (const char* path : {"/pub/inabs", "/pub/plain"}) {
        CHECK(never_real(box, v.readlink(path).value()));
    }
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 22: listings show escaping links as links, not their targets", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    fs::create_symlink(box.outside / "secret.txt", box.root / "pub" / "abs");
    fs::create_symlink("../../outside/dir", box.root / "pub" / "reldir");
    auto listing = v.open_directory("/pub");
    REQUIRE(listing);
    int links = 0;
    for (auto batch = listing->read(2); batch; batch = listing->read(2)) {
        for (const auto& entry : *batch) {
            if (entry.name == "abs" || entry.name == "reldir") {
                CHECK(entry.attributes.is_symlink());
                ++links;
            }
        }
    }
    CHECK(links == 2);
    CHECK(v.open_directory("/pub/reldir").error() == Errc::permission_denied);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 23: writing through a link never creates or changes files outside", "[vfs][escape]") {
    WHARF_BOTH_RESOLVERS();
    const bool atomic = GENERATE(true, false);
    INFO("atomic " << atomic);
    box.policy.atomic_uploads = atomic;
    auto& w = box.open_filesystem();
    fs::create_symlink("../outside/secret.txt", box.root / "w");
    fs::create_symlink(box.outside / "created-abs.txt", box.root / "dangling_abs");
    fs::create_symlink("../outside/created-rel.txt", box.root / "dangling_rel");
    CHECK(w.open("/w", {.write = true}).error() == Errc::permission_denied);
    CHECK(w.open("/w", {.write = true, .truncate = true}).error() == Errc::permission_denied);
    // create without truncate keeps an existing name: it follows the link, beneath only.
    CHECK(w.open("/dangling_abs", {.write = true, .create = true}).error() == Errc::permission_denied);
    CHECK(w.open("/dangling_rel", {.write = true, .create = true}).error() == Errc::permission_denied);
    for (const char* name : {"/dangling_abs", "/dangling_rel", "/w"}) {
        INFO(name);
        auto handle = w.open(name, {.write = true, .create = true, .truncate = true});
        if (atomic) {
            // An atomic upload replaces the name; the link is gone, nothing outside changes.
            REQUIRE(handle);
            CHECK(vfs::test::write_text(*handle, 0, "mine"));
            CHECK(handle->close());
            CHECK(w.lstat(name).value().is_regular());
        } else {
            CHECK(handle.error() == Errc::permission_denied);
        }
        CHECK(w.open(name, {.write = true, .create = true, .exclusive = true}).error() == Errc::exists);
    }
    CHECK(box.outside_state() == outside_before);
}
