#include "daemon/vfs/resolver.hpp"

#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

namespace wharf::vfs {
namespace {

// Same bound as the kernel's MAXSYMLINKS.
constexpr int max_symlinks = 40;
// openat2 with RESOLVE_BENEATH answers EAGAIN when a concurrent rename might have let ".."
// escape; retrying is the documented response.
constexpr int openat2_attempts = 16;

long call_openat2(int dirfd, const char* path, int flags, unsigned mode) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

void split_into(std::string_view path, std::deque<std::string>& out, bool at_front) {
    std::deque<std::string> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t slash = path.find('/', pos);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > pos) parts.emplace_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    if (at_front) {
        out.insert(out.begin(), parts.begin(), parts.end());
    } else {
        out.insert(out.end(), parts.begin(), parts.end());
    }
}

// State of one user-space walk: the directories descended into (their fds keep ".."
// honest: it returns to the directory we actually came from, never above the root).
class Walk {
public:
    Walk(int root_fd, int flags, unsigned mode) : m_root(root_fd), m_flags(flags), m_mode(mode) {}

    Result<WalkResult> run(std::string_view relative) {
        split_into(relative, m_pending, false);
        if (m_pending.empty()) return open_current();
        while (!m_pending.empty()) {
            std::string name = std::move(m_pending.front());
            m_pending.pop_front();
            const bool last = m_pending.empty();
            if (name == ".") {
                if (last) return open_current();
                continue;
            }
            if (name == "..") {
                if (m_dirs.empty()) return error_from_errno(EXDEV);  // above the root
                m_dirs.pop_back();
                m_names.pop_back();
                if (last) return open_current();
                continue;
            }
            auto step = last ? open_final(name) : descend(name);
            if (!step) return step.error();
            if (m_done) {
                m_names.push_back(std::move(name));
                return WalkResult{std::move(m_result), std::move(m_names)};
            }
        }
        return open_current();  // a symlink's target ended in "." or ".."
    }

private:
    int current() const { return m_dirs.empty() ? m_root : m_dirs.back().get(); }

    Result<WalkResult> open_current() {
        // "." cannot be created; let the kernel report it (EISDIR) rather than guess.
        UniqueFd fd(::openat(current(), ".", m_flags | O_CLOEXEC, m_mode));
        if (!fd) return last_error();
        return WalkResult{std::move(fd), std::move(m_names)};
    }

    // A symlink met on the way: its target continues the walk in its place.
    Result<void> follow(const Result<std::string>& target) {
        if (!target) return target.error();
        if (++m_links > max_symlinks) return Errc::loop;
        if (target->empty()) return Errc::no_such_file;
        if (target->front() == '/') return error_from_errno(EXDEV);  // absolute: refused
        split_into(*target, m_pending, true);
        return {};
    }

    Result<void> descend(const std::string& name) {
        UniqueFd next(::openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next) return last_error();
        struct stat st {};
        if (::fstat(next.get(), &st) != 0) return last_error();
        if (S_ISLNK(st.st_mode)) return follow(read_link(next.get(), ""));
        if (!S_ISDIR(st.st_mode)) return Errc::not_a_directory;
        m_dirs.push_back(std::move(next));
        m_names.push_back(name);
        return {};
    }

    Result<void> open_final(const std::string& name) {
        const bool follow_final = (m_flags & O_NOFOLLOW) == 0;
        UniqueFd fd(::openat(current(), name.c_str(), m_flags | O_NOFOLLOW | O_CLOEXEC, m_mode));
        if (fd) {
            if (follow_final && (m_flags & O_PATH) != 0) {
                struct stat st {};
                if (::fstat(fd.get(), &st) != 0) return last_error();
                if (S_ISLNK(st.st_mode)) return follow(read_link(fd.get(), ""));
            }
            m_result = std::move(fd);
            m_done = true;
            return {};
        }
        const int err = errno;
        // O_NOFOLLOW met a symlink: ELOOP, or ENOTDIR together with O_DIRECTORY.
        if (follow_final && (err == ELOOP || err == ENOTDIR)) {
            struct stat st {};
            if (::fstatat(current(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                return follow(read_link(current(), name.c_str()));
            }
        }
        return error_from_errno(err);
    }

    int m_root;
    int m_flags;
    unsigned m_mode;
    std::deque<std::string> m_pending;
    std::vector<UniqueFd> m_dirs;
    std::vector<std::string> m_names;
    int m_links = 0;
    bool m_done = false;
    UniqueFd m_result;
};

}  // namespace

bool openat2_available() noexcept {
    static const bool available = [] {
        UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) return false;
        return UniqueFd(static_cast<int>(call_openat2(root.get(), ".", O_PATH, 0))).get() >= 0;
    }();
    return available;
}

Resolver::Resolver(ResolveStrategy strategy) noexcept
    : m_strategy(strategy != ResolveStrategy::automatic
                     ? strategy
                     : (openat2_available() ? ResolveStrategy::openat2 : ResolveStrategy::walk)) {}

Result<UniqueFd> Resolver::open(int root_fd, std::string_view relative, int flags,
                                unsigned mode) const {
    if (m_strategy == ResolveStrategy::walk) {
        auto walked = walk(root_fd, relative, flags, mode);
        if (!walked) return walked.error();
        return std::move(walked->fd);
    }
    const std::string path = relative.empty() ? std::string(".") : std::string(relative);
    for (int attempt = 0; attempt < openat2_attempts; ++attempt) {
        const long fd = call_openat2(root_fd, path.c_str(), flags, mode);
        if (fd >= 0) return UniqueFd(static_cast<int>(fd));
        if (errno == EAGAIN || errno == EINTR) continue;
        if (errno == ENOSYS) return Errc::unsupported;
        return last_error();
    }
    return Errc::io_error;
}

Result<WalkResult> Resolver::walk(int root_fd, std::string_view relative, int flags,
                                  unsigned mode) {
    return Walk(root_fd, flags, mode).run(relative);
}

}  // namespace wharf::vfs
