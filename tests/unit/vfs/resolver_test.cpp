#include "vfs_fixture.hpp"

#include "daemon/vfs/resolver.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;

namespace {

struct Tree {
    Tree() {
        fs::create_directories(root / "a" / "b");
        vfs::test::write_file(root / "a" / "b" / "f", "data");
        fs::create_symlink("a/b", root / "ab");
        fs::create_symlink("../b/f", root / "a" / "b" / "self");  // a/b/../b/f
        fs::create_symlink("f", root / "a" / "b" / "lf");
        fs::create_symlink("missing", root / "dangling");
        fd = vfs::UniqueFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    vfs::test::TempDir temp;
    fs::path root = temp.path() / "root";
    vfs::UniqueFd fd;
};

bool same_file(int fd, const fs::path& path) {
    struct stat a {}, b {};
    return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

}  // namespace

TEST_CASE("automatic picks openat2 where the kernel has it", "[vfs][resolver]") {
    const vfs::Resolver automatic;
    CHECK(automatic.strategy() ==
          (vfs::openat2_available() ? vfs::ResolveStrategy::openat2 : vfs::ResolveStrategy::walk));
    CHECK(vfs::Resolver(vfs::ResolveStrategy::walk).strategy() == vfs::ResolveStrategy::walk);
}

TEST_CASE("resolvers follow links that stay beneath the root", "[vfs][resolver]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    INFO("resolver " << vfs::test::strategy_name(strategy));
    Tree tree;
    const vfs::Resolver resolver(strategy);
    const fs::path f = tree.root / "a" / "b" / "f";
    for (const char* path : {"a/b/f", "ab/f", "ab/self", "a/b/lf", "ab/lf"}) {
        INFO(path);
        auto fd = resolver.open(tree.fd.get(), path, O_RDONLY);
        REQUIRE(fd);
        CHECK(same_file(fd->get(), f));
    }
    auto root = resolver.open(tree.fd.get(), "", O_PATH | O_DIRECTORY);
    REQUIRE(root);
    CHECK(same_file(root->get(), tree.root));
    // O_NOFOLLOW keeps the final link: an error for real opens, the link itself for O_PATH.
    CHECK(resolver.open(tree.fd.get(), "a/b/lf", O_RDONLY | O_NOFOLLOW).error() == Errc::loop);
    auto link = resolver.open(tree.fd.get(), "a/b/lf", O_PATH | O_NOFOLLOW);
    REQUIRE(link);
    struct stat st {};
    REQUIRE(::fstat(link->get(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(resolver.open(tree.fd.get(), "dangling", O_RDONLY).error() == Errc::no_such_file);
    CHECK(resolver.open(tree.fd.get(), "a/b/f/x", O_RDONLY).error() == Errc::not_a_directory);
    // O_CREAT through a dangling link that stays beneath creates its target (as open(2)).
    auto created = resolver.open(tree.fd.get(), "dangling", O_WRONLY | O_CREAT, 0600);
    REQUIRE(created);
    CHECK(fs::is_regular_file(tree.root / "missing"));
}

TEST_CASE("resolvers agree on the symlink limit", "[vfs][resolver]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    INFO("resolver " << vfs::test::strategy_name(strategy));
    Tree tree;
    const vfs::Resolver resolver(strategy);
    // l0 -> a/b/f, l1 -> l0, ..., l45 -> l44
    fs::create_symlink("a/b/f", tree.root / "l0");
    for (int i = 1; i <= 45; ++i) {
        fs::create_symlink("l" + std::to_string(i - 1), tree.root / ("l" + std::to_string(i)));
    }
    CHECK(resolver.open(tree.fd.get(), "l30", O_RDONLY));
    CHECK(resolver.open(tree.fd.get(), "l45", O_RDONLY).error() == Errc::loop);
}

TEST_CASE("the walk reports where it ended up", "[vfs][resolver]") {
    Tree tree;
    auto walked = vfs::Resolver::walk(tree.fd.get(), "ab/self", O_PATH);
    REQUIRE(walked);
    CHECK(walked->names == std::vector<std::string>{"a", "b", "f"});
    auto root = vfs::Resolver::walk(tree.fd.get(), "a/..", O_PATH);
    REQUIRE(root);
    CHECK(root->names.empty());
    fs::create_symlink("..", tree.root / "a" / "up");
    auto up = vfs::Resolver::walk(tree.fd.get(), "a/up", O_PATH);
    REQUIRE(up);
    CHECK(up->names.empty());
    fs::create_symlink("../..", tree.root / "a" / "upup");
    CHECK(vfs::Resolver::walk(tree.fd.get(), "a/upup", O_PATH).error() == Errc::permission_denied);
    CHECK(vfs::Resolver::walk(tree.fd.get(), "..", O_PATH).error() == Errc::permission_denied);
}
