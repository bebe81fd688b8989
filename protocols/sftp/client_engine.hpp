// The SFTP client as a sans-I/O engine: request calls in, request bytes out (take_output()),
// reply bytes in (receive()), typed completions out through `Done<T>` callbacks, the mirror of
// the server engine's Filesystem callbacks. No socket, thread or clock of its own. Versions 3
// to 6 (drafts -02, -04, -05, -13) and the extensions of extensions.hpp.
//
// Usage: construct (INIT is queued at once), send take_output() down the channel, feed what
// comes back to receive() until ready(); then issue requests. Each request completes exactly
// once: with its value, or with the server's STATUS code and message, or with
// CONNECTION_LOST once the engine failed. Replies may come in any order; they are matched by
// request id. At most `max_outstanding` requests are on the wire; more wait in a local queue
// and go out as replies come in, in the order they were issued.
//
// Callbacks run inside receive() (or inside the request call when the engine has already
// failed). They may issue further requests. Exceptions they throw propagate out of receive().
//
// Files: client_engine.cpp (handshake, intake, matching), client_engine_requests.cpp (one
// function per request and extension), client_engine_transfer.{hpp,cpp} (pipelined
// whole-file upload and download on top).
#pragma once

#include "protocols/common/outcome.hpp"
#include "protocols/sftp/codec.hpp"
#include "protocols/sftp/extensions.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::sftp {

struct ClientConfig {
    // The version INIT asks for (3..6); the server may answer with less.
    std::uint32_t max_version = 6;
    // Requests on the wire without a reply yet; more wait in the engine's queue.
    std::size_t max_outstanding = 64;
    // Replies longer than this break the session (FramingError); requests longer than this
    // are our own bug (std::length_error).
    std::uint32_t max_packet_length = kDefaultMaxPacketLength;
    // v3 SYMLINK argument order. OpenSSH's sftp-server swapped the draft's (linkpath,
    // targetpath) and every v3 peer follows it (openssh PROTOCOL 4.1; wharfd too), so that is
    // the default; `draft` is for a v3 server known to read the fields as -02 orders them.
    // Nothing in VERSION tells the two apart.
    enum class SymlinkOrder { openssh, draft };
    SymlinkOrder v3_symlink_order = SymlinkOrder::openssh;
};

// Why a request did not succeed: the server's STATUS (code as sent, possibly one this
// version does not define) with its message, or CONNECTION_LOST with the engine's failure.
struct ClientFailure {
    StatusCode error = StatusCode::failure;
    std::string message;
};

template <class T>
using ClientResult = protocol::Outcome<T, ClientFailure>;

// "SSH_FX_NO_SUCH_FILE (No such file)": the code's name and the server's message, for logs and
// command-line errors. The message goes through printable(): it is the server's text.
[[nodiscard]] std::string describe(const ClientFailure& failure);

// `text` with control characters (C0 and DEL) as \xNN, so text from a server cannot move the
// cursor, clear the screen or forge lines when printed on an operator's terminal or log.
[[nodiscard]] std::string printable(std::string_view text);

// What the server's VERSION packet told us. The typed fields are set when the server sent the
// extension and its data decoded; data that does not decode is kept only in `extensions`
// (a garbled vendor-id is no reason to drop the session).
struct ServerInfo {
    std::uint32_t version = 3;
    std::vector<ExtensionPair> extensions;  // as sent, in order
    std::optional<std::string> newline;
    std::optional<VendorIdExtension> vendor;
    std::optional<SupportedExtension> supported;
    std::optional<Supported2Extension> supported2;
    std::optional<VersionsExtension> versions;

    // True if VERSION lists `name` as an extension pair (OpenSSH style) or in the
    // supported/supported2 extension names (-05/-13 style).
    [[nodiscard]] bool has_extension(std::string_view name) const;
    // The data of the extension pair `name` ("1" for posix-rename@openssh.com), if sent.
    [[nodiscard]] std::optional<std::string> extension_data(std::string_view name) const;
};

// v5+ style open modes for ClientEngine::open(); the engine turns them into v3/v4 pflags.
[[nodiscard]] OpenMode open_for_reading() noexcept;
// Create or truncate, write only.
[[nodiscard]] OpenMode open_for_writing() noexcept;

class ClientEngine {
public:
    template <class T>
    using Done = std::function<void(ClientResult<T>)>;

    // Queues INIT. Throws std::invalid_argument unless 3 <= max_version <= 6 and
    // max_outstanding >= 1.
    explicit ClientEngine(ClientConfig config = {});
    ~ClientEngine();
    ClientEngine(const ClientEngine&) = delete;
    ClientEngine& operator=(const ClientEngine&) = delete;

    // ---- inputs ---------------------------------------------------------------------------
    // Buffers the server's bytes and handles every whole packet. Never throws for anything the
    // server sends: broken framing, a malformed reply, an unknown request id or a reply of the
    // wrong type put the engine in failed() and complete every request with CONNECTION_LOST.
    void receive(ssh::ByteView bytes);
    // The channel was closed or hit EOF: a failure unless nothing is outstanding after VERSION.
    void receive_eof();

