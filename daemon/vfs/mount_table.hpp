// The user's mounts: virtual path -> O_PATH fd of the real directory, opened once when the
// session starts. Longest prefix wins. Internal to daemon/vfs.
#pragma once

#include "daemon/vfs/policy.hpp"
#include "daemon/vfs/unique_fd.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::vfs {

struct Mount {
    std::string virtual_path;  ///< normalised
    std::filesystem::path source;
    bool read_only = false;
    UniqueFd root;  ///< O_PATH | O_DIRECTORY fd of source
};

class MountTable {
public:
    MountTable() = default;
    /// Opens every source. Throws std::system_error naming the mount and its source when a
    /// source is missing or not a directory, or a virtual path is invalid or repeated.
    explicit MountTable(const std::vector<MountSpec>& specs);

    struct Match {
        const Mount* mount = nullptr;  ///< null: no mount covers the path
        std::string relative;          ///< path below the mount root, no leading slash
    };
    /// The mount covering `path` (normalised), longest virtual path first.
    Match find(std::string_view path) const;

    bool is_mount_point(std::string_view path) const;
    /// Whether some mount point lies strictly below `path`.
    bool is_above_mount(std::string_view path) const;
    /// Mounts whose mount point is a direct child of `directory`, with that child's name.
    std::vector<std::pair<std::string, const Mount*>> child_mounts(std::string_view directory) const;

    const std::vector<Mount>& mounts() const noexcept { return m_mounts; }

private:
    std::vector<Mount> m_mounts;  // longest virtual path first; never resized after construction
};

}  // namespace wharf::vfs
