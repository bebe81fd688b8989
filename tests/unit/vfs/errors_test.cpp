#include "daemon/vfs/errors.hpp"
#include "daemon/vfs/result.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <set>
#include <string>

namespace vfs = wharf::vfs;
using vfs::Errc;

TEST_CASE("errno values map to the documented Errc", "[vfs][errors]") {
    const std::pair<int, Errc> table[] = {
        {ENOENT, Errc::no_such_file},     {EACCES, Errc::permission_denied},
        {EPERM, Errc::permission_denied}, {EXDEV, Errc::permission_denied},
        {EEXIST, Errc::exists},           {ENOTDIR, Errc::not_a_directory},
        {EISDIR, Errc::is_a_directory},   {ENOTEMPTY, Errc::not_empty},
        {EDQUOT, Errc::quota_exceeded},   {ENOSPC, Errc::no_space},
        {ELOOP, Errc::loop},              {ENAMETOOLONG, Errc::invalid_name},
        {EINVAL, Errc::invalid_name},     {EROFS, Errc::read_only},
        {EBADF, Errc::bad_handle},        {ENOSYS, Errc::unsupported},
        {EOPNOTSUPP, Errc::unsupported},  {EIO, Errc::io_error},
        {EMFILE, Errc::io_error},         {0, Errc::io_error},
    };
    for (const auto& [err, expected] : table) {
        INFO("errno " << err);
        CHECK(vfs::errc_from_errno(err) == expected);
        CHECK(vfs::error_from_errno(err) == expected);
    }
}

TEST_CASE("Errc is an error_code enum with its own category", "[vfs][errors]") {
    static_assert(std::is_error_code_enum_v<Errc>);
    const std::error_code ec = Errc::quota_exceeded;
    CHECK(ec.category() == vfs::vfs_category());
    CHECK(std::string(ec.category().name()) == "wharf.vfs");
    CHECK(ec.value() == static_cast<int>(Errc::quota_exceeded));
    CHECK(vfs::make_error_code(Errc::no_such_file).value() == 1);
    // Portable conditions line up, so generic code can test ec == std::errc::...
    CHECK(std::error_code(Errc::no_such_file) == std::errc::no_such_file_or_directory);
    CHECK(std::error_code(Errc::exists) == std::errc::file_exists);
    CHECK(std::error_code(Errc::cross_mount) == std::errc::cross_device_link);
    CHECK(std::error_code(Errc::quota_exceeded) != std::errc::no_space_on_device);
}

TEST_CASE("every Errc has its own message", "[vfs][errors]") {
    std::set<std::string> messages;
    for (int value = static_cast<int>(Errc::no_such_file);
         value <= static_cast<int>(Errc::invalid_argument); ++value) {
        const std::string message = vfs::make_error_code(static_cast<Errc>(value)).message();
        INFO("value " << value << ": " << message);
        CHECK_FALSE(message.empty());
        CHECK(message.find("unknown") == std::string::npos);
        CHECK(messages.insert(message).second);
    }
    CHECK(messages.size() == 17);
    CHECK(vfs::make_error_code(Errc::permission_denied).message().find("outside") != std::string::npos);
}

TEST_CASE("Result holds a value or an error", "[vfs][errors]") {
    vfs::Result<int> good = 42;
    REQUIRE(good);
    CHECK(*good == 42);
    CHECK_FALSE(good.error());

    vfs::Result<int> bad = Errc::loop;
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == Errc::loop);
    CHECK_THROWS_AS(bad.value(), std::system_error);

    vfs::Result<void> done;
    CHECK(done);
    vfs::Result<void> failed = Errc::eof;
    CHECK_FALSE(failed);
    CHECK(failed.error() == Errc::eof);
    CHECK_THROWS_AS(failed.value(), std::system_error);

    vfs::Result<std::string> moved = std::string("text");
    const std::string taken = std::move(moved).value();
    CHECK(taken == "text");
}
