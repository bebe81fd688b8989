// wharfd's OFTP station: the plain and TLS listeners (responder sessions) and the caller that
// dials partners with pending work (initiator sessions).
#pragma once

#include "daemon/server/server.hpp"

namespace wharf::daemon {

/// Adds the station to a Server: the services "oftp" (oftp.listen) and "oftps"
/// (oftp.tls_listen), and the caller for partners with `connect`.
void add_oftp_station(Server& server);

}  // namespace wharf::daemon
