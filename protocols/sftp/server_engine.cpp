#include "protocols/sftp/server_engine.hpp"

#include <algorithm>
#include <ctime>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace wharf::sftp {

namespace {

// sftp-server sends at most 100 entries per NAME reply; so do we, within the packet limit.
constexpr std::size_t kMaxNameEntries = 100;
// Type, request id, DATA/NAME length or count, v6 end flag: the room a reply needs around
// its payload, rounded up.
constexpr std::uint32_t kReplyOverhead = 64;

struct ResetOnExit {
    bool& flag;
    ~ResetOnExit() { flag = false; }
};

std::uint32_t request_id_of(const Request& request) {
    return std::visit(
        [](const auto& m) -> std::uint32_t {
            if constexpr (requires { m.request_id; }) {
                return m.request_id;
            } else {
                return 0;  // INIT: handled before decoding, never reaches here
            }
        },
        request);
}

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

}  // namespace

// The request table, in OpenSSH's order. OPEN is not marked "writes": handle_open refuses
// only the write modes on read-only sessions, as sftp-server does.
using E = ServerEngine;
const E::Handler E::kHandlers[] = {
    {"open", PacketType::open, &E::call<Open, &E::handle_open>, false},
    {"close", PacketType::close, &E::call<Close, &E::handle_close>, false},
    {"read", PacketType::read, &E::call<Read, &E::handle_read>, false},
    {"write", PacketType::write, &E::call<Write, &E::handle_write>, true},
    {"lstat", PacketType::lstat, &E::call<Lstat, &E::handle_lstat>, false},
    {"fstat", PacketType::fstat, &E::call<Fstat, &E::handle_fstat>, false},
    {"setstat", PacketType::setstat, &E::call<Setstat, &E::handle_setstat>, true},
    {"fsetstat", PacketType::fsetstat, &E::call<Fsetstat, &E::handle_fsetstat>, true},
    {"opendir", PacketType::opendir, &E::call<Opendir, &E::handle_opendir>, false},
    {"readdir", PacketType::readdir, &E::call<Readdir, &E::handle_readdir>, false},
    {"remove", PacketType::remove, &E::call<Remove, &E::handle_remove>, true},
    {"mkdir", PacketType::mkdir, &E::call<Mkdir, &E::handle_mkdir>, true},
    {"rmdir", PacketType::rmdir, &E::call<Rmdir, &E::handle_rmdir>, true},
    {"realpath", PacketType::realpath, &E::call<Realpath, &E::handle_realpath>, false},
    {"stat", PacketType::stat, &E::call<Stat, &E::handle_stat>, false},
    {"rename", PacketType::rename, &E::call<Rename, &E::handle_rename>, true},
    {"readlink", PacketType::readlink, &E::call<Readlink, &E::handle_readlink>, false},
    {"symlink", PacketType::symlink, &E::call<Symlink, &E::handle_symlink>, true},
};

ServerEngine::ServerEngine(Filesystem& fs, ServerConfig config)
    : m_fs(fs),
      m_config(std::move(config)),
      m_reader(m_config.max_packet_length),
      m_out(m_config.max_packet_length) {
    // Validates max_version now rather than at the client's INIT.
    (void)negotiate_version(kMinVersion, m_config.max_version);
    // A buffer smaller than one worst-case reply would never take input.
    m_config.max_buffered_output = std::max<std::size_t>(
        m_config.max_buffered_output, std::size_t{m_config.max_packet_length} + 4);
    m_config.max_read_length =
        std::min(m_config.max_read_length, m_config.max_packet_length - kReplyOverhead);
    m_config.max_outstanding = std::max<std::size_t>(m_config.max_outstanding, 1);
}

ServerEngine::~ServerEngine() = default;

// ---------------------------------------------------------------------------------------------
// Input, output, back-pressure

void ServerEngine::receive(ssh::ByteView bytes) {
    if (failed()) return;
    try {
        m_reader.feed(bytes);
    } catch (const FramingError& e) {
        fail(e.what());
        return;
    }
    pump();
}

