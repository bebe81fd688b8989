// The `oftp` and `partners` sections: every field, the defaults, and every rule with its position.
#include <catch2/catch.hpp>

#include <string>

#include "config/loader.hpp"
#include "diagnostics_util.hpp"
#include "support/temp_dir.hpp"

namespace config = wharf::config;
using wharf::test::TempDir;
using wharf::test::dump;
using wharf::test::errors_of;
using wharf::test::has_error;

namespace {

constexpr const char* argon2_hash =
    "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

constexpr const char* pem_certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
constexpr const char* pem_key = "-----BEGIN EC PARAMETERS-----\nBggq\n-----END EC PARAMETERS-----\n"
                                "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";

// The smallest station the partner tests build on (line 1 is "oftp:").
const std::string station = "oftp:\n  listen: \"127.0.0.1\"\n  ssid: O0013000000000WHARF\n  password: OURPW\n";

std::shared_ptr<const config::Config> load(const TempDir& dir, const std::string& yaml) {
    try {
        return config::load_text(yaml, "test.yaml", dir.path());
    } catch (const config::ConfigError& e) {
        FAIL("rejected:\n" << dump(e.diagnostics()));
    }
    return nullptr;
}

}  // namespace

TEST_CASE("every oftp and partner field is parsed", "[config][oftp]") {
    TempDir dir;
    dir.write("tls/our.crt", pem_certificate);
    dir.write("tls/our.key", pem_key);
    dir.write("tls/clients.pem", pem_certificate);
    dir.write("tls/acme.crt", pem_certificate);
    dir.write("tls/acme-ca.pem", pem_certificate);
    dir.mkdir("oftp");
    const auto config = load(dir, std::string(R"(server:
  state_dir: st
ssh:
  listen: ["127.0.0.1:2222"]
oftp:
  listen: ["127.0.0.1", "[::1]:3306"]
  tls_listen: ["*"]
  ssid: O0013000000000WHARF
  sfid: O0013000000000WHARFIN
  sub_stations: [O0013000000000WHARFSALES, "O0013WHARF         HR"]
  password: OURPW
  state_dir: oftp-state
  tls:
    certificate: tls/our.crt
    private_key: tls/our.key
    client_ca: tls/clients.pem
    require_client_cert: true
  protocol:
    max_version: 1.4
    exchange_buffer: 4096
    credit: 20
    compression: true
    restart: false
    capability: send
    response_timeout: 2m
    inactivity_timeout: 10m
    checkpoint_interval: 64 buffers
partners:
  - name: acme
    ssid: O0013000000000ACME
    password: ")") + argon2_hash + R"("
    send_password: TOACME
    sfid: O0013000000000ACMEIN
    originators: [O0013000000000ACME, O0013000000000ACMEDE]
    destinations: O0013000000000WHARFSALES
    inbox: oftp/acme/in
    inbox_naming: "{partner}/{destination}/{originator}-{dsn}-{date}-{time}-{counter}"
    overwrite: always
    detect_duplicates: false
    outbox: oftp/acme/out
    protocol: {max_version: "2.0", credit: 999, capability: both, checkpoint_interval: 16M}
    tls: {certificate: tls/acme.crt, ca: tls/acme-ca.pem}
    connect:
      address: oftp.acme.example
      tls: true
      interval: 1h
      retry: {initial: 10s, max: 5m}
      max_attempts: 12
  - name: globex
    ssid: GLOBEX
    password: GLOBEXPW
    inbox: oftp/globex/in
    outbox: oftp/globex/out
    connect: {address: "192.0.2.7"}
)");
    REQUIRE(config->oftp);
    const auto& oftp = *config->oftp;
    REQUIRE(oftp.listen.size() == 2);
    CHECK(oftp.listen[0].to_string() == "127.0.0.1:3305");
    CHECK(oftp.listen[1].to_string() == "[::1]:3306");
    REQUIRE(oftp.tls_listen.size() == 1);
    CHECK(oftp.tls_listen[0].to_string() == "*:6619");
    CHECK(oftp.ssid == "O0013000000000WHARF");
    CHECK(oftp.sfid == "O0013000000000WHARFIN");
    CHECK(oftp.sub_stations == std::vector<std::string>{"O0013000000000WHARFSALES", "O0013WHARF         HR"});
    CHECK(oftp.password == "OURPW");
    CHECK(oftp.state_dir == dir / "oftp-state");
    REQUIRE(oftp.tls);
    CHECK(oftp.tls->certificate == dir / "tls/our.crt");
    CHECK(oftp.tls->private_key == dir / "tls/our.key");
    CHECK(oftp.tls->client_ca == dir / "tls/clients.pem");
    CHECK(oftp.tls->require_client_cert);
    CHECK(oftp.protocol.max_version == config::OftpVersion::v1_4);
    CHECK(oftp.protocol.exchange_buffer == 4096);
    CHECK(oftp.protocol.credit == 20);
    CHECK(oftp.protocol.compression);
    CHECK_FALSE(oftp.protocol.restart);
    CHECK(oftp.protocol.capability == config::OftpCapability::send);
    CHECK(oftp.protocol.response_timeout == std::chrono::minutes(2));
    CHECK(oftp.protocol.inactivity_timeout == std::chrono::minutes(10));
    CHECK(oftp.protocol.checkpoint.every == 64);
    CHECK(oftp.protocol.checkpoint.unit == config::OftpCheckpoint::Unit::buffers);

    REQUIRE(config->partners.size() == 2);
    const auto& acme = *config->find_partner("acme");
    CHECK(acme.ssid == "O0013000000000ACME");
    CHECK(acme.password == argon2_hash);
    CHECK(acme.password_is_hash());
    CHECK(acme.send_password == "TOACME");
    CHECK(acme.sfid == "O0013000000000ACMEIN");
    CHECK(acme.originators == std::vector<std::string>{"O0013000000000ACME", "O0013000000000ACMEDE"});
    CHECK(acme.destinations == std::vector<std::string>{"O0013000000000WHARFSALES"});
    CHECK(acme.inbox == dir / "oftp/acme/in");
    CHECK(acme.inbox_naming == "{partner}/{destination}/{originator}-{dsn}-{date}-{time}-{counter}");
    CHECK(acme.overwrite == config::OverwritePolicy::always);
    CHECK_FALSE(acme.detect_duplicates);
    CHECK(acme.outbox == dir / "oftp/acme/out");
    // Overrides on top of oftp.protocol; what the partner leaves alone is inherited.
    CHECK(acme.protocol.max_version == config::OftpVersion::v2_0);
    CHECK(acme.protocol.credit == 999);
    CHECK(acme.protocol.capability == config::OftpCapability::both);
    CHECK(acme.protocol.checkpoint.every == 16u << 20);
    CHECK(acme.protocol.checkpoint.unit == config::OftpCheckpoint::Unit::bytes);
    CHECK(acme.protocol.exchange_buffer == 4096);
    CHECK(acme.protocol.compression);
    CHECK(acme.protocol.response_timeout == std::chrono::minutes(2));
    REQUIRE(acme.tls);
    CHECK(acme.tls->certificate == dir / "tls/acme.crt");
    CHECK(acme.tls->ca == dir / "tls/acme-ca.pem");
    REQUIRE(acme.connect);
    CHECK(acme.connect->address.to_string() == "oftp.acme.example:6619");
    CHECK(acme.connect->tls);
    CHECK(acme.connect->interval == std::chrono::hours(1));
    CHECK(acme.connect->retry_initial == std::chrono::seconds(10));
    CHECK(acme.connect->retry_max == std::chrono::minutes(5));
    CHECK(acme.connect->max_attempts == 12);

    const auto& globex = *config->find_partner_by_ssid("GLOBEX");
    CHECK(globex.name == "globex");
    CHECK_FALSE(globex.password_is_hash());
    REQUIRE(globex.connect);
    CHECK(globex.connect->address.to_string() == "192.0.2.7:3305");
    CHECK_FALSE(globex.connect->tls);
    CHECK(config->find_partner("nobody") == nullptr);
}

