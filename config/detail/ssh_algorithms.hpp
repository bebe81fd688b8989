// The algorithm names the SSH library implements, for validating ssh.* lists at load time.
#pragma once

#include <string>
#include <vector>

namespace wharf::config::detail {

struct SshAlgorithmNames {
    std::vector<std::string> kex;
    std::vector<std::string> host_keys;
    std::vector<std::string> ciphers;
    std::vector<std::string> macs;
    std::vector<std::string> compression;
};

SshAlgorithmNames ssh_algorithm_names();

}  // namespace wharf::config::detail
