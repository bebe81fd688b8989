// The socket half every OftpStream shares: one read at a time into a 64 KiB buffer, a queue
// of outgoing buffers written by one gathered async_write at a time, pause/resume, the close
// sequence (flush, shutdown(send), a short lingering read, close) and the exactly-once
// on_closed. What goes over the socket is decided by the subclass: the plain stream passes
// bytes through, the TLS stream runs them through a Botan channel (oftp_stream_tls.cpp).
//
// Internal to daemon/oftp; the public interface is oftp_stream.hpp.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/oftp/oftp_stream.hpp"

namespace wharf::daemon::detail {

class SocketStream : public OftpStream {
public:
    void start(Handlers handlers) final;
    void write(std::vector<std::uint8_t> bytes) final;
    std::size_t pending_output() const final;
    void on_drained(std::function<void()> handler) final;
    void pause_reading(bool paused) final;
    void close() final;
    void abort() final;
    std::string remote() const final { return m_remote; }
    net::any_io_executor executor() const final { return m_executor; }

protected:
    explicit SocketStream(net::ip::tcp::socket socket);

    // --- what a subclass provides -------------------------------------------------------
    /// Runs on the executor after start(): plain signals ready, TLS builds its channel.
    virtual void begin() = 0;
    /// Bytes the socket delivered (never called once the stream is closing).
    virtual void received(std::span<const std::uint8_t> bytes) = 0;
    /// Application bytes from write(), while the stream is open.
    virtual void send_application(std::vector<std::uint8_t> bytes) = 0;
    /// close() was called: add whatever must follow the queued output (TLS close_notify).
    virtual void before_close() {}
    /// Output held back by the subclass (TLS: plaintext written before the handshake).
    virtual std::size_t held_output() const { return 0; }
    /// The reason on_closed gets when the socket reports end of file.
    virtual std::string end_of_file_reason() const { return "closed by peer"; }

    // --- what a subclass uses -------------------------------------------------------------
    /// Queues raw bytes for the socket and starts a write if none is running.
    void queue_output(std::vector<std::uint8_t> bytes);
    /// Application bytes for on_data; delivered at once unless reading is paused or earlier
    /// bytes are still waiting, in which case they are copied and kept in order.
    void deliver(std::span<const std::uint8_t> bytes);
    /// Keeps a copy for the next deliver_pending() (TLS records arrive inside Botan's call).
    void hold_for_delivery(std::span<const std::uint8_t> bytes);
    /// Hands held bytes to on_data until none are left, reading is paused or the stream ends.
    void deliver_pending();
    /// Calls on_ready (from a completion handler or posted task, never from a user call).
    void signal_ready();
    /// The connection is over (peer EOF, TLS failure): deliver what is held, write what is
    /// queued, shut down, then on_closed(reason).
    void end_after_flush(std::string reason);
    /// The connection broke: drop everything, close the socket, on_closed(reason).
    void end_now(std::string reason);
    /// Starts the next read unless one runs, reading is paused, input is held or we end.
    void read_more();
    bool is_open() const { return m_phase == Phase::open; }

private:
    enum class Phase { open, flushing, lingering, closed };

    void on_read(const boost::system::error_code& error, std::size_t size);
    void on_read_while_closing(const boost::system::error_code& error, std::size_t size);
    void start_write();
    void on_write(const boost::system::error_code& error, std::size_t size, std::size_t buffers);
    void begin_flush(std::string reason);
    void shut_down();
    void close_socket();
    void notify_closed();

    net::ip::tcp::socket m_socket;
    net::any_io_executor m_executor;  // the socket's, kept for calls after close
    net::steady_timer m_linger_timer;
    std::string m_remote;
    Handlers m_handlers;
    std::function<void()> m_on_drained;
    bool m_started = false;

    std::unique_ptr<std::array<std::uint8_t, 64 * 1024>> m_read_buffer;
    bool m_reading = false;
    bool m_paused = false;
    bool m_peer_eof = false;
    std::deque<std::vector<std::uint8_t>> m_held_input;

    std::deque<std::vector<std::uint8_t>> m_output;
    std::size_t m_output_bytes = 0;
    bool m_writing = false;

    Phase m_phase = Phase::open;
    bool m_end_requested = false;  // end_after_flush waits for held input to be delivered
    std::string m_close_reason;
    bool m_closed_notified = false;
};

}  // namespace wharf::daemon::detail
