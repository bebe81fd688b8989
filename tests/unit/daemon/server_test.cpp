// Server lifecycle with a stand-in protocol: graceful shutdown waits for sessions to finish,
// the grace period bounds the wait, and reload opens and closes listeners to match the config.
#include <catch2/catch.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <future>
#include <thread>

#include "config/loader.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/server/server.hpp"
#include "support/temp_dir.hpp"

namespace net = boost::asio;
using net::ip::tcp;
using wharf::daemon::Server;
using wharf::daemon::SessionControl;
using wharf::daemon::SessionRegistry;
using wharf::test::TempDir;

namespace {

std::uint16_t free_port() {
    net::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return probe.local_endpoint().port();
}

std::string config_text(std::uint16_t port, const std::string& grace) {
    return "server:\n  state_dir: state\n  workers: 2\n  shutdown_grace: " + grace +
           "\n  log: {level: warn}\noftp:\n  listen: [\"127.0.0.1:" + std::to_string(port) +
           "\"]\n  ssid: WHARFTEST\n  password: PW\n";
}

// A stand-in session: says hello; asked to stop, it "finishes its transfer" after
// `finish_after` (or never, when ignore_stop) and says goodbye before closing.
class HoldSession : public std::enable_shared_from_this<HoldSession> {
public:
    HoldSession(tcp::socket socket, bool ignore_stop)
        : m_socket(std::move(socket)), m_timer(m_socket.get_executor()), m_ignore_stop(ignore_stop) {}

    void start(SessionRegistry& registry) {
        auto weak = weak_from_this();
        auto executor = m_socket.get_executor();
        m_registration = registry.add(SessionControl{
            [weak, executor] { net::post(executor, [weak] { if (auto self = weak.lock()) self->on_stop_requested(); }); },
            [weak, executor] { net::post(executor, [weak] { if (auto self = weak.lock()) self->close(); }); },
            {},
        });
        net::async_write(m_socket, net::buffer(std::string_view("hello\n")), [self = shared_from_this()](auto, auto) {
            self->wait_for_peer();
        });
    }

private:
    void wait_for_peer() {
        m_socket.async_read_some(net::buffer(m_byte), [self = shared_from_this()](auto ec, auto) {
            if (ec) return self->close();
            self->wait_for_peer();
        });
    }
    void on_stop_requested() {
        if (m_ignore_stop) return;
        m_timer.expires_after(std::chrono::milliseconds(200));
        m_timer.async_wait([self = shared_from_this()](auto) {
            net::async_write(self->m_socket, net::buffer(std::string_view("bye\n")), [self](auto, auto) { self->close(); });
        });
    }
    void close() {
        boost::system::error_code ignored;
        m_socket.close(ignored);
        m_timer.cancel();
        m_registration.reset();
    }

    tcp::socket m_socket;
    net::steady_timer m_timer;
    bool m_ignore_stop;
    char m_byte[1];
    std::unique_ptr<SessionRegistry::Registration> m_registration;
};

struct RunningServer {
    RunningServer(TempDir& dir, std::uint16_t port, const std::string& grace, bool ignore_stop)
        : file(dir.write("wharf.yaml", config_text(port, grace))),
          server(file, wharf::config::load_file(file)) {
        server.add_service({"hold",
                            [](const wharf::config::Config& c) { return c.oftp ? c.oftp->listen : decltype(c.oftp->listen){}; },
                            [this, ignore_stop](tcp::socket socket) {
                                std::make_shared<HoldSession>(std::move(socket), ignore_stop)->start(server.sessions());
                            }});
        exit_code = std::async(std::launch::async, [this] { return server.run(); });
    }
    std::filesystem::path file;
    Server server;
    std::future<int> exit_code;
};

// Connects, retrying while the server is still opening its listener.
tcp::socket connect(net::io_context& io, std::uint16_t port) {
    for (int attempt = 0;; ++attempt) {
        tcp::socket socket(io);
        boost::system::error_code ec;
        socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
        if (!ec) return socket;
        if (attempt > 200) throw boost::system::system_error(ec);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string read_all(tcp::socket& socket) {
    std::string data;
    boost::system::error_code ec;
    net::read(socket, net::dynamic_buffer(data), ec);  // until EOF or reset
    return data;
}

std::string read_line(tcp::socket& socket) {
    std::string line;
    char c = 0;
    while (net::read(socket, net::buffer(&c, 1)) == 1 && c != '\n') line += c;
    return line;
}

}  // namespace

TEST_CASE("shutdown lets running sessions finish before exiting", "[server]") {
    TempDir dir;
    const auto port = free_port();
    RunningServer running(dir, port, "10s", false);
    net::io_context io;
    auto client = connect(io, port);
    REQUIRE(read_line(client) == "hello");
    REQUIRE(running.server.sessions().size() == 1);

    const auto started = std::chrono::steady_clock::now();
    running.server.request_shutdown();
    CHECK(read_all(client) == "bye\n");  // the session finished its work, then closed
    REQUIRE(running.exit_code.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(running.exit_code.get() == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));  // not the 10 s grace
    // The listener is gone: no new connections.
    tcp::socket late(io);
    boost::system::error_code ec;
    late.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    CHECK(ec);
}

TEST_CASE("the grace period bounds the wait for sessions that do not stop", "[server]") {
    TempDir dir;
    const auto port = free_port();
    RunningServer running(dir, port, "300ms", true);
    net::io_context io;
    auto client = connect(io, port);
    REQUIRE(read_line(client) == "hello");
    running.server.request_shutdown();
    CHECK(read_all(client).empty());  // closed by the server once the grace ran out
    REQUIRE(running.exit_code.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(running.exit_code.get() == 0);
    CHECK(running.server.sessions().size() == 0);
}

TEST_CASE("reload moves listeners without dropping established sessions", "[server]") {
    TempDir dir;
    const auto old_port = free_port();
    RunningServer running(dir, old_port, "5s", false);
    net::io_context io;
    auto established = connect(io, old_port);
    REQUIRE(read_line(established) == "hello");

    auto new_port = free_port();
    while (new_port == old_port) new_port = free_port();
    dir.write("wharf.yaml", config_text(new_port, "5s"));
    running.server.request_reload();
    auto fresh = connect(io, new_port);
    CHECK(read_line(fresh) == "hello");
    tcp::socket refused(io);
    boost::system::error_code ec;
    refused.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), old_port), ec);
    CHECK(ec);
    CHECK(running.server.sessions().size() == 2);  // the old session is still there
    CHECK(running.server.config()->oftp->listen.at(0).port == new_port);

    // A broken file keeps the running configuration.
    dir.write("wharf.yaml", "server: [\n");
    running.server.request_reload();
    auto again = connect(io, new_port);
    CHECK(read_line(again) == "hello");
    CHECK(running.server.config()->oftp->listen.at(0).port == new_port);

    running.server.request_shutdown();
    CHECK(read_all(established) == "bye\n");
    REQUIRE(running.exit_code.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(running.exit_code.get() == 0);
}
