#include "daemon/listeners/startup_limiter.hpp"

namespace wharf::daemon {

// OpenSSH's rule: below `start` always admit; at `full` or more always drop; in between drop
// with a probability rising linearly from rate% to 100%.
bool StartupLimiter::early_drop(const config::SshSettings::Startups& startups) {
    if (m_total < startups.start) return false;
    if (m_total >= startups.full) return true;
    const double span = startups.full - startups.start;
    const double progress = span > 0 ? (m_total - startups.start) / span : 1.0;
    const double probability = (startups.rate + (100.0 - startups.rate) * progress) / 100.0;
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random) < probability;
}

bool StartupLimiter::admit(const std::string& source, const config::SshSettings& limits) {
    std::lock_guard lock(m_mutex);
    const auto it = m_per_source.find(source);
    const unsigned from_source = it == m_per_source.end() ? 0 : it->second;
    if (limits.per_source_max_startups != 0 && from_source >= limits.per_source_max_startups) return false;
    if (early_drop(limits.max_startups)) return false;
    ++m_total;
    ++m_per_source[source];
    return true;
}

void StartupLimiter::release(const std::string& source) {
    std::lock_guard lock(m_mutex);
    const auto it = m_per_source.find(source);
    if (it == m_per_source.end()) return;
    if (--it->second == 0) m_per_source.erase(it);
    if (m_total > 0) --m_total;
}

unsigned StartupLimiter::unauthenticated() const {
    std::lock_guard lock(m_mutex);
    return m_total;
}

}  // namespace wharf::daemon
