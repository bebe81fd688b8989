// OftpStream over real loopback sockets on one io_context: plain and TLS 1.2 (Botan on both
// ends, and openssl s_client as a foreign client), client certificate policy, the partner
// check, and close() flushing before the peer sees the end.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/pkcs8.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "daemon/oftp/oftp_stream.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace net = boost::asio;
using net::ip::tcp;
using wharf::daemon::OftpStream;
using wharf::daemon::PeerCertificate;
using wharf::daemon::TlsContext;
using wharf::test::TempDir;

namespace {

// --- certificates, made fresh for every run -------------------------------------------------

struct Identity {
    std::filesystem::path certificate_file;
    std::filesystem::path key_file;
    Botan::X509_Certificate certificate;
    std::unique_ptr<Botan::Private_Key> key;
};

std::unique_ptr<Botan::Private_Key> new_key(Botan::RandomNumberGenerator& rng) {
    return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp256r1"));
}

Identity save(const TempDir& dir, const std::string& name, Botan::X509_Certificate certificate,
              std::unique_ptr<Botan::Private_Key> key) {
    Identity identity{dir.write(name + ".crt", certificate.PEM_encode()),
                      dir.write(name + ".key", Botan::PKCS8::PEM_encode(*key)), std::move(certificate), std::move(key)};
    return identity;
}

Identity self_signed(const TempDir& dir, const std::string& name, bool is_ca) {
    Botan::AutoSeeded_RNG rng;
    auto key = new_key(rng);
    Botan::X509_Cert_Options options(name + "/DE/Wharf Test");
    if (is_ca) options.CA_key();
    auto certificate = Botan::X509::create_self_signed_cert(options, *key, "SHA-256", rng);
    return save(dir, name, std::move(certificate), std::move(key));
}

Identity issued_by(const Identity& ca, const TempDir& dir, const std::string& name) {
    Botan::AutoSeeded_RNG rng;
    auto key = new_key(rng);
    const Botan::X509_Cert_Options options(name + "/DE/Wharf Test");
    const auto request = Botan::X509::create_cert_req(options, *key, "SHA-256", rng);
    const Botan::X509_CA authority(ca.certificate, *ca.key, "SHA-256", rng);
    const auto now = std::chrono::system_clock::now();
    auto certificate = authority.sign_request(request, rng, Botan::X509_Time(now - std::chrono::hours(1)),
                                              Botan::X509_Time(now + std::chrono::hours(24 * 30)));
    return save(dir, name, std::move(certificate), std::move(key));
}

wharf::config::OftpSettings station(const Identity& server, std::filesystem::path client_ca = {},
                                    bool require_client_cert = false) {
    wharf::config::OftpSettings settings;
    settings.ssid = "OWHARF";
    settings.tls = wharf::config::OftpTls{server.certificate_file, server.key_file, std::move(client_ca),
                                          require_client_cert};
    return settings;
}

wharf::config::Partner partner(const std::string& name, wharf::config::PartnerTls tls) {
    wharf::config::Partner p;
    p.name = name;
    p.ssid = "O" + name;
    p.tls = std::move(tls);
    return p;
}

wharf::config::OftpTls client_identity(const Identity& identity) {
    return wharf::config::OftpTls{identity.certificate_file, identity.key_file, {}, false};
}

// --- a connected pair of streams --------------------------------------------------------------

std::pair<tcp::socket, tcp::socket> connected_sockets(net::io_context& io) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    auto server = acceptor.accept();
    return {std::move(server), std::move(client)};
}

// One end of the connection and what its handlers saw.
struct End {
    explicit End(std::shared_ptr<OftpStream> s = {}) : stream(std::move(s)) {}

    std::shared_ptr<OftpStream> stream;
    bool ready = false;
    std::vector<std::uint8_t> received;
    std::optional<std::string> closed;
    int closed_calls = 0;
    std::function<void(std::span<const std::uint8_t>)> extra_on_data;

