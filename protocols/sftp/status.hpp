// SSH_FX_* status codes for SFTP v3 to v6, their names and default English messages, and the
// downgrade that turns a code into one the negotiated version defines.
#pragma once

#include <cstdint>
#include <string_view>

namespace wharf::sftp {

// -13 section 9.1. v3 defines 0-8, v4 0-13, v5 0-17, v6 0-31.
enum class StatusCode : std::uint32_t {
    ok = 0,
    eof = 1,
    no_such_file = 2,
    permission_denied = 3,
    failure = 4,
    bad_message = 5,
    no_connection = 6,
    connection_lost = 7,
    op_unsupported = 8,
    invalid_handle = 9,  // v4
    no_such_path = 10,
    file_already_exists = 11,
    write_protect = 12,
    no_media = 13,
    no_space_on_filesystem = 14,  // v5
    quota_exceeded = 15,
    unknown_principal = 16,
    lock_conflict = 17,
    dir_not_empty = 18,  // v6
    not_a_directory = 19,
    invalid_filename = 20,
    link_loop = 21,
    cannot_delete = 22,
    invalid_parameter = 23,
    file_is_a_directory = 24,
    byte_range_lock_conflict = 25,
    byte_range_lock_refused = 26,
    delete_pending = 27,
    file_corrupt = 28,
    owner_invalid = 29,
    group_invalid = 30,
    no_matching_byte_range_lock = 31,
};

// The highest code `version` (3..6) defines: 8, 13, 17 or 31.
[[nodiscard]] std::uint32_t highest_status_code(std::uint32_t version) noexcept;

// "SSH_FX_NO_SUCH_PATH"; "" for a code no version defines.
[[nodiscard]] std::string_view status_name(std::uint32_t code) noexcept;

// The default English message ("No such file"), the texts OpenSSH's sftp-server uses for 0-8;
// "Unknown error" for a code no version defines.
[[nodiscard]] std::string_view status_message(std::uint32_t code) noexcept;

// The code to send to a peer speaking `version`: `code` itself when the version defines it,
// else the closest code it does define. Each newer code falls back one step at a time
// (QUOTA_EXCEEDED -> NO_SPACE_ON_FILESYSTEM -> FAILURE) until the version knows the result:
//
//   INVALID_HANDLE              -> FAILURE            (sftp-server: unknown handle = FAILURE)
//   NO_SUCH_PATH                -> NO_SUCH_FILE
//   FILE_ALREADY_EXISTS         -> FAILURE            (sftp-server: EEXIST = FAILURE)
//   WRITE_PROTECT               -> PERMISSION_DENIED
//   NO_MEDIA                    -> FAILURE
//   NO_SPACE_ON_FILESYSTEM      -> FAILURE
//   QUOTA_EXCEEDED              -> NO_SPACE_ON_FILESYSTEM
//   UNKNOWN_PRINCIPAL           -> FAILURE
//   LOCK_CONFLICT               -> FAILURE
//   DIR_NOT_EMPTY               -> FAILURE            (sftp-server: ENOTEMPTY = FAILURE)
//   NOT_A_DIRECTORY             -> NO_SUCH_PATH       (sftp-server: ENOTDIR = NO_SUCH_FILE)
//   INVALID_FILENAME            -> BAD_MESSAGE        (sftp-server: ENAMETOOLONG = BAD_MESSAGE)
//   LINK_LOOP                   -> NO_SUCH_PATH       (sftp-server: ELOOP = NO_SUCH_FILE)
//   CANNOT_DELETE               -> PERMISSION_DENIED
//   INVALID_PARAMETER           -> BAD_MESSAGE        (sftp-server: EINVAL = BAD_MESSAGE)
//   FILE_IS_A_DIRECTORY         -> FAILURE            (sftp-server: EISDIR = FAILURE)
//   BYTE_RANGE_LOCK_CONFLICT    -> LOCK_CONFLICT
//   BYTE_RANGE_LOCK_REFUSED     -> LOCK_CONFLICT
//   DELETE_PENDING              -> FAILURE
//   FILE_CORRUPT                -> FAILURE
//   OWNER_INVALID               -> UNKNOWN_PRINCIPAL
//   GROUP_INVALID               -> UNKNOWN_PRINCIPAL
//   NO_MATCHING_BYTE_RANGE_LOCK -> FAILURE
//   anything above 31           -> FAILURE
//
// Precondition: 3 <= version <= 6 (other versions are treated as 6).
[[nodiscard]] StatusCode status_for(std::uint32_t version, StatusCode code) noexcept;

}  // namespace wharf::sftp
