#include "daemon/scp/exec_handler.hpp"

#include "daemon/files/user_files.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/scp/scp_handler.hpp"
#include "protocols/scp/command.hpp"

#include <string>
#include <utility>
#include <variant>

namespace wharf::daemon {

namespace {

// Log lines carry at most this much of a command the client chose.
constexpr std::size_t kLoggedCommandLength = 256;

// Answers an exec request we do not run: a message on stderr, then exit status 1 (what a shell
// says for a command it cannot run, so scripts see a failure and a reason).
class RefusedExecHandler final : public ChannelHandler {
public:
    RefusedExecHandler(ChannelContext& context, std::string message)
        : m_context(context), m_message(std::move(message)) {}

    void on_start() override { flush(); }
    void on_data(ByteSpan data) override {
        if (!m_exited) m_context.consume(data.size());  // read and ignored
    }
    void on_eof() override {}
    void on_writable() override { flush(); }

private:
    void flush() {
        if (m_exited) return;
        const auto rest = std::string_view(m_message).substr(m_sent);
        m_sent += m_context.write(ByteSpan(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size()), true);
        if (m_sent < m_message.size()) return;
        m_exited = true;
        m_context.exit(1);
    }

    ChannelContext& m_context;
    const std::string m_message;
    std::size_t m_sent = 0;
    bool m_exited = false;
};

std::unique_ptr<ChannelHandler> refuse(ChannelContext& context, const ChannelSessionInfo& session,
                                       const std::string& command, std::string_view reason, std::string message) {
    log::warn("ssh.exec.refused").conn(session.connection_id).user(session.user).remote(session.remote)
        .field("command", std::string_view(command).substr(0, kLoggedCommandLength)).field("reason", reason);
    return std::make_unique<RefusedExecHandler>(context, std::move(message));
}

}  // namespace

ChannelHandlerFactory make_exec_factory(Server& server) {
    return [&server](ChannelContext& context, const ChannelSessionInfo& session,
                     const std::string& command_line) -> std::unique_ptr<ChannelHandler> {
        auto parsed = scp::parse_command(command_line);
        if (const auto* error = std::get_if<scp::CommandError>(&parsed)) {
            if (error->kind == scp::CommandError::Kind::not_scp) {
                return refuse(context, session, command_line, "not scp",
                              "wharf: only scp is available on this server\n");
            }
            return refuse(context, session, command_line, error->message, "scp: " + error->message + "\n");
        }
        auto files = open_user_files(server, session);
        if (!files) {
            return refuse(context, session, command_line, "files unavailable",
                          "wharf: your files are not available right now\n");
        }
        return std::make_unique<ScpHandler>(context, std::move(files), std::get<scp::Command>(parsed));
    };
}

}  // namespace wharf::daemon
