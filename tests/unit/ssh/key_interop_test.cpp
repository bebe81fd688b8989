// Key files against the real OpenSSH ssh-keygen, both directions. Skipped with a warning when
// ssh-keygen is not installed (it is on the build machines and in CI).
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/key_file.hpp"

#include "ssh/ssh_test_util.hpp"

#include <botan/auto_rng.h>
#include <catch2/catch.hpp>

namespace ssh = wharf::ssh;
using wharf::test::first_line;
using wharf::test::read_text;
using wharf::test::run_command;
using wharf::test::shell_quote;
using wharf::test::TempDir;
using wharf::test::write_text;

namespace {

bool have_ssh_keygen() {
    static const bool present = wharf::test::have_program("ssh-keygen");
    return present;
}

// "type base64" of a public key line, without its comment.
std::string type_and_blob(std::string_view line) {
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space + 1);
    return std::string(line.substr(0, second_space));
}

// ssh-keygen's view of a private key file: its public key line.
std::string keygen_public(const std::string& path, std::string_view passphrase = {}) {
    const auto result = run_command("ssh-keygen -y -P " + shell_quote(passphrase) + " -f " +
                                    shell_quote(path) + " 2>&1");
    INFO(result.output);
    REQUIRE(result.status == 0);
    return first_line(result.output);
}

// The fingerprint column of `ssh-keygen -l -E sha256`.
std::string keygen_fingerprint(const std::string& path) {
    const auto result = run_command("ssh-keygen -l -E sha256 -f " + shell_quote(path) + " 2>&1");
    INFO(result.output);
    REQUIRE(result.status == 0);
    const auto start = result.output.find(' ') + 1;
    return result.output.substr(start, result.output.find(' ', start) - start);
}

struct KeygenType {
    ssh::KeyType type;
    const char* args;
};

const std::vector<KeygenType>& keygen_types() {
    static const std::vector<KeygenType> types{
        {ssh::KeyType::ed25519, "-t ed25519"},
        {ssh::KeyType::ecdsa_p256, "-t ecdsa -b 256"},
        {ssh::KeyType::ecdsa_p384, "-t ecdsa -b 384"},
        {ssh::KeyType::ecdsa_p521, "-t ecdsa -b 521"},
        {ssh::KeyType::rsa, "-t rsa -b 3072"},
    };
    return types;
}

std::string keygen_make(const TempDir& dir, const std::string& name, const KeygenType& t,
                        std::string_view passphrase, std::string_view extra = {}) {
    const std::string path = dir.file(name);
    std::filesystem::remove(path);  // ssh-keygen would ask before overwriting
    std::filesystem::remove(path + ".pub");
    const auto result =
        run_command("ssh-keygen -q " + std::string(t.args) + " " + std::string(extra) + " -N " +
                    shell_quote(passphrase) + " -C " + shell_quote("made by ssh-keygen") + " -f " +
                    shell_quote(path) + " 2>&1 </dev/null");
    INFO(result.output);
    REQUIRE(result.status == 0);
    return path;
}

}  // namespace

TEST_CASE("ssh-keygen accepts the private keys we write", "[ssh][key][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH interop");
        return;
    }
    Botan::AutoSeeded_RNG rng;
    const TempDir dir;
    for (const auto& t : keygen_types()) {
        INFO(ssh::key_type_name(t.type));
        ssh::PrivateKey key = ssh::PrivateKey::generate(t.type, rng, 3072);
        key.set_comment("wharf@test host key");
        const std::string path = dir.file("ours");
        write_text(path, ssh::write_openssh_private_key(key, rng));

        const std::string ours = key.public_key().to_openssh(key.comment());
        CHECK(keygen_public(path) == ours);
        write_text(path + ".pub", ours + "\n");
        CHECK(keygen_fingerprint(path + ".pub") == key.public_key().fingerprint_sha256());
        CHECK(keygen_fingerprint(path) == key.public_key().fingerprint_sha256());

        // ssh-keygen signs with our private half and verifies against the public half in the
        // signature, so a private half that does not belong to the public one would fail here.
        const std::string data = dir.file("data");
        write_text(data, "signed by wharf's key file\n");
        const auto sign = run_command("ssh-keygen -q -Y sign -n wharf-test -f " +
                                      shell_quote(path) + " " + shell_quote(data) + " 2>&1");
        INFO(sign.output);
        REQUIRE(sign.status == 0);
        const auto check =
            run_command("ssh-keygen -Y check-novalidate -n wharf-test -s " +
                        shell_quote(data + ".sig") + " < " + shell_quote(data) + " 2>&1");
        INFO(check.output);
        CHECK(check.status == 0);
        std::filesystem::remove(data + ".sig");

        // And encrypted with a passphrase (aes256-ctr, bcrypt KDF).
        write_text(path, ssh::write_openssh_private_key(key, rng, "pass phrase", 8));
        CHECK(keygen_public(path, "pass phrase") == ours);
    }
}

