#include "protocols/ssh/wire.hpp"

#include "ssh/ssh_test_util.hpp"

#include <botan/bigint.h>
#include <catch2/catch.hpp>

#include <random>

namespace ssh = wharf::ssh;
using wharf::test::from_hex;

namespace {

ssh::Bytes mpint_bytes(const Botan::BigInt& value) { return ssh::Writer{}.mpint(value).take(); }

Botan::BigInt read_mpint(const ssh::Bytes& bytes) {
    ssh::Reader r("test", bytes);
    Botan::BigInt value = r.mpint("value");
    r.expect_end();
    return value;
}

}  // namespace

TEST_CASE("Writer encodes the RFC 4251 section 5 examples", "[ssh][wire]") {
    CHECK(ssh::Writer{}.uint32(0x29b7f4aa).take() == from_hex("29 b7 f4 aa"));
    CHECK(ssh::Writer{}.string("testing").take() == from_hex("00 00 00 07 74 65 73 74 69 6e 67"));
    CHECK(ssh::Writer{}.name_list({}).take() == from_hex("00 00 00 00"));
    CHECK(ssh::Writer{}.name_list({"zlib"}).take() == from_hex("00 00 00 04 7a 6c 69 62"));
    CHECK(ssh::Writer{}.name_list({"zlib", "none"}).take() ==
          from_hex("00 00 00 09 7a 6c 69 62 2c 6e 6f 6e 65"));
}

TEST_CASE("mpint matches the RFC 4251 section 5 table both ways", "[ssh][wire][mpint]") {
    const std::vector<std::pair<const char*, const char*>> table{
        {"0", "00 00 00 00"},
        {"0x9a378f9b2e332a7", "00 00 00 08 09 a3 78 f9 b2 e3 32 a7"},
        {"0x80", "00 00 00 02 00 80"},
        {"-0x1234", "00 00 00 02 ed cc"},
        {"-0xdeadbeef", "00 00 00 05 ff 21 52 41 11"},
    };
    for (const auto& [value_text, wire_hex] : table) {
        INFO(value_text);
        const Botan::BigInt value(value_text);
        CHECK(mpint_bytes(value) == from_hex(wire_hex));
        CHECK(read_mpint(from_hex(wire_hex)) == value);
    }
}

TEST_CASE("mpint sign and length edges", "[ssh][wire][mpint]") {
    const std::vector<std::pair<const char*, const char*>> table{
        {"1", "00 00 00 01 01"},
        {"127", "00 00 00 01 7f"},
        {"128", "00 00 00 02 00 80"},
        {"255", "00 00 00 02 00 ff"},
        {"256", "00 00 00 02 01 00"},
        {"-1", "00 00 00 01 ff"},
        {"-128", "00 00 00 01 80"},
        {"-129", "00 00 00 02 ff 7f"},
        {"-256", "00 00 00 02 ff 00"},
        {"-32768", "00 00 00 02 80 00"},
        {"-32769", "00 00 00 03 ff 7f ff"},
    };
    for (const auto& [value_text, wire_hex] : table) {
        INFO(value_text);
        const Botan::BigInt value(value_text);
        CHECK(mpint_bytes(value) == from_hex(wire_hex));
        CHECK(read_mpint(from_hex(wire_hex)) == value);
    }
}

TEST_CASE("mpint rejects unnecessary leading bytes", "[ssh][wire][mpint]") {
    for (const char* hex : {"00 00 00 01 00", "00 00 00 02 00 7f", "00 00 00 02 ff 80",
                            "00 00 00 03 00 00 80", "00 00 00 02 ff ff"}) {
        INFO(hex);
        CHECK_THROWS_AS(read_mpint(from_hex(hex)), ssh::DecodeError);
    }
}

TEST_CASE("mpint round-trips random values of both signs", "[ssh][wire][mpint]") {
    std::mt19937_64 prng(20240611);
    for (int i = 0; i < 500; ++i) {
        ssh::Bytes magnitude(1 + prng() % 80);
        for (auto& b : magnitude) {
            b = static_cast<std::uint8_t>(prng());
        }
        Botan::BigInt value(magnitude.data(), magnitude.size());
        if (prng() % 2 == 0) {
            value.flip_sign();
        }
        // The strict reader accepts only minimal encodings, so this also proves minimality.
        REQUIRE(read_mpint(mpint_bytes(value)) == value);
    }
}

TEST_CASE("fixed-size types round-trip", "[ssh][wire]") {
    std::mt19937_64 prng(7);
    for (int i = 0; i < 200; ++i) {
        const auto b = static_cast<std::uint8_t>(prng());
        const auto u32 = static_cast<std::uint32_t>(prng());
        const std::uint64_t u64 = prng();
        const bool flag = (prng() & 1) != 0;
        std::string text(prng() % 40, '\0');
        for (auto& c : text) {
            c = static_cast<char>(prng());
        }
        const ssh::Bytes wire =
            ssh::Writer{}.byte(b).uint32(u32).uint64(u64).boolean(flag).string(text).take();
        ssh::Reader r("roundtrip", wire);
        CHECK(r.byte("b") == b);
        CHECK(r.uint32("u32") == u32);
        CHECK(r.uint64("u64") == u64);
        CHECK(r.boolean("flag") == flag);
        CHECK(r.text("text") == text);
        CHECK(r.at_end());
        r.expect_end();
    }
}

