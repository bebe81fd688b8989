// OFTP protocol release levels (RFC 5024 section 5.3.2, SSIDLEV) and what each level has.
//
// Level codes on the wire: '1' = 1.2, '2' = 1.3, '4' = 1.4, '5' = 2.0. RFC 2204, which
// describes 1.3, sends '1' all the same; 1.2 and RFC 2204's 1.3 share every command layout, so
// a '1' is read as 1.2 and nothing is lost. The peers negotiate the lower of their levels.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::oftp {

enum class ProtocolLevel : std::uint8_t { v1_2 = 1, v1_3 = 2, v1_4 = 4, v2_0 = 5 };

inline constexpr ProtocolLevel kAllLevels[] = {ProtocolLevel::v1_2, ProtocolLevel::v1_3,
                                               ProtocolLevel::v1_4, ProtocolLevel::v2_0};

// The SSIDLEV digit: '1', '2', '4' or '5'.
[[nodiscard]] char level_code(ProtocolLevel level) noexcept;

// The level an SSIDLEV digit stands for. Digits above '5' are future levels (RFC 5024: "future
// release levels will have higher numbers", negotiated down), read as 2.0. '0', '3' and
// anything that is not a digit: nullopt.
[[nodiscard]] std::optional<ProtocolLevel> level_from_code(char code) noexcept;

// "1.2", "1.3", "1.4", "2.0".
[[nodiscard]] std::string_view level_name(ProtocolLevel level) noexcept;

// The negotiated level: the lower of the two.
[[nodiscard]] ProtocolLevel lower_level(ProtocolLevel a, ProtocolLevel b) noexcept;

// What a level has (RFC 5024 section 1.2 lists what 1.4 and 2.0 added).
// 1.4+: CCYYMMDD dates and HHMMSScccc times in SFID/EERP (1.x before it: YYMMDD, HHMMSS).
[[nodiscard]] bool has_extended_timestamps(ProtocolLevel level) noexcept;
// 1.4+: the NERP command and SFNA/EFNA reason 14 (file direction refused).
[[nodiscard]] bool has_nerp(ProtocolLevel level) noexcept;
// 2.0: SSIDAUTH, SECD, AUCH, AURP.
[[nodiscard]] bool has_secure_authentication(ProtocolLevel level) noexcept;
// 2.0: reason texts in SFNA, EFNA, ESID and NERP; SFIDDESC; EERP/NERP hash and signature;
// SFIDOSIZ, SFIDSEC, SFIDCIPH, SFIDCOMP, SFIDENV, SFIDSIGN; 17-digit counts and positions.
[[nodiscard]] bool is_v2(ProtocolLevel level) noexcept;

// Widths of the numeric fields that grew in 2.0.
struct CountWidths {
    std::size_t file_size;      // SFIDFSIZ (and SFIDOSIZ in 2.0): 7, 13
    std::size_t restart;        // SFIDREST, SFPAACNT: 9, 17
    std::size_t record_count;   // EFIDRCNT: 9, 17
    std::size_t unit_count;     // EFIDUCNT: 12, 17
};
[[nodiscard]] CountWidths count_widths(ProtocolLevel level) noexcept;

// The largest value a numeric field of `digits` digits holds (9, 99, ..., 10^digits - 1).
[[nodiscard]] std::uint64_t max_for_digits(std::size_t digits) noexcept;

}  // namespace wharf::oftp
