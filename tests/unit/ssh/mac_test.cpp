// The MAC table and the HMAC rows against RFC 2202 / RFC 4231 answers.
#include "protocols/ssh/mac.hpp"

#include "ssh/ssh_test_util.hpp"

#include <catch2/catch.hpp>

#include <set>

namespace ssh = wharf::ssh;
using wharf::test::from_hex;

namespace {

ssh::Bytes tag_of(const ssh::MacInfo& row, ssh::ByteView key, std::uint32_t sequence,
                  std::string_view data) {
    const auto mac = row.make(key);
    ssh::Bytes out(mac->size());
    mac->compute(sequence,
                 ssh::ByteView(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()),
                 out);
    return out;
}

}  // namespace

TEST_CASE("MAC table rows are consistent", "[mac]") {
    std::set<std::string_view> names;
    for (const ssh::MacInfo& row : ssh::all_macs()) {
        INFO(row.name);
        CHECK(names.insert(row.name).second);
        CHECK(ssh::find_mac(row.name) == &row);
        CHECK(row.encrypt_then_mac ==
              (row.name.find("-etm@openssh.com") != std::string_view::npos));
        CHECK(row.legacy == (row.name.find("md5") != std::string_view::npos ||
                             row.name.find("-96") != std::string_view::npos));
        CHECK(row.make(ssh::Bytes(row.key_size, 0x0b))->size() == row.tag_size);
    }
    CHECK(names.size() == 10);
    CHECK(ssh::find_mac("none") == nullptr);
    CHECK(ssh::find_mac("umac-64-etm@openssh.com") == nullptr);
    CHECK(ssh::default_macs() ==
          std::vector<std::string>{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                                   "hmac-sha1-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
                                   "hmac-sha1"});
    for (std::size_t i = 0; i < ssh::default_macs().size(); ++i) {
        CHECK(ssh::all_macs()[i].name == ssh::default_macs()[i]);
        CHECK_FALSE(ssh::all_macs()[i].legacy);
    }
}

// The RFC test case 2 message "what do ya want for nothing?" starts with "what", which is the
// big-endian uint32 0x77686174: use it as the sequence number and the rest as the data.
TEST_CASE("HMAC rows match RFC 2202 and RFC 4231 test case 2", "[mac]") {
    const std::string key_text = "Jefe";
    const ssh::ByteView key(reinterpret_cast<const std::uint8_t*>(key_text.data()),
                            key_text.size());
    const std::uint32_t what = 0x77686174;
    const std::string_view rest = " do ya want for nothing?";
    // The rows want a full-size key; HMAC pads a short one with zeros anyway (RFC 2104 2),
    // so "Jefe" padded with zeros gives the RFC's answer.
    const auto padded = [&](std::size_t n) {
        ssh::Bytes k(key.begin(), key.end());
        k.resize(n, 0);
        return k;
    };
    const auto row = [](std::string_view name) -> const ssh::MacInfo& {
        const ssh::MacInfo* r = ssh::find_mac(name);
        REQUIRE(r != nullptr);
        return *r;
    };
    CHECK(tag_of(row("hmac-sha2-256"), padded(32), what, rest) ==
          from_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    CHECK(tag_of(row("hmac-sha2-512"), padded(64), what, rest) ==
          from_hex("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                   "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"));
    CHECK(tag_of(row("hmac-sha1"), padded(20), what, rest) ==
          from_hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
    CHECK(tag_of(row("hmac-sha1-96"), padded(20), what, rest) ==
          from_hex("effcdf6ae5eb2fa2d27416d5"));
    CHECK(tag_of(row("hmac-md5"), padded(16), what, rest) ==
          from_hex("750c783e6ab0b503eaa86e310a5db738"));
    CHECK(tag_of(row("hmac-md5-96"), padded(16), what, rest) ==
          from_hex("750c783e6ab0b503eaa86e31"));
    // -etm rows compute the same function; only the transport's order differs.
    CHECK(tag_of(row("hmac-sha2-256-etm@openssh.com"), padded(32), what, rest) ==
          tag_of(row("hmac-sha2-256"), padded(32), what, rest));
}

TEST_CASE("Mac::verify is exact about the tag", "[mac]") {
    for (const ssh::MacInfo& row : ssh::all_macs()) {
        INFO(row.name);
        const auto mac = row.make(ssh::Bytes(row.key_size, 0x42));
        const ssh::Bytes data{1, 2, 3, 4, 5};
        ssh::Bytes tag(mac->size());
        mac->compute(9, data, tag);
        CHECK(mac->verify(9, data, tag));
        CHECK_FALSE(mac->verify(10, data, tag));
        CHECK_FALSE(mac->verify(9, ssh::Bytes{1, 2, 3, 4}, tag));
        ssh::Bytes flipped = tag;
        flipped.back() ^= 0x01;
        CHECK_FALSE(mac->verify(9, data, flipped));
        CHECK_FALSE(mac->verify(9, data, ssh::ByteView(tag).first(tag.size() - 1)));
        ssh::Bytes longer = tag;
        longer.push_back(0);
        CHECK_FALSE(mac->verify(9, data, longer));
        ssh::Bytes wrong_size(mac->size() + 1);
        CHECK_THROWS_AS(mac->compute(9, data, wrong_size), std::invalid_argument);
    }
}
