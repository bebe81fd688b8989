// The SFTP server as a sans-I/O engine: channel bytes in, reply bytes out, file system work
// through sftp::Filesystem callbacks. Shaped like OpenSSH's sftp-server: one table row per
// request type (name, type, handler, writes?), one handle_<request> per row, one policy gate
// before dispatch and one reply per request. No socket, thread or clock of its own.
//
// Usage: feed channel data to receive() while wants_input(); after receive() and after any
// completion, send take_output(). Once failed(), close the channel.
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

namespace wharf::sftp {

struct ServerConfig {
    // The highest version we offer in VERSION (3..6). Only v3 is tested so far.
    std::uint32_t max_version = 3;
    // Requests handed to the Filesystem and not yet completed. At the bound, intake stops.
    std::size_t max_outstanding = 64;
    // Intake stops while the output buffer could not take one more worst-case reply on top.
    // Completions of requests already issued still append, so this is exceeded by at most
    // max_outstanding replies (like sftp-server, which checks its queue before each packet).
    std::size_t max_buffered_output = 1024 * 1024;
    std::uint32_t max_packet_length = kDefaultMaxPacketLength;
    // READ lengths are capped to this (and to what fits a DATA reply).
    std::uint32_t max_read_length = 256 * 1024;
    // Open files and directories per session; beyond it OPEN/OPENDIR fail.
    std::size_t max_handles = 256;
    // Requests whose table row says "writes", and OPEN for writing, get PERMISSION_DENIED.
    bool read_only = false;
    // Seconds since 1970 for longname dates (recent files show the time, older ones the year).
    // Unset: every date shows the year, so output does not depend on a clock.
    std::function<std::int64_t()> now;
};

class ServerEngine {
public:
    // `fs` must outlive the engine; its completions may outlive the engine (they are then
    // dropped). Throws std::invalid_argument unless 3 <= config.max_version <= 6.
    ServerEngine(Filesystem& fs, ServerConfig config = {});
    ~ServerEngine();
    ServerEngine(const ServerEngine&) = delete;
    ServerEngine& operator=(const ServerEngine&) = delete;

    // Buffers channel bytes and handles whole packets while wants_input(). Never throws for
    // peer input: broken framing or a protocol violation puts the engine in failed().
    void receive(ssh::ByteView bytes);

    // Reply bytes to send, or nullopt when there are none. Taking output makes room, so
    // buffered packets may be handled (and more output produced) before this returns.
    [[nodiscard]] std::optional<ssh::Bytes> take_output();
    [[nodiscard]] bool has_output() const noexcept { return !m_out.pending().empty(); }

    // False while at the outstanding-request or output bound, or after failure: the caller
    // should stop reading the channel (and so stop opening its window).
    [[nodiscard]] bool wants_input() const noexcept;

    [[nodiscard]] bool failed() const noexcept { return m_failure.has_value(); }
    // Why the session must end ("SSH_FXP_OPEN before INIT", a framing error, ...).
    [[nodiscard]] const std::optional<std::string>& failure() const noexcept { return m_failure; }
    // The negotiated version, once INIT was answered.
    [[nodiscard]] std::optional<std::uint32_t> version() const noexcept { return m_version; }
    [[nodiscard]] std::size_t outstanding() const noexcept { return m_outstanding; }
    [[nodiscard]] std::size_t open_handles() const noexcept { return m_handles.size(); }

private:
    // A row of the request table (sftp-server's struct sftp_handler).
    struct Handler {
        const char* name;
        PacketType type;
        void (ServerEngine::*handle)(Request& request);
        bool writes;  // refused on read-only sessions
    };
    static const Handler kHandlers[];

    // What a client handle string stands for.
    struct OpenHandle {
        FsHandle fs = 0;
        bool directory = false;
        std::deque<DirEntry> pending;  // READDIR entries fetched but not yet sent
    };

    void pump();
    void handle_packet(const Packet& packet);
    void handle_init(const Packet& packet);
    void fail(std::string reason);

    template <class Message, void (ServerEngine::*Handle)(Message&)>
    void call(Request& request) {
        (this->*Handle)(std::get<Message>(request));
    }

    void handle_open(Open& m);
    void handle_close(Close& m);
    void handle_read(Read& m);
    void handle_write(Write& m);
    void handle_lstat(Lstat& m);
    void handle_fstat(Fstat& m);
    void handle_setstat(Setstat& m);
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

    // Completion helpers: count the request as outstanding and return the callback that
    // replies (STATUS on error) and uncounts it.
    Filesystem::Done<void> reply_status(std::uint32_t id);
    Filesystem::Done<FileAttributes> reply_attrs(std::uint32_t id);
    Filesystem::Done<std::string> reply_name(std::uint32_t id);
    Filesystem::Done<FsHandle> reply_handle(std::uint32_t id, bool directory);
    template <class T, class OnOk>
    Filesystem::Done<T> completion(std::uint32_t id, OnOk on_ok);

    // The handle's entry if it is open and of the wanted kind (file, directory, or either if
    // nullopt); else replies INVALID_HANDLE and returns nullptr.
    OpenHandle* find_handle(std::uint32_t id, const std::string& handle,
                            std::optional<bool> directory);
    void send_status(std::uint32_t id, StatusCode code);
    void send_error(std::uint32_t id, Error error);
    void send_names(std::uint32_t id, std::deque<DirEntry>& entries);
    [[nodiscard]] std::string longname(const DirEntry& entry) const;

    Filesystem& m_fs;
    ServerConfig m_config;
    PacketReader m_reader;
    PacketWriter m_out;
    std::optional<std::uint32_t> m_version;
    std::optional<std::string> m_failure;
    std::map<std::string, OpenHandle> m_handles;
    std::uint64_t m_next_handle = 0;
    std::size_t m_outstanding = 0;
    bool m_pumping = false;
    // Completions hold a weak_ptr to this; once the engine is gone they do nothing.
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
};

}  // namespace wharf::sftp