    void start() {
        stream->start({
            .on_ready = [this] { ready = true; },
            .on_data =
                [this](std::span<const std::uint8_t> bytes) {
                    received.insert(received.end(), bytes.begin(), bytes.end());
                    if (extra_on_data) extra_on_data(bytes);
                },
            .on_closed =
                [this](const std::string& reason) {
                    closed = reason;
                    ++closed_calls;
                },
        });
    }
};

template <typename Predicate>
void run_until(net::io_context& io, Predicate done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) FAIL("timed out waiting for the streams");
        io.restart();
        io.run_one_for(std::chrono::milliseconds(100));
    }
}

// Lets queued handlers (a second on_closed, say) run before the assertions.
void settle(net::io_context& io) {
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
}

std::vector<std::uint8_t> pattern(std::size_t size, unsigned seed) {
    std::mt19937 generator(seed);
    std::vector<std::uint8_t> bytes(size);
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(generator());
    return bytes;
}

void write_in_chunks(OftpStream& stream, const std::vector<std::uint8_t>& bytes, std::size_t chunk) {
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        const auto end = std::min(bytes.size(), at + chunk);
        stream.write(std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                               bytes.begin() + static_cast<std::ptrdiff_t>(end)));
    }
}

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

struct TlsPair {
    End server;
    End client;
};

// Connects a TLS server and client with the given contexts and starts both.
TlsPair tls_pair(net::io_context& io, std::shared_ptr<const TlsContext> server_tls,
                 std::shared_ptr<const TlsContext> client_tls) {
    auto [server_socket, client_socket] = connected_sockets(io);
    TlsPair pair;
    pair.server.stream = OftpStream::tls_server(std::move(server_socket), std::move(server_tls));
    pair.client.stream = OftpStream::tls_client(std::move(client_socket), std::move(client_tls));
    return pair;
}

}  // namespace

TEST_CASE("plain stream carries bytes both ways and closes cleanly", "[oftp_stream]") {
    net::io_context io;
    auto [server_socket, client_socket] = connected_sockets(io);
    const auto client_port = client_socket.local_endpoint().port();
    End server{OftpStream::plain(std::move(server_socket))};
    End client{OftpStream::plain(std::move(client_socket))};
    server.extra_on_data = [&](std::span<const std::uint8_t> bytes) {
        server.stream->write(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));  // echo
    };
    server.start();
    client.start();
    CHECK_FALSE(server.stream->is_tls());
    CHECK(server.stream->tls_description().empty());
    CHECK_FALSE(server.stream->peer_certificate());
    CHECK(server.stream->remote() == "127.0.0.1:" + std::to_string(client_port));

    const auto sent = pattern(300 * 1024, 1);
    write_in_chunks(*client.stream, sent, 4096);
    CHECK(client.stream->pending_output() == sent.size());  // nothing is written inside write()
    run_until(io, [&] { return client.received.size() >= sent.size(); });
    CHECK((client.received == sent));  // parenthesised: no dump of megabytes on failure
    CHECK((server.received == sent));
    CHECK(server.ready);
    CHECK(client.ready);

    server.stream->write(bytes_of("from the server\n"));
    run_until(io, [&] { return client.received.size() == sent.size() + 16; });

    client.stream->close();
    CHECK_FALSE(client.closed);  // posted, never called from inside close()
    run_until(io, [&] { return client.closed && server.closed; });
    settle(io);
    CHECK(*client.closed == "");
    CHECK(*server.closed == "closed by peer");
    CHECK(client.closed_calls == 1);
    CHECK(server.closed_calls == 1);
    client.stream->close();  // a second close does nothing
    settle(io);
    CHECK(client.closed_calls == 1);
}

