#include "vfs_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;
using vfs::test::Sandbox;
using vfs::test::read_file;
using vfs::test::write_text;

namespace {

std::map<std::string, vfs::Attributes> listing(const vfs::UserFilesystem& v, const std::string& path) {
    std::map<std::string, vfs::Attributes> entries;
    auto directory = v.open_directory(path);
    REQUIRE(directory);
    for (auto batch = directory->read(1); batch; batch = directory->read(1)) {
        REQUIRE(batch->size() == 1);
        for (const auto& entry : *batch) entries[entry.name] = entry.attributes;
    }
    CHECK(directory->read().error() == Errc::eof);
    return entries;
}

}  // namespace

TEST_CASE("files are read and written at offsets", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    CHECK(v.open("/pub/file.txt", {}).error() == Errc::invalid_argument);
    CHECK(v.open("/pub/file.txt", {.read = true, .create = true}).error() == Errc::invalid_argument);
    CHECK(v.open("/pub", {.read = true}).error() == Errc::is_a_directory);
    CHECK(v.open("/pub/missing", {.read = true}).error() == Errc::no_such_file);
    CHECK(v.open("/pub/missing", {.write = true}).error() == Errc::no_such_file);
    CHECK(v.open("/missing/x", {.write = true, .create = true}).error() == Errc::no_such_file);

    auto file = v.open("/pub/file.txt", {.read = true});
    REQUIRE(file);
    CHECK(file->readable());
    CHECK_FALSE(file->writable());
    CHECK(file->virtual_path() == "/pub/file.txt");
    std::byte buffer[3];
    CHECK(file->read(1, buffer).value() == 3);
    CHECK(std::string(reinterpret_cast<const char*>(buffer), 3) == "ubl");
    CHECK(file->read(4, buffer).value() == 2);
    CHECK(file->read(6, buffer).error() == Errc::eof);
    CHECK(file->read(1ull << 62, buffer).error() == Errc::eof);
    CHECK(write_text(*file, 0, "x").error() == Errc::bad_handle);
    CHECK(file->stat().value().size == 6);
    CHECK(file->sync());
    CHECK(file->close());
    CHECK(file->read(0, buffer).error() == Errc::bad_handle);

    // Relative paths start at home.
    box.policy.home = "/pub";
    auto& at_home = box.open_filesystem();
    CHECK(at_home.home() == "/pub");
    CHECK(vfs::test::read_all(at_home.open("file.txt", {.read = true}).value()) == "public");
    CHECK(at_home.realpath("sub/..").value() == "/pub");

    // A FIFO an administrator left behind must not hang a worker.
    REQUIRE(::mkfifo((box.root / "fifo").c_str(), 0600) == 0);
    CHECK(v.open("/fifo", {.read = true}).error() == Errc::unsupported);
}

