// What the SCP engines ask of the file system. The daemon implements scp::Filesystem over its
// VFS (and runs hooks there); protocols/ never sees daemon headers. Every operation completes
// through a callback, possibly later (the daemon runs disk work on a pool), always on the
// engine's thread. The engines have at most one operation outstanding at a time.
#pragma once

#include "protocols/common/outcome.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wharf::scp {

using Bytes = std::vector<std::uint8_t>;

// The failures a file system reports, named for what happened; error_text() gives the words
// OpenSSH's scp would print for each (strerror's).
enum class Error {
    no_such_file,       // ENOENT
    permission_denied,  // EACCES, EPERM, a policy or hook refusal
    not_a_directory,    // ENOTDIR
    is_a_directory,     // EISDIR
    file_exists,        // EEXIST
    quota_exceeded,     // EDQUOT
    no_space,           // ENOSPC
    read_only,          // EROFS
    invalid_name,       // EINVAL / ENAMETOOLONG: a name the file system cannot hold
    io_error,           // EIO and anything without a better name
};

/// strerror-style text: "No such file or directory", "Permission denied", ...
[[nodiscard]] std::string_view error_text(Error error) noexcept;

/// An Error, and optionally the words to show instead of error_text() (a hook's reason).
struct Failure {
    Error error = Error::io_error;
    std::string message;

    [[nodiscard]] std::string_view text() const noexcept {
        return message.empty() ? error_text(error) : std::string_view(message);
    }
};

/// A value or the Failure that stopped it.
template <class T>
using Result = protocol::Outcome<T, Failure>;

enum class FileType { regular, directory, other };

/// Seconds since the Unix epoch, as T records carry them.
struct FileTimes {
    std::int64_t mtime = 0;
    std::int64_t atime = 0;
    friend bool operator==(const FileTimes&, const FileTimes&) = default;
};

struct FileInfo {
    FileType type = FileType::regular;
    std::uint64_t size = 0;
    std::uint32_t mode = 0644;  ///< permission bits (07777)
    FileTimes times;
};

/// The file system's name for an open file; meaningful only to the Filesystem.
using FileId = std::uint64_t;

struct OpenedFile {
    FileId id = 0;
    FileInfo info;  ///< of the open file (fstat), so size and type match what is read
};

/// What set_attributes changes; an empty field stays as it is.
struct AttributeChanges {
    std::optional<std::uint32_t> mode;  ///< exact permission bits, no umask
    std::optional<FileTimes> times;
};

// Paths are virtual and passed as the engine builds them from the command's paths (relative
// ones are relative to the user's home); resolving, jailing and permissions are the
// implementation's job. Each `done` is called exactly once. The engine stays safe if it is
// destroyed first: its late completions are dropped, and files it still holds open are the
// implementation's to release (an upload left open is discarded, never committed).
class Filesystem {
public:
    template <class T>
    using Done = std::function<void(Result<T>)>;

    virtual ~Filesystem() = default;

    /// Attributes of `path`, symlinks followed.
    virtual void stat(std::string path, Done<FileInfo> done) = 0;
    /// The names in directory `path`, without "." and "..", in any order.
    virtual void list_directory(std::string path, Done<std::vector<std::string>> done) = 0;

    /// Opens a file to send (a download: pre-download policy and hooks apply here).
    virtual void open_for_reading(std::string path, Done<OpenedFile> done) = 0;
    /// Up to `max_bytes` from `offset`; an empty result is the end of the file.
    virtual void read(FileId file, std::uint64_t offset, std::size_t max_bytes,
                      Done<Bytes> done) = 0;

    /// Creates or replaces `path` to receive an upload (pre-upload policy and hooks apply
    /// here). Nothing appears under `path` before commit(). `mode` is reduced by the umask.
    virtual void create_file(std::string path, std::uint32_t mode, Done<FileId> done) = 0;
    virtual void write(FileId file, std::uint64_t offset, Bytes data, Done<void> done) = 0;
    /// Closes an upload and makes it appear under its path. On failure nothing appears.
    virtual void commit(FileId file, Done<void> done) = 0;
    /// Closes a file without committing it: an upload is discarded. Never fails.
    virtual void release(FileId file) = 0;

    /// mkdir with `mode` (reduced by the umask).
    virtual void make_directory(std::string path, std::uint32_t mode, Done<void> done) = 0;
    virtual void set_attributes(std::string path, AttributeChanges changes, Done<void> done) = 0;
};

}  // namespace wharf::scp
