#include "protocols/ssh/address_match.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace wharf::ssh {

namespace {

struct Address {
    std::size_t length = 0;  // 4 or 16 bytes
    std::array<std::uint8_t, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    const std::string copy(text);  // inet_pton wants a NUL-terminated string
    Address address;
    if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) {
        address.length = 4;
        return address;
    }
    if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) {
        address.length = 16;
        return address;
    }
    return std::nullopt;
}

// sshd sees IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d and normalises them first.
Address unmap(Address address) {
    static constexpr std::array<std::uint8_t, 12> mapped_prefix{0, 0, 0, 0, 0,    0,
                                                                0, 0, 0, 0, 0xff, 0xff};
    if (address.length == 16 &&
        std::equal(mapped_prefix.begin(), mapped_prefix.end(), address.bytes.begin())) {
        Address v4;
        v4.length = 4;
        std::copy_n(address.bytes.begin() + 12, 4, v4.bytes.begin());
        return v4;
    }
    return address;
}

std::string to_text(const Address& address) {
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    inet_ntop(address.length == 4 ? AF_INET : AF_INET6, address.bytes.data(), buffer.data(),
              buffer.size());
    return buffer.data();
}

struct Network {
    Address base;
    std::size_t prefix = 0;
};

bool contains(const Network& network, const Address& address) noexcept {
    if (network.base.length != address.length) {
        return false;
    }
    for (std::size_t bit = 0; bit < network.prefix; bit += 8) {
        const std::size_t bits_here = std::min<std::size_t>(8, network.prefix - bit);
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits_here));
        if ((network.base.bytes[bit / 8] & mask) != (address.bytes[bit / 8] & mask)) {
            return false;
        }
    }
    return true;
}

bool host_bits_clear(const Address& address, std::size_t prefix) noexcept {
    for (std::size_t bit = prefix; bit < address.length * 8; ++bit) {
        if ((address.bytes[bit / 8] & (0x80u >> (bit % 8))) != 0) {
            return false;
        }
    }
    return true;
}

// One entry of the list, classified. An entry holding '/' must be an address block; one that
// parses as an address is compared exactly; anything else is a wildcard pattern.
struct Entry {
    bool negated = false;
    std::string_view text;
    std::optional<Network> network;
    std::string error;  // non-empty: malformed
};

Entry classify(std::string_view raw) {
    Entry entry;
    entry.negated = !raw.empty() && raw.front() == '!';
    entry.text = entry.negated ? raw.substr(1) : raw;
    if (entry.text.empty()) {
        entry.error = "empty pattern";
        return entry;
    }
    const auto slash = entry.text.find('/');
    const std::string_view address_text = entry.text.substr(0, slash);
    const std::optional<Address> address = parse_address(address_text);
    if (slash == std::string_view::npos) {
        if (address) {
            entry.network = Network{*address, address->length * 8};
        }
        return entry;
    }
    const std::string_view prefix_text = entry.text.substr(slash + 1);
    if (!address) {
        entry.error = "'" + std::string(address_text) + "' is not an IP address";
        return entry;
    }
    if (prefix_text.empty() || prefix_text.size() > 3 ||
        !std::all_of(prefix_text.begin(), prefix_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
        entry.error = "bad prefix length in '" + std::string(entry.text) + "'";
        return entry;
    }
    const std::size_t prefix = std::stoul(std::string(prefix_text));
    if (prefix > address->length * 8) {
        entry.error = "prefix length too long in '" + std::string(entry.text) + "'";
        return entry;
    }
    // Host bits set (10.1.2.3/8) usually means a typo; OpenSSH refuses such a list outright.
    if (!host_bits_clear(*address, prefix)) {
        entry.error = "'" + std::string(entry.text) + "' has bits set beyond its prefix length";
        return entry;
    }
    entry.network = Network{*address, prefix};
    return entry;
}

std::vector<std::string_view> split_list(std::string_view patterns) {
    std::vector<std::string_view> entries;
    std::size_t pos = 0;
    for (;;) {
        const auto comma = patterns.find(',', pos);
        entries.push_back(patterns.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        if (comma == std::string_view::npos) {
            return entries;
        }
        pos = comma + 1;
    }
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

bool match_wildcard(std::string_view text, std::string_view pattern) noexcept {
    // Greedy scan remembering the last '*': linear in practice, never exponential.
    std::size_t t = 0;
    std::size_t p = 0;
    std::size_t star = std::string_view::npos;
    std::size_t star_text = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++t;
            ++p;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_text = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++star_text;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

std::optional<std::string> from_patterns_error(std::string_view patterns) {
    for (const std::string_view raw : split_list(patterns)) {
        Entry entry = classify(raw);
        if (!entry.error.empty()) {
            return std::move(entry.error);
        }
    }
    return std::nullopt;
}

bool match_from_patterns(std::string_view patterns, std::string_view client_address,
                         std::string_view client_host) {
    const std::optional<Address> client = parse_address(client_address);
    const std::optional<Address> unmapped =
        client ? std::optional<Address>(unmap(*client)) : std::nullopt;
    // Wildcards see the canonical text, so "2001:DB8::1" and "2001:db8:0::1" both match
    // "2001:db8::*", and a mapped IPv4 client matches "192.0.2.*".
    const std::string address_text = unmapped ? to_text(*unmapped) : std::string(client_address);
    const std::string host = lowercase(client_host);

    bool matched = false;
    for (const std::string_view raw : split_list(patterns)) {
        const Entry entry = classify(raw);
        if (!entry.error.empty()) {
            return false;
        }
        bool hit = false;
        if (entry.network) {
            hit = unmapped && contains(*entry.network, *unmapped);
        } else {
            hit = match_wildcard(address_text, entry.text) ||
                  (!host.empty() && match_wildcard(host, lowercase(entry.text)));
        }
        if (hit && entry.negated) {
            return false;
        }
        matched = matched || hit;
    }
    return matched;
}

}  // namespace wharf::ssh
