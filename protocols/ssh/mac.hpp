// SSH MAC algorithms (RFC 4253 section 6.4, RFC 6668, OpenSSH PROTOCOL 1.5 for -etm) as table
// rows keyed by wire name. The transport never sees a MAC directly: make_packet_cipher()
// (cipher.hpp) pairs a row from here with a non-AEAD cipher.
#pragma once

#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::ssh {

// One keyed MAC instance for one direction. Not thread-safe; one per transport direction.
class Mac {
public:
    Mac() = default;
    Mac(const Mac&) = delete;
    Mac& operator=(const Mac&) = delete;
    virtual ~Mac() = default;

    // Tag bytes on the wire (12 for the -96 variants, else the digest size).
    [[nodiscard]] virtual std::size_t size() const noexcept = 0;

    // Writes MAC(key, uint32 sequence || data), truncated to size(), into out.
    // out.size() must be size(): anything else is a bug (std::invalid_argument).
    virtual void compute(std::uint32_t sequence, ByteView data, std::span<std::uint8_t> out) = 0;

    // Recomputes the tag and compares it in constant time. A tag of the wrong length is false.
    [[nodiscard]] bool verify(std::uint32_t sequence, ByteView data, ByteView tag);
};

// A row of the MAC table.
struct MacInfo {
    std::string_view name;          // wire name, "hmac-sha2-256-etm@openssh.com"
    std::size_t key_size = 0;       // bytes of key material the KEX must derive (RFC 4253 7.2)
    std::size_t tag_size = 0;       // bytes on the wire after the packet
    bool encrypt_then_mac = false;  // MAC over the ciphertext, packet_length sent in clear
    bool legacy = false;            // off unless the operator opts in (truncated or MD5)
    // Builds a keyed instance; key.size() == key_size (checked by make_packet_cipher).
    std::unique_ptr<Mac> (*make)(ByteView key) = nullptr;
};

// The row for a wire name, or nullptr. "none" is not a row: it exists only before the first
// NEWKEYS and is never negotiated.
[[nodiscard]] const MacInfo* find_mac(std::string_view name) noexcept;

// Every row, defaults first in preference order, then the legacy ones.
[[nodiscard]] std::span<const MacInfo> all_macs() noexcept;

// What we offer by default, in OpenSSH 9.x's order minus umac (Botan has no UMAC).
[[nodiscard]] const std::vector<std::string>& default_macs();

}  // namespace wharf::ssh
