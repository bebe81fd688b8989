#include "daemon/server/user_policy.hpp"

namespace wharf::daemon {

// config::Permission values are the bits of vfs::Permission positions (both list the same
// operations in the same order), so the sets convert by value.
static_assert(static_cast<std::uint32_t>(config::Permission::list) == 1u << static_cast<unsigned>(vfs::Permission::list));
static_assert(static_cast<std::uint32_t>(config::Permission::remove) == 1u << static_cast<unsigned>(vfs::Permission::remove));
static_assert(static_cast<std::uint32_t>(config::Permission::chtimes) == 1u << static_cast<unsigned>(vfs::Permission::chtimes));
static_assert(config::all_permissions == vfs::PermissionSet::all().bits());

vfs::UserPolicy user_policy(const config::User& user) {
    vfs::UserPolicy policy;
    policy.mounts.push_back({"/", user.root, false});
    for (const auto& folder : user.virtual_folders) {
        policy.mounts.push_back({folder.path, folder.source, folder.read_only});
    }
    for (const auto& entry : user.permissions) {
        policy.permissions.push_back({entry.path, vfs::PermissionSet::from_bits(entry.permissions)});
    }
    policy.quota = {user.quota.bytes, user.quota.files};
    policy.home = user.home;
    policy.atomic_uploads = true;
    return policy;
}

}  // namespace wharf::daemon
