#include <catch2/catch.hpp>

#include <algorithm>

#include "config/loader.hpp"
#include "diagnostics_util.hpp"
#include "support/temp_dir.hpp"

using wharf::config::ConfigError;
using wharf::config::Diagnostic;
using wharf::config::load_file;
using wharf::config::load_text;
using wharf::test::TempDir;
using wharf::test::dump;
using wharf::test::errors_of;
using wharf::test::has_error;

namespace {

constexpr const char* argon2_hash =
    "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
constexpr const char* sha512_hash =
    "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
constexpr const char* bcrypt_hash = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

}  // namespace

TEST_CASE("a complete configuration loads into typed values", "[config]") {
    TempDir dir;
    dir.mkdir("users/alice");
    dir.mkdir("shared");
    dir.mkdir("oftp/in");
    dir.mkdir("oftp/out");
    dir.write("acme-ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const std::string yaml = std::string(R"(
server:
  state_dir: state
  workers: 3
  log: {level: debug, format: text, file: wharf.log}
  shutdown_grace: 1m30s
ssh:
  listen: ["127.0.0.1:2222", "[::1]:2222", "*:2022"]
  banner: "Authorised use only"
oftp:
  listen: "127.0.0.1:3305"
  ssid: O0013WHARF
  password: SECRET
users:
  - name: alice
    password: ")") + argon2_hash + R"("
    authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop
    root: users/alice
    home: /incoming/
    virtual_folders:
      - {path: /shared, source: shared, read_only: true}
    permissions:
      /: [list, download]
      /incoming: ["*"]
      /shared: [list, download, delete]
    quota: {bytes: 10G, files: 1000}
    max_sessions: 4
    allowed_ips: [10.0.0.0/8, "2001:db8::/32"]
    denied_ips: 10.9.0.0/16
    auth_methods: ["publickey+password", keyboard-interactive]
partners:
  - name: acme
    ssid: O0013ACME
    password: ACMEPW
    inbox: oftp/in
    outbox: oftp/out
    tls: {ca: acme-ca.pem}
    connect: {address: "oftp.acme.example:6619", tls: true}
)";
    const auto config = load_text(yaml, "test.yaml", dir.path());
    CHECK(config->server.state_dir == dir / "state");
    CHECK(config->server.workers == 3);
    CHECK(config->server.log.level == wharf::config::LogLevel::debug);
    CHECK(config->server.log.format == wharf::config::LogFormat::text);
    CHECK(config->server.log.file == dir / "wharf.log");
    CHECK(config->server.shutdown_grace == std::chrono::seconds(90));
    REQUIRE(config->ssh);
    REQUIRE(config->ssh->listen.size() == 3);
    CHECK(config->ssh->listen[1].host == "::1");
    CHECK(config->ssh->listen[2].host.empty());
    CHECK(config->ssh->listen[2].port == 2022);
    CHECK(config->ssh->banner == "Authorised use only");
    REQUIRE(config->oftp);
    CHECK(config->oftp->sfid == "O0013WHARF");
    REQUIRE(config->users.size() == 1);
    const auto& alice = config->users[0];
    CHECK(alice.password_hash == argon2_hash);
    CHECK(alice.authorized_keys.size() == 1);
    CHECK(alice.root == dir / "users/alice");
    CHECK(alice.home == "/incoming");
    REQUIRE(alice.virtual_folders.size() == 1);
    CHECK(alice.virtual_folders[0].read_only);
    REQUIRE(alice.permissions.size() == 3);
    CHECK(alice.permissions[1].permissions == wharf::config::all_permissions);
    CHECK(alice.permissions[2].permissions ==
          (static_cast<std::uint32_t>(wharf::config::Permission::list) |
           static_cast<std::uint32_t>(wharf::config::Permission::download) |
           static_cast<std::uint32_t>(wharf::config::Permission::remove)));
    CHECK(alice.quota.bytes == 10ull << 30);
    CHECK(alice.quota.files == 1000);
    CHECK(alice.max_sessions == 4);
    CHECK(alice.address_allowed("10.1.2.3"));
    CHECK(alice.address_allowed("2001:db8::1"));
    CHECK_FALSE(alice.address_allowed("10.9.1.1"));
    CHECK_FALSE(alice.address_allowed("192.168.1.1"));
    REQUIRE(alice.auth_methods.size() == 2);
    CHECK(alice.auth_methods[0].size() == 2);
    REQUIRE(config->partners.size() == 1);
    CHECK(config->partners[0].originators == std::vector<std::string>{"O0013ACME"});
    REQUIRE(config->partners[0].connect);
    CHECK(config->partners[0].connect->address.port == 6619);
    CHECK(config->partners[0].connect->tls);
    CHECK(config->find_user("alice") == &alice);
    CHECK(config->find_user("bob") == nullptr);
}

