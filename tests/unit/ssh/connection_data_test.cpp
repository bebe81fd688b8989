// Connection layer: windows, maximum packet sizes, data transfer and closing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <variant>
#include <vector>

#include "connection_test_util.hpp"
#include "protocols/ssh/connection.hpp"

using namespace wharf::ssh;
using wharf::test::numbers;
using wharf::test::only;
using wharf::test::Pair;
using wharf::test::Single;

namespace {

Bytes pattern(std::size_t size) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    return out;
}

// Watches the client-to-server direction of a Pair: no CHANNEL_DATA beyond the server's
// advertised window or its maximum packet. Counts at delivery time, which is sound: what the
// client knew when it sent is never more than what has been delivered back since.
struct WindowWatch {
    std::uint32_t window = 0;
    std::uint32_t max_packet = 0;
    std::uint64_t in_flight = 0;  // data delivered minus WINDOW_ADJUST delivered
    std::uint64_t largest = 0;
    std::size_t violations = 0;

    void attach(Pair& pair) {
        pair.on_wire = [this](bool from_client, const Bytes& payload) {
            if (from_client && payload.at(0) == msg::channel_data) {
                const auto size = ChannelData::decode(payload).data.size();
                in_flight += size;
                largest = std::max<std::uint64_t>(largest, size);
                if (in_flight > window || size + channel_data_overhead > max_packet) ++violations;
            } else if (!from_client && payload.at(0) == msg::channel_window_adjust) {
                in_flight -= ChannelWindowAdjust::decode(payload).bytes_to_add;
            }
        };
    }
};

}  // namespace

// ---- windows ----------------------------------------------------------------------------------

TEST_CASE("10 MiB flows while the reader consumes, within the window and packet limits", "[connection]") {
    const ConnectionLimits limits{};  // 2 MiB window, 32 KiB packets
    Pair pair(limits, limits);
    WindowWatch watch{limits.window_size, limits.max_packet};
    watch.attach(pair);
    const auto [c, s] = pair.open();
    const Bytes blob = pattern(10 * 1024 * 1024);
    Bytes received;
    received.reserve(blob.size());
    std::size_t offset = 0;
    std::size_t writable_events = 0;
    for (int round = 0; round < 200 && received.size() < blob.size(); ++round) {
        offset += pair.client.send_data(c, ByteView(blob).subspan(offset));
        pair.pump();
        for (const auto& data : only<ChannelDataReceived>(pair.server_out.take_events())) {
            received.insert(received.end(), data.data.begin(), data.data.end());
            pair.server.consume(s, data.data.size());
        }
        pair.pump();
        writable_events += only<ChannelWritable>(pair.client_out.take_events()).size();
    }
    CHECK(received == blob);
    CHECK(watch.violations == 0);
    CHECK(watch.largest == limits.max_packet - channel_data_overhead);
    CHECK(writable_events > 0);
}

TEST_CASE("a reader that stops consuming stops the writer: memory stays bounded", "[connection]") {
    const ConnectionLimits limits{256 * 1024, 32768, 10};
    Pair pair(limits, limits);
    WindowWatch watch{limits.window_size, limits.max_packet};
    watch.attach(pair);
    const auto [c, s] = pair.open();
    const Bytes blob = pattern(4 * 1024 * 1024);
    std::size_t offset = 0;
    for (int round = 0; round < 20; ++round) {
        offset += pair.client.send_data(c, ByteView(blob).subspan(offset));
        pair.pump();
    }
    std::size_t held = 0;
    for (const auto& data : only<ChannelDataReceived>(pair.server_out.take_events())) held += data.data.size();
    CHECK(offset == limits.window_size);
    CHECK(held == limits.window_size);
    CHECK(pair.client.writable(c) == 0);
    CHECK(pair.client.send_data(c, ByteView(blob).subspan(offset)) == 0);
    CHECK(watch.violations == 0);

    // Consuming less than an eighth of the window sends no adjust; reaching it does, and wakes
    // the writer.
    pair.server.consume(s, limits.window_size / 8 - 1);
    pair.pump();
    CHECK(pair.client_out.take_events().empty());
    pair.server.consume(s, 1);
    pair.pump();
    CHECK(only<ChannelWritable>(pair.client_out.take_events()).size() == 1);
    CHECK(pair.client.writable(c) == limits.window_size / 8);
    CHECK_THROWS_AS(pair.server.consume(s, limits.window_size), std::invalid_argument);
}

