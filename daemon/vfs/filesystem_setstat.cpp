// UserFilesystem::set_attributes (setstat and fsetstat). The object is reached through an
// fd (O_PATH for setstat); changes that have no O_PATH-capable call go through
// /proc/self/fd/N, which names exactly that inode and cannot be redirected by a rename or
// a symlink swapped in meanwhile.
#include "daemon/vfs/filesystem.hpp"

#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>


namespace wharf::vfs {
namespace {

PermissionSet permissions_for(const AttributeChanges& changes) {
    PermissionSet needed;
    if (changes.size) needed.add(Permission::overwrite);
    if (changes.mode || changes.uid || changes.gid) needed.add(Permission::chmod);
    if (changes.atime || changes.mtime) needed.add(Permission::chtimes);
    return needed;
}

struct timespec timespec_from(const std::optional<Timestamp>& time) {
    if (!time) return {0, UTIME_OMIT};
    return {static_cast<time_t>(time->seconds), static_cast<long>(time->nanoseconds % 1'000'000'000)};
}

}  // namespace

Result<void> UserFilesystem::set_attributes(std::string_view path,
                                            const AttributeChanges& changes) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (changes.empty()) {
        auto attributes = stat(path);  // nothing to change, but the object must be there
        if (!attributes) return attributes.error();
        return {};
    }
    const PermissionSet needed = permissions_for(changes);
    if (auto allowed = allow_change(*where, needed); !allowed) return allowed;
    auto fd = open_at(*where, O_PATH);
    if (!fd) return fd.error();
    if (auto allowed = allow_resolved(*where, fd->get(), needed); !allowed) return allowed;
    return apply_changes(*where, fd->get(), changes, nullptr);
}

Result<void> UserFilesystem::set_attributes(FileHandle& handle,
                                            const AttributeChanges& changes) const {
    if (!handle.is_open()) return Errc::bad_handle;
    if (changes.empty()) return {};
    auto where = locate(handle.virtual_path());
    if (!where) return where.error();
    if (auto allowed = allow_change(*where, permissions_for(changes)); !allowed) return allowed;
    return apply_changes(*where, handle.native_handle(), changes, &handle);
}

Result<void> UserFilesystem::apply_changes(const Location& where, int fd,
                                           const AttributeChanges& changes,
                                           FileHandle* handle) const {
    const auto st = stat_fd(fd);
    if (!st) return st.error();
    const std::string proc_path = proc_fd_path(fd);

    if (changes.size) {
        if (S_ISDIR(st->st_mode)) return Errc::is_a_directory;
        if (!S_ISREG(st->st_mode)) return Errc::unsupported;
        if (handle != nullptr && handle->writable()) {
            if (auto truncated = handle->truncate(*changes.size); !truncated) return truncated;
        } else {
            // Reopen the very inode for writing; a temporary handle does the quota sums.
            UniqueFd writable(::open(proc_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
            if (!writable) return last_error();
            FileHandle resizer(detail::OpenFile{std::move(writable), where.path, false, true, false,
                                                m_quota, {}});
            if (auto truncated = resizer.truncate(*changes.size); !truncated) return truncated;
        }
    }
    const bool owner_changes = (changes.uid && *changes.uid != st->st_uid) ||
                               (changes.gid && *changes.gid != st->st_gid);
    if (owner_changes) {
        if (!m_allow_chown) return Errc::permission_denied;
        const uid_t uid = changes.uid ? *changes.uid : static_cast<uid_t>(-1);
        const gid_t gid = changes.gid ? *changes.gid : static_cast<gid_t>(-1);
        if (::fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) return last_error();
    }
    if (changes.mode) {
        // Only permission bits: setuid, setgid and sticky are not the client's to set.
        const mode_t mode = *changes.mode & 0777;
        if (::fchmodat(AT_FDCWD, proc_path.c_str(), mode, 0) != 0) return last_error();
        if (handle != nullptr) handle->set_commit_mode(mode);
    }
    if (changes.atime || changes.mtime) {
        const struct timespec times[2] = {timespec_from(changes.atime), timespec_from(changes.mtime)};
        if (::utimensat(AT_FDCWD, proc_path.c_str(), times, 0) != 0) return last_error();
    }
    return {};
}

}  // namespace wharf::vfs
