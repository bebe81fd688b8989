// SSH ciphers as table rows keyed by wire name (RFC 4253 6.3, RFC 4344 CTR, RFC 4345 arcfour,
// RFC 5647 + OpenSSH AES-GCM, OpenSSH chacha20-poly1305), and PacketCipher: everything the
// transport needs to protect one direction of packets, whether the row is an AEAD or a plain
// cipher paired with a MAC from mac.hpp (MAC-then-encrypt or encrypt-then-MAC).
#pragma once

#include "protocols/ssh/mac.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::ssh {

enum class CipherDirection : std::uint8_t { seal, open };

// One direction's packet protection under one set of keys. The transport owns the framing
// (lengths, padding, limits); a PacketCipher only encrypts, decrypts and authenticates a packet
// it is handed. State that runs across packets (CTR counters, CBC chaining, the GCM invocation
// counter) lives here, so calls must follow the packet order. Throws ProtocolError(MAC_ERROR)
// when a tag does not verify; buffer sizes that break the documented contract are bugs
// (std::invalid_argument).
class PacketCipher {
public:
    PacketCipher() = default;
    PacketCipher(const PacketCipher&) = delete;
    PacketCipher& operator=(const PacketCipher&) = delete;
    virtual ~PacketCipher() = default;

    // Padding aligns to this many bytes (at least 8, RFC 4253 section 6).
    [[nodiscard]] virtual std::size_t block_size() const noexcept = 0;
    // True when packet_length stays outside the encrypted, aligned part (encrypt-then-MAC and
    // AEAD): then packet_length itself, not packet_length + 4, is a multiple of block_size().
    [[nodiscard]] virtual bool length_outside_alignment() const noexcept = 0;
    // Bytes of MAC or tag that follow each packet.
    [[nodiscard]] virtual std::size_t trailer_size() const noexcept = 0;
    // Bytes the opener needs before it can read packet_length: 4, or the first cipher block
    // when the length is encrypted with the rest (MAC-then-encrypt).
    [[nodiscard]] virtual std::size_t length_prefix_size() const noexcept = 0;

    // packet: uint32 packet_length || padding_length || payload || padding, in plaintext, with
    // packet_length aligned as above. Encrypts it in place and writes the MAC or tag into
    // trailer (trailer.size() == trailer_size()).
    virtual void seal(std::uint32_t sequence, std::span<std::uint8_t> packet,
                      std::span<std::uint8_t> trailer) = 0;

    // Step 1 of opening: prefix holds the packet's first length_prefix_size() bytes as received.
    // Returns packet_length, unchecked. May decrypt prefix in place; call once per packet.
    [[nodiscard]] virtual std::uint32_t open_length(std::uint32_t sequence,
                                                    std::span<std::uint8_t> prefix) = 0;
    // Step 2: packet is all 4 + packet_length bytes (its prefix as open_length left it), trailer
    // the MAC or tag. Verifies the tag (before decrypting, where the construction allows) and
    // leaves the plaintext in packet. Throws ProtocolError(MAC_ERROR) on a bad tag.
    virtual void open(std::uint32_t sequence, std::span<std::uint8_t> packet, ByteView trailer) = 0;
};

// A row of the cipher table.
struct CipherInfo {
    std::string_view name;       // wire name, "aes128-ctr"
    std::size_t key_size = 0;    // bytes of key material the KEX derives (RFC 4253 7.2)
    std::size_t iv_size = 0;     // bytes of IV material, 0 when the cipher takes none
    std::size_t block_size = 0;  // padding alignment (8 for stream ciphers and chacha)
    bool aead = false;           // authenticates itself: no MAC is negotiated (RFC 5647 as
                                 // amended by OpenSSH, PROTOCOL.chacha20poly1305)
    bool legacy = false;         // off unless the operator opts in (CBC, 3DES, Blowfish, ...)
    // Builds one direction. mac is null for AEAD rows and required otherwise (the row keys it
    // with mac_key and follows its encrypt_then_mac flag). All sizes are checked by
    // make_packet_cipher before this is called.
    std::unique_ptr<PacketCipher> (*make)(CipherDirection direction, ByteView key, ByteView iv,
                                          const MacInfo* mac, ByteView mac_key) = nullptr;
};

// The row for a wire name, or nullptr. "none" is not a row (see make_plaintext_packet_cipher).
[[nodiscard]] const CipherInfo* find_cipher(std::string_view name) noexcept;

// Every row: the defaults first in preference order, then the legacy ones.
[[nodiscard]] std::span<const CipherInfo> all_ciphers();

// What we offer by default, OpenSSH 9.x's order.
[[nodiscard]] const std::vector<std::string>& default_ciphers();

// Builds one direction from negotiated names and derived key material. mac_name is ignored for
// an AEAD cipher. Throws std::invalid_argument for an unknown name or a key, IV or MAC key of
// the wrong length (the KEX layer derives exactly the sizes the rows give).
[[nodiscard]] std::unique_ptr<PacketCipher> make_packet_cipher(CipherDirection direction,
                                                               std::string_view cipher_name,
                                                               std::string_view mac_name,
                                                               ByteView key, ByteView iv,
                                                               ByteView mac_key);

// The "none" cipher with no MAC, in force before the first NEWKEYS (block size 8).
[[nodiscard]] std::unique_ptr<PacketCipher> make_plaintext_packet_cipher();

}  // namespace wharf::ssh
