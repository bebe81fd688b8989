// Stream Transmission Buffers (RFC 5024 section 8.2): header bytes, framing across every split
// of a stream, and the header checks.
#include "oftp_test_util.hpp"
#include "protocols/oftp/stream_buffer.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace oftp_test;
namespace oftp = wharf::oftp;

namespace {

// Frames everything fed so far; a FramingError propagates.
std::vector<std::string> drain(oftp::StreamDeframer& deframer) {
    std::vector<std::string> buffers;
    while (auto buffer = deframer.next()) {
        buffers.push_back(text(*buffer));
    }
    return buffers;
}

oftp::FramingError framing_error(const Bytes& stream, std::uint32_t max = 99999) {
    oftp::StreamDeframer deframer(max);
    deframer.feed(stream);
    try {
        drain(deframer);
    } catch (const oftp::FramingError& error) {
        return error;
    }
    FAIL("framed");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("The STH is version 1, flags 0 and the length of header plus buffer", "[oftp][stb]") {
    CHECK(text(oftp::encode_stream_buffer(bytes("R"))) == std::string("\x10\x00\x00\x05" "R", 5));
    const Bytes big(99999, 'D');
    const Bytes framed = oftp::encode_stream_buffer(big);
    REQUIRE(framed.size() == 100003);
    CHECK(framed[0] == 0x10);
    CHECK(framed[1] == 0x01);  // 100003 = 0x0186A3
    CHECK(framed[2] == 0x86);
    CHECK(framed[3] == 0xA3);
    CHECK_THROWS_AS(oftp::encode_stream_buffer(Bytes{}), std::length_error);
    CHECK_THROWS_AS(oftp::encode_stream_buffer(Bytes(100000, 'D')), std::length_error);
}

TEST_CASE("Deframing works across every split point of a stream", "[oftp][stb]") {
    const std::vector<std::string> buffers = {"IODETTE FTP READY \r", "R", std::string(300, 'D'),
                                              "P"};
    Bytes stream;
    for (const auto& buffer : buffers) {
        oftp::append_stream_buffer(stream, bytes(buffer));
    }
    for (std::size_t first = 0; first <= stream.size(); ++first) {
        for (std::size_t second = first; second <= stream.size(); second += 7) {
            oftp::StreamDeframer deframer;
            std::vector<std::string> seen;
            const ByteView all(stream);
            for (const auto piece : {all.subspan(0, first), all.subspan(first, second - first),
                                     all.subspan(second)}) {
                deframer.feed(piece);
                const auto more = drain(deframer);
                seen.insert(seen.end(), more.begin(), more.end());
            }
            REQUIRE(seen == buffers);
            REQUIRE(deframer.buffered() == 0);
        }
    }
    oftp::StreamDeframer byte_by_byte;
    std::vector<std::string> seen;
    for (const std::uint8_t octet : stream) {
        byte_by_byte.feed(ByteView(&octet, 1));
        const auto more = drain(byte_by_byte);
        seen.insert(seen.end(), more.begin(), more.end());
    }
    CHECK(seen == buffers);
}

TEST_CASE("bytes_needed tells how much more to read", "[oftp][stb]") {
    oftp::StreamDeframer deframer;
    CHECK(deframer.bytes_needed() == 4);
    deframer.feed(bytes(std::string("\x10\x00", 2)));
    CHECK(deframer.bytes_needed() == 2);
    deframer.feed(bytes(std::string("\x00\x08" "ab", 4)));
    CHECK(deframer.bytes_needed() == 2);
    CHECK(!deframer.next());
    deframer.feed(bytes("cd"));
    CHECK(deframer.bytes_needed() == 0);
    CHECK(text(*deframer.next()) == "abcd");
}

TEST_CASE("Broken headers fail at once, with the ESID reason, and stay failed", "[oftp][stb]") {
    auto error = framing_error(bytes(std::string("\x20\x00\x00\x05" "R", 5)));
    CHECK(error.kind() == oftp::FramingError::Kind::bad_version);
    CHECK(error.reason() == oftp::EsidReason::mode_or_capabilities_incompatible);
    error = framing_error(bytes(std::string("\x11\x00\x00\x05" "R", 5)));
    CHECK(error.kind() == oftp::FramingError::Kind::bad_flags);
    error = framing_error(bytes(std::string("\x10\x00\x00\x04", 4)));
    CHECK(error.kind() == oftp::FramingError::Kind::too_short);
    CHECK(error.reason() == oftp::EsidReason::exchange_buffer_size_error);
    // Above the absolute maximum, and above a negotiated one: refused on the header alone.
    error = framing_error(bytes(std::string("\x10\x01\x86\xA4", 4)));
    CHECK(error.kind() == oftp::FramingError::Kind::too_long);
    error = framing_error(bytes(std::string("\x10\x00\x02\x05", 4)), 512);
    CHECK(error.kind() == oftp::FramingError::Kind::too_long);
    CHECK(std::string(error.what()) ==
          "stream transmission buffer length 517 exceeds the negotiated exchange buffer size 512 + 4");

    oftp::StreamDeframer deframer(99999);
    deframer.feed(oftp::encode_stream_buffer(Bytes(600, 'D')));
    deframer.set_max_buffer_size(512);  // negotiated down after the SSIDs
    CHECK_THROWS_AS(deframer.next(), oftp::FramingError);
    deframer.feed(oftp::encode_stream_buffer(bytes("R")));
    CHECK_THROWS_AS(deframer.next(), oftp::FramingError);
    CHECK_THROWS_AS(deframer.set_max_buffer_size(0), std::invalid_argument);
    CHECK_THROWS_AS(deframer.set_max_buffer_size(100000), std::invalid_argument);

    oftp::StreamDeframer exact(512);
    exact.feed(oftp::encode_stream_buffer(Bytes(512, 'D')));
    CHECK(exact.next()->size() == 512);
}
