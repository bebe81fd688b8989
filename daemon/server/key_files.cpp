#include "daemon/server/key_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "protocols/ssh/key_file.hpp"

namespace wharf::daemon {

namespace {

void write_new_file(const std::filesystem::path& path, std::string_view content, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        throw std::runtime_error(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
    }
    std::size_t written = 0;
    while (written < content.size()) {
        const auto n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            ::unlink(path.c_str());
            throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(path.c_str());
        throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
}

}  // namespace

void write_key_pair(const std::filesystem::path& path, const ssh::PrivateKey& key,
                    Botan::RandomNumberGenerator& rng, std::string_view passphrase) {
    auto public_path = path;
    public_path += ".pub";
    write_new_file(path, ssh::write_openssh_private_key(key, rng, passphrase), 0600);
    std::error_code ec;
    std::filesystem::remove(public_path, ec);  // a stale .pub must not contradict the new key
    write_new_file(public_path, key.public_key().to_openssh(key.comment()) + "\n", 0644);
}

ssh::PrivateKey read_private_key_file(const std::filesystem::path& path, std::string_view passphrase) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("cannot read key file {}", path.string()));
    std::stringstream text;
    text << in.rdbuf();
    try {
        return ssh::parse_private_key(text.str(), passphrase);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("key file {}: {}", path.string(), e.what()));
    }
}

}  // namespace wharf::daemon
