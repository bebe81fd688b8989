// The SSH options `wharf exec` and `wharf sftp` share: every option lands in SshClientOptions,
// bad values are refused with the option's name, and pinned fingerprints in all the forms
// operators meet (OpenSSH's, hex from older tools) become the form PublicKey prints.
#include <botan/base64.h>
#include <botan/hex.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/cli/ssh_options.hpp"

using wharf::cli::canonical_fingerprint;
using wharf::cli::OptionError;
using wharf::cli::parse_ssh_option;
using wharf::cli::SshClientOptions;

namespace {

// The RFC 4716 example key's fingerprints as ssh-keygen -l -E prints them.
constexpr const char* sha256 = "SHA256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE";
constexpr const char* sha1 = "SHA1:f+3Jlokup9YoesKfqP+V3Jgb2PU";
constexpr const char* md5 = "MD5:49:d7:de:af:5d:45:84:56:f8:ae:a0:6a:0c:c7:5d:69";

// Hex of a base64 digest ("SHA256:xyz" -> "72c1..."), for the bare hex forms.
std::string hex_of(std::string_view fingerprint) {
    std::string body(fingerprint.substr(fingerprint.find(':') + 1));
    while (body.size() % 4 != 0) body += '=';
    const auto bytes = Botan::base64_decode(body);
    return Botan::hex_encode(bytes.data(), bytes.size(), false);
}

// Parses all of `words` as SSH options; fails the test on a word that is not one.
SshClientOptions parse(std::vector<std::string_view> words) {
    auto options = wharf::cli::default_ssh_client_options();
    std::size_t i = 0;
    while (i < words.size()) {
        const auto used = parse_ssh_option(words, i, options);
        INFO(words[i]);
        REQUIRE(used > 0);
        i += used;
    }
    return options;
}

}  // namespace

TEST_CASE("pinned fingerprints in OpenSSH form are kept (prefix in any case, padding optional)", "[cli][ssh_options]") {
    CHECK(canonical_fingerprint(sha256) == sha256);
    CHECK(canonical_fingerprint("sha256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE=") == sha256);
    CHECK(canonical_fingerprint(sha1) == sha1);
    CHECK(canonical_fingerprint("Sha1:f+3Jlokup9YoesKfqP+V3Jgb2PU=") == sha1);
    CHECK(canonical_fingerprint(md5) == md5);
    CHECK(canonical_fingerprint("MD5:49:D7:DE:AF:5D:45:84:56:F8:AE:A0:6A:0C:C7:5D:69") == md5);
    CHECK(canonical_fingerprint("md5:49d7deaf5d458456f8aea06a0cc75d69") == md5);
}

TEST_CASE("bare hex fingerprints: the length says MD5, SHA-1 or SHA-256", "[cli][ssh_options]") {
    CHECK(canonical_fingerprint("49d7deaf5d458456f8aea06a0cc75d69") == md5);
    CHECK(canonical_fingerprint("49:d7:de:af:5d:45:84:56:f8:ae:a0:6a:0c:c7:5d:69") == md5);
    const auto sha1_hex = hex_of(sha1);
    REQUIRE(sha1_hex.size() == 40);
    CHECK(canonical_fingerprint(sha1_hex) == sha1);
    const auto sha256_hex = hex_of(sha256);
    REQUIRE(sha256_hex.size() == 64);
    CHECK(canonical_fingerprint(sha256_hex) == sha256);
    std::string upper_with_colons;
    for (std::size_t i = 0; i < sha256_hex.size(); i += 2) {
        if (i > 0) upper_with_colons += ':';
        upper_with_colons += static_cast<char>(std::toupper(sha256_hex[i]));
        upper_with_colons += static_cast<char>(std::toupper(sha256_hex[i + 1]));
    }
    CHECK(canonical_fingerprint(upper_with_colons) == sha256);
    CHECK(canonical_fingerprint("SHA256:" + sha256_hex) == sha256);
}

TEST_CASE("malformed fingerprints are refused", "[cli][ssh_options]") {
    for (const std::string_view bad : {"", "SHA256:", "SHA256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNm",
                                       "SHA256:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE!", "SHA1:f+3Jlokup9Yo",
                                       "MD5:49:d7:de", "MD5:zz:d7:de:af:5d:45:84:56:f8:ae:a0:6a:0c:c7:5d:69",
                                       "SHA512:csG+ujEVjJLZpYPqLUDdw20LVTQMjD4FWsNmsr1etGE", "49d7deaf5d458456f8aea06a0cc75d6",
                                       "49d7deaf5d458456f8aea06a0cc75d6900", "4:9d7deaf5d458456f8aea06a0cc75d69", "hello"}) {
        INFO(bad);
        CHECK_FALSE(canonical_fingerprint(bad).has_value());
    }
}

