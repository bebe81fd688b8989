// CBC rows (RFC 4253 6.3), all legacy opt-ins: MAC-then-encrypt CBC is open to plaintext
// recovery (CPNI-957037, Albrecht et al. 2009) and 64-bit blocks to Sweet32. The chain runs
// across packets: each packet's IV is the previous packet's last ciphertext block.
#include "protocols/ssh/detail/algorithm_rows.hpp"

#include <botan/cipher_mode.h>

#include <array>
#include <stdexcept>
#include <string>

namespace wharf::ssh::detail {

namespace {

class CbcRawCipher final : public RawCipher {
public:
    CbcRawCipher(const std::string& botan_name, CipherDirection direction, ByteView key,
                 ByteView iv)
        : m_mode(Botan::Cipher_Mode::create_or_throw(botan_name, direction == CipherDirection::seal
                                                                     ? Botan::ENCRYPTION
                                                                     : Botan::DECRYPTION)) {
        m_mode->set_key(key.data(), key.size());
        m_mode->start(iv.data(), iv.size());  // one "message" for the life of the keys
    }

    void process(std::span<std::uint8_t> data) override {
        // Botan's CBC process() takes any whole number of blocks and keeps the chain state.
        if (m_mode->process(data.data(), data.size()) != data.size()) {
            throw std::logic_error("CBC processed fewer bytes than asked");
        }
    }

private:
    std::unique_ptr<Botan::Cipher_Mode> m_mode;
};

constexpr char k_aes128[] = "AES-128/CBC/NoPadding";
constexpr char k_aes192[] = "AES-192/CBC/NoPadding";
constexpr char k_aes256[] = "AES-256/CBC/NoPadding";
constexpr char k_3des[] = "TripleDES/CBC/NoPadding";
constexpr char k_blowfish[] = "Blowfish/CBC/NoPadding";
constexpr char k_cast128[] = "CAST-128/CBC/NoPadding";

template <const char* BotanName, std::size_t BlockSize>
std::unique_ptr<PacketCipher> make_cbc(CipherDirection direction, ByteView key, ByteView iv,
                                       const MacInfo* mac, ByteView mac_key) {
    return make_cipher_with_mac(std::make_unique<CbcRawCipher>(BotanName, direction, key, iv),
                                BlockSize, mac, mac_key);
}

// name, key, IV, block, AEAD, legacy, factory. Blowfish and CAST-128 take variable key sizes;
// RFC 4253 fixes 128 bits for both.
constexpr std::array k_cbc_rows{
    CipherInfo{"aes128-cbc", 16, 16, 16, false, true, make_cbc<k_aes128, 16>},
    CipherInfo{"aes192-cbc", 24, 16, 16, false, true, make_cbc<k_aes192, 16>},
    CipherInfo{"aes256-cbc", 32, 16, 16, false, true, make_cbc<k_aes256, 16>},
    CipherInfo{"3des-cbc", 24, 8, 8, false, true, make_cbc<k_3des, 8>},
    CipherInfo{"blowfish-cbc", 16, 8, 8, false, true, make_cbc<k_blowfish, 8>},
    CipherInfo{"cast128-cbc", 16, 8, 8, false, true, make_cbc<k_cast128, 8>},
};

}  // namespace

std::span<const CipherInfo> cbc_rows() noexcept { return k_cbc_rows; }

}  // namespace wharf::ssh::detail
