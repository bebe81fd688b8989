#include "protocols/sftp/status.hpp"

#include <array>

namespace wharf::sftp {

namespace {

struct StatusRow {
    std::string_view name;
    std::string_view message;
    StatusCode fallback;  // the next code to try in a version that lacks this one
};

// Indexed by code. Rows 0-8 exist in every version, so their fallback is never used.
constexpr std::array<StatusRow, 32> kStatusTable{{
    {"SSH_FX_OK", "Success", StatusCode::ok},
    {"SSH_FX_EOF", "End of file", StatusCode::eof},
    {"SSH_FX_NO_SUCH_FILE", "No such file", StatusCode::no_such_file},
    {"SSH_FX_PERMISSION_DENIED", "Permission denied", StatusCode::permission_denied},
    {"SSH_FX_FAILURE", "Failure", StatusCode::failure},
    {"SSH_FX_BAD_MESSAGE", "Bad message", StatusCode::bad_message},
    {"SSH_FX_NO_CONNECTION", "No connection", StatusCode::no_connection},
    {"SSH_FX_CONNECTION_LOST", "Connection lost", StatusCode::connection_lost},
    {"SSH_FX_OP_UNSUPPORTED", "Operation unsupported", StatusCode::op_unsupported},
    {"SSH_FX_INVALID_HANDLE", "Invalid handle", StatusCode::failure},
    {"SSH_FX_NO_SUCH_PATH", "No such path", StatusCode::no_such_file},
    {"SSH_FX_FILE_ALREADY_EXISTS", "File already exists", StatusCode::failure},
    {"SSH_FX_WRITE_PROTECT", "Write protected", StatusCode::permission_denied},
    {"SSH_FX_NO_MEDIA", "No media", StatusCode::failure},
    {"SSH_FX_NO_SPACE_ON_FILESYSTEM", "No space left on filesystem", StatusCode::failure},
    {"SSH_FX_QUOTA_EXCEEDED", "Quota exceeded", StatusCode::no_space_on_filesystem},
    {"SSH_FX_UNKNOWN_PRINCIPAL", "Unknown principal", StatusCode::failure},
    {"SSH_FX_LOCK_CONFLICT", "Lock conflict", StatusCode::failure},
    {"SSH_FX_DIR_NOT_EMPTY", "Directory not empty", StatusCode::failure},
    {"SSH_FX_NOT_A_DIRECTORY", "Not a directory", StatusCode::no_such_path},
    {"SSH_FX_INVALID_FILENAME", "Invalid filename", StatusCode::bad_message},
    {"SSH_FX_LINK_LOOP", "Too many symbolic links", StatusCode::no_such_path},
    {"SSH_FX_CANNOT_DELETE", "Cannot delete", StatusCode::permission_denied},
    {"SSH_FX_INVALID_PARAMETER", "Invalid parameter", StatusCode::bad_message},
    {"SSH_FX_FILE_IS_A_DIRECTORY", "File is a directory", StatusCode::failure},
    {"SSH_FX_BYTE_RANGE_LOCK_CONFLICT", "Byte range lock conflict", StatusCode::lock_conflict},
    {"SSH_FX_BYTE_RANGE_LOCK_REFUSED", "Byte range lock refused", StatusCode::lock_conflict},
    {"SSH_FX_DELETE_PENDING", "Delete pending", StatusCode::failure},
    {"SSH_FX_FILE_CORRUPT", "File corrupt", StatusCode::failure},
    {"SSH_FX_OWNER_INVALID", "Invalid owner", StatusCode::unknown_principal},
    {"SSH_FX_GROUP_INVALID", "Invalid group", StatusCode::unknown_principal},
    {"SSH_FX_NO_MATCHING_BYTE_RANGE_LOCK", "No matching byte range lock", StatusCode::failure},
}};

}  // namespace

std::uint32_t highest_status_code(std::uint32_t version) noexcept {
    switch (version) {
        case 3:
            return 8;
        case 4:
            return 13;
        case 5:
            return 17;
        default:
            return 31;
    }
}

std::string_view status_name(std::uint32_t code) noexcept {
    return code < kStatusTable.size() ? kStatusTable[code].name : std::string_view{};
}

std::string_view status_message(std::uint32_t code) noexcept {
    return code < kStatusTable.size() ? kStatusTable[code].message : "Unknown error";
}

StatusCode status_for(std::uint32_t version, StatusCode code) noexcept {
    const std::uint32_t highest = highest_status_code(version);
    auto value = static_cast<std::uint32_t>(code);
    if (value >= kStatusTable.size()) {
        return StatusCode::failure;
    }
    // Every fallback is a lower code and 0-8 exist everywhere, so this ends within 3 steps.
    while (value > highest) {
        value = static_cast<std::uint32_t>(kStatusTable[value].fallback);
    }
    return static_cast<StatusCode>(value);
}

}  // namespace wharf::sftp
