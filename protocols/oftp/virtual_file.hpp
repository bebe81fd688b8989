// Virtual file attributes (RFC 5024 section 1.5) and the arithmetic the session needs around
// them: record formats, the date/time stamp that identifies a file, sizes in 1 KiB blocks,
// restart positions (records for F/V, KiB for U/T), and the 2-octet record length headers V
// files carry once signed, compressed or encrypted (section 6.5).
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/level.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace wharf::oftp {

// SFIDFMT.
enum class RecordFormat : char { fixed = 'F', variable = 'V', unstructured = 'U', text = 'T' };

// 'F', 'V', 'U', 'T' (upper case only); nullopt otherwise.
[[nodiscard]] std::optional<RecordFormat> record_format_from_code(char code) noexcept;

// F and V carry records; U and T are one stream (section 1.5.3).
[[nodiscard]] bool has_records(RecordFormat format) noexcept;

// The Dataset Name, Date and Time attributes together identify a virtual file (1.5.2).
// Date CCYYMMDD, time HHMMSS plus a counter cccc (1.4 and 2.0; 0001-9999 for resolution).
// Levels 1.2/1.3 send YYMMDD and HHMMSS: the century comes back as 19 for 70-99 and 20 for
// 00-69, and the counter is not sent (it decodes as 0). The fields hold whatever digits the
// peer sent; is_valid_calendar() says whether they form a real date and time.
struct FileDateTime {
    std::uint16_t year = 2000;
    std::uint8_t month = 1;
    std::uint8_t day = 1;
    std::uint8_t hour = 0;
    std::uint8_t minute = 0;
    std::uint8_t second = 0;
    std::uint16_t counter = 0;

    bool operator==(const FileDateTime&) const = default;
};

// Month 1-12, a day the month has, hour 0-23, minute 0-59, second 0-60 (a leap second).
[[nodiscard]] bool is_valid_calendar(const FileDateTime& stamp) noexcept;
// What a peer at `level` sees of the stamp: at 1.2/1.3 without the counter. Compare stamps
// through this when matching an EERP to a file sent at a lower level.
[[nodiscard]] FileDateTime as_sent_at(const FileDateTime& stamp, ProtocolLevel level) noexcept;
// "CCYYMMDD" and "HHMMSScccc", as 2.0 sends them (for logs and file naming).
[[nodiscard]] std::string date_digits(const FileDateTime& stamp);
[[nodiscard]] std::string time_digits(const FileDateTime& stamp);

// --- Sizes and restart ------------------------------------------------------------------------

inline constexpr std::uint64_t kBlockSize = 1024;  // SFIDFSIZ, SFIDOSIZ and U/T restart unit

// SFIDFSIZ/SFIDOSIZ for a file of `bytes` octets: 1 KiB blocks, rounded up.
[[nodiscard]] std::uint64_t size_in_blocks(std::uint64_t bytes) noexcept;

// What a restart position counts (SFIDREST, SFPAACNT). A file that is signed, compressed or
// encrypted is treated as U for restart whatever SFIDFMT says (5.3.3 SFIDREST).
enum class RestartUnit { records, blocks };
[[nodiscard]] RestartUnit restart_unit(RecordFormat format, bool secured_or_compressed) noexcept;

// U/T: the octet offset a position in blocks stands for, and the position to offer or answer
// for `bytes` octets safely stored (whole blocks only, rounded down).
[[nodiscard]] std::uint64_t block_restart_offset(std::uint64_t position) noexcept;
[[nodiscard]] std::uint64_t block_restart_position(std::uint64_t bytes_stored) noexcept;
// F: the octet offset of record `position` (records are `record_length` octets each). V files
// need the receiver's own index of record offsets.
[[nodiscard]] std::uint64_t fixed_record_offset(std::uint64_t position,
                                                std::uint32_t record_length) noexcept;
// SFPAACNT: the Listener answers at most the Speaker's SFIDREST ("retransmission will start at
// the lowest value"); 0 when restart was not negotiated.
[[nodiscard]] std::uint64_t answer_count(std::uint64_t offered, std::uint64_t possible,
                                         bool restart_negotiated) noexcept;

// --- V format record length headers (section 6.5) ---------------------------------------------

inline constexpr std::size_t kRecordLengthHeaderSize = 2;
inline constexpr std::uint32_t kMaxHeaderedRecordLength = 0xFFFF;

// Appends the 2-octet big-endian length of a record (data octets, the header not counted) and
// the record. Throws std::length_error above 65535 octets.
void append_headered_record(Bytes& out, ByteView record);

// Splits a stream of headered V records back into records, across any split of the input.
// Throws DataError (data_buffer.hpp) for a record above `max_record_length` (0: no limit
// besides the header's 65535).
class HeaderedRecordSplitter {
public:
    explicit HeaderedRecordSplitter(std::uint32_t max_record_length = 0);

    void feed(ByteView bytes);
    // The next whole record, or nullopt until more bytes arrive.
    [[nodiscard]] std::optional<Bytes> next();
    // True when no partial header or record is buffered (the stream may end here).
    [[nodiscard]] bool at_record_boundary() const noexcept;

private:
    Bytes m_buffer;
    std::size_t m_start = 0;
    std::uint32_t m_max;
};

}  // namespace wharf::oftp
