// The one mapping between the VFS and SFTP: errors, open modes, attributes both ways.
#include <catch2/catch.hpp>

#include "daemon/sftp/conversions.hpp"

#include <sys/stat.h>

namespace conv = wharf::daemon::sftp_vfs;
namespace sftp = wharf::sftp;
namespace vfs = wharf::vfs;
using sftp::Error;

TEST_CASE("every VFS error has its SFTP failure", "[daemon][sftp]") {
    const auto error_of = [](vfs::Errc e) { return conv::failure_from(vfs::make_error_code(e)).error; };
    CHECK(error_of(vfs::Errc::no_such_file) == Error::no_such_file);
    CHECK(error_of(vfs::Errc::permission_denied) == Error::permission_denied);
    CHECK(error_of(vfs::Errc::exists) == Error::file_exists);
    CHECK(error_of(vfs::Errc::not_a_directory) == Error::not_a_directory);
    CHECK(error_of(vfs::Errc::is_a_directory) == Error::is_a_directory);
    CHECK(error_of(vfs::Errc::not_empty) == Error::dir_not_empty);
    CHECK(error_of(vfs::Errc::quota_exceeded) == Error::quota);
    CHECK(error_of(vfs::Errc::no_space) == Error::no_space);
    CHECK(error_of(vfs::Errc::invalid_name) == Error::invalid_filename);
    CHECK(error_of(vfs::Errc::read_only) == Error::write_protect);
    CHECK(error_of(vfs::Errc::cross_mount) == Error::permission_denied);
    CHECK(error_of(vfs::Errc::loop) == Error::link_loop);
    CHECK(error_of(vfs::Errc::bad_handle) == Error::invalid_handle);
    CHECK(error_of(vfs::Errc::eof) == Error::eof);
    CHECK(error_of(vfs::Errc::io_error) == Error::failure);
    CHECK(error_of(vfs::Errc::unsupported) == Error::op_unsupported);
    CHECK(error_of(vfs::Errc::invalid_argument) == Error::invalid_parameter);
    // A read-only folder says why; v3 clients see PERMISSION_DENIED, v5+ WRITE_PROTECT.
    const auto read_only = conv::failure_from(vfs::make_error_code(vfs::Errc::read_only));
    CHECK_FALSE(read_only.message.empty());
    CHECK(sftp::status_for_error(read_only.error, 3) == sftp::StatusCode::permission_denied);
    CHECK(sftp::status_for_error(read_only.error, 6) == sftp::StatusCode::write_protect);
    // Errors of other categories keep their text.
    const auto other = conv::failure_from(std::make_error_code(std::errc::io_error));
    CHECK(other.error == Error::failure);
    CHECK_FALSE(other.message.empty());
    CHECK(conv::error_name(Error::quota) == "quota_exceeded");
}

TEST_CASE("open modes in v5 form become VFS open flags", "[daemon][sftp]") {
    namespace of = sftp::open_flags;
    namespace pf = sftp::pflags;
    const auto flags_of = [](std::uint32_t pflags) { return conv::open_flags_from(sftp::open_mode_from_pflags(pflags)); };

    const auto put = flags_of(pf::write | pf::creat | pf::trunc);  // OpenSSH put
    REQUIRE_FALSE(put.error);
    CHECK((put.flags.write && put.flags.create && put.flags.truncate && !put.flags.read && !put.flags.exclusive));

    const auto resume = flags_of(pf::write | pf::creat | pf::append);  // put -a
    CHECK((resume.flags.append && resume.flags.write && resume.flags.create && !resume.flags.truncate));

    const auto exclusive = flags_of(pf::write | pf::creat | pf::excl);
    CHECK((exclusive.flags.create && exclusive.flags.exclusive));

    const auto get = flags_of(pf::read);
    CHECK((get.flags.read && !get.flags.write && !get.flags.create));

    // v5+: truncate-existing implies writing; append-data in the access mask alone appends.
    const auto truncate = conv::open_flags_from({sftp::ace4::read_data, of::truncate_existing});
    CHECK((truncate.flags.truncate && truncate.flags.write && !truncate.flags.create));
    const auto append_only = conv::open_flags_from({sftp::ace4::append_data, of::open_or_create});
    CHECK((append_only.flags.append && append_only.flags.write && append_only.flags.create));

    CHECK(conv::open_flags_from({sftp::ace4::read_data, of::open_existing | of::delete_on_close}).error->error ==
          Error::op_unsupported);
    CHECK(conv::open_flags_from({0, of::open_existing}).error->error == Error::invalid_parameter);
    CHECK(conv::open_flags_from({sftp::ace4::read_data, 7}).error->error == Error::invalid_parameter);
}

TEST_CASE("attributes: everything the VFS knows goes out, changes come back", "[daemon][sftp]") {
    vfs::Attributes a;
    a.size = 1234;
    a.uid = 0;
    a.gid = 0;
    a.mode = S_IFREG | 0640;
    a.link_count = 2;
    a.mtime = {1700000000, 123456789};
    a.atime = {1600000000, 1};
    const auto out = conv::attributes_from(a);
    CHECK(out.type == sftp::FileType::regular);
    CHECK(out.size == 1234u);
    CHECK(out.permissions == (S_IFREG | 0640u));
    CHECK(out.uid_gid == sftp::UidGid{0, 0});
    CHECK(out.owner_group->owner == "root");  // uid 0 has a name on every Debian system
    CHECK(out.mtime == sftp::FileTime{1700000000, 123456789});
    CHECK(out.link_count == 2u);

    sftp::FileAttributes change;
    change.permissions = S_IFREG | 04755;  // type bits are dropped, setuid passed to the VFS (which drops it)
    change.mtime = sftp::FileTime{1500000000, std::nullopt};
    change.size = 10;
    const auto request = conv::changes_from(change);
    REQUIRE_FALSE(request.error);
    CHECK(request.changes.mode == 04755u);
    CHECK(request.changes.mtime == vfs::Timestamp{1500000000, 0});
    CHECK(request.changes.size == 10u);
    CHECK_FALSE(request.changes.uid);

    sftp::FileAttributes by_name;
    by_name.owner_group = sftp::OwnerGroup{"root@example.org", "no-such-group-wharf"};
    const auto named = conv::changes_from(by_name);
    CHECK(named.changes.uid == 0u);
    REQUIRE(named.error);
    CHECK(named.error->error == Error::invalid_parameter);
}
