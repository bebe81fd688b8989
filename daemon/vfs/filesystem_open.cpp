// UserFilesystem::open: reads, in-place writes and atomic uploads.
#include "daemon/vfs/filesystem.hpp"

#include "daemon/vfs/path.hpp"
#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wharf::vfs {
namespace {

// O_NONBLOCK keeps a FIFO or device an administrator left in the tree from hanging the
// worker thread; only regular files are accepted, and for them the flag changes nothing.
Result<void> require_regular_file(int fd) {
    const auto st = stat_fd(fd);
    if (!st) return st.error();
    if (S_ISDIR(st->st_mode)) return Errc::is_a_directory;
    if (!S_ISREG(st->st_mode)) return Errc::unsupported;
    return {};
}

std::string temp_name_for(std::string_view name) {
    std::string temp = std::string(upload_temp_prefix) + random_token() + "-";
    temp += name.substr(0, max_name_length - temp.size());
    return temp;
}

}  // namespace

Result<FileHandle> UserFilesystem::open(std::string_view path, OpenFlags flags,
                                        std::uint32_t mode) const {
    if (flags.append) flags.write = true;
    if (!flags.read && !flags.write) return Errc::invalid_argument;
    if (!flags.write && (flags.create || flags.truncate || flags.exclusive)) {
        return Errc::invalid_argument;
    }
    auto where = locate(path);
    if (!where) return where.error();
    if (where->mount == nullptr) {
        return m_mounts.is_above_mount(where->path) ? Errc::is_a_directory : Errc::no_such_file;
    }
    if (where->is_mount_root()) return Errc::is_a_directory;
    if (flags.write) return open_for_write(*where, flags, mode);

    if (auto allowed = allow(where->path, {Permission::download}); !allowed) return allowed.error();
    auto fd = open_at(*where, O_RDONLY | O_NONBLOCK);
    if (!fd) return fd.error();
    if (auto allowed = allow_resolved(*where, fd->get(), {Permission::download}); !allowed) {
        return allowed.error();
    }
    if (auto regular = require_regular_file(fd->get()); !regular) return regular.error();
    if (where->trailing_slash) return Errc::not_a_directory;
    ::fcntl(fd->get(), F_SETFL, 0);
    return FileHandle(detail::OpenFile{std::move(*fd), where->path, true, false, false, m_quota, {}});
}

Result<FileHandle> UserFilesystem::open_for_write(const Location& where, OpenFlags flags,
                                                  std::uint32_t mode) const {
    if (where.mount->read_only) return Errc::read_only;
    auto parent = open_parent(where);
    if (!parent) return parent.error();
    const auto existing = stat_at(parent->fd.get(), parent->name);
    if (!existing && existing.error() != Errc::no_such_file) return existing.error();
    const bool exists = existing.has_value();
    const bool is_link = exists && S_ISLNK(existing->st_mode);

    // An exclusive create never overwrites: it needs upload, and meets an existing name
    // with Errc::exists.
    const bool overwrites = exists && !(flags.create && flags.exclusive);
    PermissionSet needed{overwrites ? Permission::overwrite : Permission::upload};
    if (flags.read) needed.add(Permission::download);
    if (auto allowed = allow(where.path, needed); !allowed) return allowed.error();
    if (auto allowed = allow_resolved_parent(where, *parent, needed); !allowed) return allowed.error();

    if (exists && S_ISDIR(existing->st_mode)) return Errc::is_a_directory;
    if (where.trailing_slash) return exists ? Errc::not_a_directory : Errc::is_a_directory;
    if (exists && flags.create && flags.exclusive) return Errc::exists;
    if (!exists && !flags.create) return Errc::no_such_file;

    // Atomic when the result is a whole new file under the name: created, or replaced.
    const bool atomic = m_atomic_uploads && !flags.append &&
                        (!exists || (flags.create && flags.truncate));
    if (atomic) {
        const bool replaces_file = exists && S_ISREG(existing->st_mode);
        return open_upload(where, std::move(*parent), flags, mode, replaces_file);
    }
    if (is_link) {
        // Writing through an existing symlink reaches an existing file beneath the mount
        // (never created through the link: no O_CREAT), with the rights of where it leads.
        int oflags = (flags.read ? O_RDWR : O_WRONLY) | O_NONBLOCK | (flags.append ? O_APPEND : 0);
        auto fd = open_at(where, oflags);
        if (!fd) return fd.error();
        if (auto allowed = allow_resolved(where, fd->get(), needed); !allowed) return allowed.error();
        if (auto regular = require_regular_file(fd->get()); !regular) return regular.error();
        if (flags.truncate) {
            FileHandle handle(detail::OpenFile{std::move(*fd), where.path, flags.read, true,
                                               flags.append, m_quota, {}});
            if (auto truncated = handle.truncate(0); !truncated) return truncated.error();
            ::fcntl(handle.native_handle(), F_SETFL, flags.append ? O_APPEND : 0);
            return handle;
        }
        ::fcntl(fd->get(), F_SETFL, flags.append ? O_APPEND : 0);
        return FileHandle(detail::OpenFile{std::move(*fd), where.path, flags.read, true,
                                           flags.append, m_quota, {}});
    }
    return open_in_place(where, std::move(*parent), flags, mode, exists);
}

