// Accepts TCP connections on one endpoint and hands each socket, already bound to a worker's
// io_context, to the protocol's accept handler on that worker.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/network.hpp"
#include "daemon/server/worker_pool.hpp"

namespace wharf::daemon {

using AcceptHandler = std::function<void(net::ip::tcp::socket)>;

class TcpListener : public std::enable_shared_from_this<TcpListener> {
public:
    /// Binds and listens; throws boost::system::system_error naming the endpoint on failure.
    TcpListener(net::io_context& accept_context, WorkerPool& workers, const net::ip::tcp::endpoint& endpoint,
                std::string proto, AcceptHandler handler);

    void run();
    /// Stops accepting; established connections are not touched.
    void close();
    net::ip::tcp::endpoint local_endpoint() const { return m_acceptor.local_endpoint(); }
    const std::string& proto() const { return m_proto; }

private:
    void do_accept();
    void on_accept(const boost::system::error_code& ec, net::ip::tcp::socket socket);

    net::ip::tcp::acceptor m_acceptor;
    net::steady_timer m_retry_timer;
    WorkerPool& m_workers;
    std::string m_proto;
    AcceptHandler m_handler;
};

/// Endpoints for a configured address: "*" binds IPv6 any with dual stack (or IPv4 any when
/// the host has no IPv6); names resolve to every address they have.
std::vector<net::ip::tcp::endpoint> resolve_listen_address(net::io_context& context,
                                                           const config::ListenAddress& address);

}  // namespace wharf::daemon
