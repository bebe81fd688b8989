// SFTP wire constants for protocol versions 3 to 6, named as in the drafts
// (draft-ietf-secsh-filexfer-02 = v3, -04 = v4, -05 = v5, -13 = v6). Values are the wire
// values; which version defines which value is noted where it differs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wharf::sftp {

inline constexpr std::uint32_t kMinVersion = 3;  // the first version with EXTENDED; v1/v2 are dead
inline constexpr std::uint32_t kMaxVersion = 6;

// Packet types (-13 section 4.3). SYMLINK exists in v3-v5 only; LINK, BLOCK and UNBLOCK are v6.
enum class PacketType : std::uint8_t {
    init = 1,
    version = 2,
    open = 3,
    close = 4,
    read = 5,
    write = 6,
    lstat = 7,
    fstat = 8,
    setstat = 9,
    fsetstat = 10,
    opendir = 11,
    readdir = 12,
    remove = 13,
    mkdir = 14,
    rmdir = 15,
    realpath = 16,
    stat = 17,
    rename = 18,
    readlink = 19,
    symlink = 20,
    link = 21,
    block = 22,
    unblock = 23,
    status = 101,
    handle = 102,
    data = 103,
    name = 104,
    attrs = 105,
    extended = 200,
    extended_reply = 201,
};

// Whether `type` exists in `version` (3..6).
[[nodiscard]] constexpr bool packet_type_defined(PacketType type, std::uint32_t version) noexcept {
    switch (type) {
        case PacketType::symlink:
            return version <= 5;
        case PacketType::link:
        case PacketType::block:
        case PacketType::unblock:
            return version >= 6;
        default:
            return true;
    }
}

// ATTRS valid-attribute-flags.
namespace attr {
inline constexpr std::uint32_t size = 0x00000001;
inline constexpr std::uint32_t uidgid = 0x00000002;  // v3 only; reserved ("MUST NOT") in v4+
inline constexpr std::uint32_t permissions = 0x00000004;
inline constexpr std::uint32_t acmodtime = 0x00000008;  // v3: atime + mtime as uint32
inline constexpr std::uint32_t accesstime = 0x00000008;  // v4+: same bit, int64 atime only
inline constexpr std::uint32_t createtime = 0x00000010;
inline constexpr std::uint32_t modifytime = 0x00000020;
inline constexpr std::uint32_t acl = 0x00000040;
inline constexpr std::uint32_t ownergroup = 0x00000080;
inline constexpr std::uint32_t subsecond_times = 0x00000100;
inline constexpr std::uint32_t bits = 0x00000200;  // v5+
inline constexpr std::uint32_t allocation_size = 0x00000400;  // v6 from here on
inline constexpr std::uint32_t text_hint = 0x00000800;
inline constexpr std::uint32_t mime_type = 0x00001000;
inline constexpr std::uint32_t link_count = 0x00002000;
inline constexpr std::uint32_t untranslated_name = 0x00004000;
inline constexpr std::uint32_t ctime = 0x00008000;
inline constexpr std::uint32_t extended = 0x80000000;

// Every bit each version defines. Draft -04 prints PERMISSIONS as 0x40 (a typo clashing
// with ACL); -05 and -13 and every implementation use 0x04, and so do we.
inline constexpr std::uint32_t defined_v3 = size | uidgid | permissions | acmodtime | extended;
inline constexpr std::uint32_t defined_v4 = size | permissions | accesstime | createtime |
                                            modifytime | acl | ownergroup | subsecond_times |
                                            extended;
inline constexpr std::uint32_t defined_v5 = defined_v4 | bits;
inline constexpr std::uint32_t defined_v6 = defined_v5 | allocation_size | text_hint | mime_type |
                                            link_count | untranslated_name | ctime;
}  // namespace attr

// The v4+ type byte (-13 section 7.2). v4 defines 1-5; v5 adds 6-9.
enum class FileType : std::uint8_t {
    regular = 1,
    directory = 2,
    symlink = 3,
    special = 4,
    unknown = 5,
    socket = 6,
    char_device = 7,
    block_device = 8,
    fifo = 9,
};

