#include "daemon/oftp/state_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <system_error>

#include "daemon/vfs/unique_fd.hpp"

namespace wharf::daemon {

namespace {

using vfs::UniqueFd;

constexpr char kHexDigits[] = "0123456789abcdef";

bool is_key_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::string escape_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        const auto octet = static_cast<unsigned char>(c);
        if (octet < 0x20 || c == '\\') {
            out += "\\x";
            out += kHexDigits[octet >> 4];
            out += kHexDigits[octet & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> unescape_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (i + 3 >= value.size() || value[i + 1] != 'x') return std::nullopt;
        const int high = hex_value(value[i + 2]);
        const int low = hex_value(value[i + 3]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 3;
    }
    return out;
}

std::string to_hex(const oftp::Bytes& bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t octet : bytes) {
        out += kHexDigits[octet >> 4];
        out += kHexDigits[octet & 0xF];
    }
    return out;
}

oftp::Bytes from_hex(std::string_view text, std::string_view key) {
    if (text.size() % 2 != 0) {
        throw std::runtime_error("state file: odd number of hex digits in " + std::string(key));
    }
    oftp::Bytes out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_value(text[i]);
        const int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0) {
            throw std::runtime_error("state file: not hex in " + std::string(key));
        }
        out.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    return out;
}

// Digits of `text` as a number (the whole text, no sign).
std::uint64_t parse_digits(std::string_view text, std::string_view key) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        throw std::runtime_error("state file: " + std::string(key) + " is not a number: '" + std::string(text) + "'");
    }
    return value;
}

void put_stamp(StateRecord& record, std::string_view prefix, const oftp::FileDateTime& stamp) {
    record.set(std::string(prefix) + "date", oftp::date_digits(stamp));
    record.set(std::string(prefix) + "time", oftp::time_digits(stamp));
}

oftp::FileDateTime get_stamp(const StateRecord& record, std::string_view prefix) {
    const std::string date_key = std::string(prefix) + "date";
    const std::string time_key = std::string(prefix) + "time";
    const std::string& date = record.text(date_key);
    const std::string& time = record.text(time_key);
    if (date.size() != 8 || time.size() != 10) {
        throw std::runtime_error("state file: " + date_key + "/" + time_key + " are not CCYYMMDD/HHMMSScccc");
    }
    const auto part = [](std::string_view digits, std::size_t at, std::size_t width, std::string_view key) {
        return parse_digits(digits.substr(at, width), key);
    };
    oftp::FileDateTime stamp;
    stamp.year = static_cast<std::uint16_t>(part(date, 0, 4, date_key));
    stamp.month = static_cast<std::uint8_t>(part(date, 4, 2, date_key));
    stamp.day = static_cast<std::uint8_t>(part(date, 6, 2, date_key));
    stamp.hour = static_cast<std::uint8_t>(part(time, 0, 2, time_key));
    stamp.minute = static_cast<std::uint8_t>(part(time, 2, 2, time_key));
    stamp.second = static_cast<std::uint8_t>(part(time, 4, 2, time_key));
    stamp.counter = static_cast<std::uint16_t>(part(time, 6, 4, time_key));
    return stamp;
}

std::uint8_t small_number(const StateRecord& record, std::string_view key) {
    const std::uint64_t value = record.number(key);
    if (value > 0xFF) throw std::runtime_error("state file: " + std::string(key) + " out of range");
    return static_cast<std::uint8_t>(value);
}

std::string key_of(std::string_view prefix, std::string_view name) { return std::string(prefix) + std::string(name); }

// Reads all of `fd` from its current offset.
std::string read_all(int fd, const std::filesystem::path& path) {
    std::string text;
    std::array<char, 4096> chunk{};
    for (;;) {
        const ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "read", path);
        }
        if (got == 0) return text;
        text.append(chunk.data(), static_cast<std::size_t>(got));
    }
}

}  // namespace

// --- StateRecord -------------------------------------------------------------------------------

