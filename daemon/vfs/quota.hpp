// Byte and file quotas. One QuotaTracker per user, shared (shared_ptr) by all of that
// user's sessions and threads; every change that grows or shrinks the user's data goes
// through it, and growth is reserved before it happens so a refused write never lands.
//
// Accounting is by name: each regular file name counts once with its st_size (a file
// with two hard links counts twice, as the scan sees it). Directories and symlinks are
// free. While an atomic upload replaces a file, old and new content both count until the
// commit, because both are on disk.
#pragma once

#include "daemon/vfs/policy.hpp"
#include "daemon/vfs/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wharf::vfs {

struct QuotaUsage {
    std::uint64_t bytes = 0;
    std::uint64_t files = 0;
    friend bool operator==(const QuotaUsage&, const QuotaUsage&) = default;
};

class QuotaTracker {
public:
    explicit QuotaTracker(QuotaLimits limits = {}, QuotaUsage usage = {}) noexcept
        : m_limits(limits), m_usage(usage) {}
    QuotaTracker(const QuotaTracker&) = delete;
    QuotaTracker& operator=(const QuotaTracker&) = delete;

    QuotaLimits limits() const;
    void set_limits(QuotaLimits limits);
    QuotaUsage usage() const;
    void set_usage(QuotaUsage usage);

    /// Adds `bytes` and `files` if both stay within the limits; otherwise changes nothing
    /// and returns Errc::quota_exceeded.
    Result<void> reserve(std::uint64_t bytes, std::uint64_t files);
    /// Adds unconditionally, for growth that has already happened.
    void charge(std::uint64_t bytes, std::uint64_t files);
    /// Subtracts, stopping at zero.
    void release(std::uint64_t bytes, std::uint64_t files);

    /// What may still be added; nullopt when that dimension is unlimited.
    std::optional<std::uint64_t> bytes_left() const;
    std::optional<std::uint64_t> files_left() const;

    /// Sums the regular files below `roots` without following symlinks. A root inside
    /// another root is counted once. Unreadable directories are skipped.
    static QuotaUsage scan(const std::vector<std::filesystem::path>& roots);

private:
    mutable std::mutex m_mutex;
    QuotaLimits m_limits;
    QuotaUsage m_usage;
};

/// Hands out one tracker per user name, alive while any session holds it.
class QuotaRegistry {
public:
    /// The tracker of `user`. A new tracker is initialised by scanning `roots` when
    /// `limits` are not unlimited (an unlimited user is not scanned; a tracker that gains
    /// limits later is scanned then). An existing tracker takes the new `limits`.
    std::shared_ptr<QuotaTracker> tracker_for(const std::string& user, QuotaLimits limits,
                                              const std::vector<std::filesystem::path>& roots);

    /// tracker_for(user, policy.quota, writable_roots(policy)).
    std::shared_ptr<QuotaTracker> tracker_for(const std::string& user, const UserPolicy& policy);

    /// The sources of the policy's writable mounts: what the quota covers.
    static std::vector<std::filesystem::path> writable_roots(const UserPolicy& policy);

private:
    struct Entry {
        std::weak_ptr<QuotaTracker> tracker;
        bool scanned = false;
    };
    std::mutex m_mutex;
    std::map<std::string, Entry, std::less<>> m_trackers;
};

}  // namespace wharf::vfs
