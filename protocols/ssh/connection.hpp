// The SSH connection protocol (RFC 4254) as a sans-I/O layer for both roles: channels, their
// windows and maximum packet sizes, channel requests and global requests (Go mux.go and
// channel.go, OpenSSH channels.c/serverloop.c/clientloop.c).
//
// The engine creates a Connection once authentication has succeeded and routes every payload
// numbered 80..100 to handle(). Everything the layer produces goes out through LayerOutput:
// payloads for the peer and events for the driver. It has no clock: the engine's keepalive timer
// calls send_keepalive() and reads unanswered_keepalives().
//
// Methods, in the order a driver meets them (quinn-proto's Connection):
//   input      handle()
//   channels   send_data(), consume(), send_eof(), close(), close_all()
//   server     reply_channel_request(), send_exit_status(), send_exit_signal()
//   client     open_session(), request_subsystem(), request_exec(), request_env()
//   keepalive  send_keepalive(), unanswered_keepalives()
//   getters    has_channels(), is_open(), writable()
//
// Channel ids are ours (the "recipient channel" the peer addresses): integers below max_channels,
// reused only after CLOSE went both ways and ChannelClosed was emitted. They are handed out
// round-robin rather than lowest-free: the driver sees a batch of events after the engine has
// processed a batch of packets, and a CLOSE followed by an OPEN in one batch must not let the
// driver's late call for the old channel land on the new one. The peer may close a channel at any
// time, so calls naming a channel that is unknown or already gone are ignored (send_data returns
// 0): a driver racing the peer's CLOSE is not a bug. A driver forgets a channel on ChannelClosed.
//
// Errors: every peer violation (malformed payload, unknown channel, data beyond the window, ...)
// throws ProtocolError(protocol_error) from handle(); the engine turns it into a DISCONNECT and
// the Connection must not be used afterwards. Misuse by the driver (a client call in the server
// role, data after our own EOF) throws std::logic_error.
//
// Policy, as OpenSSH's sshd does it unless noted:
// - The server accepts "session" channels up to max_channels (then OPEN_FAILURE
//   resource_shortage) and refuses forwarding channels ("direct-tcpip", "forwarded-tcpip", "x11",
//   "auth-agent@openssh.com", streamlocal, tun) with administratively_prohibited and unknown types
//   with unknown_channel_type (RFC 4254 §5.1; sshd says administratively_prohibited for those
//   too). The client refuses every channel the server opens, "session" included (§6.1).
// - After the global request "no-more-sessions@openssh.com" (answered with REQUEST_SUCCESS), a
//   "session" open is a ProtocolError: sshd disconnects at once ("Possible attack"), without an
//   OPEN_FAILURE first (openssh PROTOCOL 2.2).
// - "keepalive@openssh.com" and every other global request (tcpip-forward, ...) gets
//   REQUEST_FAILURE when want_reply is set, in both roles: sshd and ssh answer a keepalive that
//   way and both accept any reply to their own.
// - Server channel requests: "exec" and "subsystem" go to the driver (ChannelRequested), at most
//   one at a time and none after one was accepted; "eow@openssh.com" is accepted silently; "env",
//   "pty-req", "shell", "x11-req", "auth-agent-req@openssh.com", "window-change", "signal",
//   "break", "xon-xoff" and unknown types are refused. Client channel requests: "exit-status"
//   and "exit-signal" become ChannelExitStatus, "eow@openssh.com" is accepted, the rest (such as
//   sshd's channel "keepalive@openssh.com") refused. A reply is sent only when want_reply is set,
//   and replies on a channel leave in request order even when the driver decides late (§4, §5.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/ssh/layer.hpp"
#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/version.hpp"
#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

struct ConnectionLimits {
    /// Our receive window per channel: the most channel data held for a driver that stops
    /// consuming. OpenSSH uses 2 MiB for sessions.
    std::uint32_t window_size = 2 * 1024 * 1024;
    /// The largest CHANNEL_DATA (data bytes) we accept and advertise; it must fit the transport's
    /// maximum packet with headers (32768 is OpenSSH's session default; 256 KiB transport limit).
    std::uint32_t max_packet = 32768;
    /// Channels allocated at once (open, opening or half closed); sshd's MaxSessions is 10.
    std::uint32_t max_channels = 10;
};

class Connection {
public:
    /// The most data bytes we put in one CHANNEL_DATA, whatever the peer allows: well inside any
    /// transport's 35000-byte minimum packet (RFC 4254 §5.2: we MUST NOT build packets our
    /// transport will not send).
    static constexpr std::size_t max_data_chunk = 32768;
    /// Replies a channel may owe while the driver decides an earlier request; beyond that a peer
    /// flooding requests is a ProtocolError, so the queue stays bounded.
    static constexpr std::size_t max_pending_replies = 64;