void StateRecord::set(std::string_view key, std::string_view value) {
    if (key.empty() || !std::all_of(key.begin(), key.end(), is_key_character)) {
        throw std::invalid_argument("state file: invalid key '" + std::string(key) + "'");
    }
    for (auto& [existing, old_value] : m_entries) {
        if (existing == key) {
            old_value = value;
            return;
        }
    }
    m_entries.emplace_back(key, value);
}

void StateRecord::set(std::string_view key, std::uint64_t value) { set(key, std::to_string(value)); }

const std::string* StateRecord::find(std::string_view key) const {
    for (const auto& [existing, value] : m_entries) {
        if (existing == key) return &value;
    }
    return nullptr;
}

const std::string& StateRecord::text(std::string_view key) const {
    if (const std::string* value = find(key)) return *value;
    throw std::runtime_error("state file: '" + std::string(key) + "' is missing");
}

std::uint64_t StateRecord::number(std::string_view key) const { return parse_digits(text(key), key); }

std::string StateRecord::serialize() const {
    std::string out;
    for (const auto& [key, value] : m_entries) {
        out += key;
        out += ' ';
        out += escape_value(value);
        out += '\n';
    }
    return out;
}

StateRecord StateRecord::parse(std::string_view text, const std::filesystem::path& origin) {
    StateRecord record;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t end = text.find('\n');
        if (end == std::string_view::npos) {
            throw std::runtime_error(origin.string() + ": line " + std::to_string(line_number) + " is not terminated");
        }
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        const std::size_t space = line.find(' ');
        const std::string_view key = line.substr(0, space);
        const auto value = space == std::string_view::npos ? std::nullopt : unescape_value(line.substr(space + 1));
        if (!value || key.empty() || !std::all_of(key.begin(), key.end(), is_key_character)) {
            throw std::runtime_error(origin.string() + ": line " + std::to_string(line_number) + " is malformed");
        }
        record.set(key, *value);
    }
    return record;
}

void write_state_file(const std::filesystem::path& path, const StateRecord& record) {
    // One writer per partner (one session at a time), so a fixed temp name cannot be contended;
    // a stale one from a crash is simply overwritten.
    std::filesystem::path temp = path;
    temp += ".tmp";
    const std::string text = record.serialize();
    {
        UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) throw_errno(errno, "create", temp);
        write_all_at(fd.get(), text.data(), text.size(), 0, temp);
        if (::fsync(fd.get()) != 0) throw_errno(errno, "fsync", temp);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno(errno, "rename to " + path.string(), temp);
    fsync_directory(path.parent_path());
}

std::optional<StateRecord> read_state_file(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno(errno, "open", path);
    }
    return StateRecord::parse(read_all(fd.get(), path), path);
}

// --- Serialisation -----------------------------------------------------------------------------

void put_sfid(StateRecord& record, std::string_view prefix, const oftp::Sfid& sfid) {
    record.set(key_of(prefix, "dsn"), sfid.dataset_name);
    put_stamp(record, prefix, sfid.stamp);
    record.set(key_of(prefix, "user"), sfid.user_data);
    record.set(key_of(prefix, "destination"), sfid.destination);
    record.set(key_of(prefix, "originator"), sfid.originator);
    record.set(key_of(prefix, "format"), std::string(1, static_cast<char>(sfid.format)));
    record.set(key_of(prefix, "record_length"), sfid.max_record_length);
    record.set(key_of(prefix, "file_size"), sfid.file_size);
    record.set(key_of(prefix, "original_size"), sfid.original_size);
    record.set(key_of(prefix, "restart_position"), sfid.restart_position);
    record.set(key_of(prefix, "security"), static_cast<std::uint64_t>(sfid.security));
    record.set(key_of(prefix, "cipher_suite"), std::uint64_t{sfid.cipher_suite});
    record.set(key_of(prefix, "compression"), std::uint64_t{sfid.compression});
    record.set(key_of(prefix, "envelope"), std::uint64_t{sfid.envelope});
    record.set(key_of(prefix, "signed_eerp"), std::uint64_t{sfid.signed_eerp ? 1U : 0U});
    record.set(key_of(prefix, "description"), sfid.description);
}

