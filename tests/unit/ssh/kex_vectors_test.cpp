// Known answers from an independent implementation: vectors/kex_vectors.vec is made by
// vectors/make_kex_vectors.py (python3-cryptography, hashlib). The same fixed ephemeral keys go
// into our methods in both roles, and every message, K, H and derived key must match byte for
// byte. The Ed25519 host key signature is deterministic, so the server's reply is fixed too.
#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/moduli.hpp"

#include "ssh/kex_test_util.hpp"
#include "ssh/ssh_test_util.hpp"

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/ed25519.h>
#include <catch2/catch.hpp>

#include <map>

namespace ssh = wharf::ssh;
using wharf::test::from_hex;

namespace {

using Section = std::map<std::string, std::string>;

const std::map<std::string, Section>& vectors() {
    static const std::map<std::string, Section> sections = [] {
        const std::string text = wharf::test::read_text(
            std::string(WHARF_SOURCE_DIR) + "/tests/unit/ssh/vectors/kex_vectors.vec");
        std::map<std::string, Section> out;
        std::string current;
        std::size_t pos = 0;
        while (pos < text.size()) {
            const auto eol = std::min(text.find('\n', pos), text.size());
            const std::string line = text.substr(pos, eol - pos);
            pos = eol + 1;
            if (line.empty() || line[0] == '#') {
                continue;
            }
            if (line.front() == '[' && line.back() == ']') {
                current = line.substr(1, line.size() - 2);
                continue;
            }
            const auto equals = line.find(" = ");
            if (equals != std::string::npos) {
                out[current][line.substr(0, equals)] = line.substr(equals + 3);
            }
        }
        return out;
    }();
    return sections;
}

const std::string& field(const Section& section, const std::string& name) {
    const auto it = section.find(name);
    INFO(name);
    REQUIRE(it != section.end());
    return it->second;
}

ssh::Bytes hex_field(const Section& section, const std::string& name) {
    return from_hex(field(section, name));
}

ssh::SecretBytes secret_field(const Section& section, const std::string& name) {
    const ssh::Bytes bytes = hex_field(section, name);
    return ssh::SecretBytes(bytes.begin(), bytes.end());
}

ssh::Bytes plain(const ssh::SecretBytes& secret) {
    return ssh::Bytes(secret.begin(), secret.end());
}

ssh::PrivateKey vector_host_key() {
    const ssh::Bytes seed = hex_field(vectors().at("common"), "host_key_seed");
    return ssh::PrivateKey(std::make_shared<Botan::Ed25519_PrivateKey>(
        Botan::secure_vector<std::uint8_t>(seed.begin(), seed.end())));
}

ssh::KexContext vector_context(ssh::KexRole role) {
    const Section& common = vectors().at("common");
    ssh::KexContext context;
    context.role = role;
    context.client_version = field(common, "client_version");
    context.server_version = field(common, "server_version");
    context.client_kexinit = hex_field(common, "client_kexinit");
    context.server_kexinit = hex_field(common, "server_kexinit");
    context.rng = &wharf::test::kex_rng();
    return context;
}

// Runs `method` in both roles with the vector's keys and checks every byte.
void check_vector(std::string_view method, const std::string& section_name) {
    const Section& v = vectors().at(section_name);
    const bool gex = v.count("client_request") != 0;

    ssh::KexContext client_context = vector_context(ssh::KexRole::client);
    client_context.host_key_algorithm = "ssh-ed25519";
    client_context.test_ephemeral_private_key = secret_field(v, "client_private");
    client_context.gex_request = {2048, 3072, 8192};

    const ssh::ModuliFile moduli =
        gex ? ssh::ModuliFile::parse(field(v, "moduli")) : ssh::ModuliFile{};
    ssh::KexContext server_context = vector_context(ssh::KexRole::server);
    server_context.host_key =
        ssh::make_host_key_signer(vector_host_key(), "ssh-ed25519", wharf::test::kex_rng());
    CHECK(server_context.host_key.public_key_blob == hex_field(vectors().at("common"),
                                                               "host_key_blob"));
    server_context.test_ephemeral_private_key = secret_field(v, "server_private");
    server_context.moduli = &moduli;

    auto client = ssh::make_kex_method(method, std::move(client_context));
    auto server = ssh::make_kex_method(method, std::move(server_context));
    REQUIRE_FALSE(server->start());
    ssh::Bytes to_server = *client->start();
    if (gex) {
        REQUIRE(moduli.groups().size() == 1);
        CHECK(to_server == hex_field(v, "client_request"));
        const ssh::Bytes group = *server->handle(to_server);
        CHECK(group == hex_field(v, "server_group"));
        to_server = *client->handle(group);
    }
    CHECK(to_server == hex_field(v, "client_init"));
    const ssh::Bytes reply = *server->handle(to_server);
    CHECK(reply == hex_field(v, "server_reply"));
    CHECK_FALSE(client->handle(reply));

    const ssh::KexOutcome client_out = client->take_outcome();
    const ssh::KexOutcome server_out = server->take_outcome();
    for (const ssh::KexOutcome* out : {&client_out, &server_out}) {
        CHECK(plain(out->shared_secret) == hex_field(v, "shared_secret"));
        CHECK(out->exchange_hash == hex_field(v, "exchange_hash"));
    }

    // RFC 4253 section 7.2 keys, session id = H for a first exchange.
    std::size_t keys = 0;
    for (const auto& [name, value] : v) {
        if (name.rfind("key_", 0) != 0) {
            continue;
        }
        const char letter = name[4];
        const std::size_t length = std::stoul(name.substr(6));
        INFO(name);
        CHECK(plain(ssh::derive_key(client_out.hash_name, client_out.shared_secret,
                                    client_out.exchange_hash, client_out.exchange_hash, letter,
                                    length)) == from_hex(value));
        ++keys;
    }
    CHECK(keys == 6);
}

}  // namespace

