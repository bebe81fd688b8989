#include "sftp_test_util.hpp"

using namespace sftp_test;

TEST_CASE("PacketReader takes packets byte by byte and says what it needs", "[sftp][framing]") {
    sftp::PacketWriter writer;
    writer.write(sftp::Init{3, {}}, 3);
    writer.write(sftp::Close{1, "h"}, 3);
    const ssh::Bytes stream = writer.take();

    sftp::PacketReader reader;
    CHECK(reader.bytes_needed() == 4);
    std::vector<sftp::Packet> packets;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        reader.feed(ssh::ByteView(&stream[i], 1));
        while (auto packet = reader.next()) packets.push_back(std::move(*packet));
        if (i == 2) CHECK(reader.bytes_needed() == 1);
        if (i == 3) CHECK(reader.bytes_needed() == 5);  // INIT: 5 more after its length
    }
    REQUIRE(packets.size() == 2);
    CHECK(packets[0] == sftp::Packet{1, hex("00000003")});
    CHECK(std::get<sftp::Close>(sftp::decode_request(packets[1], 3)) == sftp::Close{1, "h"});
    CHECK(reader.buffered() == 0);
    CHECK(reader.bytes_needed() == 4);
}

TEST_CASE("PacketReader refuses huge or empty lengths before buffering them", "[sftp][framing]") {
    sftp::PacketReader reader(1024);
    CHECK_THROWS_AS(reader.feed(ssh::ByteView(hex("ffffffff"))), sftp::FramingError);

    sftp::PacketReader at_limit(1024);
    at_limit.feed(ssh::ByteView(hex("00000400 03")));  // exactly the limit is fine
    CHECK(at_limit.bytes_needed() == 1023);
    sftp::PacketReader over(1024);
    CHECK_THROWS_AS(over.feed(ssh::ByteView(hex("00000401"))), sftp::FramingError);
    sftp::PacketReader empty;
    CHECK_THROWS_AS(empty.feed(ssh::ByteView(hex("00000000"))), sftp::FramingError);

    // A bad header behind a good packet is reported by next() once reached.
    sftp::PacketReader second;
    second.feed(ssh::ByteView(hex("00000005 01 00000003 7fffffff")));
    CHECK(second.next().has_value());
    CHECK_THROWS_AS(second.next(), sftp::FramingError);
}

TEST_CASE("the default limit fits a 256 KiB WRITE and no more", "[sftp][framing]") {
    const sftp::Write write{1, std::string(256, 'h'), 0, ssh::Bytes(256 * 1024, 0)};
    const ssh::Bytes framed = sftp::encode_packet(write, 3);
    sftp::PacketReader reader;
    reader.feed(ssh::ByteView(framed));
    REQUIRE(reader.next().has_value());

    sftp::Write too_big = write;
    too_big.data.resize(sftp::kDefaultMaxPacketLength);
    CHECK_THROWS_AS(sftp::encode_packet(too_big, 3), std::length_error);
}

TEST_CASE("huge claimed counts and lengths fail without allocating", "[sftp][framing]") {
    // NAME claiming 2^32-1 entries in a 9-byte body.
    const sftp::Packet name{104, hex("00000001 ffffffff 00")};
    CHECK_THROWS_WITH(sftp::decode_reply(name, 3), Catch::Contains("exceeds"));
    // WRITE whose data claims 4 GiB.
    const sftp::Packet write{6, hex("00000001 00000001 68 0000000000000000 fffffff0 00")};
    CHECK_THROWS_AS(sftp::decode_request(write, 3), sftp::DecodeError);
    // A handle longer than 256 bytes.
    ssh::Writer body;
    body.uint32(1).string(std::string(257, 'h'));
    CHECK_THROWS_WITH(sftp::decode_request(sftp::Packet{4, body.take()}, 3),
                      Catch::Contains("exceeds 256"));
}

TEST_CASE("version negotiation", "[sftp][version]") {
    CHECK(sftp::negotiate_version(3, 6) == 3u);
    CHECK(sftp::negotiate_version(6, 6) == 6u);
    CHECK(sftp::negotiate_version(6, 3) == 3u);
    CHECK(sftp::negotiate_version(5, 4) == 4u);
    CHECK(sftp::negotiate_version(0xffffffff, 5) == 5u);
    CHECK_FALSE(sftp::negotiate_version(2, 6).has_value());
    CHECK_THROWS_AS(sftp::negotiate_version(3, 7), std::invalid_argument);
    CHECK_THROWS_AS(sftp::negotiate_version(3, 2), std::invalid_argument);
}
