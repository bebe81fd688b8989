#include "config/units.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace wharf::config {

namespace {

// Reads leading digits; nullopt when there are none or the value overflows.
std::optional<std::uint64_t> take_number(std::string_view& text) {
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    return value;
}

std::string_view take_unit(std::string_view& text) {
    std::size_t length = 0;
    while (length < text.size() && std::isalpha(static_cast<unsigned char>(text[length]))) ++length;
    const auto unit = text.substr(0, length);
    text.remove_prefix(length);
    return unit;
}

bool multiply(std::uint64_t value, std::uint64_t factor, std::uint64_t& out) {
    if (factor != 0 && value > std::numeric_limits<std::uint64_t>::max() / factor) return false;
    out = value * factor;
    return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t total_ms = 0;
    while (!text.empty()) {
        const auto number = take_number(text);
        if (!number) return std::nullopt;
        const auto unit = take_unit(text);
        std::uint64_t factor = 0;
        if (unit == "ms") factor = 1;
        else if (unit.empty() || unit == "s") factor = 1000;
        else if (unit == "m") factor = 60'000;
        else if (unit == "h") factor = 3'600'000;
        else if (unit == "d") factor = 86'400'000;
        else return std::nullopt;
        if (unit.empty() && !text.empty()) return std::nullopt;  // "10 5s"
        std::uint64_t part = 0;
        if (!multiply(*number, factor, part) || total_ms > (1ull << 62) - part) return std::nullopt;
        total_ms += part;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(total_ms));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    auto number = take_number(text);
    if (!number) return std::nullopt;
    std::string unit(text);
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() == 3 && unit[1] == 'I' && unit[2] == 'B') unit.resize(1);  // KiB
    else if (unit.size() == 2 && unit[1] == 'B') unit.resize(1);               // KB
    unsigned shift = 0;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "K") shift = 10;
    else if (unit == "M") shift = 20;
    else if (unit == "G") shift = 30;
    else if (unit == "T") shift = 40;
    else return std::nullopt;
    std::uint64_t bytes = 0;
    if (!multiply(*number, std::uint64_t{1} << shift, bytes)) return std::nullopt;
    return bytes;
}

}  // namespace wharf::config
