// The client engine fed crafted server bytes: every malformed or unexpected reply ends in
// failed() with a reason and CONNECTION_LOST for the requests in flight, never in a crash or
// an exception out of receive().
#include "sftp/client_pair.hpp"

#include <catch2/catch.hpp>

#include <random>

namespace sftp_test {
namespace {

using sftp::StatusCode;

ssh::Bytes framed(std::uint8_t type, const ssh::Bytes& body) {
    ssh::Writer w;
    w.uint32(static_cast<std::uint32_t>(body.size() + 1)).byte(type).raw(ssh::ByteView(body));
    return w.take();
}

// A client that sent INIT for `version` and got VERSION `version` back.
struct FedClient {
    sftp::ClientEngine client;
    std::uint32_t version;

    explicit FedClient(std::uint32_t v = 6)
        : client(sftp::ClientConfig{v, 64, sftp::kDefaultMaxPacketLength}), version(v) {
        const ssh::Bytes init = *client.take_output();
        CHECK(unframe(init) == sftp::Packet{1, ssh::Bytes{0, 0, 0, static_cast<std::uint8_t>(v)}});
        feed(sftp::encode_packet(sftp::Version{v, {}}, v));
        REQUIRE(client.ready());
    }
    void feed(const ssh::Bytes& bytes) { client.receive(ssh::ByteView(bytes)); }
    template <class Message>
    void reply(const Message& m) {
        feed(sftp::encode_packet(m, version));
    }
    // The request id of the one request sent since the last call.
    std::uint32_t sent_id() {
        const auto bytes = client.take_output();
        REQUIRE(bytes.has_value());
        const sftp::Packet packet = unframe(*bytes);
        ssh::Reader in("request", ssh::ByteView(packet.body));
        return in.uint32("id");
    }
    void require_failed_with(std::string_view reason_part) {
        REQUIRE(client.failed());
        CAPTURE(*client.failure());
        CHECK(client.failure()->find(reason_part) != std::string::npos);
    }
};

void check_connection_lost(Answer<sftp::FileAttributes>& answer) {
    CHECK(answer.code() == static_cast<std::uint32_t>(StatusCode::connection_lost));
}

TEST_CASE("client malformed: handshake violations", "[sftp][client][malformed]") {
    sftp::ClientEngine client;
    SECTION("a reply before VERSION") {
        const auto bytes = sftp::encode_packet(sftp::Status::make(1, 3, StatusCode::ok), 3);
        client.receive(ssh::ByteView(bytes));
        REQUIRE(client.failed());
        CHECK(*client.failure() == "SSH_FXP_STATUS before VERSION");
    }
    SECTION("a version above what we asked for") {
        sftp::ClientEngine v4(sftp::ClientConfig{4, 64, sftp::kDefaultMaxPacketLength});
        const auto bytes = sftp::encode_packet(sftp::Version{5, {}}, 5);
        v4.receive(ssh::ByteView(bytes));
        REQUIRE(v4.failed());
        CHECK(*v4.failure() == "the server answered version 5 to our 4");
    }
    SECTION("a version below 3") {
        const auto bytes = sftp::encode_packet(sftp::Version{2, {}}, 3);
        client.receive(ssh::ByteView(bytes));
        CHECK(client.failed());
    }
    SECTION("two VERSIONs") {
        const auto bytes = sftp::encode_packet(sftp::Version{6, {}}, 6);
        client.receive(ssh::ByteView(bytes));
        REQUIRE(client.ready());
        client.receive(ssh::ByteView(bytes));
        REQUIRE(client.failed());
        CHECK(*client.failure() == "a second SSH_FXP_VERSION");
    }
    SECTION("a request before VERSION is our own mistake") {
        CHECK_THROWS_AS(client.stat("/", [](auto) {}), std::logic_error);
    }
    SECTION("EOF before VERSION") {
        client.receive_eof();
        CHECK(client.failed());
    }
    SECTION("VERSION byte by byte, with garbled extension data kept raw") {
        const sftp::Version version{5, {{"vendor-id", std::string(2, '\0')}, {"newline", "\r\n"}}};
        for (const std::uint8_t byte : sftp::encode_packet(version, 5)) {
            REQUIRE_FALSE(client.ready());
            client.receive(ssh::ByteView(&byte, 1));
        }
        REQUIRE(client.ready());
        CHECK(client.server()->vendor == std::nullopt);
        CHECK(client.server()->extension_data("vendor-id") == std::string(2, '\0'));
        CHECK(client.server()->newline == "\r\n");
    }
}

TEST_CASE("client malformed: replies that do not fit their request",
          "[sftp][client][malformed]") {
    FedClient fed(GENERATE(3u, 6u));
    Answer<sftp::FileAttributes> stat;
    fed.client.stat("/x", stat.callback());
    const std::uint32_t id = fed.sent_id();

    SECTION("an unknown request id") {
        fed.reply(sftp::Status::make(id + 7, fed.version, StatusCode::ok));
        fed.require_failed_with("unknown request id");
    }
    SECTION("the wrong reply type") {
        fed.reply(sftp::Handle{id, "h"});
        fed.require_failed_with("SSH_FXP_HANDLE in reply to SSH_FXP_STAT");
    }
    SECTION("OK where attributes were expected") {
        fed.reply(sftp::Status::make(id, fed.version, StatusCode::ok));
        fed.require_failed_with("SSH_FX_OK in reply to SSH_FXP_STAT");
    }
    SECTION("truncated attributes") {
        ssh::Writer body;
        body.uint32(id).uint32(sftp::attr::size).uint32(0);  // half a uint64 size
        fed.feed(framed(105, body.take()));
        fed.require_failed_with("truncated");
    }
    SECTION("a length of zero") {
        fed.feed(ssh::Bytes{0, 0, 0, 0});
        fed.require_failed_with("no type byte");
    }
    SECTION("a length above the limit") {
        fed.feed(ssh::Bytes{0x7f, 0xff, 0xff, 0xff, 105});
        fed.require_failed_with("exceeds the maximum");
    }
    SECTION("a request packet type") {
        fed.feed(framed(17, ssh::Bytes{0, 0, 0, 1}));
        fed.require_failed_with("not a reply");
    }
    SECTION("EOF with the request outstanding") {
        fed.client.receive_eof();
        fed.require_failed_with("requests outstanding");
    }
    check_connection_lost(stat);
    CHECK(stat.result->message().find("sftp: ") == 0);

    // Nothing more happens after failure: input is ignored, requests complete at once.
    fed.reply(sftp::Attrs{id, {}});
    Answer<sftp::FileAttributes> late;
    fed.client.stat("/y", late.callback());
    check_connection_lost(late);
    CHECK_FALSE(fed.client.has_output());
}

TEST_CASE("client malformed: our own misuse throws to the caller and sends nothing",
          "[sftp][client][malformed]") {
    FedClient fed(3);
    const ssh::Bytes too_big(fed.client.max_data_length() + 1, 'x');
    CHECK_THROWS_AS(fed.client.write(std::string(256, 'h'), 0, too_big, [](auto) {}),
                    std::length_error);
    CHECK_THROWS_AS(fed.client.link("/a", "/b", true, [](auto) {}), std::invalid_argument);
    CHECK_FALSE(fed.client.has_output());
    CHECK(fed.client.idle());
    CHECK_FALSE(fed.client.failed());
    // The largest WRITE does fit.
    fed.client.write(std::string(256, 'h'), 0, ssh::Bytes(fed.client.max_data_length(), 'x'),
                     [](auto) {});
    CHECK(fed.client.has_output());
}

TEST_CASE("client engine: v3 SYMLINK argument order on the wire", "[sftp][client]") {
    using Order = sftp::ClientConfig::SymlinkOrder;
    const Order order = GENERATE(Order::openssh, Order::draft);
    sftp::ClientConfig config{3, 64, sftp::kDefaultMaxPacketLength, order};
    sftp::ClientEngine client(config);
    (void)client.take_output();
    const auto version = sftp::encode_packet(sftp::Version{3, {}}, 3);
    client.receive(ssh::ByteView(version));
    client.symlink("/link", "/target", [](auto) {});
    const sftp::Packet packet = unframe(*client.take_output());
    ssh::Reader in("SYMLINK", ssh::ByteView(packet.body));
    in.uint32("id");
    const std::string first = in.text("first");
    const std::string second = in.text("second");
    if (order == Order::openssh) {
        CHECK((first == "/target" && second == "/link"));
    } else {
        CHECK((first == "/link" && second == "/target"));
    }
}

TEST_CASE("client malformed: extension and name replies", "[sftp][client][malformed]") {
    FedClient fed(6);
    SECTION("a statvfs reply cut short") {
        Answer<sftp::StatvfsReply> vfs;
        fed.client.statvfs("/", vfs.callback());
        const std::uint32_t id = fed.sent_id();
        fed.reply(sftp::ExtendedReply{id, ssh::Bytes(20, 0)});
        fed.require_failed_with("statvfs@openssh.com");
        CHECK(vfs.code() == static_cast<std::uint32_t>(StatusCode::connection_lost));
    }
    SECTION("REALPATH answered with two names") {
        Answer<sftp::NameEntry> real;
        fed.client.realpath(".", real.callback());
        const std::uint32_t id = fed.sent_id();
        fed.reply(sftp::Name{id, {{"/a", "", {}}, {"/b", "", {}}}, std::nullopt});
        fed.require_failed_with("2 entries, not 1");
        CHECK(real.code() == static_cast<std::uint32_t>(StatusCode::connection_lost));
    }
    SECTION("an answer to a request already answered") {
        Answer<void> removed;
        fed.client.remove("/a", removed.callback());
        const std::uint32_t id = fed.sent_id();
        fed.reply(sftp::Status::make(id, 6, StatusCode::ok));
        removed.ok();
        fed.reply(sftp::Status::make(id, 6, StatusCode::ok));
        fed.require_failed_with("unknown request id");
    }
}

TEST_CASE("client malformed: a download meets a server sending too much data",
          "[sftp][client][malformed]") {
    FedClient fed(3);
    Answer<std::uint64_t> download;
    sftp::download(fed.client, "/f", [](std::uint64_t, ssh::ByteView) { return true; }, {1, 4},
                   download.callback());
    fed.reply(sftp::Handle{fed.sent_id(), "h"});
    fed.reply(sftp::Data{fed.sent_id(), ssh::Bytes(5, 'x'), std::nullopt});  // asked for 4
    fed.reply(sftp::Status::make(fed.sent_id(), 3, StatusCode::ok));          // the CLOSE
    CHECK(download.code() == static_cast<std::uint32_t>(StatusCode::bad_message));
    CHECK_FALSE(fed.client.failed());
}

TEST_CASE("client malformed: random bytes after VERSION never escape receive()",
          "[sftp][client][malformed]") {
    for (std::uint32_t seed = 0; seed < 300; ++seed) {
        CAPTURE(seed);
        FedClient fed(3 + seed % 4);
        std::vector<Answer<sftp::FileAttributes>> stats(3);
        for (auto& stat : stats) fed.client.stat("/", stat.callback());
        (void)fed.client.take_output();
        std::mt19937 random(seed);
        ssh::Bytes noise(random() % 64);
        for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
        // A plausible frame around the noise half the time, so decoding is reached too.
        if (seed % 2 == 0) noise = framed(static_cast<std::uint8_t>(101 + seed % 5), noise);
        REQUIRE_NOTHROW(fed.feed(noise));
        REQUIRE_NOTHROW(fed.client.receive_eof());
        if (fed.client.failed()) {
            for (auto& stat : stats) CHECK(stat.result.has_value());
        }
    }
}

}  // namespace
}  // namespace sftp_test