TEST_CASE("plain stream: pause_reading holds input back, on_drained reports an empty queue", "[oftp_stream]") {
    net::io_context io;
    auto [server_socket, client_socket] = connected_sockets(io);
    End server{OftpStream::plain(std::move(server_socket))};
    End client{OftpStream::plain(std::move(client_socket))};
    server.start();
    client.start();
    run_until(io, [&] { return server.ready && client.ready; });

    server.stream->pause_reading(true);
    client.stream->write(bytes_of("held"));
    int drained = 0;
    client.stream->on_drained([&] { ++drained; });
    run_until(io, [&] { return drained == 1; });
    CHECK(client.stream->pending_output() == 0);
    settle(io);
    CHECK(server.received.empty());
    server.stream->pause_reading(false);
    run_until(io, [&] { return server.received.size() == 4; });

    client.stream->abort();
    run_until(io, [&] { return client.closed && server.closed; });
    CHECK(*client.closed == "aborted");
    CHECK_FALSE(server.closed->empty());
}

TEST_CASE("plain stream: close() writes everything queued before the peer sees the end", "[oftp_stream]") {
    net::io_context io;
    auto [server_socket, client_socket] = connected_sockets(io);
    End server{OftpStream::plain(std::move(server_socket))};
    End client{OftpStream::plain(std::move(client_socket))};
    server.start();
    client.start();
    const auto sent = pattern(8 * 1024 * 1024, 2);
    write_in_chunks(*server.stream, sent, 64 * 1024);
    server.stream->close();
    server.stream->write(bytes_of("dropped: written after close"));
    run_until(io, [&] { return client.closed && server.closed; });
    CHECK(*client.closed == "closed by peer");
    CHECK(*server.closed == "");
    CHECK(client.received.size() == sent.size());
    CHECK((client.received == sent));
}

TEST_CASE("TLS server and client: handshake and 1 MiB each way", "[oftp_stream]") {
    TempDir dir;
    const auto ca = self_signed(dir, "Test CA", true);
    const auto server_identity = issued_by(ca, dir, "oftp.example");
    const wharf::config::PartnerTls pin_server{server_identity.certificate_file, {}};

    net::io_context io;
    auto pair = tls_pair(io, TlsContext::for_server(station(server_identity), {}),
                         TlsContext::for_client(nullptr, &pin_server));
    auto& [server, client] = pair;
    CHECK(server.stream->is_tls());
    const auto early = bytes_of("written before the handshake;");
    client.stream->write(early);
    CHECK(client.stream->pending_output() == early.size());
    server.start();
    client.start();
    run_until(io, [&] { return server.ready && client.ready; });

    const auto description = client.stream->tls_description();
    INFO(description);
    CHECK(description.find("1.2") != std::string::npos);
    CHECK(description.find("ECDHE") != std::string::npos);
    CHECK((description.find("GCM") != std::string::npos || description.find("CHACHA20_POLY1305") != std::string::npos));
    CHECK(server.stream->tls_description() == description);
    CHECK_FALSE(server.stream->peer_certificate());  // none asked for, none sent
    const auto seen_server = client.stream->peer_certificate();
    REQUIRE(seen_server);
    CHECK(seen_server->subject.find("oftp.example") != std::string::npos);
    CHECK(seen_server->issuer.find("Test CA") != std::string::npos);
    CHECK(seen_server->sha256_fingerprint == server_identity.certificate.fingerprint("SHA-256"));
    CHECK(seen_server->der == server_identity.certificate.BER_encode());

    const auto to_server = pattern(1024 * 1024, 3);
    const auto to_client = pattern(1024 * 1024, 4);
    write_in_chunks(*client.stream, to_server, 50000);
    write_in_chunks(*server.stream, to_client, 4096);
    bool server_drained = false;
    server.stream->on_drained([&] { server_drained = true; });
    run_until(io, [&] {
        return server.received.size() >= early.size() + to_server.size() && client.received.size() >= to_client.size();
    });
    run_until(io, [&] { return server_drained; });
    REQUIRE(server.received.size() == early.size() + to_server.size());
    CHECK(std::equal(early.begin(), early.end(), server.received.begin()));
    CHECK(std::equal(to_server.begin(), to_server.end(), server.received.begin() + static_cast<std::ptrdiff_t>(early.size())));
    CHECK((client.received == to_client));

    client.stream->close();
    run_until(io, [&] { return client.closed && server.closed; });
    settle(io);
    CHECK(*client.closed == "");
    CHECK(*server.closed == "closed by peer");  // after close_notify
    CHECK(client.closed_calls == 1);
    CHECK(server.closed_calls == 1);
}

