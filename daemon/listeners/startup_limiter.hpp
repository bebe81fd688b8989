// Caps unauthenticated SSH connections, globally with OpenSSH's MaxStartups random early drop
// and per source address, so a flood of half-open logins cannot starve real users.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "config/config.hpp"

namespace wharf::daemon {

class StartupLimiter {
public:
    /// Admits a new unauthenticated connection from `source` under `limits`, counting it;
    /// false means drop it now. The caller calls release() exactly once for each admission
    /// (at authentication or disconnect, whichever comes first).
    bool admit(const std::string& source, const config::SshSettings& limits);
    void release(const std::string& source);
    unsigned unauthenticated() const;

private:
    bool early_drop(const config::SshSettings::Startups& startups);

    mutable std::mutex m_mutex;
    unsigned m_total = 0;
    std::map<std::string, unsigned, std::less<>> m_per_source;
    std::minstd_rand m_random{std::random_device{}()};
};

}  // namespace wharf::daemon
