// Connection layer: opening channels, channel and global requests, keepalives, id reuse and
// malformed input. Windows, data and closing are in connection_data_test.cpp.
#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "connection_test_util.hpp"
#include "protocols/ssh/connection.hpp"

using namespace wharf::ssh;
using wharf::test::numbers;
using wharf::test::only;
using wharf::test::Pair;
using wharf::test::Recorder;
using wharf::test::Single;

namespace {

Bytes string_data(std::string_view text) { return Writer{}.string(text).take(); }

}  // namespace

// ---- opening ----------------------------------------------------------------------------------

TEST_CASE("server accepts session channels with our window and maximum packet", "[connection]") {
    Single server(Role::server, ConnectionLimits{65536, 16384, 10});
    server.feed(ChannelOpen{"session", 42, 1000, 2000, {}}.encode());
    const auto sent = server.out.take_sent();
    REQUIRE(sent.size() == 1);
    const auto confirmation = ChannelOpenConfirmation::decode(sent[0]);
    CHECK(confirmation.recipient_channel == 42);
    CHECK(confirmation.sender_channel == 0);
    CHECK(confirmation.initial_window == 65536);
    CHECK(confirmation.maximum_packet == 16384);
    CHECK(only<ChannelOpened>(server.out.take_events()).at(0).channel == 0);
    CHECK(server.connection.is_open(0));
    CHECK(server.connection.writable(0) == 1000);
    CHECK(server.connection.has_channels());
}

TEST_CASE("server refuses sessions beyond max_channels with resource_shortage", "[connection]") {
    Single server(Role::server, ConnectionLimits{65536, 32768, 2});
    server.open_from_peer(1);
    server.open_from_peer(2);
    server.feed(ChannelOpen{"session", 3, 1000, 2000, {}}.encode());
    const auto sent = server.out.take_sent();
    REQUIRE(sent.size() == 1);
    const auto failure = ChannelOpenFailure::decode(sent[0]);
    CHECK(failure.recipient_channel == 3);
    CHECK(failure.reason == ChannelOpenFailure::resource_shortage);
    CHECK(server.out.take_events().empty());
}

TEST_CASE("forwarding and unknown channel types are refused politely", "[connection]") {
    const auto role = GENERATE(Role::server, Role::client);
    const std::vector<std::pair<std::string, std::uint32_t>> cases = {
        {"direct-tcpip", ChannelOpenFailure::administratively_prohibited},
        {"forwarded-tcpip", ChannelOpenFailure::administratively_prohibited},
        {"x11", ChannelOpenFailure::administratively_prohibited},
        {"auth-agent@openssh.com", ChannelOpenFailure::administratively_prohibited},
        {"bogus@example.com", ChannelOpenFailure::unknown_channel_type},
    };
    Single single(role);
    for (const auto& [type, reason] : cases) {
        INFO(type);
        single.feed(ChannelOpen{type, 9, 1000, 2000, string_data("localhost")}.encode());
        const auto sent = single.out.take_sent();
        REQUIRE(sent.size() == 1);
        const auto failure = ChannelOpenFailure::decode(sent[0]);
        CHECK(failure.recipient_channel == 9);
        CHECK(failure.reason == reason);
    }
    CHECK(single.out.take_events().empty());
    CHECK_FALSE(single.connection.has_channels());
}

TEST_CASE("a client refuses session channels the server opens", "[connection]") {
    Single client(Role::client);
    client.feed(ChannelOpen{"session", 1, 1000, 2000, {}}.encode());
    const auto sent = client.out.take_sent();
    REQUIRE(sent.size() == 1);
    CHECK(ChannelOpenFailure::decode(sent[0]).reason == ChannelOpenFailure::administratively_prohibited);
}

TEST_CASE("client open: confirmation and refusal", "[connection]") {
    Pair pair;
    const auto [client_id, server_id] = pair.open();
    CHECK(pair.client.is_open(client_id));
    CHECK(pair.server.is_open(server_id));
    CHECK(pair.client.writable(client_id) == ConnectionLimits{}.window_size);

    Single client(Role::client);
    const auto id = client.connection.open_session();
    const auto open = ChannelOpen::decode(client.out.take_sent().at(0));
    CHECK(open.type == "session");
    CHECK(open.initial_window == ConnectionLimits{}.window_size);
    CHECK(open.maximum_packet == ConnectionLimits{}.max_packet);
    CHECK_FALSE(client.connection.is_open(id));
    CHECK(client.connection.send_data(id, string_data("early")) == 0);
    client.feed(ChannelOpenFailure{id, ChannelOpenFailure::connect_failed, "no", ""}.encode());
    const auto refused = only<ChannelOpenRefused>(client.out.take_events());
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].channel == id);
    CHECK(refused[0].reason == ChannelOpenFailure::connect_failed);
    CHECK(refused[0].description == "no");
    CHECK_FALSE(client.connection.has_channels());
}