TEST_CASE("every error is reported with its line and column", "[config]") {
    TempDir dir;
    dir.mkdir("home");
    const auto errors = errors_of(dir, R"(server:
  workers: many
  shutdown_grace: soon
ssh:
  listne: ["127.0.0.1:22"]
users:
  - name: bob
    password: hunter2
    root: home
)");
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 12, "server.workers: expected a whole number"));
    CHECK(has_error(errors, 3, 19, "not a duration"));
    CHECK(has_error(errors, 5, 3, "unknown key 'listne' (did you mean 'listen'?)"));
    CHECK(has_error(errors, 5, 3, "missing required key 'listen'"));
    CHECK(has_error(errors, 8, 15, "plaintext passwords are refused"));
    CHECK(has_error(errors, 8, 15, "wharf passwd"));
    for (const auto& d : errors) CHECK(d.message.find("hunter2") == std::string::npos);
}

TEST_CASE("wrong types name what was expected and what arrived", "[config]") {
    TempDir dir;
    const auto errors = errors_of(dir, "server:\n  log: [json]\nssh:\n  listen: {a: b}\nusers: alice\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 8, "server.log: expected a mapping, got a list"));
    CHECK(has_error(errors, 4, 11, "ssh.listen: expected a list, got a mapping"));
    CHECK(has_error(errors, 5, 8, "users: expected a list"));
}

TEST_CASE("missing required keys are reported at their mapping", "[config]") {
    TempDir dir;
    const auto errors = errors_of(dir, "ssh:\n  banner: hi\nusers:\n  - name: carol\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 3, "ssh: missing required key 'listen'"));
    CHECK(has_error(errors, 4, 5, "missing required key 'root'"));
    CHECK(has_error(errors, 4, 5, "has no password and no authorized keys"));
}

TEST_CASE("duplicate users and duplicate keys are refused", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    const std::string user = std::string("  - name: dave\n    password: \"") + sha512_hash + "\"\n    root: r\n";
    const auto errors = errors_of(dir, "users:\n" + user + user + "server:\n  workers: 1\n  workers: 2\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 5, 11, "duplicate user 'dave' (first defined at line 2)"));
    CHECK(has_error(errors, 10, 3, "duplicate key 'workers'"));
}

TEST_CASE("paths that must exist are checked", "[config]") {
    TempDir dir;
    const auto errors = errors_of(dir, std::string("users:\n  - name: erin\n    password: \"") + bcrypt_hash +
                                           "\"\n    root: /nonexistent/erin\n    authorized_keys_file: keys\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 4, 11, "directory '/nonexistent/erin' does not exist"));
    CHECK(has_error(errors, 5, 27, "does not exist"));
}

TEST_CASE("password values: accepted hash schemes and refused ones", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    for (const std::string hash : {argon2_hash, sha512_hash, bcrypt_hash}) {
        const auto config = load_text("users:\n  - {name: u, root: r, password: \"" + hash + "\"}\n", "t", dir.path());
        CHECK(config->users.at(0).password_hash == hash);
    }
    const std::vector<std::pair<std::string, std::string>> refused{
        {"secret", "plaintext passwords are refused"},
        {"$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaA", "only the argon2id variant"},
        {"$argon2id$v=19$m=65536$x$y", "malformed $argon2id$"},
        {"$2b$12$short", "malformed bcrypt"},
        {"$6$salt$tooshort", "malformed SHA-512-crypt"},
        {"$1$md5$abcdefghij", "unsupported hash scheme"},
    };
    for (const auto& [value, message] : refused) {
        const auto errors = errors_of(dir, "users:\n  - {name: u, root: r, password: \"" + value + "\"}\n");
        INFO(value << "\n" << dump(errors));
        CHECK(has_error(errors, 2, 34, message));
        CHECK(errors.size() == 1);
    }
}

TEST_CASE("auth_methods chains must be backed by credentials", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    const auto errors = errors_of(dir, std::string("users:\n  - name: frank\n    root: r\n    password: \"") +
                                           argon2_hash + "\"\n    auth_methods: [publickey+password, smartcard, "
                                           "password+password]\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 5, 40, "'smartcard' is not a chain"));
    CHECK(has_error(errors, 5, 51, "'password+password' is not a chain"));
    CHECK(has_error(errors, 2, 5, "auth method publickey needs authorized_keys"));
}

TEST_CASE("default auth methods follow the credentials a user has", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    const auto config =
        load_text(std::string("users:\n  - {name: g, root: r, password: \"") + argon2_hash + "\"}\n", "t", dir.path());
    const auto& chains = config->users.at(0).auth_methods;
    REQUIRE(chains.size() == 2);
    CHECK(chains[0] == wharf::config::AuthChain{wharf::config::AuthMethod::password});
    CHECK(chains[1] == wharf::config::AuthChain{wharf::config::AuthMethod::keyboard_interactive});
}

TEST_CASE("virtual paths and folders are validated", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    dir.mkdir("s");
    const auto errors = errors_of(dir, std::string("users:\n  - name: h\n    root: r\n    password: \"") + argon2_hash +
                                           "\"\n    home: relative\n    virtual_folders:\n      - {path: /a/../b, "
                                           "source: s}\n      - {path: /, source: s}\n      - {path: /x, source: s}\n"
                                           "      - {path: /x/, source: s}\n    permissions:\n      /up: [fly]\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 5, 11, "not an absolute virtual path"));
    CHECK(has_error(errors, 7, 16, "'/a/../b' is not an absolute virtual path"));
    CHECK(has_error(errors, 8, 16, "'/' is the user's root"));
    CHECK(has_error(errors, 10, 16, "'/x' is mounted twice"));
    CHECK(has_error(errors, 12, 13, "unknown permission 'fly'"));
}

TEST_CASE("listen conflicts and OFTP identity rules", "[config]") {
    TempDir dir;
    const auto errors = errors_of(dir, "ssh:\n  listen: [\"127.0.0.1:2222\"]\noftp:\n  listen: [\"127.0.0.1:2222\", "
                                       "\"host:0\"]\n  tls_listen: [\"[::1]:6619\"]\n  ssid: lower\n  "
                                       "password: TOOLONGPASSWORD\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 4, 3, "127.0.0.1:2222 is already used by ssh.listen"));
    CHECK(has_error(errors, 4, 30, "'host:0' is not host:port"));
    CHECK(has_error(errors, 5, 15, "needs an oftp.tls section"));
    CHECK(has_error(errors, 6, 9, "Odette ID"));
    CHECK(has_error(errors, 7, 13, "1-8 characters"));
}

TEST_CASE("YAML syntax errors carry their position", "[config]") {
    TempDir dir;
    const auto errors = errors_of(dir, "server:\n  workers: [1, 2\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line >= 2);
    CHECK(errors[0].message.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("load_file names the file in every diagnostic", "[config]") {
    TempDir dir;
    const auto file = dir.write("bad.yaml", "bogus: 1\n");
    try {
        load_file(file);
        FAIL("accepted");
    } catch (const ConfigError& e) {
        REQUIRE(e.diagnostics().size() == 1);
        CHECK(e.diagnostics()[0].to_string() == file.string() + ":1:1: top level: unknown key 'bogus'");
    }
    try {
        load_file(dir / "missing.yaml");
        FAIL("accepted");
    } catch (const ConfigError& e) {
        CHECK(e.diagnostics().at(0).message == "cannot open the file for reading");
    }
}

TEST_CASE("the example configuration passes", "[config]") {
    const auto config = load_file(WHARF_SOURCE_DIR "/config/examples/wharf.yaml");
    CHECK(config->ssh);
    CHECK(config->oftp);
    CHECK_FALSE(config->users.empty());
    CHECK_FALSE(config->partners.empty());
}

TEST_CASE("inline authorized_keys lines are validated where they stand", "[config]") {
    TempDir dir;
    dir.mkdir("r");
    const auto errors = errors_of(dir, R"(users:
  - name: ivan
    root: r
    authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl good
      - no-ptty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
      - ssh-ed25519 not-base64!
)");
    INFO(dump(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 6);
    CHECK(errors[0].message.find("no-ptty") != std::string::npos);
    CHECK(errors[1].line == 7);
}

TEST_CASE("a read-only folder reachable through a writable mount is refused", "[config]") {
    TempDir dir;
    dir.mkdir("root/public");
    dir.mkdir("outside/docs");
    const auto errors = errors_of(dir, std::string("users:\n  - name: j\n    root: root\n    password: \"") + argon2_hash +
                                           "\"\n    virtual_folders:\n      - {path: /pub, source: root/public, "
                                           "read_only: true}\n      - {path: /rw, source: outside}\n      - {path: "
                                           "/docs, source: outside/docs, read_only: true}\n");
    INFO(dump(errors));
    REQUIRE(errors.size() == 2);
    CHECK(has_error(errors, 6, 7, "read-only folder '/pub' lies inside the user's writable root"));
    CHECK(has_error(errors, 6, 7, "read-only folder '/docs' lies inside writable folder '/rw'"));
}

TEST_CASE("ssh algorithm lists and limits are validated", "[config]") {
    TempDir dir;
    const auto config = load_text("ssh:\n  listen: [\"127.0.0.1:2222\"]\n  ciphers: [aes256-gcm@openssh.com, aes128-cbc]\n"
                                  "  max_startups: \"10:30:60\"\n  per_source_max_startups: 5\n  strict_kex: 3\n"
                                  "  rekey_limit: 512M\n  keepalive_interval: 15s\n",
                                  "t.yaml", dir.path());
    CHECK(config->ssh->ciphers == std::vector<std::string>{"aes256-gcm@openssh.com", "aes128-cbc"});
    CHECK(config->ssh->max_startups.rate == 30);
    CHECK(config->ssh->max_startups.full == 60);
    CHECK(config->ssh->per_source_max_startups == 5);
    CHECK(config->ssh->strict_kex == 3);
    CHECK(config->ssh->rekey_limit == 512ull << 20);
    const auto errors = errors_of(dir, "ssh:\n  listen: [\"127.0.0.1:2222\"]\n  macs: [hmac-sha3]\n  strict_kex: 4\n"
                                       "  max_startups: \"30:10:20\"\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 3, 10, "unknown algorithm 'hmac-sha3'"));
    CHECK(has_error(errors, 4, 15, "larger than the maximum 3"));
    CHECK(has_error(errors, 5, 17, "is not N or start:rate:full"));
}

TEST_CASE("sftp section: defaults, every key, and bounds", "[config][sftp]") {
    const std::string base = "server: {state_dir: /tmp}\n";
    {
        const auto config = load_text(base, "test.yaml", "/tmp");
        CHECK(config->sftp.max_version == 6);
        CHECK(config->sftp.readdir_batch == 100);
        CHECK(config->sftp.newline == "\n");
        CHECK(config->sftp.max_read_length == 256 * 1024);
    }
    {
        const auto config = load_text(
            base + "sftp: {max_version: 4, readdir_batch: 7, newline: crlf, max_outstanding_requests: 16,"
                   " max_open_handles: 10, max_read_length: 32K}\n",
            "test.yaml", "/tmp");
        CHECK(config->sftp.max_version == 4);
        CHECK(config->sftp.readdir_batch == 7);
        CHECK(config->sftp.newline == "\r\n");
        CHECK(config->sftp.max_outstanding_requests == 16);
        CHECK(config->sftp.max_open_handles == 10);
        CHECK(config->sftp.max_read_length == 32 * 1024);
    }
    CHECK(load_text(base + "sftp: {newline: \"\\r\"}\n", "test.yaml", "/tmp")->sftp.newline == "\r");
    for (const char* bad : {"sftp: {max_version: 2}\n", "sftp: {max_version: 7}\n", "sftp: {readdir_batch: 0}\n",
                            "sftp: {newline: tab}\n", "sftp: {max_read_length: 1M}\n", "sftp: {max_versoin: 5}\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(load_text(base + bad, "test.yaml", "/tmp"), ConfigError);
    }
}
