// The byte stream under an OFTP session: a TCP socket, plain or under TLS 1.2 (Botan's
// callbacks API: Debian's Botan has no Asio stream). The session driver sees the same thing
// either way: bytes in through a handler, bytes out through write(), one close.
//
//   auto stream = OftpStream::tls_server(std::move(socket), tls);  // or plain(), tls_client()
//   stream->start({.on_ready = ..., .on_data = ..., .on_closed = ...});
//   stream->write(session.take_output());
//
// Everything runs on the socket's executor; handlers are called there and never from inside
// write()/close() (they are posted), so a handler may call back into the stream freely. The
// stream holds its handlers until on_closed has run, then drops them (no ownership cycle
// outlives the connection).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace wharf::daemon {

namespace net = boost::asio;

/// The certificate the TLS peer presented (leaf), for logs and the partner check.
struct PeerCertificate {
    std::string subject;             ///< Botan's X509_DN text: CN="acme",O="Acme"
    std::string issuer;
    std::string sha256_fingerprint;  ///< "AB:CD:..." (upper-case hex, colon separated)
    std::vector<std::uint8_t> der;
};

/// Credentials and trust loaded once per configuration (a reload makes a new one). Immutable
/// after construction, shared by every connection that uses it.
class TlsContext {
public:
    /// The TLS listener: our certificate chain and key (oftp.tls), and what client certificates
    /// we may accept: oftp.tls.client_ca plus every partner's tls (exact certificates and CAs).
    /// A client certificate is requested when any of those exist; it is required when
    /// oftp.tls.require_client_cert is set. Throws std::runtime_error naming the file on any
    /// unreadable or invalid certificate or key.
    static std::shared_ptr<const TlsContext> for_server(const config::OftpSettings& station,
                                                        const std::vector<config::Partner>& partners);

    /// Calling a partner: the server's chain must verify against `trust` (its exact certificate
    /// or its CA; the host name is not checked, OFTP partners are pinned by certificate). Our
    /// client certificate from `identity` when given. `trust` null: no verification at all
    /// (only for `wharf oftp send --insecure`).
    static std::shared_ptr<const TlsContext> for_client(const config::OftpTls* identity,
                                                        const config::PartnerTls* trust);

    /// After the partner identified itself by SSID: whether `presented` (nullopt: the client
    /// sent none) is acceptable for it. A partner without `tls` accepts any certificate the
    /// handshake accepted, or none unless the listener requires one; one with `tls` requires a
    /// certificate that equals its `certificate` or chains to its `ca`.
    bool accepts_for_partner(const std::optional<PeerCertificate>& presented,
                             const config::PartnerTls* partner_tls) const;

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    struct Impl;  // Botan credentials, policy and trust stores (oftp_stream_tls.cpp)
    const Impl& impl() const { return *m_impl; }

private:
    explicit TlsContext(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

class OftpStream : public std::enable_shared_from_this<OftpStream> {
public:
    struct Handlers {
        /// Plain: at once after start(); TLS: when the handshake completed.
        std::function<void()> on_ready;
        /// Application bytes from the peer (decrypted). Not called while reading is paused.
        std::function<void(std::span<const std::uint8_t>)> on_data;
        /// Exactly once: the peer closed, the connection broke, the TLS handshake or a record
        /// failed (reason says which, for the log), or close() finished. Empty reason: close().
        std::function<void(const std::string& reason)> on_closed;
    };

    static std::shared_ptr<OftpStream> plain(net::ip::tcp::socket socket);
    static std::shared_ptr<OftpStream> tls_server(net::ip::tcp::socket socket,
                                                  std::shared_ptr<const TlsContext> tls);
    static std::shared_ptr<OftpStream> tls_client(net::ip::tcp::socket socket,
                                                  std::shared_ptr<const TlsContext> tls);
    virtual ~OftpStream() = default;

    /// Starts the handshake (TLS) and reading.
    virtual void start(Handlers handlers) = 0;
    /// Queues bytes for the peer (before on_ready they wait for the handshake).
    virtual void write(std::vector<std::uint8_t> bytes) = 0;
    /// Bytes queued and not yet taken by the kernel (back-pressure: stop producing above ~1 MiB).
    virtual std::size_t pending_output() const = 0;
    /// Called when pending_output() drops to 0 again (after a write completed).
    virtual void on_drained(std::function<void()> handler) = 0;
    /// Stops / resumes reading from the socket (back-pressure towards the peer).
    virtual void pause_reading(bool paused) = 0;
    /// Writes what is queued (and TLS close_notify), then shuts the socket down and calls
    /// on_closed(""). A second call, or one after the stream closed, does nothing.
    virtual void close() = 0;
    /// Closes the socket at once, dropping queued output; on_closed("aborted") follows.
    virtual void abort() = 0;

    [[nodiscard]] virtual bool is_tls() const = 0;
    /// "TLS v1.2 ECDHE_RSA_WITH_AES_256_GCM_SHA384" once the handshake is done; "" for plain.
    [[nodiscard]] virtual std::string tls_description() const = 0;
    /// The peer's leaf certificate (TLS, after the handshake, when it sent one).
    [[nodiscard]] virtual std::optional<PeerCertificate> peer_certificate() const = 0;
    /// "address:port" of the peer (IPv4-mapped addresses shown as IPv4).
    [[nodiscard]] virtual std::string remote() const = 0;
    /// The socket's executor: where every handler runs (the driver's timers live there too).
    [[nodiscard]] virtual net::any_io_executor executor() const = 0;
};

}  // namespace wharf::daemon
