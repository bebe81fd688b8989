// Every way decode() refuses a buffer (with the ESID reason and the field), and the harmless
// deviations it lets through.
#include "oftp_test_util.hpp"
#include "protocols/oftp/codec.hpp"

#include <catch2/catch.hpp>

using namespace oftp_test;
namespace oftp = wharf::oftp;
using oftp::EsidReason;
using oftp::ProtocolLevel;

namespace {

struct Refusal {
    EsidReason reason;
    std::string command;
    std::string field;
    std::string message;
};

Refusal refusal(const std::string& buffer, ProtocolLevel level) {
    try {
        (void)oftp::decode(bytes(buffer), level);
    } catch (const oftp::DecodeError& error) {
        return {error.reason(), error.command(), error.field(), error.what()};
    }
    FAIL("decoded: " << buffer);
    return {};
}

std::string ssid_v2(const std::string& sdeb = "04096", char sr = 'B', char cmpr = 'Y',
                    const std::string& cred = "007", const std::string& tail = "\r") {
    return "X5" + x("O0013000000000ACME", 25) + x("SECRET", 8) + sdeb + sr + cmpr + "YN" + cred +
           "N" + x("", 4) + x("", 8) + tail;
}

std::vector<oftp::Deviation> deviations_of(const std::string& buffer, ProtocolLevel level) {
    return oftp::decode(bytes(buffer), level).deviations;
}

const std::string kEerpV14 = "E" + x("DSN", 26) + x("", 3) + "20240131" + "1234560042" + x("", 8) +
                             x("A", 25) + x("B", 25);

}  // namespace

TEST_CASE("Unknown and out-of-level commands: ESID 01", "[oftp][decode]") {
    auto r = refusal("", ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::command_not_recognised);
    r = refusal("Z", ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::command_not_recognised);
    CHECK(r.command == "?");
    CHECK(r.message == "?: unknown command code 'Z'");
    CHECK(refusal(std::string(1, '\x01'), ProtocolLevel::v2_0).message ==
          "?: unknown command code 0x01");
    r = refusal("N" + std::string(127, ' '), ProtocolLevel::v1_3);
    CHECK(r.reason == EsidReason::command_not_recognised);
    CHECK(r.command == "NERP");
    for (const char* code : {"J", "A\x00\x00", "S"}) {
        CHECK(refusal(code, ProtocolLevel::v1_4).reason == EsidReason::command_not_recognised);
    }
}

TEST_CASE("Length errors: ESID 07, naming the field", "[oftp][decode]") {
    auto r = refusal(ssid_v2().substr(0, 40), ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::exchange_buffer_size_error);
    CHECK(r.command == "SSID");
    CHECK(r.field == "SSIDSR");
    r = refusal(ssid_v2() + "XX", ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::exchange_buffer_size_error);
    CHECK(r.field.empty());
    CHECK(r.message == "SSID: 2 octets after the last field (63 in all)");
    CHECK(refusal("2" + n(1, 9), ProtocolLevel::v2_0).field == "SFPAACNT");
    CHECK(refusal("2" + n(1, 17), ProtocolLevel::v1_4).reason ==
          EsidReason::exchange_buffer_size_error);
    CHECK(refusal("R ", ProtocolLevel::v2_0).reason == EsidReason::exchange_buffer_size_error);
    CHECK(refusal("4", ProtocolLevel::v2_0).field == "EFPACD");
    CHECK(refusal("S" + std::string(19, 'a'), ProtocolLevel::v2_0).field == "AURPRSP");
    r = refusal(std::string("A\x00\x05" "abc", 6), ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::exchange_buffer_size_error);
    CHECK(r.field == "AUCHCHLL");
    CHECK(refusal("F04010short\r", ProtocolLevel::v2_0).field == "ESIDREASL");
    CHECK(refusal(kEerpV14 + std::string("\x00\x05\x01", 3), ProtocolLevel::v2_0).field ==
          "EERPHSHL");
    CHECK(refusal(kEerpV14 + std::string("\x00\x00\x00", 3), ProtocolLevel::v2_0).field ==
          "EERPSIGL");
    const std::string sfid_v2 = "H" + x("DSN", 26) + x("", 3) + "20240131" + "1234560042" +
                                x("", 8) + x("A", 25) + x("B", 25) + "U" + n(0, 5) + n(1, 13) +
                                n(1, 13) + n(0, 17) + "00" "00" "0" "0" "N";
    CHECK(oftp::decode(bytes(sfid_v2 + "003abc"), ProtocolLevel::v2_0).deviations.empty());
    CHECK(refusal(sfid_v2 + "004abc", ProtocolLevel::v2_0).field == "SFIDDESCL");
    CHECK(refusal(sfid_v2, ProtocolLevel::v2_0).field == "SFIDDESCL");
}

