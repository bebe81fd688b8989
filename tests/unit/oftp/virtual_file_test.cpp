// Virtual file stamps, sizes, restart arithmetic and V-format record length headers.
#include "oftp_test_util.hpp"
#include "protocols/oftp/errors.hpp"
#include "protocols/oftp/virtual_file.hpp"

#include <catch2/catch.hpp>

using namespace oftp_test;
namespace oftp = wharf::oftp;

TEST_CASE("File stamps", "[oftp][virtual_file]") {
    oftp::FileDateTime stamp{2024, 2, 29, 23, 59, 60, 17};
    CHECK(oftp::is_valid_calendar(stamp));
    CHECK(oftp::date_digits(stamp) == "20240229");
    CHECK(oftp::time_digits(stamp) == "2359600017");
    stamp.year = 2023;
    CHECK(!oftp::is_valid_calendar(stamp));
    CHECK(!oftp::is_valid_calendar(oftp::FileDateTime{2024, 4, 31, 0, 0, 0, 0}));
    CHECK(!oftp::is_valid_calendar(oftp::FileDateTime{2024, 1, 1, 24, 0, 0, 0}));
    CHECK(oftp::as_sent_at(stamp, oftp::ProtocolLevel::v1_3).counter == 0);
    CHECK(oftp::as_sent_at(stamp, oftp::ProtocolLevel::v1_4).counter == 17);
}

TEST_CASE("Sizes in 1 KiB blocks and restart positions", "[oftp][virtual_file]") {
    CHECK(oftp::size_in_blocks(0) == 0);
    CHECK(oftp::size_in_blocks(1) == 1);
    CHECK(oftp::size_in_blocks(1024) == 1);
    CHECK(oftp::size_in_blocks(1025) == 2);
    CHECK(oftp::restart_unit(oftp::RecordFormat::fixed, false) == oftp::RestartUnit::records);
    CHECK(oftp::restart_unit(oftp::RecordFormat::variable, true) == oftp::RestartUnit::blocks);
    CHECK(oftp::restart_unit(oftp::RecordFormat::text, false) == oftp::RestartUnit::blocks);
    CHECK(oftp::block_restart_position(1024 * 5 + 1023) == 5);
    CHECK(oftp::block_restart_offset(5) == 5120);
    CHECK(oftp::fixed_record_offset(10, 80) == 800);
    CHECK(oftp::answer_count(100, 40, true) == 40);
    CHECK(oftp::answer_count(30, 40, true) == 30);
    CHECK(oftp::answer_count(30, 40, false) == 0);
}

TEST_CASE("V records with 2-octet length headers, split anywhere", "[oftp][virtual_file]") {
    Bytes stream;
    const std::vector<Bytes> records = {bytes("first"), bytes(""), Bytes(300, 'x')};
    for (const auto& record : records) {
        oftp::append_headered_record(stream, record);
    }
    REQUIRE(stream.size() == 2 + 5 + 2 + 2 + 300);
    CHECK(stream[0] == 0x00);
    CHECK(stream[1] == 0x05);
    CHECK(stream[9] == 0x01);  // 300 = 0x012C
    CHECK(stream[10] == 0x2C);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        oftp::HeaderedRecordSplitter splitter(300);
        std::vector<Bytes> seen;
        for (const auto piece : {ByteView(stream).subspan(0, split), ByteView(stream).subspan(split)}) {
            splitter.feed(piece);
            while (auto record = splitter.next()) {
                seen.push_back(std::move(*record));
            }
        }
        REQUIRE(seen == records);
        REQUIRE(splitter.at_record_boundary());
    }
    oftp::HeaderedRecordSplitter strict(299);
    strict.feed(stream);
    CHECK(strict.next() == bytes("first"));
    CHECK(strict.next() == bytes(""));
    CHECK_THROWS_AS(strict.next(), oftp::DataError);

    oftp::HeaderedRecordSplitter partial;
    partial.feed(ByteView(stream).subspan(0, 3));
    CHECK(!partial.next());
    CHECK(!partial.at_record_boundary());

    Bytes out;
    CHECK_THROWS_AS(oftp::append_headered_record(out, Bytes(65536, 0)), std::length_error);
}
