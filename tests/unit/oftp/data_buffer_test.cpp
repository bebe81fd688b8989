// DATA exchange buffers (RFC 5024 section 7): the RFC's own example, hand-built sub-records,
// compression round trips including the worst cases, records across buffers, decode errors.
#include "oftp_test_util.hpp"
#include "protocols/oftp/data_buffer.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using namespace oftp_test;
namespace oftp = wharf::oftp;
using oftp::RecordFormat;

namespace {

// RFC 5024 Appendix A: the T-format extract from 'The Rime of the Ancient Mariner' as one
// exchange buffer, transcribed from the RFC's hexadecimal rows.
const Bytes kAppendixA = from_hex(
#include "appendix_a.inc"
);

const std::string kRime =
    "It is an ancient Mariner,\r\nAnd he stoppeth one of three.\r\n\"By thy long grey beard and "
    "glittering eye,\r\nNow wherefore stopp'st thou me?\r\n\r\n\"The Bridegroom's doors are opened "
    "wide,\r\nAnd I am next of kin;\r\nThe guests are met, the feast is set:\r\nMay'st hear the "
    "merry din.\"\r\n\r\nHe holds him with his skinny hand,\r\n\"There was a ship,\" quoth "
    "he.\r\n\"Hold off! unhand me, grey-beard loon!\"\r\nEftsoons his hand dropt he.\r\n\r\nHe "
    "holds him with his glittering eye--\r\nThe Wedding-Guest stood still,\r\nAnd listens like a "
    "three years; child:\r\nThe Mariner hath his will.\r\n\r\nThe Wedding-Guest sat on a "
    "stone:\r\nHe cannot chuse but hear;\r\nAnd thus spake on that ancient man,\r\nThe "
    "bright-eyed Mariner.\r\n\r\nThe ship was cheered, the harbour cleared,\r\nMerrily did we "
    "drop\r\nBelow the kirk, below the hill,\r\nBelow the light-house top.\r\n";

std::vector<Bytes> take_all(oftp::DataWriter& writer) {
    std::vector<Bytes> buffers;
    while (auto buffer = writer.take_buffer()) {
        buffers.push_back(std::move(*buffer));
    }
    return buffers;
}

struct ReadBack {
    Bytes data;
    std::vector<Bytes> records;
    bool end_of_file = false;
};

ReadBack read_all(const std::vector<Bytes>& buffers, RecordFormat format, bool compression,
                  std::uint32_t max_record_length = 0) {
    oftp::DataReader reader(format, max_record_length, compression);
    ReadBack back;
    oftp::DataChunk chunk;
    Bytes partial;
    for (const Bytes& buffer : buffers) {
        reader.read(buffer, chunk);
        std::size_t start = 0;
        for (const std::size_t end : chunk.record_ends) {
            partial.insert(partial.end(), chunk.data.begin() + static_cast<std::ptrdiff_t>(start),
                           chunk.data.begin() + static_cast<std::ptrdiff_t>(end));
            back.records.push_back(std::move(partial));
            partial.clear();
            start = end;
        }
        partial.insert(partial.end(), chunk.data.begin() + static_cast<std::ptrdiff_t>(start),
                       chunk.data.end());
        back.data.insert(back.data.end(), chunk.data.begin(), chunk.data.end());
        back.end_of_file = back.end_of_file || chunk.end_of_file;
    }
    CHECK(reader.octets() == back.data.size());
    CHECK(reader.records() == back.records.size());
    return back;
}

void check_buffers_well_formed(const std::vector<Bytes>& buffers, std::uint32_t buffer_size) {
    for (const Bytes& buffer : buffers) {
        REQUIRE(buffer.size() <= buffer_size);
        REQUIRE(buffer.size() >= 2);
        REQUIRE(buffer[0] == 'D');
    }
}

oftp::DataError data_error(const std::string& buffer, RecordFormat format, bool compression,
                           std::uint32_t max_record_length = 0) {
    oftp::DataReader reader(format, max_record_length, compression);
    oftp::DataChunk chunk;
    try {
        reader.read(bytes(buffer), chunk);
    } catch (const oftp::DataError& error) {
        return error;
    }
    FAIL("decoded");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("RFC 5024 Appendix A: the Rime as one T-format buffer", "[oftp][data]") {
    REQUIRE(kAppendixA.size() == 821);
    REQUIRE(kRime.size() == 12 * 63 + 51);
    for (const bool compression : {false, true}) {  // the poem has no run worth compressing
        oftp::DataWriter writer(RecordFormat::text, 1024, compression);
        writer.write(bytes(kRime.substr(0, 100)));
        writer.write(bytes(kRime.substr(100)));
        writer.finish();
        const auto buffers = take_all(writer);
        REQUIRE(buffers.size() == 1);
        CHECK(buffers[0] == kAppendixA);
        CHECK(writer.done());
        CHECK(writer.records() == 0);
        CHECK(writer.octets() == kRime.size());
    }
    const ReadBack back = read_all({kAppendixA}, RecordFormat::text, false);
    CHECK(text(back.data) == kRime);
    CHECK(back.end_of_file);
}

TEST_CASE("Sub-records built by hand", "[oftp][data]") {
    SECTION("F records, an empty one among them") {
        oftp::DataWriter writer(RecordFormat::fixed, 100, false);
        writer.write_record(bytes("AB"));
        writer.write_record(bytes(""));
        writer.write_record(bytes("CDE"));
        writer.finish();
        const auto buffers = take_all(writer);
        REQUIRE(buffers.size() == 1);
        CHECK(text(buffers[0]) == "D\x82" "AB" "\x80" "\x83" "CDE");
        const ReadBack back = read_all(buffers, RecordFormat::fixed, false);
        CHECK(back.records == std::vector<Bytes>{bytes("AB"), bytes(""), bytes("CDE")});
        CHECK(writer.records() == 3);
    }
    SECTION("compressed runs of 4 and more, not of 3") {
        oftp::DataWriter writer(RecordFormat::unstructured, 100, true);
        writer.write(bytes("xyzAAAAAAB" "CCC"));
        writer.finish();
        CHECK(text(take_all(writer).at(0)) == "D\x03xyz\x46" "A" "\x84" "BCCC");
    }
    SECTION("runs longer than 63 take several sub-records; runs follow across write() calls") {
        oftp::DataWriter writer(RecordFormat::unstructured, 100, true);
        writer.write(bytes(std::string(60, 'z')));
        writer.write(bytes(std::string(10, 'z')));
        writer.finish();
        CHECK(text(take_all(writer).at(0)) == "D\x7F" "z" "\xC7" "z");
    }
    SECTION("a sub-record is never split: a buffer with one octet free is closed") {
        oftp::DataWriter writer(RecordFormat::unstructured, 5, true);
        writer.write(bytes("ab" "QQQQQ"));
        writer.finish();
        const auto buffers = take_all(writer);
        REQUIRE(buffers.size() == 2);
        CHECK(text(buffers[0]) == "D\x02" "ab");
        CHECK(text(buffers[1]) == "D\xC5Q");
    }
    SECTION("a literal is cut where the buffer ends (section 7.3, strategy 2)") {
        oftp::DataWriter writer(RecordFormat::variable, 6, false);
        writer.write_record(bytes("abcdefg"));
        writer.finish();
        const auto buffers = take_all(writer);
        REQUIRE(buffers.size() == 2);
        CHECK(text(buffers[0]) == "D\x04" "abcd");
        CHECK(text(buffers[1]) == "D\x83" "efg");
    }
    SECTION("the end of file lands in the held-back last buffer") {
        oftp::DataWriter writer(RecordFormat::unstructured, 5, false);
        writer.write(bytes("abc"));
        CHECK(writer.buffers_ready() == 0);  // full, but the flag may still come
        writer.write(bytes("d"));
        CHECK(writer.buffers_ready() == 1);
        writer.finish();
        const auto buffers = take_all(writer);
        CHECK(text(buffers.at(0)) == "D\x03" "abc");
        CHECK(text(buffers.at(1)) == "D\x81" "d");
    }
    SECTION("an empty file gives no buffer") {
        oftp::DataWriter writer(RecordFormat::unstructured, 128, true);
        writer.finish();
        CHECK(take_all(writer).empty());
        CHECK(writer.done());
    }
}

TEST_CASE("Round trips: random and repetitive data, every format, many buffer sizes", "[oftp][data]") {
    std::mt19937 rng(20240131);
    const auto random_bytes = [&](std::size_t size, int alphabet) {
        Bytes data(size);
        for (auto& octet : data) octet = static_cast<std::uint8_t>(rng() % static_cast<unsigned>(alphabet));
        return data;
    };
    // Runs of every length around the thresholds (3, 4, 63, 64, 126, 127), alternating with
    // single octets: the compressor's worst cases.
    Bytes runs;
    for (const std::size_t length : {1, 2, 3, 4, 5, 62, 63, 64, 65, 126, 127, 128, 1000}) {
        runs.insert(runs.end(), length, static_cast<std::uint8_t>(length));
        runs.push_back(0xEE);
    }
    Bytes alternating;
    for (int i = 0; i < 3000; ++i) {
        alternating.insert(alternating.end(), 4, 'a');
        alternating.push_back('b');
    }
    const std::vector<Bytes> inputs = {random_bytes(5000, 256), random_bytes(5000, 2), runs,
                                       alternating, Bytes(70000, 0), Bytes(1, 9)};
    for (const std::uint32_t buffer_size : {3u, 4u, 5u, 64u, 65u, 66u, 128u, 4096u, 99999u}) {
        for (const bool compression : {false, true}) {
            for (const Bytes& input : inputs) {
                INFO("buffer " << buffer_size << " compression " << compression << " input "
                               << input.size());
                // U: the file in uneven pieces.
                oftp::DataWriter stream(RecordFormat::unstructured, buffer_size, compression);
                for (std::size_t at = 0; at < input.size(); at += 777) {
                    stream.write(ByteView(input).subspan(at, std::min<std::size_t>(777, input.size() - at)));
                }
                stream.finish();
                const auto buffers = take_all(stream);
                check_buffers_well_formed(buffers, buffer_size);
                const ReadBack back = read_all(buffers, RecordFormat::unstructured, compression);
                REQUIRE(back.data == input);
                REQUIRE(back.end_of_file);
                if (!compression) {  // 1 header per 63 octets, at most one spare octet per buffer
                    std::size_t total = 0;
                    for (const auto& b : buffers) total += b.size();
                    REQUIRE(total <= input.size() + input.size() / 62 + 2 * buffers.size() + 2);
                }

                // V: records of varied length (some empty, some spanning buffers).
                oftp::DataWriter records(RecordFormat::variable, buffer_size, compression, 3000);
                std::vector<Bytes> expected;
                for (std::size_t at = 0; at < input.size();) {
                    const std::size_t length = std::min<std::size_t>(rng() % 3000, input.size() - at);
                    expected.emplace_back(input.begin() + static_cast<std::ptrdiff_t>(at),
                                          input.begin() + static_cast<std::ptrdiff_t>(at + length));
                    records.write_record(expected.back());
                    at += length;
                }
                records.finish();
                const auto record_buffers = take_all(records);
                check_buffers_well_formed(record_buffers, buffer_size);
                const ReadBack record_back =
                    read_all(record_buffers, RecordFormat::variable, compression, 3000);
                REQUIRE(record_back.records == expected);
                REQUIRE(records.records() == expected.size());
            }
        }
    }
}

TEST_CASE("Compression shrinks repetitive data and never grows random data", "[oftp][data]") {
    const auto total = [](RecordFormat format, bool compression, const Bytes& input) {
        oftp::DataWriter writer(format, 4096, compression);
        writer.write(input);
        writer.finish();
        std::size_t sum = 0;
        while (auto b = writer.take_buffer()) sum += b->size();
        return sum;
    };
    std::mt19937 rng(7);
    Bytes random(50000);
    for (auto& octet : random) octet = static_cast<std::uint8_t>(rng());
    CHECK(total(RecordFormat::unstructured, true, random) <=
          total(RecordFormat::unstructured, false, random));
    const Bytes zeros(50000, 0);
    CHECK(total(RecordFormat::unstructured, true, zeros) < 2000);  // 794 runs of 63, 2 octets each
}

TEST_CASE("The reader refuses malformed sub-records", "[oftp][data]") {
    auto error = data_error("C\x01x", RecordFormat::unstructured, false);
    CHECK(error.kind() == oftp::DataError::Kind::not_data);
    error = data_error("D\x05" "abc", RecordFormat::unstructured, false);
    CHECK(error.kind() == oftp::DataError::Kind::subrecord_past_end);
    CHECK(error.reason() == oftp::EsidReason::exchange_buffer_size_error);
    CHECK(std::string(error.what()) ==
          "DATA: sub-record of 5 octets but only 3 follow (sub-record header at octet 1)");
    error = data_error("D\x01" "a\xC5", RecordFormat::unstructured, true);
    CHECK(error.kind() == oftp::DataError::Kind::compressed_octet_missing);
    error = data_error("D\x40" "a", RecordFormat::unstructured, true);
    CHECK(error.kind() == oftp::DataError::Kind::empty_compressed_subrecord);
    error = data_error("D\x45" "a", RecordFormat::unstructured, false);
    CHECK(error.kind() == oftp::DataError::Kind::compression_not_negotiated);
    error = data_error("D\x03" "abc" "\x83" "def", RecordFormat::fixed, false, 5);
    CHECK(error.kind() == oftp::DataError::Kind::record_too_long);
    CHECK(error.reason() == oftp::EsidReason::command_contained_invalid_data);

    // Zero-length sub-records and records are legal anywhere (section 7.3).
    oftp::DataReader reader(RecordFormat::variable, 5, false);
    oftp::DataChunk chunk;
    reader.read(bytes(std::string("D\x00\x80\x02" "ab\x00\x83" "cde", 11)), chunk);
    CHECK(text(chunk.data) == "abcde");
    CHECK(chunk.record_ends == std::vector<std::size_t>{0, 5});
    // A record continues into the next buffer and is checked as a whole.
    reader.read(bytes("D\x03" "abc"), chunk);
    CHECK(reader.partial_record_length() == 3);
    CHECK_THROWS_AS(reader.read(bytes("D\x83" "abc"), chunk), oftp::DataError);

    oftp::DataWriter writer(RecordFormat::fixed, 128, false, 4);
    CHECK_THROWS_AS(writer.write_record(bytes("abcde")), std::length_error);
    CHECK_THROWS_AS(writer.write(bytes("a")), std::logic_error);
    CHECK_THROWS_AS(oftp::DataWriter(RecordFormat::text, 2, false), std::invalid_argument);
}
