// UserFilesystem: construction, locating paths, the shared checks, and the operations
// that only look (stat, lstat, realpath, readlink, statvfs, open_directory).
#include "daemon/vfs/filesystem.hpp"

#include "daemon/vfs/path.hpp"
#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

namespace wharf::vfs {
namespace {

std::string home_of(const UserPolicy& policy) {
    auto home = normalize_path(policy.home);
    if (!home || !policy.home.starts_with('/')) {
        throw std::system_error(make_error_code(Errc::invalid_name),
                                "home '" + policy.home + "': not an absolute virtual path");
    }
    return std::move(*home);
}

std::string join_names(std::string_view base, const std::vector<std::string>& names) {
    std::string path(base);
    for (const std::string& name : names) path = join_path(path, name);
    return path;
}

// Maps a real path below `root_real` to the same place below `mount_path`.
std::optional<std::string> map_real_path(std::string_view real, std::string_view root_real,
                                         std::string_view mount_path) {
    if (real == root_real) return std::string(mount_path);
    const std::string_view prefix = root_real == "/" ? std::string_view() : root_real;
    if (!real.starts_with(prefix) || real.size() <= prefix.size() || real[prefix.size()] != '/') {
        return std::nullopt;
    }
    return join_path(mount_path, real.substr(prefix.size() + 1));
}

}  // namespace

UserFilesystem::UserFilesystem(const UserPolicy& policy, std::shared_ptr<QuotaTracker> quota,
                               FilesystemOptions options)
    : m_mounts(policy.mounts),
      m_permissions(policy.permissions),
      m_resolver(options.resolve),
      m_quota(quota ? std::move(quota) : std::make_shared<QuotaTracker>()),
      m_home(home_of(policy)),
      m_atomic_uploads(policy.atomic_uploads),
      m_allow_chown(policy.allow_chown),
      m_umask(process_umask()) {
    if (m_resolver.strategy() == ResolveStrategy::openat2 && !openat2_available()) {
        throw std::system_error(make_error_code(Errc::unsupported), "openat2 resolver requested");
    }
}

PermissionSet UserFilesystem::permissions_at(std::string_view path) const {
    auto normalized = normalize_path(path, m_home);
    return normalized ? m_permissions.at(*normalized) : PermissionSet::none();
}

Result<UserFilesystem::Location> UserFilesystem::locate(std::string_view path) const {
    auto normalized = normalize_path(path, m_home);
    if (!normalized) return normalized.error();
    if (has_reserved_component(*normalized)) return Errc::invalid_name;
    auto match = m_mounts.find(*normalized);
    return Location{std::move(*normalized), match.mount, std::move(match.relative),
                    has_trailing_slash(path)};
}

Result<void> UserFilesystem::allow(std::string_view path, PermissionSet needed) const {
    if (m_permissions.allows(path, needed)) return {};
    return Errc::permission_denied;
}

Result<void> UserFilesystem::allow_change(const Location& where, PermissionSet needed) const {
    if (where.mount == nullptr) return Errc::permission_denied;  // only virtual folders above
    if (where.mount->read_only) return Errc::read_only;
    return allow(where.path, needed);
}

Result<std::string> UserFilesystem::virtual_path_of(const Mount& mount, int fd) const {
    const auto real = fd_real_path(fd);
    const auto root_real = fd_real_path(mount.root.get());
    if (!real || !root_real) return Errc::permission_denied;
    auto mapped = map_real_path(*real, *root_real, mount.virtual_path);
    if (!mapped) return Errc::permission_denied;  // cannot tell where it is: do not guess
    return std::move(*mapped);
}

Result<void> UserFilesystem::allow_resolved(const Location& where, int fd,
                                            PermissionSet needed) const {
    if (m_permissions.empty()) return {};  // everything is allowed everywhere anyway
    const auto resolved = virtual_path_of(*where.mount, fd);
    if (!resolved) return resolved.error();
    if (*resolved == where.path) return {};
    return allow(*resolved, needed);
}

Result<void> UserFilesystem::allow_resolved_parent(const Location& where, const ParentDir& parent,
                                                   PermissionSet needed) const {
    if (m_permissions.empty()) return {};
    const auto directory = virtual_path_of(*where.mount, parent.fd.get());
    if (!directory) return directory.error();
    const std::string resolved = join_path(*directory, parent.name);
    if (resolved == where.path) return {};
    return allow(resolved, needed);
}

Result<UniqueFd> UserFilesystem::open_at(const Location& where, int flags, unsigned mode) const {
    return m_resolver.open(where.mount->root.get(), where.relative, flags, mode);
}

Result<UserFilesystem::ParentDir> UserFilesystem::open_parent(const Location& where) const {
    const std::size_t slash = where.relative.rfind('/');
    const std::string_view parent =
        slash == std::string::npos ? std::string_view() : std::string_view(where.relative).substr(0, slash);
    std::string name = slash == std::string::npos ? where.relative : where.relative.substr(slash + 1);
    auto fd = m_resolver.open(where.mount->root.get(), parent, O_PATH | O_DIRECTORY);
    if (!fd) return fd.error();
    return ParentDir{std::move(*fd), std::move(name)};
}

Result<Attributes> UserFilesystem::virtual_directory(const Location& where) const {
    // A directory that exists only because virtual folders are mounted below it: shown
    // read-only, with the times of the first such folder.
    const auto below = std::find_if(m_mounts.mounts().begin(), m_mounts.mounts().end(),
                                    [&](const Mount& m) {
                                        return m.virtual_path != where.path &&
                                               path_is_within(m.virtual_path, where.path);
                                    });
    if (below == m_mounts.mounts().end()) return Errc::no_such_file;
    const auto st = stat_fd(below->root.get());
    if (!st) return st.error();
    Attributes attributes = attributes_from_stat(*st);
    attributes.mode = S_IFDIR | 0555;
    attributes.size = 0;
    attributes.link_count = 2;
    return attributes;
}

Result<Attributes> UserFilesystem::stat(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (auto allowed = allow(where->path, {Permission::list}); !allowed) return allowed.error();
    if (where->mount == nullptr) return virtual_directory(*where);
    auto fd = open_at(*where, O_PATH);
    if (!fd) {
        if (fd.error() == Errc::no_such_file && m_mounts.is_above_mount(where->path)) {
            return virtual_directory(*where);
        }
        return fd.error();
    }
    if (auto allowed = allow_resolved(*where, fd->get(), {Permission::list}); !allowed) {
        return allowed.error();
    }
    const auto st = stat_fd(fd->get());
    if (!st) return st.error();
    if (where->trailing_slash && !S_ISDIR(st->st_mode)) return Errc::not_a_directory;
    return attributes_from_stat(*st);
}

Result<Attributes> UserFilesystem::lstat(std::string_view path) const {
    // "link/" names what the link points to (as in POSIX), so it is a stat.
    if (has_trailing_slash(path) && !path.empty()) return stat(path);
    auto where = locate(path);
    if (!where) return where.error();
    if (auto allowed = allow(where->path, {Permission::list}); !allowed) return allowed.error();
    if (where->mount == nullptr) return virtual_directory(*where);
    if (where->is_mount_root()) {
        const auto st = stat_fd(where->mount->root.get());
        if (!st) return st.error();
        return attributes_from_stat(*st);
    }
    auto parent = open_parent(*where);
    if (!parent) {
        if (parent.error() == Errc::no_such_file && m_mounts.is_above_mount(where->path)) {
            return virtual_directory(*where);
        }
        return parent.error();
    }
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::list}); !allowed) {
        return allowed.error();
    }
    const auto st = stat_at(parent->fd.get(), parent->name);
    if (!st) {
        if (st.error() == Errc::no_such_file && m_mounts.is_above_mount(where->path)) {
            return virtual_directory(*where);
        }
        return st.error();
    }
    return attributes_from_stat(*st);
}

