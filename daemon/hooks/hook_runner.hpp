// Operation hooks: the executables `hooks:` names for login, logout and file events, run
// without a shell and never on an event loop's time. A `pre` hook decides whether the
// operation happens (exit status 0 allows); a `post` hook learns how it went.
//
//   runner.run_pre(event, executor, [self](HookVerdict verdict) { ... });  // on `executor`
//   runner.run_post(event);                                                 // fire and forget
#pragma once

#include "config/config.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wharf::daemon {

/// What a hook is told, as WHARF_* environment variables (unset fields are left out).
struct HookContext {
    config::HookEvent event = config::HookEvent::upload;
    std::string protocol;     ///< WHARF_PROTOCOL: "sftp", "scp", "ssh"
    std::string user;         ///< WHARF_USER
    std::string remote;       ///< WHARF_REMOTE: "address:port"
    std::string path;         ///< WHARF_PATH: virtual path the operation names
    std::string target_path;  ///< WHARF_TARGET_PATH: rename/symlink/link destination
    std::string real_path;    ///< WHARF_REAL_PATH: where `path` lies on the server's disk
    std::optional<std::uint64_t> bytes;  ///< WHARF_BYTES: bytes transferred (post hooks)
    std::string status;       ///< WHARF_STATUS: "ok" or the failure (post hooks)
};

/// A pre hook's answer. Denied carries the hook's first stdout line (or a reason of ours when
/// it failed to run or timed out: a hook that cannot decide denies).
struct HookVerdict {
    bool allowed = true;
    std::string message;
};

class HookRunner {
public:
    /// Hooks from `config` (a snapshot: a reload makes a new runner for new sessions).
    explicit HookRunner(std::shared_ptr<const config::Config> config);
    ~HookRunner();
    HookRunner(const HookRunner&) = delete;
    HookRunner& operator=(const HookRunner&) = delete;

    [[nodiscard]] bool has_pre(config::HookEvent event) const;
    [[nodiscard]] bool has_post(config::HookEvent event) const;

    /// Runs the pre hook of `event.event`, then calls `done` on `executor`. Without a pre
    /// hook, `done` is posted at once with allowed. Logs hook.pre.deny / hook.failed.
    void run_pre(HookContext event, const boost::asio::any_io_executor& executor,
                 std::function<void(HookVerdict)> done) const;

    /// Starts the post hook of `event.event`, if any, and returns at once. Logs hook.failed
    /// when it cannot start, exits non-zero or is killed at its timeout.
    void run_post(HookContext event) const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace wharf::daemon
