// Key files: OpenSSH private keys (PROTOCOL.key) in and out, PKCS#8 and traditional PEM private
// keys in, and public keys in OpenSSH one-line and RFC 4716 form. Permissions and paths are the
// caller's business; these functions only see text.
#pragma once

#include "protocols/ssh/key.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace wharf::ssh {

// An "-----BEGIN OPENSSH PRIVATE KEY-----" file holding the key and its comment, base64 in
// 70-column lines, ending in a newline. With an empty passphrase it is unencrypted (cipher and
// kdf "none"), which is what host keys use; otherwise aes256-ctr with a bcrypt KDF of
// kdf_rounds rounds, ssh-keygen's defaults. rng supplies the check bytes and the salt.
[[nodiscard]] std::string write_openssh_private_key(const PrivateKey& key,
                                                    Botan::RandomNumberGenerator& rng,
                                                    std::string_view passphrase = {},
                                                    std::uint32_t kdf_rounds = 16);

// Parses the first private key PEM block in text, whichever of these it is:
//   OPENSSH PRIVATE KEY    openssh-key-v1; cipher none, aes128/192/256-ctr, aes128/256-cbc or
//                          aes128/256-gcm@openssh.com with the bcrypt KDF
//   PRIVATE KEY            PKCS#8
//   ENCRYPTED PRIVATE KEY  PKCS#8 with PBES2
//   RSA PRIVATE KEY        PKCS#1, unencrypted
//   EC PRIVATE KEY         SEC1 on a named curve, unencrypted
// The comment is set for OpenSSH files (PEM has none). Throws PassphraseRequiredError if the key
// is encrypted and passphrase is empty, WrongPassphraseError if it does not decrypt, KeyError
// for anything else (including encrypted traditional PEM, which Botan cannot read).
[[nodiscard]] PrivateKey parse_private_key(std::string_view text, std::string_view passphrase = {});

struct ParsedPublicKey {
    PublicKey key;
    std::string comment;
};

// Parses a public key file: the OpenSSH one-line form "type base64 [comment]" (a .pub file) or
// an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block, whose Comment header becomes the comment.
// The type named on the line must match the blob's own. Throws KeyError.
[[nodiscard]] ParsedPublicKey parse_public_key(std::string_view text);

// Parses just "type base64 [comment]" (no options, one line); authorized_keys builds on it.
[[nodiscard]] ParsedPublicKey parse_openssh_public_key_line(std::string_view line);

}  // namespace wharf::ssh