// v3/v4 OPEN pflags (-02 section 6.3, -04 adds TEXT).
namespace pflags {
inline constexpr std::uint32_t read = 0x00000001;
inline constexpr std::uint32_t write = 0x00000002;
inline constexpr std::uint32_t append = 0x00000004;
inline constexpr std::uint32_t creat = 0x00000008;
inline constexpr std::uint32_t trunc = 0x00000010;
inline constexpr std::uint32_t excl = 0x00000020;
inline constexpr std::uint32_t text = 0x00000040;  // v4
}  // namespace pflags

// v5+ OPEN flags (-13 section 8.1.1.3; -05 names the block bits ACCESS_*_LOCK).
namespace open_flags {
inline constexpr std::uint32_t access_disposition = 0x00000007;
inline constexpr std::uint32_t create_new = 0x00000000;
inline constexpr std::uint32_t create_truncate = 0x00000001;
inline constexpr std::uint32_t open_existing = 0x00000002;
inline constexpr std::uint32_t open_or_create = 0x00000003;
inline constexpr std::uint32_t truncate_existing = 0x00000004;
inline constexpr std::uint32_t append_data = 0x00000008;
inline constexpr std::uint32_t append_data_atomic = 0x00000010;
inline constexpr std::uint32_t text_mode = 0x00000020;
inline constexpr std::uint32_t block_read = 0x00000040;
inline constexpr std::uint32_t block_write = 0x00000080;
inline constexpr std::uint32_t block_delete = 0x00000100;
inline constexpr std::uint32_t block_advisory = 0x00000200;  // v6
inline constexpr std::uint32_t nofollow = 0x00000400;
inline constexpr std::uint32_t delete_on_close = 0x00000800;
inline constexpr std::uint32_t access_audit_alarm_info = 0x00001000;
inline constexpr std::uint32_t access_backup = 0x00002000;
inline constexpr std::uint32_t backup_stream = 0x00004000;
inline constexpr std::uint32_t override_owner = 0x00008000;
}  // namespace open_flags

// ACE4 access mask bits used as OPEN desired-access in v5+ (-13 section 7.8).
namespace ace4 {
inline constexpr std::uint32_t read_data = 0x00000001;
inline constexpr std::uint32_t write_data = 0x00000002;
inline constexpr std::uint32_t append_data = 0x00000004;
inline constexpr std::uint32_t read_named_attrs = 0x00000008;
inline constexpr std::uint32_t write_named_attrs = 0x00000010;
inline constexpr std::uint32_t execute = 0x00000020;
inline constexpr std::uint32_t delete_child = 0x00000040;
inline constexpr std::uint32_t read_attributes = 0x00000080;
inline constexpr std::uint32_t write_attributes = 0x00000100;
inline constexpr std::uint32_t delete_ = 0x00010000;
inline constexpr std::uint32_t read_acl = 0x00020000;
inline constexpr std::uint32_t write_acl = 0x00040000;
inline constexpr std::uint32_t write_owner = 0x00080000;
inline constexpr std::uint32_t synchronize = 0x00100000;
}  // namespace ace4

// v5+ RENAME flags (-13 section 8.3).
namespace rename_flags {
inline constexpr std::uint32_t overwrite = 0x00000001;
inline constexpr std::uint32_t atomic = 0x00000002;
inline constexpr std::uint32_t native = 0x00000004;
}  // namespace rename_flags

// v6 REALPATH control byte (-13 section 8.9).
namespace realpath_control {
inline constexpr std::uint8_t no_check = 0x01;
inline constexpr std::uint8_t stat_if = 0x02;
inline constexpr std::uint8_t stat_always = 0x03;
}  // namespace realpath_control

// statvfs@openssh.com f_flag bits (openssh PROTOCOL 4.4).
namespace statvfs_flag {
inline constexpr std::uint64_t rdonly = 0x1;
inline constexpr std::uint64_t nosuid = 0x2;
}  // namespace statvfs_flag

// Handles "MUST NOT be longer than 256 bytes" (-13 section 8.1); we hold peers to it on decode.
inline constexpr std::size_t kMaxHandleLength = 256;

// OpenSSH's SFTP_MAX_MSG_LENGTH is 256 KiB; we add 1 KiB so a 256 KiB WRITE or DATA payload
// still fits with its header (type, id, a 256-byte handle, offset, length).
inline constexpr std::uint32_t kDefaultMaxPacketLength = 256 * 1024 + 1024;

}  // namespace wharf::sftp
