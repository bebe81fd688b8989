// The reference for the OFTP benchmark (oftp_bench.sh): how fast Botan 2's TLS 1.2 channel moves
// bytes over a loopback TCP connection on this machine, with nothing of OFTP on top. A client and
// a server (two threads, blocking sockets) run the policy wharfd's OFTP listener uses; one side
// sends --bytes in --write-size application writes (99,999: the largest OFTP exchange buffer),
// the other reads 64 KiB at a time (as OftpStream does) and discards. --plain does the same over
// bare TCP: the ceiling; --chacha prefers ChaCha20-Poly1305 to AES-256-GCM. Prints one line:
//
//   tls_raw bytes=N seconds=S mib_per_s=M suite=ECDHE_RSA_WITH_AES_256_GCM_SHA384 cpu_user=U cpu_sys=Y
//
// ("tcp_raw ... suite=none" with --plain). The time runs from the accepted connection to both
// sides having closed, TLS handshake included (the OFTP runs include theirs); the certificate
// is made before. CPU is both ends together (getrusage of the process), comparable to wharfd's
// plus the client's. Not a test: it asserts nothing about time.
//
//   tls_stream_bench [--plain] [--chacha] [--reverse] [--bytes N] [--write-size N]
#include <botan/auto_rng.h>
#include <botan/credentials_manager.h>
#include <botan/rsa.h>
#include <botan/tls_client.h>
#include <botan/tls_exceptn.h>
#include <botan/tls_server.h>
#include <botan/tls_session_manager.h>
#include <botan/x509self.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t k_read_size = 64 * 1024;  // OftpStream's read buffer

struct Options {
    std::uint64_t bytes = std::uint64_t{1} << 30;
    std::size_t write_size = 99'999;
    bool plain = false;
    bool chacha_first = false;
    bool server_sends = false;  // --reverse: the server sends, the client discards
};

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

//------------------------------------------------------------------------------------------------

class Socket {
public:
    explicit Socket(int fd) : m_fd(fd) {
        if (m_fd < 0) throw_errno("socket");
    }
    Socket(Socket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Socket& operator=(Socket&&) = delete;
    ~Socket() {
        if (m_fd >= 0) ::close(m_fd);
    }

    int fd() const { return m_fd; }

    // No signal handlers are installed, so neither call ever fails with EINTR.
    void write_all(std::span<const std::uint8_t> bytes) const {
        while (!bytes.empty()) {
            // MSG_NOSIGNAL: a peer that died is an error here, not a SIGPIPE.
            const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) throw_errno("send");
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        }
    }
    /// Bytes read into `into`; 0 at end of stream.
    std::size_t read_some(std::span<std::uint8_t> into) const {
        const ssize_t n = ::recv(m_fd, into.data(), into.size(), 0);
        if (n < 0) throw_errno("recv");
        return static_cast<std::size_t>(n);
    }

    void shutdown_send() const { ::shutdown(m_fd, SHUT_WR); }

private:
    int m_fd;
};