TEST_CASE("oftp and partner defaults", "[config][oftp]") {
    TempDir dir;
    const auto config = load(dir, "server:\n  state_dir: st\n" + station + R"(partners:
  - name: acme
    ssid: O0013000000000ACME
    password: ACMEPW
    inbox: in
    outbox: out
)");
    const auto& oftp = *config->oftp;
    CHECK(oftp.sfid == oftp.ssid);
    CHECK(oftp.sub_stations.empty());
    CHECK_FALSE(oftp.tls);
    CHECK(oftp.tls_listen.empty());
    CHECK(oftp.state_dir == dir / "st/oftp");
    const config::OftpProtocol& p = oftp.protocol;
    CHECK(p.max_version == config::OftpVersion::v2_0);
    CHECK(p.exchange_buffer == 2048);
    CHECK(p.credit == 99);
    CHECK_FALSE(p.compression);
    CHECK(p.restart);
    CHECK(p.capability == config::OftpCapability::both);
    CHECK(p.response_timeout == std::chrono::seconds(60));
    CHECK(p.inactivity_timeout == std::chrono::seconds(0));
    CHECK(p.checkpoint.every == 4u << 20);
    CHECK(p.checkpoint.unit == config::OftpCheckpoint::Unit::bytes);

    const auto& acme = config->partners.at(0);
    CHECK(acme.send_password == "OURPW");
    CHECK(acme.sfid == "O0013000000000ACME");
    CHECK(acme.originators == std::vector<std::string>{"O0013000000000ACME"});
    CHECK(acme.destinations == std::vector<std::string>{"O0013000000000WHARF"});
    CHECK(acme.inbox_naming == "{originator}/{dsn}.{date}{time}");
    CHECK(acme.overwrite == config::OverwritePolicy::rename);
    CHECK(acme.detect_duplicates);
    CHECK(acme.protocol.credit == 99);
    CHECK_FALSE(acme.tls);
    CHECK_FALSE(acme.connect);
    // Inbox and outbox need not exist yet: the daemon creates them.
    CHECK(acme.inbox == dir / "in");
}

