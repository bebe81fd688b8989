#include "daemon/vfs/file_handle.hpp"

#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <mutex>

namespace wharf::vfs {

struct FileHandle::State {
    explicit State(detail::OpenFile f) : file(std::move(f)) {}
    detail::OpenFile file;
    std::mutex write_mutex;  // growth accounting: fstat, reserve and write as one step
};

namespace {

const std::string empty_path;

std::uint64_t size_of(int fd) {
    const auto st = stat_fd(fd);
    return st && st->st_size > 0 ? static_cast<std::uint64_t>(st->st_size) : 0;
}

}  // namespace

FileHandle::FileHandle() noexcept = default;
FileHandle::FileHandle(detail::OpenFile file) : m_state(std::make_unique<State>(std::move(file))) {}
FileHandle::FileHandle(FileHandle&&) noexcept = default;

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
    if (this != &other) {
        abort();
        m_state = std::move(other.m_state);
    }
    return *this;
}

FileHandle::~FileHandle() { abort(); }

bool FileHandle::is_open() const noexcept { return m_state != nullptr; }
const std::string& FileHandle::virtual_path() const noexcept {
    return m_state ? m_state->file.virtual_path : empty_path;
}
bool FileHandle::readable() const noexcept { return m_state && m_state->file.readable; }
bool FileHandle::writable() const noexcept { return m_state && m_state->file.writable; }
bool FileHandle::is_atomic_upload() const noexcept {
    return m_state && m_state->file.upload.has_value();
}
int FileHandle::native_handle() const noexcept { return m_state ? m_state->file.fd.get() : -1; }
QuotaTracker* FileHandle::quota() const noexcept {
    return m_state ? m_state->file.quota.get() : nullptr;
}

void FileHandle::set_commit_mode(std::uint32_t mode) noexcept {
    if (m_state && m_state->file.upload) m_state->file.upload->mode = mode & 0777;
}

Result<std::size_t> FileHandle::read(std::uint64_t offset, std::span<std::byte> buffer) const {
    if (!m_state || !m_state->file.readable) return Errc::bad_handle;
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return Errc::eof;
    if (buffer.empty()) return std::size_t{0};
    for (;;) {
        const ssize_t n = ::pread(m_state->file.fd.get(), buffer.data(), buffer.size(),
                                  static_cast<off_t>(offset));
        if (n > 0) return static_cast<std::size_t>(n);
        if (n == 0) return Errc::eof;
        if (errno != EINTR) return last_error();
    }
}

Result<void> FileHandle::write(std::uint64_t offset, std::span<const std::byte> data) {
    if (!m_state || !m_state->file.writable) return Errc::bad_handle;
    if (data.empty()) return {};
    detail::OpenFile& file = m_state->file;
    const std::lock_guard lock(m_state->write_mutex);

    const auto before = stat_fd(file.fd.get());
    if (!before) return before.error();
    const auto old_size = static_cast<std::uint64_t>(before->st_size);
    const std::uint64_t start = file.append ? old_size : offset;
    const auto limit = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());
    if (start > limit || data.size() > limit - start) return Errc::invalid_argument;
    const std::uint64_t end = start + data.size();
    const std::uint64_t growth = end > old_size ? end - old_size : 0;
    if (auto reserved = file.quota->reserve(growth, 0); !reserved) return reserved;

    std::size_t done = 0;
    while (done < data.size()) {
        const std::byte* from = data.data() + done;
        const std::size_t left = data.size() - done;
        const ssize_t n = file.append ? ::write(file.fd.get(), from, left)
                                      : ::pwrite(file.fd.get(), from, left,
                                                 static_cast<off_t>(start + done));
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        const std::error_code error = n < 0 ? last_error() : make_error_code(Errc::io_error);
        // Keep the charge for what did land, give back the rest.
        const std::uint64_t new_size = size_of(file.fd.get());
        const std::uint64_t landed = new_size > old_size ? new_size - old_size : 0;
        if (landed < growth) file.quota->release(growth - landed, 0);
        return error;
    }
    return {};
}

