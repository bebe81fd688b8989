// What the SFTP server engine asks of the file system, and the errors it may answer with.
// The daemon implements sftp::Filesystem over its VFS; protocols/ never sees daemon headers.
// Every operation completes through a callback, so the daemon may run disk work on a pool and
// complete later, in any order: SFTP lets replies overtake each other (-02 section 6.1).
#pragma once

#include "protocols/common/outcome.hpp"
#include "protocols/sftp/attributes.hpp"
#include "protocols/sftp/extensions.hpp"
#include "protocols/sftp/packets.hpp"
#include "protocols/sftp/status.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wharf::sftp {

// The failures a file system reports, named for what happened rather than for a wire code, so
// the daemon maps errno / VFS errors here once and the engine picks the code per version.
enum class Error {
    eof,                // READ at or past the end, READDIR after the last entry
    no_such_file,       // ENOENT
    no_such_path,       // a parent directory is missing
    permission_denied,  // EACCES, EPERM
    failure,            // anything without a better name
    bad_message,        // EINVAL from the request itself
    no_connection,      // the back end (remote VFS) is unreachable
    connection_lost,
    op_unsupported,     // ENOSYS, ENOTSUP
    invalid_handle,     // EBADF
    file_exists,        // EEXIST
    write_protect,      // EROFS
    no_space,           // ENOSPC
    quota,              // EDQUOT
    dir_not_empty,      // ENOTEMPTY
    not_a_directory,    // ENOTDIR
    is_a_directory,     // EISDIR
    invalid_filename,   // ENAMETOOLONG, bytes the file system cannot store
    link_loop,          // ELOOP
    invalid_parameter,
    lock_conflict,
};

// The one mapping from Error to SSH_FX_*: the closest code, downgraded with status_for() to
// one `version` (3..6) defines (so dir_not_empty is FAILURE in v3, as sftp-server sends).
[[nodiscard]] StatusCode status_for_error(Error error, std::uint32_t version) noexcept;

// An Error with the message the STATUS reply should carry instead of the code's standard
// text (a pre-operation hook's reason, for instance).
struct Failure {
    Error error = Error::failure;
    std::string message;
};

// A value or the Failure that stopped it.
template <class T>
using Result = protocol::Outcome<T, Failure>;

// The digests check-file offers, in the order we prefer them.
enum class HashAlgorithm { md5, sha1, sha256, sha512 };
[[nodiscard]] std::string_view hash_algorithm_name(HashAlgorithm algorithm) noexcept;
[[nodiscard]] std::optional<HashAlgorithm> hash_algorithm_from_name(std::string_view name) noexcept;

// The file system's own handle for an open file or directory. The engine never shows it to the
// client: clients see engine-owned handle strings, so a guessed string cannot reach another
// session's files.
using FsHandle = std::uint64_t;

// One READDIR entry. owner/group name the user and group for the v3 `ls -l` longname; empty
// means "print the numeric uid/gid" (as sftp-server does when the name is unknown).
struct DirEntry {
    std::string name;
    FileAttributes attrs;  // link_count, if set, is printed in the longname
    std::string owner;
    std::string group;
};

// Paths are passed as the client sent them (relative ones are relative to the session's home);
// resolving them, jailing and permissions are the implementation's job. Each operation gets the
// request id (for logging and cancellation) and must call `done` exactly once, on the engine's
// thread (the daemon posts pool completions back to the connection's thread). The engine stays
// safe if it is destroyed first: late completions are dropped.
class Filesystem {
public:
    template <class T>
    using Done = std::function<void(Result<T>)>;

    virtual ~Filesystem() = default;

