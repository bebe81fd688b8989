// The "sftp" subsystem: an sftp::ServerEngine per channel over the user's virtual filesystem.
#pragma once

#include "daemon/listeners/channel_handler.hpp"

namespace wharf::daemon {

class Server;

/// Makes the handler of each accepted "sftp" subsystem request (nullptr, so a refused
/// request, when the user's files cannot be opened).
ChannelHandlerFactory make_sftp_factory(Server& server);

}  // namespace wharf::daemon
