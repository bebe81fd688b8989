#include "daemon/scp/scp_handler.hpp"

#include "daemon/logging/log.hpp"

#include <variant>

namespace wharf::daemon {

namespace {

config::HookEvent hook_event_of(scp::Direction direction) {
    return direction == scp::Direction::sink ? config::HookEvent::upload : config::HookEvent::download;
}

}  // namespace

ScpHandler::ScpHandler(ChannelContext& context, std::shared_ptr<const UserFiles> files, const scp::Command& command)
    : m_context(context),
      m_files(std::move(files)),
      m_direction(command.direction),
      m_fs(m_files),
      m_engine(scp::Engine::create(command, m_fs)) {
    m_engine->set_wake([this] { drive(); });
}

ScpHandler::~ScpHandler() { end_session("closed", false); }

void ScpHandler::on_start() {
    log::info("scp.session.start").conn(m_files->session.connection_id).proto("scp").user(m_files->session.user)
        .field("mode", m_direction == scp::Direction::sink ? "upload" : "download");
    m_engine->start();
    drive();
}

void ScpHandler::on_data(ByteSpan data) {
    if (m_exited || !m_engine) return;  // the channel is closing: nobody reads any more
    m_engine->receive(data);
    drive();
}

void ScpHandler::on_eof() {
    if (m_exited || !m_engine) return;
    m_engine->receive_eof();
    drive();
}

void ScpHandler::on_writable() { drive(); }

void ScpHandler::on_close() { end_session("closed", false); }

// Moves everything the engine produced to the channel, as far as the peer's window allows
// (on_writable() brings us back), and exits once the engine is done and its output is sent.
void ScpHandler::drive() {
    if (m_driving || m_exited || !m_engine) return;
    m_driving = true;
    for (;;) {
        if (const auto handled = m_engine->take_consumed(); handled > 0) m_context.consume(handled);
        while (auto event = m_engine->next_event()) {
            std::visit([this](const auto& e) { on_event(e); }, *event);
        }
        const auto pending = m_engine->pending_output();
        if (pending.empty()) break;
        const auto written = m_context.write(pending);
        if (written == 0) break;
        m_engine->consume_output(written);
    }
    m_driving = false;
    if (m_engine->finished() && m_engine->pending_output().empty()) end_session("done", true);
}

void ScpHandler::on_event(const scp::TransferStarted& started) {
    m_transfer = Transfer{started.direction, m_fs.normalized(started.path), Clock::now()};
}

void ScpHandler::on_event(const scp::TransferFinished& finished) {
    const Transfer transfer = m_transfer.value_or(Transfer{finished.direction, m_fs.normalized(finished.path), Clock::now()});
    m_transfer.reset();
    std::string status = "ok";
    if (!finished.ok) status = finished.error_code ? std::string(scp_error_name(*finished.error_code)) : "aborted";
    report(transfer, finished.bytes, status, finished.error);
}

void ScpHandler::report(const Transfer& transfer, std::uint64_t bytes, const std::string& status,
                        const std::string& error) {
    const bool ok = status == "ok";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - transfer.started).count();
    log::Event line(ok ? log::Level::info : log::Level::warn,
                    transfer.direction == scp::Direction::sink ? "scp.upload.done" : "scp.download.done");
    line.conn(m_files->session.connection_id).proto("scp").user(m_files->session.user).path(transfer.path)
        .bytes(bytes).ms(static_cast<std::int64_t>(ms)).status(status);
    if (!ok) line.field("error", error);

    const auto event = hook_event_of(transfer.direction);
    if (m_files->hooks && m_files->hooks->has_post(event)) {
        HookContext context = m_files->hook_context(event, "scp", transfer.path);
        context.bytes = bytes;
        context.status = status;
        m_files->hooks->run_post(std::move(context));
    }
}

// Once: after the engine finished (exit with its status) or when the channel went first (a
// transfer in flight is logged as aborted; the engine's destruction discards its upload).
void ScpHandler::end_session(const char* reason, bool channel_open) {
    if (m_exited) return;
    m_exited = true;
    const bool completed = m_engine && m_engine->finished();
    if (!completed && m_transfer) {
        report(*m_transfer, 0, "aborted", "the channel closed during the transfer");
        m_transfer.reset();
    }
    const std::uint32_t status = completed ? m_engine->exit_status() : 1;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started).count();
    log::Event(status == 0 ? log::Level::info : log::Level::warn, "scp.session.end")
        .conn(m_files->session.connection_id).proto("scp").user(m_files->session.user)
        .field("mode", m_direction == scp::Direction::sink ? "upload" : "download")
        .field("reason", reason).field("exit_status", status).ms(static_cast<std::int64_t>(ms));
    if (completed && channel_open) m_context.exit(status);
    m_engine.reset();
}

}  // namespace wharf::daemon
