// Stream Transmission Buffers (RFC 5024 section 8): over TCP (and TLS) every exchange buffer
// travels behind a 4-octet Stream Transmission Header: version 0001 and flags 0000 in the first
// octet (0x10), then the length of header plus buffer in 24 bits, network byte order.
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace wharf::oftp {

inline constexpr std::size_t kStreamHeaderSize = 4;
inline constexpr std::uint32_t kMinExchangeBufferSize = 128;    // SSIDSDEB minimum
inline constexpr std::uint32_t kMaxExchangeBufferSize = 99999;  // SSIDSDEB maximum

// Appends the STH and `exchange_buffer` to `out`. Throws std::length_error for an empty buffer
// or one above 99999 octets.
void append_stream_buffer(Bytes& out, ByteView exchange_buffer);
[[nodiscard]] Bytes encode_stream_buffer(ByteView exchange_buffer);

// Turns a byte stream back into exchange buffers, across any split of the input. feed() only
// buffers; next() returns one whole exchange buffer (STH removed) at a time. Memory grows with
// the bytes fed, never with a length the peer claims: a bad header fails as soon as its 4
// octets are in, before its buffer arrives.
class StreamDeframer {
public:
    // `max_buffer_size`: the largest exchange buffer accepted (STH not counted). The session
    // keeps 99999 for the whole session and checks DATA against the agreed SSIDSDEB itself:
    // a 2.0 SFID (165 octets and a description) does not fit the 128-octet minimum, and
    // stations that agree 128 still send it whole, so commands are not held to that size.
    explicit StreamDeframer(std::uint32_t max_buffer_size = kMaxExchangeBufferSize);

    // Throws std::invalid_argument outside 1..99999.
    void set_max_buffer_size(std::uint32_t max_buffer_size);
    [[nodiscard]] std::uint32_t max_buffer_size() const noexcept { return m_max; }

    void feed(ByteView bytes);

    // The next exchange buffer, or nullopt until more bytes arrive. Throws FramingError
    // (version not 0001 or flags not 0000: ESID 10; length below 5 or above the maximum plus
    // the header: ESID 07); the deframer then stays failed and throws the same again.
    [[nodiscard]] std::optional<Bytes> next();

    // Octets still needed before next() can return a buffer (the rest of the header, or the
    // rest of the buffer once the header is in); 0 when one is ready.
    [[nodiscard]] std::size_t bytes_needed() const noexcept;
    [[nodiscard]] std::size_t buffered() const noexcept { return m_buffer.size() - m_start; }

private:
    void check_header() const;

    Bytes m_buffer;
    std::size_t m_start = 0;
    std::uint32_t m_max;
    std::optional<FramingError> m_failure;
};

}  // namespace wharf::oftp
