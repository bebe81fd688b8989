// A file being sent: its SFID (kept across interruptions in <state>/outgoing/<key>.state, keyed
// by the source's path, size and mtime), the records or octets read from it, and what happens
// once the partner has it (sent/).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include "daemon/oftp/detail/partner_files.hpp"
#include "daemon/oftp/state_file.hpp"
#include "daemon/vfs/unique_fd.hpp"

namespace wharf::daemon::detail {

namespace {

using vfs::UniqueFd;

constexpr std::size_t kMaxDatasetName = 26;                 // SFIDDSN X(26)
constexpr std::uint32_t kMaxRecordLength = 99999;           // SFIDLRECL 9(5)
constexpr std::uint64_t kProgressInterval = 4 * 1024 * 1024;  // how often read() records its position
constexpr std::size_t kReadAhead = 64 * 1024;
constexpr std::uint16_t kMaxCounter = 9999;

// RFC 5024 5.3 "X" strings: A-Z, 0-9 and / - . & ( ) (space only as padding).
bool is_dataset_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '.' || c == '&' ||
           c == '(' || c == ')';
}

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

enum class Layout { octets, fixed_records, lines };

Layout layout_for(oftp::RecordFormat format) {
    switch (format) {
        case oftp::RecordFormat::fixed: return Layout::fixed_records;
        case oftp::RecordFormat::variable: return Layout::lines;
        case oftp::RecordFormat::unstructured:
        case oftp::RecordFormat::text: break;
    }
    return Layout::octets;
}

// Reads up to `size` octets at `offset` (short only at the end of the file).
std::size_t read_at(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "read", path);
        }
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    return done;
}

// Calls `on_line(length)` for each line (its octets without '\n'; a last line without '\n'
// counts too). `on_line` returns false to stop. Returns the offset where it stopped.
template <typename OnLine>
std::uint64_t scan_lines(int fd, std::uint64_t size, const std::filesystem::path& path, OnLine on_line) {
    std::vector<std::uint8_t> chunk(kReadAhead);
    std::uint64_t offset = 0;
    std::uint64_t line_start = 0;
    while (offset < size) {
        const std::size_t got = read_at(fd, chunk.data(), chunk.size(), offset, path);
        if (got == 0) break;
        for (std::size_t i = 0; i < got; ++i) {
            if (chunk[i] != '\n') continue;
            const std::uint64_t end = offset + i;
            if (!on_line(end - line_start)) return end + 1;
            line_start = end + 1;
        }
        offset += got;
    }
    if (line_start < offset) on_line(offset - line_start);
    return offset;
}

std::uint32_t longest_line(int fd, std::uint64_t size, const std::filesystem::path& path) {
    std::uint64_t longest = 0;
    scan_lines(fd, size, path, [&](std::uint64_t length) {
        longest = std::max(longest, length);
        return true;
    });
    if (longest > kMaxRecordLength) {
        throw std::invalid_argument(path.string() + ": a line of " + std::to_string(longest) +
                                    " octets is longer than SFIDLRECL can say (99999)");
    }
    return static_cast<std::uint32_t>(std::max<std::uint64_t>(longest, 1));
}

oftp::FileDateTime stamp_of(std::time_t seconds, std::uint16_t counter) {
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    oftp::FileDateTime stamp;
    stamp.year = static_cast<std::uint16_t>(utc.tm_year + 1900);
    stamp.month = static_cast<std::uint8_t>(utc.tm_mon + 1);
    stamp.day = static_cast<std::uint8_t>(utc.tm_mday);
    stamp.hour = static_cast<std::uint8_t>(utc.tm_hour);
    stamp.minute = static_cast<std::uint8_t>(utc.tm_min);
    stamp.second = static_cast<std::uint8_t>(utc.tm_sec);
    stamp.counter = counter;
    return stamp;
}

// The date and time that name a new file: now (UTC), made unique per partner through
// <partner>/stamp.state. 1.4 and 2.0 tell files of the same second apart by the counter
// (0001-9999); 1.2 and 1.3 do not send it, so there each file gets a second of its own (later
// than now when files come faster than one a second). A clock stepping back never reuses a
// stamp either.
oftp::FileDateTime next_stamp(const PartnerPaths& paths, oftp::ProtocolLevel level) {
    const std::filesystem::path file = paths.root() / "stamp.state";
    std::int64_t last_second = 0;
    std::uint64_t last_counter = 0;
    try {
        if (const auto saved = read_state_file(file)) {
            last_second = static_cast<std::int64_t>(saved->number("second"));
            last_counter = saved->number("counter");
        }
    } catch (const std::runtime_error&) {  // unreadable: start from now
    }
    const auto now = static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    std::int64_t second = now;
    std::uint64_t counter = 1;
    if (!oftp::has_extended_timestamps(level)) {
        second = std::max(now, last_second + 1);
        counter = 0;
    } else if (now <= last_second) {
        second = last_second;
        counter = last_counter + 1;
        if (counter > kMaxCounter) {
            second = last_second + 1;
            counter = 1;
        }
    }
    StateRecord record;
    record.set("second", static_cast<std::uint64_t>(second));
    record.set("counter", counter);
    write_state_file(file, record);
    return stamp_of(static_cast<std::time_t>(second), static_cast<std::uint16_t>(counter));
}

