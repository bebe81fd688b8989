// The binary packet protocol: framing, limits, tampering, truncation, key changes, sequence
// numbers, counters and the output buffer.
#include "protocols/ssh/transport.hpp"

#include "ssh/transport_test_util.hpp"

#include <catch2/catch.hpp>

namespace ssh = wharf::ssh;
using ssh::DisconnectReason;

namespace {

ssh::Bytes u32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// The reason of the ProtocolError next_packet() throws; fails the test if it returns instead.
DisconnectReason error_of(ssh::Transport& receiver) {
    try {
        const auto packet = receiver.next_packet();
        FAIL("next_packet returned " << (packet ? "a packet" : "nullopt")
                                     << " instead of throwing");
    } catch (const ssh::ProtocolError& e) {
        return e.reason();
    }
    return DisconnectReason::reserved;
}

// A plaintext packet with the given packet_length and padding_length byte, the rest filled with
// 0x5e: lets a test build packets the sender would never make.
ssh::Bytes raw_packet(std::uint32_t packet_length, std::uint8_t padding_length) {
    ssh::Bytes packet = u32(packet_length);
    packet.push_back(padding_length);
    packet.resize(4 + packet_length, 0x5e);
    return packet;
}

// Seals a hand-built plaintext packet under keys with a correct MAC or tag, so only the
// transport's framing checks can reject it.
ssh::Bytes seal_raw(const ssh::DirectionKeys& keys, std::uint32_t sequence, ssh::Bytes packet) {
    auto cipher = ssh::make_packet_cipher(ssh::CipherDirection::seal, keys.cipher, keys.mac,
                                          keys.key, keys.iv, keys.mac_key);
    ssh::Bytes trailer(cipher->trailer_size());
    cipher->seal(sequence, packet, trailer);
    packet.insert(packet.end(), trailer.begin(), trailer.end());
    return packet;
}

const std::vector<std::pair<std::string, std::string>> k_representative_suites{
    {"chacha20-poly1305@openssh.com", ""},
    {"aes128-gcm@openssh.com", ""},
    {"aes256-ctr", "hmac-sha2-256"},
    {"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
    {"aes128-cbc", "hmac-sha1"},
    {"3des-cbc", "hmac-sha1-96"},
    {"arcfour256", "hmac-md5-etm@openssh.com"},
};

}  // namespace

TEST_CASE("disconnect reasons carry RFC 4250 codes and names", "[transport]") {
    CHECK(static_cast<std::uint32_t>(DisconnectReason::host_not_allowed_to_connect) == 1);
    CHECK(static_cast<std::uint32_t>(DisconnectReason::mac_error) == 5);
    CHECK(static_cast<std::uint32_t>(DisconnectReason::illegal_user_name) == 15);
    CHECK(ssh::to_string(DisconnectReason::compression_error) ==
          "SSH_DISCONNECT_COMPRESSION_ERROR");
    CHECK(ssh::to_string(static_cast<DisconnectReason>(99)) == "SSH_DISCONNECT_UNKNOWN");
    const ssh::ProtocolError error(DisconnectReason::protocol_error, "bad thing");
    CHECK(error.reason() == DisconnectReason::protocol_error);
    CHECK(std::string(error.what()) == "bad thing");
}

TEST_CASE("pre-KEX packets follow RFC 4253 section 6 framing", "[transport]") {
    auto rng = wharf::test::seeded_rng(10);
    ssh::Transport sender(rng);
    for (std::size_t size = 1; size <= 40; ++size) {
        INFO(size);
        const ssh::Bytes payload = wharf::test::message(rng, size);
        sender.send_packet(payload);
        const ssh::Bytes wire = sender.take_output();
        const std::uint32_t packet_length = (std::uint32_t{wire[0]} << 24) |
                                            (std::uint32_t{wire[1]} << 16) |
                                            (std::uint32_t{wire[2]} << 8) | wire[3];
        CHECK(wire.size() == 4 + packet_length);  // no MAC yet
        CHECK(wire.size() % 8 == 0);
        CHECK(wire.size() >= 16);
        const std::size_t padding = wire[4];
        CHECK(padding >= 4);
        CHECK(padding < 4 + 8);  // minimal padding
        CHECK(packet_length == 1 + size + padding);
        CHECK(ssh::Bytes(wire.begin() + 5, wire.begin() + 5 + static_cast<std::ptrdiff_t>(size)) ==
              payload);
    }
}

TEST_CASE("padding is the RNG's output, in order, across pool refills", "[transport]") {
    auto source = wharf::test::seeded_rng(21);
    const ssh::Bytes script = wharf::test::random_bytes(source, 1000);
    wharf::test::ScriptedRng rng(script);
    ssh::Transport sender(rng);
    ssh::Bytes padding_seen;
    for (std::size_t size = 1; padding_seen.size() < 900; ++size) {
        sender.send_packet(ssh::Bytes(size, 2));
        const ssh::Bytes wire = sender.take_output();  // pre-KEX: plaintext
        padding_seen.insert(padding_seen.end(),
                            wire.begin() + 5 + static_cast<std::ptrdiff_t>(size), wire.end());
    }
    CHECK(padding_seen == ssh::Bytes(script.begin(), script.begin() + static_cast<std::ptrdiff_t>(
                                                                          padding_seen.size())));
}

TEST_CASE("packet_length is checked before its bytes are awaited or buffered", "[transport]") {
    auto rng = wharf::test::seeded_rng(11);
    const std::uint32_t max = ssh::TransportLimits{}.max_packet_length;

    SECTION("plaintext: above the limit") {
        ssh::Transport receiver(rng);
        CHECK(receiver.receive(u32(0x7ffffff8)) == 4);
        CHECK_FALSE(receiver.next_packet());  // the first block is not complete yet
        CHECK(receiver.receive(ssh::Bytes{10, 2, 0, 0}) == 4);
        CHECK(error_of(receiver) == DisconnectReason::protocol_error);
        CHECK(receiver.buffered_input() == 8);
    }
    SECTION("plaintext: the largest allowed length waits, one more block fails") {
        ssh::Transport ok(rng);
        CHECK(ok.receive(ssh::ByteView(raw_packet(max - 4, 4)).first(8)) == 8);
        CHECK_FALSE(ok.next_packet());
        CHECK(ok.buffered_input() == 8);  // nothing allocated for the claimed length
        ssh::Transport too_big(rng);
        CHECK(too_big.receive(ssh::ByteView(raw_packet(max + 4, 4)).first(8)) == 8);
        CHECK(error_of(too_big) == DisconnectReason::protocol_error);
    }
    SECTION("plaintext: too small, zero and misaligned") {
        for (const std::uint32_t length : {0U, 4U, 13U, 12U + 3U}) {
            INFO(length);
            ssh::Transport receiver(rng);
            (void)receiver.receive(raw_packet(length, 4));
            (void)receiver.receive(ssh::Bytes(8, 0));
            CHECK(error_of(receiver) == DisconnectReason::protocol_error);
        }
    }
    SECTION("length in clear (ETM, GCM): rejected from the first 4 bytes") {
        for (const auto& [cipher, mac] : k_representative_suites) {
            const bool length_in_clear =
                mac.find("etm") != std::string::npos || cipher.find("gcm") != std::string::npos;
            if (!length_in_clear) {
                continue;  // encrypted lengths cannot be crafted in clear
            }
            INFO(cipher << " " << mac);
            for (const std::uint32_t length : {0x7ffffff0U, max + 16, 17U, 4U}) {
                ssh::Transport receiver(rng);
                receiver.set_incoming_keys(wharf::test::random_keys(rng, cipher, mac));
                CHECK(receiver.receive(u32(length)) == 4);
                CHECK(error_of(receiver) == DisconnectReason::protocol_error);
            }
        }
    }
}

TEST_CASE("bad padding_length is rejected after the MAC checks out", "[transport]") {
    auto rng = wharf::test::seeded_rng(12);
    for (const auto& [cipher, mac] : k_representative_suites) {
        INFO(cipher << " " << mac);
        const ssh::DirectionKeys keys = wharf::test::random_keys(rng, cipher, mac);
        const ssh::CipherInfo* row = ssh::find_cipher(cipher);
        const bool clear_length = row->aead || mac.find("etm") != std::string::npos;
        // 32 aligned bytes: packet_length 32 when the length is outside the alignment, else 28.
        const std::uint32_t length = clear_length ? 32 : 28;
        for (const std::uint8_t padding :
             {std::uint8_t{3}, std::uint8_t{0}, static_cast<std::uint8_t>(length - 1),
              static_cast<std::uint8_t>(length), std::uint8_t{255}}) {
            INFO(int{padding});
            ssh::Transport receiver(rng);
            receiver.set_incoming_keys(keys);
            (void)receiver.receive(seal_raw(keys, 0, raw_packet(length, padding)));
            CHECK(error_of(receiver) == DisconnectReason::protocol_error);
        }
        // The largest valid padding (one payload byte left) opens.
        ssh::Transport receiver(rng);
        receiver.set_incoming_keys(keys);
        (void)receiver.receive(
            seal_raw(keys, 0, raw_packet(length, static_cast<std::uint8_t>(length - 2))));
        CHECK(receiver.next_packet() == ssh::Bytes{0x5e});
    }
}

TEST_CASE("tampering with any byte is detected", "[transport][cipher][mac]") {
    auto rng = wharf::test::seeded_rng(13);
    for (const ssh::CipherInfo& row : ssh::all_ciphers()) {
        for (const std::string& mac :
             row.aead ? std::vector<std::string>{""}
                      : std::vector<std::string>{"hmac-sha2-256", "hmac-sha1-etm@openssh.com"}) {
            INFO(row.name << " " << mac);
            const ssh::DirectionKeys keys =
                wharf::test::random_keys(rng, std::string(row.name), mac);
            ssh::Transport sender(rng);
            sender.set_outgoing_keys(keys);
            sender.send_packet(wharf::test::message(rng, 40));
            const ssh::Bytes first = sender.take_output();
            sender.send_packet(wharf::test::message(rng, 300));  // bytes to satisfy a longer length
            const ssh::Bytes second = sender.take_output();
            const bool clear_length = row.aead || mac.find("etm") != std::string::npos;
            const std::size_t length_region = clear_length ? 4 : row.block_size;

            for (std::size_t i = 0; i < first.size(); ++i) {
                INFO("byte " << i << " of " << first.size());
                ssh::Bytes wire = first;
                wire[i] ^= 0x01;
                wire.insert(wire.end(), second.begin(), second.end());
                ssh::Transport receiver(rng);
                receiver.set_incoming_keys(keys);
                (void)receiver.receive(wire);
                if (i >= length_region) {
                    CHECK(error_of(receiver) == DisconnectReason::mac_error);
                    continue;
                }
                // A changed length may be rejected outright, fail the MAC, or wait for bytes
                // that never come; it must never yield a packet.
                bool yielded = false;
                try {
                    yielded = receiver.next_packet().has_value();
                } catch (const ssh::ProtocolError&) {
                    // rejected: fine
                }
                CHECK_FALSE(yielded);
            }

            // A length changed by exactly one block stays plausible and must fail the MAC
            // (CBC garbles the whole first block instead, so any protocol error will do).
            ssh::Bytes wire = first;
            wire[3] ^= static_cast<std::uint8_t>(row.block_size);
            wire.insert(wire.end(), second.begin(), second.end());
            ssh::Transport receiver(rng);
            receiver.set_incoming_keys(keys);
            (void)receiver.receive(wire);
            if (row.name.find("cbc") == std::string_view::npos) {
                CHECK(error_of(receiver) == DisconnectReason::mac_error);
            } else {
                CHECK_THROWS_AS(receiver.next_packet(), ssh::ProtocolError);
            }
        }
    }
}

TEST_CASE("truncated input waits and each byte is decrypted once", "[transport][cipher]") {
    auto rng = wharf::test::seeded_rng(14);
    for (const auto& [cipher, mac] : k_representative_suites) {
        INFO(cipher << " " << mac);
        const ssh::DirectionKeys keys = wharf::test::random_keys(rng, cipher, mac);
        ssh::Transport sender(rng);
        ssh::Transport receiver(rng);
        sender.set_outgoing_keys(keys);
        receiver.set_incoming_keys(keys);
        const ssh::Bytes payload = wharf::test::message(rng, 100);
        sender.send_packet(payload);
        sender.send_packet(payload);
        const ssh::Bytes wire = sender.take_output();
        const std::size_t one = wire.size() / 2;
        for (std::size_t i = 0; i + 1 < one; ++i) {
            CHECK(receiver.receive(ssh::ByteView(wire).subspan(i, 1)) == 1);
            // Asking again and again must not decrypt the first block twice.
            CHECK_FALSE(receiver.next_packet());
            CHECK_FALSE(receiver.next_packet());
        }
        CHECK(receiver.receive(ssh::ByteView(wire).subspan(one - 1)) == wire.size() - one + 1);
        CHECK(receiver.next_packet() == payload);
        CHECK(receiver.next_packet() == payload);
        CHECK_FALSE(receiver.next_packet());
    }
}

TEST_CASE("a protocol error kills the incoming direction only", "[transport]") {
    auto rng = wharf::test::seeded_rng(15);
    const ssh::DirectionKeys keys = wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha2-256");
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    sender.set_outgoing_keys(keys);
    receiver.set_incoming_keys(keys);
    sender.send_packet(ssh::Bytes{2, 1, 2, 3});
    ssh::Bytes wire = sender.take_output();
    wire[20] ^= 0x80;
    (void)receiver.receive(wire);
    CHECK(error_of(receiver) == DisconnectReason::mac_error);
    sender.send_packet(ssh::Bytes{2, 1, 2, 3});
    (void)receiver.receive(sender.take_output());
    CHECK(error_of(receiver) == DisconnectReason::mac_error);  // the same error again
    receiver.send_packet(ssh::Bytes{1, 0, 0, 0, 2});           // a DISCONNECT still goes out
    CHECK(receiver.output_size() > 0);
}

TEST_CASE("input is bounded by one maximum packet", "[transport]") {
    auto rng = wharf::test::seeded_rng(16);
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    const std::size_t capacity = receiver.receive_capacity();
    CHECK(capacity == 4 + ssh::TransportLimits{}.max_packet_length + 64 + 16);
    const ssh::Bytes big = wharf::test::message(rng, 200000);
    sender.send_packet(big);
    sender.send_packet(big);
    sender.send_packet(big);
    const ssh::Bytes wire = sender.take_output();
    std::size_t pos = receiver.receive(wire);
    CHECK(pos == capacity);
    CHECK(receiver.receive(ssh::ByteView(wire).subspan(pos)) == 0);
    std::size_t packets = 0;
    while (packets < 3) {
        while (auto payload = receiver.next_packet()) {
            CHECK(*payload == big);
            ++packets;
        }
        CHECK(receiver.buffered_input() <= capacity);
        pos += receiver.receive(ssh::ByteView(wire).subspan(pos));
    }
    CHECK(pos == wire.size());
}

TEST_CASE("keys switch atomically at NEWKEYS, mid-stream", "[transport]") {
    auto rng = wharf::test::seeded_rng(17);
    const ssh::DirectionKeys first = wharf::test::random_keys(rng, "aes256-ctr", "hmac-sha2-512");
    const ssh::DirectionKeys second =
        wharf::test::random_keys(rng, "chacha20-poly1305@openssh.com", "");
    const ssh::Bytes newkeys{21};
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);

