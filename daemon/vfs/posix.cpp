#include "daemon/vfs/posix.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <random>

namespace wharf::vfs {

std::string proc_fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

Result<std::string> fd_real_path(int fd) {
    return read_link(AT_FDCWD, proc_fd_path(fd).c_str());
}

Result<struct stat> stat_fd(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return last_error();
    return st;
}

Result<struct stat> stat_at(int dirfd, const std::string& name) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_error();
    return st;
}

Result<std::string> read_link(int dirfd, const char* name) {
    std::string target(256, '\0');
    for (;;) {
        const ssize_t n = ::readlinkat(dirfd, name, target.data(), target.size());
        if (n < 0) {
            if (errno == EINVAL) return Errc::invalid_argument;  // not a symlink
            return last_error();
        }
        if (static_cast<std::size_t>(n) < target.size()) {
            target.resize(static_cast<std::size_t>(n));
            return target;
        }
        if (target.size() >= 65536) return Errc::invalid_name;
        target.resize(target.size() * 2);
    }
}

unsigned process_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("Umask:")) return static_cast<unsigned>(std::stoul(line.substr(6), nullptr, 8));
    }
    return 022;
}

std::string random_token() {
    std::array<std::uint8_t, 8> bytes{};
    if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
        std::random_device device;  // getrandom is missing or interrupted; still unpredictable
        for (auto& b : bytes) b = static_cast<std::uint8_t>(device());
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string token;
    for (const std::uint8_t b : bytes) {
        token += digits[b >> 4];
        token += digits[b & 0xf];
    }
    return token;
}

}  // namespace wharf::vfs
