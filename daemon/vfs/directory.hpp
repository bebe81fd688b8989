// An open directory listing of a user's session. Entries carry lstat attributes (a
// symlink is shown as a link). "." and "..", and atomic-upload temporary files, are left
// out; virtual folders mounted directly below the directory are listed with their own
// attributes, in place of any real entry of the same name.
#pragma once

#include "daemon/vfs/attributes.hpp"
#include "daemon/vfs/result.hpp"
#include "daemon/vfs/unique_fd.hpp"

#include <dirent.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace wharf::vfs {

struct DirectoryEntry {
    std::string name;
    Attributes attributes;
};

class DirectoryHandle {
public:
    /// A closed handle; read() yields Errc::bad_handle.
    DirectoryHandle() noexcept = default;
    /// `directory`: an fd opened O_RDONLY | O_DIRECTORY, or empty for a directory that
    /// exists only because virtual folders lie below it. `mount_entries` come first.
    static Result<DirectoryHandle> open(UniqueFd directory, std::string virtual_path,
                                        std::vector<DirectoryEntry> mount_entries);

    DirectoryHandle(DirectoryHandle&& other) noexcept;
    DirectoryHandle& operator=(DirectoryHandle&& other) noexcept;
    DirectoryHandle(const DirectoryHandle&) = delete;
    DirectoryHandle& operator=(const DirectoryHandle&) = delete;
    ~DirectoryHandle() = default;

    bool is_open() const noexcept { return m_open; }
    const std::string& virtual_path() const noexcept { return m_virtual_path; }

    /// The next batch of at most `max_entries` (at least 1) entries; Errc::eof once the
    /// listing is exhausted.
    Result<std::vector<DirectoryEntry>> read(std::size_t max_entries = 128);

    void close() noexcept;

private:
    struct DirCloser {
        void operator()(DIR* dir) const noexcept { ::closedir(dir); }
    };
    bool shadowed(const std::string& name) const;

    std::unique_ptr<DIR, DirCloser> m_dir;
    std::string m_virtual_path;
    std::vector<DirectoryEntry> m_mount_entries;
    std::size_t m_next_mount_entry = 0;
    bool m_open = false;
};

}  // namespace wharf::vfs
