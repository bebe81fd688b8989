#include "daemon/cli/ssh_client.hpp"

#include <botan/auto_rng.h>
#include <botan/mem_ops.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "protocols/ssh/key_file.hpp"
#include "protocols/ssh/known_hosts.hpp"

namespace wharf::cli {

namespace {

using ssh::Clock;
using ssh::TimePoint;

// Milliseconds poll(2) may wait until `until`: rounded up, so a timer is never polled for early
// and spun on; -1 (forever) without a limit.
int poll_timeout(std::optional<TimePoint> until) {
    if (!until) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, 24 * 3600 * 1000));
}

std::string seconds_text(std::chrono::milliseconds duration) {
    return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

// Non-blocking from the start: the connect is bounded by `deadline`, and the socket stays
// non-blocking so that neither reading nor writing can stall past the timers.
int connect_tcp(const std::string& host, std::uint16_t port, std::optional<TimePoint> deadline,
                std::chrono::milliseconds limit) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const auto service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
    std::string last_error = "no address";
    for (auto* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        int error = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
        if (error == EINPROGRESS) {
            pollfd pending{fd, POLLOUT, 0};
            int ready = 0;
            do {
                ready = ::poll(&pending, 1, poll_timeout(deadline));
            } while (ready < 0 && errno == EINTR);
            if (ready == 0) {
                ::close(fd);
                throw std::runtime_error(fmt::format("timed out after {} connecting to {}:{} (TCP connect)",
                                                     seconds_text(limit), host, service));
            }
            socklen_t size = sizeof error;
            if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
        }
        if (error == 0) {
            // Small requests (SFTP READs, window adjusts) must not wait for the peer's ACK.
            const int on = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return fd;
        }
        last_error = std::strerror(error);
        ::close(fd);
    }
    throw std::runtime_error("cannot connect to " + host + ":" + service + ": " + last_error);
}

std::optional<std::string> read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void wipe(std::string& secret) {
    Botan::secure_scrub_memory(secret.data(), secret.size());
    secret.clear();
}

// Server-supplied text shown on our terminal: no control characters (escape sequences could
// rewrite what the user sees), as RFC 4256 §3.3 asks of clients.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        out += (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f ? '?' : c;
    }
    return out;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
    std::string out;
    for (const auto& word : words) out += (out.empty() ? "" : std::string(separator)) + word;
    return out;
}

bool pin_matches(const ssh::PublicKey& key, std::string_view pin) {
    if (pin.starts_with("SHA256:")) return pin == key.fingerprint_sha256();
    if (pin.starts_with("SHA1:")) return pin == key.fingerprint_sha1();
    if (pin.starts_with("MD5:")) return pin == key.fingerprint_md5();
    return false;
}

}  // namespace

SshClient::SshClient(SshClientOptions options)
    : m_options(std::move(options)), m_rng(std::make_unique<Botan::AutoSeeded_RNG>()) {}

SshClient::~SshClient() {
    if (m_fd >= 0) ::close(m_fd);
    if (m_options.password) wipe(*m_options.password);
    if (m_options.passphrase) wipe(*m_options.passphrase);
    for (auto& answer : m_options.kbd_answers) wipe(answer);
}

// ---- logging on ------------------------------------------------------------------------------

void SshClient::connect() {
    ssh::EngineConfig config;
    config.role = ssh::Role::client;
    config.version = "SSH-2.0-wharf_" WHARF_VERSION;
    if (!m_options.ciphers.empty()) config.algorithms.ciphers = m_options.ciphers;
    if (!m_options.kex.empty()) config.algorithms.kex = m_options.kex;
    config.client_auth.user = m_options.user;
    config.client_auth.keys = load_identities();
    ensure_credentials();
    config.client_auth.password = m_options.password;
    config.keepalive_interval = m_options.keepalive_interval;
    config.keepalive_count_max = m_options.keepalive_count_max;

    m_logging_on = true;
    if (m_options.connect_timeout.count() > 0) m_connect_deadline = Clock::now() + m_options.connect_timeout;
    m_fd = connect_tcp(m_options.host, m_options.port, m_connect_deadline, m_options.connect_timeout);
    m_engine = std::make_unique<ssh::Engine>(std::move(config), *m_rng, Clock::now());
    pump_until([&] { return m_engine->authenticated(); });
    m_logging_on = false;
    m_connect_deadline.reset();
}