    sender.send_packet(ssh::Bytes{20, 1});  // KEXINIT-ish, in the clear
    sender.send_packet(newkeys);
    sender.set_outgoing_keys(first);
    sender.send_packet(ssh::Bytes{5, 1});
    sender.send_packet(ssh::Bytes{5, 2});
    sender.send_packet(newkeys);
    sender.set_outgoing_keys(second);
    sender.reset_outgoing_sequence();  // strict KEX
    sender.send_packet(ssh::Bytes{5, 3});
    CHECK(sender.outgoing_counters().packets == 1);
    CHECK(sender.outgoing_sequence() == 1);

    // All of it arrives at once: nothing past NEWKEYS may be opened with the old keys.
    (void)receiver.receive(sender.take_output());
    CHECK(receiver.next_packet() == ssh::Bytes{20, 1});
    CHECK(receiver.next_packet() == newkeys);
    receiver.set_incoming_keys(first);
    CHECK(receiver.next_packet() == ssh::Bytes{5, 1});
    CHECK(receiver.next_packet() == ssh::Bytes{5, 2});
    CHECK(receiver.next_packet() == newkeys);
    CHECK(receiver.incoming_sequence() == 5);
    CHECK(receiver.incoming_counters().packets == 3);
    receiver.set_incoming_keys(second);
    CHECK(receiver.incoming_counters().packets == 0);
    receiver.reset_incoming_sequence();
    CHECK(receiver.next_packet() == ssh::Bytes{5, 3});
    CHECK_FALSE(receiver.next_packet());
}

