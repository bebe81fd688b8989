// The SFTP server as a sans-I/O engine: channel bytes in, reply bytes out, file system work
// through sftp::Filesystem callbacks. Shaped like OpenSSH's sftp-server: one table row per
// request type (name, type, handler, writes?) and one per extension, one handle_<request> per
// row, one policy gate before dispatch and one reply per request. No socket, thread or clock of
// its own. Versions 3 to 6 (drafts -02, -04, -05, -13) and the extensions in README.md.
//
// Usage: feed channel data to receive() while wants_input(); after receive() and after any
// completion, send take_output(). Once failed(), close the channel.
//
// Files: server_engine.cpp (intake, dispatch, replies), server_engine_requests.cpp (one
// handler per packet type), server_engine_text.cpp (text-mode READ/WRITE),
// server_engine_extensions.cpp (VERSION extensions, version-select, EXTENDED handlers),
// server_engine_listing.cpp (attributes per version, NAME replies, ls -l longnames).
#pragma once

#include "protocols/sftp/codec.hpp"
#include "protocols/sftp/filesystem.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wharf::sftp {

struct ServerConfig {
    // The highest version we offer (3..6). A client asking for less gets its own version.
    std::uint32_t max_version = 6;
    // Requests handed to the Filesystem and not yet completed (text-mode requests waiting for
    // their turn count too). At the bound, intake stops.
    std::size_t max_outstanding = 64;
    // Intake stops while the output buffer could not take one more worst-case reply on top.
    // Completions of requests already issued still append, so this is exceeded by at most
    // max_outstanding replies (like sftp-server, which checks its queue before each packet).
    std::size_t max_buffered_output = 1024 * 1024;
    // When set, what take_output() hands out still counts against max_buffered_output until
    // output_delivered() says it left: for a driver whose transport may refuse bytes (an SSH
    // channel whose window is shut), so its own backlog is not a second, uncounted buffer.
    bool count_until_delivered = false;
    std::uint32_t max_packet_length = kDefaultMaxPacketLength;
    // READ lengths are capped to this (and to what fits a DATA reply).
    std::uint32_t max_read_length = 256 * 1024;
    // The most data one WRITE may carry; more gets INVALID_PARAMETER (BAD_MESSAGE before v6).
    // Capped to what fits a packet with a 256-byte handle. limits@openssh.com reports it.
    std::uint32_t max_write_length = 256 * 1024;
    // Open files and directories per session, opens in flight included; beyond it OPEN and
    // OPENDIR fail.
    std::size_t max_handles = 256;
    // Entries per NAME reply to READDIR (sftp-server sends 100); fewer when the packet is full.
    std::size_t readdir_batch = 100;
    // Requests whose table row says "writes", and OPEN for writing, get PERMISSION_DENIED.
    bool read_only = false;
    // The line separator of text files on this server. Announced in the "newline" VERSION
    // extension (v4+), which makes it the canonical separator on the wire too, so text mode
    // then translates nothing. Without the announcement the wire uses CRLF (-13 5.3) and text
    // mode translates between the two.
    std::string newline = "\n";
    bool announce_newline = true;
    // vendor-id (v4+ offers): product version and build number.
    std::string product_version = "0.1.0";
    std::uint64_t product_build_number = 0;
    // Seconds since 1970 for longname dates (recent files show the time, older ones the year).
    // Unset: every date shows the year, so output does not depend on a clock.
    std::function<std::int64_t()> now;
};

class ServerEngine {
public:
    // `fs` must outlive the engine; its completions may outlive the engine (they are then
    // dropped). Throws std::invalid_argument unless 3 <= config.max_version <= 6, or if the
    // newline is empty.
    ServerEngine(Filesystem& fs, ServerConfig config = {});
    ~ServerEngine();
    ServerEngine(const ServerEngine&) = delete;
    ServerEngine& operator=(const ServerEngine&) = delete;

    // Buffers channel bytes and handles whole packets while wants_input(). Never throws for
    // peer input: broken framing or a protocol violation puts the engine in failed().
    void receive(ssh::ByteView bytes);

    // Reply bytes to send, or nullopt when there are none. Taking output makes room, so
    // buffered packets may be handled (and more output produced) before this returns.
    // `spare`: a buffer the caller is done with, reused for the next replies.
    [[nodiscard]] std::optional<ssh::Bytes> take_output(ssh::Bytes spare = {});
    [[nodiscard]] bool has_output() const noexcept { return !m_out.pending().empty(); }
    // With ServerConfig::count_until_delivered: `bytes` of what take_output() gave have been
    // sent on; the room they free may let buffered requests run.
    void output_delivered(std::size_t bytes);

