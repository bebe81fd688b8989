#include <catch2/catch.hpp>

#include "config/network.hpp"
#include "config/units.hpp"

using namespace std::chrono_literals;
using wharf::config::Cidr;
using wharf::config::ListenAddress;
using wharf::config::parse_duration;
using wharf::config::parse_size;

TEST_CASE("durations", "[config][units]") {
    CHECK(parse_duration("30s") == 30s);
    CHECK(parse_duration("15m") == 15min);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("2d") == 48h);
    CHECK(parse_duration("45") == 45s);
    CHECK(parse_duration("0s") == 0s);
    for (const char* bad : {"", "s", "1.5s", "-3s", "10 s", "3x", "1h 30m", "99999999999999999999s", "10 5s"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
}

TEST_CASE("sizes", "[config][units]") {
    CHECK(parse_size("4096") == 4096u);
    CHECK(parse_size("64K") == 64u * 1024);
    CHECK(parse_size("64KB") == 64u * 1024);
    CHECK(parse_size("64KiB") == 64u * 1024);
    CHECK(parse_size("500M") == 500ull << 20);
    CHECK(parse_size("10G") == 10ull << 30);
    CHECK(parse_size("2t") == 2ull << 40);
    CHECK(parse_size("7B") == 7u);
    for (const char* bad : {"", "G", "1.5G", "-1", "10X", "20000000000T", "10 G"}) {
        INFO(bad);
        CHECK_FALSE(parse_size(bad));
    }
}

TEST_CASE("listen addresses", "[config][network]") {
    const auto v4 = ListenAddress::parse("127.0.0.1:2222");
    REQUIRE(v4);
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 2222);
    const auto v6 = ListenAddress::parse("[::1]:22");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->to_string() == "[::1]:22");
    const auto any = ListenAddress::parse("*:3305");
    REQUIRE(any);
    CHECK(any->host.empty());
    CHECK(ListenAddress::parse(":3305")->host.empty());
    CHECK(ListenAddress::parse("files.example.com:22")->host == "files.example.com");
    for (const char* bad : {"127.0.0.1", "::1:22", "[::1]22", "[nope]:22", "host:0", "host:65536", "host:", "h:2x"}) {
        INFO(bad);
        CHECK_FALSE(ListenAddress::parse(bad));
    }
}

TEST_CASE("CIDR ranges", "[config][network]") {
    const auto net = Cidr::parse("10.0.0.0/8");
    REQUIRE(net);
    CHECK(net->contains("10.255.1.2"));
    CHECK(net->contains("::ffff:10.1.1.1"));
    CHECK_FALSE(net->contains("11.0.0.1"));
    CHECK_FALSE(net->contains("not-an-ip"));
    CHECK(net->to_string() == "10.0.0.0/8");
    const auto v6 = Cidr::parse("2001:db8::/32");
    REQUIRE(v6);
    CHECK(v6->contains("2001:db8:1::5"));
    CHECK_FALSE(v6->contains("2001:db9::1"));
    const auto host = Cidr::parse("192.168.1.7");
    REQUIRE(host);
    CHECK(host->contains("192.168.1.7"));
    CHECK_FALSE(host->contains("192.168.1.8"));
    CHECK(Cidr::parse("0.0.0.0/0")->contains("8.8.8.8"));
    for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "x/8"}) {
        INFO(bad);
        CHECK_FALSE(Cidr::parse(bad));
    }
}