TEST_CASE("key changes check their arguments and keep the old keys on failure", "[transport]") {
    auto rng = wharf::test::seeded_rng(18);
    const ssh::DirectionKeys keys = wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha1");
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    sender.set_outgoing_keys(keys);
    receiver.set_incoming_keys(keys);

    ssh::DirectionKeys bad = keys;
    bad.cipher = "rot13";
    CHECK_THROWS_AS(sender.set_outgoing_keys(bad), std::invalid_argument);
    bad = keys;
    bad.compression = "lz4";
    CHECK_THROWS_AS(receiver.set_incoming_keys(bad), std::invalid_argument);
    bad = keys;
    bad.key.pop_back();
    CHECK_THROWS_AS(receiver.set_incoming_keys(bad), std::invalid_argument);

    sender.send_packet(ssh::Bytes{2, 9});
    const ssh::Bytes wire = sender.take_output();
    (void)receiver.receive(ssh::ByteView(wire).first(20));
    CHECK_FALSE(receiver.next_packet());  // length opened, body pending
    CHECK_THROWS_AS(receiver.set_incoming_keys(keys), std::logic_error);
    (void)receiver.receive(ssh::ByteView(wire).subspan(20));
    CHECK(receiver.next_packet() == ssh::Bytes{2, 9});
}

