// The openssh-key-v1 private key container (openssh PROTOCOL.key): what ssh-keygen writes by
// default, and what `wharf keygen` and first-start host key generation write.
#include "protocols/ssh/detail/key_file_detail.hpp"
#include "protocols/ssh/detail/key_types.hpp"
#include "protocols/ssh/key_file.hpp"

#include <botan/base64.h>
#include <botan/bigint.h>
#include <botan/cipher_mode.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/exceptn.h>
#include <botan/mem_ops.h>
#include <botan/pwdhash.h>
#include <botan/rng.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace wharf::ssh {

namespace {

constexpr std::string_view k_magic{"openssh-key-v1\0", 15};  // the NUL is part of it
constexpr std::string_view k_begin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
constexpr std::string_view k_end = "-----END OPENSSH PRIVATE KEY-----\n";
constexpr std::size_t k_line_width = 70;  // as ssh-keygen wraps it
constexpr std::size_t k_salt_len = 16;    // ssh-keygen's bcrypt salt size
// Upper bound on bcrypt rounds from a file: ssh-keygen uses 16; this only stops a corrupt file
// from hanging a start-up for hours.
constexpr std::uint32_t k_max_kdf_rounds = 1u << 16;

// The ciphers ssh-keygen can protect a key with that Botan has; keyed by the name in the file.
// OpenSSH derives key_len + iv_len bytes with bcrypt_pbkdf and, for GCM, appends the tag after
// the encrypted section rather than inside it.
struct CipherRow {
    std::string_view name;
    std::string_view botan_mode;  // "" for none
    std::size_t key_len;
    std::size_t iv_len;
    std::size_t block_size;
    std::size_t tag_len;
};

constexpr std::array<CipherRow, 8> k_ciphers{{
    {"none", "", 0, 0, 8, 0},
    {"aes128-ctr", "AES-128/CTR", 16, 16, 16, 0},
    {"aes192-ctr", "AES-192/CTR", 24, 16, 16, 0},
    {"aes256-ctr", "AES-256/CTR", 32, 16, 16, 0},
    {"aes128-cbc", "AES-128/CBC/NoPadding", 16, 16, 16, 0},
    {"aes256-cbc", "AES-256/CBC/NoPadding", 32, 16, 16, 0},
    {"aes128-gcm@openssh.com", "AES-128/GCM", 16, 12, 16, 16},
    {"aes256-gcm@openssh.com", "AES-256/GCM", 32, 12, 16, 16},
}};

const CipherRow* find_cipher(std::string_view name) noexcept {
    for (const auto& row : k_ciphers) {
        if (row.name == name) {
            return &row;
        }
    }
    return nullptr;
}

// Wipes a plain buffer that held private key material when it goes out of scope.
class ScrubOnExit {
public:
    explicit ScrubOnExit(Bytes& bytes) : m_bytes(bytes) {}
    ScrubOnExit(const ScrubOnExit&) = delete;
    ScrubOnExit& operator=(const ScrubOnExit&) = delete;
    ~ScrubOnExit() { Botan::secure_scrub_memory(m_bytes.data(), m_bytes.size()); }

private:
    Bytes& m_bytes;
};

detail::SecureBytes derive_key_iv(const CipherRow& cipher, std::string_view passphrase,
                                  ByteView salt, std::uint32_t rounds) {
    const auto family = Botan::PasswordHashFamily::create_or_throw("Bcrypt-PBKDF");
    detail::SecureBytes key_iv(cipher.key_len + cipher.iv_len);
    // The output depends on the length asked for, so ask for exactly key + IV as OpenSSH does.
    family->from_params(rounds)->derive_key(key_iv.data(), key_iv.size(), passphrase.data(),
                                            passphrase.size(), salt.data(), salt.size());
    return key_iv;
}

// Runs the cipher over data in place; for decryption of AEAD modes data ends with the tag,
// which is checked and removed. Throws Botan::Invalid_Authentication_Tag on a bad tag.
void run_cipher(const CipherRow& cipher, const detail::SecureBytes& key_iv,
                detail::SecureBytes& data, Botan::Cipher_Dir direction) {
    const auto mode =
        Botan::Cipher_Mode::create_or_throw(std::string(cipher.botan_mode), direction);
    mode->set_key(key_iv.data(), cipher.key_len);
    mode->start(key_iv.data() + cipher.key_len, cipher.iv_len);
    mode->finish(data);
}

// ---------------------------------------------------------------------------------------------
// Private key fields, in the order OpenSSH serialises them (sshkey_private_serialize).

void write_private_fields(Writer& w, const PrivateKey& key) {
    w.string(key.public_key().type_name());
    switch (key.type()) {
    case KeyType::ed25519: {
        const auto& ed = dynamic_cast<const Botan::Ed25519_PrivateKey&>(key.botan_key());
        w.string(ByteView(ed.get_public_key()));
        w.string(ByteView(ed.get_private_key()));  // seed || public key, 64 bytes
        break;
    }
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
        const auto& ec = dynamic_cast<const Botan::ECDSA_PrivateKey&>(key.botan_key());
        w.string(detail::ecdsa_curve_id(key.type()));
        w.string(ByteView(ec.public_point().encode(Botan::PointGFp::UNCOMPRESSED)));
        w.mpint(ec.private_value());
        break;
    }
    case KeyType::rsa: {
        const auto& rsa = dynamic_cast<const Botan::RSA_PrivateKey&>(key.botan_key());
        // get_c() is q^-1 mod p, which is OpenSSH's iqmp.
        w.mpint(rsa.get_n()).mpint(rsa.get_e()).mpint(rsa.get_d());
        w.mpint(rsa.get_c()).mpint(rsa.get_p()).mpint(rsa.get_q());
        break;
    }
    }
}

