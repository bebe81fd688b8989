#include "protocols/oftp/reasons.hpp"

#include <cstdio>

namespace wharf::oftp {

namespace {

// SFNA and EFNA share codes 01-20 and 99; one table serves both.
std::string_view file_reason_text(std::uint8_t code) noexcept {
    switch (code) {
        case 1: return "invalid filename";
        case 2: return "invalid destination";
        case 3: return "invalid origin";
        case 4: return "storage record format not supported";
        case 5: return "maximum record length not supported";
        case 6: return "file size is too big";
        case 10: return "invalid record count";
        case 11: return "invalid byte count";
        case 12: return "access method failure";
        case 13: return "duplicate file";
        case 14: return "file direction refused";
        case 15: return "cipher suite not supported";
        case 16: return "encrypted file not allowed";
        case 17: return "unencrypted file not allowed";
        case 18: return "compression not allowed";
        case 19: return "signed file not allowed";
        case 20: return "unsigned file not allowed";
        case 21: return "invalid file signature";
        case 22: return "file decryption failure";
        case 23: return "file decompression failure";
        case 99: return "unspecified reason";
        default: return "unknown reason";
    }
}

bool file_reason_defined(std::uint8_t code, std::uint8_t highest_v2_code, ProtocolLevel level) {
    if (code == 99 || (code >= 1 && code <= 6) || (code >= 10 && code <= 13)) {
        return true;
    }
    if (code == 14) {
        return level >= ProtocolLevel::v1_4;
    }
    return code >= 15 && code <= highest_v2_code && is_v2(level);
}

template <class Reason>
std::string with_code(Reason reason) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%02u ", static_cast<unsigned>(reason));
    return std::string(digits) + std::string(reason_text(reason));
}

}  // namespace

std::string_view reason_text(EsidReason reason) noexcept {
    switch (reason) {
        case EsidReason::normal_termination: return "normal session termination";
        case EsidReason::command_not_recognised: return "command not recognised";
        case EsidReason::protocol_violation: return "protocol violation";
        case EsidReason::user_code_not_known: return "user code not known";
        case EsidReason::invalid_password: return "invalid password";
        case EsidReason::local_site_emergency_close_down: return "local site emergency close down";
        case EsidReason::command_contained_invalid_data: return "command contained invalid data";
        case EsidReason::exchange_buffer_size_error: return "exchange buffer size error";
        case EsidReason::resources_not_available: return "resources not available";
        case EsidReason::time_out: return "time out";
        case EsidReason::mode_or_capabilities_incompatible:
            return "mode or capabilities incompatible";
        case EsidReason::invalid_challenge_response: return "invalid challenge response";
        case EsidReason::secure_authentication_requirements_incompatible:
            return "secure authentication requirements incompatible";
        case EsidReason::unspecified_abort: return "unspecified abort code";
    }
    return "unknown reason";
}

std::string_view reason_text(SfnaReason reason) noexcept {
    const auto code = static_cast<std::uint8_t>(reason);
    return code > 20 && code != 99 ? "unknown reason" : file_reason_text(code);
}

std::string_view reason_text(EfnaReason reason) noexcept {
    return file_reason_text(static_cast<std::uint8_t>(reason));
}

std::string_view reason_text(NerpReason reason) noexcept {
    switch (reason) {
        case NerpReason::user_code_not_known: return "user code not known";
        case NerpReason::invalid_password: return "invalid password";
        case NerpReason::unspecified_esid: return "unspecified reason (ESID 99)";
        case NerpReason::invalid_filename: return "invalid file name";
        case NerpReason::invalid_destination: return "invalid destination";
        case NerpReason::invalid_origin: return "invalid origin";
        case NerpReason::invalid_storage_record_format: return "invalid storage record format";
        case NerpReason::maximum_record_length_not_supported:
            return "maximum record length not supported";
        case NerpReason::file_size_too_big: return "file size too big";
        case NerpReason::invalid_record_count: return "invalid record count";
        case NerpReason::invalid_byte_count: return "invalid byte count";
        case NerpReason::access_method_failure: return "access method failure";
        case NerpReason::duplicate_file: return "duplicate file";
        case NerpReason::file_direction_refused: return "file direction refused";
        case NerpReason::cipher_suite_not_supported: return "cipher suite not supported";
        case NerpReason::encrypted_file_not_allowed: return "encrypted file not allowed";
        case NerpReason::unencrypted_file_not_allowed: return "unencrypted file not allowed";
        case NerpReason::compression_not_allowed: return "compression not allowed";
        case NerpReason::signed_file_not_allowed: return "signed file not allowed";
        case NerpReason::unsigned_file_not_allowed: return "unsigned file not allowed";
        case NerpReason::file_signature_not_valid: return "file signature not valid";
        case NerpReason::file_decompression_failed: return "file decompression failed";
        case NerpReason::file_decryption_failed: return "file decryption failed";
        case NerpReason::file_processing_failed: return "file processing failed";
        case NerpReason::not_delivered_to_recipient: return "not delivered to recipient";
        case NerpReason::not_acknowledged_by_recipient: return "not acknowledged by recipient";
        case NerpReason::transmission_stopped_by_operator:
            return "transmission stopped by the operator";
        case NerpReason::file_size_incompatible_with_protocol_version:
            return "file size incompatible with recipient's protocol version";
        case NerpReason::unspecified: return "unspecified reason";
    }
    return "unknown reason";
}

std::string name(EsidReason reason) { return with_code(reason); }
std::string name(SfnaReason reason) { return with_code(reason); }
std::string name(EfnaReason reason) { return with_code(reason); }
std::string name(NerpReason reason) { return with_code(reason); }

bool is_defined(EsidReason reason, ProtocolLevel level) noexcept {
    const auto code = static_cast<std::uint8_t>(reason);
    if (code <= 10 || code == 99) {
        return true;
    }
    return (code == 11 || code == 12) && is_v2(level);
}

bool is_defined(SfnaReason reason, ProtocolLevel level) noexcept {
    return file_reason_defined(static_cast<std::uint8_t>(reason), 20, level);
}

bool is_defined(EfnaReason reason, ProtocolLevel level) noexcept {
    return file_reason_defined(static_cast<std::uint8_t>(reason), 23, level);
}

bool is_defined(NerpReason reason, ProtocolLevel level) noexcept {
    return has_nerp(level) && reason_text(reason) != "unknown reason";
}

std::optional<NerpReason> nerp_reason_for(SfnaReason reason) noexcept {
    const auto code = static_cast<std::uint8_t>(reason);
    if (code == 99) {
        return NerpReason::unspecified;
    }
    if ((code >= 1 && code <= 6) || (code >= 10 && code <= 20)) {
        return static_cast<NerpReason>(code + 10);
    }
    return std::nullopt;
}

std::optional<NerpReason> nerp_reason_for(EfnaReason reason) noexcept {
    switch (reason) {
        case EfnaReason::invalid_file_signature: return NerpReason::file_signature_not_valid;
        case EfnaReason::file_decryption_failure: return NerpReason::file_decryption_failed;
        case EfnaReason::file_decompression_failure: return NerpReason::file_decompression_failed;
        default: return nerp_reason_for(static_cast<SfnaReason>(reason));
    }
}

std::optional<NerpReason> nerp_reason_for(EsidReason reason) noexcept {
    switch (reason) {
        case EsidReason::user_code_not_known: return NerpReason::user_code_not_known;
        case EsidReason::invalid_password: return NerpReason::invalid_password;
        case EsidReason::unspecified_abort: return NerpReason::unspecified_esid;
        default: return std::nullopt;
    }
}

}  // namespace wharf::oftp
