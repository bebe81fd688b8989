// Every packet in every version: encode -> frame -> unframe -> decode gives the message back,
// every strict prefix of the body fails with a DecodeError, and a trailing byte does too.
#include "sftp_test_util.hpp"

#include <functional>
#include <variant>

using namespace sftp_test;
using sftp::Request;
using sftp::Reply;

namespace {

std::vector<Request> sample_requests(std::uint32_t v) {
    const auto attrs = full_attributes(v);
    std::vector<Request> out{
        sftp::Init{v, {}},
        sftp::Open{1, "/tmp/a.txt", v < 5 ? sftp::pflags::read | sftp::pflags::creat : 0u,
                   v >= 5 ? sftp::ace4::read_data : 0u,
                   v >= 5 ? sftp::open_flags::open_or_create : 0u, attrs},
        sftp::Close{2, "h1"},
        sftp::Read{3, "h1", 1ULL << 40, 32768},
        sftp::Write{4, "h1", 5, ssh::Bytes{1, 2, 3}},
        sftp::Lstat{5, "/x", v >= 4 ? 0x1fdu : 0u},
        sftp::Fstat{6, "h1", v >= 4 ? 0x4u : 0u},
        sftp::Setstat{7, "/x", attrs},
        sftp::Fsetstat{8, "h1", attrs},
        sftp::Opendir{9, "/"},
        sftp::Readdir{10, "d1"},
        sftp::Remove{11, "/x"},
        sftp::Mkdir{12, "/d", attrs},
        sftp::Rmdir{13, "/d"},
        sftp::Realpath{14, ".", std::nullopt, {}},
        sftp::Stat{15, "/x", v >= 4 ? 0x80000000u : 0u},
        sftp::Rename{16, "/a", "/b", v >= 5 ? sftp::rename_flags::atomic : 0u},
        sftp::Readlink{17, "/l"},
        sftp::Extended{20, "limits@openssh.com", {}},
        sftp::Extended{21, "vendor@example.com", ssh::Bytes{9, 9}},
    };
    if (v <= 5) out.push_back(sftp::Symlink{18, "/link", "/target"});
    if (v >= 6) {
        out.push_back(sftp::Realpath{22, "a", sftp::realpath_control::stat_if, {"b", "../c"}});
        out.push_back(sftp::Realpath{23, "a", sftp::realpath_control::no_check, {}});
        out.push_back(sftp::Link{19, "/new", "/old", true});
        out.push_back(sftp::Block{24, "h1", 0, 100, sftp::open_flags::block_write});
        out.push_back(sftp::Unblock{25, "h1", 0, 100});
    }
    return out;
}

std::vector<Reply> sample_replies(std::uint32_t v) {
    const auto attrs = full_attributes(v);
    sftp::NameEntry entry{"a.txt", v == 3 ? "-rw-r--r--    1 alice staff 5 Jan  1 00:00 a.txt" : "",
                          attrs};
    std::vector<Reply> out{
        sftp::Version{v, {{"newline", "\n"}, {"posix-rename@openssh.com", "1"}}},
        sftp::Status{1, 2, "No such file", "en", {}},
        sftp::Handle{2, std::string(256, 'h')},
        sftp::Data{3, ssh::Bytes(100, 0xab), std::nullopt},
        sftp::Name{4, {entry, entry}, std::nullopt},
        sftp::Name{5, {}, std::nullopt},
        sftp::Attrs{6, attrs},
        sftp::ExtendedReply{7, ssh::Bytes{0, 0, 0, 0, 0, 0, 0, 1}},
    };
    if (v >= 5) out.push_back(sftp::Status{8, 4, "Failure", "en", ssh::Bytes{1, 2}});
    if (v >= 6) {
        out.push_back(sftp::Data{9, ssh::Bytes{1}, true});
        out.push_back(sftp::Name{10, {entry}, false});
    }
    return out;
}

// Prefixes of the body that are complete messages on their own (optional trailing fields).
bool prefix_may_succeed(const Reply& reply, std::uint32_t v) {
    return std::holds_alternative<sftp::Status>(reply) ||  // v3 message/lang; v5 error data
           std::holds_alternative<sftp::Version>(reply) ||  // extension pairs run to the end
           std::holds_alternative<sftp::ExtendedReply>(reply) ||
           (v >= 6 && (std::holds_alternative<sftp::Data>(reply) ||
                       std::holds_alternative<sftp::Name>(reply)));
}

bool prefix_may_succeed(const Request& request, std::uint32_t v) {
    return std::holds_alternative<sftp::Init>(request) ||
           std::holds_alternative<sftp::Extended>(request) ||
           (v >= 6 && std::holds_alternative<sftp::Realpath>(request));
}

template <class Message, class Decode>
void check_round_trip(const Message& message, std::uint32_t v, Decode decode) {
    sftp::PacketWriter writer;
    writer.write(message, v);
    const sftp::Packet packet = unframe(writer.take());
    CHECK(decode(packet, v) == message);

    for (std::size_t n = 0; n < packet.body.size(); ++n) {
        const sftp::Packet cut{packet.type, ssh::Bytes(packet.body.begin(),
                                                       packet.body.begin() + static_cast<long>(n))};
        if (prefix_may_succeed(message, v)) {
            try {
                (void)decode(cut, v);
            } catch (const sftp::DecodeError&) {
            }
        } else {
            INFO("prefix " << n << " of " << packet.body.size());
            CHECK_THROWS_AS(decode(cut, v), sftp::DecodeError);
        }
    }
    // A trailing byte: an error wherever the layout has a fixed end, before v6; v6 ignores it
    // (-13 section 4: room for fields of later revisions).
    sftp::Packet longer = packet;
    longer.body.push_back(0);
    if (!prefix_may_succeed(message, v)) {
        if (v >= 6) {
            CHECK(decode(longer, v) == decode(packet, v));
        } else {
            CHECK_THROWS_AS(decode(longer, v), sftp::DecodeError);
        }
    }
}

}  // namespace

