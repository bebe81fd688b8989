#include "config/network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace wharf::config {

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<ListenAddress> ListenAddress::parse(std::string_view text) {
    ListenAddress result;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        result.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        if (!parse_ip(result.host)) return std::nullopt;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        result.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (result.host.find(':') != std::string::npos) return std::nullopt;  // v6 needs brackets
        if (result.host == "*") result.host.clear();
    }
    const auto port = parse_port(port_text);
    if (!port) return std::nullopt;
    result.port = *port;
    return result;
}

std::string ListenAddress::to_string() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return (host.empty() ? "*" : host) + ":" + std::to_string(port);
}

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text, bool* is_v4) {
    if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buffer[INET6_ADDRSTRLEN] = {};
    std::memcpy(buffer, text.data(), text.size());
    std::array<std::uint8_t, 16> bytes{};
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) == 1) {
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        std::memcpy(bytes.data() + 12, &v4, 4);
        if (is_v4) *is_v4 = true;
        return bytes;
    }
    if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) {
        if (is_v4) *is_v4 = false;
        return bytes;
    }
    return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    bool v4 = false;
    const auto bytes = parse_ip(text.substr(0, slash), &v4);
    if (!bytes) return std::nullopt;
    unsigned prefix = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
        const auto prefix_text = text.substr(slash + 1);
        const auto* end = prefix_text.data() + prefix_text.size();
        const auto [ptr, ec] = std::from_chars(prefix_text.data(), end, prefix);
        if (prefix_text.empty() || ec != std::errc{} || ptr != end || prefix > (v4 ? 32u : 128u)) {
            return std::nullopt;
        }
    }
    Cidr cidr;
    cidr.m_bytes = *bytes;
    cidr.m_v4 = v4;
    cidr.m_prefix = v4 ? prefix + 96 : prefix;
    // Host bits set ("10.0.0.1/8") usually means a typo; refuse rather than guess.
    for (unsigned bit = cidr.m_prefix; bit < 128; ++bit) {
        if (cidr.m_bytes[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
    }
    return cidr;
}

bool Cidr::contains(std::string_view address) const {
    const auto bytes = parse_ip(address);
    if (!bytes) return false;
    for (unsigned bit = 0; bit < m_prefix; ++bit) {
        const std::uint8_t mask = 0x80u >> (bit % 8);
        if ((m_bytes[bit / 8] & mask) != ((*bytes)[bit / 8] & mask)) return false;
    }
    return true;
}

std::string Cidr::to_string() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    if (m_v4) {
        inet_ntop(AF_INET, m_bytes.data() + 12, buffer, sizeof buffer);
        return std::string(buffer) + "/" + std::to_string(m_prefix - 96);
    }
    inet_ntop(AF_INET6, m_bytes.data(), buffer, sizeof buffer);
    return std::string(buffer) + "/" + std::to_string(m_prefix);
}

}  // namespace wharf::config