std::vector<ssh::PrivateKey> SshClient::load_identities() {
    std::vector<ssh::PrivateKey> keys;
    for (const auto& file : m_options.identity_files) keys.push_back(load_identity(file));
    return keys;
}

ssh::PrivateKey SshClient::load_identity(const std::string& file) {
    const auto text = read_text(file);
    if (!text) throw std::runtime_error(fmt::format("cannot read key file {}: {}", file, std::strerror(errno)));
    const auto fail = [&](std::string_view why) { return std::runtime_error(fmt::format("key file {}: {}", file, why)); };
    try {
        return ssh::parse_private_key(*text);
    } catch (const ssh::PassphraseRequiredError&) {
        // Asked below.
    } catch (const ssh::KeyError& e) {
        throw fail(e.what());
    }
    if (m_options.passphrase) {
        try {
            return ssh::parse_private_key(*text, *m_options.passphrase);
        } catch (const ssh::WrongPassphraseError&) {
            throw fail("wrong passphrase (from --passphrase-env)");
        } catch (const ssh::KeyError& e) {
            throw fail(e.what());
        }
    }
    // OpenSSH's habit: three tries at the terminal.
    for (int attempt = 0; attempt < 3 && m_options.ask; ++attempt) {
        auto passphrase = m_options.ask(fmt::format("Enter passphrase for key {}: ", file), false);
        if (!passphrase) break;
        try {
            auto key = ssh::parse_private_key(*text, *passphrase);
            wipe(*passphrase);
            return key;
        } catch (const ssh::WrongPassphraseError&) {
            wipe(*passphrase);
            if (attempt == 2) throw fail("wrong passphrase (3 tries)");
        } catch (const ssh::KeyError& e) {
            wipe(*passphrase);
            throw fail(e.what());
        }
    }
    throw fail("the key is encrypted: give its passphrase with --passphrase-env VAR, or run on a terminal to be asked");
}

void SshClient::ensure_credentials() {
    if (m_options.password || !m_options.identity_files.empty() || !m_options.kbd_answers.empty()) return;
    std::optional<std::string> password;
    if (m_options.ask) password = m_options.ask(fmt::format("{}@{}'s password: ", m_options.user, m_options.host), false);
    if (!password) {
        throw std::runtime_error(fmt::format(
            "no credentials for {}@{}: give -i KEY, --password-env VAR, --kbd-answer TEXT or --kbd-answers-env VAR, "
            "or run on a terminal to be asked for the password",
            m_options.user, m_options.host));
    }
    m_options.password = std::move(*password);
}

void SshClient::check_host_key(const ssh::HostKeyReceived& received) {
    const auto key = ssh::PublicKey::from_blob(received.key_blob);
    const auto& policy = m_options.host_key;
    const auto host = ssh::known_host_name(m_options.host, m_options.port);
    bool trusted = policy.accept_any;
    std::string why = "no --known-hosts file or --fingerprint to check it against";
    if (!policy.fingerprints.empty()) {
        trusted = std::any_of(policy.fingerprints.begin(), policy.fingerprints.end(),
                              [&](const std::string& pin) { return pin_matches(key, pin); });
        why = "it matches no pinned fingerprint (" + join(policy.fingerprints, ", ") + ")";
    } else if (!policy.known_hosts_file.empty()) {
        const auto text = read_text(policy.known_hosts_file);
        const auto status = text ? ssh::check_known_host(*text, m_options.host, m_options.port, key)
                                 : ssh::KnownHostStatus::unknown;
        trusted = status == ssh::KnownHostStatus::trusted;
        why = !text                                       ? "cannot read " + policy.known_hosts_file
            : status == ssh::KnownHostStatus::changed ? "HOST KEY CHANGED: " + policy.known_hosts_file + " lists another key for " + host
            : status == ssh::KnownHostStatus::revoked ? "the key is marked @revoked in " + policy.known_hosts_file
                                                      : "host " + host + " is not in " + policy.known_hosts_file;
    }
    if (!trusted) {
        // Everything an operator needs to check the key out of band and pin it in any form.
        m_failure = fmt::format("host key refused: {}; the server's {} key is {} {} {}", why, key.type_name(),
                                key.fingerprint_sha256(), key.fingerprint_sha1(), key.fingerprint_md5());
    }
    m_engine->host_key_decision(trusted, Clock::now());
}

