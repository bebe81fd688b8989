// Opens a path beneath a directory fd so that nothing ("..", absolute or escaping
// relative symlinks, magic links, concurrent renames) can leave that directory.
//
// Two strategies with the same rules:
//  - openat2: the kernel resolves with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS.
//  - walk: our own component-by-component walk, every step an openat(O_NOFOLLOW) on the
//    fd of the previous directory. Relative symlinks are followed while they stay beneath
//    the root ("..", tracked on a stack of directory fds, may not climb above it);
//    absolute ones are refused (EXDEV -> permission_denied, as RESOLVE_BENEATH does);
//    at most 40 links per resolution (Errc::loop).
// Tests select each strategy explicitly so both run the whole escape suite.
#pragma once

#include "daemon/vfs/result.hpp"
#include "daemon/vfs/unique_fd.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace wharf::vfs {

enum class ResolveStrategy {
    automatic,  ///< openat2 when the kernel has it, else walk
    openat2,    ///< openat2 only; Errc::unsupported where the kernel lacks it
    walk,       ///< the user-space walk, always available
};

/// Whether openat2 works here (probed once; ENOSYS or a seccomp refusal mean no).
bool openat2_available() noexcept;

/// The outcome of a walk: the opened fd and the names, from the root down, of the object
/// it refers to (symlinks resolved). Empty names: the root itself.
struct WalkResult {
    UniqueFd fd;
    std::vector<std::string> names;
};

class Resolver {
public:
    explicit Resolver(ResolveStrategy strategy = ResolveStrategy::automatic) noexcept;

    /// The strategy in use (never automatic).
    ResolveStrategy strategy() const noexcept { return m_strategy; }

    /// Opens `relative` beneath `root_fd` with open(2) `flags` (O_CLOEXEC is added) and
    /// `mode` (used with O_CREAT). `relative` is a '/'-separated path without a leading
    /// slash; empty means the root itself. Symlinks in the middle are followed beneath the
    /// root; the final component is followed too unless `flags` has O_NOFOLLOW (then a
    /// symlink there yields Errc::loop, or an fd to the link itself with O_PATH).
    Result<UniqueFd> open(int root_fd, std::string_view relative, int flags,
                          unsigned mode = 0) const;

    /// The user-space walk, which also reports where it ended up. Same rules as open().
    static Result<WalkResult> walk(int root_fd, std::string_view relative, int flags,
                                   unsigned mode = 0);

private:
    ResolveStrategy m_strategy;
};

}  // namespace wharf::vfs
