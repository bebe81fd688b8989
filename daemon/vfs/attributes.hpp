// File attributes as the protocols need them: enough for SFTP v3-v6 ATTRS and for OFTP's
// file size and date.
#pragma once

#include <cstdint>
#include <optional>

struct stat;
struct statvfs;

namespace wharf::vfs {

struct Timestamp {
    std::int64_t seconds = 0;      ///< since the Unix epoch
    std::uint32_t nanoseconds = 0;  ///< 0..999'999'999
    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct Attributes {
    std::uint64_t size = 0;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint32_t mode = 0;  ///< type bits (S_IFMT) and permission bits, as st_mode
    std::uint64_t link_count = 0;
    Timestamp atime;
    Timestamp mtime;
    Timestamp ctime;

    bool is_directory() const noexcept;
    bool is_regular() const noexcept;
    bool is_symlink() const noexcept;
    std::uint32_t permissions() const noexcept { return mode & 07777; }
};

Attributes attributes_from_stat(const struct stat& st) noexcept;

/// What setstat changes; an empty field is left alone.
struct AttributeChanges {
    std::optional<std::uint64_t> size = {};  ///< truncate or extend (needs overwrite; quota applies)
    std::optional<std::uint32_t> mode = {};  ///< permission bits; setuid, setgid, sticky are dropped
    std::optional<std::uint32_t> uid = {};
    std::optional<std::uint32_t> gid = {};
    std::optional<Timestamp> atime = {};
    std::optional<Timestamp> mtime = {};

    bool empty() const noexcept {
        return !size && !mode && !uid && !gid && !atime && !mtime;
    }
};

/// statvfs(3) of the filesystem holding a path, clamped to the user's remaining quota.
struct FilesystemStats {
    std::uint64_t block_size = 0;
    std::uint64_t fragment_size = 0;
    std::uint64_t blocks = 0;  ///< in fragment_size units
    std::uint64_t blocks_free = 0;
    std::uint64_t blocks_available = 0;  ///< for us; at most the byte quota left
    std::uint64_t files = 0;
    std::uint64_t files_free = 0;
    std::uint64_t files_available = 0;  ///< at most the file quota left
    std::uint64_t filesystem_id = 0;
    std::uint64_t flags = 0;  ///< ST_RDONLY is set for a read-only mount
    std::uint64_t name_max = 0;
};

FilesystemStats filesystem_stats_from(const struct statvfs& st) noexcept;

}  // namespace wharf::vfs
