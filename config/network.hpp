// Addresses as they appear in the configuration: listen endpoints and CIDR ranges.
// Kept free of Asio so config/ stays light; the daemon converts to asio endpoints.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::config {

/// `host:port`, `[v6]:port` or `*:port` / `:port` (all addresses).
struct ListenAddress {
    std::string host;  ///< literal address, a name, or empty for "any"
    std::uint16_t port = 0;

    static std::optional<ListenAddress> parse(std::string_view text);
    std::string to_string() const;
    friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

/// An IPv4 or IPv6 network; IPv4 addresses also match in their ::ffff:a.b.c.d form.
class Cidr {
public:
    /// "10.0.0.0/8", "2001:db8::/32" or a single address. Host bits must be zero.
    static std::optional<Cidr> parse(std::string_view text);

    /// `address` is a literal IPv4 or IPv6 address; anything else never matches.
    bool contains(std::string_view address) const;
    std::string to_string() const;

private:
    std::array<std::uint8_t, 16> m_bytes{};  ///< IPv4 stored as v4-mapped IPv6
    unsigned m_prefix = 0;                   ///< over the 128-bit form
    bool m_v4 = false;
};

/// Parses a literal IPv4/IPv6 address into its 16-byte v4-mapped form.
std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text, bool* is_v4 = nullptr);

}  // namespace wharf::config
