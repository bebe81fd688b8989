#include "vfs_fixture.hpp"

#include "daemon/vfs/quota.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;
using vfs::QuotaUsage;
using vfs::test::Sandbox;
using vfs::test::write_text;

TEST_CASE("QuotaTracker reserves all or nothing", "[vfs][quota]") {
    vfs::QuotaTracker tracker({.bytes = 100, .files = 2});
    CHECK(tracker.reserve(60, 1));
    CHECK(tracker.reserve(41, 0).error() == Errc::quota_exceeded);
    CHECK(tracker.reserve(10, 2).error() == Errc::quota_exceeded);  // files would overflow
    CHECK(tracker.usage() == QuotaUsage{60, 1});
    CHECK(tracker.reserve(40, 1));
    CHECK(tracker.bytes_left() == 0u);
    CHECK(tracker.files_left() == 0u);
    tracker.release(500, 5);  // never below zero
    CHECK(tracker.usage() == QuotaUsage{0, 0});
    tracker.charge(150, 3);  // already happened: counted even past the limit
    CHECK(tracker.reserve(1, 0).error() == Errc::quota_exceeded);
    CHECK(tracker.reserve(0, 0).error() == Errc::quota_exceeded);  // already over

    vfs::QuotaTracker unlimited;
    CHECK(unlimited.reserve(~0ull / 2, 1'000'000));
    CHECK_FALSE(unlimited.bytes_left());
}

