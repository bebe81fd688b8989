#include "daemon/vfs/errors.hpp"

#include <cerrno>

namespace wharf::vfs {
namespace {

class VfsCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "wharf.vfs"; }

    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
        case Errc::no_such_file: return "no such file or directory";
        case Errc::permission_denied:
            return "permission denied (by policy, or the path leads outside the user's tree)";
        case Errc::exists: return "file already exists";
        case Errc::not_a_directory: return "not a directory";
        case Errc::is_a_directory: return "is a directory";
        case Errc::not_empty: return "directory not empty";
        case Errc::quota_exceeded: return "quota exceeded";
        case Errc::no_space: return "no space left on device";
        case Errc::invalid_name: return "invalid file name or path";
        case Errc::read_only: return "read-only location";
        case Errc::cross_mount: return "cannot rename or link across mounts";
        case Errc::loop: return "too many levels of symbolic links";
        case Errc::bad_handle: return "bad handle";
        case Errc::eof: return "end of file";
        case Errc::io_error: return "input/output error";
        case Errc::unsupported: return "operation not supported";
        case Errc::invalid_argument: return "invalid argument";
        }
        return "unknown wharf.vfs error";
    }

    // Lets callers compare against portable conditions, e.g. ec == std::errc::file_exists.
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<Errc>(value)) {
        case Errc::no_such_file: return std::errc::no_such_file_or_directory;
        case Errc::permission_denied: return std::errc::permission_denied;
        case Errc::exists: return std::errc::file_exists;
        case Errc::not_a_directory: return std::errc::not_a_directory;
        case Errc::is_a_directory: return std::errc::is_a_directory;
        case Errc::not_empty: return std::errc::directory_not_empty;
        case Errc::no_space: return std::errc::no_space_on_device;
        case Errc::invalid_name: return std::errc::invalid_argument;
        case Errc::read_only: return std::errc::read_only_file_system;
        case Errc::cross_mount: return std::errc::cross_device_link;
        case Errc::loop: return std::errc::too_many_symbolic_link_levels;
        case Errc::bad_handle: return std::errc::bad_file_descriptor;
        case Errc::io_error: return std::errc::io_error;
        case Errc::unsupported: return std::errc::operation_not_supported;
        case Errc::invalid_argument: return std::errc::invalid_argument;
        case Errc::quota_exceeded:
        case Errc::eof: break;
        }
        return {value, *this};
    }
};

}  // namespace

const std::error_category& vfs_category() noexcept {
    static const VfsCategory category;
    return category;
}

std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), vfs_category()};
}

Errc errc_from_errno(int err) noexcept {
    switch (err) {
    case ENOENT: return Errc::no_such_file;
    case EACCES:
    case EPERM: return Errc::permission_denied;
    case EXDEV: return Errc::permission_denied;  // RESOLVE_BENEATH: the path would escape
    case EEXIST: return Errc::exists;
    case ENOTDIR: return Errc::not_a_directory;
    case EISDIR: return Errc::is_a_directory;
    case ENOTEMPTY: return Errc::not_empty;
    case EDQUOT: return Errc::quota_exceeded;
    case ENOSPC: return Errc::no_space;
    case ELOOP: return Errc::loop;
    case ENAMETOOLONG:
    case EINVAL: return Errc::invalid_name;
    case EROFS: return Errc::read_only;
    case EBADF: return Errc::bad_handle;
    case ENOSYS:
    case EOPNOTSUPP: return Errc::unsupported;
    default: return Errc::io_error;
    }
}

std::error_code error_from_errno(int err) noexcept {
    return make_error_code(errc_from_errno(err));
}

std::error_code last_error() noexcept {
    return error_from_errno(errno);
}

}  // namespace wharf::vfs
