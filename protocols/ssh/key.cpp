#include "protocols/ssh/key.hpp"

#include "protocols/ssh/detail/key_types.hpp"

#include <botan/base64.h>
#include <botan/bigint.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/exceptn.h>
#include <botan/hash.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>

#include <array>

namespace wharf::ssh {

namespace {

// One row per key type, keyed by wire name (RFC 4253 section 6.6, RFC 5656 section 6, RFC 8709).
struct KeyTypeRow {
    KeyType type;
    std::string_view name;
    std::string_view curve_id;     // inside ECDSA blobs
    std::string_view botan_group;  // Botan's EC_Group name
    std::size_t bits;              // 0: depends on the key (RSA)
};

constexpr std::array<KeyTypeRow, 5> k_key_types{{
    {KeyType::ed25519, "ssh-ed25519", "", "", 256},
    {KeyType::ecdsa_p256, "ecdsa-sha2-nistp256", "nistp256", "secp256r1", 256},
    {KeyType::ecdsa_p384, "ecdsa-sha2-nistp384", "nistp384", "secp384r1", 384},
    {KeyType::ecdsa_p521, "ecdsa-sha2-nistp521", "nistp521", "secp521r1", 521},
    {KeyType::rsa, "ssh-rsa", "", "", 0},
}};

constexpr std::array<KeyType, 5> k_all_types{
    KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa};

const KeyTypeRow& row_for(KeyType type) noexcept {
    for (const auto& row : k_key_types) {
        if (row.type == type) {
            return row;
        }
    }
    return k_key_types.back();  // unreachable: every enumerator has a row
}

void check_rsa_numbers(const Botan::BigInt& n, const Botan::BigInt& e) {
    const std::size_t bits = n.bits();
    if (bits < detail::k_rsa_min_bits || bits > detail::k_rsa_max_bits) {
        throw KeyError("RSA modulus of " + std::to_string(bits) + " bits is outside " +
                       std::to_string(detail::k_rsa_min_bits) + ".." +
                       std::to_string(detail::k_rsa_max_bits));
    }
    if (!n.is_positive() || n.is_even() || e < 3 || e.is_even() || e >= n) {
        throw KeyError("RSA public exponent or modulus is invalid");
    }
}

// Which SSH key type a Botan key is; throws KeyError for anything SSH cannot carry.
KeyType classify(const Botan::Public_Key& key) {
    const std::string algo = key.algo_name();
    if (algo == "Ed25519") {
        return KeyType::ed25519;
    }
    if (algo == "RSA") {
        const auto& rsa = dynamic_cast<const Botan::RSA_PublicKey&>(key);
        check_rsa_numbers(rsa.get_n(), rsa.get_e());
        return KeyType::rsa;
    }
    if (algo == "ECDSA") {
        const auto& ec = dynamic_cast<const Botan::ECDSA_PublicKey&>(key);
        for (const auto& row : k_key_types) {
            if (!row.botan_group.empty() &&
                ec.domain() == Botan::EC_Group(std::string(row.botan_group))) {
                return row.type;
            }
        }
        throw KeyError("unsupported ECDSA curve " + ec.domain().get_curve_oid().to_string() +
                       " (SSH supports NIST P-256, P-384 and P-521)");
    }
    throw KeyError("unsupported key algorithm " + algo);
}

// The SSH public key blob of a Botan key already classified as `type`.
Bytes encode_blob(KeyType type, const Botan::Public_Key& key) {
    const KeyTypeRow& row = row_for(type);
    Writer w;
    w.string(row.name);
    switch (type) {
    case KeyType::ed25519:
        w.string(ByteView(dynamic_cast<const Botan::Ed25519_PublicKey&>(key).get_public_key()));
        break;
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
        const auto& ec = dynamic_cast<const Botan::ECDSA_PublicKey&>(key);
        w.string(row.curve_id);
        w.string(ByteView(ec.public_point().encode(Botan::PointGFp::UNCOMPRESSED)));
        break;
    }
    case KeyType::rsa: {
        const auto& rsa = dynamic_cast<const Botan::RSA_PublicKey&>(key);
        w.mpint(rsa.get_e()).mpint(rsa.get_n());
        break;
    }
    }
    return w.take();
}

std::shared_ptr<const Botan::Public_Key> decode_blob_key(KeyType type, Reader& r) {
    const KeyTypeRow& row = row_for(type);
    switch (type) {
    case KeyType::ed25519: {
        const ByteView pub = r.string("public key");
        if (pub.size() != 32) {
            throw KeyError("ssh-ed25519 public key must be 32 bytes, not " +
                           std::to_string(pub.size()));
        }
        return std::make_shared<Botan::Ed25519_PublicKey>(pub.data(), pub.size());
    }
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
        const std::string curve = r.text("curve");
        if (curve != row.curve_id) {
            throw KeyError(std::string(row.name) + " blob names curve '" +
                           detail::printable(curve) + "'");
        }
        const ByteView q = r.string("Q");
        const Botan::EC_Group group{std::string(row.botan_group)};
        // OS2ECP rejects points off the curve; the NIST curves have cofactor 1, so that is the
        // whole subgroup check. It accepts the point at infinity, which we must not.
        const Botan::PointGFp point = group.OS2ECP(q.data(), q.size());
        if (point.is_zero()) {
            throw KeyError("ECDSA public key is the point at infinity");
        }
        return std::make_shared<Botan::ECDSA_PublicKey>(group, point);
    }
    case KeyType::rsa: {
        const Botan::BigInt e = r.mpint("e");
        const Botan::BigInt n = r.mpint("n");
        check_rsa_numbers(n, e);
        return std::make_shared<Botan::RSA_PublicKey>(n, e);
    }
    }
    throw KeyError("unreachable key type");
}

}  // namespace

