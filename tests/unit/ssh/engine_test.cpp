// Client and server engines driven against each other in memory, with a virtual clock and
// a step bound (quinn's Pair): handshake, auth, channels, rekeys, strict KEX, bad input.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>

#include <functional>

#include "protocols/ssh/engine.hpp"
#include "protocols/ssh/messages.hpp"

using namespace wharf::ssh;

namespace {

const PrivateKey& host_key() {
    static const PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return PrivateKey::generate(KeyType::ed25519, rng);
    }();
    return key;
}

EngineConfig server_config() {
    EngineConfig config;
    config.role = Role::server;
    config.version = "SSH-2.0-wharf_test";
    config.host_keys.push_back(host_key());
    config.server_auth.failure_delay = std::chrono::milliseconds(0);
    return config;
}

EngineConfig client_config() {
    EngineConfig config;
    config.role = Role::client;
    config.version = "SSH-2.0-wharf_client_test";
    config.client_auth.user = "alice";
    config.client_auth.password = "secret";
    config.client_auth.try_keyboard_interactive = false;
    return config;
}

// Passes bytes both ways and answers the decisions a driver would.
struct Pair {
    explicit Pair(EngineConfig client_cfg = client_config(), EngineConfig server_cfg = server_config())
        : client(std::move(client_cfg), rng, now), server(std::move(server_cfg), rng, now) {}

    Botan::AutoSeeded_RNG rng;
    TimePoint now = Clock::now();
    Engine client;
    Engine server;
    std::vector<Event> client_events;
    std::vector<Event> server_events;
    std::string accepted_password = "secret";
    Bytes server_received;  ///< channel data the server saw
    Bytes client_received;
    // Tampering hook: may rewrite client->server bytes before delivery.
    std::function<void(Bytes&)> client_to_server_filter;

    bool step() {
        bool moved = false;
        if (auto out = client.pending_output(); !out.empty()) {
            Bytes bytes(out.begin(), out.end());
            client.consume_output(out.size());
            if (client_to_server_filter) client_to_server_filter(bytes);
            server.receive(bytes, now);
            moved = true;
        }
        if (auto out = server.pending_output(); !out.empty()) {
            Bytes bytes(out.begin(), out.end());
            server.consume_output(out.size());
            client.receive(bytes, now);
            moved = true;
        }
        while (auto event = server.next_event()) {
            moved = true;
            on_server_event(*event);
            server_events.push_back(std::move(*event));
        }
        while (auto event = client.next_event()) {
            moved = true;
            on_client_event(*event);
            client_events.push_back(std::move(*event));
        }
        return moved;
    }

    void on_server_event(const Event& event) {
        if (const auto* request = std::get_if<AuthRequest>(&event)) {
            if (request->method == AuthRequest::Method::password && request->password == accepted_password) {
                server.auth_decision(request->id, AuthDecision::accept(), now);
            } else {
                server.auth_decision(request->id, AuthDecision::reject({"password"}, "test"), now);
            }
        } else if (const auto* requested = std::get_if<ChannelRequested>(&event)) {
            server.reply_channel_request(requested->channel, requested->name == "echo");
        } else if (const auto* data = std::get_if<ChannelDataReceived>(&event)) {
            server_received.insert(server_received.end(), data->data.begin(), data->data.end());
            server.consume(data->channel, data->data.size());
        }
    }

    void on_client_event(const Event& event) {
        if (std::holds_alternative<HostKeyReceived>(event)) {
            client.host_key_decision(true, now);
        } else if (const auto* data = std::get_if<ChannelDataReceived>(&event)) {
            client_received.insert(client_received.end(), data->data.begin(), data->data.end());
            client.consume(data->channel, data->data.size());
        }
    }

    // Steps until `done` or nothing moves; a livelock fails after the bound.
    void drive(const std::function<bool()>& done, int bound = 10000) {
        for (int i = 0; i < bound; ++i) {
            if (done()) return;
            if (!step() && done()) return;
            if (client.closed() && server.closed()) return;
        }
        FAIL("no progress within the step bound");
    }

    void authenticate() {
        drive([&] { return client.authenticated() && server.authenticated(); });
    }
};

