// Connection: channel requests (RFC 4254 §5.4, §6) and global requests (§4), both directions.
#include "protocols/ssh/connection.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace wharf::ssh {

namespace {

std::string channel_text(std::uint32_t id) { return "channel " + std::to_string(id); }

constexpr std::string_view keepalive_request = "keepalive@openssh.com";
constexpr std::string_view no_more_sessions_request = "no-more-sessions@openssh.com";
constexpr std::string_view eow_request = "eow@openssh.com";

// The one string an "exec" or "subsystem" request carries; nothing may follow it.
std::string read_single_string(const ChannelRequest& request, std::string_view field) {
    Reader reader("CHANNEL_REQUEST \"" + request.type + "\"", request.type_data);
    auto value = reader.text(field);
    reader.expect_end();
    return value;
}

}  // namespace

// ---- channel requests from the peer -----------------------------------------------------------

void Connection::on_channel_request(ByteView payload) {
    const auto request = ChannelRequest::decode(payload);
    const auto id = request.recipient_channel;
    Channel& channel = peer_channel(id, "CHANNEL_REQUEST");
    // The peer sent it before it saw our CLOSE: sshd neither acts on it nor answers.
    if (channel.close_sent) return;
    if (m_role == Role::server) {
        on_server_channel_request(id, channel, request);
    } else {
        on_client_channel_request(id, channel, request);
    }
}

void Connection::on_server_channel_request(std::uint32_t id, Channel& channel, const ChannelRequest& request) {
    if (request.type == "exec" || request.type == "subsystem") {
        auto name = read_single_string(request, request.type == "exec" ? "command" : "subsystem name");
        if (channel.program != Program::none) {
            // RFC 4254 §6.5: one program per channel. While the driver decides the first, a
            // second could only race it, so it is refused too.
            if (request.want_reply) owe_reply(channel, true, false);
            return;
        }
        channel.program = Program::deciding;
        channel.decision_wants_reply = request.want_reply;
        // Undecided until reply_channel_request(); replies to later requests queue behind it.
        if (request.want_reply) owe_reply(channel, false, false);
        m_out.emit(ChannelRequested{id, request.type, std::move(name)});
        return;
    }
    // eow@openssh.com asks us to stop writing; accepting it quietly is enough, as the driver
    // learns the same from EOF or CLOSE soon after. Everything else (env, pty-req, shell,
    // x11-req, auth-agent-req@openssh.com, window-change, signal, break, xon-xoff, unknown) is
    // refused: wharf runs no shells, forwards nothing and passes no environment.
    const bool accepted = request.type == eow_request;
    if (request.want_reply) owe_reply(channel, true, accepted);
}

void Connection::on_client_channel_request(std::uint32_t id, Channel& channel, const ChannelRequest& request) {
    bool accepted = true;
    if (request.type == "exit-status") {
        Reader reader("CHANNEL_REQUEST \"exit-status\"", request.type_data);
        const auto status = reader.uint32("exit status");
        reader.expect_end();
        m_out.emit(ChannelExitStatus{id, status, {}});
    } else if (request.type == "exit-signal") {
        Reader reader("CHANNEL_REQUEST \"exit-signal\"", request.type_data);
        auto signal = reader.text("signal name");
        (void)reader.boolean("core dumped");
        (void)reader.text("error message");
        // Some servers leave out the language tag; tolerate that, as for DISCONNECT.
        if (!reader.at_end()) (void)reader.text("language tag");
        reader.expect_end();
        m_out.emit(ChannelExitStatus{id, std::nullopt, std::move(signal)});
    } else {
        // eow@openssh.com is accepted; the rest, sshd's channel keepalive@openssh.com included,
        // is refused, which is the answer sshd expects.
        accepted = request.type == eow_request;
    }
    if (request.want_reply) owe_reply(channel, true, accepted);
}

void Connection::owe_reply(Channel& channel, bool decided, bool success) {
    // Only requests behind an undecided one wait here; a peer piling them up is flooding us.
    if (channel.owed.size() >= max_pending_replies) {
        fail("more than " + std::to_string(max_pending_replies) + " channel requests await a reply");
    }
    channel.owed.push_back(OwedReply{decided, success});
    flush_replies(channel);
}

void Connection::flush_replies(Channel& channel) {
    // RFC 4254 §4: replies on one channel leave in request order, so a decided reply waits for
    // every reply before it.
    while (!channel.owed.empty() && channel.owed.front().decided) {
        if (channel.owed.front().success) {
            m_out.send(ChannelSuccess{channel.peer_id}.encode());
        } else {
            m_out.send(ChannelFailure{channel.peer_id}.encode());
        }
        channel.owed.pop_front();
    }
}

