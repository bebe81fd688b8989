// TLS 1.2 under an OFTP session: TlsContext (credentials, policy, which peer certificates we
// trust) and the TLS stream, which runs the socket's bytes through a Botan TLS::Server or
// TLS::Client (the callbacks API; Debian's Botan has no Asio stream).
//
// Peer certificates are checked by us in tls_verify_cert_chain, not by Botan's defaults: OFTP
// partners are pinned by certificate or CA, host names mean nothing, and revocation data is
// not required (toolchain notes P6).
#include <botan/auto_rng.h>
#include <botan/certstor.h>
#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/tls_client.h>
#include <botan/tls_exceptn.h>
#include <botan/tls_server.h>
#include <botan/x509path.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "daemon/oftp/detail/socket_stream.hpp"

namespace wharf::daemon {

namespace {

namespace tls = Botan::TLS;
using tcp = net::ip::tcp;

std::string read_file(const std::filesystem::path& file, std::string_view what) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(std::string(what) + " " + file.string() + ": cannot be read");
    std::ostringstream contents;
    contents << in.rdbuf();
    return std::move(contents).str();
}

// Every certificate in a PEM file (a chain or a bundle), or the one certificate of a DER file.
std::vector<Botan::X509_Certificate> load_certificates(const std::filesystem::path& file, std::string_view what) {
    const auto contents = read_file(file, what);
    std::vector<Botan::X509_Certificate> certificates;
    try {
        constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
        constexpr std::string_view end = "-----END CERTIFICATE-----";
        if (contents.find(begin) == std::string::npos) {
            Botan::DataSource_Memory source(contents);
            certificates.emplace_back(source);
        }
        for (auto at = contents.find(begin); at != std::string::npos; at = contents.find(begin, at)) {
            const auto stop = contents.find(end, at);
            if (stop == std::string::npos) throw std::runtime_error("unterminated PEM certificate");
            Botan::DataSource_Memory source(contents.substr(at, stop + end.size() - at));
            certificates.emplace_back(source);
            at = stop + end.size();
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(what) + " " + file.string() + ": " + e.what());
    }
    if (certificates.empty()) throw std::runtime_error(std::string(what) + " " + file.string() + ": no certificate");
    return certificates;
}

std::unique_ptr<Botan::Private_Key> load_private_key(const std::filesystem::path& file) {
    const auto contents = read_file(file, "oftp.tls.private_key");
    try {
        Botan::DataSource_Memory source(contents);
        return Botan::PKCS8::load_key(source);
    } catch (const std::exception& e) {
        throw std::runtime_error("oftp.tls.private_key " + file.string() + ": " + e.what() +
                                 " (an unencrypted PKCS#8 key is expected)");
    }
}

PeerCertificate describe(const Botan::X509_Certificate& certificate) {
    return PeerCertificate{
        .subject = certificate.subject_dn().to_string(),
        .issuer = certificate.issuer_dn().to_string(),
        .sha256_fingerprint = certificate.fingerprint("SHA-256"),
        .der = certificate.BER_encode(),
    };
}

// TLS 1.2 only (Botan 2 has no 1.3), forward-secret AEAD suites only. The legacy static-RSA and
// CBC suites some old OFTP2 peers need stay off: they are not free (no forward secrecy,
// MAC-then-encrypt) and no peer of ours needs them yet.
class StationPolicy final : public tls::Policy {
public:
    explicit StationPolicy(bool require_client_certificate) : m_require_client_certificate(require_client_certificate) {}

    // AES-GCM first: with AES-NI it runs at twice ChaCha20Poly1305's speed (toolchain notes §3).
    std::vector<std::string> allowed_ciphers() const override {
        return {"AES-256/GCM", "AES-128/GCM", "ChaCha20Poly1305"};
    }
    // Without "CECPQ1", Botan's own experimental post-quantum exchange.
    std::vector<std::string> allowed_key_exchange_methods() const override { return {"ECDH", "DH"}; }
    bool require_cert_revocation_info() const override { return false; }
    bool allow_tls10() const override { return false; }
    bool allow_tls11() const override { return false; }
    bool allow_tls12() const override { return true; }
    bool allow_dtls10() const override { return false; }
    bool allow_dtls12() const override { return false; }
    bool require_client_certificate_authentication() const override { return m_require_client_certificate; }
    bool request_client_certificate_authentication() const override { return m_require_client_certificate; }

private:
    bool m_require_client_certificate;
};

// The certificates a peer may present: pinned ones (equal DER) or any that chains to a CA.
class PeerTrust {
public:
    void pin(const Botan::X509_Certificate& certificate) { m_pinned.push_back(certificate); }
    void add_ca(const Botan::X509_Certificate& certificate) {
        m_ca_list.push_back(certificate);
        m_cas.add_certificate(certificate);
    }
    void add(const PeerTrust& other) {
        for (const auto& certificate : other.m_pinned) pin(certificate);
        for (const auto& certificate : other.m_ca_list) add_ca(certificate);
    }
    /// Pinned certificates and CAs, for the names a server lists in CertificateRequest.
    std::vector<Botan::X509_Certificate> certificates() const {
        auto all = m_pinned;
        all.insert(all.end(), m_ca_list.begin(), m_ca_list.end());
        return all;
    }

