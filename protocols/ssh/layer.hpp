// How the layers above the transport (authentication, connection) reach the engine: they send
// payloads and emit events, and know nothing of packets, KEX or time. The engine holds their
// payloads back while a key exchange runs (RFC 4253 §7.1) and hands events to the driver.
#pragma once

#include "protocols/ssh/events.hpp"
#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

class LayerOutput {
public:
    virtual ~LayerOutput() = default;
    /// Queues one message payload (message number first) for the peer.
    virtual void send(Bytes payload) = 0;
    /// Hands an event to the driver.
    virtual void emit(Event event) = 0;
};

}  // namespace wharf::ssh