std::optional<ssh::Bytes> ServerEngine::take_output() {
    if (m_out.pending().empty()) return std::nullopt;
    ssh::Bytes out = m_out.take();
    pump();  // the room just made may let buffered requests run
    return out;
}

bool ServerEngine::wants_input() const noexcept {
    return !failed() && m_outstanding < m_config.max_outstanding &&
           m_out.pending().size() + m_config.max_packet_length + 4 <= m_config.max_buffered_output;
}

// Handles buffered packets while there is room. Completions that arrive synchronously, inside
// a handler, call pump() again; the flag keeps that from recursing.
void ServerEngine::pump() {
    if (m_pumping) return;
    m_pumping = true;
    const ResetOnExit reset{m_pumping};
    try {
        while (wants_input()) {
            const std::optional<Packet> packet = m_reader.next();
            if (!packet) break;
            handle_packet(*packet);
        }
    } catch (const FramingError& e) {
        fail(e.what());
    }
}

void ServerEngine::fail(std::string reason) {
    if (!m_failure) m_failure = std::move(reason);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

void ServerEngine::handle_init(const Packet& packet) {
    // sftp-server exits on anything but INIT first; there is no version to reply in yet.
    if (packet.type != static_cast<std::uint8_t>(PacketType::init)) {
        fail(packet_type_name(packet.type) + " before SSH_FXP_INIT");
        return;
    }
    try {
        const auto init = std::get<Init>(decode_request(packet, kMinVersion));
        const auto version = negotiate_version(init.version, m_config.max_version);
        if (!version) {
            fail("client SFTP version " + std::to_string(init.version) + " is below 3");
            return;
        }
        m_version = *version;
        m_out.write(Version{*version, {}}, *version);
    } catch (const DecodeError& e) {
        fail(e.what());
    }
}

void ServerEngine::handle_packet(const Packet& packet) {
    if (!m_version) {
        handle_init(packet);
        return;
    }
    if (packet.type == static_cast<std::uint8_t>(PacketType::init)) {
        fail("SSH_FXP_INIT received twice");
        return;
    }
    Request request;
    try {
        request = decode_request(packet, *m_version);
    } catch (const DecodeError& e) {
        // Without an id no reply can be matched to the request, and the client would wait
        // for it forever; sftp-server ends the session then too.
        if (!e.request_id()) {
            fail(e.what());
            return;
        }
        send_status(*e.request_id(), e.status());
        return;
    }
    const std::uint32_t id = request_id_of(request);
    const auto type = static_cast<PacketType>(packet.type);
    const auto row = std::find_if(std::begin(kHandlers), std::end(kHandlers),
                                  [&](const Handler& h) { return h.type == type; });
    if (row == std::end(kHandlers)) {
        send_status(id, StatusCode::op_unsupported);  // EXTENDED, LINK, BLOCK, UNBLOCK so far
        return;
    }
    // The policy gate, before any handler runs (sftp-server's request_permitted()).
    if (m_config.read_only && row->writes) {
        send_status(id, StatusCode::permission_denied);
        return;
    }
    (this->*row->handle)(request);
}

// ---------------------------------------------------------------------------------------------
// Replies and completions

void ServerEngine::send_status(std::uint32_t id, StatusCode code) {
    m_out.write(Status::make(id, *m_version, code), *m_version);
}

void ServerEngine::send_error(std::uint32_t id, Error error) {
    send_status(id, status_for_error(error, *m_version));
}

template <class T, class OnOk>
Filesystem::Done<T> ServerEngine::completion(std::uint32_t id, OnOk on_ok) {
    ++m_outstanding;
    return [this, alive = std::weak_ptr<int>(m_alive), id, on_ok = std::move(on_ok),
            called = false](Result<T> result) mutable {
        // A completion after the engine is gone, or a second call, has nobody to answer.
        if (alive.expired() || called) return;
        called = true;
        --m_outstanding;
        if (!failed()) {
            try {
                if (result) {
                    on_ok(result);
                } else {
                    send_error(id, result.error());
                }
            } catch (const std::length_error&) {
                // A reply too large for one packet (a path of 200 KiB, attributes with huge
                // extensions): nothing was written, and the client still needs an answer.
                send_status(id, StatusCode::failure);
            }
        }
        pump();
    };
}

Filesystem::Done<void> ServerEngine::reply_status(std::uint32_t id) {
    return completion<void>(id, [this, id](Result<void>&) { send_status(id, StatusCode::ok); });
}

Filesystem::Done<FileAttributes> ServerEngine::reply_attrs(std::uint32_t id) {
    return completion<FileAttributes>(id, [this, id](Result<FileAttributes>& r) {
        m_out.write(Attrs{id, std::move(r.value())}, *m_version);
    });
}

// REALPATH and READLINK: one entry whose longname repeats the name and whose attributes are
// empty, as sftp-server sends.
Filesystem::Done<std::string> ServerEngine::reply_name(std::uint32_t id) {
    return completion<std::string>(id, [this, id](Result<std::string>& r) {
        Name reply;
        reply.request_id = id;
        reply.entries.push_back(NameEntry{r.value(), r.value(), {}});
        m_out.write(reply, *m_version);
    });
}

Filesystem::Done<FsHandle> ServerEngine::reply_handle(std::uint32_t id, bool directory) {
    return completion<FsHandle>(id, [this, id, directory](Result<FsHandle>& r) {
        // Never reused within the session, so a stale handle cannot name a newer file.
        std::string handle = std::to_string(m_next_handle++);
        m_handles.emplace(handle, OpenHandle{r.value(), directory, {}});
        m_out.write(Handle{id, std::move(handle)}, *m_version);
    });
}

ServerEngine::OpenHandle* ServerEngine::find_handle(std::uint32_t id, const std::string& handle,
                                                    std::optional<bool> directory) {
    const auto it = m_handles.find(handle);
    if (it == m_handles.end() || (directory && it->second.directory != *directory)) {
        send_status(id, StatusCode::invalid_handle);
        return nullptr;
    }
    return &it->second;
}

// One NAME reply with as many queued entries as fit (count and bytes); the rest wait for the
// next READDIR.
void ServerEngine::send_names(std::uint32_t id, std::deque<DirEntry>& entries) {
    Name reply;
    reply.request_id = id;
    std::size_t budget = m_config.max_packet_length - kReplyOverhead;
    while (!entries.empty() && reply.entries.size() < kMaxNameEntries) {
        const DirEntry& entry = entries.front();
        NameEntry out{entry.name, *m_version == 3 ? longname(entry) : "", entry.attrs};
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

// ---------------------------------------------------------------------------------------------
// One handler per request: check, one Filesystem call, and the reply comes from its completion.

void ServerEngine::handle_open(Open& m) {
    const OpenMode mode = open_mode(m, *m_version);
    const bool writing = (mode.desired_access & (ace4::write_data | ace4::append_data)) != 0 ||
                         (mode.flags & open_flags::access_disposition) != open_flags::open_existing;
    if (m_config.read_only && writing) {
        send_status(m.request_id, StatusCode::permission_denied);
        return;
    }
    // Opens in flight are not counted; max_outstanding bounds how far this can overshoot.
    if (m_handles.size() >= m_config.max_handles) {
        send_status(m.request_id, StatusCode::failure);
        return;
    }
    m_fs.open(m.request_id, std::move(m.filename), mode, std::move(m.attrs),
              reply_handle(m.request_id, false));
}

void ServerEngine::handle_close(Close& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    const FsHandle fs = handle->fs;
    m_handles.erase(m.handle);  // at once: later requests on it are invalid, whatever CLOSE says
    m_fs.close(m.request_id, fs, reply_status(m.request_id));
}

void ServerEngine::handle_read(Read& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    const std::uint32_t length = std::min(m.length, m_config.max_read_length);
    const std::uint32_t id = m.request_id;
    m_fs.read(id, handle->fs, m.offset, length,
              completion<ssh::Bytes>(id, [this, id, length](Result<ssh::Bytes>& r) {
                  ssh::Bytes& data = r.value();
                  if (data.empty()) {  // a zero-length DATA would make clients spin
                      send_status(id, StatusCode::eof);
                      return;
                  }
                  if (data.size() > length) data.resize(length);
                  m_out.write(Data{id, std::move(data), std::nullopt}, *m_version);
              }));
}

void ServerEngine::handle_write(Write& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    m_fs.write(m.request_id, handle->fs, m.offset, std::move(m.data), reply_status(m.request_id));
}

void ServerEngine::handle_lstat(Lstat& m) {
    m_fs.stat(m.request_id, std::move(m.path), false, reply_attrs(m.request_id));
}

void ServerEngine::handle_fstat(Fstat& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    m_fs.fstat(m.request_id, handle->fs, reply_attrs(m.request_id));
}

void ServerEngine::handle_setstat(Setstat& m) {
    m_fs.setstat(m.request_id, std::move(m.path), std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_fsetstat(Fsetstat& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    m_fs.fsetstat(m.request_id, handle->fs, std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_opendir(Opendir& m) {
    if (m_handles.size() >= m_config.max_handles) {
        send_status(m.request_id, StatusCode::failure);
        return;
    }
    m_fs.opendir(m.request_id, std::move(m.path), reply_handle(m.request_id, true));
}

void ServerEngine::handle_readdir(Readdir& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, true);
    if (handle == nullptr) return;
    const std::uint32_t id = m.request_id;
    if (!handle->pending.empty()) {
        send_names(id, handle->pending);
        return;
    }
    m_fs.readdir(id, handle->fs,
                 completion<std::vector<DirEntry>>(
                     id, [this, id, key = m.handle](Result<std::vector<DirEntry>>& r) {
                         std::vector<DirEntry>& batch = r.value();
                         if (batch.empty()) {
                             send_status(id, StatusCode::eof);
                             return;
                         }
                         // The handle may have been closed meanwhile; answer with what came.
                         std::deque<DirEntry> orphan;
                         const auto it = m_handles.find(key);
                         std::deque<DirEntry>& queue =
                             it != m_handles.end() ? it->second.pending : orphan;
                         queue.insert(queue.end(), std::make_move_iterator(batch.begin()),
                                      std::make_move_iterator(batch.end()));
                         send_names(id, queue);
                     }));
}

void ServerEngine::handle_remove(Remove& m) {
    m_fs.remove(m.request_id, std::move(m.filename), reply_status(m.request_id));
}

void ServerEngine::handle_mkdir(Mkdir& m) {
    m_fs.mkdir(m.request_id, std::move(m.path), std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_rmdir(Rmdir& m) {
    m_fs.rmdir(m.request_id, std::move(m.path), reply_status(m.request_id));
}

// v6 control byte and compose paths are not handled yet: the path is resolved as it is.
void ServerEngine::handle_realpath(Realpath& m) {
    m_fs.realpath(m.request_id, std::move(m.path), reply_name(m.request_id));
}

void ServerEngine::handle_stat(Stat& m) {
    m_fs.stat(m.request_id, std::move(m.path), true, reply_attrs(m.request_id));
}

void ServerEngine::handle_rename(Rename& m) {
    m_fs.rename(m.request_id, std::move(m.old_path), std::move(m.new_path), m.flags,
                reply_status(m.request_id));
}

void ServerEngine::handle_readlink(Readlink& m) {
    m_fs.readlink(m.request_id, std::move(m.path), reply_name(m.request_id));
}

void ServerEngine::handle_symlink(Symlink& m) {
    m_fs.symlink(m.request_id, std::move(m.link_path), std::move(m.target_path),
                 reply_status(m.request_id));
}

}  // namespace wharf::sftp
