// One io_context per worker thread; connections are spread round-robin and stay on the
// context they were given, so per-connection state needs no locks.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace wharf::daemon {

namespace net = boost::asio;

class WorkerPool {
public:
    /// `threads` of 0 means one per core.
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void start();
    /// Lets the contexts run out of work and joins the threads; pending handlers are dropped.
    void stop();

    /// The context the next connection should live on.
    net::io_context& next();
    std::size_t size() const { return m_contexts.size(); }

private:
    using Guard = net::executor_work_guard<net::io_context::executor_type>;
    std::vector<std::unique_ptr<net::io_context>> m_contexts;
    std::vector<Guard> m_guards;
    std::vector<std::thread> m_threads;
    std::atomic<std::size_t> m_next{0};
};

}  // namespace wharf::daemon
