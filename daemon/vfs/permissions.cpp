#include "daemon/vfs/permissions.hpp"

#include "daemon/vfs/path.hpp"

#include <algorithm>
#include <array>
#include <system_error>

namespace wharf::vfs {
namespace {

constexpr std::array<std::string_view, permission_count> permission_names = {
    "list", "download", "upload", "overwrite", "remove", "rename",
    "mkdir", "rmdir", "symlink", "chmod", "chtimes",
};

}  // namespace

std::string_view permission_name(Permission p) noexcept {
    const auto index = static_cast<std::size_t>(p);
    return index < permission_names.size() ? permission_names[index] : std::string_view("?");
}

std::optional<Permission> permission_from_name(std::string_view name) noexcept {
    if (name == "delete") return Permission::remove;
    for (std::size_t i = 0; i < permission_names.size(); ++i) {
        if (permission_names[i] == name) return static_cast<Permission>(i);
    }
    return std::nullopt;
}

PermissionTable::PermissionTable(const std::vector<PermissionRule>& rules) {
    for (const PermissionRule& rule : rules) {
        auto path = normalize_path(rule.virtual_path);
        if (!path || !rule.virtual_path.starts_with('/')) {
            throw std::system_error(make_error_code(Errc::invalid_name),
                                    "permission rule path '" + rule.virtual_path + "'");
        }
        const auto same = std::find_if(m_rules.begin(), m_rules.end(),
                                       [&](const Rule& r) { return r.path == *path; });
        if (same != m_rules.end()) {
            same->permissions = rule.permissions;
        } else {
            m_rules.push_back({std::move(*path), rule.permissions});
        }
    }
    std::stable_sort(m_rules.begin(), m_rules.end(), [](const Rule& a, const Rule& b) {
        return a.path.size() > b.path.size();
    });
}

PermissionSet PermissionTable::at(std::string_view path) const {
    for (const Rule& rule : m_rules) {
        if (path_is_within(path, rule.path)) return rule.permissions;
    }
    return PermissionSet::all();
}

}  // namespace wharf::vfs
