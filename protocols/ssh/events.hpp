// What the SSH engine tells its driver, one event at a time (h11's next_event()).
//
// Events that ask for a decision carry an id the driver passes back to the matching Engine
// call (auth_decision, reply_channel_request, ...). Everything else is information.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/kex.hpp"
#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

/// Sends/receives bytes of the peer's identification, kept for logging (`ssh.connect`).
struct VersionReceived {
    std::string peer_version;
};

/// A key exchange finished (initial or rekey): `ssh.kex`.
struct KexCompleted {
    NegotiatedAlgorithms algorithms;
    bool initial = true;
};

// ---- server-side authentication ------------------------------------------------------------

/// A credential to check. The driver answers with Engine::auth_decision(id, ...), possibly much
/// later (password hashing runs off the event loop). Secrets are wiped after the decision.
struct AuthRequest {
    enum class Method { none, password, publickey, keyboard_interactive };
    std::uint64_t id = 0;
    std::string user;
    Method method = Method::none;
    std::string password;               ///< password; for keyboard-interactive, the responses
    std::vector<std::string> responses;  ///< keyboard-interactive answers in prompt order
    std::string public_key_algorithm;   ///< publickey
    Bytes public_key_blob;              ///< publickey
    bool has_signature = false;         ///< publickey: false is the query phase (RFC 4252 §7)
};

/// Authentication finished: `ssh.auth.ok`.
struct AuthSucceeded {
    std::string user;
    std::string methods;  ///< the chain that completed, e.g. "publickey+password"
};

/// One attempt failed: `ssh.auth.fail`.
struct AuthFailed {
    std::string user;
    std::string method;
    std::string reason;
    bool partial_success = false;
};

// ---- client-side authentication -----------------------------------------------------------

/// The server's host key, to check against known_hosts or a pinned fingerprint. The driver
/// answers Engine::host_key_decision(trusted) before the exchange can finish.
struct HostKeyReceived {
    std::string algorithm;
    Bytes key_blob;
};

struct BannerReceived {
    std::string message;
};

/// keyboard-interactive prompts; answer with Engine::answer_prompts(responses).
struct PromptsReceived {
    std::string name;
    std::string instruction;
    std::vector<std::pair<std::string, bool>> prompts;  ///< text, echo
};

/// The server refused the last method; `methods` may continue (partial success when set).
struct AuthRejected {
    std::vector<std::string> methods;
    bool partial_success = false;
};

// ---- connection layer ---------------------------------------------------------------------

/// Server: a session channel is open (the engine accepted it within its limits).
/// Client: the server confirmed a channel we opened.
struct ChannelOpened {
    std::uint32_t channel = 0;
};

/// Client: the server refused a channel we opened.
struct ChannelOpenRefused {
    std::uint32_t channel = 0;
    std::uint32_t reason = 0;
    std::string description;
};

/// Server: the client asks to run something on a session channel. `type` is "subsystem" (with
/// `name` the subsystem) or "exec" (with `name` the command). Answer with
/// Engine::reply_channel_request(channel, accepted). Requests the engine refuses itself
/// (pty-req, shell, x11-req, auth-agent-req, ...) never become events.
struct ChannelRequested {
    std::uint32_t channel = 0;
    std::string type;
    std::string name;
};

/// Client: the server answered a request we sent with want_reply.
struct ChannelRequestAnswered {
    std::uint32_t channel = 0;
    bool success = false;
};

/// Data arrived on a channel. The bytes count against our window until the driver calls
/// Engine::consume(channel, n), so a driver that stops consuming stops the peer.
struct ChannelDataReceived {
    std::uint32_t channel = 0;
    Bytes data;
    bool extended = false;  ///< stderr (extended data type 1)
};

struct ChannelEofReceived {
    std::uint32_t channel = 0;
};

/// Client: exit-status (or the signal name of exit-signal) of the remote command.
struct ChannelExitStatus {
    std::uint32_t channel = 0;
    std::optional<std::uint32_t> status;
    std::string signal;
};

/// The channel is closed in both directions and its number may be reused.
struct ChannelClosed {
    std::uint32_t channel = 0;
};

/// The peer's window opened again: a driver holding back data may send more.
struct ChannelWritable {
    std::uint32_t channel = 0;
};

// ---- end -----------------------------------------------------------------------------------

/// The connection is over: `ssh.disconnect`. `by_peer` tells who ended it. After this
/// the driver flushes pending output and closes the socket.
struct Disconnected {
    DisconnectReason reason = DisconnectReason::by_application;
    std::string description;
    bool by_peer = false;
};

using Event = std::variant<VersionReceived, KexCompleted, AuthRequest, AuthSucceeded, AuthFailed,
                           HostKeyReceived, BannerReceived, PromptsReceived, AuthRejected, ChannelOpened,
                           ChannelOpenRefused, ChannelRequested, ChannelRequestAnswered, ChannelDataReceived,
                           ChannelEofReceived, ChannelExitStatus, ChannelClosed, ChannelWritable, Disconnected>;

}  // namespace wharf::ssh
