// SSH host and user keys: ssh-ed25519 (RFC 8709), ecdsa-sha2-nistp256/384/521 (RFC 5656) and
// ssh-rsa (RFC 4253 section 6.6). A key knows its wire blob, its OpenSSH one-line form and its
// fingerprint. Reading and writing key files lives in key_file.hpp; signing comes later.
#pragma once

#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace Botan {
class Public_Key;
class Private_Key;
class RandomNumberGenerator;
}  // namespace Botan

namespace wharf::ssh {

enum class KeyType { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

// The wire name: "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "ssh-rsa".
[[nodiscard]] std::string_view key_type_name(KeyType type) noexcept;
// The inverse of key_type_name; nullopt for any other name (certificates, sk-*, ssh-dss).
[[nodiscard]] std::optional<KeyType> key_type_from_name(std::string_view name) noexcept;
// Every supported type, in the order above; tests and "wharf keygen" loop over it.
[[nodiscard]] std::span<const KeyType> all_key_types() noexcept;

// A key, key blob or key file that we cannot use: malformed, unsupported type or curve, RSA
// modulus outside 1024..16384 bits, inconsistent public and private halves.
class KeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The key file is encrypted and no passphrase was given: ask for one and try again.
class PassphraseRequiredError : public KeyError {
public:
    using KeyError::KeyError;
};

// The passphrase does not decrypt the key (check bytes or authentication tag mismatch).
class WrongPassphraseError : public KeyError {
public:
    using KeyError::KeyError;
};

// A public key. Immutable and cheap to copy (the Botan key is shared). Two keys are equal when
// their blobs are: blobs are kept in canonical form (uncompressed EC points, minimal mpints).
class PublicKey {
public:
    // Parses an SSH public key blob (the "string K_S" of RFC 4253, the blob in authorized_keys).
    // Throws KeyError if it is malformed, of an unsupported type, or not a valid point/modulus.
    [[nodiscard]] static PublicKey from_blob(ByteView blob);

    [[nodiscard]] KeyType type() const noexcept { return m_type; }
    [[nodiscard]] std::string_view type_name() const noexcept { return key_type_name(m_type); }
    // Bits as ssh-keygen reports them: 256 for ed25519, the curve size, the RSA modulus size.
    [[nodiscard]] std::size_t bits() const noexcept;
    // The SSH wire encoding (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709 section 4).
    [[nodiscard]] const Bytes& blob() const noexcept { return m_blob; }
    // "SHA256:" and the unpadded base64 of SHA-256(blob), as ssh-keygen -l prints it.
    [[nodiscard]] std::string fingerprint_sha256() const;
    // "SHA1:" and the unpadded base64 of SHA-1(blob) (ssh-keygen -l -E sha1), for partners
    // who still pin that digest.
    [[nodiscard]] std::string fingerprint_sha1() const;
    // "MD5:" and MD5(blob) as colon-separated lowercase hex pairs (ssh-keygen -l -E md5), the
    // form older servers and documents show.
    [[nodiscard]] std::string fingerprint_md5() const;
    // "type base64-blob" and " comment" if the comment is non-empty (no newline).
    [[nodiscard]] std::string to_openssh(std::string_view comment = {}) const;

    // For the signature code inside protocols/ssh; nothing outside it should need Botan.
    [[nodiscard]] const Botan::Public_Key& botan_key() const noexcept { return *m_key; }

    friend bool operator==(const PublicKey& a, const PublicKey& b) noexcept {
        return a.m_blob == b.m_blob;
    }

private:
    friend class PrivateKey;
    PublicKey(KeyType type, std::shared_ptr<const Botan::Public_Key> key);

    KeyType m_type;
    std::shared_ptr<const Botan::Public_Key> m_key;
    Bytes m_blob;
};

// A private key with its public half and a comment (OpenSSH key files carry one). Cheap to copy;
// the secret lives once, in Botan's locked memory.
class PrivateKey {
public:
    // A new key. rsa_bits applies to KeyType::rsa only and must be in 2048..16384 (KeyError
    // otherwise); the other types have fixed sizes.
    [[nodiscard]] static PrivateKey generate(KeyType type, Botan::RandomNumberGenerator& rng,
                                             std::size_t rsa_bits = 3072);

    // Wraps a key the parsers built. Throws KeyError unless it is Ed25519, ECDSA on P-256/384/521
    // or RSA with a 1024..16384-bit modulus.
    explicit PrivateKey(std::shared_ptr<const Botan::Private_Key> key, std::string comment = {});

    [[nodiscard]] KeyType type() const noexcept { return m_public.type(); }
    [[nodiscard]] const PublicKey& public_key() const noexcept { return m_public; }
    [[nodiscard]] const std::string& comment() const noexcept { return m_comment; }
    void set_comment(std::string comment) { m_comment = std::move(comment); }

    // For the signature and key-file code inside protocols/ssh.
    [[nodiscard]] const Botan::Private_Key& botan_key() const noexcept { return *m_key; }

private:
    std::shared_ptr<const Botan::Private_Key> m_key;
    PublicKey m_public;
    std::string m_comment;
};

}  // namespace wharf::ssh
