#include "protocols/oftp/level.hpp"

#include <algorithm>

namespace wharf::oftp {

char level_code(ProtocolLevel level) noexcept {
    return static_cast<char>('0' + static_cast<int>(level));
}

std::optional<ProtocolLevel> level_from_code(char code) noexcept {
    switch (code) {
        case '1': return ProtocolLevel::v1_2;
        case '2': return ProtocolLevel::v1_3;
        case '4': return ProtocolLevel::v1_4;
        case '5': case '6': case '7': case '8': case '9': return ProtocolLevel::v2_0;
        default: return std::nullopt;
    }
}

std::string_view level_name(ProtocolLevel level) noexcept {
    switch (level) {
        case ProtocolLevel::v1_2: return "1.2";
        case ProtocolLevel::v1_3: return "1.3";
        case ProtocolLevel::v1_4: return "1.4";
        case ProtocolLevel::v2_0: return "2.0";
    }
    return "?";
}

ProtocolLevel lower_level(ProtocolLevel a, ProtocolLevel b) noexcept { return std::min(a, b); }

bool has_extended_timestamps(ProtocolLevel level) noexcept { return level >= ProtocolLevel::v1_4; }
bool has_nerp(ProtocolLevel level) noexcept { return level >= ProtocolLevel::v1_4; }
bool has_secure_authentication(ProtocolLevel level) noexcept { return is_v2(level); }
bool is_v2(ProtocolLevel level) noexcept { return level >= ProtocolLevel::v2_0; }

CountWidths count_widths(ProtocolLevel level) noexcept {
    if (is_v2(level)) {
        return {13, 17, 17, 17};
    }
    return {7, 9, 9, 12};
}

std::uint64_t max_for_digits(std::size_t digits) noexcept {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < digits && i < 19; ++i) {
        value = value * 10 + 9;
    }
    return value;
}

}  // namespace wharf::oftp
