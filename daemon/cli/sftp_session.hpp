// A blocking SFTP session for the `wharf` tool: the sans-I/O sftp::ClientEngine driven over an
// "sftp" subsystem channel of a connected cli::SshClient. One request (or one transfer) at a
// time from the caller's point of view; the engine pipelines underneath.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "daemon/cli/ssh_client.hpp"
#include "protocols/sftp/client_engine.hpp"

namespace wharf::cli {

class SftpSession {
public:
    /// Starts the "sftp" subsystem on `ssh` (connected) and waits for VERSION. Throws
    /// std::runtime_error if the subsystem is refused or the handshake fails.
    SftpSession(SshClient& ssh, sftp::ClientConfig config);

    sftp::ClientEngine& engine() noexcept { return m_engine; }

    /// Moves bytes until `done()` holds. Throws std::runtime_error if the channel ends first.
    /// A failed engine completes its requests with CONNECTION_LOST, so `done()` usually holds
    /// then and the caller sees the reason in the result.
    void run_until(const std::function<bool()>& done);

    /// Issues one request through `issue(callback)` and waits for its result.
    template <class T, class Issue>
    sftp::ClientResult<T> call(Issue issue) {
        std::optional<sftp::ClientResult<T>> result;
        issue([&result](sftp::ClientResult<T> r) { result.emplace(std::move(r)); });
        run_until([&result] { return result.has_value(); });
        return std::move(*result);
    }

private:
    void send_output();

    SshClient& m_ssh;
    std::uint32_t m_channel;
    sftp::ClientEngine m_engine;
    // The buffers of the last requests sent and the last replies handled, handed back for the
    // next ones: a transfer then moves gigabytes through the same few buffers instead of
    // growing (and faulting in) fresh ones for every batch.
    ssh::Bytes m_sent;
    ssh::Bytes m_received;
};

}  // namespace wharf::cli
