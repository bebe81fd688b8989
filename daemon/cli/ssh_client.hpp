// A blocking SSH client over the sans-I/O engine, for the `wharf` tool: connect, check the
// host key, authenticate, run channels. One connection, one thread, poll(2) for waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/ssh/engine.hpp"

namespace wharf::cli {

struct HostKeyPolicy {
    std::string known_hosts_file;  ///< checked when set
    std::string fingerprint;       ///< "SHA256:..." pinned when set
    bool accept_any = false;       ///< only when explicitly asked
};

struct SshClientOptions {
    std::string host;
    std::uint16_t port = 22;
    std::string user;
    std::optional<std::string> password;
    std::vector<std::string> identity_files;
    HostKeyPolicy host_key;
    std::vector<std::string> ciphers;  ///< empty: defaults
    std::vector<std::string> kex;
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

class SshClient {
public:
    explicit SshClient(SshClientOptions options);
    ~SshClient();
    SshClient(const SshClient&) = delete;
    SshClient& operator=(const SshClient&) = delete;

    /// TCP connect, key exchange, host key check, authentication. Throws std::runtime_error
    /// with the reason (refused host key, authentication failure, disconnect, timeout).
    void connect();

    /// Runs `command` with our stdin/stdout as its; returns its exit status.
    int exec(const std::string& command, int input_fd, int output_fd);

    // ---- a subsystem channel, driven by the caller (sftp) ----------------------------------
    /// Opens a session channel and starts `subsystem` on it; returns the channel. Throws
    /// std::runtime_error if the server refuses either.
    std::uint32_t start_subsystem(const std::string& subsystem);
    /// Hands all of `data` to the channel, waiting while the server's window is closed.
    void channel_write(std::uint32_t channel, ssh::ByteView data);
    /// Waits for the channel's next bytes (our window is reopened for them at once); nullopt
    /// once the server sent EOF or closed the channel. Extended data (stderr) goes to stderr.
    std::optional<ssh::Bytes> channel_read(std::uint32_t channel);
    /// Ends the connection politely (DISCONNECT), as exec() does when its command ends.
    void disconnect();

    const ssh::Engine& engine() const { return *m_engine; }

private:
    void pump_until(const std::function<bool()>& done);
    void on_event(ssh::Event& event);
    void write_all();
    void check_host_key(const ssh::HostKeyReceived& received);
    /// Moves the channel's data events into m_inbox (consuming our window) and notes its end.
    void collect_channel_events(std::uint32_t channel);
    template <class E>
    const E* find_channel_event(std::uint32_t channel) const;

    SshClientOptions m_options;
    int m_fd = -1;
    std::unique_ptr<Botan::RandomNumberGenerator> m_rng;
    std::unique_ptr<ssh::Engine> m_engine;
    std::vector<ssh::Event> m_pending;  ///< events for the running operation
    std::optional<std::string> m_failure;
    ssh::Bytes m_inbox;           ///< subsystem channel bytes not yet read
    bool m_channel_ended = false;  ///< the server sent EOF or CLOSE on the subsystem channel
};

}  // namespace wharf::cli
