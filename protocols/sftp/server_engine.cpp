// ServerEngine: intake, back-pressure, dispatch and the reply helpers. The handlers live in
// server_engine_requests.cpp, server_engine_text.cpp and server_engine_extensions.cpp.
#include "protocols/sftp/server_engine.hpp"

#include "protocols/sftp/detail/server_engine_completion.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

namespace {

// Type, request id, DATA/NAME length or count, v6 end flag: the room a reply needs around
// its payload, rounded up.
constexpr std::uint32_t kReplyOverhead = 64;
// Type, request id, a handle of the longest allowed length, offset and data length: what a
// WRITE carries besides its data.
constexpr std::uint32_t kWriteOverhead = 1 + 4 + 4 + kMaxHandleLength + 8 + 4;

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

}  // namespace

// The request table, in OpenSSH's order, then the v6 packets. OPEN is not marked "writes":
// handle_open refuses only the write modes on read-only sessions, as sftp-server does; each
// extension has its own "writes" flag in the extension table.
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
    {"link", PacketType::link, &E::call<Link, &E::handle_link>, true},
    {"block", PacketType::block, &E::call<Block, &E::handle_block>, false},
    {"unblock", PacketType::unblock, &E::call<Unblock, &E::handle_unblock>, false},
    {"extended", PacketType::extended, &E::call<Extended, &E::handle_extended>, false},
};

ServerEngine::ServerEngine(Filesystem& fs, ServerConfig config)
    : m_fs(fs),
      m_config(std::move(config)),
      m_reader(m_config.max_packet_length),
      m_out(m_config.max_packet_length) {
    // Validates max_version now rather than at the client's INIT.
    (void)negotiate_version(kMinVersion, m_config.max_version);
    if (m_config.newline.empty()) throw std::invalid_argument("SFTP newline must not be empty");
    // A buffer smaller than one worst-case reply would never take input.
    m_config.max_buffered_output = std::max<std::size_t>(
        m_config.max_buffered_output, std::size_t{m_config.max_packet_length} + 4);
    m_config.max_read_length =
        std::min(m_config.max_read_length, m_config.max_packet_length - kReplyOverhead);
    m_config.max_write_length =
        std::min(m_config.max_write_length, m_config.max_packet_length - kWriteOverhead);
    m_config.max_outstanding = std::max<std::size_t>(m_config.max_outstanding, 1);
    // The largest VERSION we may send must fit a packet (it is the first thing we write).
    ssh::Writer greeting;
    const Version largest{m_config.max_version, version_extensions(m_config)};
    largest.encode(greeting, m_config.max_version);
    if (greeting.size() + 1 > m_config.max_packet_length) {
        throw std::invalid_argument("SFTP max_packet_length is too small for our VERSION");
    }
    m_config.readdir_batch = std::max<std::size_t>(m_config.readdir_batch, 1);
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

std::optional<ssh::Bytes> ServerEngine::take_output(ssh::Bytes spare) {
    if (m_out.pending().empty()) return std::nullopt;
    ssh::Bytes out = m_out.take(std::move(spare));
    if (m_config.count_until_delivered) m_undelivered += out.size();
    pump();  // the room just made may let buffered requests run
    return out;
}

void ServerEngine::output_delivered(std::size_t bytes) {
    m_undelivered -= std::min(bytes, m_undelivered);
    pump();
}

bool ServerEngine::wants_input() const noexcept {
    return !failed() && m_outstanding < m_config.max_outstanding &&
           m_out.pending().size() + m_undelivered + m_config.max_packet_length + 4 <=
               m_config.max_buffered_output;
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
        m_out.write(Version{*version, version_extensions(m_config)}, *version);
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
    const bool first = std::exchange(m_first_request, false);
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
    // version-select changes how every later packet is read, so it is handled here, before
    // the tables: valid only first, anything wrong closes the channel (-13 5.5).
    if (const auto* extended = std::get_if<Extended>(&request);
        extended != nullptr && extended->name == VersionSelect::kName) {
        if (!first) {
            fail("version-select after the first request");
            return;
        }
        handle_version_select(*extended);
        return;
    }
    dispatch(request, static_cast<PacketType>(packet.type));
}

void ServerEngine::dispatch(Request& request, PacketType type) {
    const std::uint32_t id = request_id_of(request);
    const auto row = std::find_if(std::begin(kHandlers), std::end(kHandlers),
                                  [&](const Handler& h) { return h.type == type; });
    if (row == std::end(kHandlers)) {
        send_status(id, StatusCode::op_unsupported);  // the codec lets no other type through
        return;
    }
    // The policy gate, before any handler runs (sftp-server's request_permitted()).
    if (m_config.read_only && row->writes) {
        send_status(id, StatusCode::permission_denied);
        return;
    }
    try {
        (this->*row->handle)(request);
    } catch (const std::length_error&) {
        // A reply written at once that cannot fit a packet (a composed REALPATH path):
        // nothing was written, and the client still needs an answer.
        send_status(id, StatusCode::failure);
    }
}

// ---------------------------------------------------------------------------------------------
// Replies and completions

void ServerEngine::send_status(std::uint32_t id, StatusCode code, std::string message) {
    Status status = Status::make(id, *m_version, code);
    if (!message.empty()) status.message = std::move(message);
    m_out.write(status, *m_version);
}

void ServerEngine::send_error(std::uint32_t id, Error error) {
    send_status(id, status_for_error(error, *m_version));
}

// The file system's message (a hook's reason) replaces the code's standard text.
void ServerEngine::send_failure(std::uint32_t id, const Failure& failure) {
    send_status(id, status_for_error(failure.error, *m_version), failure.message);
}

// A NAME with one entry, as sftp-server sends for REALPATH and READLINK: in v3 the longname
// repeats the name.
void ServerEngine::send_path(std::uint32_t id, const std::string& path, FileAttributes attrs) {
    Name reply;
    reply.request_id = id;
    reply.entries.push_back(NameEntry{path, path, std::move(attrs)});
    m_out.write(reply, *m_version);
}

Filesystem::Done<void> ServerEngine::reply_status(std::uint32_t id) {
    return completion<void>(id, [this, id](Result<void>&) { send_status(id, StatusCode::ok); });
}

Filesystem::Done<FileAttributes> ServerEngine::reply_attrs(std::uint32_t id) {
    return completion<FileAttributes>(id, [this, id](Result<FileAttributes>& r) {
        m_out.write(Attrs{id, presented(std::move(r.value()))}, *m_version);
    });
}

Filesystem::Done<std::string> ServerEngine::reply_name(std::uint32_t id) {
    return completion<std::string>(
        id, [this, id](Result<std::string>& r) { send_path(id, r.value()); });
}

Filesystem::Done<FsHandle> ServerEngine::reply_handle(std::uint32_t id, bool directory,
                                                      bool text) {
    ++m_opening;
    return settle<FsHandle>(id, [this, id, directory, text](Result<FsHandle>& r) {
        --m_opening;
        if (!r) {
            send_failure(id, r.failure());
            return;
        }
        // Never reused within the session, so a stale handle cannot name a newer file.
        std::string handle = std::to_string(m_next_handle++);
        OpenHandle entry;
        entry.fs = r.value();
        entry.directory = directory;
        entry.text = text;
        m_handles.emplace(handle, std::move(entry));
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

}  // namespace wharf::sftp
