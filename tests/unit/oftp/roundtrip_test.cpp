// decode(encode(x)) == x for every command at every level that has it, with values at the
// edges of their fields.
#include "oftp_test_util.hpp"
#include "protocols/oftp/codec.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace oftp_test;
namespace oftp = wharf::oftp;
using oftp::ProtocolLevel;

namespace {

oftp::FileDateTime stamp_for(ProtocolLevel level, std::uint16_t year) {
    oftp::FileDateTime s;
    s.year = year;
    s.month = 12;
    s.day = 31;
    s.hour = 23;
    s.minute = 59;
    s.second = 59;
    s.counter = oftp::has_extended_timestamps(level) ? 9999 : 0;
    return s;
}

std::vector<oftp::Command> samples(ProtocolLevel level) {
    const bool v2 = oftp::is_v2(level);
    const oftp::CountWidths widths = oftp::count_widths(level);
    std::vector<oftp::Command> commands;
    commands.emplace_back(oftp::Ssrm{});
    oftp::Ssid ssid;
    ssid.level = level;
    ssid.code_id = std::string(25, 'Z');
    ssid.password = "PASSWORD";
    ssid.buffer_size = 128;
    ssid.capability = oftp::Capability::receive_only;
    ssid.credit = 999;
    ssid.secure_authentication = v2;
    ssid.user_data = "anything";
    commands.emplace_back(ssid);
    ssid.buffer_size = 99999;
    ssid.credit = 1;
    ssid.capability = oftp::Capability::send_only;
    ssid.special_logic = true;
    commands.emplace_back(ssid);

    for (const std::uint16_t year : {std::uint16_t{1970}, std::uint16_t{2069}}) {
        oftp::Sfid sfid;
        sfid.dataset_name = std::string(26, 'D');
        sfid.stamp = stamp_for(level, year);
        sfid.user_data = "12345678";
        sfid.destination = "O0013000000000DEST";
        sfid.originator = "O0013000000000ORIG";
        sfid.format = oftp::RecordFormat::fixed;
        sfid.max_record_length = 99999;
        sfid.file_size = oftp::max_for_digits(widths.file_size);
        sfid.restart_position = oftp::max_for_digits(widths.restart);
        if (v2) {
            sfid.original_size = oftp::max_for_digits(13);
            sfid.security = oftp::SecurityLevel::signed_file;
            sfid.cipher_suite = 1;
            sfid.compression = 1;
            sfid.envelope = 1;
            sfid.signed_eerp = true;
            sfid.description = std::string(999, 'd');
        }
        commands.emplace_back(sfid);
    }
    commands.emplace_back(oftp::Sfpa{oftp::max_for_digits(widths.restart)});
    commands.emplace_back(oftp::Sfna{oftp::SfnaReason::unspecified, true,
                                     v2 ? std::string(999, 't') : ""});
    commands.emplace_back(oftp::Data{Bytes(1000, 0x3F)});
    commands.emplace_back(oftp::Cdt{});
    commands.emplace_back(oftp::Efid{oftp::max_for_digits(widths.record_count),
                                     oftp::max_for_digits(widths.unit_count)});
    commands.emplace_back(oftp::Efpa{true});
    commands.emplace_back(oftp::Efna{oftp::EfnaReason::file_size_too_big, v2 ? "too big" : ""});
    commands.emplace_back(oftp::Esid{oftp::EsidReason::unspecified_abort, v2 ? "\xE2\x82\xAC" : ""});
    commands.emplace_back(oftp::Cd{});
    oftp::Eerp eerp;
    eerp.dataset_name = "A";
    eerp.stamp = stamp_for(level, 2001);
    eerp.destination = "B";
    eerp.originator = "C";
    if (v2) {
        eerp.hash = Bytes(64, 0);
        eerp.signature = Bytes(65535, 0xFF);
    }
    commands.emplace_back(eerp);
    if (oftp::has_nerp(level)) {
        oftp::Nerp nerp;
        nerp.dataset_name = "A";
        nerp.stamp = stamp_for(level, 2001);
        nerp.reason = oftp::NerpReason::file_size_incompatible_with_protocol_version;
        if (v2) {
            nerp.reason_text = "file too big for 1.4";
            nerp.signature = Bytes{9};
        }
        commands.emplace_back(nerp);
    }
    commands.emplace_back(oftp::Rtr{});
    if (v2) {
        commands.emplace_back(oftp::Secd{});
        commands.emplace_back(oftp::Auch{Bytes(65535, 7)});
        commands.emplace_back(oftp::Aurp{});
    }
    return commands;
}

}  // namespace

