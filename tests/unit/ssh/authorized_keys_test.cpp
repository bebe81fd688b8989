#include "protocols/ssh/authorized_keys.hpp"

#include "protocols/ssh/key_file.hpp"

#include <botan/auto_rng.h>
#include <catch2/catch.hpp>

#include <random>

namespace ssh = wharf::ssh;

namespace {

const ssh::PrivateKey& ed25519_key() {
    static const ssh::PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return ssh::PrivateKey::generate(ssh::KeyType::ed25519, rng);
    }();
    return key;
}

const ssh::PrivateKey& p256_key() {
    static const ssh::PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return ssh::PrivateKey::generate(ssh::KeyType::ecdsa_p256, rng);
    }();
    return key;
}

// "ssh-ed25519 AAAA..." without a comment.
std::string ed_line() { return ed25519_key().public_key().to_openssh(); }

}  // namespace

TEST_CASE("plain key lines", "[ssh][authorized_keys]") {
    const ssh::AuthorizedKey k = ssh::parse_authorized_key_line(ed_line() + " alice@laptop (work)");
    CHECK(k.key == ed25519_key().public_key());
    CHECK(k.comment == "alice@laptop (work)");
    CHECK(k.line_number == 0);
    CHECK(k.options.pty);
    CHECK(k.options.port_forwarding);
    CHECK_FALSE(k.options.command.has_value());

    CHECK(ssh::parse_authorized_key_line("  " + ed_line() + "\r").comment.empty());
}

TEST_CASE("restrict and permission flags apply left to right", "[ssh][authorized_keys]") {
    const auto options = [](const std::string& text) {
        return ssh::parse_authorized_key_line(text + " " + ed_line()).options;
    };
    const auto r = options("restrict");
    CHECK(r.restricted);
    CHECK_FALSE(r.pty);
    CHECK_FALSE(r.port_forwarding);
    CHECK_FALSE(r.agent_forwarding);
    CHECK_FALSE(r.x11_forwarding);
    CHECK_FALSE(r.user_rc);

    const auto rp = options("restrict,pty");
    CHECK(rp.pty);
    CHECK_FALSE(rp.port_forwarding);
    CHECK_FALSE(options("pty,restrict").pty);

    const auto no =
        options("no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc");
    CHECK_FALSE(no.pty);
    CHECK_FALSE(no.port_forwarding);
    CHECK_FALSE(no.agent_forwarding);
    CHECK_FALSE(no.x11_forwarding);
    CHECK_FALSE(no.user_rc);
    CHECK_FALSE(no.restricted);

    CHECK_FALSE(options("NO-PTY").pty);  // names are case-insensitive
    CHECK(options("cert-authority").cert_authority);
    CHECK(options("no-touch-required,verify-required").no_touch_required);
    CHECK(options("verify-required").verify_required);
}

TEST_CASE("valued options", "[ssh][authorized_keys]") {
    const ssh::AuthorizedKey k = ssh::parse_authorized_key_line(
        R"(command="echo \"hi there\" \\n",from="192.0.2.0/24,!192.0.2.9,*.example.com",)"
        R"(environment="LANG=C",environment="TZ=UTC",permitopen="localhost:8080",)"
        R"(permitopen="[::1]:*",permitlisten="2222",permitlisten="0.0.0.0:2223",)"
        R"(principals="alice,bob",tunnel="3",expiry-time="20300102Z" )" +
        p256_key().public_key().to_openssh("with options"));
    CHECK(k.key == p256_key().public_key());
    CHECK(k.comment == "with options");
    CHECK(k.options.command == R"(echo "hi there" \\n)");
    CHECK(k.options.from == "192.0.2.0/24,!192.0.2.9,*.example.com");
    CHECK(k.options.environment == std::vector<std::string>{"LANG=C", "TZ=UTC"});
    CHECK(k.options.permit_open == std::vector<std::string>{"localhost:8080", "[::1]:*"});
    CHECK(k.options.permit_listen == std::vector<std::string>{"2222", "0.0.0.0:2223"});
    CHECK(k.options.principals == "alice,bob");
    CHECK(k.options.tunnel == "3");
    REQUIRE(k.options.expiry_time.has_value());
    // 2030-01-02T00:00:00Z
    CHECK(std::chrono::system_clock::to_time_t(*k.options.expiry_time) == 1893542400);
}

TEST_CASE("a quoted value may hold spaces and commas", "[ssh][authorized_keys]") {
    const auto k =
        ssh::parse_authorized_key_line(R"(command="a, b  c",no-pty )" + ed_line() + " c");
    CHECK(k.options.command == "a, b  c");
    CHECK_FALSE(k.options.pty);
    CHECK(k.comment == "c");
}

TEST_CASE("expiry-time forms", "[ssh][authorized_keys]") {
    const auto expiry = [](const std::string& value) {
        return std::chrono::system_clock::to_time_t(
            *ssh::parse_authorized_key_line("expiry-time=\"" + value + "\" " + ed_line())
                 .options.expiry_time);
    };
    CHECK(expiry("203001020304Z") == 1893542400 + 3 * 3600 + 4 * 60);
    CHECK(expiry("20300102030405Z") == 1893542400 + 3 * 3600 + 4 * 60 + 5);
    // Without Z it is local time: it must at least land within a day of the UTC reading.
    CHECK(std::abs(expiry("20300102") - 1893542400) <= 24 * 3600);
    for (const char* bad :
         {"2030", "203001020", "20301301Z", "20300230Z", "20300102246000Z", "2030010a"}) {
        INFO(bad);
        CHECK_THROWS_AS(
            ssh::parse_authorized_key_line("expiry-time=\"" + std::string(bad) + "\" " + ed_line()),
            ssh::AuthorizedKeysError);
    }
}