Result<Attributes> FileHandle::stat() const {
    if (!m_state) return Errc::bad_handle;
    const auto st = stat_fd(m_state->file.fd.get());
    if (!st) return st.error();
    return attributes_from_stat(*st);
}

Result<void> FileHandle::sync() {
    if (!m_state) return Errc::bad_handle;
    if (::fsync(m_state->file.fd.get()) != 0) return last_error();
    return {};
}

Result<void> FileHandle::truncate(std::uint64_t size) {
    if (!m_state || !m_state->file.writable) return Errc::bad_handle;
    if (size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
        return Errc::invalid_argument;
    }
    detail::OpenFile& file = m_state->file;
    const std::lock_guard lock(m_state->write_mutex);
    const std::uint64_t old_size = size_of(file.fd.get());
    if (size > old_size) {
        if (auto reserved = file.quota->reserve(size - old_size, 0); !reserved) return reserved;
    }
    if (::ftruncate(file.fd.get(), static_cast<off_t>(size)) != 0) {
        const std::error_code error = last_error();
        if (size > old_size) file.quota->release(size - old_size, 0);
        return error;
    }
    if (size < old_size) file.quota->release(old_size - size, 0);
    return {};
}

Result<void> FileHandle::close() {
    if (!m_state) return Errc::bad_handle;
    if (m_state->file.upload) return commit();
    const int fd = m_state->file.fd.release();
    m_state.reset();
    if (::close(fd) != 0 && errno != EINTR) return last_error();
    return {};
}

Result<void> FileHandle::commit() {
    detail::OpenFile& file = m_state->file;
    detail::PendingUpload& upload = *file.upload;
    const int dir = upload.directory.get();
    if (::fchmod(file.fd.get(), upload.mode) != 0) {
        const std::error_code error = last_error();
        abort();
        return error;
    }

    // Measured just before the rename; a change in between only skews accounting.
    std::uint64_t replaced_bytes = 0;
    std::uint64_t replaced_files = 0;
    if (const auto old = stat_at(dir, upload.final_name); old && S_ISREG(old->st_mode)) {
        replaced_bytes = static_cast<std::uint64_t>(old->st_size);
        replaced_files = 1;
    }

    const char* temp = upload.temp_name.c_str();
    const char* final_name = upload.final_name.c_str();
    int rc = ::renameat2(dir, temp, dir, final_name, upload.exclusive ? RENAME_NOREPLACE : 0);
    if (rc != 0 && upload.exclusive && (errno == EINVAL || errno == ENOSYS)) {
        // No RENAME_NOREPLACE on this filesystem: link() refuses an existing name just as well.
        rc = ::linkat(dir, temp, dir, final_name, 0);
        if (rc == 0) ::unlinkat(dir, temp, 0);
    }
    if (rc != 0) {
        const std::error_code error = last_error();
        abort();
        return error;
    }
    if (upload.exclusive) replaced_bytes = replaced_files = 0;

    // One more name exists unless one was replaced; settle against what open reserved.
    const std::uint64_t new_files = 1 - replaced_files;
    if (new_files > upload.files_reserved) {
        file.quota->charge(0, new_files - upload.files_reserved);
    } else {
        file.quota->release(0, upload.files_reserved - new_files);
    }
    file.quota->release(replaced_bytes, 0);

    const int fd = file.fd.release();
    m_state.reset();
    if (::close(fd) != 0 && errno != EINTR) return last_error();
    return {};
}

void FileHandle::abort() noexcept {
    if (!m_state) return;
    detail::OpenFile& file = m_state->file;
    if (file.upload) {
        const std::uint64_t size = size_of(file.fd.get());
        ::unlinkat(file.upload->directory.get(), file.upload->temp_name.c_str(), 0);
        file.quota->release(size, file.upload->files_reserved);
    }
    m_state.reset();
}

}  // namespace wharf::vfs
