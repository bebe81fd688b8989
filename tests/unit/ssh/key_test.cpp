#include "protocols/ssh/key.hpp"
#include "protocols/ssh/key_file.hpp"

#include "ssh/ssh_test_util.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/bigint.h>
#include <catch2/catch.hpp>

#include <map>

namespace ssh = wharf::ssh;

namespace {

Botan::AutoSeeded_RNG& rng() {
    static Botan::AutoSeeded_RNG instance;
    return instance;
}

// Generated once, all types together: RSA generation is the slow part of this file.
// Built inside the static's initializer on purpose: Botan's locked-memory allocator is then
// set up before this map exists and so outlives it at exit (a map that is filled later is
// destroyed after the allocator and frees key memory into a dead pool).
const ssh::PrivateKey& sample_key(ssh::KeyType type) {
    static const std::map<ssh::KeyType, ssh::PrivateKey> keys = [] {
        std::map<ssh::KeyType, ssh::PrivateKey> generated;
        for (const auto each : ssh::all_key_types()) {
            ssh::PrivateKey key = ssh::PrivateKey::generate(each, rng(), 2048);
            key.set_comment("test " + std::string(ssh::key_type_name(each)) + " key");
            generated.emplace(each, std::move(key));
        }
        return generated;
    }();
    return keys.at(type);
}

std::string base64_blob(const ssh::PublicKey& key) { return Botan::base64_encode(key.blob()); }

// Parses tests/unit/ssh/vectors/private_keys.vec: "[file]" sections of "name = value" lines.
std::map<std::string, std::map<std::string, std::string>> load_vectors() {
    const std::string text = wharf::test::read_text(std::string(WHARF_SOURCE_DIR) +
                                                    "/tests/unit/ssh/vectors/private_keys.vec");
    std::map<std::string, std::map<std::string, std::string>> sections;
    std::string current;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto eol = text.find('\n', pos);
        const std::string line =
            text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos = eol == std::string::npos ? text.size() : eol + 1;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.front() == '[' && line.back() == ']') {
            current = line.substr(1, line.size() - 2);
            continue;
        }
        const auto equals = line.find(" = ");
        REQUIRE(equals != std::string::npos);
        sections[current][line.substr(0, equals)] = line.substr(equals + 3);
    }
    return sections;
}

}  // namespace

TEST_CASE("key type names", "[ssh][key]") {
    CHECK(ssh::all_key_types().size() == 5);
    for (const ssh::KeyType type : ssh::all_key_types()) {
        CHECK(ssh::key_type_from_name(ssh::key_type_name(type)) == type);
    }
    CHECK(ssh::key_type_name(ssh::KeyType::ecdsa_p521) == "ecdsa-sha2-nistp521");
    CHECK_FALSE(ssh::key_type_from_name("ssh-dss").has_value());
    CHECK_FALSE(ssh::key_type_from_name("ssh-ed25519-cert-v01@openssh.com").has_value());
}

TEST_CASE("generated keys round-trip through every text form", "[ssh][key]") {
    for (const ssh::KeyType type : ssh::all_key_types()) {
        const ssh::PrivateKey& key = sample_key(type);
        INFO(ssh::key_type_name(type));
        const ssh::PublicKey& pub = key.public_key();
        CHECK(pub.type() == type);
        CHECK(ssh::PublicKey::from_blob(pub.blob()) == pub);

        const std::string line = pub.to_openssh(key.comment());
        CHECK(line.starts_with(std::string(ssh::key_type_name(type)) + " "));
        const ssh::ParsedPublicKey parsed = ssh::parse_public_key(line + "\n");
        CHECK(parsed.key == pub);
        CHECK(parsed.comment == key.comment());

        const std::string file = ssh::write_openssh_private_key(key, rng());
        const ssh::PrivateKey back = ssh::parse_private_key(file);
        CHECK(back.public_key() == pub);
        CHECK(back.comment() == key.comment());
        CHECK(back.type() == type);
        // A passphrase is ignored for an unencrypted key, as ssh-keygen does.
        CHECK(ssh::parse_private_key(file, "unused").public_key() == pub);
    }
}

