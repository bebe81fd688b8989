#include "daemon/cli/ssh_client.hpp"

#include <botan/auto_rng.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "daemon/server/key_files.hpp"
#include "protocols/ssh/known_hosts.hpp"

namespace wharf::cli {

namespace {

int connect_tcp(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const auto service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
    for (auto* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            // Small requests (SFTP READs, window adjusts) must not wait for the peer's ACK.
            const int on = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return fd;
        }
        ::close(fd);
    }
    throw std::runtime_error("cannot connect to " + host + ":" + service + ": " + std::strerror(errno));
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

SshClient::SshClient(SshClientOptions options)
    : m_options(std::move(options)), m_rng(std::make_unique<Botan::AutoSeeded_RNG>()) {}

SshClient::~SshClient() {
    if (m_fd >= 0) ::close(m_fd);
}

void SshClient::connect() {
    ssh::EngineConfig config;
    config.role = ssh::Role::client;
    config.version = "SSH-2.0-wharf_" WHARF_VERSION;
    if (!m_options.ciphers.empty()) config.algorithms.ciphers = m_options.ciphers;
    if (!m_options.kex.empty()) config.algorithms.kex = m_options.kex;
    config.client_auth.user = m_options.user;
    config.client_auth.password = m_options.password;
    for (const auto& file : m_options.identity_files) config.client_auth.keys.push_back(daemon::read_private_key_file(file));
    m_fd = connect_tcp(m_options.host, m_options.port);
    m_engine = std::make_unique<ssh::Engine>(std::move(config), *m_rng, ssh::Clock::now());
    pump_until([&] { return m_engine->authenticated(); });
}

void SshClient::check_host_key(const ssh::HostKeyReceived& received) {
    const auto key = ssh::PublicKey::from_blob(received.key_blob);
    const auto& policy = m_options.host_key;
    bool trusted = policy.accept_any;
    std::string why = "no known_hosts file or fingerprint to check it against";
    if (!policy.fingerprint.empty()) {
        trusted = key.fingerprint_sha256() == policy.fingerprint;
        why = "fingerprint " + key.fingerprint_sha256() + " is not the pinned " + policy.fingerprint;
    } else if (!policy.known_hosts_file.empty()) {
        const auto status = ssh::check_known_host(read_text(policy.known_hosts_file), m_options.host, m_options.port, key);
        trusted = status == ssh::KnownHostStatus::trusted;
        why = status == ssh::KnownHostStatus::changed ? "HOST KEY CHANGED for " + m_options.host + " (" + key.fingerprint_sha256() + ")"
            : status == ssh::KnownHostStatus::revoked ? "host key is revoked"
                                                      : "host " + ssh::known_host_name(m_options.host, m_options.port) +
                                                            " is not in " + policy.known_hosts_file;
    }
    if (!trusted) m_failure = "host key refused: " + why;
    m_engine->host_key_decision(trusted, ssh::Clock::now());
}

void SshClient::on_event(ssh::Event& event) {
    if (const auto* host_key = std::get_if<ssh::HostKeyReceived>(&event)) return check_host_key(*host_key);
    if (const auto* gone = std::get_if<ssh::Disconnected>(&event)) {
        if (!m_failure) m_failure = std::string(ssh::to_string(gone->reason)) + ": " + gone->description;
        return;
    }
    if (std::holds_alternative<ssh::PromptsReceived>(event)) {
        // Only password-like prompts are answered here: the configured password or nothing.
        const auto& prompts = std::get<ssh::PromptsReceived>(event).prompts;
        std::vector<std::string> answers(prompts.size(), m_options.password.value_or(""));
        m_engine->answer_prompts(std::move(answers), ssh::Clock::now());
        return;
    }
    m_pending.push_back(std::move(event));
}

void SshClient::write_all() {
    while (m_engine->output_size() > 0) {
        const auto out = m_engine->pending_output();
        const auto n = ::send(m_fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("connection lost while writing: ") + std::strerror(errno));
        m_engine->consume_output(static_cast<std::size_t>(n));
    }
}

void SshClient::pump_until(const std::function<bool()>& done) {
    const auto give_up = ssh::Clock::now() + m_options.timeout;
    std::array<std::uint8_t, 65536> buffer{};
    while (true) {
        while (auto event = m_engine->next_event()) on_event(*event);
        write_all();
        if (m_failure) throw std::runtime_error(*m_failure);
        if (done()) return;
        if (m_engine->closed()) throw std::runtime_error("connection closed");
        auto now = ssh::Clock::now();
        if (now >= give_up) throw std::runtime_error("timed out");
        auto wake = give_up;
        if (const auto deadline = m_engine->next_deadline(); deadline && *deadline < wake) wake = *deadline;
        pollfd fd{m_fd, POLLIN, 0};
        const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
        const int ready = ::poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(wait_ms, 0)));
        now = ssh::Clock::now();
        if (ready > 0) {
            const auto n = ::recv(m_fd, buffer.data(), buffer.size(), 0);
            if (n > 0) m_engine->receive(ssh::ByteView(buffer.data(), static_cast<std::size_t>(n)), now);
            else if (n == 0) m_engine->receive_eof(now);
        } else if (ready == 0) {
            m_engine->on_timeout(now);
        }
    }
}

