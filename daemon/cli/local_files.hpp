// Local-file helpers for `wharf sftp` transfers: stat, pread/pwrite sources and sinks for the
// pipelined engine, times and modes (put/get -p), directory trees for mirrors, newline
// conversion for text mode (with the reordering a download needs), SHA-256 of a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/vfs/unique_fd.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"

namespace wharf::cli {

struct LocalTime {
    std::int64_t seconds = 0;
    std::uint32_t nanoseconds = 0;
};

struct LocalInfo {
    enum class Kind { regular, directory, symlink, other } kind = Kind::other;
    std::uint64_t size = 0;
    std::uint32_t permissions = 0;  // the low 12 mode bits
    LocalTime atime;
    LocalTime mtime;
};

// stat(2) (lstat(2) unless `follow`); nullopt if nothing is there. Other errors also give
// nullopt with errno set.
[[nodiscard]] std::optional<LocalInfo> local_stat(const std::string& path, bool follow = true);

// open(2) with O_CLOEXEC; the fd is negative on failure (errno set).
[[nodiscard]] vfs::UniqueFd open_local(const std::string& path, int flags, unsigned mode = 0644);

// Writes all of `data` at `offset`; false on a write error.
[[nodiscard]] bool write_all_at(int fd, std::uint64_t offset, std::string_view data);

// The file's bytes from `offset` on, at most `limit` of them, in order (pread, so the fd's
// position does not matter).
[[nodiscard]] sftp::UploadSource file_source(int fd, std::uint64_t offset, std::optional<std::uint64_t> limit);

// Sets access and modification times (nanoseconds kept) and the permission bits. False with
// errno set on failure.
[[nodiscard]] bool set_local_times_and_mode(const std::string& path, LocalTime atime, LocalTime mtime,
                                            std::optional<std::uint32_t> permissions);

// mkdir -p; false with errno set if a component could not be made or is not a directory.
[[nodiscard]] bool make_local_directories(const std::string& path);

// Everything under `root` (not root itself), depth first, names sorted: directories before
// what they hold. Symbolic links are listed as such and never followed. Throws
// std::runtime_error naming the directory that could not be read.
struct LocalTreeEntry {
    std::string relative;  // "a/b/c.txt"
    LocalInfo info;
};
[[nodiscard]] std::vector<LocalTreeEntry> walk_local_tree(const std::string& root);

// "a/b/c" -> "c"; "a/b/" -> "b"; "/" -> "/".
[[nodiscard]] std::string base_name(std::string_view path);
// "dir" + "name" -> "dir/name" (no doubled slash).
[[nodiscard]] std::string join_path(std::string_view directory, std::string_view name);

// SHA-256 of a local file as lowercase hex; nullopt if it cannot be read.
[[nodiscard]] std::optional<std::string> sha256_of_file(const std::string& path);

// Streaming replacement of one newline sequence (`from`, 1 or 2 bytes) by another (`to`):
// "\n" -> "\r\n" for a text upload to a CRLF server, "\r\n" -> "\n" for the download. A
// chunk that ends in the middle of `from` keeps that tail for the next call.
class NewlineConverter {
public:
    NewlineConverter(std::string from, std::string to);
    // Converted bytes of `in` (and what was kept back before it). With `last`, nothing is kept.
    [[nodiscard]] std::string convert(std::string_view in, bool last = false);
    [[nodiscard]] bool identity() const noexcept { return m_from == m_to; }

private:
    std::string m_from;
    std::string m_to;
    std::string m_pending;
};

// An upload source converting local newlines as it reads: hands out at most the length asked
// even when conversion made a chunk longer.
[[nodiscard]] sftp::UploadSource converting_source(sftp::UploadSource raw, NewlineConverter converter);

// A download sink for text mode: pieces arrive at any remote offset; they are put back in order
// (at most `max_buffered` bytes held), converted, and appended to `fd` from `local_offset`.
// finish() writes what the converter kept back; false if any write failed.
class OrderedTextWriter {
public:
    OrderedTextWriter(int fd, std::uint64_t remote_start, std::uint64_t local_offset, NewlineConverter converter,
                      std::size_t max_buffered);
    [[nodiscard]] bool accept(std::uint64_t remote_offset, ssh::ByteView data);
    [[nodiscard]] bool finish();
    [[nodiscard]] std::uint64_t local_bytes() const noexcept { return m_local_offset - m_local_start; }

private:
    [[nodiscard]] bool emit(std::string_view data, bool last);

    int m_fd;
    std::uint64_t m_next_remote;
    std::uint64_t m_local_start;
    std::uint64_t m_local_offset;
    NewlineConverter m_converter;
    std::size_t m_max_buffered;
    std::size_t m_buffered = 0;
    std::map<std::uint64_t, std::string> m_pieces;
};

}  // namespace wharf::cli
