// How the layers above the transport (authentication, connection) reach the engine: they send
// payloads and emit events, and know nothing of packets, KEX or time. The engine holds their
// payloads back while a key exchange runs (RFC 4253 §7.1) and hands events to the driver.
#pragma once

#include "protocols/ssh/events.hpp"
#include "protocols/ssh/wire.hpp"

#include <utility>

namespace wharf::ssh {

class LayerOutput {
public:
    virtual ~LayerOutput() = default;
    /// Queues one message payload (message number first) for the peer.
    virtual void send(Bytes payload) = 0;
    /// The same for a payload in two pieces (header, data), which an engine may copy straight
    /// into the packet. By default the pieces are joined and sent as one.
    virtual void send(ByteView head, ByteView body) {
        Bytes payload;
        payload.reserve(head.size() + body.size());
        payload.insert(payload.end(), head.begin(), head.end());
        payload.insert(payload.end(), body.begin(), body.end());
        send(std::move(payload));
    }
    /// Hands an event to the driver.
    virtual void emit(Event event) = 0;
};

}  // namespace wharf::ssh
