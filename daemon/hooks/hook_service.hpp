// The one place hook processes are waited on: a process-wide thread with its own io_context,
// started when the first hook runs. Worker event loops only hand a launch over and get the
// outcome back; spawning, pidfd waits, pipe reads and timeouts all happen here.
//
// At process exit the service waits for running hooks (post hooks announcing logouts, say)
// for up to exit_grace, kills what is still running, reaps it, and joins the thread.
#pragma once

#include "daemon/hooks/hook_process.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

namespace wharf::daemon {

class HookService {
public:
    static constexpr std::chrono::seconds exit_grace{5};

    /// The service, started on first use.
    static HookService& instance();

    /// Runs `launch`; `finished` is called on the hook thread (it must not block). Thread-safe.
    void run(HookLaunch launch, HookProcess::Finished finished);

    ~HookService();
    HookService(const HookService&) = delete;
    HookService& operator=(const HookService&) = delete;

private:
    HookService();
    void start_thread();
    void on_exit_grace_expired();

    boost::asio::io_context m_io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_work;
    boost::asio::steady_timer m_exit_grace;
    std::set<std::shared_ptr<HookProcess>> m_running;  ///< hook thread only
    bool m_exiting = false;                            ///< hook thread only
    std::thread m_thread;
};

}  // namespace wharf::daemon
