#include "daemon/vfs/directory.hpp"

#include "daemon/vfs/path.hpp"
#include "daemon/vfs/posix.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace wharf::vfs {

Result<DirectoryHandle> DirectoryHandle::open(UniqueFd directory, std::string virtual_path,
                                              std::vector<DirectoryEntry> mount_entries) {
    DirectoryHandle handle;
    if (directory) {
        DIR* dir = ::fdopendir(directory.get());
        if (dir == nullptr) return last_error();
        directory.release();  // the DIR owns it now
        handle.m_dir.reset(dir);
    }
    handle.m_virtual_path = std::move(virtual_path);
    handle.m_mount_entries = std::move(mount_entries);
    handle.m_open = true;
    return handle;
}

DirectoryHandle::DirectoryHandle(DirectoryHandle&& other) noexcept
    : m_dir(std::move(other.m_dir)),
      m_virtual_path(std::move(other.m_virtual_path)),
      m_mount_entries(std::move(other.m_mount_entries)),
      m_next_mount_entry(std::exchange(other.m_next_mount_entry, 0)),
      m_open(std::exchange(other.m_open, false)) {}

DirectoryHandle& DirectoryHandle::operator=(DirectoryHandle&& other) noexcept {
    if (this != &other) {
        m_dir = std::move(other.m_dir);
        m_virtual_path = std::move(other.m_virtual_path);
        m_mount_entries = std::move(other.m_mount_entries);
        m_next_mount_entry = std::exchange(other.m_next_mount_entry, 0);
        m_open = std::exchange(other.m_open, false);
    }
    return *this;
}

bool DirectoryHandle::shadowed(const std::string& name) const {
    return std::any_of(m_mount_entries.begin(), m_mount_entries.end(),
                       [&](const DirectoryEntry& e) { return e.name == name; });
}

Result<std::vector<DirectoryEntry>> DirectoryHandle::read(std::size_t max_entries) {
    if (!m_open) return Errc::bad_handle;
    max_entries = std::max<std::size_t>(max_entries, 1);
    std::vector<DirectoryEntry> batch;
    while (batch.size() < max_entries && m_next_mount_entry < m_mount_entries.size()) {
        batch.push_back(m_mount_entries[m_next_mount_entry++]);
    }
    while (m_dir && batch.size() < max_entries) {
        errno = 0;
        const dirent* entry = ::readdir(m_dir.get());
        if (entry == nullptr) {
            if (errno != 0) return last_error();
            m_dir.reset();
            break;
        }
        std::string name = entry->d_name;
        if (name == "." || name == ".." || is_reserved_name(name) || shadowed(name)) continue;
        const auto st = stat_at(::dirfd(m_dir.get()), name);
        if (!st) {
            if (st.error() == Errc::no_such_file) continue;  // removed while we listed
            return st.error();
        }
        batch.push_back({std::move(name), attributes_from_stat(*st)});
    }
    if (batch.empty()) return Errc::eof;
    return batch;
}

void DirectoryHandle::close() noexcept {
    m_dir.reset();
    m_mount_entries.clear();
    m_open = false;
}

}  // namespace wharf::vfs