template <class E>
const E* find_event(const std::vector<Event>& events) {
    for (const auto& event : events) {
        if (const auto* e = std::get_if<E>(&event)) return e;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("client and server engines complete a handshake and authenticate", "[engine]") {
    Pair pair;
    pair.authenticate();
    CHECK(pair.client.session_id() == pair.server.session_id());
    CHECK_FALSE(pair.client.session_id().empty());
    CHECK(pair.server.peer_version() == "SSH-2.0-wharf_client_test");
    CHECK(pair.server.strict_kex());
    REQUIRE(pair.server.algorithms());
    CHECK(pair.server.algorithms()->kex == "curve25519-sha256");
    CHECK(pair.server.algorithms()->host_key == "ssh-ed25519");
    const auto* kex = find_event<KexCompleted>(pair.server_events);
    REQUIRE(kex);
    CHECK(kex->initial);
    const auto* ok = find_event<AuthSucceeded>(pair.server_events);
    REQUIRE(ok);
    CHECK(ok->user == "alice");
}

TEST_CASE("a wrong password is refused and the client runs out of methods", "[engine]") {
    Pair pair;
    pair.accepted_password = "other";
    pair.drive([&] { return pair.client.closed(); });
    CHECK_FALSE(pair.server.authenticated());
    CHECK(find_event<AuthFailed>(pair.server_events));
}

TEST_CASE("a subsystem channel carries data both ways, across a forced rekey", "[engine]") {
    Pair pair;
    pair.authenticate();
    const auto channel = pair.client.open_session();
    pair.drive([&] { return find_event<ChannelOpened>(pair.client_events) != nullptr; });
    pair.client.request_subsystem(channel, "echo");
    pair.drive([&] { return find_event<ChannelRequestAnswered>(pair.client_events) != nullptr; });
    CHECK(find_event<ChannelRequestAnswered>(pair.client_events)->success);

    Bytes message(300000);
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 7);
    std::size_t sent = 0;
    bool rekeyed = false;
    pair.drive([&] {
        if (sent < message.size()) {
            sent += pair.client.send_data(channel, ByteView(message).subspan(sent));
        }
        if (!rekeyed && sent > message.size() / 2) {
            pair.server.request_rekey(pair.now);  // the server starts a KEX mid-stream
            rekeyed = true;
        }
        return pair.server_received.size() == message.size();
    });
    CHECK(pair.server_received == message);
    pair.drive([&] { return pair.server.key_exchanges() == 2 && pair.client.key_exchanges() == 2; });
}

TEST_CASE("a refused subsystem and a polite disconnect", "[engine]") {
    Pair pair;
    pair.authenticate();
    const auto channel = pair.client.open_session();
    pair.drive([&] { return find_event<ChannelOpened>(pair.client_events) != nullptr; });
    pair.client.request_subsystem(channel, "nope");
    pair.drive([&] { return find_event<ChannelRequestAnswered>(pair.client_events) != nullptr; });
    CHECK_FALSE(find_event<ChannelRequestAnswered>(pair.client_events)->success);
    pair.client.disconnect(DisconnectReason::by_application, "bye");
    pair.drive([&] { return pair.server.closed(); });
    const auto* gone = find_event<Disconnected>(pair.server_events);
    REQUIRE(gone);
    CHECK(gone->by_peer);
    CHECK(gone->description == "bye");
}

TEST_CASE("strict KEX refuses an extra message during the initial key exchange", "[engine][strict]") {
    // Inject SSH_MSG_IGNORE as the client's first packet: only legal without strict KEX.
    const auto inject = [](StrictKexMode server_mode, StrictKexMode client_mode) {
        auto client_cfg = client_config();
        client_cfg.strict_kex = client_mode;
        auto server_cfg = server_config();
        server_cfg.strict_kex = server_mode;
        auto owned = std::make_unique<Pair>(client_cfg, server_cfg);
        auto& pair = *owned;
        auto injected = std::make_shared<bool>(false);
        pair.client_to_server_filter = [injected](Bytes& bytes) {
            // The first chunk is the version line and KEXINIT: put an unencrypted IGNORE packet
            // (packet_length 12, padding 6) between them.
            if (*injected) return;
            *injected = true;
            const auto line_end = std::find(bytes.begin(), bytes.end(), '\n') + 1;
            const Bytes ignore{0, 0, 0, 12, 6, msg::ignore, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6};
            bytes.insert(line_end, ignore.begin(), ignore.end());
        };
        pair.drive([&] { return pair.server.closed() || (pair.client.authenticated() && pair.server.authenticated()); });
        return owned;
    };
    SECTION("mode 1 on both sides: strict negotiated, connection refused") {
        auto pair = inject(StrictKexMode::on, StrictKexMode::on);
        const auto* gone = find_event<Disconnected>(pair->server_events);
        REQUIRE(gone);
        CHECK(gone->reason == DisconnectReason::protocol_error);
        CHECK(gone->description.find("strict KEX") != std::string::npos);
    }
    SECTION("mode 0 on the server: not strict, so the KEX itself lets the IGNORE through") {
        // Without strict KEX the extra packet only shifts the server's sequence numbers, which
        // the first protected packet then exposes (bad length or MAC) - the gap the Terrapin
        // attack closes by also deleting a packet. The key exchange itself completes.
        auto pair = inject(StrictKexMode::off, StrictKexMode::on);
        CHECK_FALSE(pair->server.strict_kex());
        CHECK(pair->server.key_exchanges() == 1);
        const auto* gone = find_event<Disconnected>(pair->server_events);
        REQUIRE(gone);
        CHECK(gone->description.find("strict KEX") == std::string::npos);
    }
    SECTION("mode 3 on the server and a client without strict KEX: refused") {
        auto pair = inject(StrictKexMode::required, StrictKexMode::off);
        const auto* gone = find_event<Disconnected>(pair->server_events);
        REQUIRE(gone);
        CHECK(gone->reason == DisconnectReason::key_exchange_failed);
    }
}

TEST_CASE("strict KEX mode 2 refuses Terrapin-affected algorithms only without strict KEX", "[engine][strict]") {
    auto client_cfg = client_config();
    client_cfg.strict_kex = StrictKexMode::off;
    client_cfg.algorithms.ciphers = {"chacha20-poly1305@openssh.com"};
    auto server_cfg = server_config();
    server_cfg.strict_kex = StrictKexMode::reject_vulnerable;
    Pair refused(client_cfg, server_cfg);
    refused.drive([&] { return refused.server.closed(); });
    CHECK(find_event<Disconnected>(refused.server_events)->reason == DisconnectReason::key_exchange_failed);

    client_cfg.algorithms.ciphers = {"aes256-gcm@openssh.com"};
    Pair allowed(client_cfg, server_cfg);
    allowed.authenticate();
    CHECK_FALSE(allowed.server.strict_kex());

    client_cfg.strict_kex = StrictKexMode::on;
    client_cfg.algorithms.ciphers = {"chacha20-poly1305@openssh.com"};
    Pair strict(client_cfg, server_cfg);
    strict.authenticate();
    CHECK(strict.server.strict_kex());
}

TEST_CASE("every default KEX, cipher and MAC completes between our engines", "[engine]") {
    for (const auto& kex : default_algorithm_preferences().kex) {
        for (const auto& cipher : default_algorithm_preferences().ciphers) {
            auto client_cfg = client_config();
            client_cfg.algorithms.kex = {kex};
            client_cfg.algorithms.ciphers = {cipher};
            client_cfg.algorithms.compression = {"zlib@openssh.com"};
            INFO(kex << " " << cipher);
            Pair pair(client_cfg);
            pair.authenticate();
            CHECK(pair.server.algorithms()->kex == kex);
            CHECK(pair.server.algorithms()->cipher_client_to_server == cipher);
        }
    }
}

TEST_CASE("garbage after the version line ends the connection with a disconnect", "[engine][malformed]") {
    Botan::AutoSeeded_RNG rng;
    const auto now = Clock::now();
    const std::vector<std::pair<std::string, DisconnectReason>> cases{
        {"GET / HTTP/1.0\r\n\r\n", DisconnectReason::protocol_version_not_supported},
        {std::string("SSH-2.0-x\r\n") + std::string("\xff\xff\xff\xff\x04", 5) + std::string(64, 'a'),
         DisconnectReason::protocol_error},  // absurd packet length
        {std::string("SSH-2.0-x\r\n") + std::string("\x00\x00\x00\x0c\x02", 5) + std::string(11, 'a'),
         DisconnectReason::protocol_error},  // padding length 2 < 4
        {std::string("SSH-2.0-x\r\n") + std::string("\x00\x00\x00\x0c\x04\x32", 6) + std::string(10, 'a'),
         DisconnectReason::protocol_error},  // USERAUTH_REQUEST before KEX
        {std::string("SSH-2.0-x\r\n") + std::string("\x00\x00\x00\x0c\x0a\x14\x01", 7) + std::string(9, 'a'),
         DisconnectReason::protocol_error},  // truncated KEXINIT
    };
    for (const auto& [input, reason] : cases) {
        Engine server(server_config(), rng, now);
        server.receive(ByteView(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), now);
        INFO(input.substr(0, 20));
        CHECK(server.closed());
        std::optional<Disconnected> gone;
        while (auto event = server.next_event()) {
            if (auto* d = std::get_if<Disconnected>(&*event)) gone = *d;
        }
        REQUIRE(gone);
        CHECK(gone->reason == reason);
    }
}

TEST_CASE("login grace time ends an unauthenticated connection", "[engine][timers]") {
    Botan::AutoSeeded_RNG rng;
    auto now = Clock::now();
    auto config = server_config();
    config.login_grace_time = std::chrono::seconds(5);
    Engine server(std::move(config), rng, now);
    REQUIRE(server.next_deadline());
    CHECK(*server.next_deadline() == now + std::chrono::seconds(5));
    server.on_timeout(now + std::chrono::seconds(5));
    CHECK(server.closed());
}

TEST_CASE("keepalives go out when the peer is silent, and silence past the count ends it", "[engine][timers]") {
    auto server_cfg = server_config();
    server_cfg.keepalive_interval = std::chrono::seconds(10);
    server_cfg.keepalive_count_max = 2;
    Pair pair(client_config(), server_cfg);
    pair.authenticate();
    const auto start = pair.now;
    REQUIRE(pair.server.next_deadline());
    CHECK(*pair.server.next_deadline() <= start + std::chrono::seconds(10));
    // A responsive client answers (REQUEST_FAILURE counts as an answer): the connection lives.
    for (int round = 1; round <= 3; ++round) {
        pair.now = start + std::chrono::seconds(10 * round);
        pair.server.on_timeout(pair.now);
        pair.drive([&] { return pair.server.connection()->unanswered_keepalives() == 0; });
    }
    CHECK_FALSE(pair.server.closed());
    // Now the client goes silent: two unanswered keepalives, and the third deadline ends it.
    for (int round = 1; round <= 3; ++round) {
        pair.now += std::chrono::seconds(10);
        pair.server.on_timeout(pair.now);
    }
    CHECK(pair.server.closed());
    std::optional<Disconnected> gone;
    while (auto event = pair.server.next_event()) {
        if (auto* d = std::get_if<Disconnected>(&*event)) gone = *d;
    }
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::connection_lost);
}

