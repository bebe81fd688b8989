#include "daemon/listeners/tcp_listener.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <fmt/format.h>

#include "daemon/logging/log.hpp"

namespace wharf::daemon {

namespace {

std::string to_string(const net::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address().to_string();
    return endpoint.address().is_v6() ? fmt::format("[{}]:{}", address, endpoint.port())
                                      : fmt::format("{}:{}", address, endpoint.port());
}

// Errors such as EMFILE are transient: wait a little instead of spinning on accept.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

}  // namespace

TcpListener::TcpListener(net::io_context& accept_context, WorkerPool& workers,
                         const net::ip::tcp::endpoint& endpoint, std::string proto, AcceptHandler handler)
    : m_acceptor(accept_context), m_retry_timer(accept_context), m_workers(workers), m_proto(std::move(proto)),
      m_handler(std::move(handler)) {
    boost::system::error_code ec;
    const auto fail = [&](const char* step) {
        throw boost::system::system_error(ec, fmt::format("{} {} {}", m_proto, step, to_string(endpoint)));
    };
    m_acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open");
    m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) fail("set reuse_address");
    if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
        m_acceptor.set_option(net::ip::v6_only(false), ec);
        if (ec) fail("set dual stack");
    }
    m_acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    m_acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
}

void TcpListener::run() { do_accept(); }

void TcpListener::close() {
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
    m_retry_timer.cancel();
}

void TcpListener::do_accept() {
    if (!m_acceptor.is_open()) return;
    m_acceptor.async_accept(m_workers.next(), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                          net::ip::tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
    });
}

void TcpListener::on_accept(const boost::system::error_code& ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !m_acceptor.is_open()) return;
    if (ec) {
        log::warn("listener.accept.error").proto(m_proto).field("error", ec.message());
        m_retry_timer.expires_after(accept_retry_delay);
        m_retry_timer.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
            if (!wait_ec) self->do_accept();
        });
        return;
    }
    // Protocol replies are small and answer the peer's data (SFTP status, window adjusts, OFTP
    // credits): held back by Nagle until the peer's ACK, they stall uploads.
    boost::system::error_code option_error;
    socket.set_option(net::ip::tcp::no_delay(true), option_error);
    // The socket lives on its worker's context; run the handler there, never on the acceptor's.
    auto executor = socket.get_executor();
    net::post(executor, [handler = m_handler, s = std::move(socket)]() mutable { handler(std::move(s)); });
    do_accept();
}

std::vector<net::ip::tcp::endpoint> resolve_listen_address(net::io_context& context,
                                                           const config::ListenAddress& address) {
    if (address.host.empty()) {
        net::ip::tcp::acceptor probe(context);
        boost::system::error_code ec;
        probe.open(net::ip::tcp::v6(), ec);
        if (!ec) return {net::ip::tcp::endpoint(net::ip::tcp::v6(), address.port)};
        return {net::ip::tcp::endpoint(net::ip::tcp::v4(), address.port)};
    }
    boost::system::error_code ec;
    const auto literal = net::ip::make_address(address.host, ec);
    if (!ec) return {net::ip::tcp::endpoint(literal, address.port)};
    net::ip::tcp::resolver resolver(context);
    std::vector<net::ip::tcp::endpoint> endpoints;
    for (const auto& entry : resolver.resolve(address.host, std::to_string(address.port),
                                              net::ip::tcp::resolver::passive)) {
        endpoints.push_back(entry.endpoint());
    }
    return endpoints;
}

}  // namespace wharf::daemon