std::shared_ptr<const Botan::Private_Key> read_ed25519(Reader& r) {
    const ByteView pub = r.string("ed25519 public key");
    const ByteView secret = r.string("ed25519 private key");
    if (pub.size() != 32 || secret.size() != 64) {
        throw KeyError("ssh-ed25519 private key has the wrong length");
    }
    // The 64 bytes are seed || public key. Rebuild from the seed alone so a file whose halves
    // disagree is caught rather than signing with one key and advertising another.
    const detail::SecureBytes seed(secret.begin(), secret.begin() + 32);
    auto key = std::make_shared<Botan::Ed25519_PrivateKey>(seed);
    const auto& derived = key->get_public_key();
    if (!std::equal(derived.begin(), derived.end(), pub.begin()) ||
        !std::equal(derived.begin(), derived.end(), secret.begin() + 32)) {
        throw KeyError("ssh-ed25519 private key does not match its public key");
    }
    return key;
}

std::shared_ptr<const Botan::Private_Key> read_ecdsa(KeyType type, Reader& r,
                                                     Botan::RandomNumberGenerator& rng) {
    if (r.text("curve") != detail::ecdsa_curve_id(type)) {
        throw KeyError("ECDSA private key names the wrong curve");
    }
    const ByteView q = r.string("Q");
    const Botan::BigInt d = r.mpint("private value");
    const Botan::EC_Group group{std::string(detail::botan_group_name(type))};
    // Botan generates a fresh random key when given zero, so range-check first.
    if (d <= 0 || d >= group.get_order()) {
        throw KeyError("ECDSA private value out of range");
    }
    auto key = std::make_shared<Botan::ECDSA_PrivateKey>(rng, group, d);
    if (!(group.OS2ECP(q.data(), q.size()) == key->public_point())) {
        throw KeyError("ECDSA private key does not match its public key");
    }
    return key;
}

