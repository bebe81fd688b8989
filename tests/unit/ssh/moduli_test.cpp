// Group exchange groups: moduli file parsing (bad lines skipped, never fatal), the server's group
// choice, and the client's checks of the group it is sent.
#include "protocols/ssh/moduli.hpp"

#include "ssh/kex_test_util.hpp"
#include "ssh/ssh_test_util.hpp"

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/hex.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

namespace ssh = wharf::ssh;

namespace {

const char* const k_gex = "diffie-hellman-group-exchange-sha256";

Botan::BigInt modp(std::size_t bits) {
    return Botan::DL_Group("modp/ietf/" + std::to_string(bits)).get_p();
}

std::string hex(const Botan::BigInt& n) {
    return Botan::hex_encode(Botan::BigInt::encode(n));
}

// A moduli(5) record; fields can be overridden to make bad ones.
std::string record(const Botan::BigInt& p, const std::string& generator = "2",
                   const std::string& type = "2", const std::string& tests = "6",
                   const std::string& tries = "100", std::string size = {}) {
    if (size.empty()) {
        size = std::to_string(p.bits() - 1);
    }
    return "20240101000000 " + type + " " + tests + " " + tries + " " + size + " " + generator +
           " " + hex(p);
}

// Runs a GEX client against the server's GEX_GROUP replaced by (p, g).
void client_gets_group(const Botan::BigInt& p, const Botan::BigInt& g, std::string_view error,
                       ssh::GexRequest request = {}) {
    ssh::KexContext context = wharf::test::client_context();
    context.gex_request = request;
    auto client = ssh::make_kex_method(k_gex, std::move(context));
    REQUIRE(client->start());
    const ssh::Bytes group = ssh::Writer{}.byte(31).mpint(p).mpint(g).take();
    try {
        (void)client->handle(group);
    } catch (const ssh::KexError& e) {
        INFO(e.what());
        CHECK(e.reason() == ssh::DisconnectReason::key_exchange_failed);
        CHECK(std::string_view(e.what()).find(error) != std::string_view::npos);
        return;
    }
    FAIL("the client accepted the group");
}

}  // namespace

TEST_CASE("moduli files: good records are kept, bad lines skipped and named", "[kex][moduli]") {
    const Botan::BigInt p2048 = modp(2048);
    const Botan::BigInt p3072 = modp(3072);
    const std::string text =
        "#    Time Type Tests Tries Size Generator Modulus\n"
        "\n"
        "   \t\n" +
        record(p2048) + "\n" +                          // 4: good
        record(p3072, "5") + "\r\n" +                   // 5: good, CRLF
        "20240101000000\t2\t6\t100\t2047\t2\t" + hex(p2048) + "\n" +  // 6: good, tabs
        record(p2048, "2", "4") + "\n" +                // 7: Sophie Germain, not safe
        record(p2048, "2", "2", "1") + "\n" +           // 8: composite
        record(p2048, "2", "2", "0") + "\n" +           // 9: untested
        record(p2048, "2", "2", "6", "0") + "\n" +      // 10: no tries
        record(p2048, "2", "2", "6", "100", "2048") + "\n" +  // 11: size off by one
        record(p2048, "1") + "\n" +                     // 12: generator 1
        record(p2048, hex(p2048 - 1)) + "\n" +          // 13: generator p-1
        record(p2048 - 1) + "\n" +                      // 14: even
        record(modp(1024)) + "\n" +                     // 15: too small
        "20240101000000 2 6 100 2047 2 XYZ\n"           // 16: not hex
        "20240101000000 2 6 100 2047 2\n"               // 17: six fields
        "2024x101000000 2 6 100 2047 2 " + hex(p2048) + "\n" +  // 18: bad timestamp
        "20240101000000 2 6 -1 2047 2 " + hex(p2048) + "\n" +   // 19: negative tries
        record(p2048) + " extra\n" +                    // 20: eight fields
        std::string(5000, 'A') + "\n" +                 // 21: too long
        record(p2048);                                  // 22: good, no final newline

    const ssh::ModuliFile file = ssh::ModuliFile::parse(text);
    REQUIRE(file.groups().size() == 4);
    CHECK(file.groups()[0].bits == 2048);
    CHECK(file.groups()[1].bits == 3072);
    CHECK(file.groups()[1].generator == ssh::Bytes{5});
    CHECK(file.groups()[1].prime == Botan::BigInt::encode(p3072));
    CHECK(file.skipped_lines() == 15);
    REQUIRE(file.problems().size() == 15);
    const std::vector<std::string> expected{
        "line 7: not a safe prime (type 4)",
        "line 8: not tested as prime",
        "line 9: not tested as prime",
        "line 10: not tested as prime",
        "line 11: size 2048 does not match a 2048-bit modulus",
        "line 12: generator is not in 2..p-2",
        "line 13: generator is not in 2..p-2",
        "line 14: modulus is even",
        "line 15: modulus of 1024 bits is outside 2048..8192",
        "line 16: generator and modulus must be hexadecimal",
        "line 17: expected 7 fields, found 6",
        "line 18: timestamp is not a number",
        "line 19: type, tests, tries and size must be decimal numbers",
        "line 20: expected 7 fields, found 8",
        "line 21: line longer than 4096 characters",
    };
    CHECK(file.problems() == expected);

    CHECK(ssh::ModuliFile::parse("").groups().empty());
    CHECK(ssh::ModuliFile::parse(std::string(1000, '\n')).skipped_lines() == 0);
    // Binary junk is just bad lines.
    std::string junk;
    for (int i = 0; i < 4096; ++i) {
        junk += static_cast<char>((i * 37) % 256);
    }
    CHECK(ssh::ModuliFile::parse(junk).groups().empty());
}

