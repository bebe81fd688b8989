// Between the VFS's types and SFTP's: errors, attributes, open modes, statvfs. Pure
// functions, so the mapping is tested once, away from sessions and threads.
#pragma once

#include "daemon/vfs/attributes.hpp"
#include "daemon/vfs/filesystem.hpp"
#include "protocols/sftp/filesystem.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace wharf::daemon::sftp_vfs {

/// The SFTP failure for a VFS error (a read-only mount is write_protect: PERMISSION_DENIED
/// for v3/v4 clients, WRITE_PROTECT from v5; a rename between mounts is permission_denied
/// with a message saying why).
sftp::Failure failure_from(std::error_code error);

/// sftp::Result<void> from a vfs::Result<void>.
sftp::Result<void> result_from(const vfs::Result<void>& result);

/// Short lower-case name of an error for logs and WHARF_STATUS ("permission_denied").
std::string_view error_name(sftp::Error error) noexcept;

/// Names for ids, as getpwuid/getgrgid give them (cached); "" when the id has no entry.
std::string user_name(std::uint32_t uid);
std::string group_name(std::uint32_t gid);

/// Everything the VFS knows: type, size, uid/gid and their names, the full st_mode (type
/// bits included), times with nanoseconds, link count. The engine picks per version.
sftp::FileAttributes attributes_from(const vfs::Attributes& attributes);

/// The changes a SETSTAT asks for. Names in owner_group (v4+) are looked up as local users
/// and groups; an unknown name is reported through `error` (invalid_parameter).
struct ChangeRequest {
    vfs::AttributeChanges changes;
    std::optional<sftp::Failure> error;
};
ChangeRequest changes_from(const sftp::FileAttributes& attributes);

/// vfs::OpenFlags for an OPEN in v5+ form, or the failure for modes we do not serve.
struct OpenRequest {
    vfs::OpenFlags flags;
    std::optional<sftp::Failure> error;
};
OpenRequest open_flags_from(const sftp::OpenMode& mode);

sftp::StatvfsReply statvfs_from(const vfs::FilesystemStats& stats);

}  // namespace wharf::daemon::sftp_vfs