TEST_CASE("bad lines name what is wrong", "[ssh][authorized_keys]") {
    const std::string key = " " + ed_line();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"no-ptty" + key, "unknown option 'no-ptty'"},
        {"no-pty=\"x\"" + key, "option 'no-pty' takes no value"},
        {"command" + key, "option 'command' needs a value"},
        {"command=ls" + key, "must be in double quotes"},
        {"command=\"ls" + key, "no closing quote"},
        {"command=\"a\",command=\"b\"" + key, "given twice"},
        {"from=\"10.0.0.1/8\"" + key, "bits set beyond its prefix length"},
        {"environment=\"=x\"" + key, "is not NAME=value"},
        {"environment=\"A-B=x\"" + key, "is not NAME=value"},
        {"permitopen=\"8080\"" + key, "is not host:port"},
        {"permitopen=\"host:99999\"" + key, "is not host:port"},
        {"permitopen=\"::1:22\"" + key, "is not host:port"},
        {"tunnel=\"x\"" + key, "not a tunnel number"},
        {"no-pty;no-x11-forwarding" + key, "unexpected ';'"},
        {",no-pty" + key, "expected an option name"},
        {"no-pty", "expected 'type base64 [comment]'"},
        {"ssh-dss AAAAB3NzaC1kc3M= x", "unsupported key type 'ssh-dss'"},
        {"sk-ssh-ed25519@openssh.com AAAA x", "unsupported key type"},
        {"ssh-rsa " + ed_line().substr(12), "does not match the blob's type 'ssh-ed25519'"},
        {"ssh-ed25519 AAAA%%%%", "not valid base64"},
    };
    for (const auto& [line, message] : cases) {
        INFO(line);
        CHECK_THROWS_WITH(ssh::parse_authorized_key_line(line), Catch::Contains(message));
        CHECK_THROWS_AS(ssh::parse_authorized_key_line(line), ssh::AuthorizedKeysError);
    }
}

TEST_CASE("whole files: comments, blank lines, CRLF, line numbers", "[ssh][authorized_keys]") {
    const std::string text =
        "# keys for alice\r\n"
        "\r\n" +
        ed_line() +
        " first\r\n"
        "   # indented comment\n"
        "restrict " +
        p256_key().public_key().to_openssh("second") + "\n\n";
    const auto keys = ssh::parse_authorized_keys(text);
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].line_number == 3);
    CHECK(keys[0].comment == "first");
    CHECK(keys[1].line_number == 5);
    CHECK(keys[1].options.restricted);
    CHECK(keys[1].key == p256_key().public_key());
    CHECK(ssh::parse_authorized_keys("").empty());
    CHECK(ssh::parse_authorized_keys("# only a comment").empty());
}

TEST_CASE("a bad line: strict parsing throws, lenient parsing skips it", "[ssh][authorized_keys]") {
    const std::string text = ed_line() +
                             " good\n"
                             "no-such-option " +
                             ed_line() + "\n" + p256_key().public_key().to_openssh("also good") +
                             "\n";
    try {
        (void)ssh::parse_authorized_keys(text);
        FAIL("expected AuthorizedKeysError");
    } catch (const ssh::AuthorizedKeysError& e) {
        CHECK(e.line() == 2);
        CHECK(std::string(e.what()) == "authorized_keys line 2: unknown option 'no-such-option'");
        CHECK(e.reason() == "unknown option 'no-such-option'");
    }
    std::vector<ssh::AuthorizedKeysError> skipped;
    const auto keys = ssh::parse_authorized_keys(text, &skipped);
    REQUIRE(keys.size() == 2);
    CHECK(keys[1].line_number == 3);
    REQUIRE(skipped.size() == 1);
    CHECK(skipped[0].line() == 2);
}

TEST_CASE("mutated lines only ever raise AuthorizedKeysError", "[ssh][authorized_keys]") {
    // Not a fuzzer, but a cheap net for crashes and stray exception types (run under ASan too).
    const std::string seed =
        R"(restrict,command="a \"b\"",from="10.0.0.0/8,!10.1.*",expiry-time="20300102Z" )" +
        p256_key().public_key().to_openssh("comment");
    std::mt19937 prng(4711);
    const std::string alphabet = "\"\\,= !*/.:-abcAZ09+\t\x01\xff";
    for (int i = 0; i < 3000; ++i) {
        std::string line = seed;
        const int edits = 1 + static_cast<int>(prng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = prng() % line.size();
            switch (prng() % 3) {
            case 0:
                line[at] = alphabet[prng() % alphabet.size()];
                break;
            case 1:
                line.erase(at, 1 + prng() % 8);
                break;
            default:
                line.insert(at, 1, alphabet[prng() % alphabet.size()]);
                break;
            }
            if (line.empty()) {
                line = "x";
            }
        }
        try {
            (void)ssh::parse_authorized_key_line(line);
        } catch (const ssh::AuthorizedKeysError&) {
        } catch (const std::exception& e) {
            FAIL("unexpected exception for line '" << line << "': " << e.what());
        }
    }
}
