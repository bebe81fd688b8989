#include "daemon/sftp/sftp_handler.hpp"

#include "daemon/files/user_files.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/server/server.hpp"
#include "daemon/sftp/sftp_filesystem.hpp"
#include "protocols/sftp/server_engine.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace wharf::daemon {

namespace {

sftp::ServerConfig engine_config(const config::SftpSettings& settings) {
    sftp::ServerConfig config;
    config.max_version = settings.max_version;
    config.max_outstanding = settings.max_outstanding_requests;
    config.max_handles = settings.max_open_handles;
    config.max_read_length = static_cast<std::uint32_t>(settings.max_read_length);
    config.readdir_batch = settings.readdir_batch;
    config.newline = settings.newline;
    config.product_version = WHARF_VERSION;
    config.count_until_delivered = true;  // replies waiting for the channel window count too
    config.now = [] {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    return config;
}

// Shapes of the channel: bytes in go to the engine while it wants them (the SSH window
// stays closed otherwise, so a client cannot queue unbounded requests); replies go out as
// the peer's window allows, and while some wait, the engine takes no more requests.
class SftpHandler final : public ChannelHandler {
public:
    SftpHandler(ChannelContext& channel, std::shared_ptr<const UserFiles> files)
        : m_channel(channel),
          m_files(files),
          m_fs(files, [this, alive = std::weak_ptr<int>(m_alive)] {
              if (!alive.expired()) pump();
          }),
          m_engine(m_fs, engine_config(files->config->sftp)),
          m_started(std::chrono::steady_clock::now()) {}

    ~SftpHandler() override { m_alive.reset(); }

    void on_start() override {
        log::info("sftp.session.start").conn(m_files->session.connection_id).user(m_files->session.user);
    }

    void on_data(ByteSpan data) override {
        m_engine.receive(data);
        m_unconsumed += data.size();
        pump();
    }

    void on_eof() override {
        m_eof = true;
        pump();
    }

    void on_writable() override { pump(); }

    void on_close() override {
        if (!m_finished) log_end("closed");
        m_finished = true;
    }

private:
    void pump() {
        if (m_finished) return;
        while (flush_pending() && m_engine.has_output()) {
            m_pending = std::move(*m_engine.take_output(std::move(m_pending)));  // sent buffer reused
            m_sent = 0;
        }
        // Open the window for what the engine has taken in, once it wants more.
        if (m_unconsumed > 0 && m_engine.wants_input()) {
            m_channel.consume(m_unconsumed);
            m_unconsumed = 0;
        }
        if (m_engine.failed()) {
            finish(1, *m_engine.failure());
        } else if (m_eof && m_engine.outstanding() == 0 && m_sent == m_pending.size() && !m_engine.has_output()) {
            finish(0, "ok");
        }
    }

    // Writes what waits; true once nothing does.
    bool flush_pending() {
        if (m_sent < m_pending.size()) {
            const std::size_t taken = m_channel.write(ByteSpan(m_pending).subspan(m_sent));
            m_sent += taken;
            if (taken > 0) m_engine.output_delivered(taken);
        }
        return m_sent == m_pending.size();
    }

    void finish(std::uint32_t status, const std::string& reason) {
        m_finished = true;
        log_end(reason);
        m_channel.exit(status);
    }

    void log_end(const std::string& reason) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_started);
        log::Event(reason == "ok" || reason == "closed" ? log::Level::info : log::Level::warn, "sftp.session.end")
            .conn(m_files->session.connection_id).user(m_files->session.user)
            .field("version", static_cast<std::uint64_t>(m_engine.version().value_or(0)))
            .ms(static_cast<std::int64_t>(ms.count())).status(reason);
    }

    ChannelContext& m_channel;
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
    std::shared_ptr<const UserFiles> m_files;
    SftpFilesystem m_fs;  // before the engine, which uses it
    sftp::ServerEngine m_engine;
    ssh::Bytes m_pending;  // taken from the engine, not yet accepted by the channel from m_sent on
    std::size_t m_sent = 0;
    std::size_t m_unconsumed = 0;
    bool m_eof = false;
    bool m_finished = false;
    std::chrono::steady_clock::time_point m_started;
};

}  // namespace

ChannelHandlerFactory make_sftp_factory(Server& server) {
    return [&server](ChannelContext& channel, const ChannelSessionInfo& session,
                     const std::string&) -> std::unique_ptr<ChannelHandler> {
        auto files = open_user_files(server, session);
        if (!files) return nullptr;
        return std::make_unique<SftpHandler>(channel, std::move(files));
    };
}

}  // namespace wharf::daemon