TEST_CASE("uint64 and boolean encodings", "[ssh][wire]") {
    CHECK(ssh::Writer{}.uint64(0x0102030405060708ULL).take() ==
          from_hex("01 02 03 04 05 06 07 08"));
    CHECK(ssh::Writer{}.boolean(true).boolean(false).take() == from_hex("01 00"));
    const ssh::Bytes any_non_zero = from_hex("02 ff");
    ssh::Reader r("bools", any_non_zero);
    CHECK(r.boolean("a"));
    CHECK(r.boolean("b"));
}

TEST_CASE("Reader errors name the message and the field", "[ssh][wire]") {
    const ssh::Bytes three = from_hex("01 02 03");
    ssh::Reader r("KEXINIT", three);
    try {
        (void)r.uint32("first_kex_packet_follows");
        FAIL("expected DecodeError");
    } catch (const ssh::DecodeError& e) {
        CHECK(e.message_name() == "KEXINIT");
        CHECK(e.field() == "first_kex_packet_follows");
        CHECK(std::string(e.what()) ==
              "invalid KEXINIT: first_kex_packet_follows: truncated (need 4 bytes, 3 left)");
    }
}

TEST_CASE("Reader never trusts a claimed length", "[ssh][wire]") {
    // 4 GiB claimed, 2 bytes present: must fail before allocating anything.
    const ssh::Bytes claim = from_hex("ff ff ff ff 61 62");
    ssh::Reader r("USERAUTH_REQUEST", claim);
    CHECK_THROWS_WITH(
        r.string("user name"),
        "invalid USERAUTH_REQUEST: user name: length 4294967295 exceeds the 2 bytes left");
    ssh::Reader r2("USERAUTH_REQUEST", claim);
    CHECK_THROWS_AS(r2.text("user name"), ssh::DecodeError);
    ssh::Reader r3("USERAUTH_REQUEST", claim);
    CHECK_THROWS_AS(r3.name_list("methods"), ssh::DecodeError);
    ssh::Reader r4("x", claim);
    CHECK_THROWS_AS(r4.mpint("e"), ssh::DecodeError);
    ssh::Reader r5("x", claim);
    CHECK_THROWS_AS(r5.raw(7, "cookie"), ssh::DecodeError);
}

TEST_CASE("Reader truncation at every prefix throws DecodeError only", "[ssh][wire]") {
    const ssh::Bytes full = ssh::Writer{}
                                .byte(20)
                                .raw(from_hex("00112233445566778899aabbccddeeff"))
                                .name_list({"curve25519-sha256", "ext-info-s"})
                                .string("blob")
                                .mpint(Botan::BigInt("-0xdeadbeef"))
                                .uint64(9)
                                .boolean(true)
                                .take();
    for (std::size_t len = 0; len < full.size(); ++len) {
        const ssh::ByteView prefix(full.data(), len);
        ssh::Reader r("KEXINIT", prefix);
        CHECK_THROWS_AS(([&] {
                            (void)r.byte("type");
                            (void)r.raw(16, "cookie");
                            (void)r.name_list("kex_algorithms");
                            (void)r.string("blob");
                            (void)r.mpint("n");
                            (void)r.uint64("count");
                            (void)r.boolean("flag");
                        }()),
                        ssh::DecodeError);
    }
}

TEST_CASE("expect_end rejects trailing bytes", "[ssh][wire]") {
    const ssh::Bytes data = from_hex("00 00 00 00 99");
    ssh::Reader r("IGNORE", data);
    CHECK(r.string("data").empty());
    CHECK(r.remaining() == 1);
    CHECK_THROWS_WITH(r.expect_end(), "invalid IGNORE: 1 unexpected trailing bytes");
    CHECK(r.rest().size() == 1);
    CHECK(r.at_end());
    r.expect_end();
}

TEST_CASE("name-list reading validates names", "[ssh][wire]") {
    const auto read = [](std::string_view list) {
        const ssh::Bytes wire = ssh::Writer{}.string(list).take();
        ssh::Reader r("KEXINIT", wire);
        return r.name_list("kex_algorithms");
    };
    CHECK(read("").empty());
    CHECK(read("a") == std::vector<std::string>{"a"});
    CHECK(read("aes128-ctr,chacha20-poly1305@openssh.com") ==
          std::vector<std::string>{"aes128-ctr", "chacha20-poly1305@openssh.com"});
    const std::vector<std::string_view> bad_lists{
        ",", "a,", ",a", "a,,b", "a b", std::string_view("a\0b", 3), "caf\xc3\xa9"};
    for (const std::string_view bad : bad_lists) {
        INFO(bad);
        CHECK_THROWS_AS(read(bad), ssh::DecodeError);
    }
}

TEST_CASE("name-list writing refuses names that cannot be sent", "[ssh][wire]") {
    ssh::Writer w;
    CHECK_THROWS_AS(w.name_list({"a", ""}), std::invalid_argument);
    CHECK_THROWS_AS(w.name_list({"a,b"}), std::invalid_argument);
    CHECK_THROWS_AS(w.name_list({"a b"}), std::invalid_argument);
    const std::vector<std::string> names{"ssh-ed25519", "rsa-sha2-512"};
    CHECK(ssh::Writer{}.name_list(names).take() ==
          ssh::Writer{}.string("ssh-ed25519,rsa-sha2-512").take());
}

TEST_CASE("Writer::take leaves the writer empty and strings view the input", "[ssh][wire]") {
    ssh::Writer w;
    w.string(ssh::ByteView(from_hex("aabb")));
    const ssh::Bytes first = w.take();
    CHECK(first == from_hex("00 00 00 02 aa bb"));
    CHECK(w.size() == 0);
    ssh::Reader r("x", first);
    const ssh::ByteView view = r.string("s");
    CHECK(view.data() == first.data() + 4);
}
