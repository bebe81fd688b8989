// The socket side shared by both streams (detail/socket_stream.hpp) and the plain TCP stream.
// Beast's shape: each async operation has a do/on pair and holds the stream alive through
// shared_from_this; user handlers run from completion handlers or posted tasks only.
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <utility>

#include "daemon/oftp/detail/socket_stream.hpp"

namespace wharf::daemon {

namespace {

using tcp = net::ip::tcp;

// After our FIN we read (and discard) a little longer so that unread input does not make the
// kernel answer with a reset, which could destroy data the peer has not read yet.
constexpr auto linger_time = std::chrono::seconds(2);
// One writev takes at most this many buffers (Asio's own iovec limit).
constexpr std::size_t max_buffers_per_write = 64;

std::string remote_of(const tcp::socket& socket) {
    boost::system::error_code error;
    const auto endpoint = socket.remote_endpoint(error);
    if (error) return "?";
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    }
    const auto port = std::to_string(endpoint.port());
    if (address.is_v6()) return "[" + address.to_string() + "]:" + port;
    return address.to_string() + ":" + port;
}

class PlainStream final : public detail::SocketStream {
public:
    explicit PlainStream(tcp::socket socket) : SocketStream(std::move(socket)) {}

    bool is_tls() const override { return false; }
    std::string tls_description() const override { return {}; }
    std::optional<PeerCertificate> peer_certificate() const override { return std::nullopt; }

private:
    void begin() override {
        signal_ready();
        read_more();
    }
    void received(std::span<const std::uint8_t> bytes) override { deliver(bytes); }
    void send_application(std::vector<std::uint8_t> bytes) override { queue_output(std::move(bytes)); }
};

}  // namespace

std::shared_ptr<OftpStream> OftpStream::plain(tcp::socket socket) {
    return std::make_shared<PlainStream>(std::move(socket));
}