TEST_CASE("moduli files are read only up to 16 MiB", "[kex][moduli]") {
    const std::string line = record(modp(2048)) + "\n";
    std::string text;
    while (text.size() <= (16u << 20)) {
        text += line;
    }
    const ssh::ModuliFile file = ssh::ModuliFile::parse(text);
    REQUIRE_FALSE(file.problems().empty());
    CHECK(file.problems().front().find("16 MiB") != std::string::npos);
    CHECK(file.groups().size() == (16u << 20) / line.size());
    CHECK(file.problems().size() <= 16);  // the cut last line is one more problem, at most
}

TEST_CASE("the system moduli file parses cleanly", "[kex][moduli]") {
    const std::filesystem::path path = "/etc/ssh/moduli";
    if (!std::filesystem::exists(path)) {
        WARN("/etc/ssh/moduli not found: skipping");
        return;
    }
    const ssh::ModuliFile file = ssh::ModuliFile::parse(wharf::test::read_text(path));
    INFO((file.problems().empty() ? std::string() : file.problems().front()));
    CHECK(file.skipped_lines() == 0);
    CHECK_FALSE(file.groups().empty());

    // A full exchange with a group from it.
    ssh::KexContext client = wharf::test::client_context();
    client.gex_request = {2048, 2048, 8192};
    ssh::KexContext server = wharf::test::server_context();
    server.moduli = &file;
    auto c = ssh::make_kex_method(k_gex, std::move(client));
    auto s = ssh::make_kex_method(k_gex, std::move(server));
    REQUIRE_FALSE(s->start());
    const ssh::Bytes group = *s->handle(*c->start());
    ssh::Reader r("group", group);
    r.byte("number");
    const Botan::BigInt p = r.mpint("p");
    CHECK(p.bits() == 2048);
    bool from_file = false;
    for (const ssh::DhGroup& g : file.groups()) {
        from_file = from_file || g.prime == Botan::BigInt::encode(p);
    }
    CHECK(from_file);
    const ssh::Bytes init = *c->handle(group);
    CHECK_FALSE(c->handle(*s->handle(init)));
    CHECK(c->take_outcome().exchange_hash == s->take_outcome().exchange_hash);
}

TEST_CASE("the server picks the best-fitting group, randomly among equals", "[kex][moduli]") {
    // Two different 3072-bit entries: the same prime with generators 2 and 5.
    const ssh::ModuliFile file = ssh::ModuliFile::parse(
        record(modp(2048)) + "\n" + record(modp(3072)) + "\n" + record(modp(3072), "5") + "\n" +
        record(modp(4096)) + "\n");
    REQUIRE(file.groups().size() == 4);
    auto& rng = wharf::test::kex_rng();
    const auto bits = [&](std::uint32_t min, std::uint32_t n, std::uint32_t max) {
        const auto group = file.choose(min, n, max, rng);
        return group ? group->bits : 0;
    };
    CHECK(bits(2048, 3072, 8192) == 3072);  // exact
    CHECK(bits(2048, 2500, 8192) == 3072);  // smallest at least n
    CHECK(bits(2048, 6000, 8192) == 4096);  // none that big: the largest below
    CHECK(bits(2048, 2048, 2048) == 2048);
    CHECK(bits(2049, 3072, 3500) == 3072);
    CHECK(bits(5000, 6000, 8192) == 0);     // nothing in range

    std::set<ssh::Bytes> generators;
    for (int i = 0; i < 64; ++i) {
        generators.insert(file.choose(2048, 3072, 8192, rng)->generator);
    }
    CHECK(generators == std::set<ssh::Bytes>{{2}, {5}});

    CHECK(ssh::ModuliFile::builtin().groups().size() == 5);
    CHECK(ssh::ModuliFile::builtin().choose(2048, 7680, 8192, rng)->bits == 8192);
}

