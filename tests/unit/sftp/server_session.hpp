// The client side of the server engine tests: a ServerEngine over a FakeFs, requests encoded
// and replies decoded in the negotiated version.
#pragma once

#include "protocols/sftp/server_engine.hpp"
#include "sftp/fake_filesystem.hpp"
#include "sftp/sftp_test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sftp_test {

struct Session {
    FakeFs fs;
    std::unique_ptr<sftp::ServerEngine> engine;
    std::uint32_t version = 3;
    sftp::Version greeting;  // the VERSION packet the engine sent

    // Sends INIT with `client_version` (0: none) and checks the VERSION reply.
    explicit Session(sftp::ServerConfig config = {}, std::uint32_t client_version = 3) {
        config.now = [] { return std::int64_t{1700000000 + 86400}; };
        engine = std::make_unique<sftp::ServerEngine>(fs, std::move(config));
        if (client_version != 0) {
            send(sftp::Init{client_version, {}});
            greeting = std::get<sftp::Version>(one());
            version = greeting.version;
        }
    }
    template <class Message>
    void send(const Message& m) {
        const ssh::Bytes bytes = sftp::encode_packet(m, version);
        engine->receive(ssh::ByteView(bytes));
    }
    void send_raw(std::uint8_t type, const ssh::Bytes& body) {
        ssh::Writer w;
        w.uint32(static_cast<std::uint32_t>(body.size() + 1)).byte(type).raw(ssh::ByteView(body));
        engine->receive(ssh::ByteView(w.bytes()));
    }
    // Every reply byte the engine has produced so far.
    ssh::Bytes output() {
        ssh::Bytes all;
        while (auto bytes = engine->take_output()) {
            all.insert(all.end(), bytes->begin(), bytes->end());
        }
        return all;
    }
    // Every reply the engine has produced so far (taking output may let it produce more).
    std::vector<sftp::Reply> replies() {
        std::vector<sftp::Reply> out;
        sftp::PacketReader reader;
        reader.feed(ssh::ByteView(output()));
        while (auto packet = reader.next()) out.push_back(sftp::decode_reply(*packet, version));
        return out;
    }
    sftp::Reply one() {
        auto all = replies();
        REQUIRE(all.size() == 1);
        return all.front();
    }
    sftp::Status status_reply(std::uint32_t id) {
        const auto s = std::get<sftp::Status>(one());
        CHECK(s.request_id == id);
        return s;
    }
    std::uint32_t status(std::uint32_t id) { return status_reply(id).code; }
    std::string open(std::uint32_t id, const std::string& path, std::uint32_t pflags) {
        send(sftp::Open{id, path, pflags, 0, 0, {}});
        return handle_reply(id);
    }
    // v5+: desired-access and flags.
    std::string open5(std::uint32_t id, const std::string& path, std::uint32_t access,
                      std::uint32_t flags) {
        send(sftp::Open{id, path, 0, access, flags, {}});
        return handle_reply(id);
    }
    std::string handle_reply(std::uint32_t id) {
        const auto reply = one();
        if (const auto* s = std::get_if<sftp::Status>(&reply)) {
            FAIL("status " << s->code << " " << s->message);
        }
        const auto h = std::get<sftp::Handle>(reply);
        CHECK(h.request_id == id);
        return h.handle;
    }
    // An EXTENDED request with a typed payload, and its EXTENDED_REPLY decoded.
    template <class Payload>
    void extended(std::uint32_t id, const Payload& payload) {
        send(sftp::make_extended(id, payload, version));
    }
    template <class ReplyPayload>
    ReplyPayload extended_reply(std::uint32_t id) {
        const auto reply = one();
        if (const auto* s = std::get_if<sftp::Status>(&reply)) {
            FAIL("status " << s->code << " " << s->message);
        }
        const auto r = std::get<sftp::ExtendedReply>(reply);
        CHECK(r.request_id == id);
        return sftp::parse_extended_reply<ReplyPayload>(r, version);
    }
};

inline ssh::Bytes bytes_of(std::string_view text) { return ssh::Bytes(text.begin(), text.end()); }

constexpr auto code(sftp::StatusCode c) { return static_cast<std::uint32_t>(c); }

}  // namespace sftp_test
