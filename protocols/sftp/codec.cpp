#include "protocols/sftp/codec.hpp"

#include <algorithm>
#include <array>

namespace wharf::sftp {

namespace {

std::optional<std::uint32_t> peek_request_id(PacketType type, const ssh::Bytes& body) {
    if (type == PacketType::init || type == PacketType::version || body.size() < 4) {
        return std::nullopt;
    }
    return (std::uint32_t{body[0]} << 24) | (std::uint32_t{body[1]} << 16) |
           (std::uint32_t{body[2]} << 8) | std::uint32_t{body[3]};
}

// Decodes `packet` as Message and checks nothing is left over; every failure becomes an
// sftp::DecodeError carrying the request id, if the packet got that far.
template <class Message, class Variant>
Variant decode_as(const Packet& packet, std::uint32_t version) {
    const std::string name = packet_type_name(packet.type);
    try {
        ssh::Reader in(name, ssh::ByteView(packet.body));
        Message message = Message::decode(in, version);
        // -13 section 4: a v6 implementation MUST ignore data after the fields it knows
        // (room for future fields); earlier drafts say nothing, so there it is an error.
        if (version < 6) in.expect_end();
        return message;
    } catch (const ssh::DecodeError& error) {
        throw DecodeError(error, peek_request_id(Message::kType, packet.body));
    }
}

[[noreturn]] void unsupported(const Packet& packet, std::uint32_t version, const char* why) {
    const auto type = static_cast<PacketType>(packet.type);
    throw DecodeError(packet_type_name(packet.type), "type",
                      std::string(why) + " in version " + std::to_string(version),
                      peek_request_id(type, packet.body), StatusCode::op_unsupported);
}

}  // namespace

std::string packet_type_name(std::uint8_t type) {
    static constexpr std::array<const char*, 24> kRequestNames{
        nullptr,       "INIT",    "VERSION",  "OPEN",     "CLOSE",   "READ",
        "WRITE",       "LSTAT",   "FSTAT",    "SETSTAT",  "FSETSTAT", "OPENDIR",
        "READDIR",     "REMOVE",  "MKDIR",    "RMDIR",    "REALPATH", "STAT",
        "RENAME",      "READLINK", "SYMLINK", "LINK",     "BLOCK",   "UNBLOCK"};
    static constexpr std::array<const char*, 5> kReplyNames{"STATUS", "HANDLE", "DATA", "NAME",
                                                             "ATTRS"};
    const char* name = nullptr;
    if (type < kRequestNames.size()) {
        name = kRequestNames[type];
    } else if (type >= 101 && type <= 105) {
        name = kReplyNames[type - 101];
    } else if (type == 200) {
        name = "EXTENDED";
    } else if (type == 201) {
        name = "EXTENDED_REPLY";
    }
    return std::string("SSH_FXP_") + (name != nullptr ? name : std::to_string(type));
}

// PacketReader ---------------------------------------------------------------------------------

PacketReader::PacketReader(std::uint32_t max_packet_length) : m_max(max_packet_length) {}

void PacketReader::feed(ssh::ByteView bytes) {
    // Drop consumed bytes once they are the larger part, so feeding stays linear overall.
    if (m_start > 0 && m_start >= m_buffer.size() / 2) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start));
        m_start = 0;
    }
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
    if (const auto length = buffered_length(); length && (*length == 0 || *length > m_max)) {
        throw FramingError("sftp: packet length " + std::to_string(*length) +
                           (*length == 0 ? " leaves no type byte"
                                         : " exceeds the maximum " + std::to_string(m_max)));
    }
}