TEST_CASE("TLS: close() flushes queued data and close_notify before the end", "[oftp_stream]") {
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    net::io_context io;
    auto pair = tls_pair(io, TlsContext::for_server(station(server_identity), {}), TlsContext::for_client(nullptr, nullptr));
    auto& [server, client] = pair;
    server.start();
    client.start();
    run_until(io, [&] { return server.ready && client.ready; });
    const auto sent = pattern(4 * 1024 * 1024, 5);
    write_in_chunks(*server.stream, sent, 64 * 1024);
    server.stream->close();
    run_until(io, [&] { return client.closed && server.closed; });
    CHECK(*server.closed == "");
    CHECK(*client.closed == "closed by peer");
    CHECK((client.received == sent));
}

TEST_CASE("TLS: a required client certificate that is missing ends both sides", "[oftp_stream]") {
    TempDir dir;
    const auto ca = self_signed(dir, "Client CA", true);
    const auto server_identity = self_signed(dir, "oftp.example", false);
    net::io_context io;
    auto pair = tls_pair(io, TlsContext::for_server(station(server_identity, ca.certificate_file, true), {}),
                         TlsContext::for_client(nullptr, nullptr));
    auto& [server, client] = pair;
    server.start();
    client.start();
    run_until(io, [&] { return client.closed && server.closed; });
    INFO("server: " << *server.closed << " / client: " << *client.closed);
    CHECK(server.closed->starts_with("tls: "));
    CHECK(client.closed->starts_with("tls: "));
    CHECK_FALSE(server.ready);
    CHECK_FALSE(client.ready);
}

TEST_CASE("TLS: client certificates are checked against partners and client_ca", "[oftp_stream]") {
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    const auto pinned = self_signed(dir, "partner-pinned", false);
    const auto stranger = self_signed(dir, "stranger", false);
    const auto client_ca = self_signed(dir, "Client CA", true);
    const auto ca_issued = issued_by(client_ca, dir, "partner-ca-issued");
    const std::vector<wharf::config::Partner> partners{partner("PINNED", {pinned.certificate_file, {}})};
    const auto server_tls = TlsContext::for_server(station(server_identity, client_ca.certificate_file, false), partners);

    SECTION("a certificate nobody vouches for is refused") {
        const auto identity = client_identity(stranger);
        net::io_context io;
        auto pair = tls_pair(io, server_tls, TlsContext::for_client(&identity, nullptr));
        pair.server.start();
        pair.client.start();
        run_until(io, [&] { return pair.client.closed && pair.server.closed; });
        INFO("server: " << *pair.server.closed << " / client: " << *pair.client.closed);
        CHECK(pair.server.closed->starts_with("tls: client certificate refused: "));
        CHECK(pair.client.closed->starts_with("tls: "));
        CHECK_FALSE(pair.server.ready);
    }
    SECTION("the pinned partner certificate is accepted") {
        const auto identity = client_identity(pinned);
        net::io_context io;
        auto pair = tls_pair(io, server_tls, TlsContext::for_client(&identity, nullptr));
        pair.server.start();
        pair.client.start();
        run_until(io, [&] { return pair.server.ready && pair.client.ready; });
        const auto seen = pair.server.stream->peer_certificate();
        REQUIRE(seen);
        CHECK(seen->subject.find("partner-pinned") != std::string::npos);
        CHECK(seen->sha256_fingerprint == pinned.certificate.fingerprint("SHA-256"));
        CHECK(seen->der == pinned.certificate.BER_encode());
        CHECK(server_tls->accepts_for_partner(seen, &*partners[0].tls));
        pair.client.stream->close();
        run_until(io, [&] { return pair.client.closed && pair.server.closed; });
    }
    SECTION("a certificate issued by client_ca is accepted") {
        const auto identity = client_identity(ca_issued);
        net::io_context io;
        auto pair = tls_pair(io, server_tls, TlsContext::for_client(&identity, nullptr));
        pair.server.start();
        pair.client.start();
        run_until(io, [&] { return pair.server.ready && pair.client.ready; });
        const auto seen = pair.server.stream->peer_certificate();
        REQUIRE(seen);
        CHECK(seen->issuer.find("Client CA") != std::string::npos);
        // The handshake took it (client_ca), but the partner pins another certificate.
        CHECK_FALSE(server_tls->accepts_for_partner(seen, &*partners[0].tls));
        pair.server.stream->abort();
        run_until(io, [&] { return pair.client.closed && pair.server.closed; });
        CHECK(*pair.server.closed == "aborted");
    }
    SECTION("a client without a certificate is accepted when none is required") {
        net::io_context io;
        auto pair = tls_pair(io, server_tls, TlsContext::for_client(nullptr, nullptr));
        pair.server.start();
        pair.client.start();
        run_until(io, [&] { return pair.server.ready && pair.client.ready; });
        CHECK_FALSE(pair.server.stream->peer_certificate());
        CHECK(server_tls->accepts_for_partner(std::nullopt, nullptr));
        CHECK_FALSE(server_tls->accepts_for_partner(std::nullopt, &*partners[0].tls));
    }
}

