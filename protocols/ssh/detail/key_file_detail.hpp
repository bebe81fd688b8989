// Pieces of the key-file code shared between its .cpp files. Internal to protocols/ssh.
#pragma once

#include "protocols/ssh/key.hpp"

#include <botan/secmem.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::ssh::detail {

using SecureBytes = Botan::secure_vector<std::uint8_t>;

// One "-----BEGIN <label>-----" ... "-----END <label>-----" block.
struct PemBlock {
    std::string label;
    // RFC 1421 headers before the body ("Proc-Type", "4,ENCRYPTED"), as traditional
    // encrypted PEM carries them.
    std::vector<std::pair<std::string, std::string>> headers;
    SecureBytes der;
    std::size_t end = 0;  // offset in the text just past the END line
};

// The first PEM block in text; nullopt if text has no BEGIN line. Throws KeyError for a block
// without its END line or with a body that is not base64.
[[nodiscard]] std::optional<PemBlock> find_pem_block(std::string_view text);

// Base64 with whitespace ignored; throws KeyError naming `what` on bad input.
[[nodiscard]] SecureBytes decode_base64(std::string_view text, std::string_view what);

// The body of an "OPENSSH PRIVATE KEY" block (key_openssh.cpp).
[[nodiscard]] PrivateKey parse_openssh_key_v1(ByteView data, std::string_view passphrase);

// PKCS#8 DER, encrypted or not (key_pem.cpp).
[[nodiscard]] PrivateKey parse_pkcs8(const SecureBytes& der, bool encrypted,
                                     std::string_view passphrase);
// PKCS#1 RSAPrivateKey DER (key_pem.cpp).
[[nodiscard]] PrivateKey parse_pkcs1_rsa(const SecureBytes& der);
// SEC1 ECPrivateKey DER with a named curve (key_pem.cpp).
[[nodiscard]] PrivateKey parse_sec1_ec(const SecureBytes& der);

}  // namespace wharf::ssh::detail