    /// Throws std::invalid_argument when window_size or max_packet is 0. `out` must outlive the
    /// Connection and must not call back into it from send() or emit() (the engine queues).
    Connection(Role role, ConnectionLimits limits, LayerOutput& out);

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // ---- input ------------------------------------------------------------------------------

    /// Takes one payload numbered 80..100 (message number first). Sends replies and emits events
    /// through the LayerOutput before it returns. Throws ProtocolError for anything the peer got
    /// wrong, malformed payloads included.
    void handle(ByteView payload);

    // ---- channels, both roles -----------------------------------------------------------------

    /// Sends as much of `data` as the peer's window allows, as CHANNEL_DATA (or EXTENDED_DATA
    /// stderr when `extended`) in chunks within the peer's maximum packet, and returns the bytes
    /// accepted. Nothing is queued here: the caller keeps the rest and retries after
    /// ChannelWritable, which follows the WINDOW_ADJUST that reopens a channel this call left
    /// short. Returns 0 for an unknown channel or one not yet confirmed. Throws std::logic_error
    /// after our own send_eof() or close() on the channel.
    std::size_t send_data(std::uint32_t channel, ByteView data, bool extended = false);

    /// The driver has processed `bytes` of the data delivered by ChannelDataReceived (either
    /// stream). Received data counts against our window until consumed; a WINDOW_ADJUST goes out
    /// once half the window is consumed, so a driver that stops consuming stops the peer. Throws
    /// std::invalid_argument for more bytes than were delivered and not yet consumed.
    void consume(std::uint32_t channel, std::size_t bytes);

    /// CHANNEL_EOF, once; later calls and calls after close() do nothing. Throws
    /// std::logic_error while the channel is not yet confirmed.
    void send_eof(std::uint32_t channel);

    /// CHANNEL_CLOSE, once. The id stays taken until the peer's CLOSE arrives; then ChannelClosed
    /// is emitted. Replies still owed on the channel are dropped (sshd sends none after CLOSE).
    /// A channel still opening is closed as soon as the peer confirms it; if the peer refuses it
    /// instead, ChannelClosed is emitted in place of ChannelOpenRefused.
    void close(std::uint32_t channel);

    /// close() on every channel, for shutdown.
    void close_all();

    // ---- server role ----------------------------------------------------------------------------

    /// Answers the "exec"/"subsystem" request announced by ChannelRequested. CHANNEL_SUCCESS or
    /// FAILURE goes out if the peer asked for a reply, after any reply owed for earlier requests
    /// on the channel. After a refusal the peer may ask again. Throws std::logic_error in the
    /// client role or when no request on the channel awaits a decision.
    void reply_channel_request(std::uint32_t channel, bool accepted);

    /// The "exit-status" channel request (want_reply false). Send it before EOF and CLOSE, as
    /// sshd does. Throws std::logic_error in the client role.
    void send_exit_status(std::uint32_t channel, std::uint32_t status);

    /// The "exit-signal" channel request (want_reply false; `name` without "SIG", as "TERM").
    /// Throws std::logic_error in the client role.
    void send_exit_signal(std::uint32_t channel, std::string_view name, bool core_dumped,
                          std::string_view message);

    // ---- client role ----------------------------------------------------------------------------

    /// Opens a "session" channel with our window and maximum packet; returns its id. The server's
    /// answer becomes ChannelOpened or ChannelOpenRefused (which frees the id). Throws
    /// std::logic_error in the server role and std::runtime_error when max_channels are taken.
    std::uint32_t open_session();

    /// "subsystem" with want_reply; the answer becomes ChannelRequestAnswered.
    void request_subsystem(std::uint32_t channel, std::string_view name);
    /// "exec" with want_reply; the answer becomes ChannelRequestAnswered.
    void request_exec(std::uint32_t channel, std::string_view command);
    /// "env" without want_reply (as ssh sends it; sshd drops names outside AcceptEnv silently).
    void request_env(std::uint32_t channel, std::string_view name, std::string_view value);

    // ---- keepalive, both roles ----------------------------------------------------------------

    /// GLOBAL_REQUEST "keepalive@openssh.com" with want_reply.
    void send_keepalive();
    /// Keepalives sent since the last REQUEST_SUCCESS or REQUEST_FAILURE. Any reply resets it to
    /// 0: it proves the peer alive (sshd's ClientAliveCountMax and ssh's ServerAliveCountMax
    /// count the same way).
    [[nodiscard]] unsigned unanswered_keepalives() const noexcept { return m_unanswered_keepalives; }

