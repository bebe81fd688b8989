#include "daemon/oftp/oftp_caller.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include "daemon/hooks/hook_runner.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/vfs/disk_pool.hpp"

namespace wharf::daemon {

namespace {

constexpr auto connect_timeout = std::chrono::seconds(30);

std::string address_text(const config::PartnerConnect& connect) {
    const auto port = connect.address.port ? connect.address.port : (connect.tls ? 6619 : 3305);
    return fmt::format("{}:{}", connect.address.host, port);
}

std::int64_t to_ms(std::chrono::steady_clock::duration duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

OftpCaller::OftpCaller(Server& server, ActivePartners& active_partners)
    : m_server(server), m_active(active_partners) {}

void OftpCaller::start() {
    m_io = &m_server.workers().next();
    m_timer = std::make_unique<net::steady_timer>(*m_io);
    std::weak_ptr<OftpCaller> weak = weak_from_this();
    const auto stop = [weak] {
        if (auto self = weak.lock()) {
            net::post(*self->m_io, [self] {
                self->m_stopped = true;
                self->m_timer->cancel();
                self->m_registration.reset();
            });
        }
    };
    m_registration = m_server.sessions().add({.request_stop = stop, .close = stop, .rekey = nullptr});
    net::post(*m_io, [self = shared_from_this()] { self->on_tick(); });
}

void OftpCaller::schedule() {
    if (m_stopped) return;
    m_timer->expires_after(poll_interval);
    m_timer->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->on_tick();
    });
}

void OftpCaller::on_tick() {
    if (m_stopped) return;
    const auto config = m_server.config();
    if (config != m_config_seen) {
        // A reload: partners may have come or gone, and those given up get another chance.
        for (auto& [name, state] : m_partners) state.given_up = false;
        m_config_seen = config;
    }
    if (config->oftp) {
        for (const auto& partner : config->partners) {
            if (partner.connect) consider(config, partner);
        }
    }
    schedule();
}

void OftpCaller::consider(const std::shared_ptr<const config::Config>& config, const config::Partner& partner) {
    PartnerState& state = m_partners[partner.name];
    const auto now = Clock::now();
    if (state.in_call || state.checking || state.given_up || now < state.next_attempt) return;
    if (m_active.is_active(partner.name)) return;  // it called us; that session serves both ways
    const auto interval = partner.connect->interval;
    const bool interval_due = interval.count() > 0 && now - state.last_call >= interval;
    state.checking = true;
    auto pending = std::make_shared<bool>(false);
    m_server.disk_pool().submit(
        m_io->get_executor(),
        [pending, partner, station = *config->oftp]() -> bool {
            try {
                *pending = PartnerStore(partner, station, station.state_dir).has_pending_work();
            } catch (const std::exception& e) {
                log::error("oftp.state.failed").partner(partner.name).field("error", e.what());
            }
            return *pending;
        },
        [self = shared_from_this(), config, partner, interval_due](bool has_work) {
            self->m_partners[partner.name].checking = false;
            if (self->m_stopped || (!has_work && !interval_due)) return;
            self->call(config, partner);
        });
}

void OftpCaller::call(std::shared_ptr<const config::Config> config, const config::Partner& partner) {
    PartnerState& state = m_partners[partner.name];
    state.in_call = true;
    state.last_call = Clock::now();
    const auto& connect = *partner.connect;
    log::info("oftp.call.start").partner(partner.name).field("address", address_text(connect))
        .field("tls", connect.tls).field("attempt", state.failures + 1);
    auto resolver = std::make_shared<net::ip::tcp::resolver>(*m_io);
    const auto port = connect.address.port ? connect.address.port : (connect.tls ? 6619 : 3305);
    resolver->async_resolve(
        connect.address.host, std::to_string(port),
        [self = shared_from_this(), resolver, config, partner](const boost::system::error_code& ec,
                                                               net::ip::tcp::resolver::results_type results) {
            if (ec) {
                self->call_failed(partner, "resolve: " + ec.message());
                return;
            }
            auto socket = std::make_shared<net::ip::tcp::socket>(*self->m_io);
            auto timer = std::make_shared<net::steady_timer>(*self->m_io, connect_timeout);
            timer->async_wait([socket](const boost::system::error_code& timer_ec) {
                if (!timer_ec) socket->close();
            });
            net::async_connect(*socket, results,
                               [self, socket, timer, config, partner](const boost::system::error_code& connect_ec,
                                                                      const net::ip::tcp::endpoint&) {
                                   const bool timed_out = timer->expiry() <= Clock::now();
                                   timer->cancel();
                                   if (connect_ec) {
                                       self->call_failed(partner, "connect: " + (timed_out ? std::string("timed out")
                                                                                           : connect_ec.message()));
                                       return;
                                   }
                                   self->on_connected(config, partner, std::move(*socket));
                               });
        });
}

void OftpCaller::on_connected(std::shared_ptr<const config::Config> config, const config::Partner& partner,
                              net::ip::tcp::socket socket) {
    boost::system::error_code ignored;
    socket.set_option(net::ip::tcp::no_delay(true), ignored);
    OftpConnectionSetup setup;
    std::shared_ptr<OftpStream> stream;
    try {
        if (partner.connect->tls) {
            const auto& station = *config->oftp;
            auto tls = TlsContext::for_client(station.tls ? &*station.tls : nullptr,
                                              partner.tls ? &*partner.tls : nullptr);
            stream = OftpStream::tls_client(std::move(socket), std::move(tls));
        } else {
            stream = OftpStream::plain(std::move(socket));
        }
    } catch (const std::exception& e) {
        call_failed(partner, std::string("tls: ") + e.what());
        return;
    }
    setup.config = config;
    setup.disk_pool = &m_server.disk_pool();
    setup.active_partners = &m_active;
    setup.hooks = std::make_shared<HookRunner>(config);
    setup.conn_id = m_server.sessions().next_connection_id();
    setup.proto = partner.connect->tls ? "oftps" : "oftp";
    setup.call = OftpCall{partner, {}, true};
    auto registration = std::make_shared<std::unique_ptr<SessionRegistry::Registration>>();
    setup.on_finished = [self = shared_from_this(), registration, partner](const OftpConnectionResult& result) {
        registration->reset();
        self->call_ended(partner, result);
    };
    auto connection = OftpConnection::create(stream, std::move(setup));
    std::weak_ptr<OftpConnection> weak = connection;
    *registration = m_server.sessions().add({
        .request_stop = [weak] { if (auto c = weak.lock()) c->request_stop(); },
        .close = [weak] { if (auto c = weak.lock()) c->close_now(); },
        .rekey = nullptr,
    });
    connection->start();
}

void OftpCaller::call_ended(const config::Partner& partner, const OftpConnectionResult& result) {
    if (!result.established) {
        call_failed(partner, result.end.empty() ? "no session" : result.end);
        return;
    }
    PartnerState& state = m_partners[partner.name];
    state.in_call = false;
    state.failures = 0;
    state.next_attempt = Clock::now() + poll_interval;
    log::info("oftp.call.end").partner(partner.name).field("result", result.end)
        .field("files_sent", static_cast<std::uint64_t>(std::count_if(
                                 result.sent.begin(), result.sent.end(), [](const auto& f) { return f.delivered; })))
        .field("files_received", static_cast<std::uint64_t>(result.files_received));
}

void OftpCaller::call_failed(const config::Partner& partner, const std::string& why) {
    PartnerState& state = m_partners[partner.name];
    state.in_call = false;
    ++state.failures;
    const auto& connect = *partner.connect;
    auto delay = connect.retry_initial;
    for (unsigned i = 1; i < state.failures && delay < connect.retry_max; ++i) delay *= 2;
    delay = std::min(delay, connect.retry_max);
    state.next_attempt = Clock::now() + delay;
    log::warn("oftp.call.failed").partner(partner.name).field("address", address_text(connect))
        .field("attempt", state.failures).field("error", why).field("retry_in_ms", to_ms(delay));
    if (connect.max_attempts > 0 && state.failures >= connect.max_attempts) {
        state.given_up = true;
        log::error("oftp.call.given_up").partner(partner.name).field("attempts", state.failures)
            .field("reason", "max_attempts reached; calling again after a configuration reload");
    }
}

}  // namespace wharf::daemon