std::shared_ptr<const Botan::Private_Key> read_rsa(Reader& r) {
    const Botan::BigInt n = r.mpint("n");
    const Botan::BigInt e = r.mpint("e");
    const Botan::BigInt d = r.mpint("d");
    (void)r.mpint("iqmp");  // Botan recomputes it from p and q
    const Botan::BigInt p = r.mpint("p");
    const Botan::BigInt q = r.mpint("q");
    if (n.bits() > detail::k_rsa_max_bits || p <= 1 || q <= 1 || e <= 1 || d <= 1) {
        throw KeyError("RSA private key numbers out of range");
    }
    // PrivateKey's consistency check then proves p*q = n and the CRT values.
    return std::make_shared<Botan::RSA_PrivateKey>(p, q, e, d, n);
}

std::shared_ptr<const Botan::Private_Key> read_private_fields(Reader& r,
                                                              Botan::RandomNumberGenerator& rng) {
    const std::string name = r.text("key type");
    const std::optional<KeyType> type = key_type_from_name(name);
    if (!type) {
        throw KeyError("unsupported key type '" + detail::printable(name) + "'");
    }
    switch (*type) {
    case KeyType::ed25519:
        return read_ed25519(r);
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
        return read_ecdsa(*type, r, rng);
    case KeyType::rsa:
        return read_rsa(r);
    }
    throw KeyError("unreachable key type");
}

std::string wrap_pem(const Bytes& body) {
    const std::string encoded = Botan::base64_encode(body);
    std::string out(k_begin);
    for (std::size_t pos = 0; pos < encoded.size(); pos += k_line_width) {
        out += encoded.substr(pos, k_line_width);
        out += '\n';
    }
    out += k_end;
    return out;
}

}  // namespace

std::string write_openssh_private_key(const PrivateKey& key, Botan::RandomNumberGenerator& rng,
                                      std::string_view passphrase, std::uint32_t kdf_rounds) {
    const bool encrypt = !passphrase.empty();
    const CipherRow& cipher = *find_cipher(encrypt ? "aes256-ctr" : "none");
    if (encrypt && (kdf_rounds == 0 || kdf_rounds > k_max_kdf_rounds)) {
        throw KeyError("bcrypt KDF rounds must be 1.." + std::to_string(k_max_kdf_rounds));
    }

    Writer kdf_options;
    Bytes salt(k_salt_len);
    if (encrypt) {
        rng.randomize(salt.data(), salt.size());
        kdf_options.string(ByteView(salt)).uint32(kdf_rounds);
    }

    // Equal check words let a reader tell a wrong passphrase from a corrupt key.
    std::uint32_t check = 0;
    rng.randomize(reinterpret_cast<std::uint8_t*>(&check), sizeof check);
    Writer plain;
    plain.uint32(check).uint32(check);
    write_private_fields(plain, key);
    plain.string(key.comment());
    for (std::uint8_t pad = 1; plain.size() % cipher.block_size != 0; ++pad) {
        plain.byte(pad);
    }
    Bytes plain_bytes = plain.take();
    const ScrubOnExit scrub_plain(plain_bytes);
    detail::SecureBytes section(plain_bytes.begin(), plain_bytes.end());
    if (encrypt) {
        run_cipher(cipher, derive_key_iv(cipher, passphrase, salt, kdf_rounds), section,
                   Botan::ENCRYPTION);
    }

    Writer file;
    file.raw(ByteView(reinterpret_cast<const std::uint8_t*>(k_magic.data()), k_magic.size()));
    file.string(cipher.name).string(encrypt ? "bcrypt" : "none");
    file.string(ByteView(kdf_options.bytes()));
    file.uint32(1);
    file.string(ByteView(key.public_key().blob()));
    file.string(ByteView(section));
    Bytes file_bytes = file.take();
    const ScrubOnExit scrub_file(file_bytes);
    return wrap_pem(file_bytes);
}

