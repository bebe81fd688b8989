#include "daemon/vfs/mount_table.hpp"

#include "daemon/vfs/path.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace wharf::vfs {

MountTable::MountTable(const std::vector<MountSpec>& specs) {
    for (const MountSpec& spec : specs) {
        const std::string what = "mount '" + spec.virtual_path + "'";
        auto path = normalize_path(spec.virtual_path);
        if (!path || !spec.virtual_path.starts_with('/') || has_reserved_component(*path)) {
            throw std::system_error(make_error_code(Errc::invalid_name), what + ": invalid virtual path");
        }
        if (is_mount_point(*path)) {
            throw std::system_error(make_error_code(Errc::exists), what + ": mounted twice");
        }
        UniqueFd root(::open(spec.source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) {
            throw std::system_error(last_error(), what + ": source '" + spec.source.string() + "'");
        }
        m_mounts.push_back(Mount{std::move(*path), spec.source, spec.read_only, std::move(root)});
    }
    std::stable_sort(m_mounts.begin(), m_mounts.end(), [](const Mount& a, const Mount& b) {
        return a.virtual_path.size() > b.virtual_path.size();
    });
}

MountTable::Match MountTable::find(std::string_view path) const {
    for (const Mount& mount : m_mounts) {
        if (!path_is_within(path, mount.virtual_path)) continue;
        std::string_view rest = path.substr(mount.virtual_path == "/" ? 0 : mount.virtual_path.size());
        while (rest.starts_with('/')) rest.remove_prefix(1);
        return {&mount, std::string(rest)};
    }
    return {};
}

bool MountTable::is_mount_point(std::string_view path) const {
    return std::any_of(m_mounts.begin(), m_mounts.end(),
                       [&](const Mount& m) { return m.virtual_path == path; });
}

bool MountTable::is_above_mount(std::string_view path) const {
    return std::any_of(m_mounts.begin(), m_mounts.end(), [&](const Mount& m) {
        return m.virtual_path != path && path_is_within(m.virtual_path, path);
    });
}

std::vector<std::pair<std::string, const Mount*>> MountTable::child_mounts(
    std::string_view directory) const {
    std::vector<std::pair<std::string, const Mount*>> children;
    for (const Mount& mount : m_mounts) {
        if (mount.virtual_path != "/" && parent_path(mount.virtual_path) == directory) {
            children.emplace_back(std::string(file_name(mount.virtual_path)), &mount);
        }
    }
    return children;
}

}  // namespace wharf::vfs
