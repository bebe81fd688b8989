#include "daemon/server/worker_pool.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include "daemon/logging/log.hpp"

namespace wharf::daemon {

WorkerPool::WorkerPool(unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < threads; ++i) {
        // Concurrency hint 1: each context is driven by exactly one thread.
        m_contexts.push_back(std::make_unique<net::io_context>(1));
    }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
    for (auto& context : m_contexts) {
        m_guards.push_back(net::make_work_guard(*context));
        m_threads.emplace_back([&io = *context] {
            for (;;) {
                try {
                    io.run();
                    return;
                } catch (const std::exception& e) {
                    // A handler that throws is a bug in one connection; keep serving the others.
                    log::error("server.worker.exception").field("error", e.what());
                }
            }
        });
    }
}

void WorkerPool::stop() {
    for (auto& guard : m_guards) guard.reset();
    for (auto& context : m_contexts) context->stop();
    for (auto& thread : m_threads) {
        if (thread.joinable()) thread.join();
    }
    m_guards.clear();
    m_threads.clear();
}

net::io_context& WorkerPool::next() {
    return *m_contexts[m_next.fetch_add(1, std::memory_order_relaxed) % m_contexts.size()];
}

}  // namespace wharf::daemon