TEST_CASE("QuotaTracker is safe to share between threads", "[vfs][quota]") {
    vfs::QuotaTracker tracker({.bytes = 1000, .files = 0});
    std::vector<std::thread> threads;
    std::atomic<int> granted{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (tracker.reserve(3, 0)) granted++;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(granted == 333);
    CHECK(tracker.usage().bytes == 999);
}

TEST_CASE("scan counts regular files once, not symlinks or nested roots twice", "[vfs][quota]") {
    vfs::test::TempDir temp;
    fs::create_directories(temp.path() / "a" / "nested");
    vfs::test::write_file(temp.path() / "a" / "one", "12345");
    vfs::test::write_file(temp.path() / "a" / "nested" / "two", "123");
    fs::create_symlink("one", temp.path() / "a" / "link");
    fs::create_symlink("/etc", temp.path() / "a" / "etc");
    const auto usage = vfs::QuotaTracker::scan({temp.path() / "a", temp.path() / "a" / "nested",
                                                temp.path() / "missing"});
    CHECK(usage == QuotaUsage{8, 2});
}

TEST_CASE("QuotaRegistry shares one tracker per user", "[vfs][quota]") {
    Sandbox box(vfs::ResolveStrategy::automatic);
    box.policy.quota = {.bytes = 1000, .files = 10};
    vfs::QuotaRegistry registry;
    auto first = registry.tracker_for("alice", box.policy);
    auto second = registry.tracker_for("alice", box.policy);
    auto other = registry.tracker_for("bob", box.policy);
    CHECK(first == second);
    CHECK(first != other);
    // The scan covers writable mounts only: pub/file.txt (6) and shared/doc.txt (10).
    CHECK(first->usage() == QuotaUsage{16, 2});
    box.policy.quota = {.bytes = 5, .files = 0};
    CHECK(registry.tracker_for("alice", box.policy)->limits().bytes == 5);
    first.reset();
    second.reset();
    auto again = registry.tracker_for("carol", vfs::QuotaLimits{}, {});
    CHECK(again->usage() == QuotaUsage{});  // unlimited users are not scanned
}

TEST_CASE("quota is checked on every write, not only at open", "[vfs][quota]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    const bool atomic = GENERATE(true, false);
    INFO("resolver " << vfs::test::strategy_name(strategy) << " atomic " << atomic);
    Sandbox box(strategy);
    box.policy.atomic_uploads = atomic;
    auto tracker = std::make_shared<vfs::QuotaTracker>(vfs::QuotaLimits{.bytes = 100, .files = 0});
    auto& v = box.open_filesystem(tracker);

    auto file = v.open("/big.bin", {.write = true, .create = true, .truncate = true});
    REQUIRE(file);
    CHECK(write_text(*file, 0, std::string(60, 'a')));
    // Growth of 50 would pass the limit: refused, and nothing is written.
    CHECK(write_text(*file, 60, std::string(50, 'b')).error() == Errc::quota_exceeded);
    CHECK(file->stat()->size == 60);
    // Rewriting existing bytes costs nothing; growth of exactly what is left is fine.
    CHECK(write_text(*file, 0, std::string(60, 'c')));
    CHECK(write_text(*file, 40, std::string(60, 'd')));
    CHECK(tracker->usage().bytes == 100);
    CHECK(write_text(*file, 100, "e").error() == Errc::quota_exceeded);
    CHECK(file->truncate(101).error() == Errc::quota_exceeded);
    CHECK(file->truncate(50));
    CHECK(tracker->usage().bytes == 50);
    CHECK(file->close());
    CHECK(fs::file_size(box.root / "big.bin") == 50);
    CHECK(tracker->usage().bytes == 50);

    CHECK(v.set_attributes("/big.bin", {.size = 101}).error() == Errc::quota_exceeded);
    CHECK(v.set_attributes("/big.bin", {.size = 80}));
    CHECK(tracker->usage().bytes == 80);
    CHECK(v.remove("/big.bin"));
    CHECK(tracker->usage().bytes == 0);

    auto appending = v.open("/log.txt", {.append = true, .create = true});
    REQUIRE(appending);
    CHECK(write_text(*appending, 0, std::string(70, 'x')));
    CHECK(write_text(*appending, 0, std::string(31, 'y')).error() == Errc::quota_exceeded);
    CHECK(write_text(*appending, 0, std::string(30, 'y')));
    CHECK(appending->close());
    CHECK(fs::file_size(box.root / "log.txt") == 100);
}

TEST_CASE("file count quota", "[vfs][quota]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    const bool atomic = GENERATE(true, false);
    INFO("resolver " << vfs::test::strategy_name(strategy) << " atomic " << atomic);
    Sandbox box(strategy);
    box.policy.atomic_uploads = atomic;
    // Two files exist already (pub/file.txt and shared/doc.txt).
    auto tracker = std::make_shared<vfs::QuotaTracker>(vfs::QuotaLimits{.bytes = 0, .files = 3},
                                                       QuotaUsage{16, 2});
    auto& v = box.open_filesystem(tracker);
    auto third = v.open("/three", {.write = true, .create = true});
    REQUIRE(third);
    CHECK(v.open("/four", {.write = true, .create = true}).error() == Errc::quota_exceeded);
    CHECK(third->close());
    CHECK(tracker->usage().files == 3);
    CHECK(v.link("/three", "/hard").error() == Errc::quota_exceeded);
    // Replacing a file keeps the count, so it is allowed at the limit.
    auto replaced = v.open("/pub/file.txt", {.write = true, .create = true, .truncate = true});
    REQUIRE(replaced);
    CHECK(write_text(*replaced, 0, "new"));
    CHECK(replaced->close());
    CHECK(tracker->usage() == QuotaUsage{13, 3});
    CHECK(v.remove("/three"));
    CHECK(v.open("/four", {.write = true, .create = true})->close());
    CHECK(tracker->usage().files == 3);
    CHECK(v.rename("/four", "/pub/file.txt"));  // replaces one name
    CHECK(tracker->usage() == QuotaUsage{10, 2});
    CHECK_FALSE(fs::exists(box.root / "four"));
}

TEST_CASE("two sessions of one user share the quota", "[vfs][quota]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    box.policy.quota = {.bytes = 116, .files = 0};  // 16 in use: 100 left
    vfs::QuotaRegistry registry;
    auto& policy = box.policy;
    policy.mounts = {{"/", box.root, false}, {"/shared", box.shared, false}, {"/ro", box.ro, true}};
    const vfs::UserFilesystem first(policy, registry.tracker_for("alice", policy),
                                    vfs::FilesystemOptions{strategy});
    const vfs::UserFilesystem second(policy, registry.tracker_for("alice", policy),
                                     vfs::FilesystemOptions{strategy});
    auto a = first.open("/a.bin", {.write = true, .create = true});
    auto b = second.open("/shared/b.bin", {.write = true, .create = true});
    REQUIRE(a);
    REQUIRE(b);
    CHECK(write_text(*a, 0, std::string(80, 'a')));
    CHECK(write_text(*b, 0, std::string(30, 'b')).error() == Errc::quota_exceeded);
    CHECK(write_text(*b, 0, std::string(20, 'b')));
    CHECK(first.statvfs("/").value().files_available > 0);
    CHECK(a->close());
    CHECK(b->close());
    CHECK(registry.tracker_for("alice", policy)->usage().bytes == 116);
}

TEST_CASE("atomic uploads settle the quota on commit and abort", "[vfs][quota]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto tracker = std::make_shared<vfs::QuotaTracker>(vfs::QuotaLimits{.bytes = 1000, .files = 10},
                                                       QuotaUsage{16, 2});
    auto& v = box.open_filesystem(tracker);
    {
        auto upload = v.open("/pub/file.txt", {.write = true, .create = true, .truncate = true});
        REQUIRE(upload);
        REQUIRE(upload->is_atomic_upload());
        CHECK(write_text(*upload, 0, std::string(100, 'u')));
        CHECK(tracker->usage() == QuotaUsage{116, 2});  // old and new both on disk
        // destroyed without close: aborted
    }
    CHECK(tracker->usage() == QuotaUsage{16, 2});
    auto upload = v.open("/pub/file.txt", {.write = true, .create = true, .truncate = true});
    REQUIRE(upload);
    CHECK(write_text(*upload, 0, std::string(100, 'u')));
    CHECK(upload->close());
    CHECK(tracker->usage() == QuotaUsage{110, 2});  // the 6 old bytes are gone

    auto fresh = v.open("/fresh.txt", {.write = true, .create = true, .exclusive = true});
    REQUIRE(fresh);
    CHECK(tracker->usage().files == 3);
    fresh->abort();
    CHECK(tracker->usage() == QuotaUsage{110, 2});

    auto limited = box.vfs().statvfs("/");
    REQUIRE(limited);
    CHECK(limited->files_available == 8);
    CHECK(limited->blocks_available * limited->fragment_size <= 890);
}
