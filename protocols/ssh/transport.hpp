// The SSH binary packet protocol (RFC 4253 section 6) as a sans-I/O object: framing, padding,
// size limits, sequence numbers, one cipher slot and one compression stream per direction.
// Nothing of KEX lives here: the KEX layer derives DirectionKeys and switches them in at
// NEWKEYS; this class only does what it is told, in packet order.
//
// Methods, by kind (the driver calls them in this order):
//   inputs    receive(), then next_packet() until it returns nullopt
//   outputs   send_packet(), then pending_output()/consume_output() or take_output()
//   mutators  set_incoming_keys(), set_outgoing_keys(), enable_delayed_compression(),
//             reset_incoming_sequence(), reset_outgoing_sequence()
//   getters   sequence numbers, traffic counters, buffer sizes
// No sockets, threads or clock. Padding comes from the injected RNG (drawn 256 bytes at a time
// and used in order) so tests can fix it.
#pragma once

#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/wire.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

struct TransportLimits {
    // The largest packet_length we accept from the peer or build ourselves, and the largest
    // payload decompression may produce. RFC 4253 6.1 requires at least 35000-byte packets;
    // OpenSSH uses 256 KiB. Must lie in [35000, 64 MiB].
    std::uint32_t max_packet_length = 256 * 1024;
};

// What one direction needs after NEWKEYS: the negotiated names and the key material derived
// for them (RFC 4253 7.2). Sizes must be exactly those of key_material_sizes().
struct DirectionKeys {
    std::string cipher;       // "aes128-ctr", "chacha20-poly1305@openssh.com", ...
    std::string mac;          // ignored (may be empty) for AEAD ciphers
    std::string compression;  // "none", "zlib", "zlib@openssh.com"
    Bytes key;
    Bytes iv;
    Bytes mac_key;
};

struct KeyMaterialSizes {
    std::size_t key = 0;
    std::size_t iv = 0;
    std::size_t mac_key = 0;  // 0 for AEAD ciphers: their MAC name is ignored
};

// How much key material the KEX must derive for a cipher and MAC pair.
// Throws std::invalid_argument for an unknown cipher, or an unknown MAC with a non-AEAD cipher.
[[nodiscard]] KeyMaterialSizes key_material_sizes(std::string_view cipher, std::string_view mac);

// Packets and wire bytes (length, body and MAC) since the last key change, for rekey limits.
struct TrafficCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

class Transport {
public:
    // rng supplies padding and must outlive the Transport. Throws std::invalid_argument for
    // limits outside the documented range. Both directions start with "none" (no cipher, MAC
    // or compression) and sequence number 0.
    explicit Transport(Botan::RandomNumberGenerator& rng, TransportLimits limits = {});
    ~Transport();
    Transport(Transport&&) noexcept;
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    Transport& operator=(Transport&&) = delete;

    // --- input ---------------------------------------------------------------------------

    // Buffers peer bytes without decoding them and returns how many it took: at most
    // receive_capacity(), which is one maximum-size packet (with MAC) and a block beyond what
    // next_packet() has not yet consumed. A driver reads at most receive_capacity() bytes,
    // hands them over, then calls next_packet() until it returns nullopt.
    [[nodiscard]] std::size_t receive(ByteView bytes);
    [[nodiscard]] std::size_t receive_capacity() const noexcept;
    [[nodiscard]] std::size_t buffered_input() const noexcept { return m_in.size() - m_in_start; }

    // The next payload (message number first), decrypted, verified and decompressed, or nullopt
    // when more bytes are needed. Each byte is decrypted once, even across calls that return
    // nullopt. Throws ProtocolError for anything the peer got wrong: PROTOCOL_ERROR for bad
    // lengths or padding, MAC_ERROR for a bad MAC or tag, COMPRESSION_ERROR for a bad zlib
    // stream. After a ProtocolError the incoming direction is dead and every further call
    // throws the same error; sending (a DISCONNECT) still works.
    // After returning NEWKEYS, call set_incoming_keys() before calling this again.
    [[nodiscard]] std::optional<Bytes> next_packet();

    // --- output --------------------------------------------------------------------------

    // Compresses (when on), pads with 4 or more random bytes to the block size, encrypts and
    // MACs one payload and appends the packet to the output. payload must be non-empty and
    // must not point into this Transport's own buffers. Throws std::invalid_argument for an
    // empty payload and std::length_error when the packet could exceed max_packet_length
    // (payloads up to max_packet_length - 21 always fit; with compression on, zlib's
    // worst-case growth of 0.1% + 64 bytes is reserved too). Nothing is sent or changed then.
    void send_packet(ByteView payload);
    // The same for a payload in two pieces (a CHANNEL_DATA header and the data it carries),
    // copied once, straight into the packet.
    void send_packet(ByteView head, ByteView body);