TEST_CASE("Invalid field data: ESID 06 (10 for an unknown level)", "[oftp][decode]") {
    auto r = refusal(ssid_v2("04O96"), ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::command_contained_invalid_data);
    CHECK(r.field == "SSIDSDEB");
    CHECK(r.message == "SSID: SSIDSDEB: '04O96' is not a number");
    CHECK(refusal(ssid_v2("00127"), ProtocolLevel::v2_0).message ==
          "SSID: SSIDSDEB: buffer size 127 is below 128");
    CHECK(refusal(ssid_v2("04096", 'X'), ProtocolLevel::v2_0).field == "SSIDSR");
    CHECK(refusal(ssid_v2("04096", 'B', '?'), ProtocolLevel::v2_0).field == "SSIDCMPR");
    CHECK(refusal(ssid_v2("04096", 'B', 'Y', "000"), ProtocolLevel::v2_0).field == "SSIDCRED");
    std::string unknown_level = ssid_v2();
    unknown_level[1] = '3';
    r = refusal(unknown_level, ProtocolLevel::v2_0);
    CHECK(r.reason == EsidReason::mode_or_capabilities_incompatible);
    CHECK(r.field == "SSIDLEV");
    std::string control = ssid_v2();
    control[5] = '\t';
    r = refusal(control, ProtocolLevel::v2_0);
    CHECK(r.field == "SSIDCODE");
    CHECK(r.message == "SSID: SSIDCODE: control or non-ASCII octets in "
                       "'O00\\x093000000000ACME       '");
    std::string password = ssid_v2();
    password[28] = '\x80';
    CHECK(refusal(password, ProtocolLevel::v2_0).message ==
          "SSID: SSIDPSWD: control or non-ASCII octets");  // never quotes a password

    const std::string sfid_v14 = "H" + x("DSN", 26) + x("", 3) + "20240131" + "1234560042" +
                                 x("", 8) + x("A", 25) + x("B", 25);
    CHECK(refusal(sfid_v14 + "Q" + n(0, 5) + n(1, 7) + n(0, 9), ProtocolLevel::v1_4).field ==
          "SFIDFMT");
    CHECK(refusal("T" + n(1, 9) + "0000000000-1", ProtocolLevel::v1_3).field == "EFIDUCNT");
    CHECK(refusal("3" "1X" "N", ProtocolLevel::v1_3).field == "SFNAREAS");
}

