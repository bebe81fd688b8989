// Legacy stream-mode rows, off unless the operator opts in:
//  - 3des-ctr (RFC 4344 section 4): three-key 3DES in CTR mode, 64-bit big-endian counter.
//  - arcfour (RFC 4253 6.3): RC4 with a 128-bit key.
//  - arcfour128, arcfour256 (RFC 4345 section 4): RC4 that throws away the first 1536 bytes of
//    keystream, because RC4's early output is biased and leaks key bits.
// RC4 has no block; RFC 4253 still pads to 8 bytes for it, as OpenSSH does.
#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <array>

namespace wharf::ssh::detail {

namespace {

constexpr char k_3des_ctr[] = "CTR-BE(TripleDES)";
constexpr char k_rc4[] = "RC4";
constexpr char k_rc4_drop1536[] = "RC4(1536)";  // skips 1536 bytes of keystream

template <const char* BotanName>
std::unique_ptr<PacketCipher> make_stream(CipherDirection /*direction*/, ByteView key, ByteView iv,
                                          const MacInfo* mac, ByteView mac_key) {
    return make_cipher_with_mac(make_stream_raw_cipher(BotanName, key, iv), 8, mac, mac_key);
}

// name, key, IV, block, AEAD, legacy, factory
constexpr std::array k_legacy_stream_rows{
    CipherInfo{"3des-ctr", 24, 8, 8, false, true, make_stream<k_3des_ctr>},
    CipherInfo{"arcfour256", 32, 0, 8, false, true, make_stream<k_rc4_drop1536>},
    CipherInfo{"arcfour128", 16, 0, 8, false, true, make_stream<k_rc4_drop1536>},
    CipherInfo{"arcfour", 16, 0, 8, false, true, make_stream<k_rc4>},
};

}  // namespace

std::span<const CipherInfo> legacy_stream_rows() noexcept { return k_legacy_stream_rows; }

}  // namespace wharf::ssh::detail
