#include "daemon/server/session_registry.hpp"

#include <vector>

namespace wharf::daemon {

std::unique_ptr<SessionRegistry::Registration> SessionRegistry::add(SessionControl control) {
    std::function<void()> stop_now;
    std::uint64_t key = 0;
    {
        std::lock_guard lock(m_mutex);
        key = ++m_last_key;
        // A session that arrives while we are stopping is asked to stop right away.
        if (m_stopping) stop_now = control.request_stop;
        m_sessions.emplace(key, std::move(control));
    }
    if (stop_now) stop_now();
    return std::make_unique<Registration>(*this, key);
}

std::size_t SessionRegistry::size() const {
    std::lock_guard lock(m_mutex);
    return m_sessions.size();
}

void SessionRegistry::request_stop_all() {
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (const auto& [key, control] : m_sessions) calls.push_back(control.request_stop);
    }
    for (const auto& call : calls) if (call) call();
}

void SessionRegistry::close_all() {
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [key, control] : m_sessions) calls.push_back(control.close);
    }
    for (const auto& call : calls) if (call) call();
}

std::size_t SessionRegistry::rekey_all() {
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [key, control] : m_sessions) {
            if (control.rekey) calls.push_back(control.rekey);
        }
    }
    for (const auto& call : calls) call();
    return calls.size();
}

void SessionRegistry::on_empty(std::function<void()> callback) {
    bool empty_now = false;
    {
        std::lock_guard lock(m_mutex);
        m_on_empty = callback;
        empty_now = m_sessions.empty();
    }
    if (empty_now && callback) callback();
}

void SessionRegistry::remove(std::uint64_t key) {
    std::function<void()> notify;
    {
        std::lock_guard lock(m_mutex);
        m_sessions.erase(key);
        if (m_sessions.empty()) notify = m_on_empty;
    }
    if (notify) notify();
}

}  // namespace wharf::daemon
