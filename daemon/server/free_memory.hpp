// Gives memory that ended sessions freed back to the system.
#pragma once

namespace wharf::daemon {

/// glibc keeps freed heap memory for reuse, per thread arena; after a burst of transfers
/// (each session's buffers run to megabytes) the daemon's RSS would stay at its peak.
/// malloc_trim releases it; at most once a second, since it walks every arena.
void return_free_memory() noexcept;

}  // namespace wharf::daemon