TEST_CASE("the idle timeout ends a connection without channel traffic", "[engine][timers]") {
    auto server_cfg = server_config();
    server_cfg.idle_timeout = std::chrono::minutes(5);
    Pair pair(client_config(), server_cfg);
    pair.authenticate();
    pair.now += std::chrono::minutes(4);
    pair.server.on_timeout(pair.now);
    CHECK_FALSE(pair.server.closed());
    pair.now += std::chrono::minutes(1);
    pair.server.on_timeout(pair.now);
    CHECK(pair.server.closed());
}

TEST_CASE("rekeying by volume and by time", "[engine][rekey]") {
    auto server_cfg = server_config();
    server_cfg.rekey_bytes = 64 * 1024;
    server_cfg.rekey_interval = std::chrono::minutes(30);
    Pair pair(client_config(), server_cfg);
    pair.authenticate();
    const auto channel = pair.client.open_session();
    pair.drive([&] { return find_event<ChannelOpened>(pair.client_events) != nullptr; });
    pair.client.request_subsystem(channel, "echo");
    pair.drive([&] { return find_event<ChannelRequestAnswered>(pair.client_events) != nullptr; });
    const Bytes block(200 * 1024, 0x5a);
    std::size_t sent = 0;
    pair.drive([&] {
        // 16 KiB a step, as a socket would deliver it.
        if (sent < block.size()) sent += pair.client.send_data(channel, ByteView(block).subspan(sent, std::min<std::size_t>(16384, block.size() - sent)));
        return pair.server_received.size() == block.size();
    });
    CHECK(pair.server.key_exchanges() >= 3);  // 200 KiB at a 64 KiB limit
    const auto before = pair.server.key_exchanges();
    pair.now += std::chrono::minutes(31);
    pair.server.on_timeout(pair.now);
    pair.drive([&] { return pair.server.key_exchanges() == before + 1 && pair.client.key_exchanges() == before + 1; });
    CHECK(pair.server.session_id() == pair.client.session_id());  // the session id never changes
}
