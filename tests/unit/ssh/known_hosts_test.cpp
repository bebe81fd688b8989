#include <catch2/catch.hpp>

#include <botan/auto_rng.h>

#include <cstdlib>
#include <fstream>

#include "protocols/ssh/key.hpp"
#include "protocols/ssh/known_hosts.hpp"
#include "support/temp_dir.hpp"

using namespace wharf::ssh;

namespace {

const PrivateKey& key_a() {
    static const PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return PrivateKey::generate(KeyType::ed25519, rng);
    }();
    return key;
}

const PrivateKey& key_b() {
    static const PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return PrivateKey::generate(KeyType::ecdsa_p256, rng);
    }();
    return key;
}

}  // namespace

TEST_CASE("known_hosts: plain names, ports, patterns and negation", "[known_hosts]") {
    const auto a = key_a().public_key().to_openssh();
    const auto b = key_b().public_key().to_openssh();
    const std::string file = "# comment\n\nfiles.example.com,10.0.0.5 " + a + "\n[files.example.com]:2222 " + b +
                             "\n*.corp.example,!evil.corp.example " + a + "\n";
    CHECK(check_known_host(file, "files.example.com", 22, key_a().public_key()) == KnownHostStatus::trusted);
    CHECK(check_known_host(file, "10.0.0.5", 22, key_a().public_key()) == KnownHostStatus::trusted);
    CHECK(check_known_host(file, "files.example.com", 22, key_b().public_key()) == KnownHostStatus::changed);
    CHECK(check_known_host(file, "files.example.com", 2222, key_b().public_key()) == KnownHostStatus::trusted);
    CHECK(check_known_host(file, "files.example.com", 2200, key_b().public_key()) == KnownHostStatus::unknown);
    CHECK(check_known_host(file, "sftp.corp.example", 22, key_a().public_key()) == KnownHostStatus::trusted);
    CHECK(check_known_host(file, "evil.corp.example", 22, key_a().public_key()) == KnownHostStatus::unknown);
    CHECK(known_host_name("h", 22) == "h");
    CHECK(known_host_name("h", 2222) == "[h]:2222");
}

TEST_CASE("known_hosts: @revoked wins and broken lines are skipped", "[known_hosts]") {
    const auto a = key_a().public_key().to_openssh();
    const std::string file = "host.example " + a + "\n@revoked * " + a + "\nhost.example ssh-ed25519 !!!notbase64\n";
    CHECK(check_known_host(file, "host.example", 22, key_a().public_key()) == KnownHostStatus::revoked);
    CHECK(check_known_host("host.example ssh-ed25519 !!!\n", "host.example", 22, key_a().public_key()) ==
          KnownHostStatus::unknown);
}

TEST_CASE("known_hosts: names hashed by ssh-keygen -H", "[known_hosts][interop]") {
    if (std::system("command -v ssh-keygen > /dev/null 2>&1") != 0) {
        WARN("ssh-keygen missing: skipped");
        return;
    }
    wharf::test::TempDir dir;
    const auto file = dir.write("known_hosts", "[sftp.example.org]:2222 " + key_a().public_key().to_openssh() + "\n");
    REQUIRE(std::system(("ssh-keygen -q -H -f " + file.string() + " > /dev/null 2>&1").c_str()) == 0);
    std::ifstream in(file);
    const std::string hashed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(hashed.rfind("|1|", 0) == 0);
    CHECK(check_known_host(hashed, "sftp.example.org", 2222, key_a().public_key()) == KnownHostStatus::trusted);
    CHECK(check_known_host(hashed, "sftp.example.org", 22, key_a().public_key()) == KnownHostStatus::unknown);
}
