// Human units in the configuration: durations ("30s", "15m", "1h30m", "250ms") and
// sizes ("64K", "10G", "1.5M" is refused: sizes are whole numbers of a unit).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::config {

/// Units: ms, s, m, h, d; a bare number means seconds. Components may be chained ("1h30m").
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Units: B, K/KB/KiB, M, G, T (binary multiples, as OpenSSH and SFTPGo read them).
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace wharf::config
