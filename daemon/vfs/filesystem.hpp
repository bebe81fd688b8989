// UserFilesystem: one user's virtual tree, the object protocol adapters call for every
// file operation. Synchronous and blocking: run it on the DiskPool (disk_pool.hpp), never
// on an event loop.
//
// Paths are virtual, absolute ("/in/a.txt") or relative to the policy's home. They are
// normalised first (path.hpp), then mapped to the mount with the longest matching virtual
// path, then resolved beneath that mount's root fd (resolver.hpp): nothing escapes a
// mount. Operations on a final component (mkdir, rmdir, remove, rename, link, symlink,
// lstat, readlink, create) act through the fd of the resolved parent directory with
// *at() calls that do not follow the final component.
//
// Checks run in this order: the path (Errc::invalid_name), then for changes the mount
// (Errc::read_only for a read-only mount, Errc::permission_denied where no mount covers the
// path), then the policy's permission rules (Errc::permission_denied), then the OS. When
// symlinks lead elsewhere within the mount, the permissions at the place they lead to are
// checked as well, so a link cannot lend one path's rights to another.
//
// Every method is const and thread-safe: one UserFilesystem serves all requests of a
// session, and sessions of one user share only the QuotaTracker.
#pragma once

#include "daemon/vfs/attributes.hpp"
#include "daemon/vfs/directory.hpp"
#include "daemon/vfs/file_handle.hpp"
#include "daemon/vfs/mount_table.hpp"
#include "daemon/vfs/permissions.hpp"
#include "daemon/vfs/policy.hpp"
#include "daemon/vfs/quota.hpp"
#include "daemon/vfs/resolver.hpp"
#include "daemon/vfs/result.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wharf::vfs {

/// How to open a file; combine with designated initialisers: {.write = true, .create = true}.
struct OpenFlags {
    bool read = false;
    bool write = false;
    bool append = false;     ///< every write goes to the end (implies write)
    bool create = false;     ///< create the file when it is missing
    bool truncate = false;   ///< empty an existing file
    bool exclusive = false;  ///< with create: Errc::exists when the file exists
};

enum class RenameMode {
    overwrite,     ///< POSIX rename: an existing target is replaced
    no_overwrite,  ///< Errc::exists when the target exists (RENAME_NOREPLACE)
};

struct FilesystemOptions {
    ResolveStrategy resolve = ResolveStrategy::automatic;
};

class UserFilesystem {
public:
    /// Opens every mount's source once (O_PATH). Throws std::system_error naming the mount
    /// and its source when one is missing or not a directory, or when a mount, rule or home
    /// path is invalid. `quota` is shared with the user's other sessions (QuotaRegistry);
    /// null gives this object an unlimited tracker of its own.
    explicit UserFilesystem(const UserPolicy& policy, std::shared_ptr<QuotaTracker> quota = nullptr,
                            FilesystemOptions options = {});

    const std::string& home() const noexcept { return m_home; }
    ResolveStrategy resolve_strategy() const noexcept { return m_resolver.strategy(); }
    const std::shared_ptr<QuotaTracker>& quota() const noexcept { return m_quota; }
    /// Permissions the policy grants at `path` (normalised against home; none if invalid).
    PermissionSet permissions_at(std::string_view path) const;

    /// Attributes of the object, symlinks followed (within the mount). Needs list.
    Result<Attributes> stat(std::string_view path) const;
    /// Attributes of the name itself; a symlink is reported as one. Needs list.
    Result<Attributes> lstat(std::string_view path) const;
    /// The virtual path of the object `path` leads to, symlinks resolved; a missing final
    /// component is allowed (for uploads). Never a real path. Needs no permission.
    Result<std::string> realpath(std::string_view path) const;
    /// The target stored in a symlink, as it was given. An absolute target inside the
    /// mount's real directory is shown as the virtual path it names. Needs list.
    Result<std::string> readlink(std::string_view path) const;
    /// statvfs of the filesystem holding `path`, availability clamped to the quota. Needs list.
    Result<FilesystemStats> statvfs(std::string_view path) const;

