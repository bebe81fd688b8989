// zlib and zlib@openssh.com compression through the transport, and the bounds on inflation.
#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/transport.hpp"

#include "ssh/transport_test_util.hpp"

#include <catch2/catch.hpp>

namespace ssh = wharf::ssh;
using ssh::DisconnectReason;

namespace {

ssh::Bytes text_payload(std::size_t size, char fill_from = 'a') {
    ssh::Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(fill_from + static_cast<char>(i % 7));
    }
    out[0] = 94;  // SSH_MSG_CHANNEL_DATA
    return out;
}

// Sends one payload and returns its wire size, after checking the receiver gets it back.
std::size_t round_trip(ssh::Transport& sender, ssh::Transport& receiver,
                       const ssh::Bytes& payload) {
    sender.send_packet(payload);
    const ssh::Bytes wire = sender.take_output();
    CHECK(receiver.receive(wire) == wire.size());
    CHECK(receiver.next_packet() == payload);
    return wire.size();
}

DisconnectReason error_of(ssh::Transport& receiver) {
    try {
        (void)receiver.next_packet();
        FAIL("next_packet did not throw");
    } catch (const ssh::ProtocolError& e) {
        return e.reason();
    }
    return DisconnectReason::reserved;
}

}  // namespace

TEST_CASE("compression names", "[compression]") {
    CHECK(ssh::find_compression("none") == ssh::CompressionMethod::none);
    CHECK(ssh::find_compression("zlib") == ssh::CompressionMethod::zlib);
    CHECK(ssh::find_compression("zlib@openssh.com") == ssh::CompressionMethod::zlib_delayed);
    CHECK_FALSE(ssh::find_compression("ZLIB"));
    CHECK_FALSE(ssh::find_compression(""));
    CHECK(ssh::default_compressions() == std::vector<std::string>{"none", "zlib@openssh.com"});
    for (const auto& name : ssh::all_compressions()) {
        CHECK(ssh::find_compression(name));
    }
}

TEST_CASE("zlib starts at NEWKEYS and keeps its context across packets",
          "[compression][transport]") {
    auto rng = wharf::test::seeded_rng(30);
    for (const auto& [cipher, mac] : std::vector<std::pair<std::string, std::string>>{
             {"aes128-ctr", "hmac-sha2-256"}, {"chacha20-poly1305@openssh.com", ""}}) {
        INFO(cipher);
        const ssh::DirectionKeys keys = wharf::test::random_keys(rng, cipher, mac, "zlib");
        ssh::Transport sender(rng);
        ssh::Transport receiver(rng);
        sender.set_outgoing_keys(keys);
        receiver.set_incoming_keys(keys);
        CHECK(sender.outgoing_compression_active());
        CHECK(receiver.incoming_compression_active());

        const ssh::Bytes text = text_payload(20000);
        CHECK(round_trip(sender, receiver, text) < 1000);
        // A random payload sent next to compressible ones survives too.
        const ssh::Bytes noise = wharf::test::message(rng, 5000);
        CHECK(round_trip(sender, receiver, noise) > 5000);
        // The second time the same text costs less: the window still holds the first copy.
        const ssh::Bytes once = wharf::test::message(rng, 3000);
        const std::size_t first = round_trip(sender, receiver, once);
        const std::size_t second = round_trip(sender, receiver, once);
        CHECK(second < first / 4);
        std::mt19937 gen(30);
        for (int i = 0; i < 100; ++i) {
            const ssh::Bytes payload = (i % 2 == 0) ? text_payload(1 + gen() % 4000, 'k')
                                                    : wharf::test::message(rng, 1 + gen() % 500);
            (void)round_trip(sender, receiver, payload);
        }
    }
}