TEST_CASE("destinations default to our sfid and every sub-station", "[config][oftp]") {
    TempDir dir;
    const auto config = load(dir, station + "  sub_stations: [O0013000000000WHARFHR]\npartners:\n  - {name: a, ssid: A, "
                                            "password: PW, inbox: in, outbox: out}\n");
    CHECK(config->partners.at(0).destinations ==
          std::vector<std::string>{"O0013000000000WHARF", "O0013000000000WHARFHR"});
}

TEST_CASE("Odette IDs follow RFC 5024 5.4", "[config][oftp]") {
    TempDir dir;
    const auto errors = errors_of(dir, R"(oftp:
  listen: "127.0.0.1"
  ssid: O13ACME
  sfid: O0013acme
  sub_stations: ["O0013WHARF         H R", " LEADING", "TWO WORDS", "O0013000000000WHARF", "OK", OK, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
  password: PW
)");
    INFO(dump(errors));
    CHECK(has_error(errors, 3, 9, "4-digit International Code Designator"));
    CHECK(has_error(errors, 4, 9, "only A-Z, 0-9, space and / - . & ( )"));
    CHECK(has_error(errors, 5, 18, "subaddress (positions 20-25) may not hold spaces"));
    CHECK(has_error(errors, 5, 44, "may not start or end with a space"));
    CHECK(has_error(errors, 5, 56, "spaces only as padding"));
    CHECK(has_error(errors, 5, 98, "'OK' is listed twice"));
    CHECK(has_error(errors, 5, 102, "1-25 characters"));
    CHECK(errors.size() == 7);
}

TEST_CASE("oftp section errors carry their positions", "[config][oftp]") {
    TempDir dir;
    dir.write("plain.txt", "not a certificate\n");
    dir.write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
    dir.write("file", "");
    const auto errors = errors_of(dir, R"(oftp:
  listen: ["127.0.0.1:70000", "[::1"]
  tls_listen: "127.0.0.1"
  ssid: O0013000000000WHARF
  sub_stations: [O0013000000000WHARF]
  password: "far too long"
  state_dir: file/sub
  tls:
    certificate: plain.txt
    private_key: enc.key
    client_ca: missing.pem
  protocol:
    max_version: 3.0
    exchange_buffer: 127
    credit: 1000
    compression: maybe
    capability: everything
    response_timeout: 0s
    inactivity_timeout: soon
    checkpoint_interval: 0
    colour: blue
)");
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 12, "'127.0.0.1:70000' is not host:port"));
    CHECK(has_error(errors, 2, 31, "'[::1' is not host:port"));
    CHECK(has_error(errors, 5, 18, "'O0013000000000WHARF' is our own sfid"));
    CHECK(has_error(errors, 6, 13, "oftp.password: the OFTP password is 1-8 characters"));
    CHECK(has_error(errors, 7, 14, "cannot be created"));
    CHECK(has_error(errors, 9, 18, "holds no PEM certificate"));
    CHECK(has_error(errors, 10, 18, "is encrypted"));
    CHECK(has_error(errors, 11, 16, "does not exist"));
    CHECK(has_error(errors, 13, 18, "'3.0' is not one of 1.2, 1.3, 1.4, 2.0"));
    CHECK(has_error(errors, 14, 22, "must be between 128 and 99999 (SSIDSDEB)"));
    CHECK(has_error(errors, 15, 13, "must be between 1 and 999 (SSIDCRED)"));
    CHECK(has_error(errors, 16, 18, "expected true or false"));
    CHECK(has_error(errors, 17, 17, "'everything' is not send, receive or both"));
    CHECK(has_error(errors, 18, 23, "oftp.protocol.response_timeout: must be more than 0"));
    CHECK(has_error(errors, 19, 25, "is not a duration"));
    CHECK(has_error(errors, 20, 26, "neither a size"));
    CHECK(has_error(errors, 21, 5, "unknown key 'colour'"));
    for (const auto& e : errors) CHECK(e.message.find("far too long") == std::string::npos);
}

