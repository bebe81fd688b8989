// The cipher table, and round trips through a sender and a receiver Transport for every
// cipher x MAC row (Go's TestPacketCiphers): a new row is tested with no extra work.
#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/transport.hpp"

#include "ssh/transport_test_util.hpp"

#include <catch2/catch.hpp>

#include <set>

namespace ssh = wharf::ssh;

namespace {

struct Suite {
    std::string cipher;
    std::string mac;  // "" for AEAD
};

std::vector<Suite> every_suite() {
    std::vector<Suite> suites;
    for (const ssh::CipherInfo& cipher : ssh::all_ciphers()) {
        if (cipher.aead) {
            suites.push_back({std::string(cipher.name), ""});
            continue;
        }
        for (const ssh::MacInfo& mac : ssh::all_macs()) {
            suites.push_back({std::string(cipher.name), std::string(mac.name)});
        }
    }
    return suites;
}

}  // namespace

TEST_CASE("cipher table rows are consistent", "[cipher]") {
    std::set<std::string_view> names;
    for (const ssh::CipherInfo& row : ssh::all_ciphers()) {
        INFO(row.name);
        CHECK(names.insert(row.name).second);
        CHECK(ssh::find_cipher(row.name) == &row);
        CHECK(row.block_size >= 8);
        CHECK(row.key_size >= 16);
        CHECK(row.make != nullptr);
        const bool old_design = row.name.find("cbc") != std::string_view::npos ||
                                row.name.find("3des") != std::string_view::npos ||
                                row.name.find("arcfour") != std::string_view::npos;
        CHECK(row.legacy == old_design);
        CHECK(row.aead == (row.name.find("gcm") != std::string_view::npos ||
                           row.name.find("poly1305") != std::string_view::npos));
    }
    CHECK(names.size() == 16);
    CHECK(ssh::find_cipher("none") == nullptr);
    CHECK(ssh::find_cipher("aes128-CTR") == nullptr);
    CHECK(ssh::find_cipher("") == nullptr);
}

TEST_CASE("default ciphers are OpenSSH 9's order and all modern", "[cipher]") {
    CHECK(ssh::default_ciphers() == std::vector<std::string>{"chacha20-poly1305@openssh.com",
                                                             "aes128-ctr", "aes192-ctr",
                                                             "aes256-ctr", "aes128-gcm@openssh.com",
                                                             "aes256-gcm@openssh.com"});
    for (const auto& name : ssh::default_ciphers()) {
        INFO(name);
        const ssh::CipherInfo* row = ssh::find_cipher(name);
        REQUIRE(row != nullptr);
        CHECK_FALSE(row->legacy);
    }
    // all_ciphers() lists the defaults first, in the same order.
    for (std::size_t i = 0; i < ssh::default_ciphers().size(); ++i) {
        CHECK(ssh::all_ciphers()[i].name == ssh::default_ciphers()[i]);
    }
}

TEST_CASE("key material sizes follow the rows", "[cipher][transport]") {
    const auto chacha = ssh::key_material_sizes("chacha20-poly1305@openssh.com", "ignored");
    CHECK((chacha.key == 64 && chacha.iv == 0 && chacha.mac_key == 0));
    const auto gcm = ssh::key_material_sizes("aes256-gcm@openssh.com", "");
    CHECK((gcm.key == 32 && gcm.iv == 12 && gcm.mac_key == 0));
    const auto ctr = ssh::key_material_sizes("aes192-ctr", "hmac-sha2-512-etm@openssh.com");
    CHECK((ctr.key == 24 && ctr.iv == 16 && ctr.mac_key == 64));
    const auto des = ssh::key_material_sizes("3des-cbc", "hmac-sha1-96");
    CHECK((des.key == 24 && des.iv == 8 && des.mac_key == 20));
    const auto rc4 = ssh::key_material_sizes("arcfour256", "hmac-md5");
    CHECK((rc4.key == 32 && rc4.iv == 0 && rc4.mac_key == 16));
    CHECK_THROWS_AS(ssh::key_material_sizes("none", "hmac-sha1"), std::invalid_argument);
    CHECK_THROWS_AS(ssh::key_material_sizes("aes128-ctr", "none"), std::invalid_argument);
    CHECK_THROWS_AS(ssh::key_material_sizes("aes128-ctr", "umac-64@openssh.com"),
                    std::invalid_argument);
}