void SshClient::answer_prompts(const ssh::PromptsReceived& request) {
    // The round's name and instruction go above its first question asked on the terminal.
    std::string heading;
    for (const auto& part : {request.name, request.instruction}) {
        if (!part.empty()) heading += printable(part) + "\n";
    }
    std::vector<std::string> answers;
    for (const auto& [text, echo] : request.prompts) {
        if (m_next_kbd_answer < m_options.kbd_answers.size()) {
            answers.push_back(m_options.kbd_answers[m_next_kbd_answer++]);
            continue;
        }
        if (m_options.ask) {
            const auto asked = Clock::now();
            auto answer = m_options.ask(std::exchange(heading, {}) + printable(text), echo);
            // The person's typing time does not count against the connect timeout.
            if (m_connect_deadline) *m_connect_deadline += Clock::now() - asked;
            if (answer) {
                answers.push_back(std::move(*answer));
                continue;
            }
        }
        if (m_options.password && request.prompts.size() == 1) {
            answers.push_back(*m_options.password);
            continue;
        }
        m_unanswered_prompts.push_back(printable(text));
        answers.emplace_back();  // the server refuses it and authentication moves on
    }
    m_engine->answer_prompts(std::move(answers), Clock::now());
}

void SshClient::note_offered_methods(const std::vector<std::string>& methods) {
    for (const auto& method : methods) {
        if (std::find(m_offered_methods.begin(), m_offered_methods.end(), method) == m_offered_methods.end()) {
            m_offered_methods.push_back(method);
        }
    }
}

// The engine walks every offered method we have something for (auth_client.hpp), so what was
// tried follows from what was offered and what we have.
std::string SshClient::auth_failure_message() const {
    const auto offered = [&](std::string_view method) {
        return std::find(m_offered_methods.begin(), m_offered_methods.end(), method) != m_offered_methods.end();
    };
    std::vector<std::string> tried;
    if (offered("publickey") && !m_options.identity_files.empty()) {
        std::vector<std::string> names;
        for (const auto& file : m_options.identity_files) names.push_back(std::filesystem::path(file).filename());
        tried.push_back("publickey with " + join(names, ", "));
    }
    if (offered("keyboard-interactive")) tried.emplace_back("keyboard-interactive");
    if (offered("password") && m_options.password) tried.emplace_back("password");
    std::string text = fmt::format("authentication failed for {}@{} (tried {}; the server accepts {})", m_options.user,
                                   m_options.host, tried.empty() ? "nothing: none of our credentials fits" : join(tried, ", "),
                                   m_offered_methods.empty() ? "nothing" : join(m_offered_methods, ", "));
    if (!m_unanswered_prompts.empty()) {
        text += fmt::format("; keyboard-interactive asked '{}' and had no answer (--kbd-answer, --kbd-answers-env or a terminal)",
                            join(m_unanswered_prompts, "', '"));
    }
    return text;
}

std::string SshClient::disconnect_message(const ssh::Disconnected& gone) const {
    if (!gone.by_peer && gone.reason == ssh::DisconnectReason::no_more_auth_methods_available) return auth_failure_message();
    if (!gone.by_peer && gone.reason == ssh::DisconnectReason::connection_lost && m_options.keepalive_interval.count() > 0) {
        return fmt::format("the server stopped answering: {} keepalives {} apart got no reply", m_options.keepalive_count_max,
                           seconds_text(m_options.keepalive_interval));
    }
    const auto reason = std::string(ssh::to_string(gone.reason)) + ": " + printable(gone.description);
    return gone.by_peer ? "the server disconnected: " + reason : reason;
}

