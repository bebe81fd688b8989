// The transfer queue (see client_transfer_queue.hpp).
#include "protocols/sftp/client_transfer_queue.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

TransferQueue::TransferQueue(std::size_t limit, Callbacks callbacks, bool keep_going)
    : m_limit(limit), m_callbacks(std::move(callbacks)), m_keep_going(keep_going) {
    if (m_limit == 0) throw std::invalid_argument("sftp transfer queue: the limit must be > 0");
    if (!m_callbacks.completed) {
        throw std::invalid_argument("sftp transfer queue: a completion callback is mandatory");
    }
}

std::size_t TransferQueue::add(Job job) {
    const std::size_t index = m_added++;
    if (m_stopped) {
        ++m_reported;
        if (m_callbacks.cancelled) m_callbacks.cancelled(index);
        return index;
    }
    m_waiting.push_back({index, std::move(job)});
    if (m_running_queue) start_more();
    return index;
}

void TransferQueue::run() {
    m_running_queue = true;
    start_more();
}

void TransferQueue::start_more() {
    if (m_starting) return;
    m_starting = true;
    while (!m_stopped && m_running < m_limit && !m_waiting.empty()) {
        Waiting next = std::move(m_waiting.front());
        m_waiting.pop_front();
        ++m_running;
        m_peak = std::max(m_peak, m_running);
        if (m_callbacks.started) m_callbacks.started(next.index);
        next.job([this, index = next.index](ClientResult<std::uint64_t> result) {
            on_done(index, result);
        });
    }
    m_starting = false;
}

void TransferQueue::on_done(std::size_t index, const ClientResult<std::uint64_t>& result) {
    --m_running;
    ++m_reported;
    if (!result) {
        ++m_failures;
        if (!m_keep_going) {
            m_stopped = true;
        }
    }
    m_callbacks.completed(index, result);
    if (m_stopped) {
        cancel_waiting();
    } else {
        start_more();
    }
}

void TransferQueue::cancel_waiting() {
    while (!m_waiting.empty()) {
        const std::size_t index = m_waiting.front().index;
        m_waiting.pop_front();
        ++m_reported;
        if (m_callbacks.cancelled) m_callbacks.cancelled(index);
    }
}

}  // namespace wharf::sftp
