#include "daemon/server/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "config/loader.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/server/sd_notify.hpp"
#include "daemon/server/state.hpp"

namespace wharf::daemon {

namespace {

constexpr auto close_drain_time = std::chrono::milliseconds(250);

// Disk calls block; a few per event loop keep one slow disk from stalling every session.
std::size_t disk_threads_for(std::size_t workers) { return std::max<std::size_t>(4, 2 * workers); }

std::string endpoint_text(const net::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address().to_string();
    return endpoint.address().is_v6() ? fmt::format("[{}]:{}", address, endpoint.port())
                                      : fmt::format("{}:{}", address, endpoint.port());
}

std::string summary(const config::Config& config) {
    return fmt::format("users={} partners={} ssh={} oftp={}", config.users.size(), config.partners.size(),
                       config.ssh ? "on" : "off", config.oftp ? "on" : "off");
}

}  // namespace

Server::Server(std::filesystem::path config_file, std::shared_ptr<const config::Config> initial)
    : m_config_file(std::move(config_file)), m_config(std::move(initial)), m_signals(m_main),
      m_grace_timer(m_main), m_workers(std::make_unique<WorkerPool>(m_config.load()->server.workers)),
      m_disk_pool(disk_threads_for(m_workers->size())) {}

Server::~Server() { m_workers->stop(); }

void Server::add_service(Service service) { m_services.push_back(std::move(service)); }
void Server::add_background_task(std::function<void()> start) { m_background_tasks.push_back(std::move(start)); }

int Server::run() {
    std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a death
    for (const int number : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) m_signals.add(number);
    const auto config = m_config.load();
    m_host_keys.store(std::make_shared<const std::vector<ssh::PrivateKey>>(prepare_state(*config)));
    m_workers->start();
    if (!apply_listeners(*config)) {
        log::error("server.start.failed").field("reason", "could not open every listener");
        m_workers->stop();
        return 1;
    }
    wait_for_signal();
    for (const auto& start : m_background_tasks) start();
    std::vector<std::string> listening;
    for (const auto& open : m_listeners) listening.push_back(open.proto + "=" + endpoint_text(open.endpoint));
    log::info("server.ready")
        .field("version", WHARF_VERSION)
        .field("pid", static_cast<std::int64_t>(::getpid()))
        .field("workers", static_cast<std::uint64_t>(m_workers->size()))
        .field("config", config->source.string())
        .field("listen", fmt::format("{}", fmt::join(listening, " ")))
        .field("summary", summary(*config));
    notify_ready(fmt::format("serving: {}", summary(*config)));
    m_main.run();
    m_workers->stop();
    log::info("server.stopped");
    return 0;
}

void Server::request_reload() { net::post(m_main, [this] { reload(); }); }
void Server::request_shutdown() { net::post(m_main, [this] { begin_shutdown(); }); }

void Server::wait_for_signal() {
    m_signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        on_signal(signal_number);
        if (!m_finished) wait_for_signal();
    });
}