    // False while at the outstanding-request or output bound, or after failure: the caller
    // should stop reading the channel (and so stop opening its window).
    [[nodiscard]] bool wants_input() const noexcept;

    [[nodiscard]] bool failed() const noexcept { return m_failure.has_value(); }
    // Why the session must end ("SSH_FXP_OPEN before INIT", a framing error, ...).
    [[nodiscard]] const std::optional<std::string>& failure() const noexcept { return m_failure; }
    // The negotiated version, once INIT was answered (version-select may change it).
    [[nodiscard]] std::optional<std::uint32_t> version() const noexcept { return m_version; }
    [[nodiscard]] std::size_t outstanding() const noexcept { return m_outstanding; }
    [[nodiscard]] std::size_t open_handles() const noexcept { return m_handles.size(); }

    // The VERSION extensions offered for a configuration (also what INIT gets).
    [[nodiscard]] static std::vector<ExtensionPair> version_extensions(const ServerConfig& config);
    // The names of the EXTENDED requests served, in table order.
    [[nodiscard]] static std::vector<std::string> extension_names();

private:
    // A row of the request table (sftp-server's struct sftp_handler).
    struct Handler {
        const char* name;
        PacketType type;
        void (ServerEngine::*handle)(Request& request);
        bool writes;  // refused on read-only sessions
    };
    static const Handler kHandlers[];

    // A row of the extension table (sftp-server's extended_handlers[]).
    struct ExtensionHandler {
        std::string_view name;
        void (ServerEngine::*handle)(Extended& request);
        bool writes;
    };
    static const ExtensionHandler kExtensions[];

    // A text-mode READ or WRITE waiting for the one before it on the same handle.
    using TextRequest = std::variant<Read, Write>;

    // What a client handle string stands for.
    struct OpenHandle {
        FsHandle fs = 0;
        bool directory = false;
        std::deque<DirEntry> pending;  // READDIR entries fetched but not yet sent
        // Text mode: offsets are ignored (-13 8.1.1.3); reads and writes share this position
        // in the file's own bytes and run one at a time, the rest queued in arrival order.
        bool text = false;
        std::uint64_t text_position = 0;
        bool text_busy = false;
        std::deque<TextRequest> text_queue;
    };

    void pump();
    void handle_packet(const Packet& packet);
    void handle_init(const Packet& packet);
    void dispatch(Request& request, PacketType type);
    void fail(std::string reason);

    template <class Message, void (ServerEngine::*Handle)(Message&)>
    void call(Request& request) {
        (this->*Handle)(std::get<Message>(request));
    }
    template <class Payload, void (ServerEngine::*Handle)(std::uint32_t, Payload&)>
    void call_extension(Extended& request) {
        Payload payload = parse_extended<Payload>(request, *m_version);
        (this->*Handle)(request.request_id, payload);
    }

    // Requests (server_engine_requests.cpp)
    void handle_open(Open& m);
    void handle_close(Close& m);
    void handle_read(Read& m);
    void handle_write(Write& m);
    void handle_lstat(Lstat& m);
    void handle_fstat(Fstat& m);
    void handle_setstat(Setstat& m);
    // v4+: INVALID_PARAMETER for attributes outside detail::kSettableAttributes; true if sent.
    bool refuse_unsettable(std::uint32_t id, const FileAttributes& attrs);
    void handle_fsetstat(Fsetstat& m);
    void handle_opendir(Opendir& m);
    void handle_readdir(Readdir& m);
    void handle_remove(Remove& m);
    void handle_mkdir(Mkdir& m);
    void handle_rmdir(Rmdir& m);
    void handle_realpath(Realpath& m);
    void handle_stat(Stat& m);
    void handle_rename(Rename& m);
    void handle_readlink(Readlink& m);
    void handle_symlink(Symlink& m);
    void handle_link(Link& m);
    void handle_block(Block& m);
    void handle_unblock(Unblock& m);
    void handle_extended(Extended& m);

    void open_checked(Open& m, OpenMode mode);
    void realpath_composed(std::uint32_t id, std::string path, std::uint8_t control);