TEST_CASE("send_packet refuses what no peer could take", "[transport]") {
    auto rng = wharf::test::seeded_rng(19);
    ssh::Transport sender(rng);
    CHECK_THROWS_AS(sender.send_packet({}), std::invalid_argument);
    CHECK_THROWS_AS(sender.send_packet(ssh::Bytes(ssh::TransportLimits{}.max_packet_length, 2)),
                    std::length_error);
    CHECK(sender.output_size() == 0);
    CHECK_THROWS_AS(ssh::Transport(rng, ssh::TransportLimits{1000}), std::invalid_argument);
}

TEST_CASE("output can be drained in pieces without losing bytes", "[transport]") {
    auto rng = wharf::test::seeded_rng(20);
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    std::mt19937 gen(20);
    std::vector<ssh::Bytes> sent;
    ssh::Bytes written;
    for (int i = 0; i < 200; ++i) {
        sent.push_back(wharf::test::message(rng, 1 + gen() % 2000));
        sender.send_packet(sent.back());
        // Write a random part of what is pending, as a socket would.
        const ssh::ByteView pending = sender.pending_output();
        const std::size_t n = gen() % (pending.size() + 1);
        written.insert(written.end(), pending.begin(),
                       pending.begin() + static_cast<std::ptrdiff_t>(n));
        sender.consume_output(n);
    }
    const ssh::Bytes rest = sender.take_output();
    written.insert(written.end(), rest.begin(), rest.end());
    CHECK(sender.output_size() == 0);
    CHECK_THROWS_AS(sender.consume_output(1), std::invalid_argument);
    CHECK(wharf::test::feed(receiver, written, 0, gen) == sent);
}

