// Signatures against the real OpenSSH, both directions. ssh-keygen -Y sign / check-novalidate
// wrap a standard SSH signature blob in an SSHSIG envelope (openssh PROTOCOL.sshsig), which the
// small parser below takes apart. SSHSIG always uses rsa-sha2-512 for RSA, so OpenSSH's
// rsa-sha2-256 and ssh-rsa signatures come from certificates it signs (-s CA -t ALG,
// PROTOCOL.certkeys: the signature covers every byte before it). Skipped with a warning when
// ssh-keygen is missing.
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/key_file.hpp"
#include "protocols/ssh/signature.hpp"

#include "ssh/ssh_test_util.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/hash.h>
#include <catch2/catch.hpp>

namespace ssh = wharf::ssh;
using wharf::test::read_text;
using wharf::test::run_command;
using wharf::test::shell_quote;
using wharf::test::TempDir;
using wharf::test::write_text;

namespace {

constexpr std::string_view k_sshsig_magic = "SSHSIG";
constexpr std::string_view k_namespace = "file";
constexpr std::string_view k_armor_begin = "-----BEGIN SSH SIGNATURE-----";
constexpr std::string_view k_armor_end = "-----END SSH SIGNATURE-----";

bool have_ssh_keygen() {
    static const bool present = wharf::test::have_program("ssh-keygen");
    return present;
}

Botan::AutoSeeded_RNG& rng() {
    static Botan::AutoSeeded_RNG instance;
    return instance;
}

struct Sshsig {
    ssh::Bytes public_key;
    std::string name_space;
    ssh::Bytes reserved;
    std::string hash_algorithm;
    ssh::Bytes signature;  // a standard SSH signature blob
};

ssh::Bytes copy(ssh::ByteView view) { return ssh::Bytes(view.begin(), view.end()); }

Sshsig parse_sshsig(std::string_view armored) {
    const auto begin = armored.find(k_armor_begin);
    const auto end = armored.find(k_armor_end);
    REQUIRE(begin != std::string_view::npos);
    REQUIRE(end != std::string_view::npos);
    const auto body_start = begin + k_armor_begin.size();
    const auto decoded =
        Botan::base64_decode(std::string(armored.substr(body_start, end - body_start)), true);
    ssh::Reader r("SSHSIG", ssh::ByteView(decoded.data(), decoded.size()));
    const ssh::ByteView magic = r.raw(6, "magic");
    REQUIRE(std::string_view(reinterpret_cast<const char*>(magic.data()), 6) == k_sshsig_magic);
    REQUIRE(r.uint32("version") == 1);
    Sshsig sig;
    sig.public_key = copy(r.string("publickey"));
    sig.name_space = r.text("namespace");
    sig.reserved = copy(r.string("reserved"));
    sig.hash_algorithm = r.text("hash_algorithm");
    sig.signature = copy(r.string("signature"));
    r.expect_end();
    return sig;
}

ssh::Bytes message_hash(std::string_view algorithm, std::string_view message) {
    const auto hash =
        Botan::HashFunction::create_or_throw(algorithm == "sha256" ? "SHA-256" : "SHA-512");
    hash->update(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
    const auto digest = hash->final();
    return ssh::Bytes(digest.begin(), digest.end());
}

// PROTOCOL.sshsig section 3: what the SSH signature inside the envelope covers.
ssh::Bytes sshsig_signed_data(std::string_view name_space, ssh::ByteView reserved,
                              std::string_view hash_algorithm, std::string_view message) {
    return ssh::Writer{}
        .raw(ssh::ByteView(reinterpret_cast<const std::uint8_t*>(k_sshsig_magic.data()), 6))
        .string(name_space)
        .string(reserved)
        .string(hash_algorithm)
        .string(ssh::ByteView(message_hash(hash_algorithm, message)))
        .take();
}

std::string armor(const ssh::Bytes& blob) {
    const std::string base64 = Botan::base64_encode(blob);
    std::string out = std::string(k_armor_begin) + "\n";
    for (std::size_t i = 0; i < base64.size(); i += 76) {
        out += base64.substr(i, 76) + "\n";
    }
    return out + std::string(k_armor_end) + "\n";
}

// Our SSHSIG envelope around our signature.
std::string make_sshsig(const ssh::PrivateKey& key, std::string_view algorithm,
                        std::string_view message) {
    const ssh::Bytes signed_data = sshsig_signed_data(k_namespace, {}, "sha512", message);
    const ssh::Bytes blob =
        ssh::Writer{}
            .raw(ssh::ByteView(reinterpret_cast<const std::uint8_t*>(k_sshsig_magic.data()), 6))
            .uint32(1)
            .string(ssh::ByteView(key.public_key().blob()))
            .string(k_namespace)
            .string(std::string_view{})
            .string("sha512")
            .string(ssh::ByteView(ssh::sign(key, algorithm, signed_data, rng())))
            .take();
    return armor(blob);
}

std::string signature_algorithm(const ssh::Bytes& signature_blob) {
    ssh::Reader r("signature blob", signature_blob);
    return r.text("algorithm");
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
        {ssh::KeyType::rsa, "-t rsa -b 2048"},
    };
    return types;
}

std::string keygen_make(const TempDir& dir, const std::string& name, const char* args) {
    const std::string path = dir.file(name);
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".pub");
    const auto result = run_command("ssh-keygen -q " + std::string(args) + " -N '' -f " +
                                    shell_quote(path) + " 2>&1 </dev/null");
    INFO(result.output);
    REQUIRE(result.status == 0);
    return path;
}

