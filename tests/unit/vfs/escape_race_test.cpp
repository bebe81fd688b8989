// Escape attempts that race: a directory on the path is swapped for a symlink to the
// outside while operations run, or after a parent directory was resolved.
#include "vfs_fixture.hpp"

#include "daemon/vfs/resolver.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;

TEST_CASE("escape 33: a directory swapped for a symlink mid-operation leaks nothing",
          "[vfs][escape][race]") {
    WHARF_BOTH_RESOLVERS();
    const std::string link_target = GENERATE(std::string("../outside"), std::string("abs"));
    INFO("swapped-in link: " << link_target);
    fs::create_directories(box.root / "d");
    vfs::test::write_file(box.root / "d" / "secret.txt", "inside");
    fs::create_symlink(link_target == "abs" ? box.outside : fs::path(link_target), box.root / "swap");

    const std::string d = (box.root / "d").string();
    const std::string swap = (box.root / "swap").string();
    std::atomic<bool> stop{false};
    std::atomic<int> swaps{0};
    std::thread swapper([&] {
        while (!stop) {
            if (::renameat2(AT_FDCWD, d.c_str(), AT_FDCWD, swap.c_str(), RENAME_EXCHANGE) == 0) ++swaps;
        }
    });
    int inside_reads = 0;
    int leaked_reads = 0;
    for (int i = 0; i < 400; ++i) {
        if (auto file = v.open("/d/secret.txt", {.read = true})) {
            const std::string text = vfs::test::read_all(*file);
            if (text == "TOP SECRET") ++leaked_reads;
            if (text == "inside") ++inside_reads;
        }
        const std::string n = std::to_string(i);
        (void)v.make_directory("/d/made-" + n);
        (void)v.open("/d/new-" + n, {.write = true, .create = true});
        (void)v.open("/d/secret.txt", {.write = true, .append = true});
        (void)v.set_attributes("/d/secret.txt", {.mode = 0600, .mtime = vfs::Timestamp{1, 0}});
        (void)v.symlink("/etc", "/d/planted-" + n);
        (void)v.rename("/d/secret.txt", "/d/secret.txt");
        (void)v.remove("/d/new-" + n);
        (void)v.stat("/d/dir");
    }
    stop = true;
    swapper.join();
    INFO("swaps " << swaps << ", reads inside " << inside_reads);
    CHECK(swaps > 0);
    CHECK(leaked_reads == 0);
    CHECK(box.outside_state() == outside_before);
}

TEST_CASE("escape 34: a held parent directory fd cannot be redirected", "[vfs][escape][race]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    INFO("resolver " << vfs::test::strategy_name(strategy));
    vfs::test::TempDir temp;
    const fs::path root = temp.path() / "root";
    const fs::path outside = temp.path() / "outside";
    fs::create_directories(root / "d");
    fs::create_directories(outside);
    const vfs::UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root_fd);
    const vfs::Resolver resolver(strategy);
    auto parent = resolver.open(root_fd.get(), "d", O_PATH | O_DIRECTORY);
    REQUIRE(parent);

    // Between resolution and use, "d" moves away and a symlink to the outside takes its name.
    fs::rename(root / "d", root / "moved");
    fs::create_symlink(outside, root / "d");
    REQUIRE(::mkdirat(parent->get(), "x", 0755) == 0);
    REQUIRE(::symlinkat("/etc", parent->get(), "l") == 0);
    CHECK(fs::is_directory(root / "moved" / "x"));
    CHECK(fs::is_empty(outside));
    // A fresh resolution sees the symlink and refuses it.
    CHECK(resolver.open(root_fd.get(), "d/x", O_PATH).error() == Errc::permission_denied);
    CHECK(resolver.open(root_fd.get(), "moved/l/passwd", O_RDONLY).error() == Errc::permission_denied);
}