TEST_CASE("encrypted OpenSSH keys: right, wrong and missing passphrase", "[ssh][key]") {
    for (const ssh::KeyType type :
         {ssh::KeyType::ed25519, ssh::KeyType::ecdsa_p384, ssh::KeyType::rsa}) {
        INFO(ssh::key_type_name(type));
        const ssh::PrivateKey& key = sample_key(type);
        const std::string file = ssh::write_openssh_private_key(key, rng(), "s3cret", 4);
        CHECK(ssh::parse_private_key(file, "s3cret").public_key() == key.public_key());
        CHECK_THROWS_AS(ssh::parse_private_key(file, "s3cret!"), ssh::WrongPassphraseError);
        CHECK_THROWS_AS(ssh::parse_private_key(file), ssh::PassphraseRequiredError);
    }
}

TEST_CASE("written OpenSSH private key layout", "[ssh][key]") {
    const std::string file = ssh::write_openssh_private_key(sample_key(ssh::KeyType::rsa), rng());
    CHECK(file.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    CHECK(file.ends_with("\n-----END OPENSSH PRIVATE KEY-----\n"));
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < file.size();) {
        const auto eol = file.find('\n', pos);
        lines.push_back(file.substr(pos, eol - pos));
        pos = eol + 1;
    }
    REQUIRE(lines.size() > 3);
    for (std::size_t i = 1; i + 2 < lines.size(); ++i) {
        CHECK(lines[i].size() == 70);  // every body line but the last is full
    }
    CHECK(lines[lines.size() - 2].size() <= 70);

    // Body: magic, "none", "none", empty kdf options, one key, then the padded private section.
    std::string body;
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
        body += lines[i];
    }
    const auto raw = Botan::base64_decode(body);
    const std::string_view magic(reinterpret_cast<const char*>(raw.data()), 15);
    CHECK(magic == std::string_view("openssh-key-v1\0", 15));
    ssh::Reader r("file", ssh::ByteView(raw).subspan(15));
    CHECK(r.text("cipher") == "none");
    CHECK(r.text("kdf") == "none");
    CHECK(r.string("kdfoptions").empty());
    CHECK(r.uint32("n") == 1);
    CHECK(r.string("public").size() > 0);
    const ssh::ByteView section = r.string("private");
    r.expect_end();
    CHECK(section.size() % 8 == 0);
    ssh::Reader p("private", section);
    CHECK(p.uint32("check1") == p.uint32("check2"));
}

TEST_CASE("fingerprints match ssh-keygen -l", "[ssh][key]") {
    // RFC 4716 section 3.6, example 1; ssh-keygen -l -E sha256 printed this fingerprint for it.
    const std::string rfc4716 =
        "---- BEGIN SSH2 PUBLIC KEY ----\n"
        "Comment: \"1024-bit RSA, converted from OpenSSH by me@example.com\"\n"
        "x-command: /home/me/bin/lock-in-guest.sh\n"
        "AAAAB3NzaC1yc2EAAAABIwAAAIEA1on8gxCGJJWSRT4uOrR13mUaUk0hRf4RzxSZ1zRb\n"
        "YYFw8pfGesIFoEuVth4HKyF8k1y4mRUnYHP1XNMNMJl1JcEArC2asV8sHf6zSPVffozZ\n"
        "5TT4SfsUu/iKy9lUcCfXzwre4WWZSXXcPff+EHtWshahu3WzBdnGxm5Xoi89zcE=\n"
        "---- END SSH2 PUBLIC KEY ----\n";
    const ssh::ParsedPublicKey parsed = ssh::parse_public_key(rfc4716);
    CHECK(parsed.comment == "1024-bit RSA, converted from OpenSSH by me@example.com");
    CHECK(parsed.key.type() == ssh::KeyType::rsa);
    CHECK(parsed.key.bits() == 1024);
    CHECK(parsed.key.fingerprint_sha256() == "SHA256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE");
}