TEST_CASE("no-more-sessions@openssh.com: success, then a session open disconnects", "[connection]") {
    Single server(Role::server);
    const auto first = server.open_from_peer(1);
    server.feed(GlobalRequest{"no-more-sessions@openssh.com", true, {}}.encode());
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::request_success});
    // Existing sessions carry on; forwarding is still refused politely.
    CHECK(server.connection.is_open(first));
    server.feed(ChannelOpen{"direct-tcpip", 2, 1000, 2000, {}}.encode());
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::channel_open_failure});
    CHECK_THROWS_AS(server.feed(ChannelOpen{"session", 3, 1000, 2000, {}}.encode()), ProtocolError);
    CHECK(server.out.take_sent().empty());  // sshd disconnects without an OPEN_FAILURE first

    Single client(Role::client);  // only a server honours it
    client.feed(GlobalRequest{"no-more-sessions@openssh.com", true, {}}.encode());
    CHECK(numbers(client.out.take_sent()) == std::vector<int>{msg::request_failure});
}

// ---- channel requests -------------------------------------------------------------------------

TEST_CASE("subsystem and exec go to the driver, which accepts or refuses", "[connection]") {
    Pair pair;
    const auto [c, s] = pair.open();
    pair.client.request_subsystem(c, "sftp");
    pair.pump();
    const auto requested = only<ChannelRequested>(pair.server_out.take_events());
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].channel == s);
    CHECK(requested[0].type == "subsystem");
    CHECK(requested[0].name == "sftp");
    CHECK(pair.client_out.take_events().empty());  // no answer until the driver decides
    pair.server.reply_channel_request(s, true);
    pair.pump();
    auto answered = only<ChannelRequestAnswered>(pair.client_out.take_events());
    REQUIRE(answered.size() == 1);
    CHECK(answered[0].channel == c);
    CHECK(answered[0].success);

    // A second program on the same channel is refused without asking the driver.
    pair.client.request_exec(c, "ls");
    pair.pump();
    CHECK(pair.server_out.take_events().empty());
    answered = only<ChannelRequestAnswered>(pair.client_out.take_events());
    REQUIRE(answered.size() == 1);
    CHECK_FALSE(answered[0].success);

    const auto [c2, s2] = pair.open();
    pair.client.request_exec(c2, "scp -t /tmp");
    pair.pump();
    const auto exec = only<ChannelRequested>(pair.server_out.take_events());
    REQUIRE(exec.size() == 1);
    CHECK(exec[0].type == "exec");
    CHECK(exec[0].name == "scp -t /tmp");
    pair.server.reply_channel_request(s2, false);
    pair.pump();
    answered = only<ChannelRequestAnswered>(pair.client_out.take_events());
    REQUIRE(answered.size() == 1);
    CHECK_FALSE(answered[0].success);
    // After a refusal the client may try again.
    pair.client.request_subsystem(c2, "sftp");
    pair.pump();
    CHECK(only<ChannelRequested>(pair.server_out.take_events()).size() == 1);
}

TEST_CASE("server refuses every other channel request, replying only when asked", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer(5);
    for (const std::string type : {"env", "pty-req", "shell", "x11-req", "auth-agent-req@openssh.com", "signal",
                                   "break", "xon-xoff", "exit-status", "keepalive@openssh.com", "unknown@example"}) {
        INFO(type);
        server.request(id, type, true, string_data("x"));
        const auto sent = server.out.take_sent();
        REQUIRE(sent.size() == 1);
        CHECK(ChannelFailure::decode(sent[0]).recipient_channel == 5);
        server.request(id, type, false, string_data("x"));
        CHECK(server.out.take_sent().empty());
    }
    server.request(id, "window-change", false, Writer{}.uint32(80).uint32(24).uint32(0).uint32(0).take());
    CHECK(server.out.take_sent().empty());
    server.request(id, "eow@openssh.com", false);
    CHECK(server.out.take_sent().empty());
    server.request(id, "eow@openssh.com", true);
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::channel_success});
    CHECK(server.out.take_events().empty());
}