Result<std::string> UserFilesystem::realpath(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (where->mount == nullptr) {
        if (m_mounts.is_above_mount(where->path)) return where->path;
        return Errc::no_such_file;
    }
    // The configured resolver decides whether the path may be reached at all; the walk
    // (which obeys the same rules) then tells where it leads.
    const int root = where->mount->root.get();
    if (auto fd = open_at(*where, O_PATH); !fd && fd.error() != Errc::no_such_file) {
        return fd.error();
    }
    auto walked = Resolver::walk(root, where->relative, O_PATH);
    if (walked) return join_names(where->mount->virtual_path, walked->names);
    if (walked.error() != Errc::no_such_file) return walked.error();
    if (m_mounts.is_above_mount(where->path)) return where->path;

    // A missing final component is fine: clients ask for the real path of upload targets.
    const std::size_t slash = where->relative.rfind('/');
    const std::string parent = slash == std::string::npos ? std::string() : where->relative.substr(0, slash);
    auto walked_parent = Resolver::walk(root, parent, O_PATH | O_DIRECTORY);
    if (!walked_parent) return walked_parent.error();
    return join_path(join_names(where->mount->virtual_path, walked_parent->names),
                     file_name(where->path));
}

Result<std::string> UserFilesystem::readlink(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (auto allowed = allow(where->path, {Permission::list}); !allowed) return allowed.error();
    if (where->mount == nullptr || where->is_mount_root()) return Errc::invalid_argument;
    auto parent = open_parent(*where);
    if (!parent) return parent.error();
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::list}); !allowed) {
        return allowed.error();
    }
    auto target = read_link(parent->fd.get(), parent->name.c_str());
    if (!target || !target->starts_with('/')) return target;
    // An absolute target pointing into this mount's real directory would show where the
    // mount lives; show the virtual path instead. Others are returned as stored.
    if (const auto root_real = fd_real_path(where->mount->root.get())) {
        if (auto mapped = map_real_path(*target, *root_real, where->mount->virtual_path)) {
            return std::move(*mapped);
        }
    }
    return target;
}

