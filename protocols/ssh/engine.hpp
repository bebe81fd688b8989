// The SSH engine: one connection, either role, sans-I/O (h11 / quinn-proto shape).
//
//   inputs     receive(bytes, now), receive_eof(now), on_timeout(now)
//   outputs    pending_output() / consume_output(n), next_event(), next_deadline()
//   decisions  auth_decision(), host_key_decision(), answer_prompts(), reply_channel_request()
//   actions    send_data(), consume(), send_eof(), close_channel(), send_exit_status(),
//              open_session(), request_subsystem(), request_exec(), request_rekey(), disconnect()
//
// A driver feeds bytes in, drains events, writes pending output, and arms one timer at
// next_deadline(). The engine owns the version exchange, the transport, key exchanges
// (initial, rekeys, strict KEX), and creates the authentication and connection layers as the
// protocol reaches them. Every peer error ends in one place: a DISCONNECT with the right
// reason and a Disconnected event; nothing throws out of receive() or on_timeout().
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/ssh/auth_client.hpp"
#include "protocols/ssh/auth_server.hpp"
#include "protocols/ssh/connection.hpp"
#include "protocols/ssh/events.hpp"
#include "protocols/ssh/kex.hpp"
#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/layer.hpp"
#include "protocols/ssh/transport.hpp"
#include "protocols/ssh/version.hpp"

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct EngineConfig {
    Role role = Role::server;
    std::string version = "SSH-2.0-wharf";  ///< our identification line, without CR LF
    std::vector<std::string> accepted_versions{"SSH-2.0-*", "SSH-1.99-*"};
    AlgorithmPreferences algorithms = default_algorithm_preferences();
    StrictKexMode strict_kex = StrictKexMode::on;
    TransportLimits transport;
    std::uint64_t rekey_bytes = std::uint64_t{1} << 30;  ///< either direction; 0: never by volume
    std::chrono::milliseconds rekey_interval = std::chrono::hours(1);  ///< 0: never by time
    std::chrono::milliseconds keepalive_interval{0};  ///< 0: no keepalives
    unsigned keepalive_count_max = 3;
    std::chrono::milliseconds idle_timeout{0};  ///< no channel traffic for this long ends it; 0: off
    std::chrono::milliseconds login_grace_time = std::chrono::seconds(120);  ///< server; 0: off
    std::size_t max_queued_during_kex = 4 * 1024 * 1024;  ///< bytes of layer payloads held during KEX
    ConnectionLimits connection;
    // Server role.
    std::vector<PrivateKey> host_keys;
    const ModuliFile* moduli = nullptr;
    ServerAuthConfig server_auth;
    // Client role.
    ClientAuthConfig client_auth;
    GexRequest gex;
};

class Engine final : private LayerOutput {
public:
    /// `rng` must outlive the engine. Throws std::invalid_argument for a server without host
    /// keys or algorithm lists we cannot honour.
    Engine(EngineConfig config, Botan::RandomNumberGenerator& rng, TimePoint now);
    ~Engine() override;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // ---- inputs ---------------------------------------------------------------------------
    /// Takes peer bytes and processes every complete packet; returns how many were taken
    /// (all of them unless the engine is closed). Never throws for anything the peer sends.
    std::size_t receive(ByteView bytes, TimePoint now);
    /// The peer closed its side of the TCP connection.
    void receive_eof(TimePoint now);
    /// Runs every timer due at `now` (keepalive, idle, login grace, rekey, auth delays).
    void on_timeout(TimePoint now);

    // ---- outputs --------------------------------------------------------------------------
    std::optional<Event> next_event();
    /// Bytes to write; valid until the next call that produces output.
    ByteView pending_output() const noexcept;
    void consume_output(std::size_t n);
    // All of pending_output() at once (counted as consumed), without copying it: for a driver
    // that writes from its own buffer while the engine goes on producing. `spare` (a buffer
    // already written out) becomes the engine's next output buffer, so its capacity is reused
    // instead of growing a fresh one packet by packet.
    Bytes take_output(Bytes spare = {});
    std::size_t output_size() const noexcept;
    /// The earliest time on_timeout() has work to do.
    std::optional<TimePoint> next_deadline() const;
    /// True once the connection is over: flush pending output, then close the socket.
    bool closed() const noexcept { return m_closed; }

    // ---- decisions --------------------------------------------------------------------------
    void auth_decision(std::uint64_t request_id, AuthDecision decision, TimePoint now);
    void host_key_decision(bool trusted, TimePoint now);
    void answer_prompts(std::vector<std::string> responses, TimePoint now);
    void reply_channel_request(std::uint32_t channel, bool accepted);