    /// Why `chain` (leaf first) is not acceptable; nullopt when it is.
    std::optional<std::string> refusal(const std::vector<Botan::X509_Certificate>& chain, Botan::Usage_Type usage) const {
        if (chain.empty()) return "no certificate";
        if (std::find(m_pinned.begin(), m_pinned.end(), chain.front()) != m_pinned.end()) return std::nullopt;
        if (m_ca_list.empty()) {
            return m_pinned.empty() ? "no trusted certificate is configured" : "not the pinned certificate";
        }
        const Botan::Path_Validation_Restrictions restrictions(false /* no revocation data */, 110);
        const auto result = Botan::x509_path_validate(chain, restrictions, m_cas, "", usage);
        if (result.successful_validation()) return std::nullopt;
        return result.result_string();
    }

private:
    std::vector<Botan::X509_Certificate> m_pinned;
    std::vector<Botan::X509_Certificate> m_ca_list;
    Botan::Certificate_Store_In_Memory m_cas;  // m_ca_list, for path validation
};

PeerTrust load_partner_trust(const config::PartnerTls& partner) {
    PeerTrust trust;
    if (!partner.certificate.empty()) {
        for (const auto& certificate : load_certificates(partner.certificate, "partner tls.certificate")) trust.pin(certificate);
    }
    if (!partner.ca.empty()) {
        for (const auto& certificate : load_certificates(partner.ca, "partner tls.ca")) trust.add_ca(certificate);
    }
    return trust;
}

std::string partner_key(const config::PartnerTls& partner) {
    return partner.certificate.string() + '\n' + partner.ca.string();
}

}  // namespace

struct TlsContext::Impl {
    bool server = false;
    std::vector<Botan::X509_Certificate> chain;  // ours, leaf first; empty: no identity
    std::unique_ptr<Botan::Private_Key> key;
    std::unique_ptr<StationPolicy> policy;
    bool require_client_cert = false;
    bool verify_peer = false;  // false only for a client without trust (--insecure)
    PeerTrust peer_trust;      // what the TLS handshake accepts from the peer
    // Server: the subjects listed in CertificateRequest (Botan asks for a client certificate
    // as soon as this store is not empty). Null when nothing would be accepted.
    std::unique_ptr<Botan::Certificate_Store_In_Memory> client_auth_cas;
    std::map<std::string, PeerTrust> partner_trust;  // by partner_key()

    void load_identity(const config::OftpTls& identity) {
        chain = load_certificates(identity.certificate, "oftp.tls.certificate");
        key = load_private_key(identity.private_key);
    }
};

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TlsContext::~TlsContext() = default;

std::shared_ptr<const TlsContext> TlsContext::for_server(const config::OftpSettings& station,
                                                         const std::vector<config::Partner>& partners) {
    if (!station.tls) throw std::runtime_error("oftp.tls is not configured");
    auto impl = std::make_unique<Impl>();
    impl->server = true;
    impl->verify_peer = true;
    impl->load_identity(*station.tls);
    impl->require_client_cert = station.tls->require_client_cert;

    auto announced = std::make_unique<Botan::Certificate_Store_In_Memory>();
    bool any_trust = false;
    if (!station.tls->client_ca.empty()) {
        for (const auto& ca : load_certificates(station.tls->client_ca, "oftp.tls.client_ca")) {
            impl->peer_trust.add_ca(ca);
            announced->add_certificate(ca);
            any_trust = true;
        }
    }
    for (const auto& partner : partners) {
        if (!partner.tls) continue;
        PeerTrust trust;
        try {
            trust = load_partner_trust(*partner.tls);
        } catch (const std::exception& e) {
            throw std::runtime_error("partner " + partner.name + ": " + e.what());
        }
        impl->peer_trust.add(trust);
        // Exact (often self-signed) certificates are listed too, so clients that pick their
        // certificate by the names we send still find theirs.
        for (const auto& certificate : trust.certificates()) announced->add_certificate(certificate);
        impl->partner_trust.emplace(partner_key(*partner.tls), std::move(trust));
        any_trust = true;
    }
    if (any_trust) impl->client_auth_cas = std::move(announced);
    impl->policy = std::make_unique<StationPolicy>(impl->require_client_cert);
    // The constructor is private; the new object is owned at once.
    return std::shared_ptr<const TlsContext>(new TlsContext(std::move(impl)));
}

