// wharfd as OFTP initiator: every partner with `connect` is called when its outbox holds files
// or end-to-end responses wait for it (and every `interval`, when set), with retries after
// failed calls backing off from retry.initial, doubling up to retry.max. Each attempt is
// logged (oftp.call.start / .end / .failed / .given_up).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "daemon/oftp/oftp_connection.hpp"
#include "daemon/server/server.hpp"

namespace wharf::daemon {

class OftpCaller : public std::enable_shared_from_this<OftpCaller> {
public:
    /// How often partners are checked for pending work.
    static constexpr std::chrono::seconds poll_interval{2};

    OftpCaller(Server& server, ActivePartners& active_partners);

    /// Starts polling on one worker's context. Shutdown (the session registry's stop) ends it.
    void start();

private:
    using Clock = std::chrono::steady_clock;
    struct PartnerState {
        unsigned failures = 0;            // failed calls in a row
        Clock::time_point next_attempt{};  // not before (back-off)
        Clock::time_point last_call{};     // for connect.interval
        bool in_call = false;
        bool checking = false;
        bool given_up = false;  // max_attempts reached: until the configuration is reloaded
    };

    void schedule();
    void on_tick();
    void consider(const std::shared_ptr<const config::Config>& config, const config::Partner& partner);
    void call(std::shared_ptr<const config::Config> config, const config::Partner& partner);
    void on_connected(std::shared_ptr<const config::Config> config, const config::Partner& partner,
                      net::ip::tcp::socket socket);
    void call_failed(const config::Partner& partner, const std::string& why);
    void call_ended(const config::Partner& partner, const OftpConnectionResult& result);

    Server& m_server;
    ActivePartners& m_active;
    net::io_context* m_io = nullptr;
    std::unique_ptr<net::steady_timer> m_timer;
    std::unique_ptr<SessionRegistry::Registration> m_registration;
    std::shared_ptr<const config::Config> m_config_seen;
    std::map<std::string, PartnerState> m_partners;
    bool m_stopped = false;
};

}  // namespace wharf::daemon
