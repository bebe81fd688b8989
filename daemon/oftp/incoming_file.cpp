// A file being received: the partial file in <state>/incoming/, its checkpoints, and the commit
// into the inbox.
//
// What a checkpoint keeps, and so what a restart counts from:
//   U/T (and any signed, compressed or encrypted file, RFC 5024 5.3.3 SFIDREST): every octet
//     stored; the restart position is the whole KiB blocks among them (the rest is cut off).
//   F: the complete records; the octets of a record still arriving are cut off. All records
//     but the last are SFIDLRECL long, so record n starts at n * SFIDLRECL.
//   V: the complete records, each stored as its octets and one '\n'. Record n therefore starts
//     after the n-th '\n', and the virtual file (what EFIDUCNT counts) has one octet fewer per
//     record than the partial file: restart_units = stored octets - records. A record that
//     itself holds a '\n' breaks the "n-th '\n'" rule, so such a file can restart only where
//     its last checkpoint was, never at a lower position.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "daemon/logging/log.hpp"
#include "daemon/oftp/detail/partner_files.hpp"
#include "daemon/oftp/state_file.hpp"
#include "daemon/vfs/unique_fd.hpp"

namespace wharf::daemon::detail {

namespace {

using vfs::UniqueFd;

constexpr mode_t kInboxDirectoryMode = 0750;
constexpr mode_t kReceivedFileMode = 0640;

enum class Layout { octets, fixed_records, lines };

Layout layout_for(const oftp::Sfid& sfid) {
    const bool secured = sfid.security != oftp::SecurityLevel::none || sfid.compression != 0;
    if (oftp::restart_unit(sfid.format, secured) == oftp::RestartUnit::blocks) return Layout::octets;
    return sfid.format == oftp::RecordFormat::fixed ? Layout::fixed_records : Layout::lines;
}

// The restart identity: a restart continues a partial file only for the very same offer.
bool same_file(const oftp::Sfid& a, const oftp::Sfid& b) {
    return a.originator == b.originator && a.destination == b.destination && a.dataset_name == b.dataset_name &&
           a.stamp == b.stamp && a.format == b.format && a.max_record_length == b.max_record_length &&
           layout_for(a) == layout_for(b);
}

// What a checkpoint recorded: the leading `content_bytes` of the partial file are safe.
struct Checkpoint {
    std::uint64_t content_bytes = 0;
    std::uint64_t records = 0;
    bool newline_in_record = false;
};

void write_checkpoint(const std::filesystem::path& state, const oftp::Sfid& sfid, const Checkpoint& point) {
    StateRecord record;
    record.set("version", std::uint64_t{1});
    put_sfid(record, "sfid.", sfid);
    record.set("content_bytes", point.content_bytes);
    record.set("records", point.records);
    record.set("newline_in_record", std::uint64_t{point.newline_in_record ? 1U : 0U});
    // For the operator's eye only: restart_point() derives it again from the two counts.
    record.set("position", layout_for(sfid) == Layout::octets ? oftp::block_restart_position(point.content_bytes)
                                                               : point.records);
    write_state_file(state, record);
}

// A state file we cannot read means no restart: the file then starts over, which is always safe.
std::optional<std::pair<oftp::Sfid, Checkpoint>> read_checkpoint(const std::filesystem::path& state) {
    try {
        const auto record = read_state_file(state);
        if (!record) return std::nullopt;
        Checkpoint point;
        point.content_bytes = record->number("content_bytes");
        point.records = record->number("records");
        point.newline_in_record = record->number("newline_in_record") != 0;
        return std::pair{get_sfid(*record, "sfid."), point};
    } catch (const std::runtime_error&) {
        return std::nullopt;
    }
}

// The offset just after the `lines`-th '\n' within the first `limit` octets of `fd`.
std::optional<std::uint64_t> offset_after_lines(int fd, std::uint64_t lines, std::uint64_t limit,
                                                const std::filesystem::path& path) {
    if (lines == 0) return 0;
    std::vector<char> chunk(1 << 16);
    std::uint64_t offset = 0;
    std::uint64_t seen = 0;
    while (offset < limit) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), limit - offset));
        const ssize_t got = ::pread(fd, chunk.data(), want, static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "read", path);
        }
        if (got == 0) break;
        for (ssize_t i = 0; i < got; ++i) {
            if (chunk[static_cast<std::size_t>(i)] == '\n' && ++seen == lines) {
                return offset + static_cast<std::uint64_t>(i) + 1;
            }
        }
        offset += static_cast<std::uint64_t>(got);
    }
    return std::nullopt;
}