TEST_CASE("TLS client refuses a server that is not the pinned one", "[oftp_stream]") {
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    const auto other = self_signed(dir, "someone-else", false);
    const wharf::config::PartnerTls pin_other{other.certificate_file, {}};
    net::io_context io;
    auto pair = tls_pair(io, TlsContext::for_server(station(server_identity), {}), TlsContext::for_client(nullptr, &pin_other));
    pair.server.start();
    pair.client.start();
    run_until(io, [&] { return pair.client.closed && pair.server.closed; });
    INFO("server: " << *pair.server.closed << " / client: " << *pair.client.closed);
    CHECK(pair.client.closed->starts_with("tls: server certificate refused: "));
    CHECK(pair.server.closed->starts_with("tls: "));
}

TEST_CASE("TlsContext::accepts_for_partner: exact certificate, CA-issued, other", "[oftp_stream]") {
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    const auto exact = self_signed(dir, "exact", false);
    const auto ca = self_signed(dir, "Partner CA", true);
    const auto issued = issued_by(ca, dir, "issued");
    const auto other = self_signed(dir, "other", false);
    const std::vector<wharf::config::Partner> partners{partner("EXACT", {exact.certificate_file, {}}),
                                                       partner("BYCA", {{}, ca.certificate_file})};
    const auto context = TlsContext::for_server(station(server_identity, {}, true), partners);
    const auto presented = [](const Identity& identity) {
        return std::optional<PeerCertificate>(PeerCertificate{{}, {}, {}, identity.certificate.BER_encode()});
    };
    const auto* exact_tls = &*partners[0].tls;
    const auto* ca_tls = &*partners[1].tls;

    CHECK(context->accepts_for_partner(presented(exact), exact_tls));
    CHECK_FALSE(context->accepts_for_partner(presented(exact), ca_tls));
    CHECK(context->accepts_for_partner(presented(issued), ca_tls));
    CHECK_FALSE(context->accepts_for_partner(presented(issued), exact_tls));
    CHECK_FALSE(context->accepts_for_partner(presented(other), exact_tls));
    CHECK_FALSE(context->accepts_for_partner(presented(other), ca_tls));
    CHECK_FALSE(context->accepts_for_partner(std::nullopt, exact_tls));
    // No tls for the partner: whatever the handshake took, but the listener requires one.
    CHECK(context->accepts_for_partner(presented(other), nullptr));
    CHECK_FALSE(context->accepts_for_partner(std::nullopt, nullptr));
    // A partner the context was not built with is loaded on demand.
    const wharf::config::PartnerTls later{other.certificate_file, {}};
    CHECK(context->accepts_for_partner(presented(other), &later));
    // Garbage DER is simply not acceptable.
    CHECK_FALSE(context->accepts_for_partner(PeerCertificate{{}, {}, {}, {1, 2, 3}}, exact_tls));
}

