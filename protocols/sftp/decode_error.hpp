// The one error type SFTP decoding throws for the peer's bad input.
#pragma once

#include "protocols/sftp/status.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace wharf::sftp {

// A packet (or an extension payload inside one) the peer got wrong. It is an ssh::DecodeError,
// so what() reads "invalid SSH_FXP_OPEN: attrs: truncated (...)", and it adds what the engine
// needs for its one reply: the request id when the packet got that far, and the status to
// answer with — BAD_MESSAGE for garbled input, OP_UNSUPPORTED for a packet type the
// negotiated version does not define (-13 section 4.3 asks for that). Never thrown for our own
// misuse (those are std::invalid_argument / std::length_error).
class DecodeError : public ssh::DecodeError {
public:
    DecodeError(const ssh::DecodeError& cause, std::optional<std::uint32_t> request_id,
                StatusCode status = StatusCode::bad_message)
        : ssh::DecodeError(cause), m_request_id(request_id), m_status(status) {}
    DecodeError(std::string message_name, std::string field, const std::string& reason,
                std::optional<std::uint32_t> request_id,
                StatusCode status = StatusCode::bad_message)
        : ssh::DecodeError(std::move(message_name), std::move(field), reason),
          m_request_id(request_id),
          m_status(status) {}

    // The request id, if the packet held one (not for INIT/VERSION or a packet cut short).
    [[nodiscard]] std::optional<std::uint32_t> request_id() const noexcept { return m_request_id; }
    // What to reply with: BAD_MESSAGE or OP_UNSUPPORTED.
    [[nodiscard]] StatusCode status() const noexcept { return m_status; }

private:
    std::optional<std::uint32_t> m_request_id;
    StatusCode m_status;
};

// The framing itself is broken (a length of zero or beyond the configured maximum). The
// stream cannot be resynchronised, so the engine must close the channel, as sftp-server does.
class FramingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace wharf::sftp
