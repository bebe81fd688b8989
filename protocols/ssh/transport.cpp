// The binary packet protocol: RFC 4253 section 6, with the OpenSSH variants (encrypt-then-MAC,
// AES-GCM, chacha20-poly1305) hidden behind PacketCipher. Framing rules enforced here:
//   packet_length  5 <= packet_length <= max_packet_length, and a multiple of the block size
//                  (packet_length + 4 when the length is encrypted with the rest)
//   padding        4 <= padding_length and at least one payload byte (the message number)
// Checks on packet_length run before the packet's bytes are awaited, and nothing is allocated
// from a claimed length: the input buffer only ever holds bytes that actually arrived.
#include "protocols/ssh/transport.hpp"

#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <botan/rng.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wharf::ssh {

namespace {

constexpr std::uint32_t k_min_max_packet_length = 35000;  // RFC 4253 6.1
constexpr std::uint32_t k_max_max_packet_length = 64 * 1024 * 1024;
constexpr std::size_t k_max_trailer = 64;  // HMAC-SHA-512
constexpr std::size_t k_max_block = 16;
constexpr std::size_t k_min_padding = 4;  // RFC 4253 6

[[noreturn]] void protocol_error(const std::string& description) {
    throw ProtocolError(DisconnectReason::protocol_error, description);
}

CompressionMethod compression_method(const std::string& name) {
    const std::optional<CompressionMethod> method = find_compression(name);
    if (!method) {
        throw std::invalid_argument("unknown compression \"" + name + "\"");
    }
    return *method;
}

}  // namespace

KeyMaterialSizes key_material_sizes(std::string_view cipher, std::string_view mac) {
    const CipherInfo* const cipher_row = find_cipher(cipher);
    if (cipher_row == nullptr) {
        throw std::invalid_argument("unknown cipher \"" + std::string(cipher) + "\"");
    }
    KeyMaterialSizes sizes{cipher_row->key_size, cipher_row->iv_size, 0};
    if (!cipher_row->aead) {
        const MacInfo* const mac_row = find_mac(mac);
        if (mac_row == nullptr) {
            throw std::invalid_argument("unknown MAC \"" + std::string(mac) + "\"");
        }
        sizes.mac_key = mac_row->key_size;
    }
    return sizes;
}

Transport::Transport(Botan::RandomNumberGenerator& rng, TransportLimits limits)
    : m_rng(rng),
      m_limits(limits),
      m_input_limit(4 + std::size_t{limits.max_packet_length} + k_max_trailer + k_max_block),
      m_in_cipher(make_plaintext_packet_cipher()),
      m_out_cipher(make_plaintext_packet_cipher()) {
    if (limits.max_packet_length < k_min_max_packet_length ||
        limits.max_packet_length > k_max_max_packet_length) {
        throw std::invalid_argument("max_packet_length must lie in [35000, 64 MiB]");
    }
}

Transport::~Transport() = default;
Transport::Transport(Transport&&) noexcept = default;

// ---------------------------------------------------------------------------------------------
// Input

