#include "protocols/oftp/data_buffer.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace wharf::oftp {

namespace {

// A run shorter than this costs at least as much compressed (2 octets, plus a header to resume
// the literal it interrupts) as left in the literal.
constexpr std::size_t kMinCompressedRun = 4;
constexpr std::uint32_t kMaxRecordLength = 99999;  // SFIDLRECL is 9(5)

}  // namespace

DataWriter::DataWriter(RecordFormat format, std::uint32_t buffer_size, bool compression,
                       std::uint32_t max_record_length)
    : m_format(format),
      m_buffer_size(buffer_size),
      m_compression(compression),
      m_max_record_length(max_record_length == 0 ? kMaxRecordLength : max_record_length) {
    // 'D', one header and one octet: anything smaller could never carry data.
    if (buffer_size < 3 || buffer_size > 99999) {
        throw std::invalid_argument("oftp: DATA buffer size " + std::to_string(buffer_size) +
                                    " is not within 3-99999");
    }
}

void DataWriter::write(ByteView bytes) {
    if (has_records(m_format) || m_finished) {
        throw std::logic_error(m_finished ? "oftp: DataWriter::write after finish()"
                                          : "oftp: F and V files are written by write_record()");
    }
    m_octets += bytes.size();
    encode_octets(bytes);
}

void DataWriter::write_record(ByteView record) {
    if (!has_records(m_format) || m_finished) {
        throw std::logic_error(m_finished ? "oftp: DataWriter::write_record after finish()"
                                          : "oftp: U and T files are written by write()");
    }
    if (record.size() > m_max_record_length) {
        throw std::length_error("oftp: a record of " + std::to_string(record.size()) +
                                " octets exceeds the maximum record length " +
                                std::to_string(m_max_record_length));
    }
    encode_octets(record);
    flush_run();
    end_record();
    ++m_records;
    m_octets += record.size();
}

void DataWriter::finish() {
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (!has_records(m_format) && m_octets > 0) {
        flush_run();
        end_record();
    }
    if (m_current.size() > 1) {
        release_current();
    }
    m_current.clear();
}

std::optional<Bytes> DataWriter::take_buffer() {
    if (m_ready.empty()) {
        return std::nullopt;
    }
    Bytes buffer = std::move(m_ready.front());
    m_ready.pop_front();
    return buffer;
}

void DataWriter::encode_octets(ByteView bytes) {
    if (!m_compression) {
        emit_literal(bytes);
        return;
    }
    std::size_t i = 0;
    if (m_run_length > 0) {  // a run that ended the previous write() may go on here
        while (i < bytes.size() && bytes[i] == m_run_octet) {
            ++m_run_length;
            ++i;
        }
        if (i == bytes.size()) {
            return;
        }
        flush_run();
    }
    std::size_t literal_start = i;
    while (i < bytes.size()) {
        std::size_t end = i + 1;
        while (end < bytes.size() && bytes[end] == bytes[i]) {
            ++end;
        }
        // A long run, or one that reaches the end of the input and may continue in the next.
        if (end - i >= kMinCompressedRun || end == bytes.size()) {
            emit_literal(bytes.subspan(literal_start, i - literal_start));
            m_run_octet = bytes[i];
            m_run_length = end - i;
            if (end < bytes.size()) {
                flush_run();
            }
            literal_start = end;
        }
        i = end;
    }
}

void DataWriter::flush_run() {
    if (m_run_length == 0) {
        return;
    }
    const std::size_t length = m_run_length;
    m_run_length = 0;
    if (length >= kMinCompressedRun) {
        emit_run(m_run_octet, length);
        return;
    }
    std::array<std::uint8_t, kMinCompressedRun> copies{};
    copies.fill(m_run_octet);
    emit_literal(ByteView(copies.data(), length));
}

void DataWriter::emit_literal(ByteView bytes) {
    while (!bytes.empty()) {
        // Grow the last sub-record when it is a literal of this record with room left: it is
        // always the last thing in the open buffer.
        if (m_last_header != 0 && m_current.size() < m_buffer_size) {
            std::uint8_t& header = m_current[m_last_header];
            const std::size_t count = header & kSubrecordCountMask;
            if ((header & (kEndOfRecordFlag | kCompressedFlag)) == 0 && count < kMaxSubrecordCount) {
                const std::size_t n = std::min({kMaxSubrecordCount - count,
                                                m_buffer_size - m_current.size(), bytes.size()});
                m_current.insert(m_current.end(), bytes.begin(),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(n));
                header = static_cast<std::uint8_t>(header + n);
                bytes = bytes.subspan(n);
                continue;
            }
        }
        const std::size_t space = space_for_subrecord(2);
        const std::size_t n = std::min({kMaxSubrecordCount, space - 1, bytes.size()});
        m_last_header = m_current.size();
        m_current.push_back(static_cast<std::uint8_t>(n));
        m_current.insert(m_current.end(), bytes.begin(),
                         bytes.begin() + static_cast<std::ptrdiff_t>(n));
        m_record_open = true;
        bytes = bytes.subspan(n);
    }
}

void DataWriter::emit_run(std::uint8_t octet, std::size_t count) {
    while (count > 0) {
        space_for_subrecord(2);
        const std::size_t n = std::min(kMaxSubrecordCount, count);
        m_last_header = m_current.size();
        m_current.push_back(static_cast<std::uint8_t>(kCompressedFlag | n));
        m_current.push_back(octet);
        m_record_open = true;
        count -= n;
    }
}

// The record's last sub-record is the last one written, so it is in the open buffer: flag it.
// An empty record (or a U/T file ending in nothing) gets a sub-record of its own, count 0.
void DataWriter::end_record() {
    if (m_record_open && m_last_header != 0) {
        m_current[m_last_header] |= kEndOfRecordFlag;
    } else {
        space_for_subrecord(1);
        m_last_header = m_current.size();
        m_current.push_back(kEndOfRecordFlag);
    }
    m_record_open = false;
}

// Opens a buffer if none is, or a new one when the open buffer has less than `needed` octets
// free; returns the free octets.
std::size_t DataWriter::space_for_subrecord(std::size_t needed) {
    if (!m_current.empty() && m_buffer_size - m_current.size() < needed) {
        release_current();
    }
    if (m_current.empty()) {
        m_current.reserve(m_buffer_size);
        m_current.push_back('D');
        m_last_header = 0;
    }
    return m_buffer_size - m_current.size();
}

void DataWriter::release_current() {
    m_ready.push_back(std::move(m_current));
    m_current = Bytes();
    m_last_header = 0;
}

}  // namespace wharf::oftp