TEST_CASE("TlsContext names the file it cannot use", "[oftp_stream]") {
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    auto settings = station(server_identity);
    settings.tls->private_key = dir.write("broken.key", "not a key");
    CHECK_THROWS_WITH(TlsContext::for_server(settings, {}), Catch::Contains("broken.key"));
    settings = station(server_identity);
    settings.tls->certificate = dir / "missing.crt";
    CHECK_THROWS_WITH(TlsContext::for_server(settings, {}), Catch::Contains("missing.crt"));
    CHECK_THROWS_WITH(TlsContext::for_server(wharf::config::OftpSettings{}, {}), Catch::Contains("oftp.tls"));
    const std::vector<wharf::config::Partner> partners{partner("ACME", {dir / "acme.crt", {}})};
    CHECK_THROWS_WITH(TlsContext::for_server(station(server_identity), partners),
                      Catch::Contains("partner ACME") && Catch::Contains("acme.crt"));
}

namespace {

// openssl s_client with its stdin and stdout on pipes.
struct SClient {
    pid_t pid = -1;
    int to_stdin = -1;
    int from_stdout = -1;
};

SClient spawn_s_client(std::uint16_t port) {
    int in_pipe[2];
    int out_pipe[2];
    REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const auto target = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args{"openssl", "s_client", "-connect", target, "-quiet"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    SClient child;
    const int spawned = ::posix_spawnp(&child.pid, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    REQUIRE(spawned == 0);
    child.to_stdin = in_pipe[1];
    child.from_stdout = out_pipe[0];
    return child;
}

bool openssl_available() {
    return std::system("openssl version > /dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("TLS server talks to openssl s_client", "[oftp_stream]") {
    if (!openssl_available()) {
        WARN("openssl is not installed: s_client interop skipped");
        return;
    }
    TempDir dir;
    const auto server_identity = self_signed(dir, "oftp.example", false);
    const auto context = TlsContext::for_server(station(server_identity), {});

    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    auto child = spawn_s_client(acceptor.local_endpoint().port());
    End server{OftpStream::tls_server(acceptor.accept(), context)};
    server.extra_on_data = [&](std::span<const std::uint8_t>) {
        if (server.received.size() >= 6) {
            server.stream->write(bytes_of("welcome from wharf\n"));
            server.stream->close();
        }
    };
    server.start();
    const std::string hello = "hello\n";
    REQUIRE(::write(child.to_stdin, hello.data(), hello.size()) == static_cast<ssize_t>(hello.size()));
    ::close(child.to_stdin);  // -quiet implies -ign_eof: s_client stays until we close
    run_until(io, [&] { return server.closed.has_value(); });

    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        pollfd readable{child.from_stdout, POLLIN, 0};
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        io.restart();
        io.poll();  // the lingering close runs meanwhile
        if (::poll(&readable, 1, 100) <= 0) continue;
        char buffer[4096];
        const auto got = ::read(child.from_stdout, buffer, sizeof buffer);
        if (got <= 0) break;
        output.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(child.from_stdout);
    int status = 0;
    ::waitpid(child.pid, &status, 0);

    CHECK(std::string(server.received.begin(), server.received.end()) == hello);
    CHECK(output.find("welcome from wharf") != std::string::npos);
    CHECK(*server.closed == "");
    CHECK(server.stream->tls_description().find("1.2") != std::string::npos);
}