    // ---- outputs --------------------------------------------------------------------------
    // Request bytes to send, or nullopt when there are none. `spare`: a buffer the caller is
    // done with (the bytes of an earlier call, sent), reused for the next requests so a long
    // transfer does not grow and fault in a fresh buffer for every batch.
    [[nodiscard]] std::optional<ssh::Bytes> take_output(ssh::Bytes spare = {});
    [[nodiscard]] bool has_output() const noexcept { return !m_output.pending().empty(); }

    // ---- getters --------------------------------------------------------------------------
    // VERSION arrived and requests may be issued.
    [[nodiscard]] bool ready() const noexcept { return m_server.has_value() && !failed(); }
    [[nodiscard]] bool failed() const noexcept { return m_failure.has_value(); }
    [[nodiscard]] const std::optional<std::string>& failure() const noexcept { return m_failure; }
    // The negotiated version, once VERSION arrived.
    [[nodiscard]] std::optional<std::uint32_t> version() const noexcept;
    // The VERSION packet, once it arrived.
    [[nodiscard]] const std::optional<ServerInfo>& server() const noexcept { return m_server; }
    // Requests on the wire, and requests waiting for room.
    [[nodiscard]] std::size_t outstanding() const noexcept { return m_outstanding.size(); }
    [[nodiscard]] std::size_t queued() const noexcept { return m_queue.size(); }
    // True when no request waits for a reply or for room.
    [[nodiscard]] bool idle() const noexcept { return m_outstanding.empty() && m_queue.empty(); }
    // The most data one WRITE may carry (or one READ ask for) without exceeding the packet
    // limit with a 256-byte handle.
    [[nodiscard]] std::uint32_t max_data_length() const noexcept;

    // ---- requests (client_engine_requests.cpp) ------------------------------------------
    // Each returns the request id. All throw std::logic_error before ready(),
    // std::invalid_argument for a request the negotiated version cannot express (named at
    // each) and std::length_error for one above max_packet_length (a WRITE with more than
    // max_data_length()); nothing is sent then. After failure() they complete at once with
    // CONNECTION_LOST.
    // A handle is the server's opaque string.

    // v3/v4: `mode` becomes pflags; access other than read/write/append data and flags other
    // than the disposition, APPEND_DATA and TEXT_MODE (v4) are std::invalid_argument.
    std::uint32_t open(std::string path, OpenMode mode, FileAttributes attrs,
                       Done<std::string> done);
    std::uint32_t close(std::string handle, Done<void> done);
    // Up to `length` bytes; fewer is normal. End of file is a failure with StatusCode::eof.
    std::uint32_t read(std::string handle, std::uint64_t offset, std::uint32_t length,
                       Done<ssh::Bytes> done);
    std::uint32_t write(std::string handle, std::uint64_t offset, ssh::Bytes data,
                        Done<void> done);
    // v4+ ask for every attribute the version defines (the flags are a hint).
    std::uint32_t stat(std::string path, Done<FileAttributes> done);
    std::uint32_t lstat(std::string path, Done<FileAttributes> done);
    std::uint32_t fstat(std::string handle, Done<FileAttributes> done);
    std::uint32_t setstat(std::string path, FileAttributes attrs, Done<void> done);
    std::uint32_t fsetstat(std::string handle, FileAttributes attrs, Done<void> done);
    std::uint32_t opendir(std::string path, Done<std::string> done);
    // The next batch of entries; after the last one a failure with StatusCode::eof.
    std::uint32_t readdir(std::string handle, Done<std::vector<NameEntry>> done);
    std::uint32_t remove(std::string path, Done<void> done);
    std::uint32_t mkdir(std::string path, FileAttributes attrs, Done<void> done);
    std::uint32_t rmdir(std::string path, Done<void> done);
    // The one entry of the NAME reply. `control` (realpath_control::*) is v6 only.
    std::uint32_t realpath(std::string path, Done<NameEntry> done,
                           std::optional<std::uint8_t> control = std::nullopt);
    // `flags` (rename_flags::*) need v5+: non-zero flags before v5 are std::invalid_argument.
    std::uint32_t rename(std::string old_path, std::string new_path, std::uint32_t flags,
                         Done<void> done);
    std::uint32_t readlink(std::string path, Done<std::string> done);
    // SYMLINK in v3-v5 (v3 in ClientConfig::v3_symlink_order, OpenSSH's by default), LINK
    // with the symbolic flag in v6, which has no SYMLINK.
    std::uint32_t symlink(std::string link_path, std::string target_path, Done<void> done);
    // v6 LINK; std::invalid_argument before v6 (use hardlink() there).
    std::uint32_t link(std::string new_link_path, std::string existing_path, bool symbolic,
                       Done<void> done);

