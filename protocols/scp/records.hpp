// The control records of the legacy SCP protocol (rcp's, as OpenSSH scp.c speaks it), one
// struct per record, and the acknowledgement bytes:
//
//   C<mode> <size> <name>\n   a file follows: <size> bytes, then the sender's status byte
//   D<mode> 0 <name>\n        enter directory <name> (recursive copies only)
//   E\n                       leave the directory
//   T<mtime> 0 <atime> 0\n    times for the next C or D (-p); the zeros are microseconds
//   \x01<message>\n           a warning: this file failed, the transfer goes on
//   \x02<message>\n           a fatal error: the peer gives up
//   \0                        acknowledgement (OK) in answer to any record or file data
//
// <mode> is exactly four octal digits. Every record but data is answered by the receiver with
// \0 or an error line.
#pragma once

#include "protocols/scp/filesystem.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace wharf::scp {

/// The longest control line we read, newline included (OpenSSH's sink buffer is 2048 bytes).
inline constexpr std::size_t kMaxControlLine = 2048;

struct FileRecord {  // C
    std::uint32_t mode = 0;
    std::uint64_t size = 0;
    std::string name;
};

struct DirectoryRecord {  // D
    std::uint32_t mode = 0;
    std::string name;
};

struct EndRecord {};  // E

struct TimesRecord {  // T
    FileTimes times;
};

struct ErrorRecord {  // \x01 or \x02
    bool fatal = false;
    std::string message;
};

/// A record that breaks the protocol; `message` is what to send back ("protocol error: ...").
struct MalformedRecord {
    std::string message;
};

using Record =
    std::variant<FileRecord, DirectoryRecord, EndRecord, TimesRecord, ErrorRecord, MalformedRecord>;

/// Parses one control line, without its newline. A C or D name must be one path component:
/// not empty, ".", "..", nor holding '/' (a peer must not write outside the target).
[[nodiscard]] Record parse_record(std::string_view line);

[[nodiscard]] std::string encode_file_record(std::uint32_t mode, std::uint64_t size,
                                             std::string_view name);
[[nodiscard]] std::string encode_directory_record(std::uint32_t mode, std::string_view name);
[[nodiscard]] std::string encode_end_record();
/// Negative times are sent as 0, as OpenSSH does.
[[nodiscard]] std::string encode_times_record(const FileTimes& times);
/// "\x01scp: <message>\n" (or \x02 when fatal), as OpenSSH's run_err writes it. Newlines in
/// `message` become spaces so the line stays one line.
[[nodiscard]] std::string encode_error_record(std::string_view message, bool fatal);

}  // namespace wharf::scp
