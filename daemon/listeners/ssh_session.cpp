// One SSH connection: the socket, a timer and an ssh::Engine, in Beast's do_x/on_x shape.
// Everything runs on the connection's worker io_context; password hashing goes to the disk
// pool and comes back here.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <botan/auto_rng.h>

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "daemon/auth/password_hash.hpp"
#include "daemon/hooks/hook_runner.hpp"
#include "daemon/listeners/ssh_service.hpp"
#include "daemon/listeners/startup_limiter.hpp"
#include "daemon/server/free_memory.hpp"
#include "daemon/logging/log.hpp"
#include "protocols/ssh/engine.hpp"
#include "protocols/ssh/moduli.hpp"

namespace wharf::daemon {

namespace {

using tcp = net::ip::tcp;

// Output waiting for a slow peer beyond which we stop reading its input.
constexpr std::size_t max_output_backlog = 4 * 1024 * 1024;

std::string remote_of(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "?";
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    }
    return address.to_string();
}

ssh::EngineConfig engine_config(const config::Config& config, const std::vector<ssh::PrivateKey>& host_keys,
                                const ssh::ModuliFile* moduli) {
    ssh::EngineConfig engine;
    engine.role = ssh::Role::server;
    engine.version = "SSH-2.0-wharf_" WHARF_VERSION;
    engine.host_keys = host_keys;
    engine.moduli = moduli;
    if (!config.ssh) return engine;
    const auto& settings = *config.ssh;
    if (!settings.server_version.empty()) engine.version = "SSH-2.0-" + settings.server_version;
    engine.server_auth.banner = settings.banner;
    engine.server_auth.max_attempts = settings.max_auth_tries;
    engine.server_auth.failure_delay = settings.auth_failure_delay;
    engine.accepted_versions = settings.accepted_client_versions;
    const auto choose = [](std::vector<std::string>& target, const std::vector<std::string>& configured) {
        if (!configured.empty()) target = configured;
    };
    choose(engine.algorithms.kex, settings.kex_algorithms);
    choose(engine.algorithms.host_keys, settings.host_key_algorithms);
    choose(engine.algorithms.ciphers, settings.ciphers);
    choose(engine.algorithms.macs, settings.macs);
    choose(engine.algorithms.compression, settings.compression);
    engine.strict_kex = static_cast<ssh::StrictKexMode>(settings.strict_kex);
    engine.rekey_bytes = settings.rekey_limit;
    engine.rekey_interval = settings.rekey_interval;
    engine.login_grace_time = settings.login_grace_time;
    engine.keepalive_interval = settings.keepalive_interval;
    engine.keepalive_count_max = settings.keepalive_count_max;
    engine.idle_timeout = settings.idle_timeout;
    return engine;
}

std::string_view method_name(ssh::AuthRequest::Method method) {
    switch (method) {
        case ssh::AuthRequest::Method::none: return "none";
        case ssh::AuthRequest::Method::password: return "password";
        case ssh::AuthRequest::Method::publickey: return "publickey";
        case ssh::AuthRequest::Method::keyboard_interactive: return "keyboard-interactive";
    }
    return "?";
}

class SshSession : public std::enable_shared_from_this<SshSession> {
public:
    SshSession(tcp::socket socket, Server& server, std::shared_ptr<const ChannelHandlers> handlers,
               auth::SessionCounter& counter, StartupLimiter& startups, std::shared_ptr<const ssh::ModuliFile> moduli)
        : m_socket(std::move(socket)),
          m_timer(m_socket.get_executor()),
          m_server(server),
          m_handlers(std::move(handlers)),
          m_config(server.config()),
          m_id(server.sessions().next_connection_id()),
          m_remote(remote_of(m_socket)),
          m_auth(m_config, m_remote, counter),
          m_startups(startups),
          m_moduli(std::move(moduli)),
          m_started(ssh::Clock::now()) {}

