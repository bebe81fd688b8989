// DiskPool: a fixed set of threads that run blocking filesystem work so event loops never
// wait on a disk. Work runs on a pool thread; its result is handed to the completion on
// the executor the caller named (the connection's io_context), never on the pool thread.
//
//   pool.submit(conn.get_executor(), [fs, path] { return fs->stat(path); },
//               [self](vfs::Result<vfs::Attributes> attrs) { self->on_stat(std::move(attrs)); });
//
//   auto attrs = co_await pool.run(co_await net::this_coro::executor,
//                                  [&] { return fs->stat(path); }, net::use_awaitable);
//
// The only vfs header that includes Asio. Work must not throw; if work that returns a
// vfs::Result throws anyway (std::bad_alloc), the completion gets Errc::io_error. Work is
// not cancellable once queued: it runs, and its completion is still delivered.
#pragma once

#include "daemon/vfs/result.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace wharf::vfs {

namespace detail {
// The completion signature for work returning R: void(R), or void() for void work.
template <class R>
struct CompletionSignature {
    using type = void(R);
};
template <>
struct CompletionSignature<void> {
    using type = void();
};
}  // namespace detail

class DiskPool {
public:
    /// Starts `threads` worker threads (at least one).
    explicit DiskPool(std::size_t threads) : m_pool(std::max<std::size_t>(threads, 1)) {}
    DiskPool(const DiskPool&) = delete;
    DiskPool& operator=(const DiskPool&) = delete;
    /// Waits for queued work to finish (completions are still posted to their executors).
    ~DiskPool() { m_pool.join(); }

    /// Runs `work()` on a pool thread and then `completion(result)` (or `completion()` for
    /// void work) on `executor`, which is kept busy (work guard) until then.
    template <class Executor, class Work, class Completion>
    void submit(const Executor& executor, Work work, Completion completion) {
        run(executor, std::move(work), std::move(completion));
    }

    /// The asynchronous-operation form of submit: any Asio completion token, e.g.
    /// net::use_awaitable to `co_await` the result inside a coroutine. The completion
    /// signature is void(R) for work returning R, void() for void work.
    template <class Executor, class Work, class Token>
    auto run(const Executor& executor, Work work, Token&& token) {
        using R = std::invoke_result_t<Work&>;
        return boost::asio::async_initiate<Token, typename detail::CompletionSignature<R>::type>(
            [this, executor](auto handler, Work w) {
                launch(executor, std::move(w), std::move(handler));
            },
            token, std::move(work));
    }

    /// Stops taking work; queued work that has not started is dropped.
    void stop() { m_pool.stop(); }

private:
    template <class R, class Work>
    static R invoke(Work& work) noexcept(!is_result_v<R>) {
        if constexpr (is_result_v<R>) {
            try {
                return work();
            } catch (...) {
                return R(Errc::io_error);
            }
        } else {
            return work();  // noexcept: a throwing work terminates rather than vanish
        }
    }

    template <class Executor, class Work, class Handler>
    void launch(const Executor& executor, Work work, Handler handler) {
        auto target = boost::asio::get_associated_executor(handler, executor);
        auto guard = boost::asio::make_work_guard(target);
        boost::asio::post(m_pool, [work = std::move(work), handler = std::move(handler),
                                   guard = std::move(guard)]() mutable {
            using R = std::invoke_result_t<Work&>;
            auto destination = guard.get_executor();
            if constexpr (std::is_void_v<R>) {
                work();
                boost::asio::post(destination, [handler = std::move(handler),
                                                guard = std::move(guard)]() mutable {
                    guard.reset();
                    std::move(handler)();
                });
            } else {
                R result = invoke<R>(work);
                boost::asio::post(destination, [handler = std::move(handler), guard = std::move(guard),
                                                result = std::move(result)]() mutable {
                    guard.reset();
                    std::move(handler)(std::move(result));
                });
            }
        });
    }

    boost::asio::thread_pool m_pool;
};

}  // namespace wharf::vfs
