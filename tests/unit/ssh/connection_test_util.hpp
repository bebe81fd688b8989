// Test doubles for the connection layer: a LayerOutput that records, a lone Connection fed
// hand-made payloads, and a client/server Pair joined back to back in memory (h11's
// ConnectionPair, quinn's Pair) whose pump() is step-bounded so a livelock fails the test.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "protocols/ssh/connection.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/messages.hpp"

namespace wharf::test {

class Recorder final : public ssh::LayerOutput {
public:
    void send(ssh::Bytes payload) override { sent.push_back(std::move(payload)); }
    void emit(ssh::Event event) override { events.push_back(std::move(event)); }

    /// Everything sent so far, oldest first; the record is emptied.
    std::vector<ssh::Bytes> take_sent() {
        std::vector<ssh::Bytes> out(std::make_move_iterator(sent.begin()), std::make_move_iterator(sent.end()));
        sent.clear();
        return out;
    }
    std::vector<ssh::Event> take_events() {
        auto out = std::move(events);
        events.clear();
        return out;
    }

    std::deque<ssh::Bytes> sent;
    std::vector<ssh::Event> events;
};

/// The events of one type, in order.
template <class E>
std::vector<E> only(const std::vector<ssh::Event>& events) {
    std::vector<E> out;
    for (const auto& event : events) {
        if (const auto* e = std::get_if<E>(&event)) out.push_back(*e);
    }
    return out;
}

/// The message numbers of payloads, in order.
inline std::vector<int> numbers(const std::vector<ssh::Bytes>& payloads) {
    std::vector<int> out;
    for (const auto& payload : payloads) out.push_back(payload.empty() ? -1 : payload[0]);
    return out;
}

/// One Connection; the test plays its peer.
struct Single {
    explicit Single(ssh::Role role, ssh::ConnectionLimits limits = {}) : connection(role, limits, out) {}

    Recorder out;
    ssh::Connection connection;

    void feed(const ssh::Bytes& payload) { connection.handle(payload); }

    /// Server role: the fake client opens a session with sender channel `peer_id`; returns our id.
    std::uint32_t open_from_peer(std::uint32_t peer_id = 7, std::uint32_t window = 1 << 20,
                                 std::uint32_t max_packet = 32768) {
        feed(ssh::ChannelOpen{"session", peer_id, window, max_packet, {}}.encode());
        const auto sent = out.take_sent();
        REQUIRE(sent.size() == 1);
        const auto confirmation = ssh::ChannelOpenConfirmation::decode(sent[0]);
        REQUIRE(confirmation.recipient_channel == peer_id);
        const auto opened = only<ssh::ChannelOpened>(out.take_events());
        REQUIRE(opened.size() == 1);
        REQUIRE(opened[0].channel == confirmation.sender_channel);
        return confirmation.sender_channel;
    }

    /// Client role: open_session() answered by a fake server's confirmation; returns our id.
    std::uint32_t open_to_peer(std::uint32_t peer_id = 3, std::uint32_t window = 1 << 20,
                               std::uint32_t max_packet = 32768) {
        const auto id = connection.open_session();
        REQUIRE(numbers(out.take_sent()) == std::vector<int>{ssh::msg::channel_open});
        feed(ssh::ChannelOpenConfirmation{id, peer_id, window, max_packet, {}}.encode());
        REQUIRE(only<ssh::ChannelOpened>(out.take_events()).size() == 1);
        return id;
    }

    void request(std::uint32_t channel, std::string type, bool want_reply, ssh::Bytes data = {}) {
        feed(ssh::ChannelRequest{channel, std::move(type), want_reply, std::move(data)}.encode());
    }
};

/// A client and a server back to back.
class Pair {
public:
    explicit Pair(ssh::ConnectionLimits client_limits = {}, ssh::ConnectionLimits server_limits = {})
        : client(ssh::Role::client, client_limits, client_out), server(ssh::Role::server, server_limits, server_out) {}

    Recorder client_out;
    Recorder server_out;
    ssh::Connection client;
    ssh::Connection server;
    /// Sees every payload as it is delivered (from_client, payload).
    std::function<void(bool, const ssh::Bytes&)> on_wire;

    /// Delivers payloads one at a time in both directions until neither side has anything to
    /// send. Fails after max_steps deliveries: two layers answering each other forever is a bug.
    void pump(std::size_t max_steps = 10000) {
        std::size_t steps = 0;
        while (!client_out.sent.empty() || !server_out.sent.empty()) {
            if (++steps > max_steps) FAIL("pump: no quiet state after " << max_steps << " deliveries");
            if (!client_out.sent.empty()) deliver(client_out, server, true);
            if (!server_out.sent.empty()) deliver(server_out, client, false);
        }
    }

    /// The client opens a session and the server accepts it: {client id, server id}.
    std::pair<std::uint32_t, std::uint32_t> open() {
        const auto client_id = client.open_session();
        pump();
        const auto on_server = only<ssh::ChannelOpened>(server_out.take_events());
        const auto on_client = only<ssh::ChannelOpened>(client_out.take_events());
        REQUIRE(on_server.size() == 1);
        REQUIRE(on_client.size() == 1);
        REQUIRE(on_client[0].channel == client_id);
        return {client_id, on_server[0].channel};
    }

private:
    void deliver(Recorder& from, ssh::Connection& to, bool from_client) {
        auto payload = std::move(from.sent.front());
        from.sent.pop_front();
        if (on_wire) on_wire(from_client, payload);
        to.handle(payload);
    }
};

}  // namespace wharf::test