    void run() {
        if (!m_config->ssh || !m_startups.admit(m_remote, *m_config->ssh)) {
            // MaxStartups: dropped before any byte is sent, as OpenSSH does.
            log::warn("ssh.connect.dropped").conn(m_id).proto("ssh").remote(m_remote)
                .field("unauthenticated", static_cast<std::uint64_t>(m_startups.unauthenticated()));
            return close_socket();
        }
        m_counted_as_startup = true;
        auto weak = weak_from_this();
        auto executor = m_socket.get_executor();
        m_registration = m_server.sessions().add(SessionControl{
            [weak, executor] { net::post(executor, [weak] { if (auto self = weak.lock()) self->stop_politely(); }); },
            [weak, executor] { net::post(executor, [weak] { if (auto self = weak.lock()) self->stop_now(); }); },
            [weak, executor] { net::post(executor, [weak] { if (auto self = weak.lock()) self->rekey_now(); }); },
        });
        try {
            const auto keys = m_server.host_keys();
            m_engine = std::make_unique<ssh::Engine>(engine_config(*m_config, *keys, m_moduli.get()), m_rng,
                                                     ssh::Clock::now());
        } catch (const std::exception& e) {
            log::error("ssh.session.failed").conn(m_id).remote(m_remote).field("error", e.what());
            return close_socket();
        }
        after_engine_work();
        do_read();
    }

private:
    class Context final : public ChannelContext {
    public:
        Context(SshSession& session, std::uint32_t channel) : m_session(session), m_channel(channel) {}
        std::size_t write(ByteSpan data, bool to_stderr) override {
            const auto taken = m_session.m_engine->send_data(m_channel, data, to_stderr);
            m_session.flush();
            return taken;
        }
        void consume(std::size_t n) override {
            m_session.m_engine->consume(m_channel, n);
            m_session.flush();
        }
        void exit(std::uint32_t status) override {
            m_session.m_engine->send_exit_status(m_channel, status);
            m_session.m_engine->send_eof(m_channel);
            m_session.m_engine->close_channel(m_channel);
            m_session.flush();
        }

    private:
        SshSession& m_session;
        std::uint32_t m_channel;
    };

    struct Channel {
        std::unique_ptr<Context> context;
        std::unique_ptr<ChannelHandler> handler;
    };

    // ---- reading -------------------------------------------------------------------------
    // Reading pauses while a peer that does not read lets our replies pile up (sftp-server's
    // rule: take input only while the output can hold more), and resumes as writes drain.
    void do_read() {
        if (m_reading || m_engine->closed() || m_engine->output_size() > max_output_backlog) return;
        m_reading = true;
        m_socket.async_read_some(net::buffer(m_buffer), [self = shared_from_this()](auto ec, std::size_t n) {
            self->on_read(ec, n);
        });
    }

    void on_read(const boost::system::error_code& ec, std::size_t n) {
        m_reading = false;
        if (ec) {
            if (!m_engine->closed()) m_engine->receive_eof(ssh::Clock::now());
        } else {
            m_engine->receive(ssh::ByteView(m_buffer.data(), n), ssh::Clock::now());
        }
        after_engine_work();
        if (!ec) do_read();
    }

    // ---- writing -------------------------------------------------------------------------
    void flush() {
        if (m_writing || !m_socket.is_open()) return;
        if (m_engine->output_size() == 0) {
            if (m_engine->closed()) finish();
            return;
        }
        // The engine goes on producing while this write is in flight, so the bytes being
        // written are handed over (not copied) into our own buffer.
        m_writing = true;
        m_write_buffer = m_engine->take_output(std::move(m_write_buffer));
        net::async_write(m_socket, net::buffer(m_write_buffer),
                         [self = shared_from_this()](auto ec, std::size_t n) { self->on_write(ec, n); });
    }

    void on_write(const boost::system::error_code& ec, std::size_t) {
        m_writing = false;
        if (ec) {
            if (!m_engine->closed()) m_engine->receive_eof(ssh::Clock::now());
            drain_events();
            return finish();
        }
        after_engine_work();
        do_read();
    }