namespace detail {

std::string_view ecdsa_curve_id(KeyType type) noexcept { return row_for(type).curve_id; }

std::string_view botan_group_name(KeyType type) noexcept { return row_for(type).botan_group; }

std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 64)) {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (text.size() > 64) {
        out += "...";
    }
    return out;
}

}  // namespace detail

std::string_view key_type_name(KeyType type) noexcept { return row_for(type).name; }

std::optional<KeyType> key_type_from_name(std::string_view name) noexcept {
    for (const auto& row : k_key_types) {
        if (row.name == name) {
            return row.type;
        }
    }
    return std::nullopt;
}

std::span<const KeyType> all_key_types() noexcept { return k_all_types; }

// ---------------------------------------------------------------------------------------------
// PublicKey

PublicKey::PublicKey(KeyType type, std::shared_ptr<const Botan::Public_Key> key)
    : m_type(type), m_key(std::move(key)), m_blob(encode_blob(type, *m_key)) {}

PublicKey PublicKey::from_blob(ByteView blob) {
    try {
        Reader r("public key blob", blob);
        const std::string name = r.text("key type");
        const std::optional<KeyType> type = key_type_from_name(name);
        if (!type) {
            throw KeyError("unsupported key type '" + detail::printable(name) + "'");
        }
        auto key = decode_blob_key(*type, r);
        r.expect_end();
        return PublicKey(*type, std::move(key));
    } catch (const DecodeError& e) {
        throw KeyError(e.what());
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("invalid public key blob: ") + e.what());
    }
}

std::size_t PublicKey::bits() const noexcept {
    if (m_type == KeyType::rsa) {
        return dynamic_cast<const Botan::RSA_PublicKey&>(*m_key).get_n().bits();
    }
    return row_for(m_type).bits;
}

namespace {

// OpenSSH prints base64 digests without padding.
std::string unpadded_base64_digest(std::string_view hash_name, ByteView blob) {
    const auto hash = Botan::HashFunction::create_or_throw(std::string(hash_name));
    std::string encoded = Botan::base64_encode(hash->process(blob.data(), blob.size()));
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    return encoded;
}

}  // namespace

std::string PublicKey::fingerprint_sha256() const { return "SHA256:" + unpadded_base64_digest("SHA-256", m_blob); }

std::string PublicKey::fingerprint_sha1() const { return "SHA1:" + unpadded_base64_digest("SHA-1", m_blob); }

std::string PublicKey::fingerprint_md5() const {
    const auto hash = Botan::HashFunction::create_or_throw("MD5");
    const auto digest = hash->process(m_blob);
    static constexpr std::string_view hex_digits = "0123456789abcdef";
    std::string text = "MD5";
    for (const auto byte : digest) {
        text += ':';
        text += hex_digits[byte >> 4];
        text += hex_digits[byte & 0x0f];
    }
    return text;
}

std::string PublicKey::to_openssh(std::string_view comment) const {
    std::string line(type_name());
    line += ' ';
    line += Botan::base64_encode(m_blob);
    if (!comment.empty()) {
        line += ' ';
        line += comment;
    }
    return line;
}

// ---------------------------------------------------------------------------------------------
// PrivateKey

namespace {

std::shared_ptr<const Botan::Private_Key> checked(std::shared_ptr<const Botan::Private_Key> key) {
    if (!key) {
        throw KeyError("no private key");
    }
    // A file can pair a private half with a public half that does not match it. The strong check
    // signs and verifies once for EC keys (cheap); for RSA the weak one already proves p*q = n
    // and the CRT values, while a strong one would cost a full primality proof at every start.
    const bool strong = key->algo_name() != "RSA";
    if (!key->check_key(Botan::system_rng(), strong)) {
        throw KeyError("private key fails its consistency check");
    }
    return key;
}

}  // namespace

PrivateKey::PrivateKey(std::shared_ptr<const Botan::Private_Key> key, std::string comment)
    : m_key(checked(std::move(key))),
      m_public(classify(*m_key), m_key),
      m_comment(std::move(comment)) {}

PrivateKey PrivateKey::generate(KeyType type, Botan::RandomNumberGenerator& rng,
                                std::size_t rsa_bits) {
    std::shared_ptr<const Botan::Private_Key> key;
    switch (type) {
    case KeyType::ed25519:
        key = std::make_shared<Botan::Ed25519_PrivateKey>(rng);
        break;
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
        key = std::make_shared<Botan::ECDSA_PrivateKey>(
            rng, Botan::EC_Group(std::string(row_for(type).botan_group)));
        break;
    case KeyType::rsa:
        // Below 2048 bits is no longer safe to create, even though we still accept 1024-bit
        // keys from files as OpenSSH does.
        if (rsa_bits < 2048 || rsa_bits > detail::k_rsa_max_bits) {
            throw KeyError("RSA key size must be 2048..16384 bits, not " +
                           std::to_string(rsa_bits));
        }
        key = std::make_shared<Botan::RSA_PrivateKey>(rng, rsa_bits);
        break;
    }
    return PrivateKey(std::move(key));
}

}  // namespace wharf::ssh
