#include <catch2/catch.hpp>

#include "protocols/ssh/address_match.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/version.hpp"

using namespace wharf::ssh;

namespace {

const std::vector<std::string> default_patterns{"SSH-2.0-*", "SSH-1.99-*"};

ByteView view(std::string_view text) { return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }

DisconnectReason refusal(VersionExchange& exchange, std::string_view input) {
    try {
        exchange.receive(view(input));
    } catch (const ProtocolError& e) {
        return e.reason();
    }
    FAIL("accepted: " << input);
    return DisconnectReason::reserved;
}

}  // namespace

TEST_CASE("a server reads the client's version line and leaves the packet bytes", "[version]") {
    VersionExchange exchange(Role::server, "SSH-2.0-wharf_0.1.0", default_patterns);
    CHECK(exchange.our_line() == Bytes{'S', 'S', 'H', '-', '2', '.', '0', '-', 'w', 'h', 'a', 'r', 'f', '_', '0', '.',
                                       '1', '.', '0', '\r', '\n'});
    const std::string input = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n\x01\x02\x03\x04";
    const auto used = exchange.receive(view(input));
    CHECK(exchange.done());
    CHECK(exchange.peer() == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6");
    CHECK(used == input.size() - 4);
}

TEST_CASE("the version line may arrive byte by byte and end in LF alone", "[version]") {
    VersionExchange exchange(Role::server, "SSH-2.0-wharf", default_patterns);
    for (const char c : std::string("SSH-1.99-legacy\n")) {
        CHECK_FALSE(exchange.done());
        CHECK(exchange.receive(view(std::string_view(&c, 1))) == 1);
    }
    CHECK(exchange.done());
    CHECK(exchange.peer() == "SSH-1.99-legacy");
}

TEST_CASE("a client accepts banner lines before the server's version", "[version]") {
    VersionExchange exchange(Role::client, "SSH-2.0-wharf", default_patterns);
    exchange.receive(view("Welcome\r\nto the server\r\nSSH-2.0-OpenSSH_9.2\r\n"));
    CHECK(exchange.done());
    CHECK(exchange.preamble() == std::vector<std::string>{"Welcome", "to the server"});
}

TEST_CASE("bad identification lines are refused with the right reason", "[version]") {
    VersionExchange server(Role::server, "SSH-2.0-wharf", default_patterns);
    CHECK(refusal(server, "GET / HTTP/1.1\r\n") == DisconnectReason::protocol_version_not_supported);
    VersionExchange old(Role::server, "SSH-2.0-wharf", default_patterns);
    CHECK(refusal(old, "SSH-1.5-ancient\r\n") == DisconnectReason::protocol_version_not_supported);
    VersionExchange longline(Role::server, "SSH-2.0-wharf", default_patterns);
    CHECK(refusal(longline, "SSH-2.0-" + std::string(300, 'x')) == DisconnectReason::protocol_error);
    VersionExchange control(Role::server, "SSH-2.0-wharf", default_patterns);
    CHECK(refusal(control, "SSH-2.0-a\x01z\r\n") == DisconnectReason::protocol_error);
    VersionExchange nul(Role::server, "SSH-2.0-wharf", default_patterns);
    CHECK(refusal(nul, std::string_view("SSH-2.0-a\0z\r\n", 13)) == DisconnectReason::protocol_error);
    VersionExchange chatty(Role::client, "SSH-2.0-wharf", default_patterns);
    std::string flood;
    for (std::size_t i = 0; i <= VersionExchange::max_preamble_lines; ++i) flood += "hello\r\n";
    CHECK(refusal(chatty, flood) == DisconnectReason::protocol_error);
}

TEST_CASE("version patterns are configurable globs", "[version]") {
    CHECK(match_wildcard("SSH-2.0-OpenSSH_9.2", "SSH-2.0-*"));
    CHECK(match_wildcard("SSH-2.0-PuTTY_0.78", "SSH-2.0-PuTTY_0.7?"));
    CHECK_FALSE(match_wildcard("SSH-2.0-PuTTY_0.8", "SSH-2.0-PuTTY_0.7?"));
    CHECK(match_wildcard("", "*"));
    CHECK_FALSE(match_wildcard("SSH-2.0-x", "SSH-1.99-*"));
    VersionExchange only_openssh(Role::server, "SSH-2.0-wharf", {"SSH-2.0-OpenSSH_*"});
    CHECK(refusal(only_openssh, "SSH-2.0-libssh_0.10\r\n") == DisconnectReason::protocol_version_not_supported);
}
