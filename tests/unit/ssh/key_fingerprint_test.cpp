// Host key fingerprints in the three forms operators pin (SHA256, SHA1, MD5), checked against
// what OpenSSH's ssh-keygen -l -E prints: offline for a fixed key, live for every key type.
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/key_file.hpp"

#include "ssh/ssh_test_util.hpp"

#include <botan/auto_rng.h>
#include <catch2/catch.hpp>

#include <regex>

namespace ssh = wharf::ssh;
using wharf::test::run_command;
using wharf::test::shell_quote;
using wharf::test::TempDir;
using wharf::test::write_text;

namespace {

// The fingerprint column of `ssh-keygen -l -E HASH -f PATH`.
std::string keygen_fingerprint(const std::string& path, std::string_view hash) {
    const auto result = run_command("ssh-keygen -l -E " + std::string(hash) + " -f " + shell_quote(path) + " 2>&1");
    INFO(result.output);
    REQUIRE(result.status == 0);
    const auto start = result.output.find(' ') + 1;
    return result.output.substr(start, result.output.find(' ', start) - start);
}

}  // namespace

TEST_CASE("SHA256, SHA1 and MD5 fingerprints of a fixed key are ssh-keygen's", "[ssh][key][fingerprint]") {
    // The RFC 4716 section 3.6 example key; the three lines ssh-keygen -l -E sha256|sha1|md5
    // (OpenSSH 9.2) printed for it.
    const auto parsed = ssh::parse_openssh_public_key_line(
        "ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAIEA1on8gxCGJJWSRT4uOrR13mUaUk0hRf4RzxSZ1zRbYYFw8pfGesIFoEuVth4HKyF8k1y4mRUnYH"
        "P1XNMNMJl1JcEArC2asV8sHf6zSPVffozZ5TT4SfsUu/iKy9lUcCfXzwre4WWZSXXcPff+EHtWshahu3WzBdnGxm5Xoi89zcE=");
    CHECK(parsed.key.fingerprint_sha256() == "SHA256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE");
    CHECK(parsed.key.fingerprint_sha1() == "SHA1:f+3Jlokup9YoesKfqP+V3Jgb2PU");
    CHECK(parsed.key.fingerprint_md5() == "MD5:49:d7:de:af:5d:45:84:56:f8:ae:a0:6a:0c:c7:5d:69");
}

TEST_CASE("fingerprint shapes: unpadded base64, lowercase hex pairs", "[ssh][key][fingerprint]") {
    Botan::AutoSeeded_RNG rng;
    for (const auto type : ssh::all_key_types()) {
        const auto key = ssh::PrivateKey::generate(type, rng, 2048).public_key();
        INFO(key.type_name());
        CHECK(std::regex_match(key.fingerprint_sha256(), std::regex("SHA256:[A-Za-z0-9+/]{43}")));
        CHECK(std::regex_match(key.fingerprint_sha1(), std::regex("SHA1:[A-Za-z0-9+/]{27}")));
        CHECK(std::regex_match(key.fingerprint_md5(), std::regex("MD5(:[0-9a-f]{2}){16}")));
    }
}

TEST_CASE("fingerprints of every key type match ssh-keygen -l", "[ssh][key][fingerprint][interop]") {
    if (!wharf::test::have_program("ssh-keygen")) {
        WARN("ssh-keygen not installed; skipped");
        return;
    }
    Botan::AutoSeeded_RNG rng;
    const TempDir dir;
    for (const auto type : ssh::all_key_types()) {
        const auto key = ssh::PrivateKey::generate(type, rng, 2048).public_key();
        INFO(key.type_name());
        const auto path = dir.file("key.pub");
        write_text(path, key.to_openssh("test") + "\n");
        CHECK(keygen_fingerprint(path, "sha256") == key.fingerprint_sha256());
        CHECK(keygen_fingerprint(path, "sha1") == key.fingerprint_sha1());
        CHECK(keygen_fingerprint(path, "md5") == key.fingerprint_md5());
    }
}
