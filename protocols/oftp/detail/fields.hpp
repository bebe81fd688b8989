// Internal: reading and writing the fixed fields of command exchange buffers (RFC 5024 5.3
// conventions: X(n) left-justified space-padded, 9(n) right-justified zero-padded, U(n) binary,
// T(n) UTF-8 behind a length field). Each reader call names its field, so errors and
// deviations say which one.
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/errors.hpp"
#include "protocols/oftp/level.hpp"
#include "protocols/oftp/virtual_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::oftp::detail {

// How a string field's characters are checked on decode.
enum class Charset {
    oftp_string,  // 5.3 "String": 0-9 A-Z / - . & ( ) and trailing spaces
    password,       // as oftp_string, but deviations never quote the value
    any_printable,  // user data: whatever a bilateral agreement puts there
};

class FieldWriter {
public:
    FieldWriter(char code, std::string_view command);

    void alnum(std::string_view field, std::string_view value, std::size_t width);
    void numeric(std::string_view field, std::uint64_t value, std::size_t width);
    void flag(bool value);
    void character(char value);
    void spaces(std::size_t count);
    void carriage_return();
    void stamp(const FileDateTime& stamp, ProtocolLevel level, std::string_view date_field,
               std::string_view time_field);
    // A 9(3) length and up to 999 octets of UTF-8.
    void text(std::string_view length_field, std::string_view value);
    // A U(2) length and up to 65535 octets.
    void binary_with_length(std::string_view length_field, ByteView value);
    void raw(ByteView value);

    [[nodiscard]] Bytes take() { return std::move(m_out); }

    // Throws std::invalid_argument: the caller asked for something the field cannot hold.
    [[noreturn]] void reject(std::string_view field, const std::string& problem) const;

private:
    Bytes m_out;
    std::string_view m_command;
};

class FieldReader {
public:
    FieldReader(ByteView buffer, std::string_view command, std::vector<Deviation>& deviations);

    [[nodiscard]] std::size_t remaining() const noexcept { return m_buffer.size() - m_pos; }
    [[nodiscard]] std::size_t position() const noexcept { return m_pos; }

    std::string alnum(std::string_view field, std::size_t width,
                      Charset charset = Charset::oftp_string);
    std::uint64_t numeric(std::string_view field, std::size_t width);
    bool flag(std::string_view field);
    char character(std::string_view field);
    // A field that should be spaces: anything else is a deviation.
    void reserved(std::string_view field, std::size_t width);
    // 0x0D or 0x8D; another octet or none at all is a deviation.
    void carriage_return(std::string_view field);
    FileDateTime stamp(ProtocolLevel level, std::string_view date_field,
                       std::string_view time_field);
    std::string text(std::string_view length_field, std::string_view text_field);
    Bytes binary_with_length(std::string_view length_field, std::string_view field);
    Bytes binary(std::string_view field, std::size_t width);
    // The buffer must end here.
    void end();

    void deviation(std::string_view field, std::string what);
    [[noreturn]] void fail(EsidReason reason, std::string_view field,
                           const std::string& problem) const;

private:
    ByteView take(std::string_view field, std::size_t width);

    ByteView m_buffer;
    std::size_t m_pos = 1;  // the command octet is read by the dispatcher
    std::string_view m_command;
    std::vector<Deviation>& m_deviations;
};

// Text for messages: printable ASCII as is, other octets as \xNN.
[[nodiscard]] std::string printable(ByteView bytes);
[[nodiscard]] std::string printable(std::string_view text);
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace wharf::oftp::detail
