// `wharf sftp`: one-shot SFTP commands (put, get, ls, stat, rm, mkdir, rmdir, mv) against an SSH
// server (wharfd or OpenSSH), over the sans-I/O client engine. Transfers are pipelined
// (--requests, --request-size). A failed operation exits 1 naming the operation and the SSH_FX
// status; connection trouble exits 255, usage errors 2.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "daemon/cli/commands.hpp"
#include "daemon/cli/sftp_session.hpp"
#include "daemon/cli/ssh_client.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"

namespace wharf::cli {

namespace {

int usage() {
    fmt::print(stderr,
               "usage: wharf sftp [-p PORT] [-i KEY]... [--password-env VAR]\n"
               "                  [--known-hosts FILE | --fingerprint SHA256:... | --accept-any-host-key]\n"
               "                  [--sftp-version 3..6] [--requests N] [--request-size BYTES]\n"
               "                  COMMAND USER@HOST ARGS...\n"
               "commands: put LOCAL REMOTE | get REMOTE LOCAL | ls [-l] REMOTE | stat REMOTE |\n"
               "          rm REMOTE | mkdir REMOTE | rmdir REMOTE | mv OLD NEW\n");
    return 2;
}

struct Invocation {
    SshClientOptions ssh;
    sftp::ClientConfig engine;
    sftp::TransferOptions transfer;
    std::string command;
    std::vector<std::string> args;
};

// An operation on the server failed: exit 1 with "wharf sftp: OPERATION PATH: SSH_FX_... (...)".
class OperationFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

template <class T>
T checked(sftp::ClientResult<T> result, const std::string& operation) {
    if (!result) throw OperationFailed(operation + ": " + sftp::describe(result.failure()));
    if constexpr (!std::is_void_v<T>) return std::move(result.value());
}

template <class Number>
bool parse_number(std::string_view text, Number& out) {
    return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc{} && !text.empty();
}

// Options, then COMMAND, then USER@HOST, then the command's arguments.
std::optional<Invocation> parse(std::span<const std::string_view> args) {
    Invocation run;
    std::size_t i = 0;
    for (; i < args.size() && args[i].starts_with("-"); ++i) {
        const auto option = args[i];
        if (option == "--accept-any-host-key" || option == "--insecure-accept-any-host-key") {
            run.ssh.host_key.accept_any = true;
            continue;
        }
        if (i + 1 >= args.size()) return std::nullopt;
        const auto v = args[++i];
        bool ok = true;
        if (option == "-p") {
            ok = parse_number(v, run.ssh.port);
        } else if (option == "-i") {
            run.ssh.identity_files.emplace_back(v);
        } else if (option == "--password-env") {
            const char* password = std::getenv(std::string(v).c_str());
            if (!password) {
                fmt::print(stderr, "wharf sftp: environment variable {} is not set\n", v);
                return std::nullopt;
            }
            run.ssh.password = password;
        } else if (option == "--known-hosts") {
            run.ssh.host_key.known_hosts_file = v;
        } else if (option == "--fingerprint") {
            run.ssh.host_key.fingerprint = v;
        } else if (option == "--sftp-version") {
            ok = parse_number(v, run.engine.max_version) && run.engine.max_version >= sftp::kMinVersion &&
                 run.engine.max_version <= sftp::kMaxVersion;
        } else if (option == "--requests") {
            ok = parse_number(v, run.transfer.max_requests) && run.transfer.max_requests > 0;
        } else if (option == "--request-size") {
            ok = parse_number(v, run.transfer.request_size) && run.transfer.request_size > 0;
        } else {
            ok = false;
        }
        if (!ok) return std::nullopt;
    }
    if (i + 2 > args.size()) return std::nullopt;
    run.command = args[i++];
    // The command's own flags (ls -l) may come before USER@HOST or after it.
    for (; i < args.size() && args[i].starts_with("-"); ++i) run.args.emplace_back(args[i]);
    if (i >= args.size()) return std::nullopt;
    const auto target = args[i++];
    const auto at = target.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == target.size()) return std::nullopt;
    run.ssh.user = target.substr(0, at);
    run.ssh.host = target.substr(at + 1);
    for (; i < args.size(); ++i) run.args.emplace_back(args[i]);
    return run;
}

// ---- attributes as text -------------------------------------------------------------------

std::string_view type_name(sftp::FileType type) {
    switch (type) {
        case sftp::FileType::regular: return "regular";
        case sftp::FileType::directory: return "directory";
        case sftp::FileType::symlink: return "symlink";
        case sftp::FileType::special: return "special";
        case sftp::FileType::socket: return "socket";
        case sftp::FileType::char_device: return "char-device";
        case sftp::FileType::block_device: return "block-device";
        case sftp::FileType::fifo: return "fifo";
        case sftp::FileType::unknown: break;
    }
    return "unknown";
}

void print_time(std::string_view key, const std::optional<sftp::FileTime>& time) {
    if (!time) return;
    fmt::print("{}: {}\n", key, time->seconds);
    if (time->nanoseconds) fmt::print("{}_ns: {}\n", key, *time->nanoseconds);
}

// One `key: value` per line, so scripts can pick fields.
void print_attributes(std::uint32_t version, const sftp::FileAttributes& a) {
    fmt::print("version: {}\n", version);
    if (const auto type = a.file_type()) fmt::print("type: {}\n", type_name(*type));
    if (a.size) fmt::print("size: {}\n", *a.size);
    if (a.allocation_size) fmt::print("allocation_size: {}\n", *a.allocation_size);
    if (a.permissions) fmt::print("permissions: {:04o}\n", *a.permissions & 07777);
    if (a.uid_gid) fmt::print("uid: {}\ngid: {}\n", a.uid_gid->uid, a.uid_gid->gid);
    if (a.owner_group) fmt::print("owner: {}\ngroup: {}\n", a.owner_group->owner, a.owner_group->group);
    print_time("atime", a.atime);
    print_time("mtime", a.mtime);
    print_time("createtime", a.createtime);
    print_time("ctime", a.ctime);
    if (a.link_count) fmt::print("link_count: {}\n", *a.link_count);
    if (a.mime_type) fmt::print("mime_type: {}\n", *a.mime_type);
}

// "drwxr-xr-x" for a v4+ entry that has no ls -l line of its own.
std::string mode_string(const sftp::FileAttributes& a) {
    const auto type = a.file_type().value_or(sftp::FileType::unknown);
    std::string text = type == sftp::FileType::directory ? "d" : type == sftp::FileType::symlink ? "l" : "-";
    const std::uint32_t mode = a.permissions.value_or(0);
    for (int shift = 6; shift >= 0; shift -= 3) {
        text += (mode >> shift) & 4 ? 'r' : '-';
        text += (mode >> shift) & 2 ? 'w' : '-';
        text += (mode >> shift) & 1 ? 'x' : '-';
    }
    return text;
}

// ---- commands -----------------------------------------------------------------------------

// Owns a local file descriptor.
class UniqueFd {
public:
    explicit UniqueFd(int fd) : m_fd(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    [[nodiscard]] int get() const noexcept { return m_fd; }
    // Closes now; false if close(2) reported an error (a write that did not make it).
    bool reset() {
        const int fd = std::exchange(m_fd, -1);
        return fd < 0 || ::close(fd) == 0;
    }

private:
    int m_fd;
};

std::vector<sftp::NameEntry> list_directory(SftpSession& session, const std::string& path) {
    auto& engine = session.engine();
    const auto handle = checked(session.call<std::string>([&](auto done) { engine.opendir(path, std::move(done)); }),
                                "opendir " + path);
    std::vector<sftp::NameEntry> entries;
    while (true) {
        auto batch = session.call<std::vector<sftp::NameEntry>>([&](auto done) { engine.readdir(handle, std::move(done)); });
        if (!batch && batch.error() == sftp::StatusCode::eof) break;
        for (auto& entry : checked(std::move(batch), "readdir " + path)) entries.push_back(std::move(entry));
    }
    checked(session.call<void>([&](auto done) { engine.close(handle, std::move(done)); }), "close " + path);
    std::erase_if(entries, [](const sftp::NameEntry& e) { return e.filename == "." || e.filename == ".."; });
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.filename < b.filename; });
    return entries;
}

