#include "protocols/oftp/detail/fields.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace wharf::oftp::detail {

namespace {

constexpr std::uint8_t kCarriageReturn = 0x0D;
constexpr std::uint8_t kCarriageReturnHighBit = 0x8D;  // 5.3.1: "hex value '0D' or '8D'"

bool is_printable(std::uint8_t c) { return c >= 0x20 && c <= 0x7E; }

bool in_oftp_set(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '/' || c == '-' ||
           c == '.' || c == '&' || c == '(' || c == ')';
}

std::string digits(std::uint64_t value, std::size_t width) {
    std::string text(width, '0');
    for (std::size_t i = width; i > 0 && value > 0; --i) {
        text[i - 1] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return text;
}

// What is wrong with a String field's characters, or "" (trailing spaces already removed).
std::string string_issues(std::string_view value) {
    bool lower = false;
    bool other = false;
    bool space = false;
    for (const char c : value) {
        lower = lower || (c >= 'a' && c <= 'z');
        space = space || c == ' ';
        other = other || (!in_oftp_set(c) && c != ' ' && !(c >= 'a' && c <= 'z'));
    }
    std::string issues;
    const auto add = [&](std::string_view issue) {
        issues += issues.empty() ? "" : ", ";
        issues += issue;
    };
    if (lower) add("lower case letters");
    if (other) add("characters outside the OFTP set");
    if (space) add("embedded spaces");
    return issues;
}

}  // namespace

std::string printable(ByteView bytes) {
    std::string text;
    for (const std::uint8_t c : bytes) {
        if (is_printable(c)) {
            text += static_cast<char>(c);
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(c));
            text += escaped;
        }
    }
    return text;
}

std::string printable(std::string_view text) {
    return printable(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool is_valid_utf8(std::string_view text) noexcept {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<std::uint8_t>(text[i]);
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            code = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            code = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            code = c & 0x07u;
        } else {
            return false;
        }
        if (text.size() - i <= extra) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<std::uint8_t>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        const bool overlong = (extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000);
        if (overlong || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

// --- FieldWriter ------------------------------------------------------------------------------

FieldWriter::FieldWriter(char code, std::string_view command) : m_command(command) {
    m_out.reserve(192);
    m_out.push_back(static_cast<std::uint8_t>(code));
}

void FieldWriter::reject(std::string_view field, const std::string& problem) const {
    throw std::invalid_argument("oftp: cannot encode " + std::string(m_command) + ": " +
                                std::string(field) + ": " + problem);
}

void FieldWriter::alnum(std::string_view field, std::string_view value, std::size_t width) {
    if (value.size() > width) {
        reject(field, "'" + std::string(value) + "' is longer than " + std::to_string(width));
    }
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return is_printable(static_cast<std::uint8_t>(c)); })) {
        reject(field, "not printable ASCII");
    }
    m_out.insert(m_out.end(), value.begin(), value.end());
    spaces(width - value.size());
}

void FieldWriter::numeric(std::string_view field, std::uint64_t value, std::size_t width) {
    if (value > max_for_digits(width)) {
        reject(field, std::to_string(value) + " does not fit " + std::to_string(width) +
                          " digits");
    }
    const std::string text = digits(value, width);
    m_out.insert(m_out.end(), text.begin(), text.end());
}

void FieldWriter::flag(bool value) { character(value ? 'Y' : 'N'); }

void FieldWriter::character(char value) { m_out.push_back(static_cast<std::uint8_t>(value)); }

void FieldWriter::spaces(std::size_t count) { m_out.insert(m_out.end(), count, ' '); }

void FieldWriter::carriage_return() { m_out.push_back(kCarriageReturn); }