std::string SshClient::timeout_message() const {
    if (!m_logging_on) return fmt::format("timed out: the server sent nothing for {}", seconds_text(m_options.timeout));
    const auto stage = m_engine->peer_version().empty() ? "no SSH identification from the server"
                     : !m_engine->algorithms()          ? "the key exchange did not finish"
                                                        : "authentication did not finish";
    return fmt::format("timed out after {} connecting to {}:{}: {}", seconds_text(m_options.connect_timeout),
                       m_options.host, m_options.port, stage);
}

// ---- driving the engine --------------------------------------------------------------------

void SshClient::on_event(ssh::Event& event) {
    if (const auto* host_key = std::get_if<ssh::HostKeyReceived>(&event)) return check_host_key(*host_key);
    if (const auto* gone = std::get_if<ssh::Disconnected>(&event)) {
        if (!m_failure) m_failure = disconnect_message(*gone);
        return;
    }
    if (const auto* prompts = std::get_if<ssh::PromptsReceived>(&event)) return answer_prompts(*prompts);
    if (const auto* rejected = std::get_if<ssh::AuthRejected>(&event)) return note_offered_methods(rejected->methods);
    m_pending.push_back(std::move(event));
}

void SshClient::drain_events() {
    while (auto event = m_engine->next_event()) on_event(*event);
    write_all();
    if (m_failure) throw std::runtime_error(*m_failure);
}

// The socket is non-blocking: while the server does not take our bytes, its own bytes are
// still read (it may be waiting for us to read before it reads again), bounded by the timeout.
void SshClient::write_all() {
    const auto limit = m_logging_on ? m_options.connect_timeout : m_options.timeout;
    std::optional<TimePoint> give_up;
    while (m_engine->output_size() > 0) {
        const auto out = m_engine->pending_output();
        const auto n = ::send(m_fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            m_engine->consume_output(static_cast<std::size_t>(n));
            give_up.reset();
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            throw std::runtime_error(std::string("connection lost while writing: ") + std::strerror(errno));
        }
        if (!give_up && limit.count() > 0) give_up = m_logging_on && m_connect_deadline ? *m_connect_deadline : Clock::now() + limit;
        if (give_up && Clock::now() >= *give_up) {
            throw std::runtime_error(fmt::format("timed out: the server took none of our data for {}", seconds_text(limit)));
        }
        pollfd fd{m_fd, POLLOUT | POLLIN, 0};
        if (::poll(&fd, 1, poll_timeout(give_up)) > 0 && (fd.revents & POLLIN) != 0) {
            std::array<std::uint8_t, 65536> buffer{};
            const auto got = ::recv(m_fd, buffer.data(), buffer.size(), 0);
            if (got > 0) m_engine->receive(ssh::ByteView(buffer.data(), static_cast<std::size_t>(got)), Clock::now());
            if (got == 0) throw std::runtime_error("connection closed by the server while we were sending");
        }
    }
}

void SshClient::pump_until(const std::function<bool()>& done) {
    auto waiting_since = Clock::now();
    while (true) {
        drain_events();
        if (done()) return;
        if (m_engine->closed()) throw std::runtime_error("connection closed");
        std::optional<TimePoint> give_up;
        if (m_logging_on) give_up = m_connect_deadline;
        else if (m_options.timeout.count() > 0) give_up = waiting_since + m_options.timeout;
        if (give_up && Clock::now() >= *give_up) throw std::runtime_error(timeout_message());
        if (wait_once(give_up).heard) waiting_since = Clock::now();
    }
}

// Reads what the socket holds (up to a bound) into the engine: a bulk transfer then costs one
// wake-up per few hundred KiB, not per read. True if any bytes came.
bool SshClient::receive_available(TimePoint now) {
    constexpr std::size_t kReadSize = 256 * 1024;
    constexpr std::size_t kMostPerWake = 1024 * 1024;
    std::array<std::uint8_t, kReadSize> buffer;  // not zeroed: recv() fills what we use
    bool heard = false;
    for (std::size_t taken = 0; taken < kMostPerWake;) {
        const auto n = ::recv(m_fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            m_engine->receive(ssh::ByteView(buffer.data(), static_cast<std::size_t>(n)), now);
            heard = true;
            taken += static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < buffer.size()) break;  // the socket is drained
        } else if (n == 0) {
            m_engine->receive_eof(now);
            break;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            throw std::runtime_error(std::string("connection lost: ") + std::strerror(errno));
        }
    }
    return heard;
}