TEST_CASE("zlib@openssh.com waits for enable_delayed_compression", "[compression][transport]") {
    auto rng = wharf::test::seeded_rng(31);
    const ssh::DirectionKeys keys =
        wharf::test::random_keys(rng, "aes256-gcm@openssh.com", "", "zlib@openssh.com");
    ssh::Transport server(rng);
    ssh::Transport client(rng);
    server.set_outgoing_keys(keys);
    client.set_incoming_keys(keys);
    CHECK_FALSE(server.outgoing_compression_active());
    CHECK_FALSE(client.incoming_compression_active());

    const ssh::Bytes text = text_payload(10000);
    CHECK(round_trip(server, client, text) > 10000);  // not compressed yet

    // USERAUTH_SUCCESS goes out uncompressed; the server switches right after sending it and
    // the client right after receiving it.
    const ssh::Bytes success{52};
    server.send_packet(success);
    server.enable_delayed_compression();
    server.send_packet(text);
    const ssh::Bytes wire = server.take_output();
    (void)client.receive(wire);
    CHECK(client.next_packet() == success);
    CHECK_FALSE(client.incoming_compression_active());
    client.enable_delayed_compression();
    CHECK(client.incoming_compression_active());
    CHECK(client.next_packet() == text);
    CHECK(wire.size() < 1000);
    client.enable_delayed_compression();  // again: no effect, context intact
    CHECK(round_trip(server, client, text) < 200);

    // After authentication a rekey to zlib@openssh.com compresses from NEWKEYS on.
    const ssh::DirectionKeys rekey = wharf::test::random_keys(
        rng, "aes128-ctr", "hmac-sha2-256-etm@openssh.com", "zlib@openssh.com");
    server.set_outgoing_keys(rekey);
    client.set_incoming_keys(rekey);
    CHECK(server.outgoing_compression_active());
    CHECK(client.incoming_compression_active());
    CHECK(round_trip(server, client, text) < 1000);

    // And a rekey to "none" stops it.
    const ssh::DirectionKeys plain =
        wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha1", "none");
    server.set_outgoing_keys(plain);
    client.set_incoming_keys(plain);
    CHECK_FALSE(server.outgoing_compression_active());
    CHECK(round_trip(server, client, text) > 10000);
}

TEST_CASE("a zlib bomb stops at the payload limit", "[compression][transport]") {
    auto rng = wharf::test::seeded_rng(32);
    const ssh::DirectionKeys keys =
        wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha2-256", "zlib");
    // The sender allows itself 16 MiB; the receiver keeps the default 256 KiB.
    ssh::Transport sender(rng, ssh::TransportLimits{16 * 1024 * 1024});
    ssh::Transport receiver(rng);
    sender.set_outgoing_keys(keys);
    receiver.set_incoming_keys(keys);

    const std::uint32_t limit = receiver.limits().max_packet_length;
    ssh::Bytes at_limit(limit, 0);
    at_limit[0] = 94;
    sender.send_packet(at_limit);
    ssh::Bytes bomb(8 * 1024 * 1024, 0);
    bomb[0] = 94;
    sender.send_packet(bomb);
    const ssh::Bytes wire = sender.take_output();
    CHECK(wire.size() < 20000);  // 8 MiB of zeros is a few kilobytes compressed
    CHECK(receiver.receive(wire) == wire.size());
    CHECK(receiver.next_packet() == at_limit);  // exactly at the limit is fine
    CHECK(error_of(receiver) == DisconnectReason::compression_error);
}

TEST_CASE("a corrupt zlib stream is a COMPRESSION_ERROR", "[compression][transport]") {
    auto rng = wharf::test::seeded_rng(33);
    ssh::DirectionKeys keys = wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha2-256", "none");
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    sender.set_outgoing_keys(keys);
    keys.compression = "zlib";
    receiver.set_incoming_keys(keys);
    sender.send_packet(text_payload(100));
    (void)receiver.receive(sender.take_output());
    CHECK(error_of(receiver) == DisconnectReason::compression_error);
}

TEST_CASE("Inflater never grows past max_output", "[compression]") {
    ssh::Deflater deflater;
    ssh::Inflater inflater;
    ssh::Bytes out;
    const ssh::Bytes zeros(100000, 0);

    const ssh::ByteView first = deflater.compress(zeros);
    inflater.decompress(first, zeros.size(), out);
    CHECK(out == zeros);

    ssh::Deflater fresh_deflater;
    ssh::Inflater fresh_inflater;
    const ssh::ByteView packet = fresh_deflater.compress(zeros);
    CHECK_THROWS_AS(fresh_inflater.decompress(packet, zeros.size() - 1, out), ssh::ProtocolError);
    CHECK(out.size() <= zeros.size());
    CHECK(out.capacity() <= 2 * zeros.size());

    ssh::Inflater garbage;
    CHECK_THROWS_AS(garbage.decompress(ssh::Bytes{0xde, 0xad, 0xbe, 0xef}, 1000, out),
                    ssh::ProtocolError);
}

TEST_CASE("a payload refused for size leaves the zlib stream in step", "[compression][transport]") {
    auto rng = wharf::test::seeded_rng(34);
    const ssh::DirectionKeys keys =
        wharf::test::random_keys(rng, "aes128-ctr", "hmac-sha2-256", "zlib");
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    sender.set_outgoing_keys(keys);
    receiver.set_incoming_keys(keys);
    const std::uint32_t limit = sender.limits().max_packet_length;
    // Checked against zlib's worst case before deflating, so nothing reaches the stream.
    CHECK_THROWS_AS(sender.send_packet(ssh::Bytes(limit - 100, 94)), std::length_error);
    CHECK(sender.output_size() == 0);
    const ssh::Bytes text = text_payload(5000);
    CHECK(round_trip(sender, receiver, text) < 500);
    CHECK(round_trip(sender, receiver, text) < 100);
}