void FieldWriter::stamp(const FileDateTime& stamp, ProtocolLevel level,
                        std::string_view date_field, std::string_view time_field) {
    if (stamp.month > 99 || stamp.day > 99 || stamp.hour > 99 || stamp.minute > 99 ||
        stamp.second > 99) {
        reject(date_field, "a date or time part above 99");
    }
    if (has_extended_timestamps(level)) {
        numeric(date_field, stamp.year, 4);
        numeric(date_field, stamp.month, 2);
        numeric(date_field, stamp.day, 2);
        numeric(time_field, stamp.hour, 2);
        numeric(time_field, stamp.minute, 2);
        numeric(time_field, stamp.second, 2);
        numeric(time_field, stamp.counter, 4);
        return;
    }
    if (stamp.year < 1970 || stamp.year > 2069) {
        reject(date_field, "year " + std::to_string(stamp.year) +
                               " cannot be sent as YYMMDD (1970-2069)");
    }
    numeric(date_field, stamp.year % 100, 2);
    numeric(date_field, stamp.month, 2);
    numeric(date_field, stamp.day, 2);
    numeric(time_field, stamp.hour, 2);
    numeric(time_field, stamp.minute, 2);
    numeric(time_field, stamp.second, 2);
}

void FieldWriter::text(std::string_view length_field, std::string_view value) {
    if (value.size() > 999) {
        reject(length_field, std::to_string(value.size()) + " octets of text (999 at most)");
    }
    numeric(length_field, value.size(), 3);
    m_out.insert(m_out.end(), value.begin(), value.end());
}

void FieldWriter::binary_with_length(std::string_view length_field, ByteView value) {
    if (value.size() > 0xFFFF) {
        reject(length_field, std::to_string(value.size()) + " octets (65535 at most)");
    }
    m_out.push_back(static_cast<std::uint8_t>(value.size() >> 8));
    m_out.push_back(static_cast<std::uint8_t>(value.size() & 0xFF));
    raw(value);
}

void FieldWriter::raw(ByteView value) { m_out.insert(m_out.end(), value.begin(), value.end()); }

// --- FieldReader ------------------------------------------------------------------------------

FieldReader::FieldReader(ByteView buffer, std::string_view command,
                         std::vector<Deviation>& deviations)
    : m_buffer(buffer), m_command(command), m_deviations(deviations) {}

void FieldReader::fail(EsidReason reason, std::string_view field,
                       const std::string& problem) const {
    throw DecodeError(reason, std::string(m_command), std::string(field), problem);
}

void FieldReader::deviation(std::string_view field, std::string what) {
    m_deviations.push_back(Deviation{std::string(field), std::move(what)});
}

ByteView FieldReader::take(std::string_view field, std::size_t width) {
    if (remaining() < width) {
        fail(EsidReason::exchange_buffer_size_error, field,
             "the buffer ends after " + std::to_string(m_buffer.size()) +
                 " octets, before this field");
    }
    const ByteView bytes = m_buffer.subspan(m_pos, width);
    m_pos += width;
    return bytes;
}

std::string FieldReader::alnum(std::string_view field, std::size_t width, Charset charset) {
    const ByteView bytes = take(field, width);
    if (!std::all_of(bytes.begin(), bytes.end(), is_printable)) {
        fail(EsidReason::command_contained_invalid_data, field,
             charset == Charset::password ? "control or non-ASCII octets"
                                          : "control or non-ASCII octets in '" +
                                                printable(bytes) + "'");
    }
    std::string value(bytes.begin(), bytes.end());
    value.erase(value.find_last_not_of(' ') + 1);  // npos + 1 == 0 clears an all-blank field
    if (charset == Charset::any_printable) {
        return value;
    }
    const std::string issues = string_issues(value);
    if (!issues.empty()) {
        deviation(field, charset == Charset::password ? issues : issues + " in '" + value + "'");
    }
    return value;
}

std::uint64_t FieldReader::numeric(std::string_view field, std::size_t width) {
    const ByteView bytes = take(field, width);
    std::size_t blanks = 0;
    while (blanks < bytes.size() && bytes[blanks] == ' ') {
        ++blanks;
    }
    if (blanks == bytes.size()) {
        deviation(field, "blank instead of a number (read as 0)");
        return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = blanks; i < bytes.size(); ++i) {
        if (bytes[i] < '0' || bytes[i] > '9') {
            fail(EsidReason::command_contained_invalid_data, field,
                 "'" + printable(bytes) + "' is not a number");
        }
        value = value * 10 + (bytes[i] - '0');
    }
    if (blanks > 0) {
        deviation(field, "padded with spaces instead of zeros");
    }
    return value;
}

