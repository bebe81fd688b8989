// The SSH listener of wharfd: one SshSession per accepted connection, each driving an
// ssh::Engine on its worker's io_context.
#pragma once

#include "daemon/auth/user_authenticator.hpp"
#include "daemon/listeners/channel_handler.hpp"
#include "daemon/server/server.hpp"

namespace wharf::daemon {

/// The Service to add to a Server; `handlers` decide what subsystems and commands exist.
Service make_ssh_service(Server& server, std::shared_ptr<const ChannelHandlers> handlers);

}  // namespace wharf::daemon