oftp::Sfid get_sfid(const StateRecord& record, std::string_view prefix) {
    oftp::Sfid sfid;
    sfid.dataset_name = record.text(key_of(prefix, "dsn"));
    sfid.stamp = get_stamp(record, prefix);
    sfid.user_data = record.text(key_of(prefix, "user"));
    sfid.destination = record.text(key_of(prefix, "destination"));
    sfid.originator = record.text(key_of(prefix, "originator"));
    const std::string& format = record.text(key_of(prefix, "format"));
    const auto parsed_format = format.size() == 1 ? oftp::record_format_from_code(format[0]) : std::nullopt;
    if (!parsed_format) throw std::runtime_error("state file: invalid " + key_of(prefix, "format"));
    sfid.format = *parsed_format;
    const std::uint64_t record_length = record.number(key_of(prefix, "record_length"));
    if (record_length > 99999) throw std::runtime_error("state file: record length out of range");
    sfid.max_record_length = static_cast<std::uint32_t>(record_length);
    sfid.file_size = record.number(key_of(prefix, "file_size"));
    sfid.original_size = record.number(key_of(prefix, "original_size"));
    sfid.restart_position = record.number(key_of(prefix, "restart_position"));
    sfid.security = static_cast<oftp::SecurityLevel>(small_number(record, key_of(prefix, "security")));
    sfid.cipher_suite = small_number(record, key_of(prefix, "cipher_suite"));
    sfid.compression = small_number(record, key_of(prefix, "compression"));
    sfid.envelope = small_number(record, key_of(prefix, "envelope"));
    sfid.signed_eerp = record.number(key_of(prefix, "signed_eerp")) != 0;
    sfid.description = record.text(key_of(prefix, "description"));
    return sfid;
}

void put_end_response(StateRecord& record, const oftp::EndResponse& response) {
    if (const auto* eerp = std::get_if<oftp::Eerp>(&response)) {
        record.set("kind", "eerp");
        record.set("dsn", eerp->dataset_name);
        put_stamp(record, "", eerp->stamp);
        record.set("user", eerp->user_data);
        record.set("destination", eerp->destination);
        record.set("originator", eerp->originator);
        record.set("hash", to_hex(eerp->hash));
        record.set("signature", to_hex(eerp->signature));
        return;
    }
    const auto& nerp = std::get<oftp::Nerp>(response);
    record.set("kind", "nerp");
    record.set("dsn", nerp.dataset_name);
    put_stamp(record, "", nerp.stamp);
    record.set("destination", nerp.destination);
    record.set("originator", nerp.originator);
    record.set("creator", nerp.creator);
    record.set("reason", static_cast<std::uint64_t>(nerp.reason));
    record.set("reason_text", nerp.reason_text);
    record.set("hash", to_hex(nerp.hash));
    record.set("signature", to_hex(nerp.signature));
}

oftp::EndResponse get_end_response(const StateRecord& record) {
    const std::string& kind = record.text("kind");
    if (kind == "eerp") {
        oftp::Eerp eerp;
        eerp.dataset_name = record.text("dsn");
        eerp.stamp = get_stamp(record, "");
        eerp.user_data = record.text("user");
        eerp.destination = record.text("destination");
        eerp.originator = record.text("originator");
        eerp.hash = from_hex(record.text("hash"), "hash");
        eerp.signature = from_hex(record.text("signature"), "signature");
        return eerp;
    }
    if (kind != "nerp") throw std::runtime_error("state file: unknown response kind '" + kind + "'");
    oftp::Nerp nerp;
    nerp.dataset_name = record.text("dsn");
    nerp.stamp = get_stamp(record, "");
    nerp.destination = record.text("destination");
    nerp.originator = record.text("originator");
    nerp.creator = record.text("creator");
    const std::uint64_t reason = record.number("reason");
    if (reason > 99) throw std::runtime_error("state file: NERP reason out of range");
    nerp.reason = static_cast<oftp::NerpReason>(reason);
    nerp.reason_text = record.text("reason_text");
    nerp.hash = from_hex(record.text("hash"), "hash");
    nerp.signature = from_hex(record.text("signature"), "signature");
    return nerp;
}