    // ---- actions ----------------------------------------------------------------------------
    /// Sends what the peer's window and our KEX queue allow; returns the bytes taken.
    std::size_t send_data(std::uint32_t channel, ByteView data, bool extended = false);
    void consume(std::uint32_t channel, std::size_t n);
    void send_eof(std::uint32_t channel);
    void close_channel(std::uint32_t channel);
    void send_exit_status(std::uint32_t channel, std::uint32_t status);
    std::uint32_t open_session();
    void request_subsystem(std::uint32_t channel, const std::string& name);
    void request_exec(std::uint32_t channel, const std::string& command);
    /// Starts a key exchange now (if none is running).
    void request_rekey(TimePoint now);
    /// Ends the connection politely with DISCONNECT.
    void disconnect(DisconnectReason reason, const std::string& description);

    // ---- getters ----------------------------------------------------------------------------
    Role role() const noexcept { return m_config.role; }
    const std::string& peer_version() const noexcept { return m_version.peer(); }
    const std::optional<NegotiatedAlgorithms>& algorithms() const noexcept { return m_algorithms; }
    bool strict_kex() const noexcept { return m_strict_kex; }
    const Bytes& session_id() const noexcept { return m_session_id; }
    bool authenticated() const noexcept { return m_authenticated; }
    std::size_t key_exchanges() const noexcept { return m_kex_count; }
    const TrafficCounters& bytes_in() const noexcept { return m_total_in; }
    const TrafficCounters& bytes_out() const noexcept { return m_total_out; }
    Connection* connection() noexcept { return m_connection.get(); }

private:
    enum class KexState { idle, sent_kexinit, running, sent_newkeys_waiting_peer, waiting_host_key };

    // LayerOutput, for the auth and connection layers (private: drivers do not send raw payloads).
    LayerOutput& layer_output() noexcept { return *this; }
    void send(Bytes payload) override;
    void send(ByteView head, ByteView body) override;
    void emit(Event event) override;

    void process_input(TimePoint now);
    void dispatch(Bytes payload, TimePoint now);
    void handle_transport_message(std::uint8_t number, ByteView payload);
    void handle_service_or_auth(std::uint8_t number, ByteView payload, TimePoint now);
    void send_now(ByteView payload);
    void flush_queue();
    void fail(DisconnectReason reason, const std::string& description);
    template <class F>
    void guarded(F&& step);

    // Key exchange (engine_kex.cpp).
    void start_kex(TimePoint now);
    void on_peer_kexinit(Bytes payload, TimePoint now);
    void on_kex_message(ByteView payload, TimePoint now);
    void on_kex_finished(TimePoint now);
    void send_newkeys(TimePoint now);
    void on_peer_newkeys(TimePoint now);
    void maybe_finish_kex(TimePoint now);
    void after_initial_kex(TimePoint now);
    void check_rekey(TimePoint now);
    DirectionKeys derive_direction(bool client_to_server) const;
    bool kex_in_progress() const noexcept { return m_kex_state != KexState::idle; }
    KexContext kex_context() const;

    void on_authenticated(TimePoint now);

    EngineConfig m_config;
    Botan::RandomNumberGenerator& m_rng;
    VersionExchange m_version;
    Transport m_transport;
    Bytes m_version_out;  ///< our identification line until written
    std::deque<Event> m_events;
    bool m_closed = false;

    // Key exchange state.
    KexState m_kex_state = KexState::idle;
    Bytes m_our_kexinit;
    Bytes m_peer_kexinit;
    std::unique_ptr<KexMethod> m_kex;
    std::optional<KexOutcome> m_kex_outcome;
    std::optional<NegotiatedAlgorithms> m_algorithms;
    NegotiatedAlgorithms m_pending_algorithms;
    bool m_peer_newkeys = false;
    bool m_peer_in_kex = false;  ///< between the peer's KEXINIT and its NEWKEYS
    bool m_ignore_next_kex_packet = false;  ///< first_kex_packet_follows with a wrong guess
    bool m_strict_kex = false;
    std::size_t m_kex_count = 0;
    std::size_t m_packets_before_kexinit = 0;
    Bytes m_session_id;
    Bytes m_host_key_blob;  ///< client: the server's key from the first exchange
    TimePoint m_last_kex_time;
    std::deque<Bytes> m_queued;  ///< layer payloads held while a KEX runs
    std::deque<Bytes> m_deferred_input;  ///< peer messages after its first NEWKEYS, before ours
    std::size_t m_queued_bytes = 0;
    std::set<std::uint32_t> m_refused_channels;  ///< send_data said 0 during a KEX
    bool m_compression_after_flush = false;

    // Layers.
    std::unique_ptr<ServerAuth> m_server_auth;
    std::unique_ptr<ClientAuth> m_client_auth;
    std::unique_ptr<Connection> m_connection;
    bool m_authenticated = false;

    // Timers.
    TimePoint m_started;
    TimePoint m_last_received;
    TimePoint m_last_channel_activity;
    TimePoint m_last_keepalive;

    TrafficCounters m_total_in;
    TrafficCounters m_total_out;
};

}  // namespace wharf::ssh
