#include "daemon/vfs/path.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace vfs = wharf::vfs;
using vfs::Errc;

TEST_CASE("normalisation table", "[vfs][path]") {
    struct Row {
        const char* input;
        const char* base;
        const char* expected;
    };
    const Row rows[] = {
        {"/", "/", "/"},
        {"", "/", "/"},
        {"", "/home/u", "/home/u"},
        {".", "/home/u", "/home/u"},
        {"./", "/home/u", "/home/u"},
        {"a", "/home/u", "/home/u/a"},
        {"a/b/", "/", "/a/b"},
        {"//a///b//", "/", "/a/b"},
        {"/a/./b/.", "/", "/a/b"},
        {"/a/b/..", "/", "/a"},
        {"/a/b/../..", "/", "/"},
        {"/..", "/", "/"},
        {"/../../..", "/", "/"},
        {"/..//../x", "/", "/x"},
        {"../../etc/passwd", "/home/u", "/etc/passwd"},
        {"../../../../etc/passwd", "/home/u", "/etc/passwd"},
        {"..", "/", "/"},
        {"a/../../b", "/x", "/b"},
        {"/a/...", "/", "/a/..."},
        {"/a/..b", "/", "/a/..b"},
        {"/a/b c/", "/", "/a/b c"},
        {"x", "/base/../other", "/other/x"},
        {"/abs", "/ignored", "/abs"},
    };
    for (const Row& row : rows) {
        INFO("input '" << row.input << "' base '" << row.base << "'");
        auto normalized = vfs::normalize_path(row.input, row.base);
        REQUIRE(normalized);
        CHECK(*normalized == row.expected);
    }
}

TEST_CASE("normalisation rejects NUL bytes and over-long names", "[vfs][path]") {
    const std::string with_nul("/a\0b", 4);
    CHECK(vfs::normalize_path(with_nul).error() == Errc::invalid_name);
    CHECK(vfs::normalize_path("x", with_nul).error() == Errc::invalid_name);
    CHECK(vfs::normalize_path("/" + std::string(255, 'n')));
    CHECK(vfs::normalize_path("/" + std::string(256, 'n')).error() == Errc::invalid_name);
    CHECK(vfs::normalize_path(std::string(4096, '/')).error() == Errc::invalid_name);
    std::string deep;
    while (deep.size() < 4080) deep += "/abcdefgh";
    CHECK(vfs::normalize_path(deep));
    CHECK(vfs::normalize_path(deep + deep).error() == Errc::invalid_name);
    // Short input that grows past the limit once joined to the base.
    CHECK(vfs::normalize_path("abcdefghijklmnopqrstuvwxyz", deep).error() == Errc::invalid_name);
}

TEST_CASE("path helpers work component-wise", "[vfs][path]") {
    CHECK(vfs::path_is_within("/a/b", "/a"));
    CHECK(vfs::path_is_within("/a", "/a"));
    CHECK_FALSE(vfs::path_is_within("/ab", "/a"));
    CHECK(vfs::path_is_within("/anything", "/"));
    CHECK(vfs::parent_path("/a/b") == "/a");
    CHECK(vfs::parent_path("/a") == "/");
    CHECK(vfs::parent_path("/") == "/");
    CHECK(vfs::file_name("/a/b") == "b");
    CHECK(vfs::file_name("/") == "");
    CHECK(vfs::join_path("/", "b") == "/b");
    CHECK(vfs::join_path("/a", "b") == "/a/b");
    CHECK(vfs::has_trailing_slash("x/"));
    CHECK(vfs::has_trailing_slash("x/."));
    CHECK(vfs::has_trailing_slash("x/.."));
    CHECK_FALSE(vfs::has_trailing_slash("x"));
    CHECK_FALSE(vfs::has_trailing_slash("x.."));
    CHECK(vfs::is_reserved_name(".wharf-upload-1234-x"));
    CHECK_FALSE(vfs::is_reserved_name("wharf-upload"));
    CHECK(vfs::has_reserved_component("/a/.wharf-upload-x/b"));
    CHECK_FALSE(vfs::has_reserved_component("/a/b.wharf-upload-x"));
}
