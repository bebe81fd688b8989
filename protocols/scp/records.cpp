#include "protocols/scp/records.hpp"

#include <charconv>
#include <limits>

namespace wharf::scp {

namespace {

constexpr std::uint64_t kMaxSigned = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Reads the decimal number at the front of `rest` (at least one digit) and removes it.
bool take_number(std::string_view& rest, std::uint64_t& value) {
    if (rest.empty() || rest[0] < '0' || rest[0] > '9') return false;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc{}) return false;  // out of range
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    return true;
}

bool take_char(std::string_view& rest, char c) {
    if (rest.empty() || rest[0] != c) return false;
    rest.remove_prefix(1);
    return true;
}

MalformedRecord protocol_error(std::string_view why) {
    return MalformedRecord{"protocol error: " + std::string(why)};
}

// The four octal digits after C or D.
bool take_mode(std::string_view& rest, std::uint32_t& mode) {
    if (rest.size() < 4) return false;
    mode = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = rest[static_cast<std::size_t>(i)];
        if (c < '0' || c > '7') return false;
        mode = (mode << 3) | static_cast<std::uint32_t>(c - '0');
    }
    rest.remove_prefix(4);
    return true;
}

bool acceptable_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

Record parse_times(std::string_view rest) {
    std::uint64_t mtime = 0, mtime_usec = 0, atime = 0, atime_usec = 0;
    if (!take_number(rest, mtime) || mtime > kMaxSigned) return protocol_error("mtime.sec not present");
    if (!take_char(rest, ' ')) return protocol_error("mtime.sec not delimited");
    if (!take_number(rest, mtime_usec) || mtime_usec > 999999 || !take_char(rest, ' ')) {
        return protocol_error("mtime.usec not delimited");
    }
    if (!take_number(rest, atime) || atime > kMaxSigned) return protocol_error("atime.sec not present");
    if (!take_char(rest, ' ')) return protocol_error("atime.sec not delimited");
    if (!take_number(rest, atime_usec) || atime_usec > 999999 || !rest.empty()) {
        return protocol_error("atime.usec not delimited");
    }
    return TimesRecord{FileTimes{static_cast<std::int64_t>(mtime), static_cast<std::int64_t>(atime)}};
}

// C and D share their shape: <mode> <size> <name>.
Record parse_file_or_directory(char kind, std::string_view rest) {
    std::uint32_t mode = 0;
    if (!take_mode(rest, mode)) return protocol_error("bad mode");
    if (!take_char(rest, ' ')) return protocol_error("mode not delimited");
    std::uint64_t size = 0;
    if (rest.empty() || rest[0] < '0' || rest[0] > '9') return protocol_error("size not present");
    if (!take_number(rest, size) || size > kMaxSigned) return protocol_error("size out of range");
    if (!take_char(rest, ' ')) return protocol_error("size not delimited");
    if (!acceptable_name(rest)) {
        return MalformedRecord{"error: unexpected filename: " + std::string(rest)};
    }
    if (kind == 'D') return DirectoryRecord{mode, std::string(rest)};
    return FileRecord{mode, size, std::string(rest)};
}

}  // namespace

Record parse_record(std::string_view line) {
    if (line.empty()) return protocol_error("unexpected <newline>");
    const char kind = line[0];
    const std::string_view rest = line.substr(1);
    switch (kind) {
    case '\x01': return ErrorRecord{false, std::string(rest)};
    case '\x02': return ErrorRecord{true, std::string(rest)};
    case 'E':
        if (!rest.empty()) return protocol_error("unexpected data after E");
        return EndRecord{};
    case 'T': return parse_times(rest);
    case 'C':
    case 'D': return parse_file_or_directory(kind, rest);
    default: return protocol_error("expected control record");
    }
}

namespace {

std::string octal_mode(std::uint32_t mode) {
    std::string digits(4, '0');
    mode &= 07777;
    for (int i = 3; i >= 0; --i) {
        digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + (mode & 7));
        mode >>= 3;
    }
    return digits;
}

}  // namespace

std::string encode_file_record(std::uint32_t mode, std::uint64_t size, std::string_view name) {
    return "C" + octal_mode(mode) + " " + std::to_string(size) + " " + std::string(name) + "\n";
}

std::string encode_directory_record(std::uint32_t mode, std::string_view name) {
    return "D" + octal_mode(mode) + " 0 " + std::string(name) + "\n";
}

std::string encode_end_record() { return "E\n"; }

std::string encode_times_record(const FileTimes& times) {
    const auto clamp = [](std::int64_t t) { return std::to_string(t < 0 ? 0 : t); };
    return "T" + clamp(times.mtime) + " 0 " + clamp(times.atime) + " 0\n";
}

std::string encode_error_record(std::string_view message, bool fatal) {
    std::string line(1, fatal ? '\x02' : '\x01');
    line += "scp: ";
    // The peer reads at most kMaxControlLine bytes of a line; longer would desynchronise it.
    const auto room = kMaxControlLine - 16;
    for (const char c : message.substr(0, room)) line += (c == '\n' || c == '\r') ? ' ' : c;
    line += '\n';
    return line;
}

}  // namespace wharf::scp
