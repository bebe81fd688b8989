// Known-answer packets from an independent implementation (vectors/make_packet_vectors.py,
// python3-cryptography): our sealer must produce the same bytes given the same padding, and
// our opener must recover the payloads.
#include "protocols/ssh/transport.hpp"

#include "ssh/ssh_test_util.hpp"
#include "ssh/transport_test_util.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace ssh = wharf::ssh;
using wharf::test::from_hex;

namespace {

struct VectorPacket {
    std::uint32_t sequence = 0;
    ssh::Bytes payload;
    ssh::Bytes padding;
    ssh::Bytes wire;
};

struct VectorScenario {
    std::string name;
    ssh::DirectionKeys keys;
    std::vector<VectorPacket> packets;
};

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) {
        return "";
    }
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// "[name]" starts a scenario, "seq = " starts a packet, other "key = value" lines fill in.
std::vector<VectorScenario> load_vectors() {
    std::istringstream in(wharf::test::read_text(std::string(WHARF_SOURCE_DIR) +
                                                 "/tests/unit/ssh/vectors/packet_vectors.vec"));
    std::vector<VectorScenario> scenarios;
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.front() == '[') {
            scenarios.push_back({line.substr(1, line.size() - 2), {}, {}});
            scenarios.back().keys.compression = "none";
            continue;
        }
        const auto eq = line.find('=');
        REQUIRE(eq != std::string::npos);
        REQUIRE(!scenarios.empty());
        const std::string key = trim(line.substr(0, eq));
        const std::string value = trim(line.substr(eq + 1));
        VectorScenario& s = scenarios.back();
        if (key == "cipher") {
            s.keys.cipher = value;
        } else if (key == "mac") {
            s.keys.mac = value;
        } else if (key == "key") {
            s.keys.key = from_hex(value);
        } else if (key == "iv") {
            s.keys.iv = from_hex(value);
        } else if (key == "mac_key") {
            s.keys.mac_key = from_hex(value);
        } else if (key == "seq") {
            s.packets.push_back({static_cast<std::uint32_t>(std::stoul(value)), {}, {}, {}});
        } else if (key == "payload") {
            s.packets.back().payload = from_hex(value);
        } else if (key == "padding") {
            s.packets.back().padding = from_hex(value);
        } else if (key == "wire") {
            s.packets.back().wire = from_hex(value);
        } else {
            FAIL("unknown vector field " << key);
        }
    }
    return scenarios;
}

}  // namespace

TEST_CASE("packet vectors cover the required constructions", "[transport][cipher][mac]") {
    const auto scenarios = load_vectors();
    std::vector<std::string> names;
    for (const auto& s : scenarios) {
        names.push_back(s.name);
    }
    for (const char* required :
         {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
          "aes128-ctr+hmac-sha2-256", "aes128-ctr+hmac-sha2-256-etm@openssh.com",
          "aes128-cbc+hmac-sha1"}) {
        INFO(required);
        CHECK(std::find(names.begin(), names.end(), required) != names.end());
    }
    const auto chacha = std::find_if(scenarios.begin(), scenarios.end(), [](const auto& s) {
        return s.name == "chacha20-poly1305@openssh.com";
    });
    REQUIRE(chacha != scenarios.end());
    std::vector<std::uint32_t> sequences;
    for (const auto& p : chacha->packets) {
        sequences.push_back(p.sequence);
    }
    CHECK(sequences == std::vector<std::uint32_t>{0, 1, 7, 0xffffffff});
}

TEST_CASE("sealing reproduces the independent packet vectors byte for byte",
          "[transport][cipher][mac]") {
    for (const VectorScenario& s : load_vectors()) {
        INFO(s.name);
        wharf::test::ScriptedRng padding;
        for (const auto& p : s.packets) {
            padding.append(p.padding);
        }
        ssh::Transport sender(padding);
        sender.set_outgoing_keys(s.keys);
        for (const auto& p : s.packets) {
            INFO("sequence " << p.sequence);
            sender.set_sequence_numbers(0, p.sequence);
            sender.send_packet(p.payload);
            CHECK(sender.take_output() == p.wire);
        }
        CHECK(padding.remaining() == 0);
    }
}

TEST_CASE("opening decodes the independent packet vectors", "[transport][cipher][mac]") {
    auto rng = wharf::test::seeded_rng(1);
    for (const VectorScenario& s : load_vectors()) {
        INFO(s.name);
        ssh::Transport receiver(rng);
        receiver.set_incoming_keys(s.keys);
        for (const auto& p : s.packets) {
            INFO("sequence " << p.sequence);
            receiver.set_sequence_numbers(p.sequence, 0);
            CHECK(receiver.receive(p.wire) == p.wire.size());
            const auto payload = receiver.next_packet();
            REQUIRE(payload.has_value());
            CHECK(*payload == p.payload);
            CHECK_FALSE(receiver.next_packet().has_value());
        }
    }
}

TEST_CASE("a vector packet opened under the wrong sequence number fails its MAC",
          "[transport][cipher][mac]") {
    auto rng = wharf::test::seeded_rng(2);
    for (const VectorScenario& s : load_vectors()) {
        INFO(s.name);
        const VectorPacket& p = s.packets.front();
        ssh::Transport receiver(rng);
        receiver.set_incoming_keys(s.keys);
        receiver.set_sequence_numbers(p.sequence + 1, 0);
        CHECK(receiver.receive(p.wire) == p.wire.size());
        if (s.keys.cipher.rfind("aes", 0) == 0 && s.keys.cipher.find("gcm") != std::string::npos) {
            // AES-GCM does not bind the sequence number (RFC 5647 8.1): it still opens.
            CHECK(receiver.next_packet() == p.payload);
            continue;
        }
        try {
            (void)receiver.next_packet();
            FAIL("no error");
        } catch (const ssh::ProtocolError& e) {
            // chacha20-poly1305 keys the length with the sequence number, so the length may
            // decode to garbage before the tag is checked.
            if (s.keys.cipher.rfind("chacha20", 0) == 0) {
                CHECK((e.reason() == ssh::DisconnectReason::mac_error ||
                       e.reason() == ssh::DisconnectReason::protocol_error));
            } else {
                CHECK(e.reason() == ssh::DisconnectReason::mac_error);
            }
        }
    }
}