TEST_CASE("ssh-keygen-made private key vectors parse offline", "[ssh][key][vectors]") {
    const auto vectors = load_vectors();
    REQUIRE(vectors.size() == 2);
    for (const auto& [file_name, fields] : vectors) {
        INFO(file_name);
        const std::string text = wharf::test::read_text(std::string(WHARF_SOURCE_DIR) +
                                                        "/tests/unit/ssh/vectors/" + file_name);
        const ssh::PrivateKey key = ssh::parse_private_key(text, fields.at("passphrase"));
        CHECK(key.public_key().to_openssh(key.comment()) == fields.at("public"));
        CHECK(key.public_key().fingerprint_sha256() == fields.at("fingerprint"));
        CHECK_THROWS_AS(ssh::parse_private_key(text, "wrong"), ssh::WrongPassphraseError);
        CHECK_THROWS_AS(ssh::parse_private_key(text), ssh::PassphraseRequiredError);
    }
}

TEST_CASE("RFC 4716 headers: continuation, unquoted comment, CRLF", "[ssh][key]") {
    const ssh::PublicKey& pub = sample_key(ssh::KeyType::ed25519).public_key();
    const std::string b64 = base64_blob(pub);
    const std::string text =
        "---- BEGIN SSH2 PUBLIC KEY ----\r\n"
        "Subject: alice\r\n"
        "Comment: This is my public key for use on \\\r\n"
        "servers which I don't like.\r\n" +
        b64.substr(0, 20) + "\r\n" + b64.substr(20) + "\r\n---- END SSH2 PUBLIC KEY ----\r\n";
    const ssh::ParsedPublicKey parsed = ssh::parse_public_key(text);
    CHECK(parsed.key == pub);
    CHECK(parsed.comment == "This is my public key for use on servers which I don't like.");

    // RFC 4716 section 3.6, example 2: the continuation parses, then the DSA key is refused.
    const std::string dsa =
        "---- BEGIN SSH2 PUBLIC KEY ----\n"
        "Comment: This is my public key for use on \\\n"
        "servers which I don't like.\n"
        "AAAAB3NzaC1kc3MAAACBAPY8ZOHY2yFSJA6XYC9HRwNHxaehvx5wOJ0rzZdzoSOXxbET\n"
        "---- END SSH2 PUBLIC KEY ----\n";
    CHECK_THROWS_WITH(ssh::parse_public_key(dsa), Catch::Contains("ssh-dss"));
    CHECK_THROWS_AS(ssh::parse_public_key("---- BEGIN SSH2 PUBLIC KEY ----\n" + b64 + "\n"),
                    ssh::KeyError);
}

TEST_CASE("public key lines that must be refused", "[ssh][key]") {
    const ssh::PublicKey& ed = sample_key(ssh::KeyType::ed25519).public_key();
    const std::string b64 = base64_blob(ed);
    CHECK_THROWS_WITH(ssh::parse_public_key("ssh-rsa " + b64), Catch::Contains("does not match"));
    CHECK_THROWS_AS(ssh::parse_public_key("ssh-ed25519"), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_public_key("ssh-ed25519 AAAA!!!!"), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_public_key("ssh-dss " + b64), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_public_key("ssh-ed25519 " + b64 + "\nssh-ed25519 " + b64),
                    ssh::KeyError);
    CHECK(ssh::parse_public_key("  ssh-ed25519\t" + b64 + "  two words \n").comment == "two words");
}