std::shared_ptr<const TlsContext> TlsContext::for_client(const config::OftpTls* identity,
                                                         const config::PartnerTls* trust) {
    auto impl = std::make_unique<Impl>();
    if (identity) impl->load_identity(*identity);
    if (trust) {
        impl->peer_trust = load_partner_trust(*trust);
        impl->partner_trust.emplace(partner_key(*trust), impl->peer_trust);
        impl->verify_peer = true;
    }
    impl->policy = std::make_unique<StationPolicy>(false);
    return std::shared_ptr<const TlsContext>(new TlsContext(std::move(impl)));
}

bool TlsContext::accepts_for_partner(const std::optional<PeerCertificate>& presented,
                                     const config::PartnerTls* partner_tls) const {
    if (!partner_tls) return presented.has_value() || !m_impl->require_client_cert;
    if (!presented) return false;
    try {
        const Botan::X509_Certificate certificate(presented->der);
        const auto known = m_impl->partner_trust.find(partner_key(*partner_tls));
        if (known != m_impl->partner_trust.end()) return !known->second.refusal({certificate}, Botan::Usage_Type::UNSPECIFIED);
        // A partner this context was not built with (a reloaded configuration) is loaded now.
        return !load_partner_trust(*partner_tls).refusal({certificate}, Botan::Usage_Type::UNSPECIFIED);
    } catch (const std::exception&) {
        return false;
    }
}

