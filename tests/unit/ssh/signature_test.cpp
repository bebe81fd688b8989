#include "protocols/ssh/key.hpp"
#include "protocols/ssh/signature.hpp"

#include <botan/auto_rng.h>
#include <botan/bigint.h>
#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace ssh = wharf::ssh;

namespace {

Botan::AutoSeeded_RNG& rng() {
    static Botan::AutoSeeded_RNG instance;
    return instance;
}

// One key per type for the whole file: RSA generation is the slow part.
const ssh::PrivateKey& sample_key(ssh::KeyType type) {
    // The RNG, and with it Botan's locked memory pool, must exist before the map: statics die in
    // reverse order, and the keys' secure memory has to go back to a pool that is still there.
    (void)rng();
    static std::map<ssh::KeyType, ssh::PrivateKey> keys;
    auto it = keys.find(type);
    if (it == keys.end()) {
        it = keys.emplace(type, ssh::PrivateKey::generate(type, rng(), 2048)).first;
    }
    return it->second;
}

ssh::Bytes bytes_of(std::string_view text) { return ssh::Bytes(text.begin(), text.end()); }

// The parts of a signature blob.
struct Parsed {
    std::string algorithm;
    ssh::Bytes signature;
};

Parsed parse(const ssh::Bytes& blob) {
    ssh::Reader r("signature blob", blob);
    Parsed out;
    out.algorithm = r.text("algorithm");
    const ssh::ByteView sig = r.string("signature");
    out.signature.assign(sig.begin(), sig.end());
    r.expect_end();
    return out;
}

ssh::Bytes blob_of(std::string_view algorithm, const ssh::Bytes& signature) {
    return ssh::Writer{}.string(algorithm).string(ssh::ByteView(signature)).take();
}

}  // namespace

TEST_CASE("every key type signs and verifies with each of its algorithms", "[signature]") {
    const ssh::Bytes data = bytes_of("exchange hash stand-in");
    for (const ssh::KeyType type : ssh::all_key_types()) {
        const ssh::PrivateKey& key = sample_key(type);
        for (const std::string_view algorithm : ssh::signature_algorithms_for(type)) {
            INFO(algorithm);
            const ssh::Bytes blob = ssh::sign(key, algorithm, data, rng());
            const Parsed parsed = parse(blob);
            CHECK(parsed.algorithm == algorithm);
            CHECK(ssh::verify(key.public_key(), algorithm, blob, data));
            CHECK(ssh::host_key_algorithm_key_type(algorithm) == type);

            // Any other data fails.
            CHECK_FALSE(ssh::verify(key.public_key(), algorithm, blob, bytes_of("other data")));
            CHECK_FALSE(ssh::verify(key.public_key(), algorithm, blob, {}));
        }
    }
}

TEST_CASE("signature sizes follow the RFC encodings", "[signature]") {
    const ssh::Bytes data = bytes_of("abc");
    CHECK(parse(ssh::sign(sample_key(ssh::KeyType::ed25519), "ssh-ed25519", data, rng()))
              .signature.size() == 64);
    CHECK(parse(ssh::sign(sample_key(ssh::KeyType::rsa), "rsa-sha2-256", data, rng()))
              .signature.size() == 256);
    // ECDSA: the signature string holds mpint r and mpint s (RFC 5656 section 3.1.2).
    const Parsed ecdsa =
        parse(ssh::sign(sample_key(ssh::KeyType::ecdsa_p521), "ecdsa-sha2-nistp521", data, rng()));
    ssh::Reader r("ECDSA signature", ecdsa.signature);
    CHECK(r.mpint("r").is_positive());
    CHECK(r.mpint("s").is_positive());
    CHECK(r.at_end());
}