Result<FileHandle> UserFilesystem::open_in_place(const Location& where, ParentDir parent,
                                                 OpenFlags flags, std::uint32_t mode,
                                                 bool exists) const {
    const int access = (flags.read ? O_RDWR : O_WRONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
                       (flags.append ? O_APPEND : 0);
    UniqueFd fd;
    if (!exists) {
        // The new name is reserved before it exists, so a full file quota refuses it.
        if (auto reserved = m_quota->reserve(0, 1); !reserved) return reserved.error();
        fd.reset(::openat(parent.fd.get(), parent.name.c_str(), access | O_CREAT | O_EXCL,
                          mode & 0777));
        if (!fd) {
            const std::error_code error = last_error();
            m_quota->release(0, 1);
            // Someone else created it meanwhile; exclusive callers must not get it.
            if (error != Errc::exists || flags.exclusive) return error;
            exists = true;
        }
    }
    if (!fd) {
        // Overwriting needs overwrite, whatever the caller believed a moment ago.
        if (auto allowed = allow(where.path, {Permission::overwrite}); !allowed) return allowed.error();
        fd.reset(::openat(parent.fd.get(), parent.name.c_str(), access));
        if (!fd) return last_error();
    }
    if (auto regular = require_regular_file(fd.get()); !regular) return regular.error();
    ::fcntl(fd.get(), F_SETFL, flags.append ? O_APPEND : 0);
    FileHandle handle(detail::OpenFile{std::move(fd), where.path, flags.read, true, flags.append,
                                       m_quota, {}});
    if (exists && flags.truncate) {
        if (auto truncated = handle.truncate(0); !truncated) return truncated.error();
    }
    return handle;
}

Result<FileHandle> UserFilesystem::open_upload(const Location& where, ParentDir parent,
                                               OpenFlags flags, std::uint32_t mode,
                                               bool replaces_file) const {
    // Replacing a file keeps the count; anything else adds a name at commit.
    const std::uint64_t files = replaces_file ? 0 : 1;
    if (auto reserved = m_quota->reserve(0, files); !reserved) return reserved.error();
    std::string temp = temp_name_for(parent.name);
    UniqueFd fd(::openat(parent.fd.get(), temp.c_str(),
                         O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
        const std::error_code error = last_error();
        m_quota->release(0, files);
        return error;
    }
    detail::PendingUpload upload{std::move(parent.fd), std::move(temp), std::move(parent.name),
                                 flags.exclusive, mode & 0777 & ~m_umask, files};
    return FileHandle(detail::OpenFile{std::move(fd), where.path, flags.read, true, false, m_quota,
                                       std::move(upload)});
}

}  // namespace wharf::vfs
