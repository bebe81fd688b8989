// What a user may see and do: the types the daemon fills from the YAML user entry and
// hands to UserFilesystem. Plain data, no behaviour beyond PermissionSet's bit helpers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::vfs {

/// One file operation a user may be granted. The value is the bit position in a
/// PermissionSet (the same order config::Permission uses for its bit values).
enum class Permission : std::uint32_t {
    list,       ///< see names and attributes: stat, lstat, readdir, readlink, statvfs
    download,   ///< open for reading
    upload,     ///< create new files
    overwrite,  ///< open existing files for writing, truncate, replace by rename
    remove,     ///< unlink files and symlinks
    rename,     ///< rename (needed on the source and on the destination's directory)
    mkdir,
    rmdir,
    symlink,    ///< create symbolic links and hard links
    chmod,      ///< change mode (and owner, where the policy allows chown)
    chtimes,    ///< change access and modification times
};

inline constexpr std::uint32_t permission_count = 11;

/// YAML-style name of a permission ("list", ..., "remove" also accepted as "delete").
std::string_view permission_name(Permission p) noexcept;
std::optional<Permission> permission_from_name(std::string_view name) noexcept;

class PermissionSet {
public:
    constexpr PermissionSet() noexcept = default;
    constexpr PermissionSet(std::initializer_list<Permission> permissions) noexcept {
        for (const Permission p : permissions) add(p);
    }

    static constexpr PermissionSet all() noexcept { return from_bits(all_bits); }
    static constexpr PermissionSet none() noexcept { return {}; }
    /// Bit n is Permission n; bits beyond the last permission are dropped.
    static constexpr PermissionSet from_bits(std::uint32_t bits) noexcept {
        PermissionSet set;
        set.m_bits = bits & all_bits;
        return set;
    }

    constexpr bool contains(Permission p) const noexcept { return (m_bits & bit(p)) != 0; }
    /// Whether every permission of `other` is in this set.
    constexpr bool contains_all(PermissionSet other) const noexcept {
        return (m_bits & other.m_bits) == other.m_bits;
    }
    constexpr bool empty() const noexcept { return m_bits == 0; }
    constexpr PermissionSet& add(Permission p) noexcept { m_bits |= bit(p); return *this; }
    constexpr PermissionSet& remove(Permission p) noexcept { m_bits &= ~bit(p); return *this; }
    constexpr std::uint32_t bits() const noexcept { return m_bits; }

    friend constexpr bool operator==(PermissionSet, PermissionSet) noexcept = default;
    friend constexpr PermissionSet operator|(PermissionSet a, PermissionSet b) noexcept {
        return from_bits(a.m_bits | b.m_bits);
    }

private:
    static constexpr std::uint32_t all_bits = (1u << permission_count) - 1;
    static constexpr std::uint32_t bit(Permission p) noexcept {
        return 1u << static_cast<std::uint32_t>(p);
    }

    std::uint32_t m_bits = 0;
};

/// A real directory shown at a virtual path. "/" is the user's root; others are virtual
/// folders. A read-only mount refuses every change with Errc::read_only.
struct MountSpec {
    std::string virtual_path;
    std::filesystem::path source;
    bool read_only = false;
};

/// Permissions at a virtual path, inherited by everything below it unless a longer rule
/// says otherwise ("/a" covers "/a/b" but not "/ab").
struct PermissionRule {
    std::string virtual_path;
    PermissionSet permissions;
};

struct QuotaLimits {
    std::uint64_t bytes = 0;  ///< 0 = unlimited
    std::uint64_t files = 0;  ///< 0 = unlimited
    bool unlimited() const noexcept { return bytes == 0 && files == 0; }
};

struct UserPolicy {
    std::vector<MountSpec> mounts;  ///< "/" is the user's root, others virtual folders
    /// None = everything allowed everywhere. With rules, a path no rule covers is also
    /// unrestricted; give "/" a rule to restrict the whole tree.
    std::vector<PermissionRule> permissions;
    QuotaLimits quota;
    std::string home = "/";  ///< relative paths are resolved against this virtual path
    bool atomic_uploads = true;
    /// Whether setstat may change owner or group (to a value other than the current one);
    /// it also needs Permission::chmod. Off by default: a daemon running as root would
    /// otherwise hand out files to arbitrary accounts.
    bool allow_chown = false;
};

}  // namespace wharf::vfs
