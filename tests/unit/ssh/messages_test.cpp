#include <catch2/catch.hpp>

#include "protocols/ssh/messages.hpp"

using namespace wharf::ssh;

namespace {

template <class Message>
Message round_trip(const Message& message) {
    const auto payload = message.encode();
    REQUIRE(payload.at(0) == Message::number);
    return Message::decode(payload);
}

// Every strict prefix of a valid payload must fail to decode, never read past the end.
template <class Message>
void check_truncations(const Message& message) {
    const auto payload = message.encode();
    for (std::size_t length = 0; length < payload.size(); ++length) {
        INFO("length " << length);
        CHECK_THROWS_AS(Message::decode(ByteView(payload.data(), length)), DecodeError);
    }
}

template <class Message>
void check_trailing_byte_refused(const Message& message) {
    auto payload = message.encode();
    payload.push_back(0);
    CHECK_THROWS_AS(Message::decode(payload), DecodeError);
}

}  // namespace

TEST_CASE("KEXINIT round trips and rejects truncation and trailing bytes", "[messages]") {
    KexInit init;
    for (std::size_t i = 0; i < init.cookie.size(); ++i) init.cookie[i] = static_cast<std::uint8_t>(i);
    init.kex_algorithms = {"curve25519-sha256", "kex-strict-s-v00@openssh.com"};
    init.host_key_algorithms = {"ssh-ed25519"};
    init.ciphers_client_to_server = init.ciphers_server_to_client = {"aes128-ctr"};
    init.macs_client_to_server = init.macs_server_to_client = {"hmac-sha2-256"};
    init.compression_client_to_server = init.compression_server_to_client = {"none", "zlib@openssh.com"};
    init.first_kex_packet_follows = true;
    const auto decoded = round_trip(init);
    CHECK(decoded.cookie == init.cookie);
    CHECK(decoded.kex_algorithms == init.kex_algorithms);
    CHECK(decoded.compression_server_to_client == init.compression_server_to_client);
    CHECK(decoded.languages_client_to_server.empty());
    CHECK(decoded.first_kex_packet_follows);
    check_truncations(init);
    check_trailing_byte_refused(init);
}

TEST_CASE("transport and auth messages round trip", "[messages]") {
    CHECK(round_trip(Disconnect{11, "bye", "en"}).description == "bye");
    CHECK(round_trip(Ignore{{1, 2, 3}}).data == Bytes{1, 2, 3});
    CHECK(round_trip(Unimplemented{77}).sequence == 77);
    CHECK(round_trip(Debug{true, "note", ""}).always_display);
    CHECK(round_trip(ServiceRequest{"ssh-userauth"}).service == "ssh-userauth");
    CHECK(round_trip(ServiceAccept{"ssh-connection"}).service == "ssh-connection");
    const auto ext = round_trip(ExtInfo{{{"server-sig-algs", "ssh-ed25519,rsa-sha2-512"}, {"ping@openssh.com", "0"}}});
    REQUIRE(ext.extensions.size() == 2);
    CHECK(ext.extensions[0].second == "ssh-ed25519,rsa-sha2-512");
    round_trip(NewKeys{});
    const auto request = round_trip(UserauthRequest{"alice", "ssh-connection", "password", {0, 0, 0, 0, 1, 'x'}});
    CHECK(request.method == "password");
    CHECK(request.method_data.size() == 6);
    const auto failure = round_trip(UserauthFailure{{"publickey", "password"}, true});
    CHECK(failure.partial_success);
    CHECK(failure.methods_that_can_continue.size() == 2);
    round_trip(UserauthSuccess{});
    CHECK(round_trip(UserauthBanner{"Authorised use only\n", ""}).message == "Authorised use only\n");
    CHECK(round_trip(UserauthPkOk{"ssh-ed25519", {9, 9}}).key_blob == Bytes{9, 9});
    const auto info = round_trip(UserauthInfoRequest{"", "instructions", "", {{"Password: ", false}, {"Code: ", true}}});
    REQUIRE(info.prompts.size() == 2);
    CHECK(info.prompts[1].echo);
    CHECK(round_trip(UserauthInfoResponse{{"secret", "123456"}}).responses.at(1) == "123456");
    check_truncations(UserauthInfoRequest{"n", "i", "", {{"p", false}}});
    check_truncations(ExtInfo{{{"a", "b"}}});
}

TEST_CASE("connection messages round trip", "[messages]") {
    CHECK(round_trip(GlobalRequest{"keepalive@openssh.com", true, {}}).want_reply);
    CHECK(round_trip(RequestSuccess{{0, 0, 8, 0}}).data.size() == 4);
    round_trip(RequestFailure{});
    const auto open = round_trip(ChannelOpen{"session", 3, 2097152, 32768, {}});
    CHECK(open.sender_channel == 3);
    CHECK(open.initial_window == 2097152);
    CHECK(round_trip(ChannelOpenConfirmation{3, 0, 65536, 32768, {}}).recipient_channel == 3);
    CHECK(round_trip(ChannelOpenFailure{3, ChannelOpenFailure::administratively_prohibited, "no", ""}).reason == 1);
    CHECK(round_trip(ChannelWindowAdjust{1, 4096}).bytes_to_add == 4096);
    const Bytes data{'h', 'i'};
    const auto payload = ChannelData{7, data}.encode();
    const auto decoded = ChannelData::decode(payload);
    CHECK(decoded.recipient_channel == 7);
    CHECK(Bytes(decoded.data.begin(), decoded.data.end()) == data);
    CHECK(payload.size() == channel_data_overhead + data.size());
    const auto extended = ChannelExtendedData::decode(ChannelExtendedData{7, 1, data}.encode());
    CHECK(extended.data_type == ChannelExtendedData::stderr_data);
    CHECK(round_trip(ChannelEof{5}).recipient_channel == 5);
    CHECK(round_trip(ChannelClose{5}).recipient_channel == 5);
    const auto request = round_trip(ChannelRequest{2, "subsystem", true, Writer{}.string("sftp").take()});
    CHECK(request.type == "subsystem");
    CHECK(request.type_data.size() == 8);
    CHECK(round_trip(ChannelSuccess{2}).recipient_channel == 2);
    CHECK(round_trip(ChannelFailure{2}).recipient_channel == 2);
    check_truncations(ChannelOpen{"session", 3, 1, 1, {}});
    check_truncations(ChannelData{7, data});
    check_trailing_byte_refused(ChannelWindowAdjust{1, 1});
}

TEST_CASE("decoders name the message and refuse counts the payload cannot hold", "[messages]") {
    try {
        ChannelEof::decode(Bytes{msg::channel_close, 0, 0, 0, 1});
        FAIL("decoded a CLOSE as an EOF");
    } catch (const DecodeError& e) {
        CHECK(e.message_name() == "CHANNEL_EOF");
        CHECK(e.field() == "message number");
    }
    // nr-extensions of 2^32-1 in a 5-byte payload: refused before any allocation.
    CHECK_THROWS_AS(ExtInfo::decode(Bytes{msg::ext_info, 0xff, 0xff, 0xff, 0xff}), DecodeError);
    CHECK_THROWS_AS(UserauthInfoResponse::decode(Bytes{msg::userauth_info_response, 0x7f, 0xff, 0xff, 0xff}), DecodeError);
    CHECK_THROWS_AS(message_number(ByteView{}), DecodeError);
    // DISCONNECT without a language tag is tolerated (some peers send none).
    CHECK(Disconnect::decode(Writer{}.byte(msg::disconnect).uint32(2).string("bad").take()).reason == 2);
}