std::uint64_t mtime_ns(const struct stat& info) {
    return static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
}

// --- The file ----------------------------------------------------------------------------------

class OutgoingFileImpl final : public OutgoingFile {
public:
    OutgoingFileImpl(OutgoingSetup setup, UniqueFd fd, const struct stat& info)
        : m_setup(std::move(setup)),
          m_fd(std::move(fd)),
          m_size(static_cast<std::uint64_t>(info.st_size)),
          m_mtime_ns(mtime_ns(info)),
          m_layout(layout_for(m_setup.options.format)) {
        m_source = std::filesystem::absolute(m_setup.source).lexically_normal();
        m_state_path = m_setup.paths.ensure("outgoing") /
                       (state_key(m_source.filename().string(), m_source.string()) + ".state");
        if (!resume()) start_new();
        m_sfid.restart_position = m_setup.restart_agreed ? m_furthest : 0;
    }

    [[nodiscard]] const oftp::Sfid& sfid() const override { return m_sfid; }
    [[nodiscard]] const std::filesystem::path& source() const override { return m_setup.source; }

    std::uint64_t seek(std::uint64_t restart_position) override {
        m_pending.clear();
        std::uint64_t offset = 0;
        std::uint64_t octets = 0;
        switch (m_layout) {
            case Layout::octets:
                offset = octets = oftp::block_restart_offset(restart_position);
                break;
            case Layout::fixed_records:
                offset = octets = oftp::fixed_record_offset(restart_position, m_sfid.max_record_length);
                break;
            case Layout::lines:
                offset = line_offset(restart_position);
                octets = offset - newlines_before(offset, restart_position);
                break;
        }
        if (offset > m_size) {
            throw std::system_error(EINVAL, std::generic_category(),
                                    "restart position " + std::to_string(restart_position) + " is beyond the end of " +
                                        m_setup.source.string());
        }
        m_offset = offset;
        m_records = m_layout == Layout::octets ? 0 : restart_position;
        return octets;
    }

    std::vector<std::vector<std::uint8_t>> read(std::size_t max_bytes) override {
        const std::uint64_t before = m_offset;
        std::vector<std::vector<std::uint8_t>> pieces;
        switch (m_layout) {
            case Layout::octets: read_octets(pieces, std::max<std::size_t>(max_bytes, 1)); break;
            case Layout::fixed_records: read_fixed(pieces, max_bytes); break;
            case Layout::lines: read_lines(pieces, max_bytes); break;
        }
        m_since_saved += m_offset - before;
        m_furthest = std::max(m_furthest, position());
        if (m_since_saved >= kProgressInterval) save();
        return pieces;
    }

    void delivered() override {
        const std::string key = state_key(m_sfid.dataset_name + "." + oftp::date_digits(m_sfid.stamp) +
                                              oftp::time_digits(m_sfid.stamp),
                                          m_source.string() + '\t' + oftp::date_digits(m_sfid.stamp) +
                                              oftp::time_digits(m_sfid.stamp));
        const std::filesystem::path sent = m_setup.paths.ensure("sent");
        std::filesystem::path kept;
        if (m_setup.from_outbox) {
            // Moved before its record is written: a crash in between leaves a copy in sent/
            // nobody waits for, never a delivered file back in the outbox to be sent again.
            kept = sent / key;
            m_fd.reset();
            move_durably(m_setup.source, kept);
        }
        StateRecord record;
        record.set("version", std::uint64_t{1});
        put_sfid(record, "sfid.", m_sfid);
        record.set("source", m_source.string());
        record.set("kept_at", kept.string());
        write_state_file(sent / (key + ".state"), record);
        remove_durably(m_state_path);
    }

    void not_delivered(bool keep_restart_point) override {
        if (keep_restart_point) {
            save();
            return;
        }
        // Refused for good (SFNA/EFNA without retry): offering the same file again would only
        // be refused again. An outbox file goes to failed/ for the operator; either way the
        // next attempt is a new virtual file with its own date and time.
        if (m_setup.from_outbox) {
            const std::filesystem::path failed = m_setup.paths.ensure("failed");
            m_fd.reset();
            move_durably(m_setup.source, failed / m_setup.source.filename());
        }
        remove_durably(m_state_path);
    }