TEST_CASE("make_packet_cipher rejects unknown names and wrong key sizes", "[cipher]") {
    const ssh::Bytes k16(16, 1);
    const ssh::Bytes k32(32, 1);
    using ssh::CipherDirection;
    CHECK_THROWS_AS(
        ssh::make_packet_cipher(CipherDirection::seal, "none", "hmac-sha1", k16, k16, k32),
        std::invalid_argument);
    CHECK_THROWS_AS(
        ssh::make_packet_cipher(CipherDirection::seal, "aes128-ctr", "none", k16, k16, k32),
        std::invalid_argument);
    CHECK_THROWS_AS(ssh::make_packet_cipher(CipherDirection::seal, "aes128-ctr", "hmac-sha2-256",
                                            k32, k16, k32),
                    std::invalid_argument);
    CHECK_THROWS_AS(ssh::make_packet_cipher(CipherDirection::seal, "aes128-ctr", "hmac-sha2-256",
                                            k16, k32, k32),
                    std::invalid_argument);
    CHECK_THROWS_AS(ssh::make_packet_cipher(CipherDirection::seal, "aes128-ctr", "hmac-sha2-256",
                                            k16, k16, k16),
                    std::invalid_argument);
    CHECK_NOTHROW(ssh::make_packet_cipher(CipherDirection::seal, "aes128-ctr", "hmac-sha2-256", k16,
                                          k16, k32));
    // AEAD: the MAC name and key are ignored, whatever they are.
    CHECK_NOTHROW(ssh::make_packet_cipher(CipherDirection::open, "aes256-gcm@openssh.com", "junk",
                                          k32, ssh::Bytes(12, 0), {}));
}

TEST_CASE("every cipher x MAC row round-trips many packets", "[cipher][mac][transport]") {
    auto rng = wharf::test::seeded_rng(7);
    std::mt19937 gen(7);
    std::uniform_int_distribution<std::size_t> small(1, 300);
    const auto suites = every_suite();
    CHECK(suites.size() == 3 + 13 * ssh::all_macs().size());
    for (const Suite& suite : suites) {
        INFO(suite.cipher << " + " << suite.mac);
        ssh::Transport sender(rng);
        ssh::Transport receiver(rng);
        const ssh::DirectionKeys keys = wharf::test::random_keys(rng, suite.cipher, suite.mac);
        sender.set_outgoing_keys(keys);
        receiver.set_incoming_keys(keys);
        // Start just below 2^32 so the sequence numbers wrap during the run.
        sender.set_sequence_numbers(0, 0xfffffffd);
        receiver.set_sequence_numbers(0xfffffffd, 0);

        std::vector<ssh::Bytes> sent;
        for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{15}, std::size_t{16},
                                 std::size_t{17}, std::size_t{32768}, std::size_t{100000}}) {
            sent.push_back(wharf::test::message(rng, size));
        }
        for (int i = 0; i < 25; ++i) {
            sent.push_back(wharf::test::message(rng, small(gen)));
        }
        for (const auto& payload : sent) {
            sender.send_packet(payload);
        }
        const ssh::Bytes wire = sender.take_output();

        // Byte by byte for the first packets, where framing state matters most, then random
        // chunks for the rest.
        const std::size_t split = wire.size() / 8;
        auto received = wharf::test::feed(receiver, ssh::ByteView(wire).first(split), 1, gen);
        const auto rest = wharf::test::feed(receiver, ssh::ByteView(wire).subspan(split), 0, gen);
        received.insert(received.end(), rest.begin(), rest.end());
        CHECK(received == sent);
        CHECK(receiver.buffered_input() == 0);
        CHECK(sender.outgoing_sequence() == static_cast<std::uint32_t>(0xfffffffd + sent.size()));
        CHECK(receiver.incoming_sequence() == sender.outgoing_sequence());
        CHECK(receiver.incoming_counters().packets == sent.size());
        CHECK(receiver.incoming_counters().bytes == wire.size());
        CHECK(sender.outgoing_counters().bytes == wire.size());
    }
}

TEST_CASE("ciphers really encrypt: the payload never shows on the wire", "[cipher]") {
    auto rng = wharf::test::seeded_rng(8);
    const ssh::Bytes marker{2, 'w', 'h', 'a', 'r', 'f', '-', 'm', 'a', 'r', 'k', 'e', 'r'};
    for (const ssh::CipherInfo& row : ssh::all_ciphers()) {
        INFO(row.name);
        ssh::Transport sender(rng);
        sender.set_outgoing_keys(
            wharf::test::random_keys(rng, std::string(row.name), row.aead ? "" : "hmac-sha2-256"));
        sender.send_packet(marker);
        sender.send_packet(marker);
        const ssh::Bytes wire = sender.take_output();
        CHECK(std::search(wire.begin(), wire.end(), marker.begin() + 1, marker.end()) ==
              wire.end());
    }
}