bool keygen_accepts(const std::string& data_path, const std::string& sig_path) {
    const auto check = run_command("ssh-keygen -Y check-novalidate -n " +
                                   std::string(k_namespace) + " -s " + shell_quote(sig_path) +
                                   " < " + shell_quote(data_path) + " 2>&1");
    UNSCOPED_INFO(check.output);
    return check.status == 0;
}

}  // namespace

TEST_CASE("we verify signatures made by ssh-keygen -Y sign", "[signature][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH signature interop");
        return;
    }
    const TempDir dir;
    const std::string message = "data signed by OpenSSH\n";
    const std::string data = dir.file("data");
    write_text(data, message);
    for (const auto& t : keygen_types()) {
        INFO(t.args);
        const std::string key_path = keygen_make(dir, "key", t.args);
        std::filesystem::remove(data + ".sig");
        const auto sign = run_command("ssh-keygen -q -Y sign -n " + std::string(k_namespace) +
                                      " -f " + shell_quote(key_path) + " " + shell_quote(data) +
                                      " 2>&1");
        INFO(sign.output);
        REQUIRE(sign.status == 0);

        const Sshsig sig = parse_sshsig(read_text(data + ".sig"));
        CHECK(sig.name_space == k_namespace);
        const ssh::PublicKey key = ssh::PublicKey::from_blob(sig.public_key);
        CHECK(key.type() == t.type);
        CHECK(key == ssh::parse_private_key(read_text(key_path)).public_key());
        const std::string algorithm = signature_algorithm(sig.signature);
        if (t.type == ssh::KeyType::rsa) {
            CHECK(algorithm == "rsa-sha2-512");
        } else {
            CHECK(algorithm == ssh::key_type_name(t.type));
        }
        const ssh::Bytes signed_data =
            sshsig_signed_data(sig.name_space, sig.reserved, sig.hash_algorithm, message);
        CHECK(ssh::verify(key, algorithm, sig.signature, signed_data));
        // Control: other data, or the right data under another algorithm name, fails.
        CHECK_FALSE(ssh::verify(key, algorithm, sig.signature,
                                sshsig_signed_data(sig.name_space, sig.reserved,
                                                   sig.hash_algorithm, "other data\n")));
        if (t.type == ssh::KeyType::rsa) {
            CHECK_FALSE(ssh::verify(key, "rsa-sha2-256", sig.signature, signed_data));
        }
    }
}

