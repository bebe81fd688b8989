// An open file of a user's session. RAII: destroying an open handle closes it, and an
// atomic upload that was never closed (committed) is aborted: its temporary file goes.
//
// Threads: read, write, stat, sync and truncate may run concurrently (pipelined SFTP
// requests on pool threads); writes that grow the file serialise on the handle so the
// quota sees each growth exactly once. close, abort and moves must not overlap any other
// call on the same handle.
#pragma once

#include "daemon/vfs/attributes.hpp"
#include "daemon/vfs/quota.hpp"
#include "daemon/vfs/result.hpp"
#include "daemon/vfs/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace wharf::vfs {

namespace detail {

/// An atomic upload in progress: data goes to temp_name, renamed to final_name on commit.
struct PendingUpload {
    UniqueFd directory;  ///< O_PATH fd of the directory holding both names
    std::string temp_name;
    std::string final_name;
    bool exclusive = false;  ///< commit must not replace a file that appeared meanwhile
    std::uint32_t mode = 0644;  ///< given to the file at commit (it is 0600 until then)
    std::uint64_t files_reserved = 0;  ///< file slots reserved when the temp file was made
};

/// What UserFilesystem::open hands to the FileHandle it returns.
struct OpenFile {
    UniqueFd fd;
    std::string virtual_path;
    bool readable = false;
    bool writable = false;
    bool append = false;
    std::shared_ptr<QuotaTracker> quota;  ///< never null
    std::optional<PendingUpload> upload;
};

}  // namespace detail

class FileHandle {
public:
    /// A closed handle; every operation on it yields Errc::bad_handle.
    FileHandle() noexcept;
    explicit FileHandle(detail::OpenFile file);
    FileHandle(FileHandle&&) noexcept;
    FileHandle& operator=(FileHandle&&) noexcept;
    ~FileHandle();

    bool is_open() const noexcept;
    /// The path it was opened by; empty when closed.
    const std::string& virtual_path() const noexcept;
    bool readable() const noexcept;
    bool writable() const noexcept;
    /// Whether data goes to a temporary file that close() renames into place.
    bool is_atomic_upload() const noexcept;

    /// Reads up to buffer.size() bytes at `offset`; fewer near the end. Errc::eof when
    /// `offset` is at or past the end and the buffer is not empty.
    Result<std::size_t> read(std::uint64_t offset, std::span<std::byte> buffer) const;

    /// Writes all of `data` at `offset` (at the end for an append handle), or nothing:
    /// growth beyond the quota is refused up front with Errc::quota_exceeded.
    Result<void> write(std::uint64_t offset, std::span<const std::byte> data);

    /// fstat of the open file (the temporary one during an atomic upload).
    Result<Attributes> stat() const;
    Result<void> sync();
    /// Sets the size, within the quota when growing. Needs a writable handle.
    Result<void> truncate(std::uint64_t size);

    /// Closes the handle; an atomic upload is committed (renamed into place with the mode
    /// asked for at open). On a failed commit the temporary file is removed and the error
    /// returned (Errc::exists when an exclusive target appeared). The handle is closed
    /// afterwards either way.
    Result<void> close();
    /// Closes without committing: a pending upload's temporary file is removed.
    void abort() noexcept;

    /// The descriptor, for UserFilesystem's setstat on a handle. -1 when closed.
    int native_handle() const noexcept;
    /// Mode an atomic upload gets at commit (setstat of the handle while it is pending).
    void set_commit_mode(std::uint32_t mode) noexcept;
    /// The tracker writes are charged to; null when closed.
    QuotaTracker* quota() const noexcept;

private:
    struct State;
    Result<void> commit();
    std::unique_ptr<State> m_state;
};

}  // namespace wharf::vfs