TEST_CASE("an oftp station needs a listener or a partner to call", "[config][oftp]") {
    TempDir dir;
    const auto errors = errors_of(dir, "oftp:\n  ssid: WHARF\n");
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 3, "oftp: needs listen or tls_listen, or a partner with connect"));
    // A caller-only station is fine.
    const auto config = load(dir, "oftp:\n  ssid: WHARF\n  password: PW\npartners:\n  - {name: a, ssid: A, password: PW, "
                                  "inbox: in, outbox: out, connect: {address: \"a.example:3305\"}}\n");
    CHECK(config->oftp->listen.empty());
}

TEST_CASE("partner errors carry their positions and never quote passwords", "[config][oftp]") {
    TempDir dir;
    dir.write("taken", "");
    const auto errors = errors_of(dir, station + R"(  sub_stations: [O0013000000000WHARFHR]
partners:
  - name: "bad name"
    ssid: O0013000000000WHARF
    password: "sec ret"
    send_password: "toolongsecret"
    originators: []
    destinations: [O0013000000000WHARFHR, O0013000000000ELSE]
    inbox: same
    outbox: same
    inbox_naming: "{originator}/{file}"
    overwrite: sometimes
    detect_duplicates: perhaps
    protocol: {credit: 0}
    connect: {address: ":3305", tls: true, retry: {initial: 0s, max: 1m}}
  - name: b
    ssid: B
    password: "$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA"
    inbox: taken/in
    outbox: b-out
    tls: {}
    connect: {address: b.example, retry: {initial: 5m, max: 1m}}
  - name: b
    ssid: B
    password: PW
    inbox: c-in
    outbox: b-out
  - just a string
)");
    INFO(dump(errors));
    CHECK(has_error(errors, 7, 11, "partners.name: 'bad name' is not 1-64"));
    CHECK(has_error(errors, 8, 11, "'O0013000000000WHARF' is our own oftp.ssid"));
    CHECK(has_error(errors, 9, 15, "partners[0].password: the OFTP password may hold only printable ASCII characters "
                                   "without spaces"));
    CHECK(has_error(errors, 10, 20, "partners[0].send_password: the OFTP password is 1-8 characters"));
    CHECK(has_error(errors, 11, 18, "partners[0].originators: the list may not be empty"));
    CHECK(has_error(errors, 12, 43, "'O0013000000000ELSE' is neither oftp.sfid nor one of oftp.sub_stations"));
    CHECK(has_error(errors, 14, 13, "is the inbox too"));
    CHECK(has_error(errors, 15, 19, "unknown placeholder '{file}'"));
    CHECK(has_error(errors, 16, 16, "'sometimes' is not never, always or rename"));
    CHECK(has_error(errors, 17, 24, "expected true or false"));
    CHECK(has_error(errors, 18, 24, "partners[0].protocol.credit: must be between 1 and 999"));
    CHECK(has_error(errors, 19, 24, "':3305' is not host or host:port"));
    CHECK(has_error(errors, 19, 38, "needs partners[0].tls (certificate or ca)"));
    CHECK(has_error(errors, 19, 61, "retry.initial: must be more than 0"));
    CHECK(has_error(errors, 22, 15, "partners[b].password: only the argon2id variant is accepted"));
    CHECK(has_error(errors, 23, 12, "'" + (dir / "taken/in").string() + "' cannot be created: '" +
                                        (dir / "taken").string() + "' is not a directory"));
    CHECK(has_error(errors, 25, 10, "partners[b].tls: needs certificate, ca or both"));
    CHECK(has_error(errors, 26, 61, "retry.max: is shorter than"));
    CHECK(has_error(errors, 27, 11, "duplicate name 'b' (first at line 20)"));
    CHECK(has_error(errors, 28, 11, "duplicate ssid 'B' (first at line 20)"));
    CHECK(has_error(errors, 31, 13, "is used by two partners (first at line 20)"));
    CHECK(has_error(errors, 32, 5, "partners[3]: expected a mapping"));
    for (const auto& e : errors) {
        CHECK(e.message.find("sec ret") == std::string::npos);
        CHECK(e.message.find("toolongsecret") == std::string::npos);
        CHECK(e.message.find("argon2i$v") == std::string::npos);
    }
}

