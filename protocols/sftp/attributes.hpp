// The ATTRS structure for SFTP v3 to v6: one struct, every field optional, encoded and decoded
// per version. The flags word is not stored; it follows from which fields are set.
#pragma once

#include "protocols/sftp/constants.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wharf::sftp {

// One extension pair (ATTRS extended data, VERSION/INIT extensions). `data` may be binary.
struct ExtensionPair {
    std::string name;
    std::string data;
    bool operator==(const ExtensionPair&) const = default;
};

// A time: seconds since 1970 (negative allowed from v4 on) and, if the peer sent
// SUBSECOND_TIMES, nanoseconds (0..999999999).
struct FileTime {
    std::int64_t seconds = 0;
    std::optional<std::uint32_t> nanoseconds;
    bool operator==(const FileTime&) const = default;
};

struct UidGid {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    bool operator==(const UidGid&) const = default;
};

struct OwnerGroup {
    std::string owner;  // "user@domain" (v4+); empty means "absent, do not change"
    std::string group;
    bool operator==(const OwnerGroup&) const = default;
};

// Which fields each version carries (a field the version lacks is skipped on encode):
//   v3: size, uid_gid, permissions, atime+mtime (both or neither, uint32 seconds), extended
//   v4: type, size, owner_group, permissions, atime, createtime, mtime (int64, optional
//       nanoseconds), acl, extended
//   v5: v4 + attrib_bits
//   v6: v5 + allocation_size, ctime, attrib_bits_valid, text_hint, mime_type, link_count,
//       untranslated_name
struct FileAttributes {
    // v4+: always on the wire. Encoding v4+ without it derives it from S_IFMT in permissions
    // (UNKNOWN if that is absent too). v3 has no type byte; see file_type().
    std::optional<FileType> type;
    std::optional<std::uint64_t> size;
    std::optional<std::uint64_t> allocation_size;
    std::optional<UidGid> uid_gid;
    std::optional<OwnerGroup> owner_group;
    // Sent as given: v3 peers (OpenSSH) include the S_IFMT type bits, v4+ should not (-13 7.6);
    // the engine decides what to put here.
    std::optional<std::uint32_t> permissions;
    std::optional<FileTime> atime;
    std::optional<FileTime> createtime;
    std::optional<FileTime> mtime;
    std::optional<FileTime> ctime;
    // The ACL string as sent (v4+). Its ACE list is not parsed: nothing in wharf uses ACLs yet.
    std::optional<ssh::Bytes> acl;
    std::optional<std::uint32_t> attrib_bits;        // SSH_FILEXFER_ATTR_FLAGS_* (v5+)
    std::optional<std::uint32_t> attrib_bits_valid;  // v6; encoded as all-ones if unset
    std::optional<std::uint8_t> text_hint;           // v6
    std::optional<std::string> mime_type;            // v6
    std::optional<std::uint32_t> link_count;         // v6
    std::optional<std::string> untranslated_name;    // v6
    std::vector<ExtensionPair> extended;

    bool operator==(const FileAttributes&) const = default;

    // The valid-attribute-flags word encode() writes for `version`.
    [[nodiscard]] std::uint32_t flags_for(std::uint32_t version) const noexcept;

    // Appends the structure for `version` (3..6). Fields the version lacks are left out, and so
    // are nanoseconds in v3. SUBSECOND_TIMES is set when any present time has nanoseconds
    // (times without them are then sent with 0).
    void encode(ssh::Writer& out, std::uint32_t version) const;

    // Reads the structure for `version`. Throws ssh::DecodeError on truncation, on flag bits
    // the version does not define (their fields' layout is unknown, so the rest of the packet
    // could not be read), on the reserved 0x2 bit in v4+, on nanoseconds above 999999999 and on
    // an extended count larger than the bytes left could hold. Lenient where the drafts allow
    // it: unknown type and text-hint values are kept as they are, empty owner/group are kept.
    static FileAttributes decode(ssh::Reader& in, std::uint32_t version);

    // type if set, else derived from S_IFMT bits in permissions, else nullopt.
    [[nodiscard]] std::optional<FileType> file_type() const noexcept;
};

// FileType for the S_IFMT bits of a POSIX mode (UNKNOWN if none match), and back (0 for types
// POSIX has no bits for).
[[nodiscard]] FileType file_type_from_mode(std::uint32_t mode) noexcept;
[[nodiscard]] std::uint32_t mode_type_bits(FileType type) noexcept;

}  // namespace wharf::sftp