TEST_CASE("attributes carry type, size, owner, link count and nanoseconds", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    const fs::path file = box.root / "pub" / "file.txt";
    const struct timespec times[2] = {{1'600'000'000, 123'456'789}, {1'700'000'000, 987'654'321}};
    REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
    fs::create_hard_link(file, box.root / "pub" / "second-name");
    const auto a = v.stat("/pub/file.txt");
    REQUIRE(a);
    CHECK(a->is_regular());
    CHECK(a->size == 6);
    CHECK(a->uid == ::geteuid());
    CHECK(a->gid == ::getegid());
    CHECK(a->link_count == 2);
    CHECK(a->atime == vfs::Timestamp{1'600'000'000, 123'456'789});
    CHECK(a->mtime == vfs::Timestamp{1'700'000'000, 987'654'321});
    CHECK(a->ctime.seconds > 0);
    CHECK(v.stat("/pub").value().is_directory());
    CHECK(v.stat("/").value().is_directory());
    CHECK(v.stat("/shared").value().is_directory());
    CHECK(v.stat("/nope").error() == Errc::no_such_file);
}

TEST_CASE("directory listings", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    fs::create_symlink("file.txt", box.root / "pub" / "link");
    // A real directory named like a mount point is shadowed by the mount.
    fs::create_directories(box.root / "shared" / "hidden");
    auto& v = box.vfs();
    const auto root = listing(v, "/");
    CHECK(root.size() == 3);
    CHECK(root.at("pub").is_directory());
    CHECK(root.at("shared").is_directory());
    CHECK(root.at("ro").is_directory());
    CHECK(v.open_directory("/shared").value().read().value().front().name == "doc.txt");
    const auto pub = listing(v, "/pub");
    CHECK(pub.size() == 3);
    CHECK(pub.at("file.txt").size == 6);
    CHECK(pub.at("link").is_symlink());
    CHECK(pub.at("sub").is_directory());
    CHECK(v.open_directory("/pub/file.txt").error() == Errc::not_a_directory);
    CHECK(v.open_directory("/nope").error() == Errc::no_such_file);
    vfs::DirectoryHandle closed;
    CHECK(closed.read().error() == Errc::bad_handle);
    auto open = v.open_directory("/pub");
    REQUIRE(open);
    vfs::DirectoryHandle moved = std::move(*open);
    CHECK_FALSE(open->is_open());
    CHECK(moved.read());
    moved.close();
    CHECK(moved.read().error() == Errc::bad_handle);
}

TEST_CASE("virtual folders without a root mount, and folders deeper down", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    vfs::test::TempDir temp;
    fs::create_directories(temp.path() / "in");
    fs::create_directories(temp.path() / "out");
    vfs::UserPolicy policy;
    policy.mounts = {{"/data/in", temp.path() / "in", false}, {"/data/out", temp.path() / "out", true}};
    policy.home = "/data";
    const vfs::UserFilesystem v(policy, nullptr, {strategy});
    CHECK(v.stat("/").value().permissions() == 0555);
    CHECK(v.stat("/data").value().is_directory());
    CHECK(v.lstat("/data").value().is_directory());
    CHECK(v.stat("/other").error() == Errc::no_such_file);
    CHECK(listing(v, "/").size() == 0);  // "/data" is not a direct mount child of "/"
    const auto data = listing(v, "/data");
    CHECK(data.size() == 2);
    CHECK(data.count("in") == 1);
    CHECK(v.make_directory("/data/new").error() == Errc::permission_denied);
    CHECK(v.make_directory("/data").error() == Errc::exists);
    CHECK(v.open("/data/x", {.write = true, .create = true}).error() == Errc::no_such_file);
    CHECK(v.open("/data", {.read = true}).error() == Errc::is_a_directory);
    CHECK(v.remove_directory("/data").error() == Errc::permission_denied);
    CHECK(v.realpath("in").value() == "/data/in");
    CHECK(v.realpath("/").value() == "/");
    CHECK(v.statvfs("/data").value().flags & ST_RDONLY);
    CHECK(v.open("in/new.txt", {.write = true, .create = true})->close());
    CHECK(fs::exists(temp.path() / "in" / "new.txt"));
    CHECK(v.rename("/data/in/new.txt", "/data/out/new.txt").error() == Errc::cross_mount);
}

TEST_CASE("bad policies are reported with the mount they concern", "[vfs][filesystem]") {
    vfs::test::TempDir temp;
    vfs::UserPolicy policy;
    policy.mounts = {{"/", temp.path(), false}, {"/docs", temp.path() / "no-such-dir", false}};
    try {
        const vfs::UserFilesystem v(policy);
        FAIL("a missing source must be refused");
    } catch (const std::system_error& e) {
        const std::string what = e.what();
        CHECK(what.find("/docs") != std::string::npos);
        CHECK(what.find("no-such-dir") != std::string::npos);
        CHECK(e.code() == Errc::no_such_file);
    }
    vfs::test::write_file(temp.path() / "file", "x");
    policy.mounts = {{"/", temp.path() / "file", false}};
    CHECK_THROWS_AS(vfs::UserFilesystem(policy), std::system_error);
    policy.mounts = {{"/", temp.path(), false}, {"/a/", temp.path(), false}, {"/a", temp.path(), false}};
    CHECK_THROWS_AS(vfs::UserFilesystem(policy), std::system_error);
    policy.mounts = {{"relative", temp.path(), false}};
    CHECK_THROWS_AS(vfs::UserFilesystem(policy), std::system_error);
    policy.mounts = {{"/", temp.path(), false}};
    policy.home = "home";
    CHECK_THROWS_AS(vfs::UserFilesystem(policy), std::system_error);
}

TEST_CASE("mkdir, rmdir, remove", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    CHECK(v.make_directory("/pub/new", 0750));
    CHECK((fs::status(box.root / "pub" / "new").permissions() & fs::perms::all) ==
          (static_cast<fs::perms>(0750 & ~vfs::test::umask_now())));
    CHECK(v.make_directory("/pub/new").error() == Errc::exists);
    CHECK(v.make_directory("/pub/no/such").error() == Errc::no_such_file);
    CHECK(v.make_directory("/pub/file.txt/x").error() == Errc::not_a_directory);
    CHECK(v.make_directory("/shared").error() == Errc::exists);
    vfs::test::write_file(box.root / "pub" / "new" / "f", "f");
    CHECK(v.remove_directory("/pub/new").error() == Errc::not_empty);
    CHECK(v.remove_directory("/pub/new/f").error() == Errc::not_a_directory);
    CHECK(v.remove("/pub/new").error() == Errc::is_a_directory);
    CHECK(v.remove("/pub/new/f"));
    CHECK(v.remove("/pub/new/f").error() == Errc::no_such_file);
    CHECK(v.remove_directory("/pub/new"));
    CHECK_FALSE(fs::exists(box.root / "pub" / "new"));
}

TEST_CASE("rename, link, symlink, readlink", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    vfs::test::write_file(box.root / "other.txt", "other");
    CHECK(v.rename("/other.txt", "/pub/file.txt", vfs::RenameMode::no_overwrite).error() == Errc::exists);
    CHECK(read_file(box.root / "pub" / "file.txt") == "public");
    CHECK(v.rename("/other.txt", "/pub/file.txt"));
    CHECK(read_file(box.root / "pub" / "file.txt") == "other");
    CHECK(v.rename("/pub/file.txt", "/moved.txt", vfs::RenameMode::no_overwrite));
    CHECK(v.rename("/nope", "/x").error() == Errc::no_such_file);
    CHECK(v.rename("/moved.txt", "/pub/sub").error() == Errc::is_a_directory);
    CHECK(v.make_directory("/full"));
    vfs::test::write_file(box.root / "full" / "f", "f");
    CHECK(v.rename("/pub/sub", "/full").error() == Errc::not_empty);
    CHECK(v.rename("/pub", "/pub/sub/inside").error() == Errc::invalid_name);  // into itself
    CHECK(v.rename("/pub/sub", "/sub2"));

    CHECK(v.link("/moved.txt", "/hard.txt"));
    CHECK(v.stat("/hard.txt").value().link_count == 2);
    CHECK(v.link("/moved.txt", "/hard.txt").error() == Errc::exists);
    CHECK(v.link("/pub", "/pub-link").error() == Errc::is_a_directory);

    CHECK(v.symlink("moved.txt", "/soft"));
    CHECK(v.symlink("moved.txt", "/soft").error() == Errc::exists);
    CHECK(v.readlink("/soft").value() == "moved.txt");
    CHECK(v.readlink("/moved.txt").error() == Errc::invalid_argument);
    CHECK(v.readlink("/").error() == Errc::invalid_argument);
    CHECK(v.lstat("/soft").value().is_symlink());
    CHECK(v.stat("/soft").value().is_regular());
    CHECK(vfs::test::read_all(v.open("/soft", {.read = true}).value()) == "other");
    // Writing in place through an in-mount link reaches its target.
    box.policy.atomic_uploads = false;
    auto& direct = box.open_filesystem();
    auto through = direct.open("/soft", {.write = true, .create = true, .truncate = true});
    REQUIRE(through);
    CHECK(write_text(*through, 0, "via link"));
    CHECK(through->close());
    CHECK(read_file(box.root / "moved.txt") == "via link");
    CHECK(fs::is_symlink(box.root / "soft"));
}

TEST_CASE("setstat changes mode, times, size and (only where allowed) owner", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    CHECK(v.set_attributes("/pub/file.txt", {.mode = 04755}));  // setuid is dropped
    CHECK(v.stat("/pub/file.txt").value().permissions() == 0755);
    const vfs::Timestamp at{1'500'000'000, 1}, mt{1'400'000'000, 999'999'999};
    CHECK(v.set_attributes("/pub/file.txt", {.atime = at, .mtime = mt}));
    auto a = v.stat("/pub/file.txt").value();
    CHECK(a.atime == at);
    CHECK(a.mtime == mt);
    CHECK(v.set_attributes("/pub/file.txt", {.mtime = vfs::Timestamp{5, 0}}));
    CHECK(v.stat("/pub/file.txt").value().atime == at);  // untouched field kept
    CHECK(v.set_attributes("/pub/file.txt", {.size = 3}));
    CHECK(read_file(box.root / "pub" / "file.txt") == "pub");
    CHECK(v.set_attributes("/pub/file.txt", {.size = 5}));
    CHECK(fs::file_size(box.root / "pub" / "file.txt") == 5);
    CHECK(v.set_attributes("/pub", {.size = 0}).error() == Errc::is_a_directory);
    CHECK(v.set_attributes("/pub", {.mode = 0700}));
    CHECK(v.set_attributes("/missing", {}).error() == Errc::no_such_file);
    CHECK(v.set_attributes("/pub", {}));

    // Owner: unchanged values are accepted; a change needs allow_chown.
    CHECK(v.set_attributes("/pub/file.txt", {.uid = a.uid, .gid = a.gid}));
    CHECK(v.set_attributes("/pub/file.txt", {.uid = a.uid + 1}).error() == Errc::permission_denied);
    box.policy.allow_chown = true;
    auto& chown_ok = box.open_filesystem();
    if (::geteuid() == 0) {
        CHECK(chown_ok.set_attributes("/pub/file.txt", {.gid = a.gid + 1}));
        CHECK(v.stat("/pub/file.txt").value().gid == a.gid + 1);
    } else {
        CHECK(chown_ok.set_attributes("/pub/file.txt", {.uid = a.uid + 1}).error() ==
              Errc::permission_denied);
    }

    // fsetstat on a handle.
    auto handle = v.open("/pub/file.txt", {.read = true});
    REQUIRE(handle);
    CHECK(v.set_attributes(*handle, {.size = 1}));
    CHECK(handle->stat().value().size == 1);
    CHECK(v.set_attributes(*handle, {.mode = 0600}));
    CHECK(handle->stat().value().permissions() == 0600);
    vfs::FileHandle closed;
    CHECK(v.set_attributes(closed, {.mode = 0600}).error() == Errc::bad_handle);
}

TEST_CASE("statvfs reports the filesystem", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto stats = box.vfs().statvfs("/pub");
    REQUIRE(stats);
    struct statvfs expected {};
    REQUIRE(::statvfs(box.root.c_str(), &expected) == 0);
    CHECK(stats->block_size == expected.f_bsize);
    CHECK(stats->blocks == expected.f_blocks);
    CHECK(stats->name_max == expected.f_namemax);
    CHECK_FALSE(stats->flags & ST_RDONLY);
    CHECK(box.vfs().statvfs("/nope").error() == Errc::no_such_file);
}

TEST_CASE("pipelined writes on one handle from many threads", "[vfs][filesystem]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto tracker = std::make_shared<vfs::QuotaTracker>(vfs::QuotaLimits{.bytes = 1 << 20, .files = 0});
    auto& v = box.open_filesystem(tracker);
    auto file = v.open("/parallel.bin", {.write = true, .create = true, .truncate = true});
    REQUIRE(file);
    constexpr int chunks = 64;
    constexpr std::size_t chunk = 1024;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int c = t; c < chunks; c += 4) {
                const std::string data(chunk, static_cast<char>('a' + c % 26));
                if (!write_text(*file, static_cast<std::uint64_t>(c) * chunk, data)) ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    CHECK(tracker->usage().bytes == chunks * chunk);  // each growth counted exactly once
    CHECK(file->close());
    const std::string content = read_file(box.root / "parallel.bin");
    REQUIRE(content.size() == chunks * chunk);
    for (int c = 0; c < chunks; ++c) CHECK(content[c * chunk] == static_cast<char>('a' + c % 26));
}
