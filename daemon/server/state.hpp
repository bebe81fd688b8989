// The state directory (server.state_dir) and the SSH host keys wharfd keeps there.
#pragma once

#include <filesystem>
#include <vector>

#include "config/config.hpp"
#include "protocols/ssh/key.hpp"

namespace wharf::daemon {

/// The host key files a config uses: its explicit `ssh.host_keys`, or the default set
/// (ed25519, ecdsa-p256, rsa-3072) in state_dir.
std::vector<std::filesystem::path> host_key_files(const config::Config& config);

/// Creates state_dir (mode 0700) and, when SSH is on and no keys are configured, generates
/// any missing default host key (OpenSSH format, mode 0600, with a .pub beside it). Then
/// loads every host key, so a broken key fails start-up or reload instead of a handshake.
/// Throws std::runtime_error naming the file on any failure.
std::vector<ssh::PrivateKey> prepare_state(const config::Config& config);

}  // namespace wharf::daemon
