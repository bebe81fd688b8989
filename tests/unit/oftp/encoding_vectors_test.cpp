// Byte-exact command encodings, written field by field from the layout tables of RFC 5024
// section 5.3 (2.0) and RFC 2204 section 5.3 (1.2/1.3); 1.4 is 1.3 with the extended date and
// time stamp (RFC 5024 section 1.2) and NERP. Each expectation also decodes back.
#include "oftp_test_util.hpp"
#include "protocols/oftp/codec.hpp"

#include <catch2/catch.hpp>

using namespace oftp_test;
namespace oftp = wharf::oftp;
using oftp::ProtocolLevel;

namespace {

void check_vector(const oftp::Command& command, ProtocolLevel level, const std::string& expected) {
    INFO(oftp::command_name(command) << " at " << oftp::level_name(level));
    CHECK(text(oftp::encode(command, level)) == expected);
    const oftp::Decoded decoded = oftp::decode(bytes(expected), level);
    CHECK(decoded.command == command);
    CHECK(decoded.deviations.empty());
}

oftp::FileDateTime stamp() {
    oftp::FileDateTime s;
    s.year = 2024;
    s.month = 1;
    s.day = 31;
    s.hour = 12;
    s.minute = 34;
    s.second = 56;
    s.counter = 42;
    return s;
}

oftp::FileDateTime stamp_1x() {
    oftp::FileDateTime s = stamp();
    s.counter = 0;
    return s;
}

}  // namespace

TEST_CASE("SSRM is 'I', the ready message and a carriage return", "[oftp][vectors]") {
    for (const ProtocolLevel level : oftp::kAllLevels) {
        check_vector(oftp::Ssrm{}, level, "IODETTE FTP READY \r");
    }
}

TEST_CASE("SSID: 2.0 has SSIDAUTH at 47, 1.x a 5-octet reserved field", "[oftp][vectors]") {
    oftp::Ssid ssid;
    ssid.code_id = "O0013000000000ACME";
    ssid.password = "SECRET";
    ssid.buffer_size = 4096;
    ssid.capability = oftp::Capability::both;
    ssid.buffer_compression = true;
    ssid.restart = true;
    ssid.special_logic = false;
    ssid.credit = 7;
    ssid.secure_authentication = true;
    ssid.user_data = "user";

    const std::string v2 = "X" "5" + x("O0013000000000ACME", 25) + x("SECRET", 8) + n(4096, 5) +
                           "B" "Y" "Y" "N" + n(7, 3) + "Y" + x("", 4) + x("user", 8) + "\r";
    REQUIRE(v2.size() == 61);
    REQUIRE(v2.substr(35, 5) == "04096");
    REQUIRE(v2[47] == 'Y');
    ssid.level = ProtocolLevel::v2_0;
    check_vector(ssid, ProtocolLevel::v2_0, v2);

    ssid.secure_authentication = false;
    const struct {
        ProtocolLevel level;
        char digit;
    } older[] = {{ProtocolLevel::v1_4, '4'}, {ProtocolLevel::v1_3, '2'}, {ProtocolLevel::v1_2, '1'}};
    for (const auto& [level, digit] : older) {
        ssid.level = level;
        const std::string v1 = std::string("X") + digit + x("O0013000000000ACME", 25) +
                               x("SECRET", 8) + n(4096, 5) + "BYYN" + n(7, 3) + x("", 5) +
                               x("user", 8) + "\r";
        REQUIRE(v1.size() == 61);
        // The SSID's own level decides its layout, whatever level decode() is told.
        check_vector(ssid, ProtocolLevel::v2_0, v1);
    }
}

