// scp::Filesystem over a user's virtual filesystem: every VFS call runs on the disk pool and
// completes on the session's executor; pre-upload and pre-download hooks run before a file is
// opened, and their refusal reaches the client as the error line's text.
#pragma once

#include "daemon/files/user_files.hpp"
#include "protocols/scp/filesystem.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace wharf::daemon {

/// The one mapping from VFS errors to scp::Error (and a message where strerror's words would
/// mislead, as for a path outside every folder).
[[nodiscard]] scp::Failure scp_failure_from(std::error_code error);
/// Stable snake_case names for log lines' `status` ("permission_denied", "quota_exceeded").
[[nodiscard]] std::string_view scp_error_name(scp::Error error) noexcept;

class ScpFilesystem final : public scp::Filesystem {
public:
    explicit ScpFilesystem(std::shared_ptr<const UserFiles> files);
    /// Files still open are closed on the pool; an upload among them is discarded.
    ~ScpFilesystem() override;
    ScpFilesystem(const ScpFilesystem&) = delete;
    ScpFilesystem& operator=(const ScpFilesystem&) = delete;

    /// `path` as an absolute virtual path, for logs and hooks (as given when invalid).
    [[nodiscard]] std::string normalized(std::string_view path) const;

    void stat(std::string path, Done<scp::FileInfo> done) override;
    void list_directory(std::string path, Done<std::vector<std::string>> done) override;
    void open_for_reading(std::string path, Done<scp::OpenedFile> done) override;
    void read(scp::FileId file, std::uint64_t offset, std::size_t max_bytes, Done<scp::Bytes> done) override;
    void create_file(std::string path, std::uint32_t mode, Done<scp::FileId> done) override;
    void write(scp::FileId file, std::uint64_t offset, scp::Bytes data, Done<void> done) override;
    void commit(scp::FileId file, Done<void> done) override;
    void release(scp::FileId file) override;
    void make_directory(std::string path, std::uint32_t mode, Done<void> done) override;
    void set_attributes(std::string path, scp::AttributeChanges changes, Done<void> done) override;

private:
    struct State;  // shared with work in flight, which may outlive this object
    std::shared_ptr<State> m_state;
};

}  // namespace wharf::daemon