TEST_CASE("send_data honours the peer's window and maximum packet", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer(7, 2500, 1000);
    const Bytes blob = pattern(5000);
    CHECK(server.connection.send_data(id, blob) == 2500);
    auto sent = server.out.take_sent();
    std::size_t total = 0;
    for (const auto& payload : sent) {
        const auto data = ChannelData::decode(payload);
        CHECK(data.recipient_channel == 7);
        CHECK(data.data.size() <= 1000 - channel_data_overhead);
        total += data.data.size();
    }
    CHECK(total == 2500);
    CHECK(sent.size() == 3);
    CHECK(server.connection.writable(id) == 0);
    CHECK(server.connection.send_data(id, blob) == 0);
    CHECK(server.out.take_sent().empty());

    server.feed(ChannelWindowAdjust{id, 4000}.encode());
    CHECK(only<ChannelWritable>(server.out.take_events()).size() == 1);
    CHECK(server.connection.send_data(id, ByteView(blob).first(4000), true) == 4000);
    for (const auto& payload : server.out.take_sent()) {
        const auto data = ChannelExtendedData::decode(payload);
        CHECK(data.data_type == ChannelExtendedData::stderr_data);
        CHECK(data.data.size() <= 1000 - channel_data_overhead - 4);
    }
    // A window opening for a channel that was not blocked wakes nobody.
    server.feed(ChannelWindowAdjust{id, 10}.encode());
    CHECK(server.out.take_events().empty());
}

TEST_CASE("window adjusts may reach 2^32-1 but not beyond", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer(7, 0xFFFFFF00u, 32768);
    server.feed(ChannelWindowAdjust{id, 0xFF}.encode());
    CHECK(server.connection.writable(id) == 0xFFFFFFFFu);
    CHECK_THROWS_AS(server.feed(ChannelWindowAdjust{id, 1}.encode()), ProtocolError);
}

TEST_CASE("incoming data beyond the window or our maximum packet is a protocol error", "[connection]") {
    Single server(Role::server, ConnectionLimits{1000, 600, 10});
    const auto id = server.open_from_peer();
    const Bytes blob = pattern(601);
    CHECK_THROWS_AS(server.feed(ChannelData{id, blob}.encode()), ProtocolError);  // > max packet
    server.feed(ChannelData{id, ByteView(blob).first(600)}.encode());
    server.feed(ChannelExtendedData{id, 1, ByteView(blob).first(300)}.encode());
    const auto data = only<ChannelDataReceived>(server.out.take_events());
    REQUIRE(data.size() == 2);
    CHECK(data[1].extended);
    CHECK(server.out.take_sent().empty());  // nothing consumed yet: no adjust
    CHECK_THROWS_AS(server.feed(ChannelData{id, ByteView(blob).first(101)}.encode()), ProtocolError);
    server.connection.consume(id, 900);
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::channel_window_adjust});
    server.feed(ChannelData{id, ByteView(blob).first(600)}.encode());  // the window is back
}

TEST_CASE("extended data of unknown types is counted against the window and dropped", "[connection]") {
    Single server(Role::server, ConnectionLimits{1000, 600, 10});
    const auto id = server.open_from_peer();
    const Bytes blob = pattern(500);
    server.feed(ChannelExtendedData{id, 2, blob}.encode());
    CHECK(server.out.take_events().empty());
    // Consumed on arrival, so the adjust goes out without the driver.
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::channel_window_adjust});
}

// ---- EOF and close ----------------------------------------------------------------------------

TEST_CASE("exit-status, EOF and CLOSE go out once each, in order, and close both sides", "[connection]") {
    Pair pair;
    const auto [c, s] = pair.open();
    pair.server.send_data(s, pattern(10));
    pair.server.send_exit_status(s, 0);
    pair.server.send_eof(s);
    pair.server.send_eof(s);
    pair.server.close(s);
    pair.server.close(s);
    CHECK(numbers(std::vector<Bytes>(pair.server_out.sent.begin(), pair.server_out.sent.end())) ==
          std::vector<int>{msg::channel_data, msg::channel_request, msg::channel_eof, msg::channel_close});
    CHECK_FALSE(pair.server.is_open(s));
    CHECK(pair.server.has_channels());  // until the client's CLOSE arrives
    CHECK_THROWS_AS(pair.server.send_data(s, pattern(1)), std::logic_error);
    pair.pump();
    const auto events = pair.client_out.take_events();
    REQUIRE(events.size() == 4);
    CHECK(std::holds_alternative<ChannelDataReceived>(events[0]));
    CHECK(std::holds_alternative<ChannelExitStatus>(events[1]));
    CHECK(std::holds_alternative<ChannelEofReceived>(events[2]));
    CHECK(std::get<ChannelClosed>(events[3]).channel == c);
    CHECK(only<ChannelClosed>(pair.server_out.take_events()).at(0).channel == s);
    CHECK_FALSE(pair.client.has_channels());
    CHECK_FALSE(pair.server.has_channels());
}