void Connection::reply_channel_request(std::uint32_t id, bool accepted) {
    if (m_role != Role::server) throw std::logic_error("reply_channel_request: only a server answers requests");
    Channel* channel = find(id);
    if (channel == nullptr || channel->close_sent) return;  // the channel went away meanwhile
    if (channel->program != Program::deciding) {
        throw std::logic_error("reply_channel_request: no request on " + channel_text(id) + " awaits a decision");
    }
    channel->program = accepted ? Program::running : Program::none;
    if (channel->decision_wants_reply) {
        channel->decision_wants_reply = false;
        // The undecided reply is always at the front: everything before it was flushed.
        channel->owed.front() = OwedReply{true, accepted};
        flush_replies(*channel);
    }
}

// ---- replies to our channel requests ----------------------------------------------------------

void Connection::on_channel_reply(std::uint32_t id, bool success, std::string_view message) {
    Channel& channel = peer_channel(id, message);
    if (channel.awaiting_answers == 0) {
        fail(std::string(message) + " on " + channel_text(id) + ", which has no request awaiting a reply");
    }
    --channel.awaiting_answers;
    if (!channel.close_sent) m_out.emit(ChannelRequestAnswered{id, success});
}

// ---- channel requests we send -----------------------------------------------------------------

void Connection::send_channel_request(std::uint32_t id, std::string_view type, bool want_reply, Bytes type_data,
                                      Role required_role) {
    if (m_role != required_role) {
        throw std::logic_error("\"" + std::string(type) + "\" requests are not sent by a " +
                               (m_role == Role::server ? "server" : "client"));
    }
    Channel* channel = find(id);
    if (channel == nullptr || channel->close_sent || channel->close_when_confirmed) return;
    if (!channel->confirmed) {
        throw std::logic_error("\"" + std::string(type) + "\" on " + channel_text(id) + " before it is open");
    }
    if (want_reply) ++channel->awaiting_answers;
    m_out.send(ChannelRequest{channel->peer_id, std::string(type), want_reply, std::move(type_data)}.encode());
}

void Connection::request_subsystem(std::uint32_t channel, std::string_view name) {
    send_channel_request(channel, "subsystem", true, Writer{}.string(name).take(), Role::client);
}

void Connection::request_exec(std::uint32_t channel, std::string_view command) {
    send_channel_request(channel, "exec", true, Writer{}.string(command).take(), Role::client);
}

void Connection::request_env(std::uint32_t channel, std::string_view name, std::string_view value) {
    send_channel_request(channel, "env", false, Writer{}.string(name).string(value).take(), Role::client);
}

void Connection::send_exit_status(std::uint32_t channel, std::uint32_t status) {
    send_channel_request(channel, "exit-status", false, Writer{}.uint32(status).take(), Role::server);
}

void Connection::send_exit_signal(std::uint32_t channel, std::string_view name, bool core_dumped,
                                  std::string_view message) {
    send_channel_request(channel, "exit-signal", false,
                         Writer{}.string(name).boolean(core_dumped).string(message).string("").take(),
                         Role::server);
}

// ---- global requests ------------------------------------------------------------------------

void Connection::on_global_request(ByteView payload) {
    const auto request = GlobalRequest::decode(payload);
    bool success = false;
    if (m_role == Role::server && request.name == no_more_sessions_request) {
        m_no_more_sessions = true;
        success = true;  // sshd answers it with success
    }
    // keepalive@openssh.com gets REQUEST_FAILURE like every request we do not implement
    // (tcpip-forward, cancel-tcpip-forward, hostkeys-prove-00@openssh.com, ...): that is what
    // sshd and ssh answer, and both count any reply as a sign of life.
    if (!request.want_reply) return;
    if (success) {
        m_out.send(RequestSuccess{}.encode());
    } else {
        m_out.send(RequestFailure{}.encode());
    }
}

void Connection::on_global_reply(std::string_view message) {
    if (m_own_requests.empty()) fail(std::string(message) + " with no global request outstanding");
    m_own_requests.pop_front();
    m_unanswered_keepalives = 0;  // any answer proves the peer alive
}

void Connection::send_keepalive() {
    m_own_requests.push_back(OwnGlobalRequest::keepalive);
    ++m_unanswered_keepalives;
    m_out.send(GlobalRequest{std::string(keepalive_request), true, {}}.encode());
}

}  // namespace wharf::ssh