TEST_CASE("malformed public key blobs are KeyErrors", "[ssh][key]") {
    const auto blob = [](auto... fields) {
        ssh::Writer w;
        (w.string(fields), ...);
        return w.take();
    };
    const std::string pub32(32, 'x');
    CHECK_NOTHROW(ssh::PublicKey::from_blob(blob("ssh-ed25519", pub32)));
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(blob("ssh-ed25519", pub32.substr(1))), ssh::KeyError);
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(blob("ssh-ed25519", pub32, "extra")), ssh::KeyError);
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(blob("ssh-ed25519")), ssh::KeyError);
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(blob("ssh-foo", pub32)), ssh::KeyError);
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(ssh::Bytes{}), ssh::KeyError);

    // ECDSA: wrong curve name, a point off the curve, the point at infinity.
    const ssh::PublicKey& p256 = sample_key(ssh::KeyType::ecdsa_p256).public_key();
    ssh::Reader r("blob", p256.blob());
    (void)r.string("type");
    (void)r.string("curve");
    const ssh::ByteView q_view = r.string("Q");
    ssh::Bytes q(q_view.begin(), q_view.end());
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(ssh::Writer{}
                                                  .string("ecdsa-sha2-nistp256")
                                                  .string("nistp384")
                                                  .string(ssh::ByteView(q))
                                                  .take()),
                    ssh::KeyError);
    q.back() ^= 1;
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(ssh::Writer{}
                                                  .string("ecdsa-sha2-nistp256")
                                                  .string("nistp256")
                                                  .string(ssh::ByteView(q))
                                                  .take()),
                    ssh::KeyError);
    CHECK_THROWS_AS(ssh::PublicKey::from_blob(ssh::Writer{}
                                                  .string("ecdsa-sha2-nistp256")
                                                  .string("nistp256")
                                                  .string(ssh::ByteView(ssh::Bytes{0}))
                                                  .take()),
                    ssh::KeyError);

    // RSA: too small, even exponent.
    const Botan::BigInt small_n(
        "0xc5a3d2b1e0f9c8b7a6958473625140fedcba9876543210fedcba98765432101f");
    CHECK_THROWS_WITH(
        ssh::PublicKey::from_blob(
            ssh::Writer{}.string("ssh-rsa").mpint(Botan::BigInt(65537)).mpint(small_n).take()),
        Catch::Contains("outside 1024..16384"));
    const auto& rsa = sample_key(ssh::KeyType::rsa).public_key();
    ssh::Reader rr("blob", rsa.blob());
    (void)rr.string("type");
    (void)rr.mpint("e");
    const Botan::BigInt n = rr.mpint("n");
    CHECK_THROWS_AS(
        ssh::PublicKey::from_blob(
            ssh::Writer{}.string("ssh-rsa").mpint(Botan::BigInt(65536)).mpint(n).take()),
        ssh::KeyError);
    CHECK(ssh::PublicKey::from_blob(
              ssh::Writer{}.string("ssh-rsa").mpint(Botan::BigInt(65537)).mpint(n).take()) == rsa);
}

TEST_CASE("damaged OpenSSH private key files are KeyErrors", "[ssh][key]") {
    const ssh::PrivateKey& key = sample_key(ssh::KeyType::ed25519);
    const std::string file = ssh::write_openssh_private_key(key, rng());
    CHECK_THROWS_AS(ssh::parse_private_key(""), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_private_key("not a key"), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_private_key(file.substr(0, file.size() - 10)), ssh::KeyError);
    CHECK_THROWS_AS(ssh::parse_private_key(
                        "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n"),
                    ssh::KeyError);

    // Flip each byte of the decoded body in turn: always a KeyError (or one of its kinds), never
    // a crash or a different exception.
    const auto begin = file.find('\n') + 1;
    const auto end = file.find("-----END");
    std::string body;
    for (std::size_t i = begin; i < end; ++i) {
        if (file[i] != '\n') {
            body += file[i];
        }
    }
    const auto raw = Botan::base64_decode(body);
    int accepted = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        auto damaged = raw;
        damaged[i] ^= 0x41;
        const std::string text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
                                 Botan::base64_encode(damaged) +
                                 "\n-----END OPENSSH PRIVATE KEY-----\n";
        try {
            const ssh::PrivateKey parsed = ssh::parse_private_key(text);
            CHECK(parsed.public_key() == key.public_key());
            ++accepted;
        } catch (const ssh::KeyError&) {
        }
    }
    // Bytes of the comment can change without being noticed; nothing else can.
    CHECK(accepted <= static_cast<int>(key.comment().size()));
}

TEST_CASE("generate refuses RSA sizes outside 2048..16384", "[ssh][key]") {
    CHECK_THROWS_AS(ssh::PrivateKey::generate(ssh::KeyType::rsa, rng(), 1024), ssh::KeyError);
    CHECK_THROWS_AS(ssh::PrivateKey::generate(ssh::KeyType::rsa, rng(), 32768), ssh::KeyError);
}

TEST_CASE("bits() as ssh-keygen reports them", "[ssh][key]") {
    CHECK(sample_key(ssh::KeyType::ed25519).public_key().bits() == 256);
    CHECK(sample_key(ssh::KeyType::ecdsa_p384).public_key().bits() == 384);
    CHECK(sample_key(ssh::KeyType::ecdsa_p521).public_key().bits() == 521);
    CHECK(sample_key(ssh::KeyType::rsa).public_key().bits() == 2048);
}
