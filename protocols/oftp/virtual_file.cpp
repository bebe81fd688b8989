#include "protocols/oftp/virtual_file.hpp"

#include "protocols/oftp/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace wharf::oftp {

std::optional<RecordFormat> record_format_from_code(char code) noexcept {
    switch (code) {
        case 'F': return RecordFormat::fixed;
        case 'V': return RecordFormat::variable;
        case 'U': return RecordFormat::unstructured;
        case 'T': return RecordFormat::text;
        default: return std::nullopt;
    }
}

bool has_records(RecordFormat format) noexcept {
    return format == RecordFormat::fixed || format == RecordFormat::variable;
}

bool is_valid_calendar(const FileDateTime& stamp) noexcept {
    static constexpr std::uint8_t kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (stamp.month < 1 || stamp.month > 12 || stamp.day < 1 ||
        stamp.day > kDays[stamp.month - 1]) {
        return false;
    }
    const bool leap = (stamp.year % 4 == 0 && stamp.year % 100 != 0) || stamp.year % 400 == 0;
    if (stamp.month == 2 && stamp.day == 29 && !leap) {
        return false;
    }
    return stamp.hour <= 23 && stamp.minute <= 59 && stamp.second <= 60;
}

FileDateTime as_sent_at(const FileDateTime& stamp, ProtocolLevel level) noexcept {
    FileDateTime seen = stamp;
    if (!has_extended_timestamps(level)) {
        seen.counter = 0;
    }
    return seen;
}

std::string date_digits(const FileDateTime& stamp) {
    char text[16];
    std::snprintf(text, sizeof text, "%04u%02u%02u", static_cast<unsigned>(stamp.year % 10000),
                  static_cast<unsigned>(stamp.month % 100), static_cast<unsigned>(stamp.day % 100));
    return text;
}

std::string time_digits(const FileDateTime& stamp) {
    char text[16];
    std::snprintf(text, sizeof text, "%02u%02u%02u%04u", static_cast<unsigned>(stamp.hour % 100),
                  static_cast<unsigned>(stamp.minute % 100),
                  static_cast<unsigned>(stamp.second % 100),
                  static_cast<unsigned>(stamp.counter % 10000));
    return text;
}

std::uint64_t size_in_blocks(std::uint64_t bytes) noexcept {
    return bytes / kBlockSize + (bytes % kBlockSize != 0 ? 1 : 0);
}

RestartUnit restart_unit(RecordFormat format, bool secured_or_compressed) noexcept {
    return has_records(format) && !secured_or_compressed ? RestartUnit::records
                                                         : RestartUnit::blocks;
}

std::uint64_t block_restart_offset(std::uint64_t position) noexcept {
    return position * kBlockSize;
}

std::uint64_t block_restart_position(std::uint64_t bytes_stored) noexcept {
    return bytes_stored / kBlockSize;
}

std::uint64_t fixed_record_offset(std::uint64_t position, std::uint32_t record_length) noexcept {
    return position * record_length;
}

std::uint64_t answer_count(std::uint64_t offered, std::uint64_t possible,
                           bool restart_negotiated) noexcept {
    return restart_negotiated ? std::min(offered, possible) : 0;
}

void append_headered_record(Bytes& out, ByteView record) {
    if (record.size() > kMaxHeaderedRecordLength) {
        throw std::length_error("oftp: a V record of " + std::to_string(record.size()) +
                                " octets does not fit a 2-octet length header");
    }
    out.push_back(static_cast<std::uint8_t>(record.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(record.size() & 0xFF));
    out.insert(out.end(), record.begin(), record.end());
}

HeaderedRecordSplitter::HeaderedRecordSplitter(std::uint32_t max_record_length)
    : m_max(max_record_length) {}

void HeaderedRecordSplitter::feed(ByteView bytes) {
    if (m_start > 0 && m_start >= m_buffer.size() / 2) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start));
        m_start = 0;
    }
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
}

std::optional<Bytes> HeaderedRecordSplitter::next() {
    const std::size_t available = m_buffer.size() - m_start;
    if (available < kRecordLengthHeaderSize) {
        return std::nullopt;
    }
    const std::size_t length = (std::size_t{m_buffer[m_start]} << 8) | m_buffer[m_start + 1];
    if (m_max != 0 && length > m_max) {
        throw DataError(DataError::Kind::record_too_long, EsidReason::command_contained_invalid_data,
                        "V record length header " + std::to_string(length) +
                            " exceeds the maximum record length " + std::to_string(m_max));
    }
    if (available < kRecordLengthHeaderSize + length) {
        return std::nullopt;
    }
    const auto first = m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start + kRecordLengthHeaderSize);
    Bytes record(first, first + static_cast<std::ptrdiff_t>(length));
    m_start += kRecordLengthHeaderSize + length;
    return record;
}

bool HeaderedRecordSplitter::at_record_boundary() const noexcept {
    return m_start == m_buffer.size();
}

}  // namespace wharf::oftp