TEST_CASE("naming templates are checked", "[config][oftp]") {
    TempDir dir;
    const auto errors = errors_of(dir, station + R"(partners:
  - {name: a, ssid: A, password: PW, inbox: in, outbox: o1, inbox_naming: "/abs/{dsn}"}
  - {name: b, ssid: B, password: PW, inbox: in, outbox: o2, inbox_naming: "{dsn"}
  - {name: c, ssid: C, password: PW, inbox: in, outbox: o3, inbox_naming: "x}"}
  - {name: d, ssid: D, password: PW, inbox: in, outbox: o4, inbox_naming: "{originator}/../{dsn}"}
  - {name: e, ssid: E, password: PW, inbox: in, outbox: o5, inbox_naming: "{originator}//{dsn}"}
  - {name: f, ssid: F, password: PW, inbox: in, outbox: o6, inbox_naming: ""}
)");
    INFO(dump(errors));
    CHECK(has_error(errors, 6, 75, "must be relative to the inbox"));
    CHECK(has_error(errors, 7, 75, "'{' at offset 0 is not closed"));
    CHECK(has_error(errors, 8, 75, "'}' at offset 1 closes no placeholder"));
    CHECK(has_error(errors, 9, 75, "'.' or '..' path component"));
    CHECK(has_error(errors, 10, 75, "'.' or '..' path component"));
    CHECK(has_error(errors, 11, 75, "the naming template is empty"));
    CHECK(errors.size() == 6);
}

