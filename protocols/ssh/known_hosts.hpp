// OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): how a client decides
// whether a server's host key is the one it expects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/ssh/key.hpp"

namespace wharf::ssh {

enum class KnownHostStatus {
    trusted,   ///< a line names this host with exactly this key
    changed,   ///< the host is listed, but only with other keys: refuse (possible MITM)
    revoked,   ///< the key is marked @revoked
    unknown,   ///< the host is not listed
};

/// Looks `host` (with `port`; 22 is written bare, others as [host]:port) up in known_hosts
/// text. Understands comma-separated patterns with * and ? wildcards and ! negation, hashed
/// names (|1|salt|hmac), @revoked; skips @cert-authority lines and lines it cannot parse.
KnownHostStatus check_known_host(std::string_view known_hosts, std::string_view host, std::uint16_t port,
                                 const PublicKey& key);

/// The name known_hosts uses for a host and port ("example.com", "[example.com]:2222").
std::string known_host_name(std::string_view host, std::uint16_t port);

}  // namespace wharf::ssh