TEST_CASE("a flipped bit anywhere in a signature makes it invalid", "[signature]") {
    const ssh::Bytes data = bytes_of("tamper target");
    for (const ssh::KeyType type : ssh::all_key_types()) {
        const ssh::PrivateKey& key = sample_key(type);
        const std::string_view algorithm = ssh::signature_algorithms_for(type).front();
        INFO(algorithm);
        const ssh::Bytes blob = ssh::sign(key, algorithm, data, rng());
        // Every byte of the blob: name, lengths and signature. Never true, never a throw.
        for (std::size_t i = 0; i < blob.size(); ++i) {
            ssh::Bytes tampered = blob;
            tampered[i] ^= 0x01;
            if (!ssh::verify(key.public_key(), algorithm, tampered, data)) {
                continue;
            }
            FAIL("flipping byte " << i << " still verifies");
        }
        // Truncated and extended blobs.
        for (std::size_t length = 0; length < blob.size(); length += 7) {
            const ssh::Bytes cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length));
            CHECK_FALSE(ssh::verify(key.public_key(), algorithm, cut, data));
        }
        ssh::Bytes longer = blob;
        longer.push_back(0);
        CHECK_FALSE(ssh::verify(key.public_key(), algorithm, longer, data));
    }
}

TEST_CASE("a signature passes only under its own algorithm and key", "[signature]") {
    const ssh::Bytes data = bytes_of("cross algorithm");
    const ssh::PrivateKey& rsa = sample_key(ssh::KeyType::rsa);
    const ssh::Bytes sha512 = ssh::sign(rsa, "rsa-sha2-512", data, rng());
    const ssh::Bytes sha256 = ssh::sign(rsa, "rsa-sha2-256", data, rng());
    const ssh::Bytes sha1 = ssh::sign(rsa, "ssh-rsa", data, rng());
    CHECK_FALSE(ssh::verify(rsa.public_key(), "rsa-sha2-256", sha512, data));
    CHECK_FALSE(ssh::verify(rsa.public_key(), "rsa-sha2-512", sha256, data));
    CHECK_FALSE(ssh::verify(rsa.public_key(), "rsa-sha2-256", sha1, data));
    CHECK_FALSE(ssh::verify(rsa.public_key(), "ssh-rsa", sha256, data));

    // Relabelled: the name says rsa-sha2-256 but the bytes are a SHA-512 signature.
    CHECK_FALSE(ssh::verify(rsa.public_key(), "rsa-sha2-256",
                            blob_of("rsa-sha2-256", parse(sha512).signature), data));

    // Another key of the same type, and keys of other types.
    const ssh::PrivateKey other = ssh::PrivateKey::generate(ssh::KeyType::ed25519, rng());
    const ssh::Bytes ed = ssh::sign(sample_key(ssh::KeyType::ed25519), "ssh-ed25519", data, rng());
    CHECK_FALSE(ssh::verify(other.public_key(), "ssh-ed25519", ed, data));
    CHECK_FALSE(ssh::verify(rsa.public_key(), "ssh-ed25519", ed, data));
    const ssh::Bytes p256 =
        ssh::sign(sample_key(ssh::KeyType::ecdsa_p256), "ecdsa-sha2-nistp256", data, rng());
    CHECK_FALSE(ssh::verify(sample_key(ssh::KeyType::ecdsa_p384).public_key(),
                            "ecdsa-sha2-nistp256", p256, data));
    CHECK_FALSE(ssh::verify(sample_key(ssh::KeyType::ecdsa_p384).public_key(),
                            "ecdsa-sha2-nistp384", blob_of("ecdsa-sha2-nistp384",
                                                           parse(p256).signature),
                            data));
    CHECK_FALSE(ssh::verify(sample_key(ssh::KeyType::ecdsa_p256).public_key(), "unknown-alg",
                            p256, data));
}

