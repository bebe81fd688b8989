// One hook child: spawned with posix_spawn (no shell, a clean environment, its own process
// group, no inherited descriptors beyond stdin/stdout/stderr) and watched on an io_context
// without blocking it: the exit through a pidfd, the deadline through a timer, stdout and
// stderr through pipes of which only the first line is kept (the rest is read and dropped,
// so a chatty hook never stalls on a full pipe).
#pragma once

#include "daemon/vfs/unique_fd.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wharf::daemon {

struct HookLaunch {
    std::filesystem::path command;         ///< absolute; run as argv[0]
    std::vector<std::string> args;         ///< argv[1..]
    std::vector<std::string> environment;  ///< "NAME=value": the child's whole environment
    std::chrono::milliseconds timeout{30'000};
};

/// How a hook ended.
struct HookOutcome {
    enum class Ending {
        exited,
        killed_by_signal,
        timed_out,    ///< killed by us at its deadline
        stopped,      ///< killed by us because the daemon is exiting
        not_started,  ///< posix_spawn failed: missing, not executable, out of processes
        lost,         ///< its exit status could not be collected (someone else reaped it)
    };
    Ending ending = Ending::not_started;
    int exit_status = -1;            ///< exited: the status it exited with
    int signal = 0;                  ///< killed_by_signal: which
    std::string error;               ///< not_started, lost: why
    std::string first_stdout_line;   ///< without the newline; at most max_line_bytes
    std::string first_stderr_line;
    std::chrono::milliseconds elapsed{0};

    static constexpr std::size_t max_line_bytes = 1024;
    [[nodiscard]] bool succeeded() const { return ending == Ending::exited && exit_status == 0; }
};

class HookProcess : public std::enable_shared_from_this<HookProcess> {
public:
    using Finished = std::function<void(HookOutcome)>;

    /// Spawns `launch` and calls `finished` on `io` exactly once: after the child has been
    /// reaped, or (posted, not inline) when it could not be started. Call on `io`'s thread.
    static std::shared_ptr<HookProcess> start(boost::asio::io_context& io, const HookLaunch& launch,
                                              Finished finished);

    /// Kills the child's process group now (the daemon is exiting); `finished` follows once
    /// it is reaped, as stopped. Call on `io`'s thread.
    void stop();

    HookProcess(boost::asio::io_context& io, Finished finished);  // use start()
    HookProcess(const HookProcess&) = delete;
    HookProcess& operator=(const HookProcess&) = delete;

private:
    // The first line of one of the child's output streams.
    struct OutputPipe {
        explicit OutputPipe(boost::asio::io_context& io) : descriptor(io) {}
        boost::asio::posix::stream_descriptor descriptor;
        std::array<char, 4096> buffer{};
        std::string first_line;
        bool line_complete = false;
        void take(const char* data, std::size_t size);
    };

    void spawn(const HookLaunch& launch);
    void watch_exit();
    void on_exit_ready(const boost::system::error_code& ec);
    void read(OutputPipe& pipe);
    void drain(OutputPipe& pipe);
    void on_timeout(const boost::system::error_code& ec);
    void kill_group();
    HookOutcome outcome_of(int wait_status) const;
    void complete(HookOutcome outcome);

    boost::asio::io_context& m_io;
    Finished m_finished;
    pid_t m_pid = -1;
    bool m_reaped = false;
    HookOutcome::Ending m_killed_for = HookOutcome::Ending::exited;  ///< timed_out or stopped once we kill it
    bool m_poll_exit = false;  ///< no usable pidfd: waitpid is polled on m_poll_timer
    boost::asio::posix::stream_descriptor m_pidfd;  ///< readable once the child has exited
    boost::asio::steady_timer m_poll_timer;
    boost::asio::steady_timer m_deadline;
    OutputPipe m_stdout;
    OutputPipe m_stderr;
    std::chrono::steady_clock::time_point m_started;
};

}  // namespace wharf::daemon