namespace {

class TlsStream final : public detail::SocketStream,
                        private tls::Callbacks,
                        private Botan::Credentials_Manager {
public:
    TlsStream(tcp::socket socket, std::shared_ptr<const TlsContext> context)
        : SocketStream(std::move(socket)), m_context(std::move(context)), m_tls(m_context->impl()) {}

    bool is_tls() const override { return true; }
    std::string tls_description() const override { return m_description; }
    std::optional<PeerCertificate> peer_certificate() const override { return m_peer; }

private:
    // --- SocketStream -----------------------------------------------------------------------
    void begin() override {
        try {
            tls::Callbacks& callbacks = *this;
            Botan::Credentials_Manager& credentials = *this;
            if (m_tls.server) {
                m_channel = std::make_unique<tls::Server>(callbacks, m_sessions, credentials, *m_tls.policy, m_rng);
            } else {
                m_channel = std::make_unique<tls::Client>(callbacks, m_sessions, credentials, *m_tls.policy, m_rng);
            }
        } catch (const std::exception& e) {
            return end_now(std::string("tls: ") + e.what());
        }
        read_more();
    }

    void received(std::span<const std::uint8_t> bytes) override {
        std::optional<std::string> failure;
        try {
            m_channel->received_data(bytes.data(), bytes.size());
        } catch (const std::exception& e) {
            // Botan has queued the matching alert through tls_emit_data; it goes out first.
            failure = std::string("tls: ") + e.what();
        }
        if (m_activated && !m_ready_signalled && !failure) {
            m_ready_signalled = true;
            send_held_plaintext();
            signal_ready();
        }
        deliver_pending();
        if (failure) return end_after_flush(*failure);
        if (m_fatal_alert) return end_after_flush("tls: alert from peer: " + *m_fatal_alert);
        if (m_peer_closed) end_after_flush("closed by peer");
    }

    void send_application(std::vector<std::uint8_t> bytes) override {
        if (!m_ready_signalled) {
            m_held_plaintext_bytes += bytes.size();
            m_held_plaintext.push_back(std::move(bytes));
            return;
        }
        send_now(bytes);
    }

    void before_close() override {
        m_held_plaintext.clear();
        m_held_plaintext_bytes = 0;
        if (!m_channel || m_channel->is_closed()) return;
        try {
            m_channel->close();
        } catch (const std::exception&) {
            // The socket is shut down next anyway; the peer just misses close_notify.
        }
    }

    std::size_t held_output() const override { return m_held_plaintext_bytes; }

    std::string end_of_file_reason() const override {
        if (!m_activated) return "tls: closed by peer during the handshake";
        return "closed by peer without TLS close_notify";
    }

    void send_now(const std::vector<std::uint8_t>& bytes) {
        try {
            m_channel->send(bytes.data(), bytes.size());
        } catch (const std::exception& e) {
            end_now(std::string("tls: ") + e.what());
        }
    }

    void send_held_plaintext() {
        auto held = std::exchange(m_held_plaintext, {});
        m_held_plaintext_bytes = 0;
        for (const auto& bytes : held) send_now(bytes);
    }

    // --- tls::Callbacks ---------------------------------------------------------------------
    void tls_emit_data(const std::uint8_t data[], std::size_t size) override {
        queue_output(std::vector<std::uint8_t>(data, data + size));
    }

    // Records arrive inside received_data(); they are handed on after it returns, so on_data
    // may write or close without re-entering the channel.
    void tls_record_received(std::uint64_t, const std::uint8_t data[], std::size_t size) override {
        hold_for_delivery(std::span<const std::uint8_t>(data, size));
    }

    void tls_alert(tls::Alert alert) override {
        if (alert.type() == tls::Alert::CLOSE_NOTIFY) {
            m_peer_closed = true;
        } else if (alert.is_fatal()) {
            m_fatal_alert = alert.type_string();
        }
    }

    bool tls_session_established(const tls::Session& session) override {
        m_description = session.version().to_string() + " " + session.ciphersuite().to_string();
        if (!session.peer_certs().empty()) m_peer = describe(session.peer_certs().front());
        return false;  // no resumption: every connection shows its certificate again
    }

    void tls_session_activated() override { m_activated = true; }

    void tls_verify_cert_chain(const std::vector<Botan::X509_Certificate>& chain,
                               const std::vector<std::shared_ptr<const Botan::OCSP::Response>>&,
                               const std::vector<Botan::Certificate_Store*>&, Botan::Usage_Type usage,
                               const std::string&, const tls::Policy&) override {
        if (!m_tls.verify_peer) return;
        if (const auto why = m_tls.peer_trust.refusal(chain, usage)) {
            const char* whose = m_tls.server ? "client" : "server";
            throw tls::TLS_Exception(tls::Alert::BAD_CERTIFICATE,
                                     std::string(whose) + " certificate refused: " + *why);
        }
    }

    // --- Botan::Credentials_Manager -----------------------------------------------------------
    std::vector<Botan::Certificate_Store*> trusted_certificate_authorities(const std::string& type,
                                                                          const std::string&) override {
        if (m_tls.server && type == "tls-server" && m_tls.client_auth_cas) return {m_tls.client_auth_cas.get()};
        return {};
    }

    std::vector<Botan::X509_Certificate> find_cert_chain(const std::vector<std::string>& key_types,
                                                         const std::vector<Botan::X509_DN>&, const std::string&,
                                                         const std::string&) override {
        if (m_tls.chain.empty() || !m_tls.key) return {};
        const auto algorithm = m_tls.key->algo_name();
        if (!key_types.empty() && std::find(key_types.begin(), key_types.end(), algorithm) == key_types.end()) return {};
        return m_tls.chain;
    }

    Botan::Private_Key* private_key_for(const Botan::X509_Certificate& certificate, const std::string&,
                                        const std::string&) override {
        if (m_tls.chain.empty() || !(certificate == m_tls.chain.front())) return nullptr;
        return m_tls.key.get();
    }

    std::shared_ptr<const TlsContext> m_context;
    const TlsContext::Impl& m_tls;
    Botan::AutoSeeded_RNG m_rng;
    tls::Session_Manager_Noop m_sessions;

    std::vector<std::vector<std::uint8_t>> m_held_plaintext;  // written before the handshake ended
    std::size_t m_held_plaintext_bytes = 0;
    bool m_activated = false;
    bool m_ready_signalled = false;
    bool m_peer_closed = false;
    std::optional<std::string> m_fatal_alert;
    std::string m_description;
    std::optional<PeerCertificate> m_peer;

    std::unique_ptr<tls::Channel> m_channel;  // last: it refers to the members above
};

}  // namespace

std::shared_ptr<OftpStream> OftpStream::tls_server(tcp::socket socket, std::shared_ptr<const TlsContext> tls) {
    if (!tls || !tls->impl().server) throw std::invalid_argument("tls_server needs a TlsContext::for_server");
    return std::make_shared<TlsStream>(std::move(socket), std::move(tls));
}

std::shared_ptr<OftpStream> OftpStream::tls_client(tcp::socket socket, std::shared_ptr<const TlsContext> tls) {
    if (!tls || tls->impl().server) throw std::invalid_argument("tls_client needs a TlsContext::for_client");
    return std::make_shared<TlsStream>(std::move(socket), std::move(tls));
}

}  // namespace wharf::daemon
