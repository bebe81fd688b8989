#include "vfs_fixture.hpp"

#include "daemon/vfs/path.hpp"
#include "daemon/vfs/posix.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <set>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;
using vfs::test::Sandbox;
using vfs::test::read_file;
using vfs::test::write_text;

namespace {

std::vector<fs::path> temp_files(const fs::path& directory) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (vfs::is_reserved_name(entry.path().filename().string())) found.push_back(entry.path());
    }
    return found;
}

std::set<std::string> listed_names(const vfs::UserFilesystem& v, const std::string& path) {
    std::set<std::string> names;
    auto listing = v.open_directory(path);
    REQUIRE(listing);
    for (auto batch = listing->read(); batch; batch = listing->read()) {
        for (const auto& entry : *batch) names.insert(entry.name);
    }
    return names;
}

}  // namespace

TEST_CASE("an atomic upload is invisible under its name until closed", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    auto upload = v.open("/pub/up.txt", {.write = true, .create = true, .truncate = true}, 0640);
    REQUIRE(upload);
    CHECK(upload->is_atomic_upload());
    CHECK(write_text(*upload, 0, "hello "));
    CHECK(write_text(*upload, 6, "world"));
    CHECK(v.stat("/pub/up.txt").error() == Errc::no_such_file);
    CHECK(v.lstat("/pub/up.txt").error() == Errc::no_such_file);
    CHECK_FALSE(fs::exists(box.root / "pub" / "up.txt"));
    const auto temps = temp_files(box.root / "pub");
    REQUIRE(temps.size() == 1);
    CHECK((fs::status(temps[0]).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(read_file(temps[0]) == "hello world");
    const auto names = listed_names(v, "/pub");
    CHECK(names == std::set<std::string>{"file.txt", "sub"});  // temp files are hidden

    CHECK(upload->close());
    CHECK_FALSE(upload->is_open());
    CHECK(read_file(box.root / "pub" / "up.txt") == "hello world");
    CHECK(temp_files(box.root / "pub").empty());
    struct stat st {};
    REQUIRE(::stat((box.root / "pub" / "up.txt").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0640 & ~vfs::process_umask()));
    CHECK(upload->close().error() == Errc::bad_handle);
}

TEST_CASE("replacing a file keeps the old content visible until commit", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    auto upload = v.open("/pub/file.txt", {.read = true, .write = true, .create = true, .truncate = true});
    REQUIRE(upload);
    CHECK(write_text(*upload, 0, "replacement"));
    CHECK(vfs::test::read_all(*upload) == "replacement");  // reads see the upload
    CHECK(read_file(box.root / "pub" / "file.txt") == "public");
    auto reader = v.open("/pub/file.txt", {.read = true});
    REQUIRE(reader);
    CHECK(upload->close());
    CHECK(read_file(box.root / "pub" / "file.txt") == "replacement");
    CHECK(vfs::test::read_all(*reader) == "public");  // an open reader keeps the old file
}

TEST_CASE("an upload that is not closed is removed", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    {
        auto upload = v.open("/pub/file.txt", {.write = true, .create = true, .truncate = true});
        REQUIRE(upload);
        CHECK(write_text(*upload, 0, "half a fi"));
        CHECK(temp_files(box.root / "pub").size() == 1);
    }  // destroyed: aborted
    CHECK(temp_files(box.root / "pub").empty());
    CHECK(read_file(box.root / "pub" / "file.txt") == "public");

    auto upload = v.open("/new.txt", {.write = true, .create = true});
    REQUIRE(upload);
    upload->abort();
    CHECK_FALSE(upload->is_open());
    CHECK(write_text(*upload, 0, "x").error() == Errc::bad_handle);
    CHECK_FALSE(fs::exists(box.root / "new.txt"));
    CHECK(temp_files(box.root).empty());

    // Moving over a handle aborts the upload it held.
    auto first = v.open("/a.txt", {.write = true, .create = true});
    auto second = v.open("/b.txt", {.write = true, .create = true});
    REQUIRE(first);
    REQUIRE(second);
    *first = std::move(*second);
    CHECK(temp_files(box.root).size() == 1);
    CHECK(first->close());
    CHECK(fs::exists(box.root / "b.txt"));
    CHECK_FALSE(fs::exists(box.root / "a.txt"));
}

TEST_CASE("exclusive create holds for atomic uploads", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    CHECK(v.open("/pub/file.txt", {.write = true, .create = true, .exclusive = true}).error() ==
          Errc::exists);
    auto upload = v.open("/race.txt", {.write = true, .create = true, .exclusive = true});
    REQUIRE(upload);
    CHECK(upload->is_atomic_upload());
    CHECK(write_text(*upload, 0, "mine"));
    vfs::test::write_file(box.root / "race.txt", "theirs");  // appeared meanwhile
    CHECK(upload->close().error() == Errc::exists);
    CHECK(read_file(box.root / "race.txt") == "theirs");
    CHECK(temp_files(box.root).empty());

    // Without exclusive, a target that appeared meanwhile is replaced.
    auto plain = v.open("/race2.txt", {.write = true, .create = true, .truncate = true});
    REQUIRE(plain);
    CHECK(write_text(*plain, 0, "mine"));
    vfs::test::write_file(box.root / "race2.txt", "theirs");
    CHECK(plain->close());
    CHECK(read_file(box.root / "race2.txt") == "mine");
}

TEST_CASE("which opens are atomic", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    // Resuming (no truncate) and appending write in place.
    auto resume = v.open("/pub/file.txt", {.write = true, .create = true});
    REQUIRE(resume);
    CHECK_FALSE(resume->is_atomic_upload());
    CHECK(write_text(*resume, 6, "!"));
    CHECK(read_file(box.root / "pub" / "file.txt") == "public!");
    auto append = v.open("/log.txt", {.append = true, .create = true});
    REQUIRE(append);
    CHECK_FALSE(append->is_atomic_upload());
    CHECK(write_text(*append, 0, "a"));
    CHECK(write_text(*append, 0, "b"));
    CHECK(read_file(box.root / "log.txt") == "ab");
    auto in_place = v.open("/pub/file.txt", {.write = true, .truncate = true});
    REQUIRE(in_place);
    CHECK_FALSE(in_place->is_atomic_upload());
    CHECK(fs::file_size(box.root / "pub" / "file.txt") == 0);

    box.policy.atomic_uploads = false;
    auto& direct = box.open_filesystem();
    auto visible = direct.open("/visible.txt", {.write = true, .create = true, .truncate = true});
    REQUIRE(visible);
    CHECK_FALSE(visible->is_atomic_upload());
    CHECK(write_text(*visible, 0, "now"));
    CHECK(read_file(box.root / "visible.txt") == "now");
    CHECK(direct.open("/visible.txt", {.write = true, .create = true, .exclusive = true}).error() ==
          Errc::exists);
}

TEST_CASE("atomic uploads cope with long names, setstat and vanished directories", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    const std::string long_name(255, 'n');
    auto upload = v.open("/" + long_name, {.write = true, .create = true, .truncate = true});
    REQUIRE(upload);
    CHECK(v.set_attributes(*upload, {.mode = 0604, .mtime = vfs::Timestamp{1'000'000'000, 5}}));
    CHECK(upload->close());
    const auto attributes = v.stat("/" + long_name);
    REQUIRE(attributes);
    CHECK(attributes->permissions() == 0604);
    CHECK(attributes->mtime == vfs::Timestamp{1'000'000'000, 5});

    CHECK(v.make_directory("/gone"));
    auto orphan = v.open("/gone/x", {.write = true, .create = true});
    REQUIRE(orphan);
    fs::remove_all(box.root / "gone");
    CHECK(orphan->close().error() == Errc::no_such_file);
}

TEST_CASE("readdir hides temporary files, including stale ones", "[vfs][atomic]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    vfs::test::write_file(box.root / ".wharf-upload-0123456789abcdef-old.txt", "stale");
    auto& v = box.vfs();
    auto pending = v.open("/pending.txt", {.write = true, .create = true});
    REQUIRE(pending);
    const auto names = listed_names(v, "/");
    CHECK(names == std::set<std::string>{"pub", "shared", "ro"});
    CHECK(pending->close());
    CHECK(listed_names(v, "/").count("pending.txt") == 1);
}
