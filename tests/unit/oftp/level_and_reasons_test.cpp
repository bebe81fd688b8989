// Protocol levels and reason codes.
#include "protocols/oftp/commands.hpp"
#include "protocols/oftp/level.hpp"
#include "protocols/oftp/reasons.hpp"

#include <catch2/catch.hpp>

namespace oftp = wharf::oftp;
using oftp::ProtocolLevel;

TEST_CASE("SSIDLEV codes, names and negotiation", "[oftp][level]") {
    CHECK(oftp::level_code(ProtocolLevel::v1_2) == '1');
    CHECK(oftp::level_code(ProtocolLevel::v1_3) == '2');
    CHECK(oftp::level_code(ProtocolLevel::v1_4) == '4');
    CHECK(oftp::level_code(ProtocolLevel::v2_0) == '5');
    for (const ProtocolLevel level : oftp::kAllLevels) {
        CHECK(oftp::level_from_code(oftp::level_code(level)) == level);
    }
    CHECK(oftp::level_from_code('9') == ProtocolLevel::v2_0);
    CHECK(!oftp::level_from_code('3'));
    CHECK(!oftp::level_from_code('0'));
    CHECK(!oftp::level_from_code('A'));
    CHECK(oftp::level_name(ProtocolLevel::v1_4) == "1.4");
    CHECK(oftp::lower_level(ProtocolLevel::v2_0, ProtocolLevel::v1_3) == ProtocolLevel::v1_3);
    CHECK(oftp::lower_level(ProtocolLevel::v1_4, ProtocolLevel::v2_0) == ProtocolLevel::v1_4);

    CHECK(!oftp::has_nerp(ProtocolLevel::v1_3));
    CHECK(oftp::has_nerp(ProtocolLevel::v1_4));
    CHECK(oftp::has_extended_timestamps(ProtocolLevel::v1_4));
    CHECK(!oftp::has_extended_timestamps(ProtocolLevel::v1_2));
    CHECK(!oftp::has_secure_authentication(ProtocolLevel::v1_4));
    CHECK(oftp::count_widths(ProtocolLevel::v1_4).unit_count == 12);
    CHECK(oftp::count_widths(ProtocolLevel::v2_0).file_size == 13);
    CHECK(oftp::max_for_digits(7) == 9'999'999);

    CHECK(oftp::is_defined_at('N', ProtocolLevel::v1_4));
    CHECK(!oftp::is_defined_at('N', ProtocolLevel::v1_3));
    CHECK(!oftp::is_defined_at('A', ProtocolLevel::v1_4));
    CHECK(oftp::is_defined_at('A', ProtocolLevel::v2_0));
    CHECK(!oftp::is_defined_at('Z', ProtocolLevel::v2_0));
    CHECK(oftp::command_name('X') == "SSID");
    CHECK(oftp::command_name(oftp::Command{oftp::Efpa{}}) == "EFPA");
}

TEST_CASE("Reason codes read as the RFC lists them", "[oftp][reasons]") {
    CHECK(oftp::name(oftp::EsidReason::invalid_password) == "04 invalid password");
    CHECK(oftp::name(oftp::EsidReason::normal_termination) == "00 normal session termination");
    CHECK(oftp::name(oftp::EsidReason::unspecified_abort) == "99 unspecified abort code");
    CHECK(oftp::name(static_cast<oftp::EsidReason>(13)) == "13 unknown reason");
    CHECK(oftp::name(oftp::SfnaReason::duplicate_file) == "13 duplicate file");
    CHECK(oftp::name(oftp::EfnaReason::file_decompression_failure) ==
          "23 file decompression failure");
    CHECK(oftp::name(static_cast<oftp::SfnaReason>(21)) == "21 unknown reason");
    CHECK(oftp::name(oftp::NerpReason::file_size_incompatible_with_protocol_version) ==
          "90 file size incompatible with recipient's protocol version");

    CHECK(oftp::is_defined(oftp::EsidReason::time_out, ProtocolLevel::v1_2));
    CHECK(!oftp::is_defined(oftp::EsidReason::invalid_challenge_response, ProtocolLevel::v1_4));
    CHECK(oftp::is_defined(oftp::EsidReason::invalid_challenge_response, ProtocolLevel::v2_0));
    CHECK(!oftp::is_defined(oftp::SfnaReason::file_direction_refused, ProtocolLevel::v1_3));
    CHECK(oftp::is_defined(oftp::SfnaReason::file_direction_refused, ProtocolLevel::v1_4));
    CHECK(!oftp::is_defined(oftp::SfnaReason::unsigned_file_not_allowed, ProtocolLevel::v1_4));
    CHECK(!oftp::is_defined(static_cast<oftp::SfnaReason>(21), ProtocolLevel::v2_0));
    CHECK(oftp::is_defined(oftp::EfnaReason::file_decryption_failure, ProtocolLevel::v2_0));
    CHECK(!oftp::is_defined(oftp::NerpReason::duplicate_file, ProtocolLevel::v1_3));
    CHECK(oftp::is_defined(oftp::NerpReason::duplicate_file, ProtocolLevel::v1_4));
    CHECK(!oftp::is_defined(static_cast<oftp::NerpReason>(40), ProtocolLevel::v2_0));
}

TEST_CASE("Refusals map to the NERP reasons of RFC 5024 5.3.14", "[oftp][reasons]") {
    CHECK(oftp::nerp_reason_for(oftp::SfnaReason::invalid_filename) ==
          oftp::NerpReason::invalid_filename);
    CHECK(oftp::nerp_reason_for(oftp::SfnaReason::duplicate_file) == oftp::NerpReason::duplicate_file);
    CHECK(oftp::nerp_reason_for(oftp::SfnaReason::unsigned_file_not_allowed) ==
          oftp::NerpReason::unsigned_file_not_allowed);
    CHECK(oftp::nerp_reason_for(oftp::SfnaReason::unspecified) == oftp::NerpReason::unspecified);
    CHECK(oftp::nerp_reason_for(oftp::EfnaReason::invalid_file_signature) ==
          oftp::NerpReason::file_signature_not_valid);
    CHECK(oftp::nerp_reason_for(oftp::EfnaReason::file_decryption_failure) ==
          oftp::NerpReason::file_decryption_failed);
    CHECK(oftp::nerp_reason_for(oftp::EfnaReason::file_decompression_failure) ==
          oftp::NerpReason::file_decompression_failed);
    CHECK(oftp::nerp_reason_for(oftp::EfnaReason::invalid_byte_count) ==
          oftp::NerpReason::invalid_byte_count);
    CHECK(oftp::nerp_reason_for(oftp::EsidReason::user_code_not_known) ==
          oftp::NerpReason::user_code_not_known);
    CHECK(oftp::nerp_reason_for(oftp::EsidReason::unspecified_abort) ==
          oftp::NerpReason::unspecified_esid);
    CHECK(!oftp::nerp_reason_for(oftp::EsidReason::time_out));
    CHECK(!oftp::nerp_reason_for(static_cast<oftp::SfnaReason>(7)));
}