    [[nodiscard]] std::uint64_t bytes_read() const override { return m_offset; }
    [[nodiscard]] std::uint64_t size() const override { return m_size; }

private:
    // The interrupted attempt of this very source (same path, size, mtime and layout): its SFID.
    bool resume() {
        std::optional<StateRecord> saved;
        try {
            saved = read_state_file(m_state_path);
            if (!saved || saved->text("source") != m_source.string() || saved->number("size") != m_size ||
                saved->number("mtime_ns") != m_mtime_ns) {
                return false;
            }
            const oftp::Sfid sfid = get_sfid(*saved, "sfid.");
            const auto& options = m_setup.options;
            if (sfid.format != options.format || (options.stamp && sfid.stamp != *options.stamp) ||
                (options.record_length != 0 && sfid.max_record_length != options.record_length) ||
                sfid.dataset_name != dataset_name_for(m_setup.source, options.dataset_name) ||
                sfid.destination != m_setup.destination || sfid.originator != m_setup.originator) {
                return false;
            }
            m_sfid = sfid;
            m_furthest = saved->number("position");
            return true;
        } catch (const std::runtime_error&) {
            return false;
        }
    }

    void start_new() {
        const auto& options = m_setup.options;
        m_sfid = oftp::Sfid{};
        m_sfid.dataset_name = dataset_name_for(m_setup.source, options.dataset_name);
        m_sfid.user_data = options.user_data;
        m_sfid.destination = m_setup.destination;
        m_sfid.originator = m_setup.originator;
        m_sfid.format = options.format;
        m_sfid.max_record_length = record_length();
        m_sfid.file_size = oftp::size_in_blocks(m_size);
        m_sfid.original_size = m_sfid.file_size;
        m_sfid.description = options.description;
        m_sfid.stamp = options.stamp ? *options.stamp : next_stamp(m_setup.paths, m_setup.level);
        m_furthest = 0;
        save();
    }

    [[nodiscard]] std::uint32_t record_length() const {
        const std::uint32_t given = m_setup.options.record_length;
        if (given > kMaxRecordLength) {
            throw std::invalid_argument("record length " + std::to_string(given) + " is above 99999");
        }
        switch (m_layout) {
            case Layout::fixed_records:
                if (given == 0) throw std::invalid_argument("F files need a record length (SFIDLRECL)");
                return given;
            case Layout::lines:
                return given != 0 ? given : longest_line(m_fd.get(), m_size, m_setup.source);
            case Layout::octets: break;
        }
        return 0;
    }

    // Records (F/V) or whole KiB blocks (U/T) read so far: what SFIDREST offers after a break.
    [[nodiscard]] std::uint64_t position() const {
        return m_layout == Layout::octets ? oftp::block_restart_position(m_offset) : m_records;
    }

    void save() {
        StateRecord record;
        record.set("version", std::uint64_t{1});
        record.set("source", m_source.string());
        record.set("size", m_size);
        record.set("mtime_ns", m_mtime_ns);
        oftp::Sfid stored = m_sfid;
        stored.restart_position = 0;
        put_sfid(record, "sfid.", stored);
        record.set("position", m_furthest);
        write_state_file(m_state_path, record);
        m_since_saved = 0;
    }

    // The octet offset where V record `records` starts (records counted from 0).
    std::uint64_t line_offset(std::uint64_t records) {
        if (records == 0) return 0;
        std::uint64_t seen = 0;
        const std::uint64_t offset = scan_lines(m_fd.get(), m_size, m_setup.source, [&](std::uint64_t) {
            return ++seen < records;
        });
        if (seen < records) {
            throw std::system_error(EINVAL, std::generic_category(),
                                    "restart at record " + std::to_string(records) + " but " +
                                        m_setup.source.string() + " has " + std::to_string(seen));
        }
        return offset;
    }

    // One '\n' per record before `offset`, except when the last of them had none (the file's
    // last line, unterminated: then `offset` is the end of the file).
    std::uint64_t newlines_before(std::uint64_t offset, std::uint64_t records) const {
        if (records == 0) return 0;
        std::uint8_t last = 0;
        if (read_at(m_fd.get(), &last, 1, offset - 1, m_setup.source) != 1) {
            throw_errno(EIO, "read", m_setup.source);
        }
        return last == '\n' ? records : records - 1;
    }

    void read_octets(std::vector<std::vector<std::uint8_t>>& pieces, std::size_t max_bytes) {
        std::vector<std::uint8_t> piece(max_bytes);
        piece.resize(read_at(m_fd.get(), piece.data(), piece.size(), m_offset, m_setup.source));
        m_offset += piece.size();
        if (!piece.empty()) pieces.push_back(std::move(piece));
    }