    // ---- getters ------------------------------------------------------------------------------

    [[nodiscard]] Role role() const noexcept { return m_role; }
    [[nodiscard]] const ConnectionLimits& limits() const noexcept { return m_limits; }
    /// Any channel allocated: opening, open, or closed by us and waiting for the peer's CLOSE.
    [[nodiscard]] bool has_channels() const noexcept;
    /// Confirmed, and no CLOSE sent yet.
    [[nodiscard]] bool is_open(std::uint32_t channel) const noexcept;
    /// Bytes send_data() would accept now: the peer's window, or 0 when the channel cannot carry
    /// data (unknown, opening, EOF or CLOSE sent).
    [[nodiscard]] std::size_t writable(std::uint32_t channel) const noexcept;

private:
    /// What the server does with a channel's "exec"/"subsystem" (RFC 4254 §6.5: one per channel).
    enum class Program : std::uint8_t { none, deciding, running };

    /// A reply owed for a want_reply request; undecided only while the driver decides.
    struct OwedReply {
        bool decided = false;
        bool success = false;
    };

    /// Global requests we sent and the peer must answer in order (RFC 4254 §4).
    enum class OwnGlobalRequest : std::uint8_t { keepalive };

    struct Channel {
        std::uint32_t peer_id = 0;
        bool confirmed = false;           ///< false while our OPEN awaits the peer's answer
        bool close_when_confirmed = false;  ///< close() came while opening
        bool eof_sent = false;
        bool close_sent = false;
        bool eof_received = false;

        // Sending: the peer's window (kept wider than 32 bits to catch an overflowing adjust).
        std::uint64_t peer_window = 0;
        std::uint32_t peer_max_packet = 0;
        bool blocked = false;  ///< send_data() could not take everything: ChannelWritable owed

        // Receiving: local_window + held + unadvertised == window_size at all times, which is
        // what bounds the memory a peer can make us hold per channel.
        std::uint32_t local_window = 0;  ///< bytes the peer may still send
        std::uint32_t held = 0;          ///< delivered to the driver, not yet consumed
        std::uint32_t unadvertised = 0;  ///< consumed, not yet returned by WINDOW_ADJUST

        // Requests.
        Program program = Program::none;
        bool decision_wants_reply = false;  ///< the deciding request's reply heads `owed`
        std::deque<OwedReply> owed;         ///< server: replies owed, in request order
        std::uint32_t awaiting_answers = 0;  ///< client: our want_reply requests not yet answered
    };

    // connection.cpp: dispatch and channel life cycle, data and windows.
    void dispatch(ByteView payload);
    void on_channel_open(ByteView payload);
    void on_open_confirmation(ByteView payload);
    void on_open_failure(ByteView payload);
    void on_window_adjust(ByteView payload);
    void on_data(std::uint32_t channel, ByteView data, bool extended, bool deliver);
    void on_eof(ByteView payload);
    void on_close(ByteView payload);
    void maybe_adjust_window(Channel& channel);
    void send_close(Channel& channel);
    std::optional<std::uint32_t> allocate();
    void release(std::uint32_t id);
    Channel* find(std::uint32_t id) noexcept;
    const Channel* find(std::uint32_t id) const noexcept;
    /// The channel a peer message addresses: it must exist and be confirmed.
    Channel& peer_channel(std::uint32_t id, std::string_view message);
    static void check_peer_max_packet(std::uint32_t maximum_packet, std::string_view message);
    /// Throws ProtocolError(protocol_error, description).
    [[noreturn]] static void fail(const std::string& description);

    // connection_requests.cpp: channel and global requests.
    void on_channel_request(ByteView payload);
    void on_server_channel_request(std::uint32_t id, Channel& channel, const ChannelRequest& request);
    void on_client_channel_request(std::uint32_t id, Channel& channel, const ChannelRequest& request);
    void on_channel_reply(std::uint32_t id, bool success, std::string_view message);
    void on_global_request(ByteView payload);
    void on_global_reply(std::string_view message);
    void owe_reply(Channel& channel, bool decided, bool success);
    void flush_replies(Channel& channel);
    void send_channel_request(std::uint32_t id, std::string_view type, bool want_reply, Bytes type_data,
                              Role required_role);

    Role m_role;
    ConnectionLimits m_limits;
    LayerOutput& m_out;
    std::map<std::uint32_t, Channel> m_channels;  ///< by our id; nodes keep references stable
    std::uint32_t m_next_id = 0;                   ///< where the round-robin search starts
    std::deque<OwnGlobalRequest> m_own_requests;
    unsigned m_unanswered_keepalives = 0;
    bool m_no_more_sessions = false;
};

}  // namespace wharf::ssh
