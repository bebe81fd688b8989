// Live sessions, so shutdown can ask each to finish its transfer and wait for them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace wharf::daemon {

/// How the registry reaches a session. Both callbacks must be thread-safe (typically they
/// post onto the session's own executor).
struct SessionControl {
    std::function<void()> request_stop;  ///< finish current transfers, accept no new ones
    std::function<void()> close;         ///< grace is over: close now
    std::function<void()> rekey;         ///< start a key exchange now (protocols that have one)
};

class SessionRegistry {
public:
    class Registration;

    /// Registers a session; it counts as live until the returned object is destroyed.
    std::unique_ptr<Registration> add(SessionControl control);

    std::size_t size() const;
    void request_stop_all();
    void close_all();
    /// Asks every session with a rekey callback for a fresh key exchange; returns how many.
    std::size_t rekey_all();
    /// Called (on an arbitrary thread) whenever the count drops to zero.
    void on_empty(std::function<void()> callback);
    std::uint64_t next_connection_id() { std::lock_guard lock(m_mutex); return ++m_last_id; }

private:
    void remove(std::uint64_t key);

    mutable std::mutex m_mutex;
    std::map<std::uint64_t, SessionControl> m_sessions;
    std::function<void()> m_on_empty;
    std::uint64_t m_last_key = 0;
    std::uint64_t m_last_id = 0;
    bool m_stopping = false;
};

class SessionRegistry::Registration {
public:
    Registration(SessionRegistry& registry, std::uint64_t key) : m_registry(registry), m_key(key) {}
    ~Registration() { m_registry.remove(m_key); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

private:
    SessionRegistry& m_registry;
    std::uint64_t m_key;
};

}  // namespace wharf::daemon