TEST_CASE("keys made by ssh-keygen parse to the same public key", "[ssh][key][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH interop");
        return;
    }
    const TempDir dir;
    for (const auto& t : keygen_types()) {
        INFO(ssh::key_type_name(t.type));
        // Unencrypted.
        const std::string plain = keygen_make(dir, "plain", t, "");
        const ssh::PrivateKey key = ssh::parse_private_key(read_text(plain));
        CHECK(key.type() == t.type);
        CHECK(key.comment() == "made by ssh-keygen");
        CHECK(key.public_key().to_openssh(key.comment()) == keygen_public(plain));
        CHECK(key.public_key().fingerprint_sha256() == keygen_fingerprint(plain));
        const ssh::ParsedPublicKey pub = ssh::parse_public_key(read_text(plain + ".pub"));
        CHECK(pub.key == key.public_key());
        CHECK(pub.comment == "made by ssh-keygen");

        // RFC 4716 export.
        const auto exported =
            run_command("ssh-keygen -e -f " + shell_quote(plain + ".pub") + " 2>&1");
        REQUIRE(exported.status == 0);
        CHECK(ssh::parse_public_key(exported.output).key == key.public_key());

        // Encrypted with the defaults (bcrypt KDF, aes256-ctr).
        const std::string encrypted = keygen_make(dir, "encrypted", t, "secret");
        const ssh::PrivateKey decrypted = ssh::parse_private_key(read_text(encrypted), "secret");
        CHECK(decrypted.public_key().to_openssh() ==
              type_and_blob(keygen_public(encrypted, "secret")));
        CHECK_THROWS_AS(ssh::parse_private_key(read_text(encrypted), "Secret"),
                        ssh::WrongPassphraseError);
        CHECK_THROWS_AS(ssh::parse_private_key(read_text(encrypted)), ssh::PassphraseRequiredError);
    }
}

TEST_CASE("ssh-keygen's other ciphers for key files", "[ssh][key][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH interop");
        return;
    }
    const TempDir dir;
    const KeygenType ed25519{ssh::KeyType::ed25519, "-t ed25519"};
    for (const char* cipher : {"aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes128-ctr",
                               "aes192-ctr", "aes128-cbc", "aes256-cbc"}) {
        INFO(cipher);
        const std::string path =
            keygen_make(dir, "cipher", ed25519, "secret", std::string("-a 4 -Z ") + cipher);
        const ssh::PrivateKey key = ssh::parse_private_key(read_text(path), "secret");
        CHECK(key.public_key().to_openssh() == type_and_blob(keygen_public(path, "secret")));
        CHECK_THROWS_AS(ssh::parse_private_key(read_text(path), "wrong"),
                        ssh::WrongPassphraseError);
    }
    // A cipher Botan cannot run is reported as unsupported, not as a wrong passphrase.
    const std::string chacha =
        keygen_make(dir, "chacha", ed25519, "secret", "-a 4 -Z chacha20-poly1305@openssh.com");
    CHECK_THROWS_WITH(ssh::parse_private_key(read_text(chacha), "secret"),
                      Catch::Contains("unsupported private key cipher"));
}

