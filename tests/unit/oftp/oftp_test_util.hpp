// Helpers for the OFTP codec tests. Expected buffers are written field by field from the RFC
// tables with x() (X(n): left-justified, space-padded) and n() (9(n): zero-padded), never
// with the codec itself.
#pragma once

#include "protocols/oftp/bytes.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace oftp_test {

using wharf::oftp::ByteView;
using wharf::oftp::Bytes;

inline std::string x(std::string_view value, std::size_t width) {
    if (value.size() > width) {
        throw std::logic_error("test field too long");
    }
    return std::string(value) + std::string(width - value.size(), ' ');
}

inline std::string n(std::uint64_t value, std::size_t width) {
    std::string digits = std::to_string(value);
    if (digits.size() > width) {
        throw std::logic_error("test number too wide");
    }
    return std::string(width - digits.size(), '0') + digits;
}

inline Bytes bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

inline std::string text(ByteView data) { return std::string(data.begin(), data.end()); }

inline Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

}  // namespace oftp_test
