// ServerEngine: attributes as each version shows them, READDIR's NAME replies and the v3
// `ls -l` longnames.
#include "protocols/sftp/server_engine.hpp"

#include <algorithm>
#include <ctime>

namespace wharf::sftp {

namespace {

// Type, request id, count and the v6 end-of-list flag, rounded up.
constexpr std::size_t kNameOverhead = 64;
constexpr std::uint32_t kTypeBitsMask = 0170000;

std::string pad_left(std::string text, std::size_t width) {
    if (text.size() < width) text.insert(0, width - text.size(), ' ');
    return text;
}

// `ls -l` prints at most 8 characters of a user or group name, left-aligned.
std::string pad_right_8(std::string text) {
    text.resize(std::min<std::size_t>(text.size(), 8), ' ');
    text.resize(8, ' ');
    return text;
}

std::string two_digits(int value) {
    return (value < 10 ? "0" : "") + std::to_string(value);
}

// "drwxr-xr-x" with setuid/setgid/sticky as s/S/t/T (BSD strmode, as sftp-server uses).
std::string mode_string(const FileAttributes& attrs) {
    const std::uint32_t mode = attrs.permissions.value_or(0);
    char type = '-';
    switch (attrs.file_type().value_or(FileType::regular)) {
        case FileType::regular: type = '-'; break;
        case FileType::directory: type = 'd'; break;
        case FileType::symlink: type = 'l'; break;
        case FileType::socket: type = 's'; break;
        case FileType::char_device: type = 'c'; break;
        case FileType::block_device: type = 'b'; break;
        case FileType::fifo: type = 'p'; break;
        case FileType::special:
        case FileType::unknown: type = '?'; break;
    }
    std::string out(1, type);
    const char* const rwx = "rwx";
    for (int shift = 6; shift >= 0; shift -= 3) {
        for (int bit = 0; bit < 3; ++bit) {
            const bool set = (mode >> (shift + 2 - bit)) & 1U;
            out += set ? rwx[bit] : '-';
        }
    }
    const auto special = [&](std::size_t pos, std::uint32_t bit, char lower, char upper) {
        if ((mode & bit) != 0) out[pos] = out[pos] == 'x' ? lower : upper;
    };
    special(3, 04000, 's', 'S');
    special(6, 02000, 's', 'S');
    special(9, 01000, 't', 'T');
    return out;
}

// "Nov 21 07:00" for times within six months of now, else "Nov 21  2026" (ls, sftp-server).
// UTC: the engine has no time zone; the client shows this string as it is.
std::string date_string(std::int64_t seconds, std::optional<std::int64_t> now) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    constexpr std::int64_t kSixMonths = 365 * 24 * 60 * 60 / 2;
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return "Jan  1  1970";
    std::string out = kMonths[tm.tm_mon];
    out += ' ' + pad_left(std::to_string(tm.tm_mday), 2);
    if (now && *now - kSixMonths < seconds && seconds < *now + kSixMonths) {
        return out + ' ' + two_digits(tm.tm_hour) + ':' + two_digits(tm.tm_min);
    }
    return out + "  " + std::to_string(tm.tm_year + 1900);
}

// v4 knows types 1-5; sockets, devices and FIFOs are SPECIAL there (-04 5.2).
FileType type_for_version(FileType type, std::uint32_t version) {
    if (version == 4 && static_cast<std::uint8_t>(type) > 5) return FileType::special;
    return type;
}

}  // namespace

FileAttributes ServerEngine::presented(FileAttributes attrs, const std::string& owner,
                                       const std::string& group) const {
    const std::optional<FileType> type = attrs.file_type();
    if (*m_version == 3) {
        // OpenSSH clients read the type from st_mode's S_IFMT bits.
        if (attrs.permissions && type && (*attrs.permissions & kTypeBitsMask) == 0) {
            *attrs.permissions |= mode_type_bits(*type);
        }
        return attrs;
    }
    // v4+: a type byte, and permissions without the type bits (-13 7.6).
    attrs.type = type_for_version(type.value_or(FileType::unknown), *m_version);
    if (attrs.permissions) *attrs.permissions &= ~kTypeBitsMask;
    // v4+ have no numeric ids: names, else the ids as decimal strings.
    if (!attrs.owner_group && (attrs.uid_gid || !owner.empty() || !group.empty())) {
        const UidGid ids = attrs.uid_gid.value_or(UidGid{});
        attrs.owner_group = OwnerGroup{!owner.empty() ? owner : std::to_string(ids.uid),
                                       !group.empty() ? group : std::to_string(ids.gid)};
    }
    return attrs;
}

// One NAME reply with as many queued entries as fit (count and bytes); the rest wait for the
// next READDIR.
void ServerEngine::send_names(std::uint32_t id, std::deque<DirEntry>& entries) {
    Name reply;
    reply.request_id = id;
    std::size_t budget = m_config.max_packet_length - kNameOverhead;
    while (!entries.empty() && reply.entries.size() < m_config.readdir_batch) {
        const DirEntry& entry = entries.front();
        NameEntry out{entry.name, *m_version == 3 ? longname(entry) : "",
                      presented(entry.attrs, entry.owner, entry.group)};
        ssh::Writer attrs;
        out.attrs.encode(attrs, *m_version);
        const std::size_t size = 8 + out.filename.size() + out.longname.size() + attrs.size();
        if (size > budget && !reply.entries.empty()) break;  // it waits for the next READDIR
        entries.pop_front();
        if (size > budget) continue;  // an entry larger than any packet cannot be listed
        budget -= size;
        reply.entries.push_back(std::move(out));
    }
    if (reply.entries.empty()) {
        send_status(id, StatusCode::failure);
        return;
    }
    m_out.write(reply, *m_version);
}

std::string ServerEngine::longname(const DirEntry& entry) const {
    const FileAttributes& a = entry.attrs;
    const auto id_or = [](const std::string& name, std::uint32_t numeric) {
        return !name.empty() ? name : std::to_string(numeric);
    };
    const std::string user = id_or(entry.owner, a.uid_gid ? a.uid_gid->uid : 0);
    const std::string group = id_or(entry.group, a.uid_gid ? a.uid_gid->gid : 0);
    std::optional<std::int64_t> now;
    if (m_config.now) now = m_config.now();
    // sftp-server: "%s %3u %-8.8s %-8.8s %8llu %s %s", the mode followed by strmode's space.
    return mode_string(a) + "  " + pad_left(std::to_string(a.link_count.value_or(1)), 3) + ' ' +
           pad_right_8(user) + ' ' + pad_right_8(group) + ' ' +
           pad_left(std::to_string(a.size.value_or(0)), 8) + ' ' +
           date_string(a.mtime ? a.mtime->seconds : 0, now) + ' ' + entry.name;
}

}  // namespace wharf::sftp
