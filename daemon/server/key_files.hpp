// Private key files on disk: written with mode 0600 without a window where they are readable
// by others, and read back with a clear error naming the file.
#pragma once

#include <filesystem>
#include <string_view>

#include "protocols/ssh/key.hpp"

namespace wharf::daemon {

/// Writes `path` (OpenSSH format, 0600, created exclusively) and `path`.pub (0644).
/// Throws std::runtime_error if either exists or cannot be written.
void write_key_pair(const std::filesystem::path& path, const ssh::PrivateKey& key,
                    Botan::RandomNumberGenerator& rng, std::string_view passphrase = {});

/// Reads any private key format ssh::parse_private_key understands; throws std::runtime_error
/// with the file name on failure.
ssh::PrivateKey read_private_key_file(const std::filesystem::path& path, std::string_view passphrase = {});

}  // namespace wharf::daemon
