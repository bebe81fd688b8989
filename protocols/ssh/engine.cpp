// The engine's core: input dispatch, output, errors and timers. Key exchange driving is in
// engine_kex.cpp; the driver-facing forwarders to the layers are at the end of this file.
#include "protocols/ssh/engine.hpp"

#include <botan/rng.h>

#include <algorithm>

#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/signature.hpp"

namespace wharf::ssh {

namespace {

// Messages a peer may send after its first NEWKEYS while ours is still pending: EXT_INFO and
// little else in practice; anything beyond this many is a flood.
constexpr std::size_t max_deferred_messages = 16;

bool in_range(std::uint8_t number, std::uint8_t first, std::uint8_t last) { return number >= first && number <= last; }

bool is_transport_generic(std::uint8_t number) {
    return number == msg::disconnect || number == msg::ignore || number == msg::unimplemented || number == msg::debug;
}

bool is_kex_message(std::uint8_t number) {
    return number == msg::kexinit || number == msg::newkeys || in_range(number, msg::kex_first, msg::kex_last);
}

// The host key algorithms a server can honour: our preference, limited to keys we hold.
std::vector<std::string> servable_host_key_algorithms(const std::vector<std::string>& preferred,
                                                      const std::vector<PrivateKey>& keys) {
    std::vector<std::string> result;
    for (const auto& algorithm : preferred) {
        const bool have = std::any_of(keys.begin(), keys.end(), [&](const PrivateKey& key) {
            const auto algorithms = signature_algorithms_for(key.type());
            return std::find(algorithms.begin(), algorithms.end(), algorithm) != algorithms.end();
        });
        if (have) result.push_back(algorithm);
    }
    return result;
}

}  // namespace

Engine::Engine(EngineConfig config, Botan::RandomNumberGenerator& rng, TimePoint now)
    : m_config(std::move(config)),
      m_rng(rng),
      m_version(m_config.role, m_config.version, m_config.accepted_versions),
      m_transport(rng, m_config.transport),
      m_version_out(m_version.our_line()),
      m_started(now),
      m_last_received(now),
      m_last_channel_activity(now),
      m_last_keepalive(now) {
    if (m_config.role == Role::server) {
        if (m_config.host_keys.empty()) throw std::invalid_argument("ssh server needs at least one host key");
        m_config.algorithms.host_keys = servable_host_key_algorithms(m_config.algorithms.host_keys, m_config.host_keys);
        if (m_config.algorithms.host_keys.empty()) {
            throw std::invalid_argument("no configured host key algorithm matches a loaded host key");
        }
    }
    // Our KEXINIT goes out right behind the version line, as OpenSSH does: one round trip saved.
    start_kex(now);
}

Engine::~Engine() = default;

template <class F>
void Engine::guarded(F&& step) {
    if (m_closed) return;
    try {
        step();
    } catch (const ProtocolError& e) {
        fail(e.reason(), e.what());
    } catch (const DecodeError& e) {
        fail(DisconnectReason::protocol_error, e.what());
    } catch (const std::exception& e) {
        // Anything else that escaped a layer on peer input is still the peer's doing (Botan
        // rejects a malformed value, say); end the connection, never the process.
        fail(DisconnectReason::protocol_error, std::string("internal error: ") + e.what());
    }
}

std::size_t Engine::receive(ByteView bytes, TimePoint now) {
    const auto offered = bytes.size();
    if (m_closed) return offered;
    m_total_in.bytes += offered;
    guarded([&] {
        if (!m_version.done()) {
            const auto used = m_version.receive(bytes);
            bytes = bytes.subspan(used);
            if (!m_version.done()) return;
            emit(VersionReceived{m_version.peer()});
        }
        while (!bytes.empty() && !m_closed) {
            const auto taken = m_transport.receive(bytes);
            bytes = bytes.subspan(taken);
            process_input(now);
            if (taken == 0 && !bytes.empty() && m_transport.receive_capacity() == 0) {
                throw ProtocolError(DisconnectReason::protocol_error, "input buffer full without a complete packet");
            }
        }
        check_rekey(now);
    });
    return offered;  // everything is buffered or processed; a closed engine discards the rest
}

void Engine::receive_eof(TimePoint) {
    if (m_closed) return;
    emit(Disconnected{DisconnectReason::connection_lost, "connection closed by peer", true});
    m_closed = true;
}

void Engine::process_input(TimePoint now) {
    while (!m_closed) {
        auto payload = m_transport.next_packet();
        if (!payload) return;
        ++m_total_in.packets;
        m_last_received = now;
        dispatch(std::move(*payload), now);
        check_rekey(now);  // per packet, so one large read cannot carry us past the limit
    }
}

void Engine::dispatch(Bytes payload, TimePoint now) {
    const auto number = message_number(payload);
    const bool initial_kex = m_kex_count == 0;
    if (m_ignore_next_kex_packet && in_range(number, msg::kex_first, msg::kex_last)) {
        m_ignore_next_kex_packet = false;  // RFC 4253 §7: the peer's wrong guess is dropped
        return;
    }
    if (number != msg::kexinit && initial_kex && m_peer_kexinit.empty()) ++m_packets_before_kexinit;
    // The peer finished its half of the first exchange (NEWKEYS) while we still have ours to do
    // (a client waiting on its host key decision): what it sends next (EXT_INFO, say) is legal,
    // and is handled once our half is done.
    if (initial_kex && m_peer_newkeys && !is_kex_message(number)) {
        if (m_deferred_input.size() >= max_deferred_messages) {
            throw ProtocolError(DisconnectReason::protocol_error, "too many messages before our NEWKEYS");
        }
        m_deferred_input.push_back(std::move(payload));
        return;
    }
    if (m_strict_kex && initial_kex && !is_kex_message(number)) {
        throw ProtocolError(DisconnectReason::protocol_error,
                            "strict KEX: message " + std::to_string(number) + " during the initial key exchange");
    }
    if (m_peer_in_kex && !is_kex_message(number) && !is_transport_generic(number)) {
        throw ProtocolError(DisconnectReason::protocol_error,
                            "message " + std::to_string(number) + " between KEXINIT and NEWKEYS");
    }
    if (is_transport_generic(number)) return handle_transport_message(number, payload);
    if (number == msg::kexinit) return on_peer_kexinit(std::move(payload), now);
    if (number == msg::newkeys) return on_peer_newkeys(now);
    if (in_range(number, msg::kex_first, msg::kex_last)) return on_kex_message(payload, now);
    if (initial_kex) {
        throw ProtocolError(DisconnectReason::protocol_error,
                            "message " + std::to_string(number) + " before the key exchange finished");
    }
    if (number == msg::service_request || number == msg::service_accept || number == msg::ext_info ||
        in_range(number, msg::userauth_request, 79)) {
        return handle_service_or_auth(number, payload, now);
    }
    if (in_range(number, msg::global_request, 127)) {
        if (!m_connection) {
            throw ProtocolError(DisconnectReason::protocol_error,
                                "connection message " + std::to_string(number) + " before authentication");
        }
        if (in_range(number, msg::channel_window_adjust, msg::channel_extended_data)) m_last_channel_activity = now;
        m_connection->handle(payload);
        return;
    }
    // RFC 4253 §11.4: answer what we do not know with its sequence number.
    send(Unimplemented{m_transport.incoming_sequence() - 1}.encode());
}

void Engine::handle_transport_message(std::uint8_t number, ByteView payload) {
    switch (number) {
        case msg::disconnect: {
            const auto goodbye = Disconnect::decode(payload);
            emit(Disconnected{static_cast<DisconnectReason>(goodbye.reason), goodbye.description, true});
            m_closed = true;
            return;
        }
        case msg::ignore:
        case msg::debug:
        case msg::unimplemented:
            return;  // valid at any time; nothing to do (DEBUG text is the peer's to show)
        default:
            return;
    }
}

void Engine::handle_service_or_auth(std::uint8_t number, ByteView payload, TimePoint now) {
    if (m_config.role == Role::server) {
        if (number == msg::ext_info) return;  // we never asked for one (no ext-info-s from us)
        if (!m_server_auth) throw ProtocolError(DisconnectReason::protocol_error, "authentication not ready");
        m_server_auth->handle(payload, now);
        if (!m_authenticated && m_server_auth->authenticated()) on_authenticated(now);
        return;
    }
    if (!m_client_auth) throw ProtocolError(DisconnectReason::protocol_error, "unexpected authentication message");
    if (number == msg::ext_info) {
        m_client_auth->on_ext_info(ExtInfo::decode(payload));
        return;
    }
    m_client_auth->handle(payload, now);
    if (!m_authenticated && m_client_auth->authenticated()) on_authenticated(now);
}

void Engine::on_authenticated(TimePoint now) {
    m_authenticated = true;
    // zlib@openssh.com starts right after USERAUTH_SUCCESS; if a KEX holds that message back,
    // compression starts when the queue is flushed (flush_queue).
    if (m_queued.empty()) {
        m_transport.enable_delayed_compression();
    } else {
        m_compression_after_flush = true;
    }
    m_connection = std::make_unique<Connection>(m_config.role, m_config.connection, layer_output());
    m_last_channel_activity = now;
    m_last_keepalive = now;
}

void Engine::send(Bytes payload) {
    if (m_closed) return;
    if (kex_in_progress()) {
        m_queued_bytes += payload.size();
        m_queued.push_back(std::move(payload));
        return;
    }
    send_now(payload);
}

void Engine::send(ByteView head, ByteView body) {
    if (m_closed) return;
    if (kex_in_progress()) {  // queued payloads must own their bytes
        LayerOutput::send(head, body);
        return;
    }
    m_transport.send_packet(head, body);
    ++m_total_out.packets;
}

void Engine::emit(Event event) { m_events.push_back(std::move(event)); }

void Engine::send_now(ByteView payload) {
    m_transport.send_packet(payload);
    ++m_total_out.packets;
}

void Engine::flush_queue() {
    while (!m_queued.empty()) {
        send_now(m_queued.front());
        m_queued.pop_front();
    }
    m_queued_bytes = 0;
    if (m_compression_after_flush) {
        m_transport.enable_delayed_compression();
        m_compression_after_flush = false;
    }
    for (const auto channel : m_refused_channels) emit(ChannelWritable{channel});
    m_refused_channels.clear();
}

void Engine::fail(DisconnectReason reason, const std::string& description) {
    if (m_closed) return;
    if (!m_version.done()) {
        // The peer never spoke SSH: a binary DISCONNECT would be noise to it. Say it in text,
        // as OpenSSH does, and drop our unread KEXINIT.
        m_transport.consume_output(m_transport.output_size());
        const std::string line = "Invalid SSH identification string: " + description + "\r\n";
        m_version_out.insert(m_version_out.end(), line.begin(), line.end());
        emit(Disconnected{reason, description, false});
        m_closed = true;
        return;
    }
    try {
        send_now(Disconnect{static_cast<std::uint32_t>(reason), description.substr(0, 256), ""}.encode());
    } catch (const std::exception&) {
        // The transport may itself be what failed; the socket closes either way.
    }
    emit(Disconnected{reason, description, false});
    m_closed = true;
}

void Engine::disconnect(DisconnectReason reason, const std::string& description) { fail(reason, description); }

std::optional<Event> Engine::next_event() {
    if (m_events.empty()) return std::nullopt;
    auto event = std::move(m_events.front());
    m_events.pop_front();
    return event;
}

ByteView Engine::pending_output() const noexcept {
    if (!m_version_out.empty()) return m_version_out;
    return m_transport.pending_output();
}

void Engine::consume_output(std::size_t n) {
    m_total_out.bytes += n;
    if (!m_version_out.empty()) {
        const auto from_version = std::min(n, m_version_out.size());
        m_version_out.erase(m_version_out.begin(), m_version_out.begin() + static_cast<std::ptrdiff_t>(from_version));
        n -= from_version;
        if (n == 0) return;
    }
    m_transport.consume_output(n);
}

Bytes Engine::take_output(Bytes spare) {
    Bytes out;
    if (!m_version_out.empty()) {
        out.swap(m_version_out);  // the identification line goes out on its own
    } else {
        out = m_transport.take_output(std::move(spare));
    }
    m_total_out.bytes += out.size();
    return out;
}

std::size_t Engine::output_size() const noexcept { return m_version_out.size() + m_transport.output_size(); }

std::optional<TimePoint> Engine::next_deadline() const {
    if (m_closed) return std::nullopt;
    std::optional<TimePoint> earliest;
    const auto consider = [&](TimePoint t) {
        if (!earliest || t < *earliest) earliest = t;
    };
    if (m_config.role == Role::server && !m_authenticated && m_config.login_grace_time.count() > 0) {
        consider(m_started + m_config.login_grace_time);
    }
    if (m_authenticated && m_config.idle_timeout.count() > 0) consider(m_last_channel_activity + m_config.idle_timeout);
    if (m_connection && m_config.keepalive_interval.count() > 0) {
        consider(std::max(m_last_received, m_last_keepalive) + m_config.keepalive_interval);
    }
    if (m_kex_count > 0 && !kex_in_progress() && m_config.rekey_interval.count() > 0) {
        consider(m_last_kex_time + m_config.rekey_interval);
    }
    if (m_server_auth) {
        if (const auto auth = m_server_auth->next_deadline()) consider(*auth);
    }
    return earliest;
}

void Engine::on_timeout(TimePoint now) {
    guarded([&] {
        if (m_config.role == Role::server && !m_authenticated && m_config.login_grace_time.count() > 0 &&
            now >= m_started + m_config.login_grace_time) {
            throw ProtocolError(DisconnectReason::by_application, "login grace time exceeded");
        }
        if (m_authenticated && m_config.idle_timeout.count() > 0 &&
            now >= m_last_channel_activity + m_config.idle_timeout) {
            throw ProtocolError(DisconnectReason::by_application, "idle timeout");
        }
        if (m_connection && m_config.keepalive_interval.count() > 0 &&
            now >= std::max(m_last_received, m_last_keepalive) + m_config.keepalive_interval) {
            if (m_connection->unanswered_keepalives() >= m_config.keepalive_count_max) {
                throw ProtocolError(DisconnectReason::connection_lost, "no answer to keepalives");
            }
            m_connection->send_keepalive();
            m_last_keepalive = now;
        }
        if (m_server_auth) m_server_auth->on_timeout(now);
        if (m_kex_count > 0 && !kex_in_progress() && m_config.rekey_interval.count() > 0 &&
            now >= m_last_kex_time + m_config.rekey_interval) {
            start_kex(now);
        }
    });
}

// ---- decisions and actions -------------------------------------------------------------------

void Engine::auth_decision(std::uint64_t request_id, AuthDecision decision, TimePoint now) {
    guarded([&] {
        if (!m_server_auth) return;
        m_server_auth->decide(request_id, std::move(decision), now);
        if (!m_authenticated && m_server_auth->authenticated()) on_authenticated(now);
    });
}

void Engine::host_key_decision(bool trusted, TimePoint now) {
    guarded([&] {
        if (m_kex_state != KexState::waiting_host_key) return;
        if (!trusted) {
            throw ProtocolError(DisconnectReason::host_key_not_verifiable, "host key not trusted");
        }
        send_newkeys(now);
    });
}

void Engine::answer_prompts(std::vector<std::string> responses, TimePoint now) {
    guarded([&] {
        if (m_client_auth) m_client_auth->answer_prompts(std::move(responses), now);
    });
}

void Engine::reply_channel_request(std::uint32_t channel, bool accepted) {
    guarded([&] {
        if (m_connection) m_connection->reply_channel_request(channel, accepted);
    });
}

std::size_t Engine::send_data(std::uint32_t channel, ByteView data, bool extended) {
    if (m_closed || !m_connection) return 0;
    if (kex_in_progress() && m_queued_bytes >= m_config.max_queued_during_kex) {
        m_refused_channels.insert(channel);  // told ChannelWritable when the KEX is over
        return 0;
    }
    std::size_t taken = 0;
    guarded([&] { taken = m_connection->send_data(channel, data, extended); });
    guarded([&] { check_rekey(m_last_received); });
    return taken;
}

void Engine::consume(std::uint32_t channel, std::size_t n) {
    guarded([&] {
        if (m_connection) m_connection->consume(channel, n);
    });
}

void Engine::send_eof(std::uint32_t channel) {
    guarded([&] {
        if (m_connection) m_connection->send_eof(channel);
    });
}

void Engine::close_channel(std::uint32_t channel) {
    guarded([&] {
        if (m_connection) m_connection->close(channel);
    });
}

void Engine::send_exit_status(std::uint32_t channel, std::uint32_t status) {
    guarded([&] {
        if (m_connection) m_connection->send_exit_status(channel, status);
    });
}

std::uint32_t Engine::open_session() {
    std::uint32_t channel = 0;
    guarded([&] {
        if (!m_connection) throw std::logic_error("open_session before authentication");
        channel = m_connection->open_session();
    });
    return channel;
}

void Engine::request_subsystem(std::uint32_t channel, const std::string& name) {
    guarded([&] {
        if (m_connection) m_connection->request_subsystem(channel, name);
    });
}

void Engine::request_exec(std::uint32_t channel, const std::string& command) {
    guarded([&] {
        if (m_connection) m_connection->request_exec(channel, command);
    });
}

void Engine::request_rekey(TimePoint now) {
    guarded([&] {
        if (m_kex_count > 0 && !kex_in_progress()) start_kex(now);
    });
}

}  // namespace wharf::ssh