TEST_CASE("Every command round-trips at every level", "[oftp][roundtrip]") {
    for (const ProtocolLevel level : oftp::kAllLevels) {
        for (const oftp::Command& command : samples(level)) {
            INFO(oftp::command_name(command) << " at " << oftp::level_name(level));
            const Bytes encoded = oftp::encode(command, level);
            REQUIRE(!encoded.empty());
            CHECK(static_cast<char>(encoded[0]) ==
                  std::visit([](const auto& c) { return std::decay_t<decltype(c)>::code; }, command));
            const oftp::Decoded decoded = oftp::decode(encoded, level);
            CHECK(decoded.command == command);
            CHECK(decoded.deviations.empty());
            CHECK(oftp::check_outgoing(command, level).empty());
        }
    }
}

TEST_CASE("Encoding refuses what the field or the level cannot hold", "[oftp][roundtrip]") {
    oftp::Sfid sfid;
    sfid.dataset_name = std::string(27, 'D');
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v2_0), std::invalid_argument);
    sfid.dataset_name = "BAD\nNAME";
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v2_0), std::invalid_argument);
    sfid.dataset_name = "OK";
    sfid.file_size = 10'000'000;  // 8 digits: fine in 2.0, too wide for 1.x
    CHECK_NOTHROW(oftp::encode(sfid, ProtocolLevel::v2_0));
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v1_4), std::invalid_argument);
    sfid.file_size = 1;
    sfid.stamp.year = 2070;  // YYMMDD cannot say it
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v1_3), std::invalid_argument);
    CHECK_NOTHROW(oftp::encode(sfid, ProtocolLevel::v1_4));
    sfid.stamp.year = 2024;
    sfid.security = oftp::SecurityLevel::encrypted;
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v1_4), std::invalid_argument);
    sfid.security = oftp::SecurityLevel::none;
    sfid.description = std::string(1000, 'x');
    CHECK_THROWS_AS(oftp::encode(sfid, ProtocolLevel::v2_0), std::invalid_argument);

    CHECK_THROWS_AS(oftp::encode(oftp::Nerp{}, ProtocolLevel::v1_3), std::invalid_argument);
    CHECK_THROWS_AS(oftp::encode(oftp::Secd{}, ProtocolLevel::v1_4), std::invalid_argument);
    CHECK_THROWS_AS(oftp::encode(oftp::Auch{Bytes(65536, 0)}, ProtocolLevel::v2_0),
                    std::invalid_argument);
    oftp::Eerp eerp;
    eerp.hash = Bytes{1};
    CHECK_THROWS_AS(oftp::encode(eerp, ProtocolLevel::v1_4), std::invalid_argument);

    oftp::Ssid ssid;
    ssid.buffer_size = 127;
    CHECK_THROWS_AS(oftp::encode(ssid, ProtocolLevel::v2_0), std::invalid_argument);
    ssid.buffer_size = 128;
    ssid.credit = 0;
    CHECK_THROWS_AS(oftp::encode(ssid, ProtocolLevel::v2_0), std::invalid_argument);
    ssid.credit = 1;
    ssid.level = ProtocolLevel::v1_4;
    ssid.secure_authentication = true;
    CHECK_THROWS_AS(oftp::encode(ssid, ProtocolLevel::v1_4), std::invalid_argument);
}

TEST_CASE("check_outgoing reports what a strict peer would object to", "[oftp][roundtrip]") {
    oftp::Sfid sfid;
    sfid.dataset_name = "invoice 1_x.txt";
    sfid.format = oftp::RecordFormat::text;
    sfid.max_record_length = 80;
    const auto deviations = oftp::check_outgoing(sfid, ProtocolLevel::v2_0);
    REQUIRE(deviations.size() == 2);
    CHECK(deviations[0].describe() ==
          "SFIDDSN: lower case letters, characters outside the OFTP set, embedded spaces in "
          "'invoice 1_x.txt'");
    CHECK(deviations[1].field == "SFIDLRECL");
}