TEST_CASE("replies leave in request order when the driver answers later", "[connection]") {
    Single server(Role::server);
    const auto a = server.open_from_peer(10);
    const auto b = server.open_from_peer(11);
    server.request(a, "exec", true, string_data("true"));
    server.request(a, "pty-req", true, string_data("vt100"));  // refused at once, but must wait
    server.request(a, "env", false, string_data("LANG"));
    server.request(a, "subsystem", true, string_data("sftp"));  // second program: refused, waits
    CHECK(server.out.take_sent().empty());
    // Another channel is not held up (RFC 4254 §4).
    server.request(b, "shell", true);
    auto sent = server.out.take_sent();
    REQUIRE(sent.size() == 1);
    CHECK(ChannelFailure::decode(sent[0]).recipient_channel == 11);

    CHECK(only<ChannelRequested>(server.out.take_events()).size() == 1);
    server.connection.reply_channel_request(a, true);
    sent = server.out.take_sent();
    CHECK(numbers(sent) == std::vector<int>{msg::channel_success, msg::channel_failure, msg::channel_failure});
    CHECK(ChannelSuccess::decode(sent[0]).recipient_channel == 10);
    CHECK_THROWS_AS(server.connection.reply_channel_request(a, true), std::logic_error);
}

TEST_CASE("exec without want_reply is decided by the driver but never answered", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer();
    server.request(id, "exec", false, string_data("id"));
    CHECK(only<ChannelRequested>(server.out.take_events()).size() == 1);
    server.request(id, "pty-req", true);  // nothing owed before it: answered at once
    CHECK(numbers(server.out.take_sent()) == std::vector<int>{msg::channel_failure});
    server.connection.reply_channel_request(id, true);
    CHECK(server.out.take_sent().empty());
}

TEST_CASE("a peer piling up requests behind an undecided one is cut off", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer();
    server.request(id, "exec", true, string_data("sleep"));
    for (std::size_t i = 1; i < Connection::max_pending_replies; ++i) server.request(id, "pty-req", true);
    CHECK_THROWS_AS(server.request(id, "pty-req", true), ProtocolError);
}

TEST_CASE("exit-status and exit-signal reach the client", "[connection]") {
    Pair pair;
    const auto [c, s] = pair.open();
    pair.server.send_exit_status(s, 3);
    pair.pump();
    auto exits = only<ChannelExitStatus>(pair.client_out.take_events());
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].channel == c);
    CHECK(exits[0].status == 3u);
    CHECK(pair.server_out.take_events().empty());  // want_reply false: nothing comes back

    pair.server.send_exit_signal(s, "TERM", true, "terminated");
    pair.pump();
    exits = only<ChannelExitStatus>(pair.client_out.take_events());
    REQUIRE(exits.size() == 1);
    CHECK_FALSE(exits[0].status.has_value());
    CHECK(exits[0].signal == "TERM");

    // The client refuses what it does not know, such as sshd's channel keepalive.
    Single client(Role::client);
    const auto id = client.open_to_peer(4);
    client.request(id, "keepalive@openssh.com", true);
    CHECK(numbers(client.out.take_sent()) == std::vector<int>{msg::channel_failure});
    client.request(id, "exit-status", true, Writer{}.uint32(0).take());
    CHECK(numbers(client.out.take_sent()) == std::vector<int>{msg::channel_success});
}

TEST_CASE("client requests: env carries no reply, answers match requests in order", "[connection]") {
    Single client(Role::client);
    const auto id = client.open_to_peer(4);
    client.connection.request_env(id, "LANG", "C");
    client.connection.request_exec(id, "true");
    const auto sent = client.out.take_sent();
    REQUIRE(sent.size() == 2);
    const auto env = ChannelRequest::decode(sent[0]);
    CHECK(env.type == "env");
    CHECK_FALSE(env.want_reply);
    CHECK(ChannelRequest::decode(sent[1]).want_reply);
    client.feed(ChannelSuccess{id}.encode());
    CHECK(only<ChannelRequestAnswered>(client.out.take_events()).size() == 1);
    CHECK_THROWS_AS(client.feed(ChannelSuccess{id}.encode()), ProtocolError);  // nothing left to answer
}