TEST_CASE("every SSH option lands in SshClientOptions", "[cli][ssh_options]") {
    ::setenv("WHARF_TEST_PASSWORD", "pw secret", 1);
    ::setenv("WHARF_TEST_PASSPHRASE", "key secret", 1);
    ::setenv("WHARF_TEST_ANSWERS", "first\r\nsecond\n", 1);
    const auto options = parse({"-p", "2222", "-i", "a_key", "-i", "b_key", "--password-env", "WHARF_TEST_PASSWORD",
                                "--passphrase-env", "WHARF_TEST_PASSPHRASE", "--kbd-answer", "zero",
                                "--kbd-answers-env", "WHARF_TEST_ANSWERS", "--known-hosts", "kh", "--fingerprint",
                                "49d7deaf5d458456f8aea06a0cc75d69", "--fingerprint", sha256, "--accept-any-host-key",
                                "-c", "aes128-ctr,aes256-ctr", "--cipher", "chacha20-poly1305@openssh.com", "--kex",
                                "curve25519-sha256", "--keepalive", "1.5", "--keepalive-max", "5",
                                "--connect-timeout", "2", "--timeout", "0"});
    CHECK(options.port == 2222);
    CHECK(options.identity_files == std::vector<std::string>{"a_key", "b_key"});
    CHECK(options.password == "pw secret");
    CHECK(options.passphrase == "key secret");
    CHECK(options.kbd_answers == std::vector<std::string>{"zero", "first", "second"});
    CHECK(options.host_key.known_hosts_file == "kh");
    CHECK(options.host_key.fingerprints == std::vector<std::string>{md5, sha256});
    CHECK(options.host_key.accept_any);
    CHECK(options.ciphers == std::vector<std::string>{"aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com"});
    CHECK(options.kex == std::vector<std::string>{"curve25519-sha256"});
    CHECK(options.keepalive_interval == std::chrono::milliseconds(1500));
    CHECK(options.keepalive_count_max == 5);
    CHECK(options.connect_timeout == std::chrono::seconds(2));
    CHECK(options.timeout == std::chrono::milliseconds(0));
    CHECK(static_cast<bool>(options.ask));
}

TEST_CASE("defaults: no keepalives, 30 s to connect, 60 s of silence, questions to the terminal", "[cli][ssh_options]") {
    const auto options = wharf::cli::default_ssh_client_options();
    CHECK(options.port == 22);
    CHECK(options.keepalive_interval == std::chrono::milliseconds(0));
    CHECK(options.keepalive_count_max == 3);
    CHECK(options.connect_timeout == std::chrono::seconds(30));
    CHECK(options.timeout == std::chrono::seconds(60));
    CHECK(static_cast<bool>(options.ask));
    CHECK_FALSE(static_cast<bool>(parse({"--no-prompt"}).ask));
    CHECK(parse({"--insecure-accept-any-host-key"}).host_key.accept_any);
}

TEST_CASE("words that are not SSH options are left to the command", "[cli][ssh_options]") {
    auto options = wharf::cli::default_ssh_client_options();
    const std::vector<std::string_view> words{"--json", "-b", "batch", "user@host"};
    for (std::size_t i = 0; i < words.size(); ++i) CHECK(parse_ssh_option(words, i, options) == 0);
}

TEST_CASE("bad SSH option values are refused, naming the option", "[cli][ssh_options]") {
    ::unsetenv("WHARF_TEST_UNSET");
    const std::vector<std::vector<std::string_view>> cases{
        {"-p"}, {"-p", "0"}, {"-p", "65536"}, {"-p", "22x"}, {"--keepalive", "-1"}, {"--keepalive", "soon"},
        {"--keepalive-max", "0"}, {"--connect-timeout", "100000"}, {"--timeout", ""}, {"--fingerprint", "bogus"},
        {"--password-env", "WHARF_TEST_UNSET"}, {"--kbd-answers-env", "WHARF_TEST_UNSET"}, {"-i"},
    };
    for (const auto& words : cases) {
        INFO(words.front() << " " << (words.size() > 1 ? words[1] : "(no value)"));
        auto options = wharf::cli::default_ssh_client_options();
        try {
            parse_ssh_option(words, 0, options);
            FAIL("accepted");
        } catch (const OptionError& e) {
            CHECK(std::string(e.what()).find(words.size() > 1 && words.front().ends_with("-env") ? words[1] : words.front()) !=
                  std::string::npos);
        }
    }
}