int SshClient::exec(const std::string& command, int input_fd, int output_fd) {
    const auto channel = m_engine->open_session();
    const auto find = [&]<class E>(E*) -> const E* {
        for (const auto& event : m_pending) {
            if (const auto* e = std::get_if<E>(&event); e && e->channel == channel) return e;
        }
        return nullptr;
    };
    pump_until([&] { return find(static_cast<ssh::ChannelOpened*>(nullptr)) || find(static_cast<ssh::ChannelOpenRefused*>(nullptr)); });
    if (find(static_cast<ssh::ChannelOpenRefused*>(nullptr))) throw std::runtime_error("the server refused a session channel");
    m_engine->request_exec(channel, command);
    pump_until([&] { return find(static_cast<ssh::ChannelRequestAnswered*>(nullptr)) != nullptr; });
    if (!find(static_cast<ssh::ChannelRequestAnswered*>(nullptr))->success) throw std::runtime_error("the server refused to run the command");
    // Output, exit status and close may have come in the same read as the answer: keep them.
    std::erase_if(m_pending, [](const ssh::Event& event) {
        return std::holds_alternative<ssh::ChannelOpened>(event) || std::holds_alternative<ssh::ChannelRequestAnswered>(event);
    });

    std::optional<std::uint32_t> status;
    bool closed = false;
    bool input_done = input_fd < 0;
    std::vector<std::uint8_t> unsent;
    if (input_done) m_engine->send_eof(channel);
    m_options.timeout = std::chrono::hours(24 * 365);  // a command may run as long as it likes
    while (!closed) {
        // Feed our input while the window allows; a full window leaves the rest for later.
        if (!input_done && unsent.empty()) {
            pollfd in{input_fd, POLLIN, 0};
            if (::poll(&in, 1, 0) > 0) {
                std::array<std::uint8_t, 32768> block{};
                const auto n = ::read(input_fd, block.data(), block.size());
                if (n <= 0) {
                    input_done = true;
                    m_engine->send_eof(channel);
                } else {
                    unsent.assign(block.begin(), block.begin() + n);
                }
            }
        }
        if (!unsent.empty()) {
            const auto taken = m_engine->send_data(channel, unsent);
            unsent.erase(unsent.begin(), unsent.begin() + static_cast<std::ptrdiff_t>(taken));
        }
        const bool waiting_for_input = !input_done && unsent.empty();
        m_options.timeout = waiting_for_input ? std::chrono::milliseconds(20) : std::chrono::hours(1);
        try {
            if (m_pending.empty()) pump_until([&] { return !m_pending.empty(); });
        } catch (const std::runtime_error& e) {
            if (std::string_view(e.what()) != "timed out" || !waiting_for_input) throw;
        }
        for (auto& event : m_pending) {
            if (const auto* data = std::get_if<ssh::ChannelDataReceived>(&event)) {
                std::size_t written = 0;
                while (written < data->data.size()) {
                    const auto n = ::write(data->extended ? STDERR_FILENO : output_fd, data->data.data() + written,
                                           data->data.size() - written);
                    if (n <= 0) throw std::runtime_error("cannot write the command's output");
                    written += static_cast<std::size_t>(n);
                }
                m_engine->consume(channel, data->data.size());
            } else if (const auto* exit = std::get_if<ssh::ChannelExitStatus>(&event)) {
                status = exit->status ? *exit->status : 255;
            } else if (std::holds_alternative<ssh::ChannelClosed>(event)) {
                closed = true;
            }
            // EOF alone does not end it: exit-status may still follow, until the server's CLOSE.
        }
        m_pending.clear();
    }
    m_engine->disconnect(ssh::DisconnectReason::by_application, "disconnected by user");
    write_all();
    return status ? static_cast<int>(*status) : 255;
}

