#include "daemon/vfs/quota.hpp"

#include <algorithm>
#include <system_error>

namespace wharf::vfs {
namespace {

bool fits(std::uint64_t used, std::uint64_t add, std::uint64_t limit) noexcept {
    return limit == 0 || (add <= limit && used <= limit - add);
}

std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) noexcept {
    return a > b ? a - b : 0;
}

bool lies_within(const std::filesystem::path& path, const std::filesystem::path& root) {
    return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

// Canonical roots, without those inside another root.
std::vector<std::filesystem::path> distinct_roots(const std::vector<std::filesystem::path>& roots) {
    std::vector<std::filesystem::path> canonical;
    for (const auto& root : roots) {
        std::error_code ec;
        auto path = std::filesystem::canonical(root, ec);
        if (!ec) canonical.push_back(std::move(path));
    }
    std::sort(canonical.begin(), canonical.end());
    canonical.erase(std::unique(canonical.begin(), canonical.end()), canonical.end());
    std::vector<std::filesystem::path> distinct;
    for (const auto& path : canonical) {
        const bool nested = std::any_of(distinct.begin(), distinct.end(), [&](const auto& kept) {
            return lies_within(path, kept);
        });
        if (!nested) distinct.push_back(path);
    }
    return distinct;
}

}  // namespace

QuotaLimits QuotaTracker::limits() const {
    const std::lock_guard lock(m_mutex);
    return m_limits;
}

void QuotaTracker::set_limits(QuotaLimits limits) {
    const std::lock_guard lock(m_mutex);
    m_limits = limits;
}

QuotaUsage QuotaTracker::usage() const {
    const std::lock_guard lock(m_mutex);
    return m_usage;
}

void QuotaTracker::set_usage(QuotaUsage usage) {
    const std::lock_guard lock(m_mutex);
    m_usage = usage;
}

Result<void> QuotaTracker::reserve(std::uint64_t bytes, std::uint64_t files) {
    const std::lock_guard lock(m_mutex);
    if (!fits(m_usage.bytes, bytes, m_limits.bytes) || !fits(m_usage.files, files, m_limits.files)) {
        return Errc::quota_exceeded;
    }
    m_usage.bytes += bytes;
    m_usage.files += files;
    return {};
}

void QuotaTracker::charge(std::uint64_t bytes, std::uint64_t files) {
    const std::lock_guard lock(m_mutex);
    m_usage.bytes += bytes;
    m_usage.files += files;
}

void QuotaTracker::release(std::uint64_t bytes, std::uint64_t files) {
    const std::lock_guard lock(m_mutex);
    m_usage.bytes = saturating_sub(m_usage.bytes, bytes);
    m_usage.files = saturating_sub(m_usage.files, files);
}

std::optional<std::uint64_t> QuotaTracker::bytes_left() const {
    const std::lock_guard lock(m_mutex);
    if (m_limits.bytes == 0) return std::nullopt;
    return saturating_sub(m_limits.bytes, m_usage.bytes);
}

std::optional<std::uint64_t> QuotaTracker::files_left() const {
    const std::lock_guard lock(m_mutex);
    if (m_limits.files == 0) return std::nullopt;
    return saturating_sub(m_limits.files, m_usage.files);
}

QuotaUsage QuotaTracker::scan(const std::vector<std::filesystem::path>& roots) {
    namespace fs = std::filesystem;
    QuotaUsage usage;
    for (const fs::path& root : distinct_roots(roots)) {
        std::error_code ec;
        fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
        for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code entry_ec;
            const fs::file_status status = it->symlink_status(entry_ec);
            if (entry_ec || !fs::is_regular_file(status)) continue;
            const std::uintmax_t size = it->file_size(entry_ec);
            if (entry_ec) continue;
            usage.bytes += size;
            usage.files += 1;
        }
    }
    return usage;
}

std::shared_ptr<QuotaTracker> QuotaRegistry::tracker_for(
    const std::string& user, QuotaLimits limits, const std::vector<std::filesystem::path>& roots) {
    const std::lock_guard lock(m_mutex);
    Entry& entry = m_trackers[user];
    auto tracker = entry.tracker.lock();
    if (!tracker) {
        tracker = std::make_shared<QuotaTracker>(limits);
        entry = Entry{tracker, false};
    } else {
        tracker->set_limits(limits);
    }
    // Scanning under the registry lock keeps two first sessions from scanning twice; it
    // only delays other logins while a user's tree is first measured.
    if (!entry.scanned && !limits.unlimited()) {
        tracker->set_usage(QuotaTracker::scan(roots));
        entry.scanned = true;
    }
    // Drop entries whose sessions are all gone so the map does not grow forever.
    std::erase_if(m_trackers, [](const auto& item) { return item.second.tracker.expired(); });
    return tracker;
}

std::shared_ptr<QuotaTracker> QuotaRegistry::tracker_for(const std::string& user,
                                                         const UserPolicy& policy) {
    return tracker_for(user, policy.quota, writable_roots(policy));
}

std::vector<std::filesystem::path> QuotaRegistry::writable_roots(const UserPolicy& policy) {
    std::vector<std::filesystem::path> roots;
    for (const MountSpec& mount : policy.mounts) {
        if (!mount.read_only) roots.push_back(mount.source);
    }
    return roots;
}

}  // namespace wharf::vfs
