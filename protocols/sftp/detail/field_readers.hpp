// Small reads shared by the packet and extension decoders. Internal to protocols/sftp.
#pragma once

#include "protocols/sftp/constants.hpp"
#include "protocols/ssh/wire.hpp"

#include <string>
#include <string_view>

namespace wharf::sftp::detail {

// A handle string, held to the 256-byte limit of -13 section 8.1.
inline std::string read_handle(ssh::Reader& in, std::string_view field = "handle") {
    const ssh::ByteView bytes = in.string(field);
    if (bytes.size() > kMaxHandleLength) {
        throw ssh::DecodeError(in.message_name(), std::string(field),
                               "handle of " + std::to_string(bytes.size()) +
                                   " bytes exceeds 256");
    }
    return std::string(bytes.begin(), bytes.end());
}

inline ssh::Bytes read_bytes(ssh::Reader& in, std::string_view field) {
    const ssh::ByteView bytes = in.string(field);
    return ssh::Bytes(bytes.begin(), bytes.end());
}

inline ssh::Bytes rest_bytes(ssh::Reader& in) {
    const ssh::ByteView bytes = in.rest();
    return ssh::Bytes(bytes.begin(), bytes.end());
}

// A count of items that each take at least `min_item_size` bytes, refused when the bytes left
// cannot hold that many: the check comes before any reserve() or loop.
inline std::uint32_t read_count(ssh::Reader& in, std::string_view field,
                                std::size_t min_item_size) {
    const std::uint32_t count = in.uint32(field);
    if (count > in.remaining() / min_item_size) {
        throw ssh::DecodeError(in.message_name(), std::string(field),
                               "count " + std::to_string(count) + " exceeds the " +
                                   std::to_string(in.remaining()) + " bytes left");
    }
    return count;
}

inline ssh::ByteView as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace wharf::sftp::detail
