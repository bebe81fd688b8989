#include "protocols/ssh/wire.hpp"

#include <botan/bigint.h>
#include <botan/mem_ops.h>

#include <limits>

namespace wharf::ssh {

namespace {

bool is_name_char(unsigned char c) noexcept {
    // Printable US-ASCII without space (RFC 4251 section 6); the comma is the list separator.
    return c > 0x20 && c < 0x7f && c != ',';
}

std::uint32_t checked_length(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("ssh string longer than 2^32-1 bytes");
    }
    return static_cast<std::uint32_t>(n);
}

}  // namespace

DecodeError::DecodeError(std::string message_name, std::string field, const std::string& reason)
    : std::runtime_error("invalid " + message_name + ": " + (field.empty() ? "" : field + ": ") +
                         reason),
      m_message_name(std::move(message_name)),
      m_field(std::move(field)) {}

// ---------------------------------------------------------------------------------------------
// Writer

Writer& Writer::byte(std::uint8_t value) {
    m_out.push_back(value);
    return *this;
}

Writer& Writer::boolean(bool value) { return byte(value ? 1 : 0); }

Writer& Writer::uint32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        m_out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
    return *this;
}

Writer& Writer::uint64(std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        m_out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
    return *this;
}

Writer& Writer::string(ByteView value) {
    uint32(checked_length(value.size()));
    return raw(value);
}

Writer& Writer::string(std::string_view value) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(value.data());
    return string(ByteView(data, value.size()));
}

Writer& Writer::mpint(const Botan::BigInt& value) {
    if (value.is_zero()) {
        return uint32(0);
    }
    Bytes encoded;
    if (value.is_positive()) {
        encoded = Botan::BigInt::encode(value);
        if ((encoded.front() & 0x80) != 0) {
            encoded.insert(encoded.begin(), 0x00);  // keep the sign bit clear
        }
    } else {
        // Two's complement of |value| in the fewest bytes whose top bit is set: k bytes hold
        // down to -2^(8k-1), so one more byte is needed above that magnitude.
        const Botan::BigInt magnitude = value.abs();
        std::size_t width = magnitude.bytes();
        if (magnitude > Botan::BigInt::power_of_2(8 * width - 1)) {
            ++width;
        }
        const Botan::BigInt twos = Botan::BigInt::power_of_2(8 * width) - magnitude;
        encoded.resize(width);
        twos.binary_encode(encoded.data(), encoded.size());
    }
    string(ByteView(encoded));
    // The value may be a private exponent; do not leave a copy in freed memory.
    Botan::secure_scrub_memory(encoded.data(), encoded.size());
    return *this;
}

Writer& Writer::name_list(std::span<const std::string> names) {
    std::string joined;
    for (const auto& name : names) {
        if (name.empty()) {
            throw std::invalid_argument("ssh name-list: empty name");
        }
        for (const char c : name) {
            if (!is_name_char(static_cast<unsigned char>(c))) {
                throw std::invalid_argument("ssh name-list: bad character in name '" + name + "'");
            }
        }
        if (!joined.empty()) {
            joined += ',';
        }
        joined += name;
    }
    return string(std::string_view(joined));
}

Writer& Writer::name_list(std::initializer_list<std::string_view> names) {
    const std::vector<std::string> copies(names.begin(), names.end());
    return name_list(std::span<const std::string>(copies));
}

Writer& Writer::raw(ByteView value) {
    m_out.insert(m_out.end(), value.begin(), value.end());
    return *this;
}

Bytes Writer::take() noexcept {
    Bytes out;
    out.swap(m_out);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Reader

Reader::Reader(std::string_view message_name, ByteView data) : m_name(message_name), m_data(data) {}

void Reader::fail(std::string_view field, const std::string& reason) const {
    throw DecodeError(m_name, std::string(field), reason);
}

ByteView Reader::take(std::size_t n, std::string_view field) {
    if (n > remaining()) {
        fail(field, "truncated (need " + std::to_string(n) + " bytes, " +
                        std::to_string(remaining()) + " left)");
    }
    const ByteView out = m_data.subspan(m_pos, n);
    m_pos += n;
    return out;
}

std::uint8_t Reader::byte(std::string_view field) { return take(1, field)[0]; }

bool Reader::boolean(std::string_view field) { return byte(field) != 0; }

std::uint32_t Reader::uint32(std::string_view field) {
    std::uint32_t value = 0;
    for (const std::uint8_t b : take(4, field)) {
        value = (value << 8) | b;
    }
    return value;
}

std::uint64_t Reader::uint64(std::string_view field) {
    std::uint64_t value = 0;
    for (const std::uint8_t b : take(8, field)) {
        value = (value << 8) | b;
    }
    return value;
}

ByteView Reader::string(std::string_view field) {
    const std::uint32_t length = uint32(field);
    if (length > remaining()) {
        // Name the claimed length: a huge one usually means we are out of step with the sender.
        fail(field, "length " + std::to_string(length) + " exceeds the " +
                        std::to_string(remaining()) + " bytes left");
    }
    return take(length, field);
}

std::string Reader::text(std::string_view field) {
    const ByteView bytes = string(field);
    return std::string(bytes.begin(), bytes.end());
}

Botan::BigInt Reader::mpint(std::string_view field) {
    const ByteView bytes = string(field);
    if (bytes.empty()) {
        return Botan::BigInt(0);
    }
    const bool negative = (bytes[0] & 0x80) != 0;
    if (bytes.size() > 1) {
        const bool sign_of_next = (bytes[1] & 0x80) != 0;
        if ((bytes[0] == 0x00 && !sign_of_next) || (bytes[0] == 0xff && sign_of_next)) {
            fail(field, "mpint has an unnecessary leading byte");
        }
    } else if (bytes[0] == 0x00) {
        fail(field, "mpint zero must be encoded as an empty string");
    }
    Botan::BigInt value(bytes.data(), bytes.size());
    if (negative) {
        value -= Botan::BigInt::power_of_2(8 * bytes.size());
    }
    return value;
}

std::vector<std::string> Reader::name_list(std::string_view field) {
    const ByteView bytes = string(field);
    std::vector<std::string> names;
    if (bytes.empty()) {
        return names;
    }
    std::string current;
    for (const std::uint8_t c : bytes) {
        if (c == ',') {
            if (current.empty()) {
                fail(field, "empty name in name-list");
            }
            names.push_back(std::move(current));
            current.clear();
        } else if (!is_name_char(c)) {
            fail(field, "name-list holds a byte outside printable US-ASCII");
        } else {
            current.push_back(static_cast<char>(c));
        }
    }
    if (current.empty()) {
        fail(field, "empty name in name-list");
    }
    names.push_back(std::move(current));
    return names;
}

ByteView Reader::raw(std::size_t n, std::string_view field) { return take(n, field); }

ByteView Reader::rest() noexcept {
    const ByteView out = m_data.subspan(m_pos);
    m_pos = m_data.size();
    return out;
}

void Reader::expect_end() const {
    if (!at_end()) {
        fail("", std::to_string(remaining()) + " unexpected trailing bytes");
    }
}

}  // namespace wharf::ssh