int run_ls(SftpSession& session, const std::vector<std::string>& args) {
    const bool long_format = !args.empty() && args[0] == "-l";
    if (args.size() != (long_format ? 2u : 1u)) return usage();
    for (const auto& entry : list_directory(session, args.back())) {
        if (!long_format) {
            fmt::print("{}\n", entry.filename);
        } else if (!entry.longname.empty()) {
            fmt::print("{}\n", entry.longname);
        } else {
            const auto& a = entry.attrs;
            fmt::print("{} {:>10} {:>12} {}\n", mode_string(a), a.size.value_or(0),
                       a.mtime ? a.mtime->seconds : 0, entry.filename);
        }
    }
    return 0;
}

// Servers announcing limits@openssh.com (wharfd, OpenSSH) say how much one READ returns and one
// WRITE may carry; requests larger than that would come back short or be refused.
enum class Direction { read, write };
sftp::TransferOptions fitted_to_server(SftpSession& session, sftp::TransferOptions options, Direction direction) {
    auto& engine = session.engine();
    if (!engine.server()->has_extension(sftp::Limits::kName)) return options;
    const auto limits = session.call<sftp::LimitsReply>([&](auto done) { engine.limits(std::move(done)); });
    if (!limits) return options;
    const std::uint64_t limit =
        direction == Direction::read ? limits.value().max_read_length : limits.value().max_write_length;
    if (limit > 0 && limit < options.request_size) options.request_size = static_cast<std::uint32_t>(limit);
    return options;
}

