// A queue of transfers sharing one ClientEngine, with at most `limit` of them running at once
// (the simultaneous-transfer limit of `wharf sftp --parallel`). Sans-I/O like the engine: a job
// is a function that starts one transfer (download(), upload(), or a chain of requests) and
// calls the completion it is given exactly once; the queue starts the next job from inside that
// completion, so it runs as the caller drives the engine.
//
// Failure policy: by default the first failed job stops the queue from starting anything new;
// jobs already running finish, and every job that never started is reported as cancelled. So
// each job is reported exactly once: completed (with its result) or cancelled.
#pragma once

#include "protocols/sftp/client_engine.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

namespace wharf::sftp {

class TransferQueue {
public:
    using JobDone = ClientEngine::Done<std::uint64_t>;
    using Job = std::function<void(JobDone done)>;

    struct Callbacks {
        // Optional: job `index` (the order of add(), from 0) is about to start.
        std::function<void(std::size_t index)> started;
        // Mandatory: job `index` ended with this result (bytes transferred, or why not).
        std::function<void(std::size_t index, const ClientResult<std::uint64_t>& result)> completed;
        // Optional: job `index` was never started because an earlier job failed.
        std::function<void(std::size_t index)> cancelled;
    };

    // Throws std::invalid_argument for a limit of 0 or without `completed`.
    TransferQueue(std::size_t limit, Callbacks callbacks, bool keep_going = false);
    TransferQueue(const TransferQueue&) = delete;
    TransferQueue& operator=(const TransferQueue&) = delete;

    // Adds a job; it starts at once if run() was called and there is room. Returns its index.
    std::size_t add(Job job);
    // Starts jobs up to the limit. Later ones start as running ones complete.
    void run();

    // Every job added so far has been reported (completed or cancelled).
    [[nodiscard]] bool finished() const noexcept { return m_reported == m_added; }
    [[nodiscard]] std::size_t running() const noexcept { return m_running; }
    // The most jobs that ran at the same time so far.
    [[nodiscard]] std::size_t peak_running() const noexcept { return m_peak; }
    [[nodiscard]] std::size_t failures() const noexcept { return m_failures; }
    [[nodiscard]] std::size_t limit() const noexcept { return m_limit; }

private:
    void start_more();
    void cancel_waiting();
    void on_done(std::size_t index, const ClientResult<std::uint64_t>& result);

    struct Waiting {
        std::size_t index;
        Job job;
    };

    std::size_t m_limit;
    Callbacks m_callbacks;
    bool m_keep_going;
    std::deque<Waiting> m_waiting;
    bool m_running_queue = false;  // run() was called
    bool m_starting = false;       // inside start_more(): completions that run at once
                                   // must not start jobs out of order
    bool m_stopped = false;        // a job failed and keep_going is off
    std::size_t m_added = 0;
    std::size_t m_reported = 0;
    std::size_t m_running = 0;
    std::size_t m_peak = 0;
    std::size_t m_failures = 0;
};

}  // namespace wharf::sftp
