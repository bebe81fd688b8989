// aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344 section 4): the IV is the initial 128-bit
// big-endian counter X, incremented once per block and carried from packet to packet.
#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <array>

namespace wharf::ssh::detail {

namespace {

// Botan's CTR-BE counts over the whole 128-bit block, as RFC 4344 requires.
constexpr char k_aes128[] = "CTR-BE(AES-128)";
constexpr char k_aes192[] = "CTR-BE(AES-192)";
constexpr char k_aes256[] = "CTR-BE(AES-256)";

template <const char* BotanName>
std::unique_ptr<PacketCipher> make_aes_ctr(CipherDirection /*direction*/, ByteView key, ByteView iv,
                                           const MacInfo* mac, ByteView mac_key) {
    return make_cipher_with_mac(make_stream_raw_cipher(BotanName, key, iv), 16, mac, mac_key);
}

// name, key, IV, block, AEAD, legacy, factory
constexpr std::array k_aes_ctr_rows{
    CipherInfo{"aes128-ctr", 16, 16, 16, false, false, make_aes_ctr<k_aes128>},
    CipherInfo{"aes192-ctr", 24, 16, 16, false, false, make_aes_ctr<k_aes192>},
    CipherInfo{"aes256-ctr", 32, 16, 16, false, false, make_aes_ctr<k_aes256>},
};

}  // namespace

std::span<const CipherInfo> aes_ctr_rows() noexcept { return k_aes_ctr_rows; }

}  // namespace wharf::ssh::detail