int run_put(SftpSession& session, const Invocation& run) {
    if (run.args.size() != 2) return usage();
    const std::string& local = run.args[0];
    const std::string& remote = run.args[1];
    const UniqueFd file(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
    struct ::stat info {};
    if (file.get() < 0 || ::fstat(file.get(), &info) != 0) {
        throw std::runtime_error("cannot open " + local + ": " + std::strerror(errno));
    }
    sftp::FileAttributes create;
    create.permissions = info.st_mode & 0777;
    auto source = [fd = file.get()](std::size_t max) -> std::optional<ssh::Bytes> {
        ssh::Bytes chunk(max);
        std::size_t filled = 0;
        while (filled < max) {
            const auto n = ::read(fd, chunk.data() + filled, max - filled);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return std::nullopt;
            if (n == 0) break;
            filled += static_cast<std::size_t>(n);
        }
        chunk.resize(filled);
        return chunk;
    };
    const auto options = fitted_to_server(session, run.transfer, Direction::write);
    const auto result = session.call<std::uint64_t>([&](auto done) {
        sftp::upload(session.engine(), remote, source, options, create, std::move(done));
    });
    const auto bytes = checked(result, "put " + remote);
    fmt::print("{} -> {}: {} bytes\n", local, remote, bytes);
    return 0;
}

// Downloads to LOCAL.part and renames it into place, so a failed get leaves no partial file.
int run_get(SftpSession& session, const Invocation& run) {
    if (run.args.size() != 2) return usage();
    const std::string& remote = run.args[0];
    const std::string& local = run.args[1];
    const std::string partial = local + ".part";
    UniqueFd file(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (file.get() < 0) throw std::runtime_error("cannot create " + partial + ": " + std::strerror(errno));
    auto sink = [fd = file.get()](std::uint64_t offset, ssh::ByteView data) {
        std::size_t written = 0;
        while (written < data.size()) {
            const auto n = ::pwrite(fd, data.data() + written, data.size() - written,
                                    static_cast<off_t>(offset + written));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            written += static_cast<std::size_t>(n);
        }
        return true;
    };
    std::optional<sftp::ClientResult<std::uint64_t>> result;
    try {
        const auto options = fitted_to_server(session, run.transfer, Direction::read);
        result = session.call<std::uint64_t>([&](auto done) {
            sftp::download(session.engine(), remote, sink, options, std::move(done));
        });
    } catch (...) {
        ::unlink(partial.c_str());
        throw;
    }
    const bool closed = file.reset();
    if (!*result || !closed || ::rename(partial.c_str(), local.c_str()) != 0) {
        const int error = errno;
        ::unlink(partial.c_str());
        if (*result) throw std::runtime_error("cannot write " + local + ": " + std::strerror(error));
    }
    const auto bytes = checked(std::move(*result), "get " + remote);
    fmt::print("{} -> {}: {} bytes\n", remote, local, bytes);
    return 0;
}

int run_stat(SftpSession& session, const Invocation& run) {
    if (run.args.size() != 1) return usage();
    auto& engine = session.engine();
    const auto attrs = checked(
        session.call<sftp::FileAttributes>([&](auto done) { engine.stat(run.args[0], std::move(done)); }),
        "stat " + run.args[0]);
    print_attributes(*engine.version(), attrs);
    return 0;
}

// rm, mkdir, rmdir, mv: one request answered by STATUS.
int run_simple(SftpSession& session, const Invocation& run) {
    auto& engine = session.engine();
    const auto& a = run.args;
    const auto expect = [&](std::size_t count) { return a.size() == count; };
    sftp::ClientResult<void> result;
    std::string operation = run.command + " " + (a.empty() ? "" : a[0]);
    if (run.command == "rm" && expect(1)) {
        result = session.call<void>([&](auto done) { engine.remove(a[0], std::move(done)); });
    } else if (run.command == "mkdir" && expect(1)) {
        result = session.call<void>([&](auto done) { engine.mkdir(a[0], {}, std::move(done)); });
    } else if (run.command == "rmdir" && expect(1)) {
        result = session.call<void>([&](auto done) { engine.rmdir(a[0], std::move(done)); });
    } else if (run.command == "mv" && expect(2)) {
        result = session.call<void>([&](auto done) { engine.rename(a[0], a[1], 0, std::move(done)); });
    } else {
        return usage();
    }
    checked(std::move(result), operation);
    return 0;
}

int run_command(SftpSession& session, const Invocation& run) {
    if (run.command == "put") return run_put(session, run);
    if (run.command == "get") return run_get(session, run);
    if (run.command == "ls") return run_ls(session, run.args);
    if (run.command == "stat") return run_stat(session, run);
    return run_simple(session, run);
}

bool known_command(std::string_view command) {
    for (const char* name : {"put", "get", "ls", "stat", "rm", "mkdir", "rmdir", "mv"}) {
        if (command == name) return true;
    }
    return false;
}

}  // namespace

int sftp_client(std::span<const std::string_view> args) {
    auto run = parse(args);
    if (!run || !known_command(run->command)) return usage();
    try {
        SshClient client(run->ssh);
        client.connect();
        SftpSession session(client, run->engine);
        const int status = run_command(session, *run);
        client.disconnect();
        return status;
    } catch (const OperationFailed& e) {
        fmt::print(stderr, "wharf sftp: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wharf sftp: {}\n", e.what());
        return 255;
    }
}

}  // namespace wharf::cli
