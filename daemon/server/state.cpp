#include "daemon/server/state.hpp"

#include <botan/auto_rng.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "daemon/logging/log.hpp"
#include "daemon/server/key_files.hpp"
#include "protocols/ssh/key_file.hpp"

namespace wharf::daemon {

namespace {

struct DefaultHostKey {
    ssh::KeyType type;
    const char* file;
};

// The set OpenSSH's ssh-keygen -A makes, minus DSA; order is the preference on the wire.
constexpr std::array<DefaultHostKey, 3> default_host_keys{{
    {ssh::KeyType::ed25519, "ssh_host_ed25519_key"},
    {ssh::KeyType::ecdsa_p256, "ssh_host_ecdsa_key"},
    {ssh::KeyType::rsa, "ssh_host_rsa_key"},
}};
constexpr std::size_t host_rsa_bits = 3072;

void ensure_state_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot create state_dir {}: {}", dir.string(), ec.message()));
    if (::chmod(dir.c_str(), 0700) != 0) {
        throw std::runtime_error(fmt::format("cannot set mode 0700 on state_dir {}", dir.string()));
    }
}

}  // namespace

std::vector<std::filesystem::path> host_key_files(const config::Config& config) {
    if (config.ssh && !config.ssh->host_keys.empty()) return config.ssh->host_keys;
    std::vector<std::filesystem::path> files;
    for (const auto& key : default_host_keys) files.push_back(config.server.state_dir / key.file);
    return files;
}

std::vector<ssh::PrivateKey> prepare_state(const config::Config& config) {
    ensure_state_dir(config.server.state_dir);
    std::vector<ssh::PrivateKey> keys;
    if (!config.ssh) return keys;
    if (config.ssh->host_keys.empty()) {
        Botan::AutoSeeded_RNG rng;
        for (const auto& spec : default_host_keys) {
            const auto path = config.server.state_dir / spec.file;
            if (std::filesystem::exists(path)) continue;
            auto key = ssh::PrivateKey::generate(spec.type, rng, host_rsa_bits);
            key.set_comment(fmt::format("wharfd host key"));
            write_key_pair(path, key, rng);
            log::info("ssh.host_key.generated").path(path.string()).field("type", key.public_key().type_name())
                .field("fingerprint", key.public_key().fingerprint_sha256());
        }
    }
    for (const auto& path : host_key_files(config)) {
        auto key = read_private_key_file(path);
        log::debug("ssh.host_key.loaded").path(path.string()).field("type", key.public_key().type_name())
            .field("fingerprint", key.public_key().fingerprint_sha256());
        keys.push_back(std::move(key));
    }
    return keys;
}

}  // namespace wharf::daemon