TEST_CASE("curve25519-sha256 matches the independent vectors", "[kex][vectors]") {
    check_vector("curve25519-sha256", "curve25519-sha256");
    check_vector("curve25519-sha256@libssh.org", "curve25519-sha256");
}

TEST_CASE("ecdh-sha2-nistp256 matches the independent vectors", "[kex][vectors]") {
    check_vector("ecdh-sha2-nistp256", "ecdh-sha2-nistp256");
}

TEST_CASE("diffie-hellman-group14-sha256 matches the independent vectors", "[kex][vectors]") {
    check_vector("diffie-hellman-group14-sha256", "diffie-hellman-group14-sha256");

    // Keys after a rekey use the first exchange's H as session id.
    const Section& v = vectors().at("diffie-hellman-group14-sha256");
    const ssh::Bytes k = hex_field(v, "shared_secret");
    const ssh::Bytes h = hex_field(v, "exchange_hash");
    const ssh::Bytes session = hex_field(v, "rekey_session_id");
    CHECK(plain(ssh::derive_key("SHA-256", k, h, session, 'A', 12)) ==
          hex_field(v, "rekey_key_A_12"));
    CHECK(plain(ssh::derive_key("SHA-256", k, h, session, 'F', 100)) ==
          hex_field(v, "rekey_key_F_100"));
}

TEST_CASE("diffie-hellman-group-exchange-sha256 matches the independent vectors",
          "[kex][vectors]") {
    check_vector("diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha256");
}

TEST_CASE("Botan's MODP groups equal the primes computed from their definitions",
          "[kex][vectors]") {
    const Section& groups = vectors().at("groups");
    for (const std::size_t bits : {1024, 2048, 3072, 4096, 6144, 8192}) {
        INFO(bits);
        const Botan::DL_Group group("modp/ietf/" + std::to_string(bits));
        const ssh::Bytes expected = hex_field(groups, "modp" + std::to_string(bits));
        CHECK(Botan::BigInt::encode(group.get_p()) == expected);
        CHECK(group.get_g() == 2);
        if (bits >= 2048) {
            bool in_builtin = false;
            for (const ssh::DhGroup& g : ssh::ModuliFile::builtin().groups()) {
                in_builtin = in_builtin || (g.prime == expected && g.bits == bits);
            }
            CHECK(in_builtin);
        }
    }
}
