#include "protocols/ssh/signature.hpp"

#include <botan/bigint.h>
#include <botan/ecdsa.h>
#include <botan/exceptn.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

#include <array>
#include <stdexcept>
#include <string>

namespace wharf::ssh {

namespace {

enum class Scheme { ed25519, ecdsa, rsa };

// One row per signature algorithm, keyed by wire name. `padding` is Botan's name for the
// hash-and-pad step: Ed25519 signs the message itself ("Pure"), ECDSA hashes per RFC 5656
// section 6.2.1 with the curve's hash, RSA is PKCS#1 v1.5 with the hash the name says.
struct SignatureRow {
    std::string_view name;
    KeyType key_type;
    Scheme scheme;
    std::string_view padding;
};

constexpr std::array<SignatureRow, 7> k_signature_algorithms{{
    {"ssh-ed25519", KeyType::ed25519, Scheme::ed25519, "Pure"},
    {"ecdsa-sha2-nistp256", KeyType::ecdsa_p256, Scheme::ecdsa, "EMSA1(SHA-256)"},
    {"ecdsa-sha2-nistp384", KeyType::ecdsa_p384, Scheme::ecdsa, "EMSA1(SHA-384)"},
    {"ecdsa-sha2-nistp521", KeyType::ecdsa_p521, Scheme::ecdsa, "EMSA1(SHA-512)"},
    {"rsa-sha2-512", KeyType::rsa, Scheme::rsa, "EMSA3(SHA-512)"},
    {"rsa-sha2-256", KeyType::rsa, Scheme::rsa, "EMSA3(SHA-256)"},
    {"ssh-rsa", KeyType::rsa, Scheme::rsa, "EMSA3(SHA-1)"},
}};

constexpr std::array<std::string_view, 1> k_ed25519_algorithms{"ssh-ed25519"};
constexpr std::array<std::string_view, 1> k_p256_algorithms{"ecdsa-sha2-nistp256"};
constexpr std::array<std::string_view, 1> k_p384_algorithms{"ecdsa-sha2-nistp384"};
constexpr std::array<std::string_view, 1> k_p521_algorithms{"ecdsa-sha2-nistp521"};
constexpr std::array<std::string_view, 3> k_rsa_algorithms{"rsa-sha2-512", "rsa-sha2-256",
                                                           "ssh-rsa"};

const SignatureRow* find_algorithm(std::string_view name) noexcept {
    for (const auto& row : k_signature_algorithms) {
        if (row.name == name) {
            return &row;
        }
    }
    return nullptr;
}

// Width of each of r and s in Botan's IEEE 1363 form (r || s): the byte length of the order.
std::size_t ecdsa_scalar_bytes(const Botan::Public_Key& key) {
    return dynamic_cast<const Botan::ECDSA_PublicKey&>(key).domain().get_order_bytes();
}

// Botan gives r || s; RFC 5656 section 3.1.2 wants the signature string to hold mpint r, mpint s.
Bytes ecdsa_to_ssh(const std::vector<std::uint8_t>& ieee1363) {
    const std::size_t half = ieee1363.size() / 2;
    return Writer{}
        .mpint(Botan::BigInt::decode(ieee1363.data(), half))
        .mpint(Botan::BigInt::decode(ieee1363.data() + half, half))
        .take();
}

// The inverse of ecdsa_to_ssh; nullopt unless both numbers are in 1..2^(8*width)-1 and nothing
// follows them. (Botan's verifier then checks r, s < n.)
std::optional<std::vector<std::uint8_t>> ecdsa_from_ssh(ByteView ssh_signature,
                                                        std::size_t width) {
    Reader r("ECDSA signature", ssh_signature);
    const Botan::BigInt sig_r = r.mpint("r");
    const Botan::BigInt sig_s = r.mpint("s");
    r.expect_end();
    if (!sig_r.is_positive() || !sig_s.is_positive() || sig_r.is_zero() || sig_s.is_zero() ||
        sig_r.bytes() > width || sig_s.bytes() > width) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out(2 * width);
    Botan::BigInt::encode_1363(out.data(), width, sig_r);
    Botan::BigInt::encode_1363(out.data() + width, width, sig_s);
    return out;
}

// RSA signatures are as long as the modulus (RFC 8332 section 3). Some signers drop leading zero
// bytes, and OpenSSH accepts those by padding them back, so we do too; longer ones are invalid.
std::optional<std::vector<std::uint8_t>> rsa_padded(ByteView signature,
                                                    const Botan::Public_Key& key) {
    const std::size_t modulus_bytes =
        dynamic_cast<const Botan::RSA_PublicKey&>(key).get_n().bytes();
    if (signature.empty() || signature.size() > modulus_bytes) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out(modulus_bytes - signature.size(), 0);
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

}  // namespace

Bytes sign(const PrivateKey& key, std::string_view algorithm, ByteView data,
           Botan::RandomNumberGenerator& rng) {
    const SignatureRow* row = find_algorithm(algorithm);
    if (row == nullptr || row->key_type != key.type()) {
        throw std::invalid_argument("cannot sign with algorithm '" + std::string(algorithm) +
                                    "' using a " + std::string(key_type_name(key.type())) +
                                    " key");
    }
    try {
        Botan::PK_Signer signer(key.botan_key(), rng, std::string(row->padding),
                                Botan::IEEE_1363);
        const std::vector<std::uint8_t> raw = signer.sign_message(data.data(), data.size(), rng);
        Writer w;
        w.string(row->name);
        if (row->scheme == Scheme::ecdsa) {
            w.string(ByteView(ecdsa_to_ssh(raw)));
        } else {
            w.string(ByteView(raw));
        }
        return w.take();
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("signing with ") + std::string(algorithm) +
                       " failed: " + e.what());
    }
}

bool verify(const PublicKey& key, std::string_view algorithm, ByteView signature_blob,
            ByteView data) noexcept {
    try {
        const SignatureRow* row = find_algorithm(algorithm);
        if (row == nullptr || row->key_type != key.type()) {
            return false;
        }
        Reader r("signature blob", signature_blob);
        if (r.text("algorithm") != row->name) {
            return false;  // an rsa-sha2-256 blob does not pass as rsa-sha2-512, and so on
        }
        const ByteView signature = r.string("signature");
        r.expect_end();

        std::optional<std::vector<std::uint8_t>> raw;
        switch (row->scheme) {
        case Scheme::ed25519:
            if (signature.size() == 64) {
                raw.emplace(signature.begin(), signature.end());
            }
            break;
        case Scheme::ecdsa:
            raw = ecdsa_from_ssh(signature, ecdsa_scalar_bytes(key.botan_key()));
            break;
        case Scheme::rsa:
            raw = rsa_padded(signature, key.botan_key());
            break;
        }
        if (!raw) {
            return false;
        }
        Botan::PK_Verifier verifier(key.botan_key(), std::string(row->padding), Botan::IEEE_1363);
        return verifier.verify_message(data.data(), data.size(), raw->data(), raw->size());
    } catch (...) {
        // DecodeError for a malformed blob, Botan errors for numbers out of range, bad_alloc:
        // whatever went wrong, the signature is not valid.
        return false;
    }
}

std::span<const std::string_view> signature_algorithms_for(KeyType type) noexcept {
    switch (type) {
    case KeyType::ed25519:
        return k_ed25519_algorithms;
    case KeyType::ecdsa_p256:
        return k_p256_algorithms;
    case KeyType::ecdsa_p384:
        return k_p384_algorithms;
    case KeyType::ecdsa_p521:
        return k_p521_algorithms;
    case KeyType::rsa:
        return k_rsa_algorithms;
    }
    return {};
}

std::optional<KeyType> host_key_algorithm_key_type(std::string_view algorithm) noexcept {
    const SignatureRow* row = find_algorithm(algorithm);
    if (row == nullptr) {
        return std::nullopt;
    }
    return row->key_type;
}

}  // namespace wharf::ssh
