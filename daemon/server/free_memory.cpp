#include "daemon/server/free_memory.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>

namespace wharf::daemon {

void return_free_memory() noexcept {
    using Clock = std::chrono::steady_clock;
    static std::atomic<Clock::rep> last{0};
    const auto now = Clock::now().time_since_epoch().count();
    auto previous = last.load(std::memory_order_relaxed);
    const auto one_second = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count();
    if (now - previous < one_second) return;
    if (!last.compare_exchange_strong(previous, now, std::memory_order_relaxed)) return;  // another thread does it
    malloc_trim(0);
}

}  // namespace wharf::daemon
