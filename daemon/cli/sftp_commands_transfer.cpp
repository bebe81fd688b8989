// `wharf sftp` transfers: put and get.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "daemon/cli/sftp_commands.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"

namespace wharf::cli {

namespace {

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

// Servers announcing limits@openssh.com (wharfd, OpenSSH) say how much one READ returns and one
// WRITE may carry; requests larger than that would come back short or be refused.
enum class Direction { read, write };
sftp::TransferOptions fitted_to_server(SftpContext& context, sftp::TransferOptions options, Direction direction) {
    auto& engine = context.engine();
    if (!engine.server()->has_extension(sftp::Limits::kName)) return options;
    const auto limits = context.session().call<sftp::LimitsReply>([&](auto done) { engine.limits(std::move(done)); });
    if (!limits) return options;
    const std::uint64_t limit =
        direction == Direction::read ? limits.value().max_read_length : limits.value().max_write_length;
    if (limit > 0 && limit < options.request_size) options.request_size = static_cast<std::uint32_t>(limit);
    return options;
}

void run_put(SftpContext& context, const CommandArgs& args) {
    const std::string& local = args.positional[0];
    const std::string remote = context.remote(args.positional[1]);
    const UniqueFd file(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
    struct ::stat info {};
    if (file.get() < 0 || ::fstat(file.get(), &info) != 0) {
        throw OperationFailed("put " + local + ": cannot open: " + std::strerror(errno));
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
    const auto options = fitted_to_server(context, context.options().transfer.pipeline, Direction::write);
    const auto result = context.session().call<std::uint64_t>([&](auto done) {
        sftp::upload(context.engine(), remote, source, options, create, std::move(done));
    });
    const auto bytes = checked(result, "put " + remote);
    fmt::print("{} -> {}: {} bytes\n", local, remote, bytes);
}

// Downloads to LOCAL.part and renames it into place, so a failed get leaves no partial file.
void run_get(SftpContext& context, const CommandArgs& args) {
    const std::string remote = context.remote(args.positional[0]);
    const std::string& local = args.positional[1];
    const std::string partial = local + ".part";
    UniqueFd file(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (file.get() < 0) throw OperationFailed("get " + remote + ": cannot create " + partial + ": " + std::strerror(errno));
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
        const auto options = fitted_to_server(context, context.options().transfer.pipeline, Direction::read);
        result = context.session().call<std::uint64_t>([&](auto done) {
            sftp::download(context.engine(), remote, sink, options, std::move(done));
        });
    } catch (...) {
        ::unlink(partial.c_str());
        throw;
    }
    const bool closed = file.reset();
    if (!*result || !closed || ::rename(partial.c_str(), local.c_str()) != 0) {
        const int error = errno;
        ::unlink(partial.c_str());
        if (*result) throw OperationFailed("get " + remote + ": cannot write " + local + ": " + std::strerror(error));
    }
    const auto bytes = checked(std::move(*result), "get " + remote);
    fmt::print("{} -> {}: {} bytes\n", remote, local, bytes);
}

const std::array kCommands{
    CommandSpec{"put", "put LOCAL REMOTE", {}, {}, 2, 2, run_put},
    CommandSpec{"get", "get REMOTE LOCAL", {}, {}, 2, 2, run_get},
};

}  // namespace

std::span<const CommandSpec> transfer_commands() { return kCommands; }

}  // namespace wharf::cli