TEST_CASE("the GEX server clamps requests and falls back to built-in groups", "[kex][moduli]") {
    const auto server_group_bits = [](std::uint32_t min, std::uint32_t n, std::uint32_t max,
                                      const ssh::ModuliFile* moduli) -> std::size_t {
        ssh::KexContext context = wharf::test::server_context();
        context.moduli = moduli;
        auto server = ssh::make_kex_method(k_gex, std::move(context));
        REQUIRE_FALSE(server->start());
        const ssh::Bytes request =
            ssh::Writer{}.byte(34).uint32(min).uint32(n).uint32(max).take();
        const ssh::Bytes group = *server->handle(request);
        ssh::Reader r("group", group);
        r.byte("number");
        return r.mpint("p").bits();
    };
    const ssh::ModuliFile only_4096 = ssh::ModuliFile::parse(record(modp(4096)));
    CHECK(server_group_bits(2048, 4096, 8192, &only_4096) == 4096);
    // Nothing fits in the file: the built-in groups answer.
    CHECK(server_group_bits(2048, 2048, 3072, &only_4096) == 2048);
    CHECK(server_group_bits(2048, 3072, 8192, nullptr) == 3072);
    // Old-style requests below RFC 8270's floor are raised to 2048; above 8192 lowered.
    CHECK(server_group_bits(1024, 1024, 8192, nullptr) == 2048);
    CHECK(server_group_bits(1024, 16384, 16384, nullptr) == 8192);

    for (const auto& [min, n, max] :
         std::vector<std::array<std::uint32_t, 3>>{{1024, 1024, 1536},  // max below 2048
                                                   {4096, 3072, 8192},  // n below min
                                                   {3072, 4096, 2048},  // max below min
                                                   {9000, 9000, 9000}}) {
        INFO(min << " " << n << " " << max);
        ssh::KexContext context = wharf::test::server_context();
        auto server = ssh::make_kex_method(k_gex, std::move(context));
        REQUIRE_FALSE(server->start());
        try {
            (void)server->handle(ssh::Writer{}.byte(34).uint32(min).uint32(n).uint32(max).take());
            FAIL("request accepted");
        } catch (const ssh::KexError& e) {
            CHECK(e.reason() == ssh::DisconnectReason::key_exchange_failed);
            CHECK(std::string_view(e.what()).find("no group size fits") != std::string_view::npos);
        }
    }
}

TEST_CASE("the GEX client refuses groups it did not ask for", "[kex][moduli]") {
    const Botan::BigInt p2048 = modp(2048);
    client_gets_group(modp(1024), 2, "server sent a 1024-bit group; we asked for 2048..8192");
    client_gets_group(p2048, 2, "server sent a 2048-bit group; we asked for 3072..8192",
                      {3072, 4096, 8192});
    client_gets_group(modp(4096), 2, "server sent a 4096-bit group; we asked for 2048..3072",
                      {2048, 2048, 3072});
    client_gets_group(Botan::BigInt(0), 2, "server sent a 0-bit group");
    client_gets_group(-p2048, 2, "server sent a 0-bit group");
    client_gets_group(p2048 - 1, 2, "modulus is even");
    client_gets_group(p2048, 1, "generator is not in 2..p-2");
    client_gets_group(p2048, p2048 - 1, "generator is not in 2..p-2");
    client_gets_group(p2048, 0, "generator is not in 2..p-2");
    // Odd composites of the right size.
    client_gets_group(p2048 - 2, 2, "modulus is not prime");
    client_gets_group(modp(1024) * modp(1024), 2, "modulus is not prime");
}