    // ---- extensions -----------------------------------------------------------------------
    // Sent whether or not VERSION announced them: a server without one answers
    // OP_UNSUPPORTED. ServerInfo::has_extension() tells beforehand.
    std::uint32_t posix_rename(std::string old_path, std::string new_path, Done<void> done);
    std::uint32_t statvfs(std::string path, Done<StatvfsReply> done);
    std::uint32_t fstatvfs(std::string handle, Done<StatvfsReply> done);
    std::uint32_t hardlink(std::string old_path, std::string new_path, Done<void> done);
    std::uint32_t fsync(std::string handle, Done<void> done);
    std::uint32_t copy_data(CopyData request, Done<void> done);
    std::uint32_t check_file(CheckFileName request, Done<CheckFileReply> done);
    std::uint32_t check_file(CheckFileHandle request, Done<CheckFileReply> done);
    std::uint32_t space_available(std::string path, Done<SpaceAvailableReply> done);
    std::uint32_t limits(Done<LimitsReply> done);
    std::uint32_t home_directory(std::string username, Done<std::string> done);

    // Any extension answered by STATUS alone, and any answered by EXTENDED_REPLY (the
    // payload types of extensions.hpp).
    template <class Payload>
    std::uint32_t extended(const Payload& payload, Done<void> done);
    template <class ReplyPayload, class Payload>
    std::uint32_t extended_query(const Payload& payload, Done<ReplyPayload> done);

private:
    // Turns a reply of the expected type into the user's completion call. May throw
    // sftp::DecodeError (a payload that does not parse); the call it returns runs outside
    // the engine's error handling, so a throwing callback is not mistaken for bad input.
    using Completion = std::function<std::function<void()>(Reply&)>;

    struct Outstanding {
        std::string what;      // "SSH_FXP_OPEN", or the extension name, for failure reasons
        PacketType expected;   // the reply that carries the value; `status` for STATUS only
        Completion complete;
        std::function<void(ClientFailure)> abandon;  // when the engine fails first
    };
    struct Queued {
        std::uint32_t id;
        Request message;  // framed when it goes out (and once at issue time, as a check)
        Outstanding outstanding;
    };

    void handle_packet(const Packet& packet);
    void handle_version(const Version& version);
    void handle_reply(Reply& reply);
    void fail(std::string reason);
    void send_queued();
    void check_ready() const;
    std::uint32_t issue(Request request, Outstanding outstanding);

    // Requests whose value comes in the `expected` reply, converted by `convert(reply,
    // version)`; requests answered by STATUS alone; requests answered by a NAME with one entry.
    template <class T, class Convert>
    std::uint32_t send_expecting(Request message, PacketType expected, Done<T> done,
                                 Convert convert);
    std::uint32_t send_expecting_status(Request message, Done<void> done);
    std::uint32_t send_expecting_one_name(Request message, Done<NameEntry> done);
    // The version requests are encoded in: the negotiated one (before VERSION, and so only
    // for requests that fail at once, our maximum).
    [[nodiscard]] std::uint32_t encoding_version() const noexcept;
    [[nodiscard]] std::uint32_t stat_flags() const noexcept;

    ClientConfig m_config;
    PacketReader m_reader;
    // Requests are framed straight onto the output when they can go out at once (a WRITE's
    // data is copied once here, not framed and then copied again).
    PacketWriter m_output;
    // Requests that must wait are framed here first, only so that misuse throws to the caller;
    // the buffer is kept for the next one.
    PacketWriter m_check;
    ssh::Bytes m_check_buffer;
    std::optional<ServerInfo> m_server;
    std::optional<std::string> m_failure;
    std::map<std::uint32_t, Outstanding> m_outstanding;
    std::deque<Queued> m_queue;
    std::uint32_t m_next_id = 1;
    bool m_handling = false;  // inside receive(): send_queued() runs once at the end
};

// ---- templates --------------------------------------------------------------------------------

template <class T, class Convert>
std::uint32_t ClientEngine::send_expecting(Request message, PacketType expected, Done<T> done,
                                           Convert convert) {
    Outstanding outstanding;
    outstanding.expected = expected;
    outstanding.abandon = [done](ClientFailure failure) { done(std::move(failure)); };
    outstanding.complete = [done = std::move(done), convert = std::move(convert),
                            this](Reply& reply) -> std::function<void()> {
        if (auto* status = std::get_if<Status>(&reply)) {
            ClientFailure failure{static_cast<StatusCode>(status->code), status->message};
            return [done, failure = std::move(failure)] { done(failure); };
        }
        T value = convert(reply, encoding_version());
        return [done, value = std::move(value)]() mutable { done(std::move(value)); };
    };
    return issue(std::move(message), std::move(outstanding));
}

template <class Payload>
std::uint32_t ClientEngine::extended(const Payload& payload, Done<void> done) {
    check_ready();
    return send_expecting_status(make_extended(0, payload, encoding_version()), std::move(done));
}

template <class ReplyPayload, class Payload>
std::uint32_t ClientEngine::extended_query(const Payload& payload, Done<ReplyPayload> done) {
    check_ready();
    return send_expecting<ReplyPayload>(
        make_extended(0, payload, encoding_version()), PacketType::extended_reply, std::move(done),
        [](Reply& reply, std::uint32_t version) {
            return parse_extended_reply<ReplyPayload>(std::get<ExtendedReply>(reply), version);
        });
}

}  // namespace wharf::sftp