TEST_CASE("Harmless deviations are reported, not refused", "[oftp][decode]") {
    SECTION("missing or odd carriage returns; 0x8D is as good as 0x0D") {
        auto d = deviations_of(ssid_v2("04096", 'B', 'Y', "007", ""), ProtocolLevel::v2_0);
        REQUIRE(d.size() == 1);
        CHECK(d[0].describe() == "SSIDCR: missing carriage return");
        d = deviations_of(ssid_v2("04096", 'B', 'Y', "007", "\n"), ProtocolLevel::v2_0);
        REQUIRE(d.size() == 1);
        CHECK(d[0].describe() == "SSIDCR: 0x0A instead of a carriage return");
        CHECK(deviations_of(ssid_v2("04096", 'B', 'Y', "007", "\x8D"), ProtocolLevel::v2_0).empty());
        CHECK(deviations_of("IODETTE FTP READY ", ProtocolLevel::v2_0).size() == 1);
        CHECK(deviations_of("F00", ProtocolLevel::v1_4).at(0).field == "ESIDCR");
    }
    SECTION("lower case and characters outside the OFTP set, never quoting a password") {
        std::string lower = ssid_v2();
        lower.replace(2, 4, "o001");
        lower.replace(27, 6, "secret");
        const auto d = deviations_of(lower, ProtocolLevel::v2_0);
        REQUIRE(d.size() == 2);
        CHECK(d[0].describe() == "SSIDCODE: lower case letters in 'o0013000000000ACME'");
        CHECK(d[1].describe() == "SSIDPSWD: lower case letters");
        const auto decoded = std::get<oftp::Ssid>(oftp::decode(bytes(lower), ProtocolLevel::v2_0).command);
        CHECK(decoded.code_id == "o0013000000000ACME");
        CHECK(decoded.password == "secret");
    }
    SECTION("space-padded and blank numbers, lower case flags, a reserved field in use") {
        std::string odd = ssid_v2(" 4096", 'b', 'y', "  7");
        odd[48] = '#';
        const auto decoded = oftp::decode(bytes(odd), ProtocolLevel::v2_0);
        const auto& ssid = std::get<oftp::Ssid>(decoded.command);
        CHECK(ssid.buffer_size == 4096);
        CHECK(ssid.capability == oftp::Capability::both);
        CHECK(ssid.buffer_compression);
        CHECK(ssid.credit == 7);
        std::vector<std::string> fields;
        for (const auto& d : decoded.deviations) fields.push_back(d.field);
        CHECK(fields == std::vector<std::string>{"SSIDSDEB", "SSIDSR", "SSIDCMPR", "SSIDCRED",
                                                 "SSIDRSV1"});
        const auto blank = oftp::decode(bytes("2" + std::string(17, ' ')), ProtocolLevel::v2_0);
        CHECK(std::get<oftp::Sfpa>(blank.command).answer_count == 0);
        CHECK(blank.deviations.at(0).describe() == "SFPAACNT: blank instead of a number (read as 0)");
    }
    SECTION("a future SSIDLEV is read as 2.0") {
        std::string future = ssid_v2();
        future[1] = '7';
        const auto decoded = oftp::decode(bytes(future), ProtocolLevel::v2_0);
        CHECK(std::get<oftp::Ssid>(decoded.command).level == ProtocolLevel::v2_0);
        CHECK(decoded.deviations.at(0).field == "SSIDLEV");
    }
    SECTION("ESID in the other level's layout") {
        auto decoded = oftp::decode(bytes("F04\r"), ProtocolLevel::v2_0);
        CHECK(std::get<oftp::Esid>(decoded.command).reason == EsidReason::invalid_password);
        CHECK(decoded.deviations.at(0).describe() == "ESIDREASL: missing (the 1.x layout)");
        decoded = oftp::decode(bytes("F99004busy\r"), ProtocolLevel::v1_4);
        CHECK(std::get<oftp::Esid>(decoded.command).reason == EsidReason::unspecified_abort);
        CHECK(std::get<oftp::Esid>(decoded.command).reason_text.empty());
        CHECK(decoded.deviations.at(0).describe() ==
              "ESIDREAST: the 2.0 layout at level 1.4, reason text 'busy'");
    }
    SECTION("EERP, NERP, SFNA, EFNA without their 2.0 tail") {
        CHECK(deviations_of(kEerpV14, ProtocolLevel::v2_0).at(0).field == "EERPHSHL");
        CHECK(deviations_of("3" "13" "N", ProtocolLevel::v2_0).at(0).field == "SFNAREASL");
        CHECK(deviations_of("5" "13", ProtocolLevel::v2_0).at(0).field == "EFNAREASL");
        CHECK(deviations_of("C", ProtocolLevel::v2_0).at(0).field == "CDTRSV1");
        const std::string nerp_v14 = "N" + x("DSN", 26) + x("", 6) + "20240131" + "1234560042" +
                                     x("A", 25) + x("B", 25) + x("C", 25) + "23";
        CHECK(deviations_of(nerp_v14, ProtocolLevel::v2_0).at(0).field == "NERPREASL");
        CHECK(deviations_of(nerp_v14, ProtocolLevel::v1_4).empty());
    }
    SECTION("reason codes a level does not define are carried") {
        const auto decoded = oftp::decode(bytes("3" "15" "N"), ProtocolLevel::v1_3);
        CHECK(std::get<oftp::Sfna>(decoded.command).reason ==
              oftp::SfnaReason::cipher_suite_not_supported);
        CHECK(decoded.deviations.at(0).describe() ==
              "SFNAREAS: reason 15 cipher suite not supported at level 1.3");
        CHECK(deviations_of("F13\r", ProtocolLevel::v1_4).at(0).describe() ==
              "ESIDREAS: reason 13 unknown reason at level 1.4");
    }
    SECTION("dates that are no dates, LRECL for U files, invalid UTF-8") {
        const std::string sfid = "H" + x("DSN", 26) + x("", 3) + "20241301" + "2500000000" +
                                 x("", 8) + x("A", 25) + x("B", 25) + "U" + n(80, 5) + n(1, 13) +
                                 n(1, 13) + n(0, 17) + "00" "00" "0" "0" "N" "002\xC3\x28";
        const auto d = deviations_of(sfid, ProtocolLevel::v2_0);
        REQUIRE(d.size() == 3);
        CHECK(d[0].describe() == "SFIDDATE: not a valid date and time: 20241301 2500000000");
        CHECK(d[1].describe() == "SFIDLRECL: 80 for a U or T file (should be 00000)");
        CHECK(d[2].describe() == "SFIDDESC: not valid UTF-8: '\\xC3('");
    }
}