// The fuzzer invariant (STYLE.md 5), in small: arbitrary input yields packets, a wait or a
// ProtocolError; never another exception, a crash or (under ASan) a bad memory access.
TEST_CASE("random input ends in a ProtocolError or a wait, never anything else", "[transport]") {
    auto rng = wharf::test::seeded_rng(22);
    std::mt19937 gen(22);
    auto suites = k_representative_suites;
    suites.emplace_back("", "");  // pre-KEX plaintext
    for (const auto& [cipher, mac] : suites) {
        INFO(cipher << " " << mac);
        for (int i = 0; i < 300; ++i) {
            ssh::Transport receiver(rng);
            if (!cipher.empty()) {
                receiver.set_incoming_keys(wharf::test::random_keys(rng, cipher, mac));
            }
            ssh::Bytes input = wharf::test::random_bytes(rng, 4 + gen() % 800);
            if (i % 2 == 0) {
                // A plausible length, aligned with or without its own 4 bytes, so the MAC and
                // padding checks get exercised too.
                const std::uint32_t aligned = 16 * (1 + gen() % 40);
                const ssh::Bytes length = u32(i % 4 == 0 ? aligned - 4 : aligned);
                std::copy(length.begin(), length.end(), input.begin());
            }
            (void)receiver.receive(input);
            try {
                while (receiver.next_packet()) {
                }
            } catch (const ssh::ProtocolError&) {
                // expected for almost every input
            }
        }
    }
}