void Server::on_signal(int signal_number) {
    if (signal_number == SIGHUP) {
        reload();
    } else if (signal_number == SIGUSR1) {
        const auto sessions = m_sessions.rekey_all();
        log::info("server.rekey.requested").field("sessions", static_cast<std::uint64_t>(sessions));
    } else if (m_shutting_down) {
        log::warn("server.shutdown.forced").field("signal", signal_number);
        finish_shutdown(true);
    } else {
        log::info("server.signal").field("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
        begin_shutdown();
    }
}

void Server::reload() {
    if (m_shutting_down) return;
    notify_reloading();
    const auto started = std::chrono::steady_clock::now();
    std::shared_ptr<const config::Config> fresh;
    std::shared_ptr<const std::vector<ssh::PrivateKey>> keys;
    try {
        fresh = config::load_file(m_config_file);
        keys = std::make_shared<const std::vector<ssh::PrivateKey>>(prepare_state(*fresh));
        log::configure(fresh->server.log);
    } catch (const config::ConfigError& e) {
        for (const auto& diagnostic : e.diagnostics()) {
            log::error("config.reload.failed").field("error", diagnostic.to_string());
        }
        log::warn("config.reload.kept").field("reason", "invalid configuration; still serving the previous one")
            .field("errors", static_cast<std::uint64_t>(e.diagnostics().size()));
        notify_ready("reload failed; serving the previous configuration");
        return;
    } catch (const std::exception& e) {
        log::error("config.reload.failed").field("error", e.what());
        log::warn("config.reload.kept").field("reason", "could not apply; still serving the previous one");
        notify_ready("reload failed; serving the previous configuration");
        return;
    }
    m_config.store(fresh);
    m_host_keys.store(keys);
    log::debug("config.applied").field("config", m_config_file.string()).field("summary", summary(*fresh));
    const bool listeners_ok = apply_listeners(*fresh);
    log::info("config.reload.ok")
        .field("config", m_config_file.string())
        .field("summary", summary(*fresh))
        .field("listeners_ok", listeners_ok)
        .ms(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    notify_ready(fmt::format("serving: {}", summary(*fresh)));
}

// Opens listeners the config wants and closes the ones it no longer names. Existing
// connections are never touched. Returns false if any wanted endpoint failed to open.
bool Server::apply_listeners(const config::Config& config) {
    std::vector<OpenListener> wanted;
    bool ok = true;
    for (const auto& service : m_services) {
        for (const auto& address : service.addresses(config)) {
            try {
                for (const auto& endpoint : resolve_listen_address(m_main, address)) {
                    wanted.push_back({service.proto, endpoint, nullptr});
                }
            } catch (const std::exception& e) {
                log::error("listener.failed").proto(service.proto).field("address", address.to_string())
                    .field("error", e.what());
                ok = false;
            }
        }
    }
    const auto same = [](const OpenListener& a, const OpenListener& b) {
        return a.proto == b.proto && a.endpoint == b.endpoint;
    };
    for (auto& open : m_listeners) {
        if (std::none_of(wanted.begin(), wanted.end(), [&](const auto& w) { return same(w, open); })) {
            open.listener->close();
            log::info("listener.closed").proto(open.proto).field("address", endpoint_text(open.endpoint));
            open.listener.reset();
        }
    }
    std::erase_if(m_listeners, [](const OpenListener& open) { return !open.listener; });
    for (auto& want : wanted) {
        if (std::any_of(m_listeners.begin(), m_listeners.end(), [&](const auto& o) { return same(o, want); })) continue;
        const auto service = std::find_if(m_services.begin(), m_services.end(),
                                          [&](const Service& s) { return s.proto == want.proto; });
        try {
            want.listener = std::make_shared<TcpListener>(m_main, *m_workers, want.endpoint, want.proto,
                                                          service->on_accept);
            want.listener->run();
            log::info("listener.open").proto(want.proto).field("address", endpoint_text(want.endpoint));
            m_listeners.push_back(std::move(want));
        } catch (const boost::system::system_error& e) {
            log::error("listener.failed").proto(want.proto).field("address", endpoint_text(want.endpoint))
                .field("error", e.what());
            ok = false;
        }
    }
    return ok;
}

void Server::begin_shutdown() {
    if (m_shutting_down) return;
    m_shutting_down = true;
    for (auto& open : m_listeners) open.listener->close();
    m_listeners.clear();
    const auto grace = m_config.load()->server.shutdown_grace;
    const auto live = m_sessions.size();
    log::info("server.stopping").field("sessions", static_cast<std::uint64_t>(live)).ms(grace.count());
    notify_stopping(fmt::format("stopping; waiting for {} session(s)", live));
    m_sessions.request_stop_all();
    m_grace_timer.expires_after(grace);
    m_grace_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) finish_shutdown(true);
    });
    m_sessions.on_empty([this] { net::post(m_main, [this] { finish_shutdown(false); }); });
}

void Server::finish_shutdown(bool forced) {
    if (m_finished) return;
    m_finished = true;
    m_signals.cancel();
    if (!forced) {
        m_grace_timer.cancel();
        m_main.stop();
        return;
    }
    log::warn("server.shutdown.grace_expired").field("sessions", static_cast<std::uint64_t>(m_sessions.size()));
    m_sessions.close_all();
    // Give the sessions' own contexts a moment to run their close handlers before the
    // workers are stopped outright.
    m_grace_timer.expires_after(close_drain_time);
    m_grace_timer.async_wait([this](const boost::system::error_code&) { m_main.stop(); });
}

}  // namespace wharf::daemon