struct RestartPoint {
    std::uint64_t position = 0;    // SFPAACNT
    Checkpoint kept;               // what stays of the partial file
};

// Where to restart: the speaker's SFIDREST or our checkpoint, whichever is lower ("retransmission
// will start at the lowest value"). nullopt: start over.
std::optional<RestartPoint> restart_point(int fd, Layout layout, const oftp::Sfid& offered, const Checkpoint& saved,
                                          const std::filesystem::path& path) {
    RestartPoint point;
    point.kept.newline_in_record = saved.newline_in_record;
    switch (layout) {
        case Layout::octets:
            point.position = std::min(offered.restart_position, oftp::block_restart_position(saved.content_bytes));
            point.kept.content_bytes = oftp::block_restart_offset(point.position);
            break;
        case Layout::fixed_records:
            point.position = std::min(offered.restart_position, saved.records);
            if (point.position == saved.records) {
                point.kept.content_bytes = saved.content_bytes;
            } else if (saved.content_bytes == oftp::fixed_record_offset(saved.records, offered.max_record_length)) {
                point.kept.content_bytes = oftp::fixed_record_offset(point.position, offered.max_record_length);
            } else {
                return std::nullopt;  // short records in the middle: no way to find record n
            }
            point.kept.records = point.position;
            break;
        case Layout::lines: {
            point.position = std::min(offered.restart_position, saved.records);
            if (point.position == saved.records) {
                point.kept.content_bytes = saved.content_bytes;
            } else if (saved.newline_in_record) {
                return std::nullopt;
            } else {
                const auto offset = offset_after_lines(fd, point.position, saved.content_bytes, path);
                if (!offset) return std::nullopt;
                point.kept.content_bytes = *offset;
            }
            point.kept.records = point.position;
            break;
        }
    }
    if (point.position == 0) return std::nullopt;
    return point;
}

// --- The inbox ---------------------------------------------------------------------------------

