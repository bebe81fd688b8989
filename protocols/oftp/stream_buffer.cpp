#include "protocols/oftp/stream_buffer.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace wharf::oftp {

namespace {

constexpr std::uint8_t kVersion = 0x1;  // high nibble of the first octet
constexpr std::uint8_t kFlags = 0x0;    // low nibble

std::uint32_t header_length(const std::uint8_t* header) {
    return (std::uint32_t{header[1]} << 16) | (std::uint32_t{header[2]} << 8) | header[3];
}

}  // namespace

void append_stream_buffer(Bytes& out, ByteView exchange_buffer) {
    if (exchange_buffer.empty() || exchange_buffer.size() > kMaxExchangeBufferSize) {
        throw std::length_error("oftp: an exchange buffer of " +
                                std::to_string(exchange_buffer.size()) +
                                " octets cannot be framed (1-99999)");
    }
    const auto length = static_cast<std::uint32_t>(exchange_buffer.size() + kStreamHeaderSize);
    out.push_back(static_cast<std::uint8_t>(kVersion << 4 | kFlags));
    out.push_back(static_cast<std::uint8_t>(length >> 16));
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
    out.insert(out.end(), exchange_buffer.begin(), exchange_buffer.end());
}

Bytes encode_stream_buffer(ByteView exchange_buffer) {
    Bytes out;
    out.reserve(exchange_buffer.size() + kStreamHeaderSize);
    append_stream_buffer(out, exchange_buffer);
    return out;
}

StreamDeframer::StreamDeframer(std::uint32_t max_buffer_size) : m_max(0) {
    set_max_buffer_size(max_buffer_size);
}

void StreamDeframer::set_max_buffer_size(std::uint32_t max_buffer_size) {
    if (max_buffer_size < 1 || max_buffer_size > kMaxExchangeBufferSize) {
        throw std::invalid_argument("oftp: exchange buffer limit " +
                                    std::to_string(max_buffer_size) + " is not within 1-99999");
    }
    m_max = max_buffer_size;
}

void StreamDeframer::feed(ByteView bytes) {
    if (m_start > 0 && m_start >= m_buffer.size() / 2) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start));
        m_start = 0;
    }
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
}

void StreamDeframer::check_header() const {
    const std::uint8_t* header = m_buffer.data() + m_start;
    const std::uint8_t version = header[0] >> 4;
    const std::uint8_t flags = header[0] & 0x0F;
    char text[96];
    if (version != kVersion) {
        std::snprintf(text, sizeof text, "stream transmission header version %u (expected 1)",
                      static_cast<unsigned>(version));
        throw FramingError(FramingError::Kind::bad_version,
                           EsidReason::mode_or_capabilities_incompatible, text);
    }
    if (flags != kFlags) {
        std::snprintf(text, sizeof text, "stream transmission header flags 0x%X (expected 0)",
                      static_cast<unsigned>(flags));
        throw FramingError(FramingError::Kind::bad_flags,
                           EsidReason::mode_or_capabilities_incompatible, text);
    }
    const std::uint32_t length = header_length(header);
    if (length < kStreamHeaderSize + 1) {
        throw FramingError(FramingError::Kind::too_short, EsidReason::exchange_buffer_size_error,
                           "stream transmission buffer length " + std::to_string(length) +
                               " (5 at least)");
    }
    if (length > kStreamHeaderSize + m_max) {
        throw FramingError(FramingError::Kind::too_long, EsidReason::exchange_buffer_size_error,
                           "stream transmission buffer length " + std::to_string(length) +
                               " exceeds the negotiated exchange buffer size " +
                               std::to_string(m_max) + " + 4");
    }
}

std::optional<Bytes> StreamDeframer::next() {
    if (m_failure) {
        throw *m_failure;
    }
    if (buffered() < kStreamHeaderSize) {
        return std::nullopt;
    }
    try {
        check_header();
    } catch (const FramingError& error) {
        m_failure = error;
        throw;
    }
    const std::uint32_t length = header_length(m_buffer.data() + m_start);
    if (buffered() < length) {
        return std::nullopt;
    }
    const auto first = m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start + kStreamHeaderSize);
    Bytes exchange_buffer(first, m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start + length));
    m_start += length;
    return exchange_buffer;
}

std::size_t StreamDeframer::bytes_needed() const noexcept {
    if (buffered() < kStreamHeaderSize) {
        return kStreamHeaderSize - buffered();
    }
    const std::uint32_t length = header_length(m_buffer.data() + m_start);
    return length > buffered() ? length - buffered() : 0;
}

}  // namespace wharf::oftp
