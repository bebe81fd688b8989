// SSH data types (RFC 4251 section 5): a Writer that appends them to a byte buffer and a
// bounds-checked Reader that takes them apart again. Everything above the packet layer
// (messages, key blobs, signatures, key files) is built from these two classes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace Botan {
class BigInt;  // mpint callers include <botan/bigint.h>; the rest of the stack need not.
}

namespace wharf::ssh {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Thrown by Reader when input does not hold what the caller asked for. what() reads
// "invalid <message>: <field>: <reason>", e.g. "invalid KEXINIT: cookie: truncated (need 16
// bytes, 3 left)". The input is the peer's fault; callers map this to their protocol's
// "bad message" reply (SSH disconnect, SSH_FX_BAD_MESSAGE, ...).
class DecodeError : public std::runtime_error {
public:
    DecodeError(std::string message_name, std::string field, const std::string& reason);

    // The name given to the Reader ("KEXINIT").
    [[nodiscard]] const std::string& message_name() const noexcept { return m_message_name; }
    // The field being read when decoding failed ("cookie"), or "" for expect_end().
    [[nodiscard]] const std::string& field() const noexcept { return m_field; }

private:
    std::string m_message_name;
    std::string m_field;
};

// Appends SSH data types to an owned buffer. Methods return *this so a message reads as one
// chain: Writer{}.byte(20).raw(cookie).name_list(kex).boolean(false).uint32(0).take().
class Writer {
public:
    Writer() = default;
    // Appends to `initial` (take() hands it back, grown), so a framing layer can encode into
    // its own buffer without a copy.
    explicit Writer(Bytes initial) noexcept : m_out(std::move(initial)) {}

    Writer& byte(std::uint8_t value);
    Writer& boolean(bool value);
    Writer& uint32(std::uint32_t value);
    Writer& uint64(std::uint64_t value);
    // A uint32 length followed by the bytes. Throws std::length_error above 2^32-1 bytes.
    Writer& string(ByteView value);
    Writer& string(std::string_view value);
    // Two's complement, big-endian, minimal length; zero is the empty string (RFC 4251 section 5).
    Writer& mpint(const Botan::BigInt& value);
    // Comma-separated names as one string. Throws std::invalid_argument for an empty name or one
    // holding a comma or a byte outside printable US-ASCII: that is a bug in our code, not input.
    Writer& name_list(std::span<const std::string> names);
    Writer& name_list(std::initializer_list<std::string_view> names);
    // Bytes with no length prefix (cookies, fixed-size fields, an already encoded blob).
    Writer& raw(ByteView value);

    [[nodiscard]] const Bytes& bytes() const noexcept { return m_out; }
    [[nodiscard]] std::size_t size() const noexcept { return m_out.size(); }
    // Hands over the buffer and leaves the Writer empty.
    [[nodiscard]] Bytes take() noexcept;

private:
    Bytes m_out;
};

// Reads SSH data types from a borrowed byte span, front to back. Every read checks the bytes
// left before touching them, and lengths are compared with the bytes actually present before
// anything is copied or allocated, so a claimed length can never make us allocate. Each read
// takes the field name used in DecodeError. The span must outlive the Reader and any ByteView
// it returned.
class Reader {
public:
    // message_name names the structure in errors: "KEXINIT", "public key blob", ...
    Reader(std::string_view message_name, ByteView data);

    std::uint8_t byte(std::string_view field);
    // Any non-zero byte is true (RFC 4251 section 5).
    bool boolean(std::string_view field);
    std::uint32_t uint32(std::string_view field);
    std::uint64_t uint64(std::string_view field);
    // A string's bytes as a view into the input (no copy).
    ByteView string(std::string_view field);
    // A string copied out as text. The bytes are not checked for UTF-8.
    std::string text(std::string_view field);
    // Rejects encodings with unnecessary leading 00 or ff bytes ("MUST NOT" in RFC 4251), so
    // every value has exactly one encoding.
    Botan::BigInt mpint(std::string_view field);
    // An empty string gives an empty list; empty names and names outside printable US-ASCII are
    // rejected.
    std::vector<std::string> name_list(std::string_view field);
    // Exactly n bytes with no length prefix.
    ByteView raw(std::size_t n, std::string_view field);
    // Everything not yet read; the Reader is then at its end.
    ByteView rest() noexcept;

    [[nodiscard]] std::size_t remaining() const noexcept { return m_data.size() - m_pos; }
    [[nodiscard]] bool at_end() const noexcept { return m_pos == m_data.size(); }
    // Throws DecodeError if bytes are left over: trailing data means we misread the structure.
    void expect_end() const;

    [[nodiscard]] const std::string& message_name() const noexcept { return m_name; }

private:
    [[noreturn]] void fail(std::string_view field, const std::string& reason) const;
    ByteView take(std::size_t n, std::string_view field);

    std::string m_name;
    ByteView m_data;
    std::size_t m_pos = 0;
};

}  // namespace wharf::ssh