namespace detail {

SocketStream::SocketStream(tcp::socket socket)
    : m_socket(std::move(socket)),
      m_executor(m_socket.get_executor()),
      m_linger_timer(m_executor),
      m_remote(remote_of(m_socket)),
      m_read_buffer(std::make_unique<std::array<std::uint8_t, 64 * 1024>>()) {}

// ---------------------------------------------------------------------------------------------
// The user's calls

void SocketStream::start(Handlers handlers) {
    if (m_started) return;
    m_started = true;
    m_handlers = std::move(handlers);
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    net::post(m_executor, [self] {
        if (self->is_open()) self->begin();
    });
}

void SocketStream::write(std::vector<std::uint8_t> bytes) {
    if (!is_open() || bytes.empty()) return;
    send_application(std::move(bytes));
}

std::size_t SocketStream::pending_output() const { return m_output_bytes + held_output(); }

void SocketStream::on_drained(std::function<void()> handler) { m_on_drained = std::move(handler); }

void SocketStream::pause_reading(bool paused) {
    if (paused == m_paused) return;
    m_paused = paused;
    if (paused) return;
    // Resuming from inside on_data must not call on_data again before it returns.
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    net::post(m_executor, [self] {
        if (!self->is_open() || self->m_paused) return;
        self->deliver_pending();
        self->read_more();
    });
}

void SocketStream::close() {
    if (!is_open()) return;
    before_close();
    begin_flush("");
}

void SocketStream::abort() {
    if (m_phase == Phase::closed) return;
    if (!m_closed_notified) m_close_reason = "aborted";
    m_output.clear();
    m_output_bytes = 0;
    m_held_input.clear();
    close_socket();
    notify_closed();
}

// ---------------------------------------------------------------------------------------------
// Reading

void SocketStream::read_more() {
    if (!is_open() || m_reading || m_paused || m_peer_eof || m_end_requested || !m_held_input.empty()) return;
    m_reading = true;
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    m_socket.async_read_some(net::buffer(*m_read_buffer),
                             [self](const boost::system::error_code& error, std::size_t size) {
                                 self->on_read(error, size);
                             });
}

void SocketStream::on_read(const boost::system::error_code& error, std::size_t size) {
    m_reading = false;
    if (!is_open()) return on_read_while_closing(error, size);
    if (error == net::error::eof) {
        m_peer_eof = true;
        return end_after_flush(end_of_file_reason());
    }
    if (error) return end_now("read: " + error.message());
    received(std::span<const std::uint8_t>(m_read_buffer->data(), size));
    read_more();
}

// Input after close() or the end of the session is read only to be dropped: the point is to
// see the peer's FIN before the socket is closed.
void SocketStream::on_read_while_closing(const boost::system::error_code& error, std::size_t) {
    if (m_phase == Phase::closed) return;
    if (error) {
        m_peer_eof = true;
        if (m_phase == Phase::lingering) close_socket();
        return;
    }
    m_reading = true;
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    m_socket.async_read_some(net::buffer(*m_read_buffer),
                             [self](const boost::system::error_code& e, std::size_t size) { self->on_read(e, size); });
}

void SocketStream::deliver(std::span<const std::uint8_t> bytes) {
    if (!is_open() || bytes.empty()) return;
    if (m_paused || !m_held_input.empty()) return hold_for_delivery(bytes);
    if (m_handlers.on_data) m_handlers.on_data(bytes);
}

void SocketStream::hold_for_delivery(std::span<const std::uint8_t> bytes) {
    if (!is_open() || bytes.empty()) return;
    m_held_input.emplace_back(bytes.begin(), bytes.end());
}

void SocketStream::deliver_pending() {
    while (is_open() && !m_paused && !m_held_input.empty()) {
        const auto chunk = std::move(m_held_input.front());
        m_held_input.pop_front();
        if (m_handlers.on_data) m_handlers.on_data(chunk);
    }
    if (is_open() && m_end_requested && m_held_input.empty()) begin_flush(m_close_reason);
}

void SocketStream::signal_ready() {
    if (is_open() && m_handlers.on_ready) m_handlers.on_ready();
}

// ---------------------------------------------------------------------------------------------
// Writing

void SocketStream::queue_output(std::vector<std::uint8_t> bytes) {
    if (bytes.empty() || m_phase == Phase::lingering || m_phase == Phase::closed) return;
    m_output_bytes += bytes.size();
    m_output.push_back(std::move(bytes));
    start_write();
}

void SocketStream::start_write() {
    if (m_writing || m_output.empty()) return;
    const auto count = std::min(m_output.size(), max_buffers_per_write);
    std::vector<net::const_buffer> buffers;
    buffers.reserve(count);
    // deque::push_back leaves existing elements (and so their heap storage) in place.
    for (std::size_t i = 0; i < count; ++i) buffers.emplace_back(net::buffer(m_output[i]));
    m_writing = true;
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    net::async_write(m_socket, buffers,
                     [self, count](const boost::system::error_code& error, std::size_t size) {
                         self->on_write(error, size, count);
                     });
}

void SocketStream::on_write(const boost::system::error_code& error, std::size_t size, std::size_t buffers) {
    m_writing = false;
    if (m_phase == Phase::closed || m_phase == Phase::lingering) return;
    if (error) return end_now("write: " + error.message());
    m_output.erase(m_output.begin(), m_output.begin() + static_cast<std::ptrdiff_t>(buffers));
    m_output_bytes -= size;
    if (!m_output.empty()) return start_write();
    if (m_phase == Phase::flushing) return shut_down();
    if (pending_output() == 0 && m_on_drained) {
        const auto drained = m_on_drained;  // the handler may replace itself
        drained();
    }
}

// ---------------------------------------------------------------------------------------------
// Ending

void SocketStream::end_after_flush(std::string reason) {
    if (!is_open() || m_end_requested) return;
    m_end_requested = true;
    m_close_reason = std::move(reason);
    if (m_held_input.empty()) begin_flush(m_close_reason);
}

void SocketStream::begin_flush(std::string reason) {
    m_phase = Phase::flushing;
    m_close_reason = std::move(reason);
    m_held_input.clear();
    if (!m_peer_eof && !m_reading) on_read_while_closing({}, 0);
    if (!m_writing && m_output.empty()) shut_down();
}

void SocketStream::shut_down() {
    m_phase = Phase::lingering;
    boost::system::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_send, ignored);
    notify_closed();
    if (m_peer_eof) return close_socket();
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    m_linger_timer.expires_after(linger_time);
    m_linger_timer.async_wait([self](const boost::system::error_code& error) {
        if (!error) self->close_socket();
    });
}

void SocketStream::end_now(std::string reason) {
    if (m_phase == Phase::closed) return;
    if (m_phase == Phase::open) m_close_reason = std::move(reason);  // else keep the first reason
    m_output.clear();
    m_output_bytes = 0;
    m_held_input.clear();
    close_socket();
    notify_closed();
}

void SocketStream::close_socket() {
    m_phase = Phase::closed;
    m_linger_timer.cancel();
    boost::system::error_code ignored;
    m_socket.close(ignored);
}

void SocketStream::notify_closed() {
    if (m_closed_notified) return;
    m_closed_notified = true;
    auto self = std::static_pointer_cast<SocketStream>(shared_from_this());
    net::post(m_executor, [self, reason = m_close_reason] {
        // Dropping the handlers breaks any cycle through captures of the stream.
        const auto handlers = std::exchange(self->m_handlers, Handlers{});
        self->m_on_drained = nullptr;
        if (handlers.on_closed) handlers.on_closed(reason);
    });
}

}  // namespace detail

}  // namespace wharf::daemon