    // Text mode (server_engine_text.cpp)
    void queue_text_request(const std::string& key, OpenHandle& handle, TextRequest request);
    void start_text_request(const std::string& key, OpenHandle& handle, TextRequest request);
    void text_read(const std::string& key, OpenHandle& handle, const Read& m);
    void text_write(const std::string& key, OpenHandle& handle, Write& m);
    void finish_text_request(const std::string& key);
    void drop_text_queue(OpenHandle& handle);
    [[nodiscard]] std::string wire_newline() const;

    // Extensions (server_engine_extensions.cpp)
    void handle_version_select(const Extended& m);
    void handle_posix_rename(std::uint32_t id, PosixRename& m);
    void handle_statvfs(std::uint32_t id, Statvfs& m);
    void handle_fstatvfs(std::uint32_t id, Fstatvfs& m);
    void handle_hardlink(std::uint32_t id, Hardlink& m);
    void handle_fsync(std::uint32_t id, Fsync& m);
    void handle_lsetstat(std::uint32_t id, Lsetstat& m);
    void handle_limits(std::uint32_t id, Limits& m);
    void handle_expand_path(std::uint32_t id, ExpandPath& m);
    void handle_copy_data(std::uint32_t id, CopyData& m);
    void handle_home_directory(std::uint32_t id, HomeDirectory& m);
    void handle_users_groups_by_id(std::uint32_t id, UsersGroupsById& m);
    void handle_check_file_handle(std::uint32_t id, CheckFileHandle& m);
    void handle_check_file_name(std::uint32_t id, CheckFileName& m);
    void handle_space_available(std::uint32_t id, SpaceAvailable& m);
    void handle_copy_file(std::uint32_t id, CopyFile& m);
    void check_file(std::uint32_t id, Filesystem::HashRequest request,
                    const std::string& algorithms);

    // Completion helpers (server_engine.cpp): count the request as outstanding and return the
    // callback that answers it and uncounts it. settle() hands over every result; completion()
    // answers failures with STATUS itself and hands over only values.
    template <class T, class OnResult>
    Filesystem::Done<T> settle(std::uint32_t id, OnResult on_result);
    template <class T, class OnOk>
    Filesystem::Done<T> completion(std::uint32_t id, OnOk on_ok);
    Filesystem::Done<void> reply_status(std::uint32_t id);
    Filesystem::Done<FileAttributes> reply_attrs(std::uint32_t id);
    Filesystem::Done<std::string> reply_name(std::uint32_t id);
    Filesystem::Done<FsHandle> reply_handle(std::uint32_t id, bool directory, bool text);
    template <class Payload>
    Filesystem::Done<Payload> reply_extended(std::uint32_t id);

    // The handle's entry if it is open and of the wanted kind (file, directory, or either if
    // nullopt); else replies INVALID_HANDLE and returns nullptr.
    OpenHandle* find_handle(std::uint32_t id, const std::string& handle,
                            std::optional<bool> directory);
    void send_status(std::uint32_t id, StatusCode code, std::string message = {});
    void send_error(std::uint32_t id, Error error);
    void send_failure(std::uint32_t id, const Failure& failure);
    void send_path(std::uint32_t id, const std::string& path, FileAttributes attrs = {});

    // Listing (server_engine_listing.cpp)
    void send_names(std::uint32_t id, std::deque<DirEntry>& entries);
    [[nodiscard]] std::string longname(const DirEntry& entry) const;
    // Attributes as `m_version` shows them: v3 permissions carry the S_IFMT bits, v4+ have a
    // type byte instead and owner/group names (numeric strings when only ids are known).
    [[nodiscard]] FileAttributes presented(FileAttributes attrs, const std::string& owner = {},
                                           const std::string& group = {}) const;

    Filesystem& m_fs;
    ServerConfig m_config;
    PacketReader m_reader;
    PacketWriter m_out;
    std::optional<std::uint32_t> m_version;
    std::optional<std::string> m_failure;
    std::map<std::string, OpenHandle> m_handles;
    std::uint64_t m_next_handle = 0;
    std::size_t m_outstanding = 0;
    std::size_t m_undelivered = 0;  // taken, not yet reported sent (count_until_delivered)
    std::size_t m_opening = 0;        // OPEN/OPENDIR with the file system: they count as handles
    bool m_first_request = true;      // version-select is only valid as the first request
    bool m_pumping = false;
    // Completions hold a weak_ptr to this; once the engine is gone they do nothing.
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
};

}  // namespace wharf::sftp
