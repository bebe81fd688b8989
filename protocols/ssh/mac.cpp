// The MAC table: lookup by wire name and the default offer. The rows live in mac_*.cpp.
#include "protocols/ssh/mac.hpp"

#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <botan/mem_ops.h>

#include <array>

namespace wharf::ssh {

bool Mac::verify(std::uint32_t sequence, ByteView data, ByteView tag) {
    std::array<std::uint8_t, 64> expected{};
    const std::size_t n = size();
    if (tag.size() != n || n > expected.size()) {
        return false;
    }
    compute(sequence, data, std::span(expected).first(n));
    return Botan::constant_time_compare(expected.data(), tag.data(), n);
}

const MacInfo* find_mac(std::string_view name) noexcept {
    for (const MacInfo& row : all_macs()) {
        if (row.name == name) {
            return &row;
        }
    }
    return nullptr;
}

std::span<const MacInfo> all_macs() noexcept {
    // One MAC family so far; a second file would be concatenated here like the ciphers.
    return detail::hmac_rows();
}

const std::vector<std::string>& default_macs() {
    static const std::vector<std::string> names{
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha1-etm@openssh.com",
        "hmac-sha2-256",
        "hmac-sha2-512",
        "hmac-sha1",
    };
    return names;
}

}  // namespace wharf::ssh