TEST_CASE("cross-section OFTP rules", "[config][oftp]") {
    TempDir dir;
    dir.write("our.crt", pem_certificate);
    dir.write("our.key", pem_key);
    SECTION("partners without an oftp section") {
        const auto errors = errors_of(dir, "partners:\n  - {name: a, ssid: A, password: PW, inbox: in, outbox: out}\n");
        INFO(dump(errors));
        CHECK(has_error(errors, 2, 3, "partners: need an oftp section"));
    }
    SECTION("a partner with nothing to send as our password") {
        const auto errors = errors_of(dir, "oftp:\n  listen: \"127.0.0.1\"\n  ssid: WHARF\npartners:\n  - name: a\n"
                                           "    ssid: A\n    password: PW\n    inbox: in\n    outbox: out\n"
                                           "    connect: {address: a.example}\n");
        INFO(dump(errors));
        CHECK(has_error(errors, 5, 5, "partners[a].send_password: no password to send"));
    }
    SECTION("a required client certificate needs something to verify it against") {
        const auto errors = errors_of(dir, "oftp:\n  tls_listen: \"*\"\n  ssid: WHARF\n  password: PW\n  tls:\n"
                                           "    certificate: our.crt\n    private_key: our.key\n"
                                           "    require_client_cert: true\n");
        INFO(dump(errors));
        CHECK(has_error(errors, 8, 26, "needs oftp.tls.client_ca or a partner with tls"));
        CHECK(errors.size() == 1);
    }
    SECTION("a partner's tls is enough to verify client certificates") {
        dir.write("acme.crt", pem_certificate);
        const auto config = load(dir, "oftp:\n  tls_listen: \"*\"\n  ssid: WHARF\n  password: PW\n  tls:\n"
                                      "    certificate: our.crt\n    private_key: our.key\n    require_client_cert: true\n"
                                      "partners:\n  - {name: a, ssid: A, password: PW, inbox: in, outbox: out, "
                                      "tls: {certificate: acme.crt}}\n");
        CHECK(config->oftp->tls->require_client_cert);
    }
    SECTION("oftp listeners may not collide with ssh ones, wildcards included") {
        const auto errors = errors_of(dir, "ssh:\n  listen: [\"*:3305\"]\noftp:\n  listen: \"127.0.0.1\"\n"
                                           "  tls_listen: \"[::1]:2222\"\n  ssid: WHARF\n  password: PW\n  tls:\n"
                                           "    certificate: our.crt\n    private_key: our.key\n");
        INFO(dump(errors));
        CHECK(has_error(errors, 4, 3, "oftp.listen: 127.0.0.1:3305 is already used by ssh.listen (*:3305)"));
        CHECK(errors.size() == 1);
    }
}

TEST_CASE("the example configuration's OFTP station and partners", "[config][oftp]") {
    const auto config = config::load_file(WHARF_SOURCE_DIR "/config/examples/wharf.yaml");
    REQUIRE(config->oftp);
    CHECK(config->oftp->sub_stations.size() == 1);
    REQUIRE(config->partners.size() == 2);
    const auto& acme = config->partners[0];
    CHECK(acme.password_is_hash());
    REQUIRE(acme.connect);
    CHECK(acme.connect->tls);
    CHECK(acme.connect->address.port == 6619);
    const auto& globex = config->partners[1];
    CHECK(globex.send_password == config->oftp->password);
    CHECK(globex.protocol.max_version == config::OftpVersion::v1_4);
    CHECK(globex.protocol.capability == config::OftpCapability::receive);
    CHECK(globex.outbox.empty());
    CHECK(globex.overwrite == config::OverwritePolicy::never);
}