    void read_fixed(std::vector<std::vector<std::uint8_t>>& pieces, std::size_t max_bytes) {
        const std::size_t length = m_sfid.max_record_length;
        const std::size_t count = std::max<std::size_t>(max_bytes / length, 1);
        std::vector<std::uint8_t> chunk(count * length);
        chunk.resize(read_at(m_fd.get(), chunk.data(), chunk.size(), m_offset, m_setup.source));
        for (std::size_t at = 0; at < chunk.size(); at += length) {
            const auto end = chunk.begin() + static_cast<std::ptrdiff_t>(std::min(chunk.size(), at + length));
            pieces.emplace_back(chunk.begin() + static_cast<std::ptrdiff_t>(at), end);
        }
        m_offset += chunk.size();
        m_records += pieces.size();
    }

    // Lines from m_pending (octets read ahead from m_offset on), refilled as needed. A line is
    // refused as soon as more than SFIDLRECL octets without '\n' are buffered, so the buffer
    // stays below SFIDLRECL + kReadAhead.
    void read_lines(std::vector<std::vector<std::uint8_t>>& pieces, std::size_t max_bytes) {
        const std::size_t limit = m_sfid.max_record_length;
        std::size_t taken = 0;  // octets of m_pending consumed
        std::size_t volume = 0;
        bool at_end = false;
        while (volume < std::max<std::size_t>(max_bytes, 1)) {
            const auto start = m_pending.begin() + static_cast<std::ptrdiff_t>(taken);
            const auto newline = std::find(start, m_pending.end(), std::uint8_t{'\n'});
            const auto length = static_cast<std::size_t>(newline - start);
            if (limit != 0 && length > limit) {
                throw std::runtime_error(m_setup.source.string() + ": record " + std::to_string(m_records + 1) +
                                         " is longer than SFIDLRECL " + std::to_string(limit));
            }
            if (newline != m_pending.end() || (at_end && length > 0)) {
                pieces.emplace_back(start, newline);
                taken += length + (newline != m_pending.end() ? 1 : 0);
                volume += length + 1;  // an empty line still costs a sub-record header
                ++m_records;
                continue;
            }
            if (at_end) break;
            m_pending.erase(m_pending.begin(), start);
            m_offset += taken;
            taken = 0;
            at_end = !refill();
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(taken));
        m_offset += taken;
    }

    // Reads the next octets after m_pending; false at the end of the file.
    bool refill() {
        const std::size_t held = m_pending.size();
        m_pending.resize(held + kReadAhead);
        const std::size_t got = read_at(m_fd.get(), m_pending.data() + held, kReadAhead, m_offset + held, m_setup.source);
        m_pending.resize(held + got);
        return got > 0;
    }

    OutgoingSetup m_setup;
    UniqueFd m_fd;
    std::uint64_t m_size;
    std::uint64_t m_mtime_ns;
    Layout m_layout;
    std::filesystem::path m_source;  // absolute: the state's key
    std::filesystem::path m_state_path;
    oftp::Sfid m_sfid;
    std::uint64_t m_offset = 0;    // octets of the source consumed
    std::uint64_t m_records = 0;   // F/V records consumed (restart base included)
    std::uint64_t m_furthest = 0;  // the furthest position() reached, kept in the state
    std::uint64_t m_since_saved = 0;
    std::vector<std::uint8_t> m_pending;  // V: read ahead, not yet consumed
};

}  // namespace

std::string dataset_name_for(const std::filesystem::path& source, const std::string& explicit_name) {
    if (!explicit_name.empty()) {
        std::string name;
        for (const char c : explicit_name) name += upper(c);
        const bool valid = name.size() <= kMaxDatasetName &&
                           std::all_of(name.begin(), name.end(), [](char c) { return is_dataset_character(c) || c == '_'; });
        if (!valid) {
            throw std::invalid_argument("dataset name '" + explicit_name +
                                        "': OFTP carries 1-26 of A-Z 0-9 / - . & ( ) _");
        }
        return name;
    }
    std::string name;
    for (const char c : source.filename().string()) {
        if (name.size() == kMaxDatasetName) break;
        const char u = upper(c);
        name += is_dataset_character(u) && u != '/' ? u : '_';
    }
    if (name.empty()) throw std::invalid_argument("no dataset name: '" + source.string() + "' names no file");
    return name;
}

std::unique_ptr<OutgoingFile> open_outgoing_file(OutgoingSetup setup) {
    UniqueFd fd(::open(setup.source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(errno, "open", setup.source);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) throw_errno(errno, "stat", setup.source);
    if (!S_ISREG(info.st_mode)) throw_errno(S_ISDIR(info.st_mode) ? EISDIR : EINVAL, "send (not a regular file)", setup.source);
    return std::make_unique<OutgoingFileImpl>(std::move(setup), std::move(fd), info);
}

}  // namespace wharf::daemon::detail
