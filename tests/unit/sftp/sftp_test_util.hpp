// Helpers for the SFTP codec tests: hex, framing, sample attributes per version.
#pragma once

#include "protocols/sftp/codec.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sftp_test {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;

// Hex with optional spaces/newlines, so layouts can be written field by field.
inline ssh::Bytes hex(std::string_view text) {
    ssh::Bytes out;
    int high = -1;
    for (const char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else continue;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    REQUIRE(high < 0);
    return out;
}

inline std::string to_hex(const ssh::Bytes& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

// A framed packet split back into a Packet (REQUIREs exactly one).
inline sftp::Packet unframe(const ssh::Bytes& framed) {
    sftp::PacketReader reader;
    reader.feed(ssh::ByteView(framed));
    auto packet = reader.next();
    REQUIRE(packet.has_value());
    REQUIRE(reader.buffered() == 0);
    return *packet;
}

// Attributes using every field `version` carries (times with nanoseconds from v4 on).
inline sftp::FileAttributes full_attributes(std::uint32_t version) {
    sftp::FileAttributes a;
    a.size = 123456789012ULL;
    a.permissions = 0100644;
    a.extended = {{"vendor@example.com", std::string("\x00\x01", 2)}};
    if (version == 3) {
        a.uid_gid = sftp::UidGid{1000, 100};
        a.atime = sftp::FileTime{1700000000, std::nullopt};
        a.mtime = sftp::FileTime{1700000001, std::nullopt};
        return a;
    }
    a.type = sftp::FileType::regular;
    a.owner_group = sftp::OwnerGroup{"alice@example.com", "staff@example.com"};
    a.atime = sftp::FileTime{-1, 500000000};
    a.createtime = sftp::FileTime{1600000000, 1};
    a.mtime = sftp::FileTime{1700000000, 999999999};
    a.acl = ssh::Bytes{0, 0, 0, 0};
    if (version >= 5) a.attrib_bits = 0x5;
    if (version >= 6) {
        a.attrib_bits_valid = 0xfff;
        a.allocation_size = 123456790528ULL;
        a.ctime = sftp::FileTime{1700000002, 7};
        a.text_hint = 0x02;
        a.mime_type = "text/plain";
        a.link_count = 2;
        a.untranslated_name = "caf\xe9";
    }
    return a;
}

}  // namespace sftp_test
