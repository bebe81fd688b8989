#include "daemon/files/user_files.hpp"

#include "daemon/logging/log.hpp"
#include "daemon/server/server.hpp"
#include "daemon/server/user_policy.hpp"
#include "daemon/vfs/path.hpp"

#include <exception>

namespace wharf::daemon {

std::string UserFiles::real_path(const std::string& virtual_path) const {
    const auto normalized = vfs::normalize_path(virtual_path, fs ? fs->home() : "/");
    if (!normalized) return {};
    const vfs::MountSpec* best = nullptr;
    for (const auto& mount : policy.mounts) {
        if (vfs::path_is_within(normalized.value(), mount.virtual_path) &&
            (best == nullptr || mount.virtual_path.size() > best->virtual_path.size())) {
            best = &mount;
        }
    }
    if (best == nullptr) return {};
    std::string rest = normalized.value().substr(best->virtual_path.size());
    while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
    return rest.empty() ? best->source.string() : (best->source / rest).string();
}

HookContext UserFiles::hook_context(config::HookEvent event, std::string protocol,
                                    std::string path) const {
    HookContext context;
    context.event = event;
    context.protocol = std::move(protocol);
    context.user = session.user;
    context.remote = session.remote;
    context.real_path = real_path(path);
    context.path = std::move(path);
    return context;
}

std::shared_ptr<UserFiles> open_user_files(Server& server, const ChannelSessionInfo& session) {
    auto config = server.config();
    const config::User* user = config->find_user(session.user);
    if (user == nullptr) {
        log::warn("files.open_failed").conn(session.connection_id).user(session.user)
            .field("error", "the user is no longer configured");
        return nullptr;
    }
    try {
        auto files = std::make_shared<UserFiles>();
        files->policy = user_policy(*user);
        auto quota = server.quotas().tracker_for(user->name, files->policy);
        files->fs = std::make_shared<const vfs::UserFilesystem>(files->policy, std::move(quota));
        files->pool = &server.disk_pool();
        files->session = session;
        files->hooks = std::make_shared<const HookRunner>(config);
        files->config = std::move(config);
        return files;
    } catch (const std::exception& e) {
        log::error("files.open_failed").conn(session.connection_id).user(session.user).field("error", e.what());
        return nullptr;
    }
}

}  // namespace wharf::daemon