TEST_CASE("every request round-trips in every version", "[sftp][codec]") {
    for (std::uint32_t v = 3; v <= 6; ++v) {
        for (const Request& request : sample_requests(v)) {
            INFO("version " << v << " type " << sftp::packet_type_name(std::visit(
                                                  [](const auto& m) {
                                                      return static_cast<std::uint8_t>(m.kType);
                                                  },
                                                  request)));
            check_round_trip(request, v, [](const sftp::Packet& p, std::uint32_t ver) {
                return sftp::decode_request(p, ver);
            });
        }
    }
}

TEST_CASE("every reply round-trips in every version", "[sftp][codec]") {
    for (std::uint32_t v = 3; v <= 6; ++v) {
        for (const Reply& reply : sample_replies(v)) {
            INFO("version " << v);
            check_round_trip(reply, v, [](const sftp::Packet& p, std::uint32_t ver) {
                return sftp::decode_reply(p, ver);
            });
        }
    }
}

TEST_CASE("truncated request ids are reported when present", "[sftp][codec]") {
    const sftp::Packet packet{static_cast<std::uint8_t>(sftp::PacketType::open),
                              hex("00000007 0000")};
    try {
        (void)sftp::decode_request(packet, 3);
        FAIL("no error");
    } catch (const sftp::DecodeError& error) {
        CHECK(error.request_id() == 7u);
        CHECK(error.status() == sftp::StatusCode::bad_message);
        CHECK(std::string(error.what()).find("SSH_FXP_OPEN") != std::string::npos);
    }
}

TEST_CASE("packets a version lacks are OP_UNSUPPORTED", "[sftp][codec]") {
    const auto framed_link = encode_packet(sftp::Link{9, "a", "b", false}, 6);
    const sftp::Packet link = unframe(framed_link);
    for (std::uint32_t v = 3; v <= 5; ++v) {
        try {
            (void)sftp::decode_request(link, v);
            FAIL("no error");
        } catch (const sftp::DecodeError& error) {
            CHECK(error.status() == sftp::StatusCode::op_unsupported);
            CHECK(error.request_id() == 9u);
        }
    }
    const sftp::Packet symlink = unframe(encode_packet(sftp::Symlink{3, "l", "t"}, 3));
    CHECK_THROWS_AS(sftp::decode_request(symlink, 6), sftp::DecodeError);
    const sftp::Packet unknown{99, hex("00000005")};
    try {
        (void)sftp::decode_request(unknown, 3);
        FAIL("no error");
    } catch (const sftp::DecodeError& error) {
        CHECK(error.status() == sftp::StatusCode::op_unsupported);
        CHECK(error.request_id() == 5u);
    }
    CHECK_THROWS_AS(sftp::encode_packet(sftp::Link{1, "a", "b", true}, 3), std::invalid_argument);
    CHECK_THROWS_AS(sftp::encode_packet(sftp::Symlink{1, "a", "b"}, 6), std::invalid_argument);
}