char FieldReader::character(std::string_view field) {
    return static_cast<char>(take(field, 1)[0]);
}

bool FieldReader::flag(std::string_view field) {
    const char c = character(field);
    if (c == 'Y' || c == 'N') {
        return c == 'Y';
    }
    if (c == 'y' || c == 'n') {
        deviation(field, "lower case flag");
        return c == 'y';
    }
    fail(EsidReason::command_contained_invalid_data, field,
         "'" + printable(std::string_view(&c, 1)) + "' is neither Y nor N");
}

void FieldReader::reserved(std::string_view field, std::size_t width) {
    const ByteView bytes = take(field, width);
    if (!std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t c) { return c == ' '; })) {
        deviation(field, "reserved field is not blank: '" + printable(bytes) + "'");
    }
}

void FieldReader::carriage_return(std::string_view field) {
    if (remaining() == 0) {
        deviation(field, "missing carriage return");
        return;
    }
    const std::uint8_t c = m_buffer[m_pos++];
    if (c != kCarriageReturn && c != kCarriageReturnHighBit) {
        char text[64];
        std::snprintf(text, sizeof text, "0x%02X instead of a carriage return",
                      static_cast<unsigned>(c));
        deviation(field, text);
    }
}

FileDateTime FieldReader::stamp(ProtocolLevel level, std::string_view date_field,
                                std::string_view time_field) {
    FileDateTime stamp;
    const bool extended = has_extended_timestamps(level);
    const std::uint64_t date = numeric(date_field, extended ? 8 : 6);
    const std::uint64_t time = numeric(time_field, extended ? 10 : 6);
    std::uint64_t hhmmss = time;
    if (extended) {
        stamp.year = static_cast<std::uint16_t>(date / 10000);
        stamp.counter = static_cast<std::uint16_t>(time % 10000);
        hhmmss = time / 10000;
    } else {
        const auto yy = static_cast<std::uint16_t>(date / 10000);
        stamp.year = static_cast<std::uint16_t>(yy < 70 ? 2000 + yy : 1900 + yy);
    }
    stamp.month = static_cast<std::uint8_t>(date / 100 % 100);
    stamp.day = static_cast<std::uint8_t>(date % 100);
    stamp.hour = static_cast<std::uint8_t>(hhmmss / 10000);
    stamp.minute = static_cast<std::uint8_t>(hhmmss / 100 % 100);
    stamp.second = static_cast<std::uint8_t>(hhmmss % 100);
    if (!is_valid_calendar(stamp)) {
        deviation(date_field, "not a valid date and time: " + date_digits(stamp) + " " +
                                  time_digits(stamp));
    }
    return stamp;
}

std::string FieldReader::text(std::string_view length_field, std::string_view text_field) {
    const auto length = static_cast<std::size_t>(numeric(length_field, 3));
    if (length > remaining()) {
        fail(EsidReason::exchange_buffer_size_error, length_field,
             "length " + std::to_string(length) + " but only " + std::to_string(remaining()) +
                 " octets follow");
    }
    const ByteView bytes = take(text_field, length);
    std::string value(bytes.begin(), bytes.end());
    if (!is_valid_utf8(value)) {
        deviation(text_field, "not valid UTF-8: '" + printable(bytes) + "'");
    }
    return value;
}

Bytes FieldReader::binary_with_length(std::string_view length_field, std::string_view field) {
    const ByteView length_bytes = take(length_field, 2);
    const std::size_t length = (std::size_t{length_bytes[0]} << 8) | length_bytes[1];
    if (length > remaining()) {
        fail(EsidReason::exchange_buffer_size_error, length_field,
             "length " + std::to_string(length) + " but only " + std::to_string(remaining()) +
                 " octets follow");
    }
    return binary(field, length);
}

Bytes FieldReader::binary(std::string_view field, std::size_t width) {
    const ByteView bytes = take(field, width);
    return Bytes(bytes.begin(), bytes.end());
}

void FieldReader::end() {
    if (remaining() > 0) {
        fail(EsidReason::exchange_buffer_size_error, "",
             std::to_string(remaining()) + " octets after the last field (" +
                 std::to_string(m_buffer.size()) + " in all)");
    }
}

}  // namespace wharf::oftp::detail
