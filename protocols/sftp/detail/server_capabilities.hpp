// What the server engine supports, shared by the handlers that enforce it and the VERSION
// extensions that announce it (internal).
#pragma once

#include "protocols/sftp/constants.hpp"

#include <cstdint>

namespace wharf::sftp::detail {

// Open flags we honour: the disposition, appends (the file system gets them in the mode),
// text mode (the engine translates) and NOFOLLOW (the engine checks with LSTAT first).
inline constexpr std::uint32_t kHonouredOpenFlags =
    open_flags::access_disposition | open_flags::append_data | open_flags::append_data_atomic |
    open_flags::text_mode | open_flags::nofollow;

// Desired-access bits OPEN acts on; others are accepted and need nothing more (-13 5.4 says
// not to mask desired-access with this).
inline constexpr std::uint32_t kHonouredAccess = ace4::read_data | ace4::write_data |
                                                 ace4::append_data | ace4::read_attributes |
                                                 ace4::write_attributes;

// Lock masks BLOCK accepts: bit i set means the BLOCK_* combination (mask >> 6) == i works.
// None (always), and advisory shared (WRITE) and exclusive (READ|WRITE) locks: -13 5.4's
// example of a server with classic advisory locks. OPEN takes no share locks: 0x0001.
inline constexpr std::uint16_t kBlockVector = 0x0c01;
inline constexpr std::uint16_t kOpenBlockVector = 0x0001;

// Attributes SETSTAT and friends pass to the file system in v4+ (what the daemon applies);
// a request with any other one fails whole with INVALID_PARAMETER (-13 7.1, 7.4).
inline constexpr std::uint32_t kSettableAttributes = attr::size | attr::permissions | attr::accesstime |
                                                     attr::modifytime | attr::subsecond_times |
                                                     attr::ownergroup;

}  // namespace wharf::sftp::detail
