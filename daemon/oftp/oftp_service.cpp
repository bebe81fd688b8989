// Accepted OFTP connections: a stream (plain or TLS with the configuration's credentials), a
// registration for graceful shutdown, and the connection driver as responder.
#include "daemon/oftp/oftp_service.hpp"

#include <fmt/format.h>

#include <mutex>

#include "daemon/hooks/hook_runner.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/oftp/oftp_caller.hpp"
#include "daemon/oftp/oftp_connection.hpp"

namespace wharf::daemon {

namespace {

// The TLS credentials of the configuration in force, loaded once per configuration: a
// reload with new certificates is picked up by the next connection.
class ServerTlsCache {
public:
    std::shared_ptr<const TlsContext> get(const std::shared_ptr<const config::Config>& config) {
        std::lock_guard lock(m_mutex);
        if (config != m_config) {
            m_context = TlsContext::for_server(*config->oftp, config->partners);
            m_config = config;
        }
        return m_context;
    }

private:
    std::mutex m_mutex;
    std::shared_ptr<const config::Config> m_config;
    std::shared_ptr<const TlsContext> m_context;
};

struct Station {
    explicit Station(Server& owner) : server(owner) {}
    Server& server;
    ActivePartners active_partners;
    ServerTlsCache tls;
    std::shared_ptr<OftpCaller> caller;
};

void accept(const std::shared_ptr<Station>& station, net::ip::tcp::socket socket, bool tls) {
    auto config = station->server.config();
    const auto conn_id = station->server.sessions().next_connection_id();
    const char* proto = tls ? "oftps" : "oftp";
    if (!config->oftp) return;  // the section went away in a reload
    OftpConnectionSetup setup;
    std::shared_ptr<OftpStream> stream;
    try {
        if (tls) {
            setup.tls = station->tls.get(config);
            stream = OftpStream::tls_server(std::move(socket), setup.tls);
        } else {
            stream = OftpStream::plain(std::move(socket));
        }
    } catch (const std::exception& e) {
        log::error("oftp.connection.failed").conn(conn_id).proto(proto).field("error", e.what());
        return;
    }
    setup.config = config;
    setup.disk_pool = &station->server.disk_pool();
    setup.active_partners = &station->active_partners;
    setup.hooks = std::make_shared<HookRunner>(config);
    setup.conn_id = conn_id;
    setup.proto = proto;
    auto registration = std::make_shared<std::unique_ptr<SessionRegistry::Registration>>();
    setup.on_finished = [registration](const OftpConnectionResult&) { registration->reset(); };
    auto connection = OftpConnection::create(stream, std::move(setup));
    std::weak_ptr<OftpConnection> weak = connection;
    *registration = station->server.sessions().add({
        .request_stop = [weak] { if (auto c = weak.lock()) c->request_stop(); },
        .close = [weak] { if (auto c = weak.lock()) c->close_now(); },
        .rekey = nullptr,
    });
    log::info("oftp.connection.accepted").conn(conn_id).proto(proto).remote(stream->remote());
    connection->start();
}

}  // namespace

void add_oftp_station(Server& server) {
    auto station = std::make_shared<Station>(server);
    const std::vector<Service> services{
        Service{"oftp",
                [](const config::Config& config) {
                    return config.oftp ? config.oftp->listen : std::vector<config::ListenAddress>{};
                },
                [station](net::ip::tcp::socket socket) { accept(station, std::move(socket), false); }},
        Service{"oftps",
                [](const config::Config& config) {
                    return config.oftp ? config.oftp->tls_listen : std::vector<config::ListenAddress>{};
                },
                [station](net::ip::tcp::socket socket) { accept(station, std::move(socket), true); }},
    };
    for (const auto& service : services) server.add_service(service);
    server.add_background_task([station] {
        station->caller = std::make_shared<OftpCaller>(station->server, station->active_partners);
        station->caller->start();
    });
}

}  // namespace wharf::daemon