TEST_CASE("simultaneous CLOSE: one CLOSE each way, both sides report the channel closed", "[connection]") {
    Pair pair;
    const auto [c, s] = pair.open();
    std::size_t closes = 0;
    pair.on_wire = [&](bool, const Bytes& payload) { closes += payload.at(0) == msg::channel_close; };
    pair.client.close(c);
    pair.server.close(s);
    pair.pump();
    CHECK(closes == 2);
    CHECK(only<ChannelClosed>(pair.client_out.take_events()).size() == 1);
    CHECK(only<ChannelClosed>(pair.server_out.take_events()).size() == 1);
    CHECK_FALSE(pair.client.has_channels());
    CHECK_FALSE(pair.server.has_channels());
}

TEST_CASE("data after EOF or CLOSE is a protocol error; data racing our CLOSE is dropped", "[connection]") {
    Single server(Role::server);
    auto id = server.open_from_peer(7);
    server.feed(ChannelEof{id}.encode());
    CHECK(only<ChannelEofReceived>(server.out.take_events()).size() == 1);
    CHECK(server.connection.writable(id) > 0);  // EOF is one direction only
    CHECK_THROWS_AS(server.feed(ChannelData{id, pattern(1)}.encode()), ProtocolError);

    Single other(Role::server);
    id = other.open_from_peer(8);
    other.feed(ChannelClose{id}.encode());
    CHECK(numbers(other.out.take_sent()) == std::vector<int>{msg::channel_close});
    CHECK(only<ChannelClosed>(other.out.take_events()).size() == 1);
    CHECK_THROWS_AS(other.feed(ChannelData{id, pattern(1)}.encode()), ProtocolError);

    Single third(Role::server);
    id = third.open_from_peer(9);
    third.connection.close(id);
    third.out.take_sent();
    third.feed(ChannelData{id, pattern(100)}.encode());  // sent before the peer saw our CLOSE
    third.request(id, "pty-req", true);                     // likewise: no answer after CLOSE
    third.feed(ChannelEof{id}.encode());
    CHECK(third.out.take_events().empty());
    CHECK(third.out.take_sent().empty());
    third.feed(ChannelClose{id}.encode());
    CHECK(third.out.take_sent().empty());  // we already sent ours
    CHECK(only<ChannelClosed>(third.out.take_events()).size() == 1);
}

TEST_CASE("close while opening: CLOSE follows the confirmation, ChannelClosed ends it", "[connection]") {
    Pair pair;
    const auto c = pair.client.open_session();
    pair.client.close(c);
    CHECK_THROWS_AS(pair.client.send_data(c, pattern(1)), std::logic_error);
    pair.pump();
    const auto events = pair.client_out.take_events();
    CHECK(only<ChannelOpened>(events).empty());
    CHECK(only<ChannelClosed>(events).size() == 1);
    CHECK_FALSE(pair.client.has_channels());

    Single client(Role::client);
    const auto id = client.connection.open_session();
    client.connection.close(id);
    client.feed(ChannelOpenFailure{id, ChannelOpenFailure::resource_shortage, "", ""}.encode());
    CHECK(only<ChannelClosed>(client.out.take_events()).size() == 1);
}

TEST_CASE("close_all closes every channel for shutdown", "[connection]") {
    Pair pair;
    pair.open();
    pair.open();
    pair.open();
    pair.server.close_all();
    CHECK(pair.server_out.sent.size() == 3);
    pair.pump();
    CHECK(only<ChannelClosed>(pair.client_out.take_events()).size() == 3);
    CHECK(only<ChannelClosed>(pair.server_out.take_events()).size() == 3);
    CHECK_FALSE(pair.server.has_channels());
    CHECK_FALSE(pair.client.has_channels());
}