    /// Opens a file. Reading needs download. Writing needs overwrite when the file exists,
    /// upload when it is created. With policy.atomic_uploads, a write that creates the
    /// file or replaces it (create + truncate) without append goes to a temporary name and
    /// appears under `path` only when the handle is closed. `mode` (permission bits, less
    /// the process umask) applies to a created file.
    Result<FileHandle> open(std::string_view path, OpenFlags flags, std::uint32_t mode = 0644) const;
    /// Opens a directory for listing. Needs list.
    Result<DirectoryHandle> open_directory(std::string_view path) const;

    Result<void> make_directory(std::string_view path, std::uint32_t mode = 0755) const;
    Result<void> remove_directory(std::string_view path) const;
    /// Removes a file or symlink (never a directory: Errc::is_a_directory). Needs remove.
    Result<void> remove(std::string_view path) const;
    /// Needs rename at `from` and at the directory of `to`, and overwrite at `to` when it
    /// exists. Errc::cross_mount when the two lie on different mounts.
    Result<void> rename(std::string_view from, std::string_view to,
                        RenameMode mode = RenameMode::overwrite) const;
    /// Hard link `new_path` to `existing` (not followed if a symlink). Needs symlink at
    /// `new_path` and download at `existing`; the new name counts against the quota.
    Result<void> link(std::string_view existing, std::string_view new_path) const;
    /// Creates `link_path` holding `target` verbatim. Needs symlink. Whatever the target
    /// says, resolution never follows it out of the mount.
    Result<void> symlink(std::string_view target, std::string_view link_path) const;

    /// setstat: size needs overwrite, mode chmod, owner chmod plus policy.allow_chown (an
    /// unchanged owner is accepted), times chtimes. Symlinks are followed.
    Result<void> set_attributes(std::string_view path, const AttributeChanges& changes) const;
    /// fsetstat on an open handle; same permissions, checked at the handle's path.
    Result<void> set_attributes(FileHandle& handle, const AttributeChanges& changes) const;

private:
    struct Location {
        std::string path;            // normalised virtual path
        const Mount* mount = nullptr;  // null: no mount covers the path
        std::string relative;        // below the mount root; empty for the root itself
        bool trailing_slash = false;  // the caller spelled it as a directory
        bool is_mount_root() const noexcept { return mount != nullptr && relative.empty(); }
    };
    struct ParentDir {
        UniqueFd fd;  // O_PATH directory
        std::string name;
    };

    Result<Location> locate(std::string_view path) const;
    Result<void> allow(std::string_view path, PermissionSet needed) const;
    Result<void> allow_change(const Location& where, PermissionSet needed) const;
    Result<void> allow_resolved(const Location& where, int fd, PermissionSet needed) const;
    Result<void> allow_resolved_parent(const Location& where, const ParentDir& parent,
                                       PermissionSet needed) const;
    Result<std::string> virtual_path_of(const Mount& mount, int fd) const;
    Result<UniqueFd> open_at(const Location& where, int flags, unsigned mode = 0) const;
    Result<ParentDir> open_parent(const Location& where) const;
    Result<Attributes> virtual_directory(const Location& where) const;

    Result<FileHandle> open_for_write(const Location& where, OpenFlags flags,
                                      std::uint32_t mode) const;
    Result<FileHandle> open_upload(const Location& where, ParentDir parent, OpenFlags flags,
                                   std::uint32_t mode, bool replaces_file) const;
    Result<FileHandle> open_in_place(const Location& where, ParentDir parent, OpenFlags flags,
                                     std::uint32_t mode, bool exists) const;
    Result<void> apply_changes(const Location& where, int fd, const AttributeChanges& changes,
                               FileHandle* handle) const;

    MountTable m_mounts;
    PermissionTable m_permissions;
    Resolver m_resolver;
    std::shared_ptr<QuotaTracker> m_quota;
    std::string m_home;
    bool m_atomic_uploads;
    bool m_allow_chown;
    unsigned m_umask;  // applied to atomic uploads' mode, as the kernel does for open(O_CREAT)
};

}  // namespace wharf::vfs