std::size_t Transport::receive(ByteView bytes) {
    const std::size_t n = std::min(bytes.size(), receive_capacity());
    if (n == 0) {
        return 0;
    }
    if (m_in_start != 0) {
        // Move the unconsumed tail (less than one packet) to the front once, instead of
        // letting the buffer creep forward.
        m_in.erase(m_in.begin(), m_in.begin() + static_cast<std::ptrdiff_t>(m_in_start));
        m_in_start = 0;
    }
    m_in.insert(m_in.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
}

std::size_t Transport::receive_capacity() const noexcept {
    const std::size_t buffered = buffered_input();
    return buffered >= m_input_limit ? 0 : m_input_limit - buffered;
}

std::optional<Bytes> Transport::next_packet() {
    if (m_in_error) {
        throw *m_in_error;
    }
    try {
        return read_packet();
    } catch (const ProtocolError& error) {
        m_in_error = error;
        throw;
    }
}

std::optional<Bytes> Transport::read_packet() {
    PacketCipher& cipher = *m_in_cipher;
    const std::size_t available = buffered_input();
    if (!m_in_length) {
        const std::size_t prefix = cipher.length_prefix_size();
        if (available < prefix) {
            return std::nullopt;
        }
        const std::uint32_t length =
            cipher.open_length(m_in_sequence, std::span(m_in.data() + m_in_start, prefix));
        check_packet_length(length);
        m_in_length = length;
    }
    const std::uint32_t packet_length = *m_in_length;
    const std::size_t packet_size = 4 + std::size_t{packet_length};
    const std::size_t wire_size = packet_size + cipher.trailer_size();
    if (available < wire_size) {
        return std::nullopt;
    }

    std::uint8_t* const packet = m_in.data() + m_in_start;
    cipher.open(m_in_sequence, std::span(packet, packet_size),
                ByteView(packet + packet_size, cipher.trailer_size()));
    // Authenticated from here on; the bytes are spent whatever the checks below find.
    m_in_start += wire_size;
    m_in_length.reset();
    ++m_in_sequence;
    ++m_in_counters.packets;
    m_in_counters.bytes += wire_size;

    const std::uint8_t padding = packet[4];
    if (padding < k_min_padding || std::size_t{padding} + 2 > packet_length) {
        protocol_error("padding_length " + std::to_string(padding) + " is invalid for a " +
                       std::to_string(packet_length) + "-byte packet");
    }
    const ByteView payload(packet + 5, packet_length - 1 - padding);
    Bytes out;
    if (m_inflater) {
        m_inflater->decompress(payload, m_limits.max_packet_length, out);
        if (out.empty()) {
            protocol_error("empty payload after decompression");
        }
    } else {
        out.assign(payload.begin(), payload.end());
    }
    if (m_in_start == m_in.size()) {
        m_in.clear();  // keeps the capacity for the next packet
        m_in_start = 0;
    }
    return out;
}

void Transport::check_packet_length(std::uint32_t packet_length) const {
    const PacketCipher& cipher = *m_in_cipher;
    if (packet_length < 1 + k_min_padding) {
        protocol_error("packet_length " + std::to_string(packet_length) + " is too small");
    }
    if (packet_length > m_limits.max_packet_length) {
        protocol_error("packet_length " + std::to_string(packet_length) + " exceeds the limit " +
                       std::to_string(m_limits.max_packet_length));
    }
    const std::size_t aligned =
        cipher.length_outside_alignment() ? packet_length : std::size_t{packet_length} + 4;
    if (aligned % cipher.block_size() != 0) {
        protocol_error("packet_length " + std::to_string(packet_length) +
                       " is not aligned to the " + std::to_string(cipher.block_size()) +
                       "-byte block size");
    }
}

// ---------------------------------------------------------------------------------------------
// Output

void Transport::send_packet(ByteView payload) { send_packet(payload, {}); }

void Transport::send_packet(ByteView head, ByteView tail) {
    const std::size_t payload_size = head.size() + tail.size();
    if (payload_size == 0) {
        throw std::invalid_argument("send_packet: empty payload");
    }
    // With compression on, check against zlib's worst-case growth before deflating: a packet
    // refused after deflate() would leave the peer's inflate stream out of step with ours.
    const std::size_t worst_body = m_deflater ? payload_size + payload_size / 1024 + 64 : payload_size;
    if (1 + worst_body + k_min_padding + k_max_block > m_limits.max_packet_length) {
        throw std::length_error("send_packet: payload too large for max_packet_length");
    }
    // zlib wants one piece; without it the pieces are copied into the packet as they are.
    Bytes joined;
    if (m_deflater && !tail.empty()) {
        joined.reserve(payload_size);
        joined.insert(joined.end(), head.begin(), head.end());
        joined.insert(joined.end(), tail.begin(), tail.end());
        head = joined;
        tail = {};
    }
    const ByteView compressed = m_deflater ? m_deflater->compress(head) : ByteView{};
    const ByteView first = m_deflater ? compressed : head;
    const ByteView second = m_deflater ? ByteView{} : tail;
    const std::size_t body_size = first.size() + second.size();

    PacketCipher& cipher = *m_out_cipher;
    const std::size_t block = cipher.block_size();
    const std::size_t unpadded = (cipher.length_outside_alignment() ? 0 : 4) + 1 + body_size;
    std::size_t padding = block - unpadded % block;
    if (padding < k_min_padding) {
        padding += block;
    }
    const std::size_t packet_length = 1 + body_size + padding;
    if (packet_length > m_limits.max_packet_length) {
        throw std::logic_error("send_packet: zlib grew the payload past its worst case");
    }
    const std::size_t packet_size = 4 + packet_length;
    const std::size_t trailer = cipher.trailer_size();

    compact_output();
    const std::size_t at = m_out.size();
    // Appended rather than resized and overwritten: the body is written once, not zeroed first.
    if (m_out.capacity() < at + packet_size + trailer) {
        m_out.reserve(std::max(at + packet_size + trailer, 2 * m_out.capacity()));
    }
    std::uint8_t header[5];
    detail::store_u32_be(static_cast<std::uint32_t>(packet_length), header);
    header[4] = static_cast<std::uint8_t>(padding);
    m_out.insert(m_out.end(), header, header + 5);
    m_out.insert(m_out.end(), first.begin(), first.end());
    m_out.insert(m_out.end(), second.begin(), second.end());
    m_out.resize(at + packet_size + trailer);  // padding and MAC/tag room
    std::uint8_t* const packet = m_out.data() + at;
    try {
        fill_padding(packet + 5 + body_size, padding);
        cipher.seal(m_out_sequence, std::span(packet, packet_size),
                    std::span(packet + packet_size, trailer));
    } catch (...) {
        m_out.resize(at);  // no half-built packet in the output
        throw;
    }
    ++m_out_sequence;
    ++m_out_counters.packets;
    m_out_counters.bytes += packet_size + trailer;
}

void Transport::fill_padding(std::uint8_t* out, std::size_t n) {
    // Padding needs no secrecy, only unpredictability, and an RNG call can cost more than
    // sealing a 32 KiB packet (Botan's AutoSeeded_RNG: ~10 us). So draw a pool at a time and
    // hand it out in order, which keeps the padding stream exactly the RNG's output.
    while (n > 0) {
        if (m_padding_used == m_padding_pool.size()) {
            m_rng.randomize(m_padding_pool.data(), m_padding_pool.size());
            m_padding_used = 0;
        }
        const std::size_t take = std::min(n, m_padding_pool.size() - m_padding_used);
        std::memcpy(out, m_padding_pool.data() + m_padding_used, take);
        m_padding_used += take;
        out += take;
        n -= take;
    }
}

ByteView Transport::pending_output() const noexcept {
    return ByteView(m_out.data() + m_out_start, m_out.size() - m_out_start);
}

void Transport::consume_output(std::size_t n) {
    if (n > output_size()) {
        throw std::invalid_argument("consume_output: more bytes than are pending");
    }
    m_out_start += n;
    if (m_out_start == m_out.size()) {
        m_out.clear();
        m_out_start = 0;
    }
}

Bytes Transport::take_output(Bytes spare) {
    Bytes out;
    if (m_out_start == 0) {
        out.swap(m_out);
        spare.clear();
        m_out.swap(spare);
    } else {
        out.assign(m_out.begin() + static_cast<std::ptrdiff_t>(m_out_start), m_out.end());
        m_out.clear();
        m_out_start = 0;
    }
    return out;
}

void Transport::compact_output() {
    // Written bytes are dropped once they outweigh the unwritten ones, so the copy is amortised.
    if (m_out_start != 0 && m_out_start >= output_size()) {
        m_out.erase(m_out.begin(), m_out.begin() + static_cast<std::ptrdiff_t>(m_out_start));
        m_out_start = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Key changes

void Transport::set_incoming_keys(const DirectionKeys& keys) {
    if (m_in_length) {
        throw std::logic_error("set_incoming_keys in the middle of a packet");
    }
    // Build everything first so a bad argument leaves the old keys in place.
    auto cipher = make_packet_cipher(CipherDirection::open, keys.cipher, keys.mac, keys.key,
                                     keys.iv, keys.mac_key);
    const CompressionMethod method = compression_method(keys.compression);
    const bool start = method == CompressionMethod::zlib ||
                       (method == CompressionMethod::zlib_delayed && m_delayed_compression_enabled);
    auto inflater = start ? std::make_unique<Inflater>() : nullptr;

    m_in_cipher = std::move(cipher);
    m_in_compression = method;
    m_inflater = std::move(inflater);
    m_in_counters = {};
}

void Transport::set_outgoing_keys(const DirectionKeys& keys) {
    auto cipher = make_packet_cipher(CipherDirection::seal, keys.cipher, keys.mac, keys.key,
                                     keys.iv, keys.mac_key);
    const CompressionMethod method = compression_method(keys.compression);
    const bool start = method == CompressionMethod::zlib ||
                       (method == CompressionMethod::zlib_delayed && m_delayed_compression_enabled);
    auto deflater = start ? std::make_unique<Deflater>() : nullptr;

    m_out_cipher = std::move(cipher);
    m_out_compression = method;
    m_deflater = std::move(deflater);
    m_out_counters = {};
}

void Transport::enable_delayed_compression() {
    if (m_delayed_compression_enabled) {
        return;
    }
    m_delayed_compression_enabled = true;
    if (m_in_compression == CompressionMethod::zlib_delayed && !m_inflater) {
        m_inflater = std::make_unique<Inflater>();
    }
    if (m_out_compression == CompressionMethod::zlib_delayed && !m_deflater) {
        m_deflater = std::make_unique<Deflater>();
    }
}

}  // namespace wharf::ssh
