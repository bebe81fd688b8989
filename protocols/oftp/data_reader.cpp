#include "protocols/oftp/data_buffer.hpp"

#include <string>

namespace wharf::oftp {

DataReader::DataReader(RecordFormat format, std::uint32_t max_record_length, bool compression)
    : m_format(format), m_max_record_length(max_record_length), m_compression(compression) {}

void DataReader::read(ByteView buffer, DataChunk& out) {
    out.data.clear();
    out.record_ends.clear();
    out.end_of_file = false;
    if (buffer.empty() || buffer[0] != 'D') {
        throw DataError(DataError::Kind::not_data, EsidReason::protocol_violation,
                        "DATA: the exchange buffer does not start with 'D'");
    }
    const bool records = has_records(m_format);
    std::size_t pos = 1;
    while (pos < buffer.size()) {
        const std::size_t header_at = pos;
        const std::uint8_t header = buffer[pos++];
        const std::size_t count = header & kSubrecordCountMask;
        const auto where = [&] { return " (sub-record header at octet " + std::to_string(header_at) + ")"; };
        if (header & kCompressedFlag) {
            if (!m_compression) {
                throw DataError(DataError::Kind::compression_not_negotiated,
                                EsidReason::command_contained_invalid_data,
                                "DATA: compressed sub-record, but buffer compression was not "
                                "negotiated" + where());
            }
            if (count == 0) {
                throw DataError(DataError::Kind::empty_compressed_subrecord,
                                EsidReason::command_contained_invalid_data,
                                "DATA: compressed sub-record with count 0" + where());
            }
            if (pos >= buffer.size()) {
                throw DataError(DataError::Kind::compressed_octet_missing,
                                EsidReason::exchange_buffer_size_error,
                                "DATA: the buffer ends before the compressed octet" + where());
            }
        } else if (count > buffer.size() - pos) {
            throw DataError(DataError::Kind::subrecord_past_end,
                            EsidReason::exchange_buffer_size_error,
                            "DATA: sub-record of " + std::to_string(count) + " octets but only " +
                                std::to_string(buffer.size() - pos) + " follow" + where());
        }
        if (records) {
            m_record_length += count;
            if (m_max_record_length != 0 && m_record_length > m_max_record_length) {
                throw DataError(DataError::Kind::record_too_long,
                                EsidReason::command_contained_invalid_data,
                                "DATA: record " + std::to_string(m_records + 1) +
                                    " is longer than the maximum record length " +
                                    std::to_string(m_max_record_length) + where());
            }
        }
        if (header & kCompressedFlag) {
            out.data.insert(out.data.end(), count, buffer[pos]);
            ++pos;
        } else {
            const auto first = buffer.begin() + static_cast<std::ptrdiff_t>(pos);
            out.data.insert(out.data.end(), first, first + static_cast<std::ptrdiff_t>(count));
            pos += count;
        }
        m_octets += count;
        if (header & kEndOfRecordFlag) {
            end_record(out);
        }
    }
}

void DataReader::end_record(DataChunk& out) {
    if (!has_records(m_format)) {
        out.end_of_file = true;  // U/T: the flag marks the end of the file (section 7.2)
        return;
    }
    out.record_ends.push_back(out.data.size());
    ++m_records;
    m_record_length = 0;
}

}  // namespace wharf::oftp