// --- Durable file-system steps -----------------------------------------------------------------

void throw_errno(int err, std::string_view what, const std::filesystem::path& path) {
    throw std::system_error(err, std::generic_category(), std::string(what) + " " + path.string());
}

void make_directories(const std::filesystem::path& path, mode_t mode) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) throw_errno(ENOTDIR, "create directory", path);
        return;
    }
    if (errno != ENOENT) throw_errno(errno, "stat", path);
    const std::filesystem::path parent = path.parent_path();
    if (!parent.empty() && parent != path) make_directories(parent, mode);
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno(errno, "create directory", path);
    if (!parent.empty()) fsync_directory(parent);
}

void fsync_directory(const std::filesystem::path& directory) {
    const std::filesystem::path target = directory.empty() ? std::filesystem::path(".") : directory;
    UniqueFd fd(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno(errno, "open directory", target);
    fsync_directory(fd.get(), target);
}

void fsync_directory(int directory_fd, const std::filesystem::path& for_errors) {
    if (::fsync(directory_fd) != 0) throw_errno(errno, "fsync directory", for_errors);
}

void write_all_at(int fd, const void* data, std::size_t size, std::uint64_t offset,
                  const std::filesystem::path& for_errors) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
        if (written < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "write", for_errors);
        }
        bytes += written;
        size -= static_cast<std::size_t>(written);
        offset += static_cast<std::uint64_t>(written);
    }
}

void remove_durably(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return;
        throw_errno(errno, "remove", path);
    }
    fsync_directory(path.parent_path());
}

void copy_contents(int source_fd, int target_fd, const std::filesystem::path& for_errors) {
    std::vector<char> chunk(1 << 20);
    std::uint64_t offset = 0;
    for (;;) {
        const ssize_t got = ::pread(source_fd, chunk.data(), chunk.size(), static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "read for copy to", for_errors);
        }
        if (got == 0) break;
        write_all_at(target_fd, chunk.data(), static_cast<std::size_t>(got), offset, for_errors);
        offset += static_cast<std::uint64_t>(got);
    }
    if (::fsync(target_fd) != 0) throw_errno(errno, "fsync", for_errors);
}

void move_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::rename(from.c_str(), to.c_str()) == 0) {
        fsync_directory(to.parent_path());
        fsync_directory(from.parent_path());
        return;
    }
    if (errno != EXDEV) throw_errno(errno, "rename to " + to.string(), from);
    UniqueFd source(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!source) throw_errno(errno, "open", from);
    struct stat info {};
    if (::fstat(source.get(), &info) != 0) throw_errno(errno, "stat", from);
    const std::filesystem::path temp = to.parent_path() / ("." + to.filename().string() + ".part-" + random_suffix());
    UniqueFd target(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, info.st_mode & 07777));
    if (!target) throw_errno(errno, "create", temp);
    try {
        copy_contents(source.get(), target.get(), temp);
        if (::rename(temp.c_str(), to.c_str()) != 0) throw_errno(errno, "rename to " + to.string(), temp);
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    fsync_directory(to.parent_path());
    remove_durably(from);
}

std::string random_suffix() {
    std::array<std::uint8_t, 8> random{};
    std::size_t filled = 0;
    while (filled < random.size()) {
        const ssize_t got = ::getrandom(random.data() + filled, random.size() - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "getrandom", "");
        }
        filled += static_cast<std::size_t>(got);
    }
    return to_hex(oftp::Bytes(random.begin(), random.end()));
}

std::string state_key(std::string_view label, std::string_view identity) {
    std::string key;
    for (const char c : label.substr(0, 48)) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '_' || c == '-';
        key += plain ? c : '_';
    }
    if (!key.empty() && key.front() == '.') key.front() = '_';
    std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
    for (const char c : identity) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;  // FNV-1a 64 prime
    }
    std::string digits(16, '0');
    for (std::size_t i = 0; i < 16; ++i) {
        digits[15 - i] = kHexDigits[(hash >> (4 * i)) & 0xF];
    }
    return key + "-" + digits;
}

}  // namespace wharf::daemon
