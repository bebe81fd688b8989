#include "protocols/ssh/address_match.hpp"

#include <catch2/catch.hpp>

#include <tuple>
#include <vector>

using wharf::ssh::from_patterns_error;
using wharf::ssh::match_from_patterns;
using wharf::ssh::match_wildcard;

TEST_CASE("wildcard matching", "[ssh][address]") {
    const std::vector<std::tuple<const char*, const char*, bool>> table{
        {"", "", true},
        {"", "*", true},
        {"a", "", false},
        {"abc", "abc", true},
        {"abc", "ab", false},
        {"abc", "a?c", true},
        {"ac", "a?c", false},
        {"abc", "*", true},
        {"abc", "a*", true},
        {"abc", "*c", true},
        {"abc", "*b*", true},
        {"abc", "*d*", false},
        {"host.example.com", "*.example.com", true},
        {"example.com", "*.example.com", false},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*a*b", true},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "*a*a*a*a*a*a*a*a*b", false},
        {"Host", "host", false},
    };
    for (const auto& [text, pattern, expected] : table) {
        INFO(text << " ~ " << pattern);
        CHECK(match_wildcard(text, pattern) == expected);
    }
}

TEST_CASE("IPv4 addresses, blocks and wildcards", "[ssh][address]") {
    CHECK(match_from_patterns("192.0.2.0/24", "192.0.2.77"));
    CHECK_FALSE(match_from_patterns("192.0.2.0/24", "192.0.3.1"));
    CHECK(match_from_patterns("192.0.2.7", "192.0.2.7"));
    CHECK_FALSE(match_from_patterns("192.0.2.7", "192.0.2.70"));
    CHECK(match_from_patterns("192.0.2.*", "192.0.2.70"));
    CHECK(match_from_patterns("10.0.0.0/8,192.0.2.0/24", "192.0.2.1"));
    CHECK(match_from_patterns("0.0.0.0/0", "203.0.113.9"));
    CHECK(match_from_patterns("198.51.100.0/23", "198.51.101.255"));
    CHECK_FALSE(match_from_patterns("198.51.100.0/23", "198.51.102.0"));
    CHECK(match_from_patterns("*", "198.51.102.0"));
    CHECK_FALSE(match_from_patterns("192.0.2.0/24", "2001:db8::1"));
}

TEST_CASE("IPv6 blocks, canonical text and mapped IPv4", "[ssh][address]") {
    CHECK(match_from_patterns("2001:db8::/32", "2001:db8:ffff::1"));
    CHECK_FALSE(match_from_patterns("2001:db8::/32", "2001:db9::1"));
    CHECK(match_from_patterns("2001:db8::1", "2001:0DB8:0:0::1"));
    CHECK(match_from_patterns("2001:db8::*", "2001:DB8:0::5"));
    CHECK(match_from_patterns("::/0", "::1"));
    CHECK(match_from_patterns("fe80::/10", "febf::1"));
    CHECK_FALSE(match_from_patterns("fe80::/10", "fec0::1"));
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    CHECK(match_from_patterns("192.0.2.0/24", "::ffff:192.0.2.9"));
    CHECK(match_from_patterns("192.0.2.*", "::ffff:192.0.2.9"));
}

TEST_CASE("a negated match denies outright", "[ssh][address]") {
    CHECK_FALSE(match_from_patterns("!192.0.2.9,192.0.2.0/24", "192.0.2.9"));
    CHECK_FALSE(match_from_patterns("192.0.2.0/24,!192.0.2.9", "192.0.2.9"));
    CHECK(match_from_patterns("192.0.2.0/24,!192.0.2.9", "192.0.2.10"));
    // Negation alone never grants access.
    CHECK_FALSE(match_from_patterns("!10.0.0.0/8", "192.0.2.1"));
    CHECK_FALSE(match_from_patterns("*,!*.evil.example", "192.0.2.1", "host.EVIL.example"));
}

TEST_CASE("host names match case-insensitively when given", "[ssh][address]") {
    CHECK(match_from_patterns("*.example.com", "192.0.2.1", "Build.Example.COM"));
    CHECK_FALSE(match_from_patterns("*.example.com", "192.0.2.1"));
    CHECK(match_from_patterns("*.EXAMPLE.com,10.0.0.0/8", "10.1.1.1", "x.other.org"));
}

TEST_CASE("malformed entries deny and are reported", "[ssh][address]") {
    for (const char* bad :
         {"10.0.0.1/8", "10.0.0.0/33", "2001:db8::1/32", "2001:db8::/129", "10.0.0.0/",
          "10.0.0.0/x", "nonsense/8", "", "a,,b", "!", "10.0.0.0/8,"}) {
        INFO(bad);
        CHECK(from_patterns_error(bad).has_value());
        CHECK_FALSE(match_from_patterns(std::string(bad) + ",*", "10.0.0.1"));
    }
    CHECK(*from_patterns_error("192.0.2.1/24") ==
          "'192.0.2.1/24' has bits set beyond its prefix length");
    for (const char* good : {"*", "192.0.2.0/24", "!192.0.2.9,*.example.com", "2001:db8::/32,::1",
                             "10.0.0.0/8,192.168.*"}) {
        INFO(good);
        CHECK_FALSE(from_patterns_error(good).has_value());
    }
}
