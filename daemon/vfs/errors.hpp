// Typed errors of the virtual filesystem. Protocol engines map these to SSH_FX_* statuses
// and OFTP reason codes, so every value names one distinct, meaningful condition.
#pragma once

#include <string>
#include <system_error>

namespace wharf::vfs {

enum class Errc : int {
    no_such_file = 1,   ///< the path, or a directory on the way to it, does not exist
    permission_denied,  ///< policy or the OS refuses, or the path leads outside the user's tree
    exists,             ///< the target already exists (exclusive create, mkdir, no-overwrite rename)
    not_a_directory,    ///< a directory was required (a middle component, a trailing slash)
    is_a_directory,     ///< a non-directory was required (open, remove)
    not_empty,          ///< rmdir or rename over a non-empty directory
    quota_exceeded,     ///< the user's byte or file quota would be exceeded; nothing was done
    no_space,           ///< the disk is full
    invalid_name,       ///< NUL byte, over-long name or path, reserved name
    read_only,          ///< the path lies on a read-only mount
    cross_mount,        ///< rename or link between two different mounts
    loop,               ///< too many symbolic links, or a symlink where none may be followed
    bad_handle,         ///< the handle is closed or was not opened for this operation
    eof,                ///< read past the end of a file, or a directory listing is exhausted
    io_error,           ///< anything else the OS reported
    unsupported,        ///< the operation or one of its options is not supported here
    invalid_argument,   ///< a malformed request (no access mode, readlink of a non-link, ...)
};

/// The category of Errc values; its name is "wharf.vfs".
const std::error_category& vfs_category() noexcept;

std::error_code make_error_code(Errc e) noexcept;

/// The one place that turns an errno value into an Errc. EXDEV, which openat2's
/// RESOLVE_BENEATH (and our fallback walk) report for an escape attempt, becomes
/// permission_denied; call sites where EXDEV means "other mount" (rename, link) say so
/// themselves.
Errc errc_from_errno(int err) noexcept;

/// make_error_code(errc_from_errno(err)).
std::error_code error_from_errno(int err) noexcept;

/// error_from_errno(errno), for use right after a failed system call.
std::error_code last_error() noexcept;

}  // namespace wharf::vfs

template <>
struct std::is_error_code_enum<wharf::vfs::Errc> : std::true_type {};
