// UserFilesystem operations that change names: mkdir, rmdir, remove, rename, link, symlink.
// Each resolves the parent directory beneath the mount and acts on the final name with an
// *at() call that does not follow it.
#include "daemon/vfs/filesystem.hpp"

#include "daemon/vfs/path.hpp"
#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace wharf::vfs {
namespace {

// rename and link report another filesystem (a mount inside a mount's source) as EXDEV,
// which for them means "other mount", not "escape".
std::error_code rename_error(int err) {
    return err == EXDEV ? make_error_code(Errc::cross_mount) : error_from_errno(err);
}

}  // namespace

Result<void> UserFilesystem::make_directory(std::string_view path, std::uint32_t mode) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (where->is_mount_root()) return Errc::exists;
    if (where->mount == nullptr && m_mounts.is_above_mount(where->path)) return Errc::exists;
    if (auto allowed = allow_change(*where, {Permission::mkdir}); !allowed) return allowed;
    auto parent = open_parent(*where);
    if (!parent) return parent.error();
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::mkdir}); !allowed) {
        return allowed;
    }
    if (::mkdirat(parent->fd.get(), parent->name.c_str(), mode & 0777) != 0) return last_error();
    return {};
}

Result<void> UserFilesystem::remove_directory(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    // Mount points, and directories virtual folders hang below, stay where they are.
    if (where->is_mount_root() || m_mounts.is_above_mount(where->path)) {
        return Errc::permission_denied;
    }
    if (auto allowed = allow_change(*where, {Permission::rmdir}); !allowed) return allowed;
    auto parent = open_parent(*where);
    if (!parent) return parent.error();
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::rmdir}); !allowed) {
        return allowed;
    }
    if (::unlinkat(parent->fd.get(), parent->name.c_str(), AT_REMOVEDIR) != 0) {
        return errno == EEXIST ? make_error_code(Errc::not_empty) : last_error();
    }
    return {};
}

Result<void> UserFilesystem::remove(std::string_view path) const {
    auto where = locate(path);
    if (!where) return where.error();
    if (where->is_mount_root() || (where->mount == nullptr && m_mounts.is_above_mount(where->path))) {
        return Errc::is_a_directory;
    }
    if (auto allowed = allow_change(*where, {Permission::remove}); !allowed) return allowed;
    auto parent = open_parent(*where);
    if (!parent) return parent.error();
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::remove}); !allowed) {
        return allowed;
    }
    const auto st = stat_at(parent->fd.get(), parent->name);
    if (!st) return st.error();
    if (S_ISDIR(st->st_mode)) return Errc::is_a_directory;
    if (where->trailing_slash) return Errc::not_a_directory;
    if (::unlinkat(parent->fd.get(), parent->name.c_str(), 0) != 0) return last_error();
    if (S_ISREG(st->st_mode)) m_quota->release(static_cast<std::uint64_t>(st->st_size), 1);
    return {};
}

Result<void> UserFilesystem::rename(std::string_view from, std::string_view to,
                                    RenameMode mode) const {
    auto source = locate(from);
    if (!source) return source.error();
    auto target = locate(to);
    if (!target) return target.error();
    if (source->is_mount_root() || target->is_mount_root() ||
        m_mounts.is_above_mount(source->path)) {
        return Errc::permission_denied;
    }
    if (source->mount != nullptr && target->mount != nullptr && source->mount != target->mount) {
        return Errc::cross_mount;
    }
    if (auto allowed = allow_change(*source, {Permission::rename}); !allowed) return allowed;
    if (target->mount == nullptr) return Errc::permission_denied;
    if (auto allowed = allow(parent_path(target->path), {Permission::rename}); !allowed) {
        return allowed;
    }

    auto source_parent = open_parent(*source);
    if (!source_parent) return source_parent.error();
    auto target_parent = open_parent(*target);
    if (!target_parent) return target_parent.error();
    if (auto allowed = allow_resolved_parent(*source, *source_parent, {Permission::rename}); !allowed) {
        return allowed;
    }
    if (auto directory = virtual_path_of(*target->mount, target_parent->fd.get());
        !m_permissions.empty() && (!directory || !m_permissions.allows(*directory, {Permission::rename}))) {
        return Errc::permission_denied;
    }

    const auto moved = stat_at(source_parent->fd.get(), source_parent->name);
    if (!moved) return moved.error();
    const auto replaced = stat_at(target_parent->fd.get(), target_parent->name);
    if (replaced) {
        if (mode == RenameMode::no_overwrite) return Errc::exists;
        if (auto allowed = allow(target->path, {Permission::overwrite}); !allowed) return allowed;
        if (auto allowed = allow_resolved_parent(*target, *target_parent, {Permission::overwrite});
            !allowed) {
            return allowed;
        }
    }
    const bool moves_directory = S_ISDIR(moved->st_mode);
    if ((source->trailing_slash || target->trailing_slash) && !moves_directory) {
        return Errc::not_a_directory;
    }

    const int from_dir = source_parent->fd.get();
    const int to_dir = target_parent->fd.get();
    const char* from_name = source_parent->name.c_str();
    const char* to_name = target_parent->name.c_str();
    const unsigned flags = mode == RenameMode::no_overwrite ? RENAME_NOREPLACE : 0;
    if (::renameat2(from_dir, from_name, to_dir, to_name, flags) != 0) {
        const int err = errno;
        if (flags == 0 || err != EINVAL || moves_directory) return rename_error(err);
        // No RENAME_NOREPLACE on this filesystem: link() refuses an existing name as well.
        if (::linkat(from_dir, from_name, to_dir, to_name, 0) != 0) return rename_error(errno);
        ::unlinkat(from_dir, from_name, 0);
    }
    const bool same_file = replaced && replaced->st_ino == moved->st_ino &&
                           replaced->st_dev == moved->st_dev;
    if (replaced && S_ISREG(replaced->st_mode) && !same_file) {
        m_quota->release(static_cast<std::uint64_t>(replaced->st_size), 1);
    }
    return {};
}