// ---- subsystem channel ----------------------------------------------------------------------

template <class E>
const E* SshClient::find_channel_event(std::uint32_t channel) const {
    for (const auto& event : m_pending) {
        if (const auto* e = std::get_if<E>(&event); e && e->channel == channel) return e;
    }
    return nullptr;
}

std::uint32_t SshClient::start_subsystem(const std::string& subsystem) {
    const auto channel = m_engine->open_session();
    pump_until([&] {
        return find_channel_event<ssh::ChannelOpened>(channel) || find_channel_event<ssh::ChannelOpenRefused>(channel);
    });
    if (find_channel_event<ssh::ChannelOpenRefused>(channel)) throw std::runtime_error("the server refused a session channel");
    m_engine->request_subsystem(channel, subsystem);
    pump_until([&] { return find_channel_event<ssh::ChannelRequestAnswered>(channel) != nullptr; });
    if (!find_channel_event<ssh::ChannelRequestAnswered>(channel)->success) {
        throw std::runtime_error("the server refused the " + subsystem + " subsystem");
    }
    // Data may have come in the same read as the answer: keep it for channel_read().
    std::erase_if(m_pending, [](const ssh::Event& event) {
        return std::holds_alternative<ssh::ChannelOpened>(event) || std::holds_alternative<ssh::ChannelRequestAnswered>(event);
    });
    m_inbox.clear();
    m_channel_ended = false;
    return channel;
}

void SshClient::collect_channel_events(std::uint32_t channel) {
    for (auto& event : m_pending) {
        if (auto* data = std::get_if<ssh::ChannelDataReceived>(&event); data && data->channel == channel) {
            if (data->extended) {
                (void)!::write(STDERR_FILENO, data->data.data(), data->data.size());
            } else {
                m_inbox.insert(m_inbox.end(), data->data.begin(), data->data.end());
            }
            // Consumed at once so the server is never stuck behind our window while we are
            // stuck behind its window; what we hold is bounded by the replies we asked for.
            m_engine->consume(channel, data->data.size());
        } else if (const auto* eof = std::get_if<ssh::ChannelEofReceived>(&event); eof && eof->channel == channel) {
            m_channel_ended = true;
        } else if (const auto* closed = std::get_if<ssh::ChannelClosed>(&event); closed && closed->channel == channel) {
            m_channel_ended = true;
        }
    }
    m_pending.clear();
}

void SshClient::channel_write(std::uint32_t channel, ssh::ByteView data) {
    while (!data.empty()) {
        const auto taken = m_engine->send_data(channel, data);
        data = data.subspan(taken);
        if (data.empty()) break;
        if (m_channel_ended) throw std::runtime_error("the server closed the channel");
        pump_until([&] { return !m_pending.empty(); });  // window updates, or replies to keep
        collect_channel_events(channel);
    }
}

std::optional<ssh::Bytes> SshClient::channel_read(std::uint32_t channel) {
    collect_channel_events(channel);
    while (m_inbox.empty() && !m_channel_ended) {
        pump_until([&] { return !m_pending.empty(); });
        collect_channel_events(channel);
    }
    if (m_inbox.empty()) return std::nullopt;
    ssh::Bytes data;
    data.swap(m_inbox);
    return data;
}

void SshClient::disconnect() {
    m_engine->disconnect(ssh::DisconnectReason::by_application, "disconnected by user");
    write_all();
}

}  // namespace wharf::cli
