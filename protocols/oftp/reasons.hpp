// OFTP reason codes (RFC 5024 sections 5.3.5, 5.3.10, 5.3.11 and 5.3.14; RFC 2204 for 1.x) with
// the names logs show: name(EsidReason::invalid_password) is "04 invalid password".
//
// The enums hold any two-digit value, so a code a peer sends that no level defines is carried
// as it came (named "NN unknown reason"); is_defined() tells the two apart.
#pragma once

#include "protocols/oftp/level.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::oftp {

// ESIDREAS. 00-10 and 99 in every level; 11 and 12 came with 2.0's secure authentication.
enum class EsidReason : std::uint8_t {
    normal_termination = 0,
    command_not_recognised = 1,
    protocol_violation = 2,
    user_code_not_known = 3,
    invalid_password = 4,
    local_site_emergency_close_down = 5,
    command_contained_invalid_data = 6,
    exchange_buffer_size_error = 7,
    resources_not_available = 8,
    time_out = 9,
    mode_or_capabilities_incompatible = 10,
    invalid_challenge_response = 11,
    secure_authentication_requirements_incompatible = 12,
    unspecified_abort = 99,
};

// SFNAREAS. 1.x: 01-06, 10-13, 99; 1.4 adds 14; 2.0 adds 15-20.
enum class SfnaReason : std::uint8_t {
    invalid_filename = 1,
    invalid_destination = 2,
    invalid_origin = 3,
    storage_record_format_not_supported = 4,
    maximum_record_length_not_supported = 5,
    file_size_too_big = 6,
    invalid_record_count = 10,
    invalid_byte_count = 11,
    access_method_failure = 12,
    duplicate_file = 13,
    file_direction_refused = 14,
    cipher_suite_not_supported = 15,
    encrypted_file_not_allowed = 16,
    unencrypted_file_not_allowed = 17,
    compression_not_allowed = 18,
    signed_file_not_allowed = 19,
    unsigned_file_not_allowed = 20,
    unspecified = 99,
};

// EFNAREAS: SFNA's codes, plus 21-23 in 2.0.
enum class EfnaReason : std::uint8_t {
    invalid_filename = 1,
    invalid_destination = 2,
    invalid_origin = 3,
    storage_record_format_not_supported = 4,
    maximum_record_length_not_supported = 5,
    file_size_too_big = 6,
    invalid_record_count = 10,
    invalid_byte_count = 11,
    access_method_failure = 12,
    duplicate_file = 13,
    file_direction_refused = 14,
    cipher_suite_not_supported = 15,
    encrypted_file_not_allowed = 16,
    unencrypted_file_not_allowed = 17,
    compression_not_allowed = 18,
    signed_file_not_allowed = 19,
    unsigned_file_not_allowed = 20,
    invalid_file_signature = 21,
    file_decryption_failure = 22,
    file_decompression_failure = 23,
    unspecified = 99,
};

// NERPREAS (1.4+).
enum class NerpReason : std::uint8_t {
    user_code_not_known = 3,
    invalid_password = 4,
    unspecified_esid = 9,
    invalid_filename = 11,
    invalid_destination = 12,
    invalid_origin = 13,
    invalid_storage_record_format = 14,
    maximum_record_length_not_supported = 15,
    file_size_too_big = 16,
    invalid_record_count = 20,
    invalid_byte_count = 21,
    access_method_failure = 22,
    duplicate_file = 23,
    file_direction_refused = 24,
    cipher_suite_not_supported = 25,
    encrypted_file_not_allowed = 26,
    unencrypted_file_not_allowed = 27,
    compression_not_allowed = 28,
    signed_file_not_allowed = 29,
    unsigned_file_not_allowed = 30,
    file_signature_not_valid = 31,
    file_decompression_failed = 32,
    file_decryption_failed = 33,
    file_processing_failed = 34,
    not_delivered_to_recipient = 35,
    not_acknowledged_by_recipient = 36,
    transmission_stopped_by_operator = 50,
    file_size_incompatible_with_protocol_version = 90,
    unspecified = 99,
};

// The RFC's text for a code, in lower case ("invalid password"); "unknown reason" for a code
// no level defines.
[[nodiscard]] std::string_view reason_text(EsidReason reason) noexcept;
[[nodiscard]] std::string_view reason_text(SfnaReason reason) noexcept;
[[nodiscard]] std::string_view reason_text(EfnaReason reason) noexcept;
[[nodiscard]] std::string_view reason_text(NerpReason reason) noexcept;

// The code and its text for logs: "04 invalid password".
[[nodiscard]] std::string name(EsidReason reason);
[[nodiscard]] std::string name(SfnaReason reason);
[[nodiscard]] std::string name(EfnaReason reason);
[[nodiscard]] std::string name(NerpReason reason);

// Whether `level` defines the code (a NERP reason needs 1.4, where NERP came in).
[[nodiscard]] bool is_defined(EsidReason reason, ProtocolLevel level) noexcept;
[[nodiscard]] bool is_defined(SfnaReason reason, ProtocolLevel level) noexcept;
[[nodiscard]] bool is_defined(EfnaReason reason, ProtocolLevel level) noexcept;
[[nodiscard]] bool is_defined(NerpReason reason, ProtocolLevel level) noexcept;

// The NERP reason that reports a refusal to the file's originator (RFC 5024 5.3.14: "SFNA
// (RETRY=N) received with reason code '01'" is NERP 11, and so on; ESID 03 and 04 keep their
// numbers, ESID 99 is NERP 09). nullopt for codes the table does not map.
[[nodiscard]] std::optional<NerpReason> nerp_reason_for(SfnaReason reason) noexcept;
[[nodiscard]] std::optional<NerpReason> nerp_reason_for(EfnaReason reason) noexcept;
[[nodiscard]] std::optional<NerpReason> nerp_reason_for(EsidReason reason) noexcept;

}  // namespace wharf::oftp