SshClient::Woken SshClient::wait_once(std::optional<TimePoint> give_up, int other_fd) {
    auto wake = give_up;
    const auto timer = m_engine->next_deadline();
    if (timer && (!wake || *timer < *wake)) wake = timer;
    std::array<pollfd, 2> fds{{{m_fd, POLLIN, 0}, {other_fd, POLLIN, 0}}};
    const int ready = ::poll(fds.data(), other_fd >= 0 ? 2 : 1, poll_timeout(wake));
    if (ready < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    Woken woken;
    const auto now = Clock::now();
    if (ready > 0 && fds[0].revents != 0) woken.heard = receive_available(now);
    // Timers run when due even while bytes keep coming (a rekey by time, keepalives).
    if (timer && now >= *timer) m_engine->on_timeout(now);
    woken.other_ready = ready > 0 && other_fd >= 0 && fds[1].revents != 0;
    return woken;
}

// ---- exec ------------------------------------------------------------------------------------

int SshClient::exec(const std::string& command, int input_fd, int output_fd) {
    const auto channel = m_engine->open_session();
    pump_until([&] {
        return find_channel_event<ssh::ChannelOpened>(channel) || find_channel_event<ssh::ChannelOpenRefused>(channel);
    });
    if (find_channel_event<ssh::ChannelOpenRefused>(channel)) throw std::runtime_error("the server refused a session channel");
    m_engine->request_exec(channel, command);
    pump_until([&] { return find_channel_event<ssh::ChannelRequestAnswered>(channel) != nullptr; });
    if (!find_channel_event<ssh::ChannelRequestAnswered>(channel)->success) {
        throw std::runtime_error("the server refused to run the command");
    }
    // Output, exit status and close may have come in the same read as the answer: keep them.
    std::erase_if(m_pending, [](const ssh::Event& event) {
        return std::holds_alternative<ssh::ChannelOpened>(event) || std::holds_alternative<ssh::ChannelRequestAnswered>(event);
    });

    std::optional<std::uint32_t> status;
    bool closed = false;
    bool input_done = input_fd < 0;
    bool input_ready = false;
    std::vector<std::uint8_t> unsent;
    if (input_done) m_engine->send_eof(channel);
    while (true) {
        // Feed our input while the window allows; a full window leaves the rest for later.
        if (input_ready && !input_done && unsent.empty()) {
            std::array<std::uint8_t, 32768> block{};
            const auto n = ::read(input_fd, block.data(), block.size());
            if (n <= 0) {
                input_done = true;
                m_engine->send_eof(channel);
            } else {
                unsent.assign(block.begin(), block.begin() + n);
            }
        }
        if (!unsent.empty()) {
            const auto taken = m_engine->send_data(channel, unsent);
            unsent.erase(unsent.begin(), unsent.begin() + static_cast<std::ptrdiff_t>(taken));
        }
        drain_events();
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
        if (closed) break;
        if (m_engine->closed()) throw std::runtime_error("connection closed");
        // No session timeout here: a command may stay silent as long as it likes; keepalives
        // (--keepalive) are what finds a server that is gone.
        const bool want_input = !input_done && unsent.empty();
        input_ready = wait_once(std::nullopt, want_input ? input_fd : -1).other_ready;
    }
    disconnect();
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

std::optional<ssh::Bytes> SshClient::channel_read(std::uint32_t channel, ssh::Bytes spare) {
    collect_channel_events(channel);
    while (m_inbox.empty() && !m_channel_ended) {
        pump_until([&] { return !m_pending.empty(); });
        collect_channel_events(channel);
    }
    if (m_inbox.empty()) return std::nullopt;
    ssh::Bytes data;
    data.swap(m_inbox);
    spare.clear();
    m_inbox.swap(spare);
    return data;
}

void SshClient::disconnect() {
    m_engine->disconnect(ssh::DisconnectReason::by_application, "disconnected by user");
    try {
        write_all();
    } catch (const std::runtime_error&) {
        // A goodbye that cannot be delivered changes nothing: the work is done, the socket closes.
    }
}

}  // namespace wharf::cli
