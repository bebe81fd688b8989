#include "config/detail/ssh_algorithms.hpp"

#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/mac.hpp"

namespace wharf::config::detail {

SshAlgorithmNames ssh_algorithm_names() {
    SshAlgorithmNames names;
    for (const auto& method : ssh::kex_methods()) names.kex.emplace_back(method.name);
    names.host_keys = ssh::default_host_key_algorithms(true);
    for (const auto& cipher : ssh::all_ciphers()) names.ciphers.emplace_back(cipher.name);
    for (const auto& mac : ssh::all_macs()) names.macs.emplace_back(mac.name);
    names.compression = ssh::all_compressions();
    return names;
}

}  // namespace wharf::config::detail
