// SSH signatures over key.hpp keys: the "string algorithm, string signature" blob of RFC 4253
// section 6.6 for ssh-ed25519 (RFC 8709), ecdsa-sha2-nistp256/384/521 (RFC 5656 section 3.1.2),
// rsa-sha2-256/512 (RFC 8332) and the legacy SHA-1 ssh-rsa. Host key proofs in the key exchange,
// publickey user authentication and host key rotation all sign and verify through these two
// functions.
#pragma once

#include "protocols/ssh/key.hpp"
#include "protocols/ssh/wire.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

// Signs data with key and returns the SSH signature blob (string algorithm, string signature).
// algorithm must be one of signature_algorithms_for(key.type()); anything else is a bug in the
// caller and throws std::invalid_argument. rng feeds ECDSA nonces and RSA blinding (Ed25519 and
// RSA PKCS#1 v1.5 signatures are deterministic). Throws KeyError if Botan cannot sign.
[[nodiscard]] Bytes sign(const PrivateKey& key, std::string_view algorithm, ByteView data,
                         Botan::RandomNumberGenerator& rng);

// True only if signature_blob is a well-formed signature blob naming exactly `algorithm`, with
// no trailing bytes, the algorithm fits the key's type (rsa-sha2-* and ssh-rsa need an ssh-rsa
// key), and the signature over data checks out. Malformed or hostile input gives false; it never
// throws. Which algorithms to accept (ssh-rsa is SHA-1) is the caller's policy: pass only those.
[[nodiscard]] bool verify(const PublicKey& key, std::string_view algorithm,
                          ByteView signature_blob, ByteView data) noexcept;

// The signature algorithms a key type can make, strongest first:
// ed25519 -> ssh-ed25519; ecdsa_p256 -> ecdsa-sha2-nistp256 (and so on);
// rsa -> rsa-sha2-512, rsa-sha2-256, ssh-rsa (the last one is SHA-1 and legacy).
[[nodiscard]] std::span<const std::string_view> signature_algorithms_for(KeyType type) noexcept;

// The key type a host key / public key algorithm name needs ("rsa-sha2-256" -> rsa), or nullopt
// for a name we do not support.
[[nodiscard]] std::optional<KeyType> host_key_algorithm_key_type(
    std::string_view algorithm) noexcept;

}  // namespace wharf::ssh
