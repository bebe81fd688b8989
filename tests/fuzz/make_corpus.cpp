// Writes the seed corpora under tests/fuzz/corpus/ from our own encoders and engines:
//
//   cmake --build build --target fuzz_make_corpus
//   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
//
// Deterministic: the same tree writes the same bytes. Files it does not write (the OpenSSH
// captures, see README.md) are left alone. The engine seeds are a real client Engine's bytes
// recorded against the exact server fuzz_engine_server.cpp runs, then checked by replaying
// them into a fresh copy of that server byte by byte, as the harness does.
#include "tests/fuzz/engine_server_setup.hpp"
#include "tests/fuzz/transport_suites.hpp"

#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/kex.hpp"
#include "protocols/ssh/messages.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace ssh = wharf::ssh;
namespace fuzz = wharf::fuzz;

std::filesystem::path g_root;

void write(const std::string& harness, const std::string& name, const ssh::Bytes& bytes) {
    const auto dir = g_root / harness;
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + (dir / name).string());
    }
    std::printf("%s/%s: %zu bytes\n", harness.c_str(), name.c_str(), bytes.size());
}

ssh::Bytes prefixed(std::uint8_t first, const ssh::Bytes& rest) {
    ssh::Bytes out{first};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

std::array<std::uint8_t, 16> cookie(std::uint8_t seed) {
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(seed + i);
    return out;
}

ssh::KexInit minimal_kexinit() {
    ssh::KexInit init;
    init.cookie = cookie(2);  // cookie[0] 2: strict KEX mode 2; cookie[1] odd: a rekey
    init.kex_algorithms = {"curve25519-sha256"};
    init.host_key_algorithms = {"ssh-ed25519"};
    init.ciphers_client_to_server = init.ciphers_server_to_client = {"chacha20-poly1305@openssh.com"};
    init.macs_client_to_server = init.macs_server_to_client = {"hmac-sha2-256-etm@openssh.com"};
    init.compression_client_to_server = init.compression_server_to_client = {"none"};
    return init;
}

std::vector<ssh::Bytes> sample_payloads() {
    const ssh::Bytes client = ssh::make_kexinit(ssh::Role::client, ssh::default_algorithm_preferences(),
                                                ssh::StrictKexMode::on, true, cookie(0))
                                  .encode();
    return {client, ssh::Ignore{ssh::Bytes(40, 0x61)}.encode(),
            ssh::ServiceRequest{"ssh-userauth"}.encode(),
            ssh::ChannelData{7, ssh::ByteView(client).first(100)}.encode(),
            ssh::NewKeys{}.encode()};
}

// ---------------------------------------------------------------------------------------------
// transport

void transport_corpus() {
    const auto payloads = sample_payloads();
    for (std::size_t index = 0; index < fuzz::transport_suites.size(); ++index) {
        const auto& suite = fuzz::transport_suites[index];
        const std::string name = suite.cipher.empty() ? "none" : std::string(suite.cipher);
        const std::string tag = std::to_string(index) + "-" + name +
                                (suite.compression == "zlib" ? "-zlib" : "");
        // raw: what a real sender with the suite's keys puts on the wire.
        for (const bool wrap : {false, true}) {
            if (wrap && index != 1 && index != 3) continue;  // one MAC suite, one AEAD
            auto rng = fuzz::seeded_rng(static_cast<std::uint8_t>(index));
            ssh::Transport sender(rng);
            if (!suite.cipher.empty()) sender.set_outgoing_keys(fuzz::transport_suite_keys(suite));
            if (wrap) sender.set_sequence_numbers(0, fuzz::transport_wrap_start);
            for (const auto& payload : payloads) sender.send_packet(payload);
            const auto selector = static_cast<std::uint8_t>(
                index | (wrap ? fuzz::transport_wrap_sequence : 0));
            write("transport", "raw-" + tag + (wrap ? "-wrap" : ""), prefixed(selector, sender.take_output()));
        }
        // sealed: records the harness frames and seals; padding already aligned.
        const std::size_t block = suite.cipher.empty() ? 8 : ssh::find_cipher(suite.cipher)->block_size;
        const bool outside = !suite.cipher.empty() &&
                             (ssh::find_cipher(suite.cipher)->aead ||
                              suite.mac.find("-etm@") != std::string_view::npos);
        std::unique_ptr<ssh::Deflater> deflater;
        if (suite.compression == "zlib") deflater = std::make_unique<ssh::Deflater>();
        ssh::Bytes records{static_cast<std::uint8_t>(index | fuzz::transport_sealed)};
        for (const auto& payload : payloads) {
            ssh::Bytes body(payload);
            if (deflater) {
                const auto compressed = deflater->compress(payload);
                body.assign(compressed.begin(), compressed.end());
            }
            std::size_t padding = 4;
            while ((1 + body.size() + padding + (outside ? 0 : 4)) % block != 0) ++padding;
            const std::size_t n = 1 + body.size() + padding;
            records.push_back(static_cast<std::uint8_t>(n >> 8));
            records.push_back(static_cast<std::uint8_t>(n));
            records.push_back(static_cast<std::uint8_t>(padding));
            records.insert(records.end(), body.begin(), body.end());
            records.insert(records.end(), padding, 0);
        }
        write("transport", "sealed-" + tag, records);
    }
}

// ---------------------------------------------------------------------------------------------
// kexinit and messages

void kexinit_corpus() {
    const auto prefs = ssh::default_algorithm_preferences();
    write("kexinit", "wharf-client",
          ssh::make_kexinit(ssh::Role::client, prefs, ssh::StrictKexMode::on, true, cookie(0)).encode());
    write("kexinit", "wharf-server",
          ssh::make_kexinit(ssh::Role::server, prefs, ssh::StrictKexMode::on, true, cookie(1)).encode());
    write("kexinit", "minimal", minimal_kexinit().encode());
}

void messages_corpus() {
    const auto put = [](const char* name, std::uint8_t selector, const ssh::Bytes& payload) {
        write("messages", name, prefixed(selector, payload));
    };
    ssh::UserauthInfoRequest info{"name", "instruction", "", {{"Password: ", false}, {"Code: ", true}}};
    put("disconnect", ssh::Disconnect::number, ssh::Disconnect{11, "bye", "en"}.encode());
    put("ignore", ssh::Ignore::number, ssh::Ignore{{1, 2, 3}}.encode());
    put("unimplemented", ssh::Unimplemented::number, ssh::Unimplemented{7}.encode());
    put("debug", ssh::Debug::number, ssh::Debug{true, "note", ""}.encode());
    put("service-request", ssh::ServiceRequest::number, ssh::ServiceRequest{"ssh-userauth"}.encode());
    put("service-accept", ssh::ServiceAccept::number, ssh::ServiceAccept{"ssh-userauth"}.encode());
    put("ext-info", ssh::ExtInfo::number,
        ssh::ExtInfo{{{"server-sig-algs", "ssh-ed25519,rsa-sha2-512"}, {"ping@openssh.com", "0"}}}.encode());
    put("kexinit", ssh::KexInit::number, minimal_kexinit().encode());
    put("newkeys", ssh::NewKeys::number, ssh::NewKeys{}.encode());
    put("userauth-request", ssh::UserauthRequest::number,
        ssh::UserauthRequest{"fuzz", "ssh-connection", "password",
                             ssh::Writer{}.boolean(false).string(std::string_view("fuzz")).take()}
            .encode());
    put("userauth-failure", ssh::UserauthFailure::number,
        ssh::UserauthFailure{{"publickey", "password"}, true}.encode());
    put("userauth-success", ssh::UserauthSuccess::number, ssh::UserauthSuccess{}.encode());
    put("userauth-banner", ssh::UserauthBanner::number, ssh::UserauthBanner{"welcome\n", ""}.encode());
    put("userauth-pk-ok", ssh::UserauthPkOk::number,
        ssh::UserauthPkOk{"ssh-ed25519", fuzz::engine_host_key().public_key().blob()}.encode());
    put("userauth-info-request", static_cast<std::uint8_t>(ssh::UserauthInfoRequest::number + 128),
        info.encode());
    put("userauth-info-response", ssh::UserauthInfoResponse::number,
        ssh::UserauthInfoResponse{{"fuzz", "123456"}}.encode());
    put("global-request", ssh::GlobalRequest::number,
        ssh::GlobalRequest{"tcpip-forward", true, ssh::Writer{}.string(std::string_view("")).uint32(0).take()}
            .encode());
    put("request-success", ssh::RequestSuccess::number, ssh::RequestSuccess{{0, 0, 0x1f, 0x90}}.encode());
    put("request-failure", ssh::RequestFailure::number, ssh::RequestFailure{}.encode());
    put("channel-open", ssh::ChannelOpen::number, ssh::ChannelOpen{"session", 0, 2097152, 32768, {}}.encode());
    put("channel-open-confirmation", ssh::ChannelOpenConfirmation::number,
        ssh::ChannelOpenConfirmation{0, 1, 2097152, 32768, {}}.encode());
    put("channel-open-failure", ssh::ChannelOpenFailure::number,
        ssh::ChannelOpenFailure{0, ssh::ChannelOpenFailure::connect_failed, "no", ""}.encode());
    put("channel-window-adjust", ssh::ChannelWindowAdjust::number, ssh::ChannelWindowAdjust{0, 65536}.encode());
    const ssh::Bytes data{'h', 'e', 'l', 'l', 'o'};
    put("channel-data", ssh::ChannelData::number, ssh::ChannelData{0, data}.encode());
    put("channel-extended-data", ssh::ChannelExtendedData::number,
        ssh::ChannelExtendedData{0, ssh::ChannelExtendedData::stderr_data, data}.encode());
    put("channel-eof", ssh::ChannelEof::number, ssh::ChannelEof{0}.encode());
    put("channel-close", ssh::ChannelClose::number, ssh::ChannelClose{0}.encode());
    put("channel-request", ssh::ChannelRequest::number,
        ssh::ChannelRequest{0, "subsystem", true, ssh::Writer{}.string(std::string_view("sftp")).take()}.encode());
    put("channel-success", ssh::ChannelSuccess::number, ssh::ChannelSuccess{0}.encode());
    put("channel-failure", ssh::ChannelFailure::number, ssh::ChannelFailure{0}.encode());
}

// ---------------------------------------------------------------------------------------------
// engine_server

struct Flight {
    std::string name;
    std::function<void(ssh::EngineConfig&)> configure;
    bool rekey = false;
};

// Runs our client against the harness's server and returns what the client sent after its
// version line.
ssh::Bytes record_flight(const Flight& flight) {
    ssh::EngineConfig client_config;
    client_config.role = ssh::Role::client;
    client_config.version = std::string(fuzz::engine_client_version);
    client_config.client_auth.user = std::string(fuzz::engine_user);
    client_config.client_auth.password = std::string(fuzz::engine_password);
    client_config.client_auth.try_keyboard_interactive = false;
    flight.configure(client_config);

    const auto now = fuzz::engine_start_time();
    auto client_rng = fuzz::seeded_rng(0x43);
    auto server_rng = fuzz::engine_server_rng();
    ssh::Engine client(client_config, client_rng, now);
    ssh::Engine server(fuzz::engine_server_config(), server_rng, now);
    fuzz::EngineServerDriver driver(server);

    ssh::Bytes sent;
    std::uint32_t channel = 0;
    enum class Stage { auth, open, request, data, rekey, eof, closing, done } stage = Stage::auth;
    ssh::Bytes echoed;
    for (int step = 0; step < 10000 && stage != Stage::done; ++step) {
        if (auto out = client.pending_output(); !out.empty()) {
            sent.insert(sent.end(), out.begin(), out.end());
            const ssh::Bytes copy(out.begin(), out.end());
            client.consume_output(out.size());
            server.receive(copy, now);
        }
        driver.drain(now);
        if (auto out = server.pending_output(); !out.empty()) {
            const ssh::Bytes copy(out.begin(), out.end());
            server.consume_output(out.size());
            client.receive(copy, now);
        }
        while (auto event = client.next_event()) {
            if (std::holds_alternative<ssh::HostKeyReceived>(*event)) {
                client.host_key_decision(true, now);
            } else if (const auto* data = std::get_if<ssh::ChannelDataReceived>(&*event)) {
                echoed.insert(echoed.end(), data->data.begin(), data->data.end());
                client.consume(data->channel, data->data.size());
            } else if (const auto* gone = std::get_if<ssh::Disconnected>(&*event)) {
                throw std::runtime_error(flight.name + ": disconnected: " + gone->description);
            }
        }
        switch (stage) {
            case Stage::auth:
                if (client.authenticated()) {
                    channel = client.open_session();
                    stage = Stage::open;
                }
                break;
            case Stage::open:
                if (client.connection()->is_open(channel)) {
                    client.request_subsystem(channel, "sftp");
                    stage = Stage::request;
                }
                break;
            case Stage::request: {
                const ssh::Bytes hello{'h', 'e', 'l', 'l', 'o'};
                if (client.send_data(channel, hello) == hello.size()) stage = Stage::data;
                break;
            }
            case Stage::data:
                if (echoed.size() == 5) {
                    if (flight.rekey) {
                        client.request_rekey(now);
                        stage = Stage::rekey;
                    } else {
                        stage = Stage::eof;
                    }
                }
                break;
            case Stage::rekey:
                if (client.key_exchanges() == 2 && server.key_exchanges() == 2) stage = Stage::eof;
                break;
            case Stage::eof:
                client.send_eof(channel);
                stage = Stage::closing;
                break;
            case Stage::closing:
                if (!client.connection()->has_channels()) {
                    client.disconnect(ssh::DisconnectReason::by_application, "bye");
                    sent.insert(sent.end(), client.pending_output().begin(), client.pending_output().end());
                    stage = Stage::done;
                }
                break;
            case Stage::done:
                break;
        }
    }
    if (stage != Stage::done) throw std::runtime_error(flight.name + ": the session did not finish");
    const std::string line = std::string(fuzz::engine_client_version) + "\r\n";
    if (sent.size() < line.size() || !std::equal(line.begin(), line.end(), sent.begin())) {
        throw std::runtime_error(flight.name + ": the client did not start with its version line");
    }
    return ssh::Bytes(sent.begin() + static_cast<std::ptrdiff_t>(line.size()), sent.end());
}

// Replays a flight into the harness's server, byte by byte, and checks it got all the way.
void check_flight(const std::string& name, const ssh::Bytes& flight) {
    const auto now = fuzz::engine_start_time();
    auto rng = fuzz::engine_server_rng();
    ssh::Engine server(fuzz::engine_server_config(), rng, now);
    fuzz::EngineServerDriver driver(server);
    const std::string line = std::string(fuzz::engine_client_version) + "\r\n";
    server.receive(ssh::ByteView(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()), now);
    for (const std::uint8_t byte : flight) {
        server.receive(ssh::ByteView(&byte, 1), now);
        driver.drain(now);
        server.consume_output(server.output_size());
    }
    if (!server.authenticated() || driver.disconnects().empty() ||
        driver.disconnects().back() != "bye") {
        throw std::runtime_error(name + ": replay did not reach the client's goodbye (" +
                                 (driver.disconnects().empty() ? std::string("no disconnect")
                                                               : driver.disconnects().back()) +
                                 ")");
    }
}

void engine_corpus() {
    const auto client_key = [] {
        auto rng = fuzz::seeded_rng(0x55);
        return ssh::PrivateKey::generate(ssh::KeyType::ed25519, rng);
    };
    const std::vector<Flight> flights{
        {"default", [](ssh::EngineConfig&) {}, false},
        {"aes128-ctr-etm-rekey",
         [](ssh::EngineConfig& c) {
             c.algorithms.ciphers = {"aes128-ctr"};
             c.algorithms.macs = {"hmac-sha2-256-etm@openssh.com"};
         },
         true},
        {"aes256-gcm-zlib-nistp256",
         [](ssh::EngineConfig& c) {
             c.algorithms.kex = {"ecdh-sha2-nistp256"};
             c.algorithms.ciphers = {"aes256-gcm@openssh.com"};
             c.algorithms.compression = {"zlib@openssh.com"};
         },
         false},
        {"publickey-chacha",
         [&](ssh::EngineConfig& c) {
             c.algorithms.ciphers = {"chacha20-poly1305@openssh.com"};
             c.client_auth.password.reset();
             c.client_auth.keys.push_back(client_key());
         },
         false},
        {"no-strict-kex", [](ssh::EngineConfig& c) { c.strict_kex = ssh::StrictKexMode::off; }, false},
    };
    for (const auto& flight : flights) {
        const auto bytes = record_flight(flight);
        check_flight(flight.name, bytes);
        write("engine_server", "flight-" + flight.name, bytes);
        // The KEXINIT packet alone, as a client sends it before hearing from the server.
        if (flight.name == "default") {
            const std::size_t packet_length = (std::size_t{bytes[0]} << 24) |
                                              (std::size_t{bytes[1]} << 16) |
                                              (std::size_t{bytes[2]} << 8) | bytes[3];
            const auto end = bytes.begin() + static_cast<std::ptrdiff_t>(4 + packet_length);
            write("engine_server", "kexinit-only", ssh::Bytes(bytes.begin(), end));
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_corpus CORPUS_DIR\n");
        return 2;
    }
    g_root = argv[1];
    try {
        transport_corpus();
        kexinit_corpus();
        messages_corpus();
        engine_corpus();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_make_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}