Result<void> UserFilesystem::link(std::string_view existing, std::string_view new_path) const {
    auto source = locate(existing);
    if (!source) return source.error();
    auto target = locate(new_path);
    if (!target) return target.error();
    if (target->is_mount_root()) return Errc::exists;
    if (source->is_mount_root()) return Errc::is_a_directory;
    if (source->mount == nullptr) return Errc::permission_denied;
    if (target->mount != nullptr && source->mount != target->mount) return Errc::cross_mount;
    if (auto allowed = allow_change(*target, {Permission::symlink}); !allowed) return allowed;
    if (auto allowed = allow(source->path, {Permission::download}); !allowed) return allowed;

    auto source_parent = open_parent(*source);
    if (!source_parent) return source_parent.error();
    auto target_parent = open_parent(*target);
    if (!target_parent) return target_parent.error();
    if (auto allowed = allow_resolved_parent(*source, *source_parent, {Permission::download}); !allowed) {
        return allowed;
    }
    if (auto allowed = allow_resolved_parent(*target, *target_parent, {Permission::symlink}); !allowed) {
        return allowed;
    }
    const auto linked = stat_at(source_parent->fd.get(), source_parent->name);
    if (!linked) return linked.error();
    if (S_ISDIR(linked->st_mode)) return Errc::is_a_directory;
    if (target->trailing_slash) return Errc::not_a_directory;

    const std::uint64_t bytes = S_ISREG(linked->st_mode) ? static_cast<std::uint64_t>(linked->st_size) : 0;
    const std::uint64_t files = S_ISREG(linked->st_mode) ? 1 : 0;
    if (auto reserved = m_quota->reserve(bytes, files); !reserved) return reserved;
    if (::linkat(source_parent->fd.get(), source_parent->name.c_str(), target_parent->fd.get(),
                 target_parent->name.c_str(), 0) != 0) {
        const int err = errno;
        m_quota->release(bytes, files);
        return rename_error(err);
    }
    return {};
}

Result<void> UserFilesystem::symlink(std::string_view target, std::string_view link_path) const {
    if (target.empty() || target.size() > max_path_length ||
        target.find('\0') != std::string_view::npos || has_reserved_component(target)) {
        return Errc::invalid_name;
    }
    auto where = locate(link_path);
    if (!where) return where.error();
    if (where->is_mount_root() || (where->mount == nullptr && m_mounts.is_above_mount(where->path))) {
        return Errc::exists;
    }
    if (auto allowed = allow_change(*where, {Permission::symlink}); !allowed) return allowed;
    auto parent = open_parent(*where);
    if (!parent) return parent.error();
    if (auto allowed = allow_resolved_parent(*where, *parent, {Permission::symlink}); !allowed) {
        return allowed;
    }
    if (where->trailing_slash) return Errc::not_a_directory;
    const std::string stored(target);
    if (::symlinkat(stored.c_str(), parent->fd.get(), parent->name.c_str()) != 0) return last_error();
    return {};
}

}  // namespace wharf::vfs