TEST_CASE("ssh-keygen -Y check-novalidate accepts our signatures", "[signature][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH signature interop");
        return;
    }
    const TempDir dir;
    const std::string message = "data signed by wharf\n";
    const std::string data = dir.file("data");
    write_text(data, message);
    const std::string sig_path = dir.file("data.sig");
    for (const auto& t : keygen_types()) {
        // Keys of both origins: made by ssh-keygen and parsed by us, and made by us.
        const ssh::PrivateKey openssh_key =
            ssh::parse_private_key(read_text(keygen_make(dir, "key", t.args)));
        const ssh::PrivateKey our_key = ssh::PrivateKey::generate(t.type, rng(), 2048);
        for (const ssh::PrivateKey* key : {&openssh_key, &our_key}) {
            for (const std::string_view algorithm : ssh::signature_algorithms_for(t.type)) {
                if (algorithm == "ssh-rsa") {
                    continue;  // SSHSIG refuses SHA-1; the certificate test covers it
                }
                INFO(t.args << " " << algorithm);
                write_text(sig_path, make_sshsig(*key, algorithm, message));
                CHECK(keygen_accepts(data, sig_path));
            }
        }
        // Control: a signature over other data is refused, so the check above can fail.
        write_text(sig_path, make_sshsig(our_key, ssh::signature_algorithms_for(t.type).front(),
                                         "not the data\n"));
        CHECK_FALSE(keygen_accepts(data, sig_path));
    }
}

TEST_CASE("we verify rsa-sha2-256 and ssh-rsa signatures ssh-keygen puts on certificates",
          "[signature][interop]") {
    if (!have_ssh_keygen()) {
        WARN("ssh-keygen not found: skipping OpenSSH signature interop");
        return;
    }
    const TempDir dir;
    const std::string ca = keygen_make(dir, "ca", "-t rsa -b 2048");
    const std::string user = keygen_make(dir, "user", "-t ed25519");
    for (const std::string algorithm : {"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"}) {
        INFO(algorithm);
        const auto certify = run_command("ssh-keygen -q -s " + shell_quote(ca) + " -t " +
                                         algorithm + " -I wharf-test -n someone " +
                                         shell_quote(user + ".pub") + " 2>&1");
        INFO(certify.output);
        REQUIRE(certify.status == 0);
        const std::string line = read_text(user + "-cert.pub");
        const auto first_space = line.find(' ');
        const auto second_space = line.find_first_of(" \n", first_space + 1);
        const auto cert = Botan::base64_decode(
            line.substr(first_space + 1, second_space - first_space - 1));

        // ssh-ed25519-cert-v01@openssh.com (PROTOCOL.certkeys).
        ssh::Reader r("certificate", ssh::ByteView(cert.data(), cert.size()));
        CHECK(r.text("type") == "ssh-ed25519-cert-v01@openssh.com");
        (void)r.string("nonce");
        (void)r.string("pk");
        (void)r.uint64("serial");
        (void)r.uint32("type");
        (void)r.string("key id");
        (void)r.string("valid principals");
        (void)r.uint64("valid after");
        (void)r.uint64("valid before");
        (void)r.string("critical options");
        (void)r.string("extensions");
        (void)r.string("reserved");
        const ssh::PublicKey signer = ssh::PublicKey::from_blob(r.string("signature key"));
        const std::size_t signed_length = cert.size() - r.remaining();
        const ssh::Bytes signature = copy(r.string("signature"));
        r.expect_end();

        const ssh::Bytes signed_data(cert.begin(),
                                     cert.begin() + static_cast<std::ptrdiff_t>(signed_length));
        CHECK(signer == ssh::parse_private_key(read_text(ca)).public_key());
        CHECK(signature_algorithm(signature) == algorithm);
        CHECK(ssh::verify(signer, algorithm, signature, signed_data));
        for (const std::string_view other : ssh::signature_algorithms_for(ssh::KeyType::rsa)) {
            if (other != algorithm) {
                CHECK_FALSE(ssh::verify(signer, other, signature, signed_data));
            }
        }
        std::filesystem::remove(user + "-cert.pub");
    }
}