TEST_CASE("ssh-keygen PEM and PKCS#8 private keys parse", "[ssh][key][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH interop");
        return;
    }
    const TempDir dir;
    for (const auto& t : keygen_types()) {
        if (t.type == ssh::KeyType::ed25519) {
            continue;  // ssh-keygen writes ed25519 in OpenSSH format whatever -m says
        }
        INFO(ssh::key_type_name(t.type));
        for (const char* format : {"PEM", "PKCS8"}) {
            INFO(format);
            const std::string path = keygen_make(dir, format, t, "", std::string("-m ") + format);
            const std::string text = read_text(path);
            CHECK(text.starts_with(std::string(format) == "PEM" ? "-----BEGIN "
                                                                : "-----BEGIN PRIVATE KEY"));
            const ssh::PrivateKey key = ssh::parse_private_key(text);
            CHECK(key.type() == t.type);
            CHECK(key.public_key().to_openssh() == type_and_blob(keygen_public(path)));
        }
        // Encrypted PKCS#8 (PBES2) works; encrypted traditional PEM is refused with advice.
        const std::string p8 = keygen_make(dir, "p8enc", t, "secret", "-m PKCS8");
        CHECK(read_text(p8).starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        CHECK(ssh::parse_private_key(read_text(p8), "secret").public_key().to_openssh() ==
              type_and_blob(keygen_public(p8, "secret")));
        CHECK_THROWS_AS(ssh::parse_private_key(read_text(p8), "wrong"), ssh::WrongPassphraseError);
        CHECK_THROWS_AS(ssh::parse_private_key(read_text(p8)), ssh::PassphraseRequiredError);
        const std::string pem = keygen_make(dir, "pemenc", t, "secret", "-m PEM");
        CHECK_THROWS_WITH(ssh::parse_private_key(read_text(pem), "secret"),
                          Catch::Contains("ssh-keygen -p"));
    }
}

TEST_CASE("openssl-made Ed25519 and EC keys parse", "[ssh][key][interop]") {
    if (!wharf::test::have_program("openssl")) {
        WARN("openssl not found: skipping");
        return;
    }
    const TempDir dir;
    // Ed25519 in PKCS#8, which ssh-keygen cannot write; compare with openssl's raw public key.
    const std::string ed = dir.file("ed25519.pem");
    REQUIRE(run_command("openssl genpkey -algorithm ed25519 -out " + shell_quote(ed) + " 2>&1")
                .status == 0);
    const auto raw_pub =
        run_command("openssl pkey -in " + shell_quote(ed) +
                    " -pubout -outform DER 2>/dev/null | tail -c 32 | od -An -tx1 | tr -d ' \\n'");
    REQUIRE(raw_pub.status == 0);
    const ssh::PrivateKey key = ssh::parse_private_key(read_text(ed));
    REQUIRE(key.type() == ssh::KeyType::ed25519);
    ssh::Reader r("blob", key.public_key().blob());
    (void)r.string("type");
    const ssh::ByteView pub = r.string("pub");
    CHECK(ssh::Bytes(pub.begin(), pub.end()) == wharf::test::from_hex(raw_pub.output));

    // `openssl ecparam -genkey` puts an EC PARAMETERS block before the key.
    const std::string ec = dir.file("ec.pem");
    REQUIRE(run_command("openssl ecparam -name secp384r1 -genkey -out " + shell_quote(ec) + " 2>&1")
                .status == 0);
    CHECK(read_text(ec).starts_with("-----BEGIN EC PARAMETERS-----"));
    CHECK(ssh::parse_private_key(read_text(ec)).type() == ssh::KeyType::ecdsa_p384);

    // A curve SSH has no name for is refused.
    const std::string k1 = dir.file("k1.pem");
    REQUIRE(run_command("openssl ecparam -name secp256k1 -genkey -noout -out " + shell_quote(k1) +
                        " 2>&1")
                .status == 0);
    CHECK_THROWS_WITH(ssh::parse_private_key(read_text(k1)),
                      Catch::Contains("unsupported ECDSA curve"));
}