// ---- random operation sequences ---------------------------------------------------------------

namespace {

// What a well-behaved driver knows about its channels, kept from the events it saw.
struct DriverModel {
    struct ChannelModel {
        bool eof_sent = false;
        bool closed = false;
        std::size_t held = 0;
        bool deciding = false;
    };
    std::map<std::uint32_t, ChannelModel> channels;
    std::size_t max_held = 0;
    std::size_t received = 0;
    std::size_t opened = 0;
    std::size_t closed = 0;

    void absorb(const std::vector<Event>& events) {
        for (const auto& event : events) {
            if (const auto* open = std::get_if<ChannelOpened>(&event)) {
                channels[open->channel] = {};
                ++opened;
            }
            if (const auto* close = std::get_if<ChannelClosed>(&event)) {
                channels.erase(close->channel);
                ++closed;
            }
            if (const auto* refused = std::get_if<ChannelOpenRefused>(&event)) channels.erase(refused->channel);
            if (const auto* requested = std::get_if<ChannelRequested>(&event)) {
                channels[requested->channel].deciding = true;
            }
            if (const auto* data = std::get_if<ChannelDataReceived>(&event)) {
                auto& channel = channels[data->channel];
                channel.held += data->data.size();
                received += data->data.size();
                max_held = std::max(max_held, channel.held);
            }
        }
    }
};

}  // namespace

TEST_CASE("random operations between two correct peers never break the protocol", "[connection]") {
    const auto seed = GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u);
    const ConnectionLimits limits{64 * 1024, 4096, 4};
    Pair pair(limits, limits);
    DriverModel client_model;
    DriverModel server_model;
    std::mt19937 rng(seed);
    const Bytes blob = pattern(200 * 1024);
    const auto pick = [&](DriverModel& model) -> std::optional<std::uint32_t> {
        if (model.channels.empty()) return std::nullopt;
        auto it = model.channels.begin();
        std::advance(it, static_cast<long>(rng() % model.channels.size()));
        return it->first;
    };
    for (int step = 0; step < 3000; ++step) {
        const bool on_client = rng() % 2 == 0;
        auto& connection = on_client ? pair.client : pair.server;
        auto& model = on_client ? client_model : server_model;
        const auto op = rng() % 10;
        const auto id = pick(model);
        if (op == 0 && on_client) {
            try {
                pair.client.open_session();
            } catch (const std::runtime_error&) {
                // all ids taken: a driver would wait
            }
        } else if (op == 1) {
            connection.send_keepalive();
        } else if (id) {
            auto& channel = model.channels[*id];
            if (op <= 4 && !channel.eof_sent && !channel.closed) {
                const auto size = rng() % blob.size();
                connection.send_data(*id, ByteView(blob).first(size), !on_client && rng() % 4 == 0);
            } else if (op == 5 && channel.held > 0) {
                const auto n = rng() % (channel.held + 1);
                connection.consume(*id, n);
                channel.held -= n;
            } else if (op == 6 && rng() % 4 == 0 && !channel.closed) {
                connection.send_eof(*id);
                channel.eof_sent = true;
            } else if (op == 7 && rng() % 8 == 0) {
                connection.close(*id);
                channel.closed = true;
            } else if (op == 8 && on_client && !channel.closed) {
                pair.client.request_subsystem(*id, "sftp");
            } else if (op == 8 && !on_client && channel.deciding && !channel.closed) {
                pair.server.reply_channel_request(*id, rng() % 2 == 0);
                channel.deciding = false;
            } else if (op == 9 && !on_client && !channel.closed) {
                pair.server.send_exit_status(*id, 0);
            }
        }
        pair.pump();
        client_model.absorb(pair.client_out.take_events());
        server_model.absorb(pair.server_out.take_events());
    }
    INFO("client received " << client_model.received << ", server received " << server_model.received
                             << ", opened " << client_model.opened << ", closed " << client_model.closed);
    CHECK(client_model.received > limits.window_size);
    CHECK(server_model.received > limits.window_size);
    CHECK(client_model.closed > 2);
    CHECK(client_model.max_held <= limits.window_size);
    CHECK(server_model.max_held <= limits.window_size);
    CHECK(pair.client.unanswered_keepalives() == 0);
    CHECK(pair.server.unanswered_keepalives() == 0);
}