/// A connected loopback TCP pair: {client, server}. Connecting before accepting is fine: the
/// kernel completes the handshake from the listen backlog, so one thread does both.
std::pair<Socket, Socket> loopback_pair() {
    const Socket listener(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (::bind(listener.fd(), generic, length) != 0) throw_errno("bind");
    if (::listen(listener.fd(), 1) != 0) throw_errno("listen");
    if (::getsockname(listener.fd(), generic, &length) != 0) throw_errno("getsockname");
    Socket client(::socket(AF_INET, SOCK_STREAM, 0));
    if (::connect(client.fd(), generic, length) != 0) throw_errno("connect");
    Socket server(::accept(listener.fd(), nullptr, nullptr));
    return {std::move(client), std::move(server)};
}

//------------------------------------------------------------------------------------------------

/// The OFTP station's policy: TLS 1.2 only (Botan 2 has no 1.3), ECDHE with AEAD suites, no
/// Botan-only CECPQ1; AES-256-GCM first (the server's order wins), or ChaCha20-Poly1305 with
/// --chacha, to match a station that prefers it (AES-GCM is about twice as fast with AES-NI).
class StationPolicy final : public Botan::TLS::Policy {
public:
    explicit StationPolicy(bool chacha_first) : m_chacha_first(chacha_first) {}
    std::vector<std::string> allowed_ciphers() const override {
        if (m_chacha_first) return {"ChaCha20Poly1305", "AES-256/GCM", "AES-128/GCM"};
        return {"AES-256/GCM", "AES-128/GCM", "ChaCha20Poly1305"};
    }
    std::vector<std::string> allowed_key_exchange_methods() const override { return {"ECDH", "DH"}; }
    bool acceptable_protocol_version(Botan::TLS::Protocol_Version version) const override {
        return version == Botan::TLS::Protocol_Version::TLS_V12;
    }
    bool require_cert_revocation_info() const override { return false; }

private:
    bool m_chacha_first;
};

/// A self-signed RSA-2048 certificate, like the `openssl req -x509 -newkey rsa:2048` one the
/// OFTP runs give wharfd (so both negotiate the same ECDHE_RSA suite).
class ServerIdentity final : public Botan::Credentials_Manager {
public:
    explicit ServerIdentity(Botan::RandomNumberGenerator& rng)
        : m_key(std::make_unique<Botan::RSA_PrivateKey>(rng, 2048)),
          m_certificate(Botan::X509::create_self_signed_cert(Botan::X509_Cert_Options("wharf-bench"),
                                                             *m_key, "SHA-256", rng)) {}

    const Botan::X509_Certificate& certificate() const { return m_certificate; }

    std::vector<Botan::X509_Certificate> cert_chain(const std::vector<std::string>& key_types,
                                                    const std::string&, const std::string&) override {
        if (std::find(key_types.begin(), key_types.end(), "RSA") == key_types.end()) return {};
        return {m_certificate};
    }
    Botan::Private_Key* private_key_for(const Botan::X509_Certificate&, const std::string&,
                                        const std::string&) override {
        return m_key.get();  // Botan borrows it
    }

private:
    std::unique_ptr<Botan::Private_Key> m_key;
    Botan::X509_Certificate m_certificate;
};

//------------------------------------------------------------------------------------------------

/// One end of the connection: Botan's TLS channel over a blocking socket, or the bare socket
/// (--plain). Each end runs on one thread. The records the channel emits are gathered and
/// written with one send() per call into it (one per application write, like OftpStream's
/// gathered writes), not one syscall per 16 KiB record.
class Endpoint final : private Botan::TLS::Callbacks {
public:
    explicit Endpoint(Socket socket) : m_socket(std::move(socket)), m_buffer(k_read_size) {}
    Endpoint(const Endpoint&) = delete;  // the channel calls back into this very object
    Endpoint& operator=(const Endpoint&) = delete;

    /// Puts a TLS channel over the socket. `identity` null: the client, which accepts only
    /// `pinned` as the server's certificate.
    void start_tls(const Botan::TLS::Policy& policy, ServerIdentity* identity,
                   const Botan::X509_Certificate& pinned) {
        m_pinned = pinned;
        Botan::TLS::Callbacks& callbacks = *this;  // a private base: make_unique cannot see it
        if (identity != nullptr) {
            m_channel = std::make_unique<Botan::TLS::Server>(callbacks, m_sessions, *identity, policy, m_rng);
        } else {
            m_channel = std::make_unique<Botan::TLS::Client>(callbacks, m_sessions, m_no_credentials, policy, m_rng);
        }
    }

    /// The TLS handshake; nothing for plain TCP.
    void establish() {
        if (!m_channel) return;
        flush();  // the client's hello, emitted by its constructor
        while (!m_channel->is_active()) {
            if (!read_some()) throw std::runtime_error("tls: connection closed during the handshake");
        }
    }

    void write(std::span<const std::uint8_t> bytes) {
        if (m_channel) {
            m_channel->send(bytes.data(), bytes.size());
            flush();
        } else {
            m_socket.write_all(bytes);
        }
    }

    /// Reads once; false at the end of the stream.
    bool read_some() {
        const std::size_t n = m_socket.read_some(m_buffer);
        if (n == 0) return false;
        if (!m_channel) {
            m_delivered += n;
        } else if (!m_channel->is_closed()) {  // after close_notify the rest is only drained
            m_channel->received_data(m_buffer.data(), n);
            flush();  // handshake messages, or the close_notify reply
        }
        return true;
    }

    /// Closes our sending side (close_notify first) and reads until the peer closes its side.
    void finish() {
        if (m_channel && !m_channel->is_closed()) m_channel->close();
        flush();
        m_socket.shutdown_send();
        while (read_some()) {
        }
    }

    std::uint64_t delivered() const { return m_delivered; }
    std::string suite() const { return m_suite; }

private:
    void flush() {
        m_socket.write_all(m_output);
        m_output.clear();  // keeps its capacity
    }

    void tls_emit_data(const std::uint8_t data[], std::size_t size) override {
        m_output.insert(m_output.end(), data, data + size);
    }
    void tls_record_received(std::uint64_t, const std::uint8_t[], std::size_t size) override {
        m_delivered += size;
    }
    void tls_alert(Botan::TLS::Alert alert) override {
        if (alert.type() != Botan::TLS::Alert::CLOSE_NOTIFY) {
            throw std::runtime_error("tls: alert from the peer: " + alert.type_string());
        }
    }
    bool tls_session_established(const Botan::TLS::Session& session) override {
        m_suite = session.ciphersuite().to_string();
        return false;  // nothing to resume: do not cache
    }
    void tls_verify_cert_chain(const std::vector<Botan::X509_Certificate>& chain,
                               const std::vector<std::shared_ptr<const Botan::OCSP::Response>>&,
                               const std::vector<Botan::Certificate_Store*>&, Botan::Usage_Type,
                               const std::string&, const Botan::TLS::Policy&) override {
        if (chain.empty() || chain.front() != m_pinned) {
            throw Botan::TLS::TLS_Exception(Botan::TLS::Alert::BAD_CERTIFICATE, "not the bench certificate");
        }
    }

    Socket m_socket;
    Bytes m_buffer;
    Bytes m_output;
    std::uint64_t m_delivered = 0;  // application bytes received
    std::string m_suite = "none";
    Botan::X509_Certificate m_pinned;
    Botan::AutoSeeded_RNG m_rng;  // one per end: Botan's RNGs are not shared across threads
    Botan::TLS::Session_Manager_Noop m_sessions;
    Botan::Credentials_Manager m_no_credentials;     // the client presents no certificate
    std::unique_ptr<Botan::TLS::Channel> m_channel;  // last: goes before what it calls back into
};

//------------------------------------------------------------------------------------------------

void send_side(Endpoint& end, std::span<const std::uint8_t> payload, std::uint64_t total) {
    end.establish();
    for (std::uint64_t left = total; left > 0;) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(left, payload.size()));
        end.write(payload.first(chunk));
        left -= chunk;
    }
    end.finish();
}