Result<FilesystemStats> UserFilesystem::statvfs(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (auto allowed = allow(where->path, {Permission::list}); !allowed) return allowed.error();
    UniqueFd fd;
    if (where->mount != nullptr) {
        auto opened = open_at(*where, O_PATH);
        if (!opened) return opened.error();
        if (auto allowed = allow_resolved(*where, opened->get(), {Permission::list}); !allowed) {
            return allowed.error();
        }
        fd = std::move(*opened);
    } else if (auto attributes = virtual_directory(*where); !attributes) {
        return attributes.error();
    }
    const int target = fd ? fd.get() : m_mounts.mounts().front().root.get();
    struct statvfs st {};
    if (::fstatvfs(target, &st) != 0) return last_error();
    FilesystemStats stats = filesystem_stats_from(st);
    if (where->mount == nullptr || where->mount->read_only) stats.flags |= ST_RDONLY;
    if (const auto bytes = m_quota->bytes_left(); bytes && stats.fragment_size > 0) {
        stats.blocks_available = std::min(stats.blocks_available, *bytes / stats.fragment_size);
    }
    if (const auto files = m_quota->files_left()) {
        stats.files_available = std::min(stats.files_available, *files);
    }
    return stats;
}

Result<DirectoryHandle> UserFilesystem::open_directory(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (auto allowed = allow(where->path, {Permission::list}); !allowed) return allowed.error();

    std::vector<DirectoryEntry> mount_entries;
    for (const auto& [name, mount] : m_mounts.child_mounts(where->path)) {
        const auto st = stat_fd(mount->root.get());
        if (st) mount_entries.push_back({name, attributes_from_stat(*st)});
    }
    UniqueFd fd;
    if (where->mount != nullptr) {
        auto opened = open_at(*where, O_RDONLY | O_DIRECTORY);
        if (opened) {
            if (auto allowed = allow_resolved(*where, opened->get(), {Permission::list}); !allowed) {
                return allowed.error();
            }
            fd = std::move(*opened);
        } else if (opened.error() != Errc::no_such_file || !m_mounts.is_above_mount(where->path)) {
            return opened.error();
        }
    } else if (!m_mounts.is_above_mount(where->path)) {
        return Errc::no_such_file;
    }
    return DirectoryHandle::open(std::move(fd), where->path, std::move(mount_entries));
}

}  // namespace wharf::vfs
