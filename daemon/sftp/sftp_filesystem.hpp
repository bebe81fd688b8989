// sftp::Filesystem over one user's virtual filesystem: every blocking call runs on the disk
// pool and completes on the session's executor; open files are tracked so CLOSE waits for
// reads and writes still running on them; pre hooks may veto a change before it is made and
// post hooks and log lines report each completed one.
#pragma once

#include "daemon/files/user_files.hpp"
#include "protocols/sftp/filesystem.hpp"

#include <functional>
#include <memory>

namespace wharf::daemon {

class SftpFilesystem final : public sftp::Filesystem {
public:
    /// `after_completion` runs on the session's executor after every completion (the handler
    /// sends the replies it produced); it is never called once this object is destroyed.
    SftpFilesystem(std::shared_ptr<const UserFiles> files, std::function<void()> after_completion);
    /// Files still open are aborted: an upload the client did not close leaves no file
    /// under its final name.
    ~SftpFilesystem() override;
    SftpFilesystem(const SftpFilesystem&) = delete;
    SftpFilesystem& operator=(const SftpFilesystem&) = delete;

    void open(std::uint32_t id, std::string path, sftp::OpenMode mode, sftp::FileAttributes attrs,
              Done<sftp::FsHandle> done) override;
    void close(std::uint32_t id, sftp::FsHandle handle, Done<void> done) override;
    void read(std::uint32_t id, sftp::FsHandle handle, std::uint64_t offset, std::uint32_t length,
              Done<ssh::Bytes> done) override;
    void write(std::uint32_t id, sftp::FsHandle handle, std::uint64_t offset, ssh::Bytes data,
               Done<void> done) override;
    void stat(std::uint32_t id, std::string path, bool follow, Done<sftp::FileAttributes> done) override;
    void fstat(std::uint32_t id, sftp::FsHandle handle, Done<sftp::FileAttributes> done) override;
    void setstat(std::uint32_t id, std::string path, sftp::FileAttributes attrs, Done<void> done) override;
    void fsetstat(std::uint32_t id, sftp::FsHandle handle, sftp::FileAttributes attrs,
                  Done<void> done) override;
    void opendir(std::uint32_t id, std::string path, Done<sftp::FsHandle> done) override;
    void readdir(std::uint32_t id, sftp::FsHandle handle, Done<std::vector<sftp::DirEntry>> done) override;
    void remove(std::uint32_t id, std::string path, Done<void> done) override;
    void mkdir(std::uint32_t id, std::string path, sftp::FileAttributes attrs, Done<void> done) override;
    void rmdir(std::uint32_t id, std::string path, Done<void> done) override;
    void realpath(std::uint32_t id, std::string path, Done<std::string> done) override;
    void rename(std::uint32_t id, std::string old_path, std::string new_path, std::uint32_t flags,
                Done<void> done) override;
    void readlink(std::uint32_t id, std::string path, Done<std::string> done) override;
    void symlink(std::uint32_t id, std::string link_path, std::string target_path, Done<void> done) override;
    void link(std::uint32_t id, std::string existing_path, std::string new_path, Done<void> done) override;
    void lsetstat(std::uint32_t id, std::string path, sftp::FileAttributes attrs, Done<void> done) override;
    void statvfs(std::uint32_t id, std::string path, Done<sftp::StatvfsReply> done) override;
    void fstatvfs(std::uint32_t id, sftp::FsHandle handle, Done<sftp::StatvfsReply> done) override;
    void fsync(std::uint32_t id, sftp::FsHandle handle, Done<void> done) override;
    void copy_data(std::uint32_t id, sftp::FsHandle source, std::uint64_t source_offset,
                   std::uint64_t length, sftp::FsHandle destination, std::uint64_t destination_offset,
                   Done<void> done) override;
    void copy_file(std::uint32_t id, std::string source, std::string destination, bool overwrite,
                   Done<void> done) override;
    void hash(std::uint32_t id, HashRequest request, Done<ssh::Bytes> done) override;
    void home_directory(std::uint32_t id, std::string user, Done<std::string> done) override;
    void names_for_ids(std::uint32_t id, std::vector<std::uint32_t> uids, std::vector<std::uint32_t> gids,
                       Done<sftp::UsersGroupsByIdReply> done) override;
    void lock(std::uint32_t id, sftp::FsHandle handle, std::uint64_t offset, std::uint64_t length,
              std::uint32_t mask, Done<void> done) override;
    void unlock(std::uint32_t id, sftp::FsHandle handle, std::uint64_t offset, std::uint64_t length,
                Done<void> done) override;

    struct Session;  // what completions share; outlives this object while work is running

private:
    std::shared_ptr<Session> m_session;
};

}  // namespace wharf::daemon
