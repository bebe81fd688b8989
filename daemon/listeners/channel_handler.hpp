// What runs on an accepted SSH session channel: an SFTP server, an SCP sink/source, or (in
// tests) an echo. The SSH session feeds it and gives it a ChannelContext to answer through.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

namespace wharf::daemon {

using ByteSpan = std::span<const std::uint8_t>;

/// The channel as a handler sees it. Calls must happen on the session's executor.
class ChannelContext {
public:
    virtual ~ChannelContext() = default;
    /// Sends what the peer's window allows; returns the bytes taken. When it takes less than
    /// offered, ChannelHandler::on_writable() says when to try again.
    virtual std::size_t write(ByteSpan data, bool to_stderr = false) = 0;
    /// The handler is done with `n` received bytes: the peer may send that many more.
    virtual void consume(std::size_t n) = 0;
    /// Sends exit-status, EOF and CLOSE: the command or subsystem is finished.
    virtual void exit(std::uint32_t status) = 0;
};

class ChannelHandler {
public:
    virtual ~ChannelHandler() = default;
    /// The request was accepted and answered: the handler may start writing.
    virtual void on_start() {}
    /// Bytes from the peer; call ChannelContext::consume() once they are dealt with.
    virtual void on_data(ByteSpan data) = 0;
    virtual void on_eof() = 0;
    virtual void on_writable() {}
    /// The channel is gone (peer closed it, or the connection ended).
    virtual void on_close() {}
};

/// Who is on the other end, for handlers that need the user (and later their filesystem).
struct ChannelSessionInfo {
    std::uint64_t connection_id = 0;
    std::string user;
    std::string remote;
    boost::asio::any_io_executor executor;  ///< the session's: handlers complete work here
};

/// Makes a handler for subsystem `name` or exec command `name`, or nullptr to refuse it.
using ChannelHandlerFactory = std::function<std::unique_ptr<ChannelHandler>(
    ChannelContext& context, const ChannelSessionInfo& session, const std::string& name)>;

struct ChannelHandlers {
    std::map<std::string, ChannelHandlerFactory, std::less<>> subsystems;
    ChannelHandlerFactory exec;  ///< empty: exec is refused
};

}  // namespace wharf::daemon
