// Connection: dispatch, channel life cycle (open, EOF, close), data and windows. Channel and
// global requests live in connection_requests.cpp.
#include "protocols/ssh/connection.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "protocols/ssh/disconnect.hpp"

namespace wharf::ssh {

namespace {

std::string channel_text(std::uint32_t id) { return "channel " + std::to_string(id); }

// Channel types we know and refuse on principle (forwarding), as opposed to types we have never
// heard of: RFC 4254 §5.1 wants unknown_channel_type only for the latter.
constexpr std::array<std::string_view, 7> forwarding_channel_types = {
    "direct-tcpip",
    "forwarded-tcpip",
    "x11",
    "auth-agent@openssh.com",
    "direct-streamlocal@openssh.com",
    "forwarded-streamlocal@openssh.com",
    "tun@openssh.com",
};

}  // namespace

Connection::Connection(Role role, ConnectionLimits limits, LayerOutput& out)
    : m_role(role), m_limits(limits), m_out(out) {
    if (m_limits.window_size == 0) throw std::invalid_argument("ConnectionLimits: window_size must not be 0");
    if (m_limits.max_packet == 0) throw std::invalid_argument("ConnectionLimits: max_packet must not be 0");
}

void Connection::fail(const std::string& description) {
    throw ProtocolError(DisconnectReason::protocol_error, description);
}

// ---- input ------------------------------------------------------------------------------------

void Connection::handle(ByteView payload) {
    try {
        dispatch(payload);
    } catch (const DecodeError& e) {
        // A malformed message is a protocol violation like any other: one exception type reaches
        // the engine's catch site.
        fail(e.what());
    }
}

void Connection::dispatch(ByteView payload) {
    const auto number = message_number(payload);
    switch (number) {
    case msg::global_request:
        return on_global_request(payload);
    case msg::request_success:
        (void)RequestSuccess::decode(payload);
        return on_global_reply("REQUEST_SUCCESS");
    case msg::request_failure:
        (void)RequestFailure::decode(payload);
        return on_global_reply("REQUEST_FAILURE");
    case msg::channel_open:
        return on_channel_open(payload);
    case msg::channel_open_confirmation:
        return on_open_confirmation(payload);
    case msg::channel_open_failure:
        return on_open_failure(payload);
    case msg::channel_window_adjust:
        return on_window_adjust(payload);
    case msg::channel_data: {
        const auto data = ChannelData::decode(payload);
        return on_data(data.recipient_channel, data.data, false, true);
    }
    case msg::channel_extended_data: {
        const auto data = ChannelExtendedData::decode(payload);
        // Only stderr is defined for sessions; other types are counted and dropped (as sshd does).
        return on_data(data.recipient_channel, data.data, true,
                       data.data_type == ChannelExtendedData::stderr_data);
    }
    case msg::channel_eof:
        return on_eof(payload);
    case msg::channel_close:
        return on_close(payload);
    case msg::channel_request:
        return on_channel_request(payload);
    case msg::channel_success:
        return on_channel_reply(ChannelSuccess::decode(payload).recipient_channel, true, "CHANNEL_SUCCESS");
    case msg::channel_failure:
        return on_channel_reply(ChannelFailure::decode(payload).recipient_channel, false, "CHANNEL_FAILURE");
    default:
        fail("message " + std::to_string(number) + " is not part of the connection protocol");
    }
}

// ---- opening ----------------------------------------------------------------------------------

void Connection::on_channel_open(ByteView payload) {
    const auto open = ChannelOpen::decode(payload);
    const auto refuse = [&](std::uint32_t reason, std::string description) {
        m_out.send(ChannelOpenFailure{open.sender_channel, reason, std::move(description), ""}.encode());
    };
    if (open.type != "session" || m_role == Role::client) {
        if (open.type == "session") {
            refuse(ChannelOpenFailure::administratively_prohibited, "a client accepts no session channels");
        } else if (std::find(forwarding_channel_types.begin(), forwarding_channel_types.end(), open.type) !=
                   forwarding_channel_types.end()) {
            refuse(ChannelOpenFailure::administratively_prohibited, "forwarding is not permitted");
        } else {
            refuse(ChannelOpenFailure::unknown_channel_type, "unknown channel type");
        }
        return;
    }
    if (!open.type_data.empty()) fail("CHANNEL_OPEN \"session\": unexpected type-specific data");
    if (m_no_more_sessions) {
        // sshd's answer (openssh PROTOCOL 2.2): the client promised no more sessions, so whoever
        // asks for one is not that client's user.
        fail("possible attack: attempt to open a session after additional sessions were disabled");
    }
    check_peer_max_packet(open.maximum_packet, "CHANNEL_OPEN");
    const auto id = allocate();
    if (!id) {
        refuse(ChannelOpenFailure::resource_shortage, "too many channels");
        return;
    }
    Channel& channel = m_channels.at(*id);
    channel.peer_id = open.sender_channel;
    channel.confirmed = true;
    channel.peer_window = open.initial_window;
    channel.peer_max_packet = open.maximum_packet;
    channel.local_window = m_limits.window_size;
    m_out.send(ChannelOpenConfirmation{open.sender_channel, *id, m_limits.window_size, m_limits.max_packet, {}}
                   .encode());
    m_out.emit(ChannelOpened{*id});
}

std::uint32_t Connection::open_session() {
    if (m_role != Role::client) throw std::logic_error("open_session: only a client opens session channels");
    const auto id = allocate();
    if (!id) {
        throw std::runtime_error("open_session: all " + std::to_string(m_limits.max_channels) +
                                 " channels are in use");
    }
    m_channels.at(*id).local_window = m_limits.window_size;
    m_out.send(ChannelOpen{"session", *id, m_limits.window_size, m_limits.max_packet, {}}.encode());
    return *id;
}

void Connection::on_open_confirmation(ByteView payload) {
    const auto confirmation = ChannelOpenConfirmation::decode(payload);
    const auto id = confirmation.recipient_channel;
    Channel* channel = find(id);
    if (channel == nullptr || channel->confirmed) {
        fail("CHANNEL_OPEN_CONFIRMATION for " + channel_text(id) + ", which we are not opening");
    }
    check_peer_max_packet(confirmation.maximum_packet, "CHANNEL_OPEN_CONFIRMATION");
    channel->peer_id = confirmation.sender_channel;
    channel->confirmed = true;
    channel->peer_window = confirmation.initial_window;
    channel->peer_max_packet = confirmation.maximum_packet;
    if (channel->close_when_confirmed) {
        send_close(*channel);  // the driver gave up on it while it was opening
        return;
    }
    m_out.emit(ChannelOpened{id});
}

void Connection::on_open_failure(ByteView payload) {
    auto failure = ChannelOpenFailure::decode(payload);
    const auto id = failure.recipient_channel;
    const Channel* channel = find(id);
    if (channel == nullptr || channel->confirmed) {
        fail("CHANNEL_OPEN_FAILURE for " + channel_text(id) + ", which we are not opening");
    }
    const bool closed_by_driver = channel->close_when_confirmed;
    release(id);
    if (closed_by_driver) {
        m_out.emit(ChannelClosed{id});
    } else {
        m_out.emit(ChannelOpenRefused{id, failure.reason, std::move(failure.description)});
    }
}

void Connection::check_peer_max_packet(std::uint32_t maximum_packet, std::string_view message) {
    // A peer maximum that cannot hold one byte of extended data would leave the channel unable
    // to send anything, forever: treat it as the nonsense it is (Go's mux refuses it too).
    if (maximum_packet <= channel_data_overhead + 4) {
        fail(std::string(message) + ": maximum packet size " + std::to_string(maximum_packet) +
             " leaves no room for data");
    }
}

// ---- data and windows -------------------------------------------------------------------------

std::size_t Connection::send_data(std::uint32_t id, ByteView data, bool extended) {
    Channel* channel = find(id);
    if (channel == nullptr) return 0;
    if (channel->eof_sent || channel->close_sent || channel->close_when_confirmed) {
        throw std::logic_error("send_data on " + channel_text(id) + " after our EOF or CLOSE");
    }
    if (!channel->confirmed) return 0;  // ChannelOpened tells the driver when to start

    const std::size_t overhead = channel_data_overhead + (extended ? 4 : 0);
    const std::size_t chunk_limit = std::min<std::size_t>(max_data_chunk, channel->peer_max_packet - overhead);
    std::size_t sent = 0;
    while (sent < data.size() && channel->peer_window > 0) {
        const std::size_t n = std::min({data.size() - sent, chunk_limit, static_cast<std::size_t>(channel->peer_window)});
        const ByteView chunk = data.subspan(sent, n);
        // The message header apart from the data, so the data is copied once, into the packet.
        Writer header;
        header.byte(extended ? msg::channel_extended_data : msg::channel_data).uint32(channel->peer_id);
        if (extended) header.uint32(ChannelExtendedData::stderr_data);
        header.uint32(static_cast<std::uint32_t>(n));
        m_out.send(header.bytes(), chunk);
        channel->peer_window -= n;
        sent += n;
    }
    if (sent < data.size()) channel->blocked = true;
    return sent;
}

void Connection::on_window_adjust(ByteView payload) {
    const auto adjust = ChannelWindowAdjust::decode(payload);
    const auto id = adjust.recipient_channel;
    Channel& channel = peer_channel(id, "CHANNEL_WINDOW_ADJUST");
    const std::uint64_t window = channel.peer_window + adjust.bytes_to_add;
    if (window > std::numeric_limits<std::uint32_t>::max()) {
        fail("CHANNEL_WINDOW_ADJUST on " + channel_text(id) + " grows the window to " + std::to_string(window) +
             ", beyond 2^32-1");
    }
    channel.peer_window = window;
    if (channel.blocked && adjust.bytes_to_add > 0 && !channel.eof_sent && !channel.close_sent) {
        channel.blocked = false;
        m_out.emit(ChannelWritable{id});
    }
}

void Connection::on_data(std::uint32_t id, ByteView data, bool extended, bool deliver) {
    const std::string message = extended ? "CHANNEL_EXTENDED_DATA" : "CHANNEL_DATA";
    Channel& channel = peer_channel(id, message);
    if (channel.eof_received) fail(message + " on " + channel_text(id) + " after its EOF");
    if (data.size() > m_limits.max_packet) {
        fail(message + " on " + channel_text(id) + " carries " + std::to_string(data.size()) +
             " bytes, more than our maximum packet " + std::to_string(m_limits.max_packet));
    }
    if (data.size() > channel.local_window) {
        fail(message + " on " + channel_text(id) + " carries " + std::to_string(data.size()) +
             " bytes, beyond the window of " + std::to_string(channel.local_window));
    }
    const auto size = static_cast<std::uint32_t>(data.size());
    channel.local_window -= size;
    if (channel.close_sent || !deliver) {
        // Data the peer sent before it saw our CLOSE, or of a type nobody reads: count it as
        // consumed so the window arithmetic stays whole.
        channel.unadvertised += size;
        maybe_adjust_window(channel);
        return;
    }
    channel.held += size;
    m_out.emit(ChannelDataReceived{id, Bytes(data.begin(), data.end()), extended});
}

void Connection::consume(std::uint32_t id, std::size_t bytes) {
    Channel* channel = find(id);
    if (channel == nullptr) return;
    if (bytes > channel->held) {
        throw std::invalid_argument("consume(" + std::to_string(bytes) + ") on " + channel_text(id) + ": only " +
                                    std::to_string(channel->held) + " bytes are unconsumed");
    }
    const auto n = static_cast<std::uint32_t>(bytes);
    channel->held -= n;
    channel->unadvertised += n;
    maybe_adjust_window(*channel);
}

void Connection::maybe_adjust_window(Channel& channel) {
    // Credit the peer can no longer use is not worth a packet.
    if (channel.eof_received || channel.close_sent) return;
    // An eighth of the window per adjust: a handful of small packets per window, and a busy
    // machine's late adjust still leaves the peer most of a window to send on.
    const std::uint32_t threshold = std::max<std::uint32_t>(1, m_limits.window_size / 8);
    if (channel.unadvertised < threshold) return;
    m_out.send(ChannelWindowAdjust{channel.peer_id, channel.unadvertised}.encode());
    channel.local_window += channel.unadvertised;
    channel.unadvertised = 0;
}

// ---- EOF and close ----------------------------------------------------------------------------

void Connection::send_eof(std::uint32_t id) {
    Channel* channel = find(id);
    if (channel == nullptr) return;
    if (!channel->confirmed) throw std::logic_error("send_eof on " + channel_text(id) + " before it is open");
    if (channel->eof_sent || channel->close_sent) return;
    m_out.send(ChannelEof{channel->peer_id}.encode());
    channel->eof_sent = true;
}

void Connection::close(std::uint32_t id) {
    Channel* channel = find(id);
    if (channel == nullptr || channel->close_sent) return;
    if (!channel->confirmed) {
        channel->close_when_confirmed = true;  // no peer id to address yet
        return;
    }
    send_close(*channel);
}

void Connection::close_all() {
    // close() never erases, so iterating while it runs is safe.
    for (const auto& entry : m_channels) close(entry.first);
}

void Connection::send_close(Channel& channel) {
    m_out.send(ChannelClose{channel.peer_id}.encode());
    channel.close_sent = true;
    // Nothing more goes out on the channel, replies included (sshd checks CHAN_CLOSE_SENT).
    channel.owed.clear();
    channel.decision_wants_reply = false;
}

void Connection::on_eof(ByteView payload) {
    const auto id = ChannelEof::decode(payload).recipient_channel;
    Channel& channel = peer_channel(id, "CHANNEL_EOF");
    if (channel.eof_received) fail("second CHANNEL_EOF on " + channel_text(id));
    channel.eof_received = true;
    if (!channel.close_sent) m_out.emit(ChannelEofReceived{id});
}

void Connection::on_close(ByteView payload) {
    const auto id = ChannelClose::decode(payload).recipient_channel;
    Channel& channel = peer_channel(id, "CHANNEL_CLOSE");
    if (!channel.close_sent) send_close(channel);  // RFC 4254 §5.3: MUST answer with CLOSE
    release(id);
    m_out.emit(ChannelClosed{id});
}

// ---- channel table ----------------------------------------------------------------------------

std::optional<std::uint32_t> Connection::allocate() {
    if (m_channels.size() >= m_limits.max_channels) return std::nullopt;
    // Round-robin below max_channels (see the header): a free id exists, so the search ends.
    const auto next = [this](std::uint32_t id) { return id + 1 >= m_limits.max_channels ? 0 : id + 1; };
    std::uint32_t id = m_next_id;
    while (m_channels.contains(id)) id = next(id);
    m_next_id = next(id);
    m_channels.emplace(id, Channel{});
    return id;
}

void Connection::release(std::uint32_t id) { m_channels.erase(id); }

Connection::Channel* Connection::find(std::uint32_t id) noexcept {
    const auto it = m_channels.find(id);
    return it == m_channels.end() ? nullptr : &it->second;
}

const Connection::Channel* Connection::find(std::uint32_t id) const noexcept {
    const auto it = m_channels.find(id);
    return it == m_channels.end() ? nullptr : &it->second;
}

Connection::Channel& Connection::peer_channel(std::uint32_t id, std::string_view message) {
    Channel* channel = find(id);
    if (channel == nullptr) fail(std::string(message) + " for unknown " + channel_text(id));
    if (!channel->confirmed) fail(std::string(message) + " for " + channel_text(id) + " before it was confirmed");
    return *channel;
}

// ---- getters ----------------------------------------------------------------------------------

bool Connection::has_channels() const noexcept { return !m_channels.empty(); }

bool Connection::is_open(std::uint32_t id) const noexcept {
    const Channel* channel = find(id);
    return channel != nullptr && channel->confirmed && !channel->close_sent;
}

std::size_t Connection::writable(std::uint32_t id) const noexcept {
    const Channel* channel = find(id);
    if (channel == nullptr || !channel->confirmed || channel->eof_sent || channel->close_sent) return 0;
    return static_cast<std::size_t>(channel->peer_window);
}

}  // namespace wharf::ssh
