#include "daemon/server/user_policy.hpp"

#include "daemon/vfs/path.hpp"

#include <algorithm>

namespace wharf::daemon {

// config::Permission values are the bits of vfs::Permission positions (both list the same
// operations in the same order), so the sets convert by value.
static_assert(static_cast<std::uint32_t>(config::Permission::list) == 1u << static_cast<unsigned>(vfs::Permission::list));
static_assert(static_cast<std::uint32_t>(config::Permission::remove) == 1u << static_cast<unsigned>(vfs::Permission::remove));
static_assert(static_cast<std::uint32_t>(config::Permission::chtimes) == 1u << static_cast<unsigned>(vfs::Permission::chtimes));
static_assert(config::all_permissions == vfs::PermissionSet::all().bits());

namespace {

// Nothing outside `home` is allowed; inside it the user's own rules still apply (everything,
// where none says otherwise).
void restrict_to(const std::string& home, std::vector<vfs::PermissionRule>& rules) {
    std::erase_if(rules, [&](const vfs::PermissionRule& rule) { return !vfs::path_is_within(rule.virtual_path, home); });
    const bool home_has_rule = std::any_of(rules.begin(), rules.end(),
                                           [&](const vfs::PermissionRule& rule) { return rule.virtual_path == home; });
    if (!home_has_rule) rules.push_back({home, vfs::PermissionSet::all()});
    rules.push_back({"/", vfs::PermissionSet::none()});
}

}  // namespace

vfs::UserPolicy user_policy(const config::User& user) {
    vfs::UserPolicy policy;
    policy.mounts.push_back({"/", user.root, false});
    for (const auto& folder : user.virtual_folders) {
        policy.mounts.push_back({folder.path, folder.source, folder.read_only});
    }
    for (const auto& entry : user.permissions) {
        policy.permissions.push_back({entry.path, vfs::PermissionSet::from_bits(entry.permissions)});
    }
    if (user.restrict_to_home && user.home != "/") restrict_to(user.home, policy.permissions);
    policy.quota = {user.quota.bytes, user.quota.files};
    policy.home = user.home;
    policy.atomic_uploads = true;
    return policy;
}

}  // namespace wharf::daemon