std::vector<std::string> split_relative(const std::string& relative) {
    std::vector<std::string> components;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = relative.find('/', start);
        components.push_back(relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    for (const auto& component : components) {
        if (component.empty() || component == "." || component == "..") {
            throw std::system_error(EINVAL, std::generic_category(),
                                    "inbox name '" + relative + "' has an empty, '.' or '..' component");
        }
    }
    return components;
}

// The directory that will hold the file, reached from the inbox one component at a time with
// O_NOFOLLOW: a symlink planted in the inbox cannot take the file elsewhere.
struct InboxTarget {
    UniqueFd directory;
    std::filesystem::path directory_path;
    std::string leaf;
};

InboxTarget open_inbox_target(const std::filesystem::path& inbox, const std::string& relative) {
    make_directories(inbox, kInboxDirectoryMode);
    auto components = split_relative(relative);
    InboxTarget target;
    target.leaf = components.back();
    components.pop_back();
    target.directory_path = inbox;
    target.directory.reset(::open(inbox.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!target.directory) throw_errno(errno, "open inbox", inbox);
    for (const auto& component : components) {
        const int parent = target.directory.get();
        const std::filesystem::path path = target.directory_path / component;
        int fd = ::openat(parent, component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            if (::mkdirat(parent, component.c_str(), kInboxDirectoryMode) != 0 && errno != EEXIST) {
                throw_errno(errno, "create directory", path);
            }
            fsync_directory(parent, target.directory_path);
            fd = ::openat(parent, component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) throw_errno(errno, "open directory (no symlinks)", path);
        target.directory.reset(fd);
        target.directory_path = path;
    }
    return target;
}

enum class Placement { placed, taken, cross_device };

// One rename attempt. Without `replace` an existing name is never touched: renameat2
// RENAME_NOREPLACE, or link + unlink where the file system lacks it.
Placement place(int from_dir, const std::string& from_name, int to_dir, const std::string& to_name, bool replace,
                const std::filesystem::path& for_errors) {
    if (replace) {
        if (::renameat(from_dir, from_name.c_str(), to_dir, to_name.c_str()) == 0) return Placement::placed;
        if (errno == EXDEV) return Placement::cross_device;
        throw_errno(errno, "rename into", for_errors);
    }
    if (::renameat2(from_dir, from_name.c_str(), to_dir, to_name.c_str(), RENAME_NOREPLACE) == 0) {
        return Placement::placed;
    }
    if (errno == EEXIST) return Placement::taken;
    if (errno == EXDEV) return Placement::cross_device;
    if (errno != EINVAL && errno != ENOSYS) throw_errno(errno, "rename into", for_errors);
    if (::linkat(from_dir, from_name.c_str(), to_dir, to_name.c_str(), 0) != 0) {
        if (errno == EEXIST) return Placement::taken;
        if (errno == EXDEV) return Placement::cross_device;
        throw_errno(errno, "link into", for_errors);
    }
    if (::unlinkat(from_dir, from_name.c_str(), 0) != 0) throw_errno(errno, "unlink after link", for_errors);
    return Placement::placed;
}

// Applies the overwrite policy; the final leaf name, or nullopt when the source is on another
// file system.
std::optional<std::string> place_by_policy(int from_dir, const std::string& from_name, const InboxTarget& target,
                                           config::OverwritePolicy policy) {
    const int to_dir = target.directory.get();
    const auto path_of = [&](const std::string& leaf) { return target.directory_path / leaf; };
    switch (policy) {
        case config::OverwritePolicy::always:
            if (place(from_dir, from_name, to_dir, target.leaf, true, path_of(target.leaf)) == Placement::cross_device) {
                return std::nullopt;
            }
            return target.leaf;
        case config::OverwritePolicy::never:
            switch (place(from_dir, from_name, to_dir, target.leaf, false, path_of(target.leaf))) {
                case Placement::placed: return target.leaf;
                case Placement::cross_device: return std::nullopt;
                case Placement::taken: break;
            }
            throw std::runtime_error("inbox name " + path_of(target.leaf).string() +
                                     " is taken and the overwrite policy is never");
        case config::OverwritePolicy::rename:
            break;
    }
    constexpr unsigned kMaxSuffix = 100000;
    for (unsigned suffix = 0; suffix < kMaxSuffix; ++suffix) {
        const std::string leaf = suffix == 0 ? target.leaf : target.leaf + "." + std::to_string(suffix);
        switch (place(from_dir, from_name, to_dir, leaf, false, path_of(leaf))) {
            case Placement::placed: return leaf;
            case Placement::cross_device: return std::nullopt;
            case Placement::taken: break;
        }
    }
    throw std::runtime_error("no free name for " + path_of(target.leaf).string() + " up to ." +
                             std::to_string(kMaxSuffix - 1));
}

// --- The file ----------------------------------------------------------------------------------

class IncomingFileImpl final : public IncomingFile {
public:
    IncomingFileImpl(IncomingSetup setup, std::string key, UniqueFd part, std::optional<RestartPoint> restart)
        : m_setup(std::move(setup)),
          m_layout(layout_for(m_setup.sfid)),
          m_part_name(key + ".part"),
          m_part_path(m_setup.incoming_dir / m_part_name),
          m_state_path(m_setup.incoming_dir / (key + ".state")),
          m_fd(std::move(part)) {
        if (restart) {
            m_restart_position = restart->position;
            m_saved = restart->kept;
            m_bytes = restart->kept.content_bytes;
            m_record_end = restart->kept.content_bytes;
            m_records = restart->kept.records;
            m_newline_in_record = restart->kept.newline_in_record;
        }
    }

    [[nodiscard]] std::uint64_t restart_position() const override { return m_restart_position; }
    [[nodiscard]] std::optional<std::uint64_t> restart_units() const override {
        if (m_layout != Layout::lines || m_restart_position == 0) return std::nullopt;
        return m_saved.content_bytes - m_saved.records;
    }

    void append(std::span<const std::uint8_t> data, std::span<const std::size_t> record_ends) override {
        require_open("append");
        if (!std::is_sorted(record_ends.begin(), record_ends.end()) ||
            (!record_ends.empty() && record_ends.back() > data.size())) {
            throw std::invalid_argument("IncomingFile::append: record ends out of order or beyond the data");
        }
        if (m_layout == Layout::lines) {
            append_lines(data, record_ends);
        } else {
            write_all_at(m_fd.get(), data.data(), data.size(), m_bytes, m_part_path);
            if (m_layout == Layout::fixed_records) {
                for (const std::size_t end : record_ends) m_record_end = m_bytes + end;
                m_records += record_ends.size();
            }
            m_bytes += data.size();
        }
        m_since_bytes += data.size();
        ++m_since_buffers;
    }

    void checkpoint_if_due() override {
        require_open("checkpoint_if_due");
        const auto& every = m_setup.checkpoint;
        const std::uint64_t progress =
            every.unit == config::OftpCheckpoint::Unit::bytes ? m_since_bytes : m_since_buffers;
        if (progress > 0 && progress >= every.every) checkpoint();
    }

    std::filesystem::path commit() override {
        require_open("commit");
        std::filesystem::path final_path;
        try {
            if (::fsync(m_fd.get()) != 0) throw_errno(errno, "fsync", m_part_path);
            final_path = place_in_inbox();
        } catch (...) {
            keep_quietly();  // the partial file stays for a later attempt, restartable
            throw;
        }
        try {
            m_setup.ledger->record(m_setup.sfid);
        } catch (const std::exception& error) {
            // The file is in the inbox: refusing it now would only bring it again. What is lost
            // is its duplicate detection, which the log line tells the operator.
            log::error("oftp.ledger.failed").partner(m_setup.partner_name).path(final_path.string())
                .field("error", error.what());
        }
        close();
        try {
            remove_durably(m_state_path);
        } catch (const std::exception& error) {
            // Harmless once committed: a restart point without its partial file is never used.
            log::warn("oftp.restart_state.stale").partner(m_setup.partner_name).path(m_state_path.string())
                .field("error", error.what());
        }
        return final_path;
    }

    void keep_for_restart() override {
        if (!m_fd) return;
        checkpoint();
        close();
    }

    void discard() override {
        close();
        remove_durably(m_part_path);
        remove_durably(m_state_path);
    }

    [[nodiscard]] std::uint64_t bytes_stored() const override { return m_bytes; }
    [[nodiscard]] std::uint64_t records_stored() const override { return m_records; }

private:
    void require_open(const char* what) const {
        if (!m_fd) throw std::logic_error(std::string("IncomingFile::") + what + " after the file was closed");
    }

    void close() { m_fd.reset(); }

    void append_lines(std::span<const std::uint8_t> data, std::span<const std::size_t> record_ends) {
        std::vector<std::uint8_t> out;
        out.reserve(data.size() + record_ends.size());
        std::size_t start = 0;
        const auto take = [&](std::size_t end) {
            const auto piece = data.subspan(start, end - start);
            m_newline_in_record = m_newline_in_record || std::memchr(piece.data(), '\n', piece.size()) != nullptr;
            out.insert(out.end(), piece.begin(), piece.end());
            start = end;
        };
        for (const std::size_t end : record_ends) {
            take(end);
            out.push_back('\n');
            m_record_end = m_bytes + out.size();
            ++m_records;
        }
        take(data.size());
        write_all_at(m_fd.get(), out.data(), out.size(), m_bytes, m_part_path);
        m_bytes += out.size();
    }

    // The durable part of what arrived: all octets (U/T), or up to the last complete record.
    [[nodiscard]] Checkpoint current() const {
        Checkpoint point;
        point.content_bytes = m_layout == Layout::octets ? m_bytes : m_record_end;
        point.records = m_records;
        point.newline_in_record = m_newline_in_record;
        return point;
    }

    void checkpoint() {
        if (::fdatasync(m_fd.get()) != 0) throw_errno(errno, "fdatasync", m_part_path);
        m_saved = current();
        write_checkpoint(m_state_path, m_setup.sfid, m_saved);
        m_since_bytes = 0;
        m_since_buffers = 0;
    }

    void keep_quietly() noexcept {
        try {
            checkpoint();
        } catch (...) {  // the earlier checkpoint still holds
        }
    }

    std::filesystem::path place_in_inbox() {
        const InboxTarget target = open_inbox_target(m_setup.inbox, m_setup.inbox_relative);
        const UniqueFd incoming(::open(m_setup.incoming_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!incoming) throw_errno(errno, "open", m_setup.incoming_dir);
        auto leaf = place_by_policy(incoming.get(), m_part_name, target, m_setup.overwrite);
        if (!leaf) {
            leaf = copy_across(target);
            if (::unlinkat(incoming.get(), m_part_name.c_str(), 0) != 0) throw_errno(errno, "remove", m_part_path);
        }
        fsync_directory(target.directory.get(), target.directory_path);
        fsync_directory(incoming.get(), m_setup.incoming_dir);
        return target.directory_path / *leaf;
    }

    // The inbox is on another file system: a hidden copy beside the final name, then the same
    // policy rename within the inbox directory.
    std::string copy_across(const InboxTarget& target) {
        constexpr std::size_t kMaxLeafInTemp = 200;  // NAME_MAX is 255
        const std::string temp = "." + target.leaf.substr(0, kMaxLeafInTemp) + ".part-" + random_suffix();
        const std::filesystem::path temp_path = target.directory_path / temp;
        UniqueFd copy(::openat(target.directory.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                               kReceivedFileMode));
        if (!copy) throw_errno(errno, "create", temp_path);
        try {
            copy_contents(m_fd.get(), copy.get(), temp_path);
            const auto leaf = place_by_policy(target.directory.get(), temp, target, m_setup.overwrite);
            if (!leaf) throw_errno(EXDEV, "rename within", temp_path);
            return *leaf;
        } catch (...) {
            ::unlinkat(target.directory.get(), temp.c_str(), 0);
            throw;
        }
    }

    IncomingSetup m_setup;
    Layout m_layout;
    std::string m_part_name;
    std::filesystem::path m_part_path;
    std::filesystem::path m_state_path;
    UniqueFd m_fd;
    std::uint64_t m_restart_position = 0;
    Checkpoint m_saved;              // the last checkpoint (or the restart point)
    std::uint64_t m_bytes = 0;       // octets in the partial file
    std::uint64_t m_record_end = 0;  // F/V: octets up to the end of the last complete record
    std::uint64_t m_records = 0;
    bool m_newline_in_record = false;
    std::uint64_t m_since_bytes = 0;  // since the last checkpoint
    std::uint64_t m_since_buffers = 0;
};

std::string identity_of(const oftp::Sfid& sfid) {
    return sfid.originator + '\t' + sfid.destination + '\t' + sfid.dataset_name + '\t' +
           oftp::date_digits(sfid.stamp) + '\t' + oftp::time_digits(sfid.stamp);
}

}  // namespace

std::unique_ptr<IncomingFile> open_incoming_file(IncomingSetup setup) {
    const oftp::Sfid& sfid = setup.sfid;
    const std::string key = state_key(sfid.dataset_name + "." + oftp::date_digits(sfid.stamp) +
                                          oftp::time_digits(sfid.stamp),
                                      identity_of(sfid));
    const std::filesystem::path part = setup.incoming_dir / (key + ".part");
    const std::filesystem::path state = setup.incoming_dir / (key + ".state");

    if (setup.restart_agreed && sfid.restart_position > 0) {
        const auto saved = read_checkpoint(state);
        if (saved && same_file(saved->first, sfid)) {
            UniqueFd fd(::open(part.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
            struct stat info {};
            if (fd && ::fstat(fd.get(), &info) == 0 &&
                static_cast<std::uint64_t>(info.st_size) >= saved->second.content_bytes) {
                if (const auto point = restart_point(fd.get(), layout_for(sfid), sfid, saved->second, part)) {
                    if (::ftruncate(fd.get(), static_cast<off_t>(point->kept.content_bytes)) != 0) {
                        throw_errno(errno, "truncate", part);
                    }
                    if (::fdatasync(fd.get()) != 0) throw_errno(errno, "fdatasync", part);
                    // Recorded at once: the partial file no longer holds what the old point said.
                    write_checkpoint(state, sfid, point->kept);
                    return std::make_unique<IncomingFileImpl>(std::move(setup), key, std::move(fd), point);
                }
            }
        }
    }
    remove_durably(state);
    UniqueFd fd(::open(part.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, kReceivedFileMode));
    if (!fd) throw_errno(errno, "create", part);
    fsync_directory(setup.incoming_dir);
    return std::make_unique<IncomingFileImpl>(std::move(setup), key, std::move(fd), std::nullopt);
}

bool inbox_name_free(const std::filesystem::path& inbox, const std::string& relative) {
    std::vector<std::string> components;
    try {
        components = split_relative(relative);
    } catch (const std::system_error&) {
        return false;
    }
    UniqueFd directory(::open(inbox.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory) return errno == ENOENT;
    for (std::size_t i = 0; i + 1 < components.size(); ++i) {
        const int fd = ::openat(directory.get(), components[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return errno == ENOENT;
        directory.reset(fd);
    }
    struct stat info {};
    if (::fstatat(directory.get(), components.back().c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) return false;
    return errno == ENOENT;
}

}  // namespace wharf::daemon::detail
