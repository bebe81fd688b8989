// A blocking SSH client over the sans-I/O engine, for the `wharf` tool: connect, check the
// host key, authenticate, run channels. One connection, one thread, poll(2) for waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/ssh/engine.hpp"

namespace wharf::cli {

struct HostKeyPolicy {
    std::string known_hosts_file;           ///< checked when set
    /// Canonical pins (canonical_fingerprint() in ssh_options.hpp: "SHA256:..", "SHA1:..",
    /// "MD5:.."); the key is trusted when it matches any of them, and known_hosts is not read.
    std::vector<std::string> fingerprints;
    bool accept_any = false;                ///< only when explicitly asked
};

/// Asks the person at the terminal; nullopt when there is nobody to ask. An empty function
/// never asks (for scripts and library use).
using AskFunction = std::function<std::optional<std::string>(std::string_view prompt, bool echo)>;

struct SshClientOptions {
    std::string host;
    std::uint16_t port = 22;
    std::string user;
    // Credentials. Secrets are never printed; the engine wipes its copies after use.
    std::optional<std::string> password;
    std::vector<std::string> identity_files;  ///< OpenSSH or PEM private keys, offered in order
    std::optional<std::string> passphrase;    ///< for encrypted identity files
    std::vector<std::string> kbd_answers;     ///< keyboard-interactive answers, used in order
    AskFunction ask;  ///< what is missing (password, passphrase, prompt answers) is asked here
    HostKeyPolicy host_key;
    std::vector<std::string> ciphers;  ///< empty: defaults
    std::vector<std::string> kex;
    /// A keepalive after this much silence from the server, and the connection is given up
    /// after keepalive_count_max unanswered ones (OpenSSH ServerAliveInterval/CountMax); 0: off.
    std::chrono::milliseconds keepalive_interval{0};
    unsigned keepalive_count_max = 3;
    /// Bounds TCP connect, key exchange and authentication together (prompts excluded).
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(30);
    /// How long an established session waits for the server to send anything; 0: forever.
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

class SshClient {
public:
    explicit SshClient(SshClientOptions options);
    ~SshClient();
    SshClient(const SshClient&) = delete;
    SshClient& operator=(const SshClient&) = delete;

    /// Reads the keys (asking for passphrases) and asks for a password when nothing else could
    /// log on; then TCP connect, key exchange, host key check and authentication, together
    /// within connect_timeout. Throws std::runtime_error with the reason (unreadable key,
    /// refused host key, authentication failure naming what was tried, disconnect, timeout).
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
    /// `spare`: the bytes of an earlier call, done with; its capacity holds the next ones.
    std::optional<ssh::Bytes> channel_read(std::uint32_t channel, ssh::Bytes spare = {});
    /// Ends the connection politely (DISCONNECT), as exec() does when its command ends.
    void disconnect();

    const ssh::Engine& engine() const { return *m_engine; }

private:
    struct Woken {
        bool heard = false;        ///< bytes came from the server
        bool other_ready = false;  ///< the extra descriptor is readable
    };

    // Logging on (ssh_client.cpp, in call order).
    /// Reads every identity file, asking for passphrases before we connect, so that typing does
    /// not count against the connect timeout. Throws std::runtime_error naming the file.
    std::vector<ssh::PrivateKey> load_identities();
    ssh::PrivateKey load_identity(const std::string& file);
    /// With no password, key or keyboard-interactive answer given, asks for the password;
    /// throws std::runtime_error when there is nobody to ask.
    void ensure_credentials();
    void check_host_key(const ssh::HostKeyReceived& received);
    void answer_prompts(const ssh::PromptsReceived& request);
    void note_offered_methods(const std::vector<std::string>& methods);
    [[nodiscard]] std::string disconnect_message(const ssh::Disconnected& gone) const;
    [[nodiscard]] std::string auth_failure_message() const;
    [[nodiscard]] std::string timeout_message() const;

    // Driving the engine.
    /// Runs the engine until `done()` holds. Throws std::runtime_error with the reason on a
    /// failure, a closed connection or a timeout: the connect timeout until logged on, then
    /// the session timeout (silence from the server since the call began or last bytes came).
    void pump_until(const std::function<bool()>& done);
    /// Handles the engine's events (the rest go to m_pending), writes its output, and throws
    /// when the connection failed.
    void drain_events();
    /// Waits until the server sends, an engine timer is due, `other_fd` (when >= 0) is
    /// readable, or `give_up`; then feeds what came and runs the due timers.
    Woken wait_once(std::optional<ssh::TimePoint> give_up, int other_fd = -1);
    bool receive_available(ssh::TimePoint now);
    void on_event(ssh::Event& event);
    void write_all();
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
    bool m_logging_on = false;                          ///< connect() has not finished yet
    std::optional<ssh::TimePoint> m_connect_deadline;   ///< while logging on, when limited
    std::vector<std::string> m_offered_methods;         ///< every method the server listed
    std::size_t m_next_kbd_answer = 0;                  ///< into m_options.kbd_answers
    std::vector<std::string> m_unanswered_prompts;      ///< keyboard-interactive, for the error
    ssh::Bytes m_receive_buffer = ssh::Bytes(65536);    ///< one recv(2) at a time, reused
    ssh::Bytes m_inbox;           ///< subsystem channel bytes not yet read
    bool m_channel_ended = false;  ///< the server sent EOF or CLOSE on the subsystem channel
};

}  // namespace wharf::cli
