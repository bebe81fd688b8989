// wharfd's lifecycle: load config, prepare state, run workers and listeners, reload on SIGHUP,
// shut down gracefully on SIGTERM/SIGINT.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/server/session_registry.hpp"
#include "protocols/ssh/key.hpp"
#include "daemon/server/worker_pool.hpp"
#include "daemon/vfs/disk_pool.hpp"
#include "daemon/vfs/quota.hpp"

namespace wharf::daemon {

/// A protocol the server listens for. `addresses` picks its endpoints out of a config, so a
/// reload that changes them opens and closes listeners to match.
struct Service {
    std::string proto;
    std::function<std::vector<config::ListenAddress>(const config::Config&)> addresses;
    AcceptHandler on_accept;  ///< runs on the connection's worker context
};

class Server {
public:
    /// `config_file` is read again on every SIGHUP.
    Server(std::filesystem::path config_file, std::shared_ptr<const config::Config> initial);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void add_service(Service service);
    /// Work that runs beside the listeners (an OFTP caller, say): started once the listeners
    /// are open, on the main thread; it must post onto its own context and return.
    void add_background_task(std::function<void()> start);

    /// Runs until shutdown completes; returns the process exit code.
    int run();

    /// The configuration new connections should use; thread-safe.
    std::shared_ptr<const config::Config> config() const { return m_config.load(); }
    /// The SSH host keys loaded with that configuration (empty when SSH is off); thread-safe.
    std::shared_ptr<const std::vector<ssh::PrivateKey>> host_keys() const { return m_host_keys.load(); }
    SessionRegistry& sessions() { return m_sessions; }
    WorkerPool& workers() { return *m_workers; }
    /// Where protocols run blocking file work, off the event loops.
    vfs::DiskPool& disk_pool() { return m_disk_pool; }
    /// One quota tracker per user, shared by that user's sessions.
    vfs::QuotaRegistry& quotas() { return m_quotas; }

    /// Same as receiving SIGHUP / SIGTERM; thread-safe (used by tests and the control hooks).
    void request_reload();
    void request_shutdown();

private:
    void wait_for_signal();
    void on_signal(int signal_number);
    void reload();
    bool apply_listeners(const config::Config& config);
    void begin_shutdown();
    void finish_shutdown(bool forced);

    struct OpenListener {
        std::string proto;
        net::ip::tcp::endpoint endpoint;
        std::shared_ptr<TcpListener> listener;
    };

    std::filesystem::path m_config_file;
    std::atomic<std::shared_ptr<const config::Config>> m_config;
    std::atomic<std::shared_ptr<const std::vector<ssh::PrivateKey>>> m_host_keys;
    net::io_context m_main;  ///< signals, accepting, reload, shutdown timer
    net::signal_set m_signals;
    net::steady_timer m_grace_timer;
    std::unique_ptr<WorkerPool> m_workers;
    SessionRegistry m_sessions;
    vfs::DiskPool m_disk_pool;
    vfs::QuotaRegistry m_quotas;
    std::vector<Service> m_services;
    std::vector<std::function<void()>> m_background_tasks;
    std::vector<OpenListener> m_listeners;
    bool m_shutting_down = false;
    bool m_finished = false;
};

}  // namespace wharf::daemon
