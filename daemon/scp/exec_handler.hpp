// exec requests: `scp -t` / `scp -f` run the legacy SCP protocol on the user's virtual
// filesystem; any other command is answered on stderr and ends with exit status 1.
#pragma once

#include "daemon/listeners/channel_handler.hpp"

namespace wharf::daemon {

class Server;

/// Makes the handler of each exec request.
ChannelHandlerFactory make_exec_factory(Server& server);

}  // namespace wharf::daemon
