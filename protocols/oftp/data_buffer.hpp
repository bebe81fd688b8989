// DATA exchange buffers (RFC 5024 section 7): the command octet 'D', then sub-records, each
// behind a one-octet header: bit 0x80 end of record, bit 0x40 compressed, 0x3F count (0-63).
// An uncompressed sub-record carries `count` octets; a compressed one a single octet that
// stands for `count` copies of itself (buffer compression, used when both SSIDs said
// SSIDCMPR=Y).
//
// F and V files travel record by record, each record's last sub-record flagged end of record;
// U and T files are one record whose flag marks the end of the file (section 7.2).
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/errors.hpp"
#include "protocols/oftp/virtual_file.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace wharf::oftp {

inline constexpr std::uint8_t kEndOfRecordFlag = 0x80;
inline constexpr std::uint8_t kCompressedFlag = 0x40;
inline constexpr std::uint8_t kSubrecordCountMask = 0x3F;
inline constexpr std::size_t kMaxSubrecordCount = 63;

// What one DATA buffer carried.
struct DataChunk {
    Bytes data;                            // the file's octets, compression undone
    std::vector<std::size_t> record_ends;  // F/V: offsets in `data` where a record ended
    bool end_of_file = false;              // U/T: the end-of-record (end of file) flag was seen
};

// Reads the DATA buffers of one file. Records may span buffers; the reader keeps the partial
// record's length to check it against SFIDLRECL.
class DataReader {
public:
    // `max_record_length`: SFIDLRECL, checked for F and V (0: no limit). `compression`: whether
    // buffer compression was negotiated; a compressed sub-record without it is an error.
    DataReader(RecordFormat format, std::uint32_t max_record_length, bool compression);

    // Decodes one exchange buffer (starting with 'D') into `out` (cleared first, capacity
    // kept). Throws DataError (ESID 06, or 07 for a sub-record past the end); `out` then holds
    // the octets decoded before the error.
    void read(ByteView exchange_buffer, DataChunk& out);

    // F/V: records completed so far (EFIDRCNT); 0 for U/T.
    [[nodiscard]] std::uint64_t records() const noexcept { return m_records; }
    // File octets so far (EFIDUCNT).
    [[nodiscard]] std::uint64_t octets() const noexcept { return m_octets; }
    // F/V: octets of a record not yet ended (0 at a record boundary).
    [[nodiscard]] std::uint64_t partial_record_length() const noexcept { return m_record_length; }

private:
    void end_record(DataChunk& out);

    RecordFormat m_format;
    std::uint32_t m_max_record_length;
    bool m_compression;
    std::uint64_t m_records = 0;
    std::uint64_t m_octets = 0;
    std::uint64_t m_record_length = 0;
};

// Fills DATA buffers of the negotiated size from a file's octets. Sans-I/O: the caller pushes
// input (as much as it likes to hold in memory) and takes the buffers that are complete.
//
// Sub-records are never split across buffers: a literal run is cut where the buffer ends
// (strategy 2 of section 7.3) and a buffer with one free octet is closed (strategy 1). With
// compression, runs of 4 or more equal octets become compressed sub-records (a shorter run
// costs as much compressed as plain), runs longer than 63 take several; runs are followed
// across write() calls, so the buffers do not depend on how the input was cut, but not across
// record boundaries.
//
// The last full buffer is held until more input or finish() arrives: it may still need the
// end-of-record flag.
class DataWriter {
public:
    // `buffer_size`: the negotiated SSIDSDEB (3-99999; the command octet counts).
    // `max_record_length`: SFIDLRECL for F/V (0: only the 99999 limit). Throws
    // std::invalid_argument for a buffer size out of range.
    DataWriter(RecordFormat format, std::uint32_t buffer_size, bool compression,
               std::uint32_t max_record_length = 0);

    // U/T: more of the file. std::logic_error for F/V, or after finish().
    void write(ByteView bytes);
    // F/V: one whole record (it may be empty). std::logic_error for U/T, or after finish();
    // std::length_error above the maximum record length.
    void write_record(ByteView record);
    // The file is complete: flags the last sub-record of a U/T file and releases the last
    // buffer. An empty file gives no buffers at all.
    void finish();

    // The next complete buffer, oldest first; nullopt when none is complete yet.
    [[nodiscard]] std::optional<Bytes> take_buffer();
    [[nodiscard]] std::size_t buffers_ready() const noexcept { return m_ready.size(); }
    // finish() was called and every buffer taken.
    [[nodiscard]] bool done() const noexcept { return m_finished && m_ready.empty(); }

    // For EFID: records written (F/V; 0 for U/T) and file octets.
    [[nodiscard]] std::uint64_t records() const noexcept { return m_records; }
    [[nodiscard]] std::uint64_t octets() const noexcept { return m_octets; }

private:
    void encode_octets(ByteView bytes);
    void flush_run();
    void emit_literal(ByteView bytes);
    void emit_run(std::uint8_t octet, std::size_t count);
    void end_record();
    std::size_t space_for_subrecord(std::size_t needed);
    void release_current();

    RecordFormat m_format;
    std::uint32_t m_buffer_size;
    bool m_compression;
    std::uint32_t m_max_record_length;
    Bytes m_current;                                  // the open buffer ('D' + sub-records)
    std::size_t m_last_header = 0;                    // its last sub-record header (0: none)
    bool m_record_open = false;                       // a sub-record of this record is in m_current
    std::uint8_t m_run_octet = 0;                     // a pending run (compression only)
    std::size_t m_run_length = 0;
    std::deque<Bytes> m_ready;
    bool m_finished = false;
    std::uint64_t m_records = 0;
    std::uint64_t m_octets = 0;
};

}  // namespace wharf::oftp