TEST_CASE("SFID in each level's layout", "[oftp][vectors]") {
    oftp::Sfid sfid;
    sfid.dataset_name = "INVOICES.2024";
    sfid.user_data = "u1";
    sfid.destination = "O0013000000000PARTNER";
    sfid.originator = "O0013000000000ACME";
    sfid.format = oftp::RecordFormat::variable;
    sfid.max_record_length = 512;
    sfid.file_size = 1234;
    sfid.restart_position = 56;

    SECTION("2.0: 13-digit sizes, original size, security fields, UTF-8 description") {
        sfid.stamp = stamp();
        sfid.original_size = 2345;
        sfid.security = oftp::SecurityLevel::encrypted_and_signed;
        sfid.cipher_suite = 2;
        sfid.compression = 1;
        sfid.envelope = 1;
        sfid.signed_eerp = true;
        sfid.description = "Lieferschein f\xC3\xBCr M\xC3\xA4rz";  // 23 octets
        const std::string expected = "H" + x("INVOICES.2024", 26) + x("", 3) + "20240131" +
                                     "1234560042" + x("u1", 8) + x("O0013000000000PARTNER", 25) +
                                     x("O0013000000000ACME", 25) + "V" + n(512, 5) + n(1234, 13) +
                                     n(2345, 13) + n(56, 17) + "03" "02" "1" "1" "Y" + "023" +
                                     sfid.description;
        REQUIRE(expected.size() == 165 + 23);
        REQUIRE(expected.substr(30, 8) == "20240131");  // positions from the RFC table
        REQUIRE(expected.substr(106, 1) == "V");
        REQUIRE(expected.substr(138, 17) == n(56, 17));
        REQUIRE(expected.substr(161, 1) == "Y");
        check_vector(sfid, ProtocolLevel::v2_0, expected);
    }
    SECTION("1.4: CCYYMMDD and HHMMSScccc in the old reserved field, 7- and 9-digit counts") {
        sfid.stamp = stamp();
        const std::string expected = "H" + x("INVOICES.2024", 26) + x("", 3) + "20240131" +
                                     "1234560042" + x("u1", 8) + x("O0013000000000PARTNER", 25) +
                                     x("O0013000000000ACME", 25) + "V" + n(512, 5) + n(1234, 7) +
                                     n(56, 9);
        REQUIRE(expected.size() == 128);
        check_vector(sfid, ProtocolLevel::v1_4, expected);
    }
    SECTION("1.2 and 1.3: 9 reserved octets, YYMMDD, HHMMSS") {
        sfid.stamp = stamp_1x();
        const std::string expected = "H" + x("INVOICES.2024", 26) + x("", 9) + "240131" +
                                     "123456" + x("u1", 8) + x("O0013000000000PARTNER", 25) +
                                     x("O0013000000000ACME", 25) + "V" + n(512, 5) + n(1234, 7) +
                                     n(56, 9);
        REQUIRE(expected.size() == 128);
        REQUIRE(expected.substr(36, 6) == "240131");
        check_vector(sfid, ProtocolLevel::v1_3, expected);
        check_vector(sfid, ProtocolLevel::v1_2, expected);
    }
}

TEST_CASE("SFPA, EFID: counts widen in 2.0", "[oftp][vectors]") {
    check_vector(oftp::Sfpa{123}, ProtocolLevel::v2_0, "2" + n(123, 17));
    check_vector(oftp::Sfpa{123}, ProtocolLevel::v1_4, "2" + n(123, 9));
    check_vector(oftp::Efid{12, 34567}, ProtocolLevel::v2_0, "T" + n(12, 17) + n(34567, 17));
    check_vector(oftp::Efid{12, 34567}, ProtocolLevel::v1_3, "T" + n(12, 9) + n(34567, 12));
}

TEST_CASE("SFNA, EFNA, ESID: reason texts only in 2.0", "[oftp][vectors]") {
    const oftp::Sfna sfna{oftp::SfnaReason::duplicate_file, true, "already here"};
    check_vector(sfna, ProtocolLevel::v2_0, "3" "13" "Y" "012" "already here");
    check_vector(oftp::Sfna{oftp::SfnaReason::duplicate_file, false, ""}, ProtocolLevel::v1_2,
                 "3" "13" "N");

    check_vector(oftp::Efna{oftp::EfnaReason::invalid_file_signature, ""}, ProtocolLevel::v2_0,
                 "5" "21" "000");
    check_vector(oftp::Efna{oftp::EfnaReason::access_method_failure, ""}, ProtocolLevel::v1_4,
                 "5" "12");

    check_vector(oftp::Esid{oftp::EsidReason::invalid_password, "invalid password"},
                 ProtocolLevel::v2_0, "F" "04" "016" "invalid password" "\r");
    check_vector(oftp::Esid{oftp::EsidReason::invalid_password, ""}, ProtocolLevel::v1_3,
                 "F" "04" "\r");
    // Texts the level cannot carry are not sent.
    CHECK(text(oftp::encode(oftp::Esid{oftp::EsidReason::time_out, "idle"}, ProtocolLevel::v1_4)) ==
          "F09\r");
}

