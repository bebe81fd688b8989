#include "daemon/cli/sftp_session.hpp"

#include <stdexcept>
#include <string>

namespace wharf::cli {

SftpSession::SftpSession(SshClient& ssh, sftp::ClientConfig config)
    : m_ssh(ssh), m_channel(ssh.start_subsystem("sftp")), m_engine(config) {
    run_until([this] { return m_engine.ready() || m_engine.failed(); });
    if (m_engine.failed()) throw std::runtime_error("sftp handshake: " + *m_engine.failure());
}

void SftpSession::run_until(const std::function<bool()>& done) {
    while (true) {
        send_output();
        if (done()) return;
        if (m_engine.failed()) throw std::runtime_error("sftp: " + *m_engine.failure());
        auto data = m_ssh.channel_read(m_channel, std::move(m_received));
        if (!data) {
            m_engine.receive_eof();
            if (done()) return;
            throw std::runtime_error("sftp: the server closed the channel" +
                                     (m_engine.failure() ? ": " + *m_engine.failure() : std::string()));
        }
        m_engine.receive(ssh::ByteView(*data));
        m_received = std::move(*data);
    }
}

void SftpSession::send_output() {
    while (m_engine.has_output()) {
        auto bytes = *m_engine.take_output(std::move(m_sent));
        m_ssh.channel_write(m_channel, ssh::ByteView(bytes));
        m_sent = std::move(bytes);
    }
}

}  // namespace wharf::cli
