// Binds a configured user to the virtual filesystem's policy types.
#pragma once

#include "config/config.hpp"
#include "daemon/vfs/policy.hpp"

namespace wharf::daemon {

/// The user's root at "/", each virtual folder at its path, permission rules, quota, home.
/// Uploads are atomic: a half-transferred file never shows under its final name.
vfs::UserPolicy user_policy(const config::User& user);

}  // namespace wharf::daemon
