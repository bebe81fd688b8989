// The SFTP codec: packet framing (uint32 length, byte type, body) with a size limit, an
// incremental PacketReader and a PacketWriter, and decoding of whole packets into the typed
// messages of packets.hpp for a negotiated version. Shared by the server and client engines;
// no I/O, no state beyond buffered bytes.
#pragma once

#include "protocols/sftp/constants.hpp"
#include "protocols/sftp/decode_error.hpp"
#include "protocols/sftp/packets.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace wharf::sftp {

// Everything a client sends, and everything a server sends.
using Request = std::variant<Init, Open, Close, Read, Write, Lstat, Fstat, Setstat, Fsetstat,
                             Opendir, Readdir, Remove, Mkdir, Rmdir, Realpath, Stat, Rename,
                             Readlink, Symlink, Link, Block, Unblock, Extended>;
using Reply = std::variant<Version, Status, Handle, Data, Name, Attrs, ExtendedReply>;

// One framed packet as read off the wire: the type byte and everything after it.
struct Packet {
    std::uint8_t type = 0;
    ssh::Bytes body;
    bool operator==(const Packet&) const = default;
};

// "SSH_FXP_OPEN"; "SSH_FXP_<n>" for a number no version defines.
[[nodiscard]] std::string packet_type_name(std::uint8_t type);

// Splits a byte stream into packets. feed() only buffers what it is given; next() returns one
// whole packet at a time. Nothing is ever sized from a length the peer claims: the buffer
// grows with the bytes actually fed, and a claimed length above the maximum fails as soon as
// its 4 length bytes arrive. Call next() until it returns nullopt after each feed().
class PacketReader {
public:
    // max_packet_length bounds the uint32 length field (type byte + body), not counting
    // the 4 length bytes themselves.
    explicit PacketReader(std::uint32_t max_packet_length = kDefaultMaxPacketLength);

    void feed(ssh::ByteView bytes);

    // The next whole packet, or nullopt if more bytes are needed. Throws FramingError for a
    // length of 0 (no type byte) or above the maximum; the reader is then unusable.
    std::optional<Packet> next();

    // At least this many more bytes must be fed before next() can return a packet: the rest
    // of the length field, or the rest of the packet once the length is known. 0 when a
    // packet is ready (or the buffered length is invalid and next() will throw).
    [[nodiscard]] std::size_t bytes_needed() const noexcept;

    [[nodiscard]] std::size_t buffered() const noexcept { return m_buffer.size() - m_start; }
    [[nodiscard]] std::uint32_t max_packet_length() const noexcept { return m_max; }

private:
    [[nodiscard]] std::optional<std::uint32_t> buffered_length() const noexcept;

    ssh::Bytes m_buffer;
    std::size_t m_start = 0;  // consumed bytes at the front, dropped in batches
    std::uint32_t m_max;
};

// Frames messages into an output buffer for the transport to send.
class PacketWriter {
public:
    explicit PacketWriter(std::uint32_t max_packet_length = kDefaultMaxPacketLength);

    // Appends `message` framed for `version`. Throws std::invalid_argument if the version does
    // not define the packet type and std::length_error above the maximum length: both are bugs
    // in the caller (a DATA reply must be sized to fit), not peer input.
    // Encodes straight onto the pending bytes (a DATA reply is not copied twice); on any
    // failure the pending bytes are as before.
    template <class Message>
    void write(const Message& message, std::uint32_t version) {
        check_defined(Message::kType, version);
        const std::size_t start = m_out.size();
        ssh::Writer out(std::move(m_out));
        try {
            out.uint32(0);  // the length, set by finish_frame
            out.byte(static_cast<std::uint8_t>(Message::kType));
            message.encode(out, version);
        } catch (...) {
            m_out = out.take();
            m_out.resize(start);
            throw;
        }
        m_out = out.take();
        finish_frame(start);
    }
    void write(const Request& request, std::uint32_t version);
    void write(const Reply& reply, std::uint32_t version);

    [[nodiscard]] const ssh::Bytes& pending() const noexcept { return m_out; }
    // Hands over the framed bytes; `spare`, emptied, becomes the writer's buffer (a buffer
    // already sent, so its capacity is reused rather than a fresh one grown and faulted in).
    [[nodiscard]] ssh::Bytes take(ssh::Bytes spare = {}) noexcept;

private:
    static void check_defined(PacketType type, std::uint32_t version);
    // Sets the length of the frame written from `start`, or drops it and throws
    // std::length_error when it is over the maximum.
    void finish_frame(std::size_t start);

    ssh::Bytes m_out;
    std::uint32_t m_max;
};

// One message framed on its own (tests, one-off replies).
template <class Message>
[[nodiscard]] ssh::Bytes encode_packet(const Message& message, std::uint32_t version) {
    PacketWriter writer;
    writer.write(message, version);
    return writer.take();
}

// Decodes a packet a client sent (the server side) or a server sent (the client side) for the
// negotiated `version` (INIT and VERSION decode the same in every version). The whole body must
// be consumed. Throws sftp::DecodeError: BAD_MESSAGE for malformed packets, OP_UNSUPPORTED
// for a type the version does not define or that is not a request (resp. reply).
[[nodiscard]] Request decode_request(const Packet& packet, std::uint32_t version);
[[nodiscard]] Reply decode_reply(const Packet& packet, std::uint32_t version);

// The version both sides speak after INIT: the lower of the client's and ours (-13 section 5:
// the server replies with min(client, server)). nullopt when that is below 3, which we do not
// speak. Throws std::invalid_argument unless 3 <= our_max <= 6.
[[nodiscard]] std::optional<std::uint32_t> negotiate_version(std::uint32_t client_version,
                                                             std::uint32_t our_max = kMaxVersion);

}  // namespace wharf::sftp