namespace detail {

PrivateKey parse_openssh_key_v1(ByteView data, std::string_view passphrase) {
    if (data.size() < k_magic.size() ||
        std::memcmp(data.data(), k_magic.data(), k_magic.size()) != 0) {
        throw KeyError("not an openssh-key-v1 private key (bad magic)");
    }
    try {
        Reader r("openssh-key-v1 key", data.subspan(k_magic.size()));
        const std::string cipher_name = r.text("ciphername");
        const std::string kdf_name = r.text("kdfname");
        const ByteView kdf_options = r.string("kdfoptions");
        const std::uint32_t key_count = r.uint32("number of keys");
        if (key_count != 1) {
            // OpenSSH itself only ever writes and reads one.
            throw KeyError("openssh-key-v1 file holds " + std::to_string(key_count) +
                           " keys; exactly one is supported");
        }
        const ByteView public_blob = r.string("public key");
        const CipherRow* cipher = find_cipher(cipher_name);
        if (cipher == nullptr) {
            throw KeyError("unsupported private key cipher '" + printable(cipher_name) + "'");
        }
        const ByteView encrypted = r.string("private section");
        const ByteView tag = r.raw(cipher->tag_len, "authentication tag");
        r.expect_end();
        if (encrypted.empty() || encrypted.size() % cipher->block_size != 0) {
            throw KeyError("private section is not a whole number of cipher blocks");
        }

        SecureBytes plain(encrypted.begin(), encrypted.end());
        const bool is_encrypted = cipher->name != "none";
        if (!is_encrypted) {
            if (kdf_name != "none" || !kdf_options.empty()) {
                throw KeyError("unencrypted key with KDF '" + printable(kdf_name) + "'");
            }
        } else {
            if (kdf_name != "bcrypt") {
                throw KeyError("unsupported private key KDF '" + printable(kdf_name) + "'");
            }
            Reader kdf("bcrypt kdfoptions", kdf_options);
            const ByteView salt = kdf.string("salt");
            const std::uint32_t rounds = kdf.uint32("rounds");
            kdf.expect_end();
            if (rounds == 0 || rounds > k_max_kdf_rounds) {
                throw KeyError("bcrypt KDF rounds out of range: " + std::to_string(rounds));
            }
            if (passphrase.empty()) {
                throw PassphraseRequiredError("private key is encrypted; a passphrase is required");
            }
            plain.insert(plain.end(), tag.begin(), tag.end());
            try {
                run_cipher(*cipher, derive_key_iv(*cipher, passphrase, salt, rounds), plain,
                           Botan::DECRYPTION);
            } catch (const Botan::Invalid_Authentication_Tag&) {
                throw WrongPassphraseError("wrong passphrase for private key");
            }
        }

        Reader p("openssh-key-v1 private section", plain);
        const std::uint32_t check1 = p.uint32("checkint");
        const std::uint32_t check2 = p.uint32("checkint");
        if (check1 != check2) {
            if (is_encrypted) {
                throw WrongPassphraseError("wrong passphrase for private key");
            }
            throw KeyError("private section check words differ (corrupt key)");
        }
        auto botan_key = read_private_fields(p, Botan::system_rng());
        std::string comment = p.text("comment");
        const ByteView padding = p.rest();
        if (padding.size() >= cipher->block_size) {
            throw KeyError("private section has trailing data");
        }
        for (std::size_t i = 0; i < padding.size(); ++i) {
            if (padding[i] != i + 1) {
                throw KeyError("private section padding is not 1, 2, 3, ...");
            }
        }

        PrivateKey key(std::move(botan_key), std::move(comment));
        if (!(key.public_key() == PublicKey::from_blob(public_blob))) {
            throw KeyError("public key in the file does not match the private key");
        }
        return key;
    } catch (const DecodeError& e) {
        throw KeyError(e.what());
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("invalid openssh-key-v1 private key: ") + e.what());
    }
}

}  // namespace detail

}  // namespace wharf::ssh