    // ---- time ----------------------------------------------------------------------------
    void arm_timer() {
        const auto deadline = m_engine->next_deadline();
        if (!deadline) {
            m_timer.cancel();
            return;
        }
        m_timer.expires_at(*deadline);
        m_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return;
            self->m_engine->on_timeout(ssh::Clock::now());
            self->after_engine_work();
        });
    }

    // After anything that may have produced events or output.
    void after_engine_work() {
        drain_events();
        flush();
        if (!m_engine->closed()) arm_timer();
    }

    // ---- events --------------------------------------------------------------------------
    void drain_events() {
        while (auto event = m_engine->next_event()) std::visit([this](auto& e) { on_event(e); }, *event);
    }

    void on_event(ssh::VersionReceived& e) {
        log::info("ssh.connect").conn(m_id).proto("ssh").remote(m_remote).field("client_version", e.peer_version);
    }
    void on_event(ssh::KexCompleted& e) {
        const auto& a = e.algorithms;
        log::info("ssh.kex").conn(m_id).proto("ssh").remote(m_remote).field("initial", e.initial)
            .field("kex", a.kex).field("host_key", a.host_key).field("cipher_in", a.cipher_client_to_server)
            .field("cipher_out", a.cipher_server_to_client).field("mac_in", a.mac_client_to_server)
            .field("mac_out", a.mac_server_to_client).field("compression_in", a.compression_client_to_server)
            .field("compression_out", a.compression_server_to_client).field("strict_kex", m_engine->strict_kex());
    }
    void on_event(ssh::AuthRequest& e) { decide(std::move(e)); }
    void on_event(ssh::AuthSucceeded& e) {
        m_user = e.user;
        release_startup();
        log::info("ssh.auth.ok").conn(m_id).proto("ssh").remote(m_remote).user(e.user).field("method", e.methods);
        m_logged_in = true;
        m_hooks.run_post(session_hook_context(config::HookEvent::login, e.user, "ok"));
    }
    void on_event(ssh::AuthFailed& e) {
        log::warn("ssh.auth.fail").conn(m_id).proto("ssh").remote(m_remote).user(e.user).field("method", e.method)
            .field("reason", e.reason).field("partial", e.partial_success);
    }
    void on_event(ssh::ChannelOpened& e) {
        log::debug("ssh.channel.open").conn(m_id).user(m_user).field("channel", e.channel);
    }
    void on_event(ssh::ChannelRequested& e) { start_handler(e); }
    void on_event(ssh::ChannelDataReceived& e) {
        if (auto* channel = find(e.channel)) {
            channel->handler->on_data(e.data);
        } else {
            m_engine->consume(e.channel, e.data.size());  // nothing runs there: drop, keep the window open
        }
    }
    void on_event(ssh::ChannelEofReceived& e) {
        if (auto* channel = find(e.channel)) channel->handler->on_eof();
    }
    void on_event(ssh::ChannelWritable& e) {
        if (auto* channel = find(e.channel)) channel->handler->on_writable();
    }
    void on_event(ssh::ChannelClosed& e) {
        if (auto it = m_channels.find(e.channel); it != m_channels.end()) {
            it->second.handler->on_close();
            m_channels.erase(it);
        }
        if (m_stopping && m_channels.empty()) m_engine->disconnect(ssh::DisconnectReason::by_application, "server shutting down");
    }
    void on_event(ssh::Disconnected& e) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ssh::Clock::now() - m_started).count();
        log::info("ssh.disconnect").conn(m_id).proto("ssh").remote(m_remote).user(m_user)
            .field("reason", ssh::to_string(e.reason)).field("description", e.description).field("by_peer", e.by_peer)
            .field("bytes_in", m_engine->bytes_in().bytes).field("bytes_out", m_engine->bytes_out().bytes).ms(ms);
        for (auto& [id, channel] : m_channels) channel.handler->on_close();
        m_channels.clear();
        if (std::exchange(m_logged_in, false)) {
            // A DISCONNECT by_application is how clients (and our shutdown) end a session normally.
            const bool normal = e.reason == ssh::DisconnectReason::by_application;
            m_hooks.run_post(session_hook_context(config::HookEvent::logout, m_user,
                                                  normal ? "ok" : std::string(ssh::to_string(e.reason))));
        }
    }
    // Client-role events never reach a server session.
    template <class Other>
    void on_event(Other&) {}

    Channel* find(std::uint32_t channel) {
        const auto it = m_channels.find(channel);
        return it == m_channels.end() ? nullptr : &it->second;
    }

    void start_handler(const ssh::ChannelRequested& request) {
        ChannelHandlerFactory factory;
        if (request.type == "subsystem") {
            if (const auto it = m_handlers->subsystems.find(request.name); it != m_handlers->subsystems.end()) {
                factory = it->second;
            }
        } else if (request.type == "exec") {
            factory = m_handlers->exec;
        }
        auto context = std::make_unique<Context>(*this, request.channel);
        std::unique_ptr<ChannelHandler> handler;
        if (factory && !m_stopping) handler = factory(*context, ChannelSessionInfo{m_id, m_user, m_remote, m_socket.get_executor()}, request.name);
        log::info("ssh.channel.request").conn(m_id).user(m_user).field("type", request.type)
            .field("name", request.name).status(handler ? "accepted" : "refused");
        m_engine->reply_channel_request(request.channel, handler != nullptr);
        if (!handler) return;
        auto& channel = m_channels[request.channel] = Channel{std::move(context), std::move(handler)};
        channel.handler->on_start();
    }

    // ---- authentication ------------------------------------------------------------------
    void decide(ssh::AuthRequest request) {
        auto hash = m_auth.password_hash_to_check(request);
        if (!hash) {
            answer(request, m_auth.decide(request, false));
            return;
        }
        std::string password = request.method == ssh::AuthRequest::Method::password ? request.password
                                                                                     : request.responses.front();
        // argon2id takes ~150 ms: verify on the disk pool, answer back on this connection's thread.
        m_server.disk_pool().submit(
            m_socket.get_executor(),
            [stored = std::move(*hash), password = std::move(password)]() mutable {
                bool matches = false;
                if (stored.empty()) {
                    auth::verify_dummy(password);  // same cost for users without a password
                } else {
                    matches = auth::verify_password(stored, password);
                }
                std::fill(password.begin(), password.end(), '\0');
                return matches;
            },
            [self = shared_from_this(), request = std::move(request)](bool matches) mutable {
                if (self->m_engine->closed()) return;
                auto decision = self->m_auth.decide(request, matches);
                std::fill(request.password.begin(), request.password.end(), '\0');
                self->answer(request, std::move(decision));
                self->after_engine_work();
            });
        log::debug("ssh.auth.verify").conn(m_id).user(request.user).field("method", method_name(request.method));
    }

    // The `login` pre hook has the last word on an authentication that would complete the
    // login; the engine holds the request (queueing any others) until it answers. A refusal
    // ends the connection with the hook's message rather than inviting another attempt.
    void answer(const ssh::AuthRequest& request, ssh::AuthDecision decision) {
        const bool completes_login = decision.outcome == ssh::AuthDecision::Outcome::accept &&
                                     !(request.method == ssh::AuthRequest::Method::publickey && !request.has_signature);
        if (!completes_login || !m_hooks.has_pre(config::HookEvent::login)) {
            m_engine->auth_decision(request.id, std::move(decision), ssh::Clock::now());
            return;
        }
        m_hooks.run_pre(session_hook_context(config::HookEvent::login, request.user, {}), m_socket.get_executor(),
                        [self = shared_from_this(), id = request.id, user = request.user,
                         decision = std::move(decision)](HookVerdict verdict) mutable {
                            self->on_login_verdict(id, user, std::move(decision), verdict);
                        });
    }

    void on_login_verdict(std::uint64_t request_id, const std::string& user, ssh::AuthDecision decision,
                          const HookVerdict& verdict) {
        if (m_engine->closed()) return;
        if (verdict.allowed) {
            m_engine->auth_decision(request_id, std::move(decision), ssh::Clock::now());
        } else {
            log::warn("ssh.login.denied").conn(m_id).proto("ssh").remote(m_remote).user(user)
                .field("message", verdict.message);
            m_engine->disconnect(ssh::DisconnectReason::no_more_auth_methods_available, verdict.message);
        }
        after_engine_work();
    }

    HookContext session_hook_context(config::HookEvent event, const std::string& user, std::string status) const {
        HookContext context;
        context.event = event;
        context.protocol = "ssh";
        context.user = user;
        context.remote = m_remote;
        context.status = std::move(status);
        return context;
    }

    void rekey_now() {
        if (!m_engine || m_engine->closed()) return;
        m_engine->request_rekey(ssh::Clock::now());
        after_engine_work();
    }

    // ---- ending --------------------------------------------------------------------------
    void stop_politely() {
        m_stopping = true;
        if (m_channels.empty()) m_engine->disconnect(ssh::DisconnectReason::by_application, "server shutting down");
        after_engine_work();
    }

    void stop_now() {
        if (!m_engine->closed()) m_engine->disconnect(ssh::DisconnectReason::by_application, "server shutting down");
        drain_events();
        close_socket();
    }

    void finish() {
        if (m_finished) return;
        m_finished = true;
        close_socket();
        return_free_memory();
    }

    void release_startup() {
        if (!m_counted_as_startup) return;
        m_counted_as_startup = false;
        m_startups.release(m_remote);
    }

    void close_socket() {
        release_startup();
        boost::system::error_code ignored;
        m_timer.cancel();
        m_socket.shutdown(tcp::socket::shutdown_both, ignored);
        m_socket.close(ignored);
        m_registration.reset();
    }

    tcp::socket m_socket;
    net::steady_timer m_timer;
    Server& m_server;
    std::shared_ptr<const ChannelHandlers> m_handlers;
    std::shared_ptr<const config::Config> m_config;  ///< the snapshot this connection lives with
    HookRunner m_hooks{m_config};                     ///< login/logout hooks of that snapshot
    std::uint64_t m_id;
    std::string m_remote;
    auth::UserAuthenticator m_auth;
    StartupLimiter& m_startups;
    std::shared_ptr<const ssh::ModuliFile> m_moduli;  ///< outlives the engine that points at it
    bool m_counted_as_startup = false;
    ssh::TimePoint m_started;
    Botan::AutoSeeded_RNG m_rng;
    std::unique_ptr<ssh::Engine> m_engine;
    std::unique_ptr<SessionRegistry::Registration> m_registration;
    std::map<std::uint32_t, Channel> m_channels;
    std::array<std::uint8_t, 64 * 1024> m_buffer{};
    std::vector<std::uint8_t> m_write_buffer;
    std::string m_user;
    bool m_writing = false;
    bool m_reading = false;
    bool m_stopping = false;
    bool m_finished = false;
    bool m_logged_in = false;  ///< authenticated and let in by the login hook: logout is due
};