TEST_CASE("malformed signatures are refused without throwing", "[signature]") {
    const ssh::Bytes data = bytes_of("malformed");
    const ssh::PublicKey& p256 = sample_key(ssh::KeyType::ecdsa_p256).public_key();
    const ssh::PublicKey& ed = sample_key(ssh::KeyType::ed25519).public_key();
    const ssh::PublicKey& rsa = sample_key(ssh::KeyType::rsa).public_key();
    const auto ecdsa_inner = [](const Botan::BigInt& r, const Botan::BigInt& s) {
        return ssh::Writer{}.mpint(r).mpint(s).take();
    };
    const Parsed good = parse(ssh::sign(sample_key(ssh::KeyType::ecdsa_p256),
                                        "ecdsa-sha2-nistp256", data, rng()));
    ssh::Reader inner("ECDSA", good.signature);
    const Botan::BigInt r = inner.mpint("r");
    const Botan::BigInt s = inner.mpint("s");
    const auto check_p256 = [&](const ssh::Bytes& signature) {
        return ssh::verify(p256, "ecdsa-sha2-nistp256", blob_of("ecdsa-sha2-nistp256", signature),
                           data);
    };
    CHECK(check_p256(ecdsa_inner(r, s)));
    CHECK_FALSE(check_p256(ecdsa_inner(-r, s)));          // negative
    CHECK_FALSE(check_p256(ecdsa_inner(r, Botan::BigInt(0))));
    CHECK_FALSE(check_p256(ecdsa_inner(r + Botan::BigInt::power_of_2(300), s)));  // too wide
    ssh::Bytes trailing = ecdsa_inner(r, s);
    trailing.push_back(0);
    CHECK_FALSE(check_p256(trailing));
    CHECK_FALSE(check_p256({}));

    CHECK_FALSE(ssh::verify(ed, "ssh-ed25519", blob_of("ssh-ed25519", ssh::Bytes(63, 1)), data));
    CHECK_FALSE(ssh::verify(ed, "ssh-ed25519", blob_of("ssh-ed25519", ssh::Bytes(65, 1)), data));
    CHECK_FALSE(ssh::verify(ed, "ssh-ed25519", {}, data));
    CHECK_FALSE(ssh::verify(ed, "ssh-ed25519", ssh::Bytes{0xff, 0xff, 0xff, 0xff}, data));
    CHECK_FALSE(
        ssh::verify(rsa, "rsa-sha2-256", blob_of("rsa-sha2-256", ssh::Bytes(257, 1)), data));
    CHECK_FALSE(ssh::verify(rsa, "rsa-sha2-256", blob_of("rsa-sha2-256", {}), data));
}

TEST_CASE("RSA signatures with their leading zero bytes dropped still verify", "[signature]") {
    // Some signers send the RSA signature as a minimal number; OpenSSH pads it back.
    const ssh::PrivateKey& rsa = sample_key(ssh::KeyType::rsa);
    for (int attempt = 0; attempt < 2000; ++attempt) {
        const ssh::Bytes data = ssh::Writer{}.uint32(static_cast<std::uint32_t>(attempt)).take();
        const Parsed parsed = parse(ssh::sign(rsa, "rsa-sha2-256", data, rng()));
        if (parsed.signature.front() != 0) {
            continue;
        }
        const ssh::Bytes trimmed(parsed.signature.begin() + 1, parsed.signature.end());
        CHECK(ssh::verify(rsa.public_key(), "rsa-sha2-256", blob_of("rsa-sha2-256", trimmed),
                          data));
        return;
    }
    FAIL("no RSA signature with a leading zero byte in 2000 tries");
}

TEST_CASE("signing with an algorithm that does not fit the key is a caller bug", "[signature]") {
    const ssh::Bytes data = bytes_of("x");
    CHECK_THROWS_AS(ssh::sign(sample_key(ssh::KeyType::ed25519), "rsa-sha2-256", data, rng()),
                    std::invalid_argument);
    CHECK_THROWS_AS(
        ssh::sign(sample_key(ssh::KeyType::ecdsa_p256), "ecdsa-sha2-nistp384", data, rng()),
        std::invalid_argument);
    CHECK_THROWS_AS(ssh::sign(sample_key(ssh::KeyType::rsa), "ssh-dss", data, rng()),
                    std::invalid_argument);
}

TEST_CASE("algorithm names map to key types", "[signature]") {
    using Names = std::vector<std::string_view>;
    const auto names = [](ssh::KeyType type) {
        const auto span = ssh::signature_algorithms_for(type);
        return Names(span.begin(), span.end());
    };
    CHECK(names(ssh::KeyType::rsa) == Names{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"});
    CHECK(names(ssh::KeyType::ed25519) == Names{"ssh-ed25519"});
    CHECK(names(ssh::KeyType::ecdsa_p384) == Names{"ecdsa-sha2-nistp384"});
    CHECK(ssh::host_key_algorithm_key_type("rsa-sha2-512") == ssh::KeyType::rsa);
    CHECK(ssh::host_key_algorithm_key_type("ecdsa-sha2-nistp521") == ssh::KeyType::ecdsa_p521);
    CHECK_FALSE(ssh::host_key_algorithm_key_type("ssh-dss"));
    CHECK_FALSE(ssh::host_key_algorithm_key_type("ssh-ed25519-cert-v01@openssh.com"));
    CHECK_FALSE(ssh::host_key_algorithm_key_type(""));
}