TEST_CASE("role misuse is a logic error", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer();
    CHECK_THROWS_AS(server.connection.open_session(), std::logic_error);
    CHECK_THROWS_AS(server.connection.request_subsystem(id, "sftp"), std::logic_error);
    CHECK_THROWS_AS(server.connection.reply_channel_request(id, true), std::logic_error);  // nothing pending
    Single client(Role::client);
    const auto cid = client.open_to_peer();
    CHECK_THROWS_AS(client.connection.send_exit_status(cid, 0), std::logic_error);
    CHECK_THROWS_AS(client.connection.reply_channel_request(cid, true), std::logic_error);
    Single small(Role::client, ConnectionLimits{1024, 1024, 1});
    small.connection.open_session();
    CHECK_THROWS_AS(small.connection.open_session(), std::runtime_error);
    Recorder out;
    CHECK_THROWS_AS(Connection(Role::client, ConnectionLimits{0, 1024, 1}, out), std::invalid_argument);
    // Unknown ids are a race with the peer's CLOSE, not misuse: ignored.
    CHECK(server.connection.send_data(99, string_data("x")) == 0);
    CHECK_NOTHROW(server.connection.consume(99, 1));
    CHECK_NOTHROW(server.connection.close(99));
    CHECK_NOTHROW(server.connection.send_exit_status(99, 1));
    CHECK_NOTHROW(server.connection.reply_channel_request(99, true));
    CHECK(server.out.take_sent().empty());
}

// ---- global requests and keepalives -------------------------------------------------------------

TEST_CASE("global requests other than no-more-sessions get REQUEST_FAILURE when asked", "[connection]") {
    const auto role = GENERATE(Role::server, Role::client);
    Single single(role);
    for (const std::string name : {"keepalive@openssh.com", "tcpip-forward", "cancel-tcpip-forward",
                                   "hostkeys-00@openssh.com", "unknown@example.com"}) {
        INFO(name);
        single.feed(GlobalRequest{name, true, Writer{}.string("0.0.0.0").uint32(8080).take()}.encode());
        CHECK(numbers(single.out.take_sent()) == std::vector<int>{msg::request_failure});
        single.feed(GlobalRequest{name, false, {}}.encode());
        CHECK(single.out.take_sent().empty());
    }
}

TEST_CASE("keepalives: counted until any reply, answered in both directions", "[connection]") {
    Pair pair;
    pair.client.send_keepalive();
    pair.client.send_keepalive();
    pair.client.send_keepalive();
    CHECK(pair.client.unanswered_keepalives() == 3);
    const auto request = GlobalRequest::decode(pair.client_out.sent.front());
    CHECK(request.name == "keepalive@openssh.com");
    CHECK(request.want_reply);
    pair.pump();
    CHECK(pair.client.unanswered_keepalives() == 0);
    pair.server.send_keepalive();
    CHECK(pair.server.unanswered_keepalives() == 1);
    pair.pump();
    CHECK(pair.server.unanswered_keepalives() == 0);

    // Any reply resets the count; replies without a request are a protocol error.
    Single single(Role::server);
    single.connection.send_keepalive();
    single.connection.send_keepalive();
    single.feed(RequestSuccess{}.encode());
    CHECK(single.connection.unanswered_keepalives() == 0);
    single.connection.send_keepalive();
    CHECK(single.connection.unanswered_keepalives() == 1);
    single.feed(RequestFailure{}.encode());
    single.feed(RequestFailure{}.encode());
    CHECK_THROWS_AS(single.feed(RequestFailure{}.encode()), ProtocolError);
}

// ---- channel ids ------------------------------------------------------------------------------

TEST_CASE("channel ids are reused only after both sides closed", "[connection]") {
    const ConnectionLimits limits{65536, 32768, 3};
    Pair pair(limits, limits);
    const auto [c0, s0] = pair.open();
    const auto [c1, s1] = pair.open();
    CHECK(c0 == 0);
    CHECK(c1 == 1);
    CHECK(s0 == 0);
    CHECK(s1 == 1);
    pair.client.close(c0);
    // The client's CLOSE is not answered yet, so its id 0 stays taken.
    const auto c2 = pair.client.open_session();
    CHECK(c2 == 2);
    CHECK_THROWS_AS(pair.client.open_session(), std::runtime_error);
    pair.pump();
    auto server_events = pair.server_out.take_events();
    CHECK(only<ChannelClosed>(server_events).at(0).channel == s0);
    CHECK(only<ChannelOpened>(server_events).at(0).channel == 2);  // round-robin, not the id just freed
    auto client_events = pair.client_out.take_events();
    CHECK(only<ChannelClosed>(client_events).at(0).channel == c0);
    CHECK(only<ChannelOpened>(client_events).at(0).channel == c2);
    const auto [c3, s3] = pair.open();  // wraps around to the freed id
    CHECK(c3 == 0);
    CHECK(s3 == 0);
}

