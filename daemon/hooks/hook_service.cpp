#include "daemon/hooks/hook_service.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>
#include <signal.h>

#include <exception>

#include "daemon/logging/log.hpp"

namespace wharf::daemon {

namespace net = boost::asio;

HookService& HookService::instance() {
    // Constructed on first use, after logging is set up, so it is destroyed (and joined) first.
    static HookService service;
    return service;
}

HookService::HookService() : m_work(net::make_work_guard(m_io)), m_exit_grace(m_io) { start_thread(); }

void HookService::start_thread() {
    // Process-directed signals (SIGTERM, SIGHUP, SIGCHLD) belong to the threads that wait for
    // them, never to this one; children get an empty mask back through posix_spawn.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    m_thread = std::thread([this] {
        for (;;) {
            try {
                m_io.run();
                return;
            } catch (const std::exception& e) {
                log::error("hook.service.exception").field("error", e.what());
            }
        }
    });
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void HookService::run(HookLaunch launch, HookProcess::Finished finished) {
    net::post(m_io, [this, launch = std::move(launch), finished = std::move(finished)]() mutable {
        // The process owns `finished`; the wrapper drops our reference once it has run.
        auto slot = std::make_shared<std::shared_ptr<HookProcess>>();
        auto process = HookProcess::start(m_io, launch,
                                          [this, slot, finished = std::move(finished)](HookOutcome outcome) {
                                              m_running.erase(*slot);
                                              finished(std::move(outcome));
                                              if (m_exiting && m_running.empty()) m_exit_grace.cancel();
                                          });
        *slot = process;
        m_running.insert(std::move(process));
    });
}

void HookService::on_exit_grace_expired() {
    for (const auto& process : m_running) process->stop();
}

HookService::~HookService() {
    net::post(m_io, [this] {
        m_exiting = true;
        if (m_running.empty()) return;
        m_exit_grace.expires_after(exit_grace);
        m_exit_grace.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) on_exit_grace_expired();
        });
    });
    m_work.reset();  // run() returns once the hooks still running are reaped
    if (m_thread.joinable()) m_thread.join();
}

}  // namespace wharf::daemon
