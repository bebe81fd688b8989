// What the client and server authentication layers share: service names and wiping secrets.
#pragma once

#include <botan/mem_ops.h>

#include <string>
#include <string_view>

#include "protocols/ssh/wire.hpp"

namespace wharf::ssh::detail {

inline constexpr std::string_view userauth_service = "ssh-userauth";
inline constexpr std::string_view connection_service = "ssh-connection";

// Overwrites a secret's whole buffer (capacity included: a moved-from short string keeps its
// bytes in the inline buffer) before clearing it.
inline void wipe(std::string& secret) {
    Botan::secure_scrub_memory(secret.data(), secret.capacity());
    secret.clear();
}

inline void wipe(Bytes& secret) {
    Botan::secure_scrub_memory(secret.data(), secret.capacity());
    secret.clear();
}

}  // namespace wharf::ssh::detail