void receive_side(Endpoint& end, std::uint64_t total) {
    end.establish();
    while (end.delivered() < total && end.read_some()) {
    }
    if (end.delivered() != total) {
        throw std::runtime_error("received " + std::to_string(end.delivered()) + " of " +
                                 std::to_string(total) + " bytes");
    }
    end.finish();
}

double cpu_seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--plain") {
            options.plain = true;
        } else if (arg == "--chacha") {
            options.chacha_first = true;
        } else if (arg == "--reverse") {
            options.server_sends = true;
        } else if (arg == "--bytes" && has_value) {
            options.bytes = std::stoull(argv[++i]);
        } else if (arg == "--write-size" && has_value) {
            options.write_size = std::stoul(argv[++i]);
        } else {
            throw std::invalid_argument("usage: tls_stream_bench [--plain] [--chacha] [--reverse] [--bytes N] [--write-size N]");
        }
    }
    if (options.write_size == 0) throw std::invalid_argument("--write-size must be at least 1");
    return options;
}

int run(const Options& options) {
    // Set-up, not timed: the key and certificate, the payload, the connection.
    Botan::AutoSeeded_RNG rng;
    const StationPolicy policy(options.chacha_first);
    ServerIdentity identity(rng);
    Bytes payload(options.write_size);
    rng.randomize(payload.data(), payload.size());
    auto [client_socket, server_socket] = loopback_pair();

    rusage usage_before{};
    getrusage(RUSAGE_SELF, &usage_before);
    const auto started = std::chrono::steady_clock::now();
    const auto make_end = [&](Socket socket, ServerIdentity* tls_identity) {
        auto end = std::make_unique<Endpoint>(std::move(socket));
        if (!options.plain) end->start_tls(policy, tls_identity, identity.certificate());
        return end;
    };
    std::unique_ptr<Endpoint> client = make_end(std::move(client_socket), nullptr);
    std::unique_ptr<Endpoint> server = make_end(std::move(server_socket), &identity);
    std::unique_ptr<Endpoint> sender = std::move(options.server_sends ? server : client);
    std::unique_ptr<Endpoint> receiver = std::move(options.server_sends ? client : server);

    // The receiver on a second thread. A side that fails drops its endpoint, which closes its
    // socket, so the other side sees the end of the stream (or a reset) and stops too.
    const auto guarded = [](std::unique_ptr<Endpoint>& end, std::string& error, auto&& work) {
        try {
            work(*end);
        } catch (const std::exception& e) {
            error = e.what();
            end.reset();
        }
    };
    std::string receiver_error;
    std::thread receiving([&] {
        guarded(receiver, receiver_error, [&](Endpoint& end) { receive_side(end, options.bytes); });
    });
    std::string sender_error;
    guarded(sender, sender_error, [&](Endpoint& end) { send_side(end, payload, options.bytes); });
    receiving.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    rusage usage_after{};
    getrusage(RUSAGE_SELF, &usage_after);
    if (!sender_error.empty() || !receiver_error.empty()) {
        throw std::runtime_error("sender: " + sender_error + "; receiver: " + receiver_error);
    }

    const double mib = static_cast<double>(options.bytes) / (1024.0 * 1024.0);
    std::printf("%s bytes=%llu seconds=%.3f mib_per_s=%.1f suite=%s cpu_user=%.2f cpu_sys=%.2f\n",
                options.plain ? "tcp_raw" : "tls_raw", static_cast<unsigned long long>(options.bytes),
                seconds, mib / seconds, sender->suite().c_str(),
                cpu_seconds(usage_after.ru_utime) - cpu_seconds(usage_before.ru_utime),
                cpu_seconds(usage_after.ru_stime) - cpu_seconds(usage_before.ru_stime));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tls_stream_bench: %s\n", e.what());
        return 1;
    }
}