// ---- peer violations and malformed input --------------------------------------------------------

TEST_CASE("peer violations are protocol errors with a clear description", "[connection]") {
    Single server(Role::server);
    const auto id = server.open_from_peer();
    const auto error_for = [&](const Bytes& payload) -> std::string {
        try {
            server.feed(payload);
        } catch (const ProtocolError& e) {
            CHECK(e.reason() == DisconnectReason::protocol_error);
            return e.what();
        }
        FAIL("no ProtocolError");
        return {};
    };
    using Catch::Matchers::Contains;
    CHECK_THAT(error_for(ChannelData{9, ByteView()}.encode()), Contains("unknown channel 9"));
    CHECK_THAT(error_for(ChannelOpenConfirmation{id, 1, 10, 100, {}}.encode()), Contains("not opening"));
    CHECK_THAT(error_for(ChannelOpenFailure{id, 1, "", ""}.encode()), Contains("not opening"));
    CHECK_THAT(error_for(ChannelSuccess{id}.encode()), Contains("no request awaiting"));
    CHECK_THAT(error_for(RequestSuccess{}.encode()), Contains("no global request"));
    CHECK_THAT(error_for(Bytes{85}), Contains("85"));
    CHECK_THAT(error_for(Bytes{}), Contains("empty"));
    CHECK_THAT(error_for(ChannelOpen{"session", 1, 100, 5, {}}.encode()), Contains("maximum packet size 5"));
    CHECK_THAT(error_for(ChannelOpen{"session", 1, 100, 2000, Bytes{1}}.encode()), Contains("type-specific"));
    CHECK_THAT(error_for(Writer{}.byte(msg::channel_eof).uint32(id).byte(0).take()), Contains("CHANNEL_EOF"));
    CHECK_THAT(error_for(Writer{}.byte(msg::channel_request).uint32(id).string("exec").boolean(true).take()),
               Contains("command"));

    Single client(Role::client);
    const auto cid = client.connection.open_session();
    client.out.take_sent();
    CHECK_THROWS_AS(client.feed(ChannelData{cid, ByteView()}.encode()), ProtocolError);  // not confirmed yet
}

TEST_CASE("malformed and random payloads give a ProtocolError, never anything else", "[connection]") {
    const auto role = GENERATE(Role::server, Role::client);
    const std::vector<Bytes> samples = {
        GlobalRequest{"keepalive@openssh.com", true, {}}.encode(),
        RequestSuccess{}.encode(),
        RequestFailure{}.encode(),
        ChannelOpen{"session", 1, 1000, 2000, {}}.encode(),
        ChannelOpenConfirmation{0, 1, 1000, 2000, {}}.encode(),
        ChannelOpenFailure{0, 1, "no", ""}.encode(),
        ChannelWindowAdjust{0, 100}.encode(),
        ChannelData{0, ByteView(std::vector<std::uint8_t>(10, 1))}.encode(),
        ChannelExtendedData{0, 1, ByteView()}.encode(),
        ChannelEof{0}.encode(),
        ChannelClose{0}.encode(),
        ChannelRequest{0, "exit-signal", true, Writer{}.string("TERM").boolean(false).string("").take()}.encode(),
        ChannelRequest{0, "exec", true, string_data("ls")}.encode(),
        ChannelSuccess{0}.encode(),
        ChannelFailure{0}.encode(),
    };
    std::size_t errors = 0;
    const auto feed_one = [&](const Bytes& payload) {
        // A fresh layer with channel 0 open each time, so every message has something to hit.
        Single single(role, ConnectionLimits{4096, 1024, 4});
        if (role == Role::server) {
            single.open_from_peer(1);
        } else {
            single.open_to_peer(1);
        }
        single.connection.send_keepalive();
        try {
            single.feed(payload);
        } catch (const ProtocolError&) {
            ++errors;
        } catch (const std::exception& e) {
            FAIL("unexpected exception: " << e.what());
        }
    };
    for (const auto& sample : samples) {
        for (std::size_t length = 0; length <= sample.size(); ++length) feed_one(Bytes(sample.begin(), sample.begin() + length));
        auto longer = sample;
        longer.push_back(0);
        feed_one(longer);
    }
    std::mt19937 rng(4254);
    for (int i = 0; i < 3000; ++i) {
        Bytes payload(rng() % 24);
        for (auto& b : payload) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : rng() % 3);
        if (!payload.empty()) payload[0] = static_cast<std::uint8_t>(80 + rng() % 21);
        feed_one(payload);
    }
    CHECK(errors > 0);
}