    // `mode` is in v5+ form whatever the version (open_mode() in packets.hpp). `attrs` are the
    // attributes for a created file (permissions, mostly).
    virtual void open(std::uint32_t id, std::string path, OpenMode mode, FileAttributes attrs,
                      Done<FsHandle> done) = 0;
    // Closes a file or directory handle. Operations already issued on it may still be running;
    // the implementation must let them finish (or fail them) before releasing the handle.
    virtual void close(std::uint32_t id, FsHandle handle, Done<void> done) = 0;
    // Up to `length` bytes at `offset`; fewer is fine (the client asks again); Error::eof at
    // the end.
    virtual void read(std::uint32_t id, FsHandle handle, std::uint64_t offset,
                      std::uint32_t length, Done<ssh::Bytes> done) = 0;
    virtual void write(std::uint32_t id, FsHandle handle, std::uint64_t offset, ssh::Bytes data,
                       Done<void> done) = 0;
    // follow = false for LSTAT: the link itself.
    virtual void stat(std::uint32_t id, std::string path, bool follow,
                      Done<FileAttributes> done) = 0;
    virtual void fstat(std::uint32_t id, FsHandle handle, Done<FileAttributes> done) = 0;
    virtual void setstat(std::uint32_t id, std::string path, FileAttributes attrs,
                         Done<void> done) = 0;
    virtual void fsetstat(std::uint32_t id, FsHandle handle, FileAttributes attrs,
                          Done<void> done) = 0;
    virtual void opendir(std::uint32_t id, std::string path, Done<FsHandle> done) = 0;
    // The next batch of entries (any number); Error::eof once all were returned.
    virtual void readdir(std::uint32_t id, FsHandle handle,
                         Done<std::vector<DirEntry>> done) = 0;
    virtual void remove(std::uint32_t id, std::string path, Done<void> done) = 0;
    virtual void mkdir(std::uint32_t id, std::string path, FileAttributes attrs,
                       Done<void> done) = 0;
    virtual void rmdir(std::uint32_t id, std::string path, Done<void> done) = 0;
    // The canonical absolute form of `path` ("." is the home directory).
    virtual void realpath(std::uint32_t id, std::string path, Done<std::string> done) = 0;
    // `flags` are rename_flags::* (v5+); 0 in v3, where an existing target is an error.
    virtual void rename(std::uint32_t id, std::string old_path, std::string new_path,
                        std::uint32_t flags, Done<void> done) = 0;
    virtual void readlink(std::uint32_t id, std::string path, Done<std::string> done) = 0;
    virtual void symlink(std::uint32_t id, std::string link_path, std::string target_path,
                         Done<void> done) = 0;

    // --- What the extensions and v6 need --------------------------------------------------

    // A hard link `new_path` to `existing_path` (hardlink@openssh.com, v6 LINK non-symbolic).
    virtual void link(std::uint32_t id, std::string existing_path, std::string new_path,
                      Done<void> done) = 0;
    // SETSTAT on the name itself, symlinks not followed (lsetstat@openssh.com). A back end
    // that cannot change a link's attributes answers op_unsupported for links.
    virtual void lsetstat(std::uint32_t id, std::string path, FileAttributes attrs,
                          Done<void> done) = 0;
    // statvfs(3) of the file system holding `path` / the open file; availability may be
    // clamped to the user's quota (statvfs@openssh.com, fstatvfs@, space-available).
    virtual void statvfs(std::uint32_t id, std::string path, Done<StatvfsReply> done) = 0;
    virtual void fstatvfs(std::uint32_t id, FsHandle handle, Done<StatvfsReply> done) = 0;
    // Data and metadata of the open file reach stable storage (fsync@openssh.com).
    virtual void fsync(std::uint32_t id, FsHandle handle, Done<void> done) = 0;
    // Copies `length` bytes (0: to the end) from `source` at `source_offset` to
    // `destination` at `destination_offset`, within the server (copy-data). The two handles
    // may be the same file; overlapping ranges are an Error::invalid_parameter.
    virtual void copy_data(std::uint32_t id, FsHandle source, std::uint64_t source_offset,
                           std::uint64_t length, FsHandle destination,
                           std::uint64_t destination_offset, Done<void> done) = 0;
    // Copies a whole file (copy-file); without `overwrite` an existing destination is
    // Error::file_exists.
    virtual void copy_file(std::uint32_t id, std::string source, std::string destination,
                           bool overwrite, Done<void> done) = 0;

    // What check-file-handle / check-file-name hash: one file (an open handle or a path),
    // a byte range and a block size (0: one hash over the whole range).
    struct HashRequest {
        std::variant<FsHandle, std::string> file;
        HashAlgorithm algorithm = HashAlgorithm::sha256;
        std::uint64_t start_offset = 0;
        std::uint64_t length = 0;  // 0: to the end of the file
        std::uint32_t block_size = 0;
    };
    // The digests of each block, concatenated (check-file). A handle must be readable.
    virtual void hash(std::uint32_t id, HashRequest request, Done<ssh::Bytes> done) = 0;

    // The home directory of `user` as an absolute path (home-directory extension, and "~"
    // in expand-path@openssh.com). Empty `user`: the session's own user. Another user's
    // home is Error::no_such_file: virtual users do not see each other.
    virtual void home_directory(std::uint32_t id, std::string user, Done<std::string> done) = 0;
    // Names for numeric ids (users-groups-by-id@openssh.com); "" where an id has none.
    virtual void names_for_ids(std::uint32_t id, std::vector<std::uint32_t> uids,
                               std::vector<std::uint32_t> gids,
                               Done<UsersGroupsByIdReply> done) = 0;

    // v6 BLOCK / UNBLOCK: a byte-range lock on an open file. `mask` is open_flags::block_*;
    // length 0 means to the end of the file. A conflicting lock is Error::lock_conflict.
    virtual void lock(std::uint32_t id, FsHandle handle, std::uint64_t offset,
                      std::uint64_t length, std::uint32_t mask, Done<void> done) = 0;
    virtual void unlock(std::uint32_t id, FsHandle handle, std::uint64_t offset,
                        std::uint64_t length, Done<void> done) = 0;
};

}  // namespace wharf::sftp