TEST_CASE("One-octet commands, CDT and EFPA", "[oftp][vectors]") {
    for (const ProtocolLevel level : oftp::kAllLevels) {
        check_vector(oftp::Cd{}, level, "R");
        check_vector(oftp::Rtr{}, level, "P");
        check_vector(oftp::Cdt{}, level, "C  ");
        check_vector(oftp::Efpa{true}, level, "4Y");
        check_vector(oftp::Efpa{false}, level, "4N");
        check_vector(oftp::Data{bytes("\x83" "abc")}, level, "D\x83" "abc");
    }
    check_vector(oftp::Secd{}, ProtocolLevel::v2_0, "J");
}

TEST_CASE("EERP: hash and signature behind binary lengths in 2.0", "[oftp][vectors]") {
    oftp::Eerp eerp;
    eerp.dataset_name = "INVOICES.2024";
    eerp.user_data = "u1";
    eerp.destination = "O0013000000000ACME";
    eerp.originator = "O0013000000000PARTNER";

    eerp.stamp = stamp();
    eerp.hash = Bytes(20, 0xAB);
    eerp.signature = Bytes(300, 0x5A);
    const std::string head_v14 = "E" + x("INVOICES.2024", 26) + x("", 3) + "20240131" +
                                 "1234560042" + x("u1", 8) + x("O0013000000000ACME", 25) +
                                 x("O0013000000000PARTNER", 25);
    REQUIRE(head_v14.size() == 106);
    const std::string v2 = head_v14 + std::string("\x00\x14", 2) + std::string(20, '\xAB') +
                           std::string("\x01\x2C", 2) + std::string(300, '\x5A');
    check_vector(eerp, ProtocolLevel::v2_0, v2);

    eerp.hash.clear();
    eerp.signature.clear();
    check_vector(eerp, ProtocolLevel::v2_0, head_v14 + std::string(4, '\0'));
    check_vector(eerp, ProtocolLevel::v1_4, head_v14);

    eerp.stamp = stamp_1x();
    const std::string v13 = "E" + x("INVOICES.2024", 26) + x("", 9) + "240131" + "123456" +
                            x("u1", 8) + x("O0013000000000ACME", 25) +
                            x("O0013000000000PARTNER", 25);
    check_vector(eerp, ProtocolLevel::v1_3, v13);
}

TEST_CASE("NERP: 128 octets in 1.4, text, hash and signature added in 2.0", "[oftp][vectors]") {
    oftp::Nerp nerp;
    nerp.dataset_name = "INVOICES.2024";
    nerp.stamp = stamp();
    nerp.destination = "O0013000000000ACME";
    nerp.originator = "O0013000000000PARTNER";
    nerp.creator = "O0013000000000PARTNER";
    nerp.reason = oftp::NerpReason::duplicate_file;
    const std::string v14 = "N" + x("INVOICES.2024", 26) + x("", 6) + "20240131" + "1234560042" +
                            x("O0013000000000ACME", 25) + x("O0013000000000PARTNER", 25) +
                            x("O0013000000000PARTNER", 25) + "23";
    REQUIRE(v14.size() == 128);
    REQUIRE(v14.substr(33, 8) == "20240131");
    REQUIRE(v14.substr(126, 2) == "23");
    check_vector(nerp, ProtocolLevel::v1_4, v14);

    nerp.reason_text = "duplicate";
    nerp.hash = Bytes{1, 2, 3};
    check_vector(nerp, ProtocolLevel::v2_0,
                 v14 + "009duplicate" + std::string("\x00\x03\x01\x02\x03\x00\x00", 7));
}

TEST_CASE("AUCH and AURP", "[oftp][vectors]") {
    check_vector(oftp::Auch{bytes("abc")}, ProtocolLevel::v2_0, std::string("A\x00\x03" "abc", 6));
    oftp::Aurp aurp;
    for (std::size_t i = 0; i < aurp.response.size(); ++i) {
        aurp.response[i] = static_cast<std::uint8_t>('a' + i);
    }
    check_vector(aurp, ProtocolLevel::v2_0, "Sabcdefghijklmnopqrst");
}
