// What a file-protocol handler (SFTP, SCP) of one channel works with: the user's virtual
// filesystem, the disk pool its blocking calls run on, the session's executor to complete
// on, who is connected, and the hooks of the configuration the session started under.
#pragma once

#include "config/config.hpp"
#include "daemon/hooks/hook_runner.hpp"
#include "daemon/listeners/channel_handler.hpp"
#include "daemon/vfs/disk_pool.hpp"
#include "daemon/vfs/filesystem.hpp"

#include <memory>
#include <string>

namespace wharf::daemon {

class Server;

struct UserFiles {
    std::shared_ptr<const vfs::UserFilesystem> fs;
    vfs::DiskPool* pool = nullptr;
    ChannelSessionInfo session;  ///< .executor: where completions run
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const HookRunner> hooks;
    /// The user's mounts, to tell hooks where a virtual path lies on disk.
    vfs::UserPolicy policy;

    /// WHARF_REAL_PATH for a virtual path: the mount's source joined with the rest (without
    /// resolving symlinks); empty when no mount covers it.
    [[nodiscard]] std::string real_path(const std::string& virtual_path) const;
    /// A hook context for `event` on `path`, with protocol, user and remote filled in.
    [[nodiscard]] HookContext hook_context(config::HookEvent event, std::string protocol,
                                           std::string path) const;
};

/// The files of `session.user` under the server's current configuration. nullptr, with a
/// `files.open_failed` log line, when the user is gone or a mount cannot be opened.
std::shared_ptr<UserFiles> open_user_files(Server& server, const ChannelSessionInfo& session);

}  // namespace wharf::daemon