// Read once at start-up, off any event loop; the built-in RFC 3526 groups stand in when the
// file is missing or has no usable group.
std::shared_ptr<const ssh::ModuliFile> load_moduli(const config::Config& config) {
    const auto path = config.ssh ? config.ssh->moduli_file : std::filesystem::path("/etc/ssh/moduli");
    std::ifstream in(path);
    if (!in) {
        log::info("ssh.moduli").path(path.string()).status("missing; using built-in groups");
        return nullptr;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto moduli = std::make_shared<const ssh::ModuliFile>(ssh::ModuliFile::parse(text.str()));
    log::info("ssh.moduli").path(path.string()).field("groups", static_cast<std::uint64_t>(moduli->groups().size()))
        .field("skipped_lines", static_cast<std::uint64_t>(moduli->skipped_lines()));
    return moduli;
}

}  // namespace

Service make_ssh_service(Server& server, std::shared_ptr<const ChannelHandlers> handlers) {
    auto counter = std::make_shared<auth::SessionCounter>();
    auto startups = std::make_shared<StartupLimiter>();
    auto moduli = load_moduli(*server.config());
    return Service{
        "ssh",
        [](const config::Config& config) { return config.ssh ? config.ssh->listen : std::vector<config::ListenAddress>{}; },
        [&server, handlers = std::move(handlers), counter, startups, moduli](net::ip::tcp::socket socket) {
            std::make_shared<SshSession>(std::move(socket), server, handlers, *counter, *startups, moduli)->run();
        },
    };
}

}  // namespace wharf::daemon
