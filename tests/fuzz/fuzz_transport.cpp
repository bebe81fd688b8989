// libFuzzer harness: the SSH binary packet protocol (Transport::receive / next_packet).
//
// Byte 0 picks the setup; the rest is what the peer sends.
//   bits 0-3  row of transport_suites: cipher, MAC and compression in force (row 0: "none")
//   bit 4     sealed: the rest is a list of plaintext packets, each a big-endian uint16 length
//             and that many bytes (padding_length, payload, padding), which the harness frames
//             (packet_length aligned to the block size) and seals with the suite's keys. So the
//             MAC passes and the checks behind it (padding, zlib) see fuzzer-chosen bytes.
//             Otherwise the rest goes on the wire unchanged.
//   bit 5     max_packet_length 35000 (the RFC minimum) instead of 256 KiB
//   bit 6     both sequence numbers start at 2^32 - 2, so they wrap within the input
//   bit 7     sealed only: the next two bytes name one bit of the sealed stream to flip
// Invariant (h11 fuzz/afl-server.py): the input fed whole and fed byte by byte yields the same
// payloads and ends the same way, in success or a ProtocolError. Any other exception escapes
// and crashes the fuzzer; a broken invariant traps.
#include "tests/fuzz/transport_suites.hpp"

#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <botan/rng.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

namespace ssh = wharf::ssh;
namespace fuzz = wharf::fuzz;

struct Outcome {
    std::vector<ssh::Bytes> payloads;
    std::optional<ssh::DisconnectReason> error;
    std::string error_text;

    bool operator==(const Outcome&) const = default;
};

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_transport: invariant broken: %s\n", what);
    __builtin_trap();
}

struct Setup {
    const fuzz::TransportSuite* suite = nullptr;
    bool sealed = false;
    bool small_limit = false;
    bool wrap_sequence = false;
    bool flip_bit = false;
};

ssh::Transport make_receiver(Botan::RandomNumberGenerator& rng, const Setup& setup) {
    ssh::TransportLimits limits;
    if (setup.small_limit) {
        limits.max_packet_length = 35000;
    }
    ssh::Transport transport(rng, limits);
    if (!setup.suite->cipher.empty()) {
        transport.set_incoming_keys(fuzz::transport_suite_keys(*setup.suite));
    }
    if (setup.wrap_sequence) {
        transport.set_sequence_numbers(fuzz::transport_wrap_start, 0);
    }
    return transport;
}

// Frames and seals each record as the peer would, whatever its padding_length says.
ssh::Bytes seal_records(const Setup& setup, ssh::ByteView records) {
    std::unique_ptr<ssh::PacketCipher> sealer;
    if (setup.suite->cipher.empty()) {
        sealer = ssh::make_plaintext_packet_cipher();
    } else {
        const ssh::DirectionKeys keys = fuzz::transport_suite_keys(*setup.suite);
        sealer = ssh::make_packet_cipher(ssh::CipherDirection::seal, keys.cipher, keys.mac,
                                         keys.key, keys.iv, keys.mac_key);
    }
    const std::size_t block = sealer->block_size();
    const std::size_t outside = sealer->length_outside_alignment() ? 0 : 4;
    std::uint32_t sequence = setup.wrap_sequence ? fuzz::transport_wrap_start : 0;
    ssh::Bytes wire;
    std::size_t pos = 0;
    while (pos + 2 <= records.size()) {
        std::size_t n = std::size_t{records[pos]} << 8 | records[pos + 1];
        pos += 2;
        n = std::min(n, records.size() - pos);
        std::size_t packet_length = std::max<std::size_t>(n, 5);
        while ((packet_length + outside) % block != 0) {
            ++packet_length;
        }
        const std::size_t at = wire.size();
        wire.resize(at + 4 + packet_length + sealer->trailer_size());
        std::uint8_t* const packet = wire.data() + at;
        ssh::detail::store_u32_be(static_cast<std::uint32_t>(packet_length), packet);
        std::copy(records.begin() + static_cast<std::ptrdiff_t>(pos),
                  records.begin() + static_cast<std::ptrdiff_t>(pos + n), packet + 4);
        pos += n;
        sealer->seal(sequence++, std::span(packet, 4 + packet_length),
                     std::span(packet + 4 + packet_length, sealer->trailer_size()));
    }
    return wire;
}

// Feeds `wire` in pieces of at most `chunk` bytes, taking every packet after each piece.
Outcome run(Botan::RandomNumberGenerator& rng, const Setup& setup, ssh::ByteView wire,
            std::size_t chunk) {
    ssh::Transport transport = make_receiver(rng, setup);
    Outcome outcome;
    std::size_t pos = 0;
    try {
        while (pos < wire.size()) {
            const std::size_t taken =
                transport.receive(wire.subspan(pos, std::min(chunk, wire.size() - pos)));
            pos += taken;
            bool got_one = false;
            while (auto payload = transport.next_packet()) {
                if (payload->empty()) {
                    invariant_broken("next_packet returned an empty payload");
                }
                outcome.payloads.push_back(std::move(*payload));
                got_one = true;
            }
            if (taken == 0 && !got_one) {
                invariant_broken("receive took nothing and no packet was complete");
            }
        }
    } catch (const ssh::ProtocolError& error) {
        outcome.error = error.reason();
        outcome.error_text = error.what();
        // The incoming direction stays dead, with the same error.
        try {
            (void)transport.next_packet();
            invariant_broken("next_packet succeeded after a ProtocolError");
        } catch (const ssh::ProtocolError& again) {
            if (again.reason() != error.reason() || std::string(again.what()) != error.what()) {
                invariant_broken("a second next_packet threw a different error");
            }
        }
    }
    if (transport.buffered_input() > transport.limits().max_packet_length + 4 + 64 + 16) {
        invariant_broken("buffered input beyond one packet");
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    Setup setup;
    setup.suite = &fuzz::transport_suites[selector & 0x0f];
    setup.sealed = (selector & fuzz::transport_sealed) != 0;
    setup.small_limit = (selector & fuzz::transport_small_limit) != 0;
    setup.wrap_sequence = (selector & fuzz::transport_wrap_sequence) != 0;
    setup.flip_bit = setup.sealed && (selector & fuzz::transport_flip_bit) != 0;
    ssh::ByteView rest(data + 1, size - 1);

    ssh::Bytes wire;
    if (setup.sealed) {
        std::size_t flip_at = 0;
        if (setup.flip_bit) {
            if (rest.size() < 2) {
                return 0;
            }
            flip_at = std::size_t{rest[0]} << 8 | rest[1];
            rest = rest.subspan(2);
        }
        wire = seal_records(setup, rest);
        if (setup.flip_bit && !wire.empty()) {
            flip_at %= wire.size() * 8;
            wire[flip_at / 8] ^= static_cast<std::uint8_t>(1u << (flip_at % 8));
        }
    } else {
        wire.assign(rest.begin(), rest.end());
    }

    // The transport draws padding only when sending, which this harness never does.
    Botan::Null_RNG rng;
    const Outcome whole = run(rng, setup, wire, wire.size() + 1);
    const Outcome bytewise = run(rng, setup, wire, 1);
    if (!(whole == bytewise)) {
        invariant_broken("whole and byte-by-byte input disagree");
    }
    if (setup.sealed && !setup.flip_bit && whole.error == ssh::DisconnectReason::mac_error) {
        invariant_broken("a packet sealed with the receiver's own keys failed its MAC");
    }
    return 0;
}