std::optional<std::uint32_t> PacketReader::buffered_length() const noexcept {
    if (buffered() < 4) return std::nullopt;
    const std::uint8_t* p = m_buffer.data() + m_start;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::size_t PacketReader::bytes_needed() const noexcept {
    const auto length = buffered_length();
    if (!length) return 4 - buffered();
    if (*length == 0 || *length > m_max) return 0;
    const std::size_t total = std::size_t{4} + *length;
    return total > buffered() ? total - buffered() : 0;
}

std::optional<Packet> PacketReader::next() {
    const auto length = buffered_length();
    if (!length) return std::nullopt;
    if (*length == 0 || *length > m_max) {
        throw FramingError("sftp: packet length " + std::to_string(*length) + " is invalid");
    }
    if (buffered() < std::size_t{4} + *length) return std::nullopt;
    const auto first = m_buffer.begin() + static_cast<std::ptrdiff_t>(m_start + 4);
    Packet packet;
    packet.type = *first;
    packet.body.assign(first + 1, first + static_cast<std::ptrdiff_t>(*length));
    m_start += std::size_t{4} + *length;
    return packet;
}

// PacketWriter ---------------------------------------------------------------------------------

PacketWriter::PacketWriter(std::uint32_t max_packet_length) : m_max(max_packet_length) {}

void PacketWriter::check_defined(PacketType type, std::uint32_t version) {
    if (!packet_type_defined(type, version)) {
        throw std::invalid_argument(packet_type_name(static_cast<std::uint8_t>(type)) +
                                    " does not exist in SFTP version " + std::to_string(version));
    }
}

void PacketWriter::finish_frame(std::size_t start) {
    const std::size_t length = m_out.size() - start - 4;
    if (length > m_max) {
        m_out.resize(start);
        throw std::length_error("sftp: packet of " + std::to_string(length) + " bytes exceeds the maximum " +
                                std::to_string(m_max));
    }
    for (int i = 0; i < 4; ++i) {
        m_out[start + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
    }
}

void PacketWriter::write(const Request& request, std::uint32_t version) {
    std::visit([&](const auto& message) { write(message, version); }, request);
}

void PacketWriter::write(const Reply& reply, std::uint32_t version) {
    std::visit([&](const auto& message) { write(message, version); }, reply);
}

ssh::Bytes PacketWriter::take(ssh::Bytes spare) noexcept {
    ssh::Bytes out;
    out.swap(m_out);
    spare.clear();
    m_out.swap(spare);
    return out;
}

// Decoding -------------------------------------------------------------------------------------

Request decode_request(const Packet& packet, std::uint32_t version) {
    const auto type = static_cast<PacketType>(packet.type);
    if (!packet_type_defined(type, version)) unsupported(packet, version, "not defined");
    switch (type) {
        case PacketType::init: return decode_as<Init, Request>(packet, version);
        case PacketType::open: return decode_as<Open, Request>(packet, version);
        case PacketType::close: return decode_as<Close, Request>(packet, version);
        case PacketType::read: return decode_as<Read, Request>(packet, version);
        case PacketType::write: return decode_as<Write, Request>(packet, version);
        case PacketType::lstat: return decode_as<Lstat, Request>(packet, version);
        case PacketType::fstat: return decode_as<Fstat, Request>(packet, version);
        case PacketType::setstat: return decode_as<Setstat, Request>(packet, version);
        case PacketType::fsetstat: return decode_as<Fsetstat, Request>(packet, version);
        case PacketType::opendir: return decode_as<Opendir, Request>(packet, version);
        case PacketType::readdir: return decode_as<Readdir, Request>(packet, version);
        case PacketType::remove: return decode_as<Remove, Request>(packet, version);
        case PacketType::mkdir: return decode_as<Mkdir, Request>(packet, version);
        case PacketType::rmdir: return decode_as<Rmdir, Request>(packet, version);
        case PacketType::realpath: return decode_as<Realpath, Request>(packet, version);
        case PacketType::stat: return decode_as<Stat, Request>(packet, version);
        case PacketType::rename: return decode_as<Rename, Request>(packet, version);
        case PacketType::readlink: return decode_as<Readlink, Request>(packet, version);
        case PacketType::symlink: return decode_as<Symlink, Request>(packet, version);
        case PacketType::link: return decode_as<Link, Request>(packet, version);
        case PacketType::block: return decode_as<Block, Request>(packet, version);
        case PacketType::unblock: return decode_as<Unblock, Request>(packet, version);
        case PacketType::extended: return decode_as<Extended, Request>(packet, version);
        default: unsupported(packet, version, "not a request");
    }
}

Reply decode_reply(const Packet& packet, std::uint32_t version) {
    switch (static_cast<PacketType>(packet.type)) {
        case PacketType::version: return decode_as<Version, Reply>(packet, version);
        case PacketType::status: return decode_as<Status, Reply>(packet, version);
        case PacketType::handle: return decode_as<Handle, Reply>(packet, version);
        case PacketType::data: return decode_as<Data, Reply>(packet, version);
        case PacketType::name: return decode_as<Name, Reply>(packet, version);
        case PacketType::attrs: return decode_as<Attrs, Reply>(packet, version);
        case PacketType::extended_reply: return decode_as<ExtendedReply, Reply>(packet, version);
        default: unsupported(packet, version, "not a reply");
    }
}

std::optional<std::uint32_t> negotiate_version(std::uint32_t client_version,
                                               std::uint32_t our_max) {
    if (our_max < kMinVersion || our_max > kMaxVersion) {
        throw std::invalid_argument("sftp: our maximum version must be 3..6, not " +
                                    std::to_string(our_max));
    }
    const std::uint32_t chosen = std::min(client_version, our_max);
    if (chosen < kMinVersion) return std::nullopt;
    return chosen;
}

}  // namespace wharf::sftp