    // Bytes waiting to be written: valid until the next send_packet() or consume_output().
    [[nodiscard]] ByteView pending_output() const noexcept;
    // Drops the first n bytes of pending_output() (they were written). n <= output_size().
    void consume_output(std::size_t n);
    // Hands over all pending bytes. `spare`, emptied, becomes the output buffer (its capacity
    // reused); without one the next send_packet() grows a fresh buffer.
    [[nodiscard]] Bytes take_output(Bytes spare = {});
    [[nodiscard]] std::size_t output_size() const noexcept { return m_out.size() - m_out_start; }

    // --- key changes -----------------------------------------------------------------------

    // Switch one direction to new keys, atomically: call set_outgoing_keys() right after
    // send_packet(NEWKEYS) and set_incoming_keys() right after next_packet() returned NEWKEYS.
    // Restarts that direction's compression (RFC 4253 6.2) and traffic counters. The sequence
    // number carries on unless reset (strict KEX). Throws std::invalid_argument for unknown
    // names or wrong key sizes (nothing changes then), std::logic_error for
    // set_incoming_keys() in the middle of a packet.
    void set_incoming_keys(const DirectionKeys& keys);
    void set_outgoing_keys(const DirectionKeys& keys);

    // Starts "zlib@openssh.com" in each direction that negotiated it, now and after every later
    // key change. Call it once authentication has succeeded: the server right after sending
    // USERAUTH_SUCCESS, the client right after receiving it. Calling it again does nothing.
    void enable_delayed_compression();
    [[nodiscard]] bool incoming_compression_active() const noexcept {
        return m_inflater != nullptr;
    }
    [[nodiscard]] bool outgoing_compression_active() const noexcept {
        return m_deflater != nullptr;
    }

    // --- sequence numbers and counters -------------------------------------------------------

    // The sequence number the next packet in that direction gets (uint32, wraps to 0).
    [[nodiscard]] std::uint32_t incoming_sequence() const noexcept { return m_in_sequence; }
    [[nodiscard]] std::uint32_t outgoing_sequence() const noexcept { return m_out_sequence; }
    // Strict KEX (OpenSSH PROTOCOL 1.9): zero the counter right after each NEWKEYS.
    void reset_incoming_sequence() noexcept { m_in_sequence = 0; }
    void reset_outgoing_sequence() noexcept { m_out_sequence = 0; }
    // For tests and fuzzers only: start both counters elsewhere so wrap-around is reachable.
    void set_sequence_numbers(std::uint32_t incoming, std::uint32_t outgoing) noexcept {
        m_in_sequence = incoming;
        m_out_sequence = outgoing;
    }

    [[nodiscard]] const TrafficCounters& incoming_counters() const noexcept {
        return m_in_counters;
    }
    [[nodiscard]] const TrafficCounters& outgoing_counters() const noexcept {
        return m_out_counters;
    }

    [[nodiscard]] const TransportLimits& limits() const noexcept { return m_limits; }

private:
    std::optional<Bytes> read_packet();
    void check_packet_length(std::uint32_t packet_length) const;
    void compact_output();
    void fill_padding(std::uint8_t* out, std::size_t n);

    Botan::RandomNumberGenerator& m_rng;
    TransportLimits m_limits;
    std::size_t m_input_limit;
    bool m_delayed_compression_enabled = false;

    // Incoming: bytes [m_in_start, m_in.size()) are not yet consumed. While m_in_length holds a
    // value, the current packet's length prefix has been opened (and possibly decrypted in
    // place) and must not be opened again.
    std::unique_ptr<PacketCipher> m_in_cipher;
    Bytes m_in;
    std::size_t m_in_start = 0;
    std::optional<std::uint32_t> m_in_length;
    std::uint32_t m_in_sequence = 0;
    TrafficCounters m_in_counters;
    CompressionMethod m_in_compression = CompressionMethod::none;
    std::unique_ptr<Inflater> m_inflater;
    std::optional<ProtocolError> m_in_error;

    // Outgoing: bytes [m_out_start, m_out.size()) are waiting to be written.
    std::unique_ptr<PacketCipher> m_out_cipher;
    Bytes m_out;
    std::size_t m_out_start = 0;
    std::uint32_t m_out_sequence = 0;
    TrafficCounters m_out_counters;
    CompressionMethod m_out_compression = CompressionMethod::none;
    std::unique_ptr<Deflater> m_deflater;
    static constexpr std::size_t k_padding_pool_size = 256;
    std::array<std::uint8_t, k_padding_pool_size> m_padding_pool{};
    std::size_t m_padding_used = k_padding_pool_size;  // all used: the first packet draws
};

}  // namespace wharf::ssh
