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
#include "tests/fuzz/sftp_client_setup.hpp"
#include "tests/fuzz/sftp_server_setup.hpp"
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
#include <type_traits>
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


// ---------------------------------------------------------------------------------------------
// sftp_server: client sessions as request bytes, INIT first. Handles are the engine's counter
// ("0", "1", ...), so later requests name the handles earlier OPENs get.

namespace sftp = wharf::sftp;

struct SftpSession {
    std::uint32_t version;
    ssh::Bytes bytes;
    std::size_t requests = 0;

    template <class Message>
    SftpSession& add(const Message& message) {
        const ssh::Bytes framed = sftp::encode_packet(message, version);
        bytes.insert(bytes.end(), framed.begin(), framed.end());
        if constexpr (!std::is_same_v<Message, sftp::Init>) ++requests;
        return *this;
    }
    template <class Payload>
    SftpSession& extended(std::uint32_t id, const Payload& payload) {
        return add(sftp::make_extended(id, payload, version));
    }
};

// Replays a seed as the harness does (whole input) and checks every request was answered.
void check_sftp_seed(const std::string& name, const SftpSession& session, bool translate) {
    sftp_test::FakeFs fs;
    fuzz::seed_sftp_files(fs);
    sftp::ServerEngine engine(fs, fuzz::sftp_server_config(translate));
    engine.receive(ssh::ByteView(session.bytes));
    std::size_t replies = 0;
    sftp::PacketReader reader;
    while (auto out = engine.take_output()) {
        reader.feed(ssh::ByteView(*out));
        while (reader.next()) ++replies;
    }
    if (engine.failed() || replies != session.requests + 1) {
        throw std::runtime_error("sftp_server seed " + name + " does not replay: " +
                                 std::to_string(replies) + " replies");
    }
}

void sftp_corpus() {
    namespace pf = sftp::pflags;
    namespace of = sftp::open_flags;
    namespace ace = sftp::ace4;
    sftp::FileAttributes mode;
    mode.permissions = 0600;

    SftpSession v3{3, {}};
    v3.add(sftp::Init{3, {}})
        .add(sftp::Realpath{1, ".", std::nullopt, {}})
        .add(sftp::Open{2, "up.bin", pf::write | pf::creat | pf::trunc, 0, 0, mode})
        .add(sftp::Write{3, "0", 0, ssh::Bytes(100, 0x61)})
        .add(sftp::Fstat{4, "0", 0})
        .add(sftp::Close{5, "0"})
        .add(sftp::Open{6, "/f", pf::read, 0, 0, {}})
        .add(sftp::Read{7, "1", 2, 32768})
        .add(sftp::Read{8, "1", 10, 32768})
        .add(sftp::Close{9, "1"})
        .add(sftp::Opendir{10, "/home/alice"})
        .add(sftp::Readdir{11, "2"})
        .add(sftp::Readdir{12, "2"})
        .add(sftp::Close{13, "2"})
        .add(sftp::Stat{14, "/l", 0})
        .add(sftp::Lstat{15, "/l", 0})
        .add(sftp::Setstat{16, "up.bin", mode})
        .add(sftp::Mkdir{17, "dir", {}})
        .add(sftp::Rename{18, "up.bin", "dir/up.bin", 0})
        .add(sftp::Remove{19, "dir/up.bin"})
        .add(sftp::Rmdir{20, "dir"})
        .add(sftp::Symlink{21, "ln", "/f"})
        .add(sftp::Readlink{22, "ln"})
        .add(sftp::Remove{23, "/secret"})
        .extended(24, sftp::Statvfs{"/"})
        .extended(25, sftp::PosixRename{"ln", "ln2"})
        .extended(26, sftp::Hardlink{"/f", "hard"})
        .extended(27, sftp::Limits{})
        .extended(28, sftp::ExpandPath{"~/a.txt"})
        .extended(29, sftp::HomeDirectory{""})
        .extended(30, sftp::UsersGroupsById{{1000, 0}, {100}})
        .extended(31, sftp::CheckFileName{"/f", "sha256,md5", 0, 0, 0})
        .extended(32, sftp::SpaceAvailable{"/"})
        .extended(33, sftp::CopyFile{"/f", "copy", false});
    check_sftp_seed("v3-session", v3, false);
    write("sftp_server", "v3-session", v3.bytes);

    SftpSession v6{6, {}};
    v6.add(sftp::Init{6, {}})
        .add(sftp::Realpath{1, ".", sftp::realpath_control::stat_if, {"a.txt"}})
        .add(sftp::Realpath{2, "/x/y", sftp::realpath_control::no_check, {"..", "z"}})
        .add(sftp::Realpath{3, "/f", sftp::realpath_control::stat_always, {}})
        .add(sftp::Open{4, "a.txt", 0, ace::read_data | ace::write_data,
                        of::open_existing | of::text_mode, {}})
        .add(sftp::Read{5, "0", 0, 4})
        .add(sftp::Read{6, "0", 0, 100})
        .add(sftp::Write{7, "0", 0, ssh::Bytes{'x', '\r', '\n'}})
        .add(sftp::Open{8, "/f", 0, ace::read_data | ace::write_data, of::open_or_create, {}})
        .add(sftp::Block{9, "1", 0, 4, of::block_write | of::block_advisory})
        .add(sftp::Unblock{10, "1", 0, 4})
        .extended(11, sftp::CopyData{"1", 0, 4, "1", 6})
        .extended(12, sftp::CheckFileHandle{"1", "md5", 0, 0, 256})
        .extended(13, sftp::Fsync{"1"})
        .extended(14, sftp::Fstatvfs{"1"})
        .add(sftp::Close{15, "1"})
        .add(sftp::Link{16, "sym", "/f", true})
        .add(sftp::Link{17, "hard", "/f", false})
        .add(sftp::Rename{18, "hard", "sym", sftp::rename_flags::overwrite})
        .extended(19, sftp::Lsetstat{"sym", mode})
        .add(sftp::Open{20, "/l", 0, ace::read_data, of::open_existing | of::nofollow, {}})
        .add(sftp::Close{21, "0"});
    check_sftp_seed("v6-session", v6, true);
    write("sftp_server", "v6-session", v6.bytes);

    SftpSession select{3, {}};
    select.add(sftp::Init{3, {}}).extended(1, sftp::VersionSelect{"6"});
    select.version = 6;
    select.add(sftp::Stat{2, "/f", 0xffffffffU & sftp::attr::defined_v6})
        .add(sftp::Opendir{3, "/"})
        .add(sftp::Readdir{4, "0"});
    check_sftp_seed("version-select", select, false);
    write("sftp_server", "version-select", select.bytes);
}

// ---------------------------------------------------------------------------------------------
// sftp_client: a script (the harness's header bytes) and what the fuzz_sftp_server server sent
// our client running it, recorded in memory; then replayed as the harness does, where no
// invariant may break and, fed in pieces, every request must complete without the engine failing.

// Runs the script against the server; returns the server's bytes.
ssh::Bytes record_sftp_client(const ssh::Bytes& header) {
    const auto script = fuzz::parse_sftp_client_script(ssh::ByteView(header));
    sftp_test::FakeFs fs;
    fuzz::seed_sftp_files(fs);
    sftp::ServerEngine server(fs, fuzz::sftp_server_config(false));
    fuzz::CompletionLedger ledger;
    sftp::ClientEngine client(script.config);
    ssh::Bytes sent;
    bool issued = false;
    for (bool moved = true; moved;) {
        moved = false;
        while (auto out = client.take_output()) {
            server.receive(ssh::ByteView(*out));
            moved = true;
        }
        while (auto out = server.take_output()) {
            sent.insert(sent.end(), out->begin(), out->end());
            client.receive(ssh::ByteView(*out));
            moved = true;
            if (!issued && client.ready()) {
                issued = true;
                fuzz::issue_sftp_client_ops(client, script, ledger);
            }
        }
    }
    if (client.failed() || !client.idle() || !ledger.all_completed_once()) {
        throw std::runtime_error("sftp_client: a recording did not finish: " + client.failure().value_or(""));
    }
    return sent;
}

void sftp_client_corpus() {
    using Op = fuzz::SftpClientOp;
    const auto op = [](Op kind, std::uint8_t parameter = 0) { return fuzz::sftp_client_op(kind, parameter); };
    struct Seed {
        std::string name;
        std::uint8_t config;  // version - 3 | outstanding << 2 | in flight << 4 | request size << 6
        std::uint8_t upload_thousands;
        std::vector<std::uint8_t> ops;
    };
    const std::vector<Seed> seeds{
        {"v3-files", 0 | 3 << 2, 0,
         {op(Op::op_open_read), op(Op::op_read, 1), op(Op::op_fstat), op(Op::op_close), op(Op::op_stat, 1),
          op(Op::op_lstat), op(Op::op_setstat), op(Op::op_opendir, 1), op(Op::op_readdir, 1),
          op(Op::op_mkdir), op(Op::op_rmdir), op(Op::op_realpath), op(Op::op_readlink),
          op(Op::op_symlink), op(Op::op_remove)}},
        {"v4-extensions", 1 | 3 << 2, 0,
         {op(Op::op_open_write), op(Op::op_write, 2), op(Op::op_fsetstat), op(Op::op_fsync),
          op(Op::op_fstatvfs), op(Op::op_check_file_handle), op(Op::op_copy_data, 3), op(Op::op_statvfs),
          op(Op::op_check_file_name, 1), op(Op::op_space_available), op(Op::op_limits),
          op(Op::op_home_directory), op(Op::op_link), op(Op::op_posix_rename), op(Op::op_close)}},
        {"v5-transfers-queued", 2 | 0 << 2 | 1 << 4 | 0 << 6, 0,
         {op(Op::op_download), op(Op::op_stat), op(Op::op_opendir), op(Op::op_readdir),
          op(Op::op_rename, 1)}},
        {"v6-transfers", 3 | 3 << 2 | 1 << 4 | 1 << 6, 1,
         {op(Op::op_upload), op(Op::op_download), op(Op::op_download, 2), op(Op::op_realpath, 1),
          op(Op::op_link, 1), op(Op::op_stat), op(Op::op_upload, 3), op(Op::op_download, 3)}},
        {"v3-upload-pipelined", 0 | 2 << 2 | 2 << 4 | 1 << 6, 3,
         {op(Op::op_upload), op(Op::op_upload, 2), op(Op::op_download, 1)}},
    };
    for (const auto& seed : seeds) {
        ssh::Bytes input{seed.config, static_cast<std::uint8_t>(seed.upload_thousands << 4 | seed.ops.size())};
        input.insert(input.end(), seed.ops.begin(), seed.ops.end());
        const ssh::Bytes server = record_sftp_client(input);
        input.insert(input.end(), server.begin(), server.end());
        // Fed whole, replies arrive for requests the engine has not sent yet (those issued by
        // callbacks, or queued behind max_outstanding, go out when receive() returns), which it
        // rightly refuses; in pieces no two replies come in one receive(), as with a real server.
        for (const std::size_t chunk : {input.size() + 1, std::size_t{1}, std::size_t{7}}) {
            const auto outcome = fuzz::run_sftp_client(ssh::ByteView(input), chunk);
            if (outcome.broken || (outcome.failure && chunk <= input.size())) {
                throw std::runtime_error("sftp_client seed " + seed.name + " does not replay: " +
                                         outcome.broken.value_or(outcome.failure.value_or("")));
            }
        }
        write("sftp_client", seed.name, input);
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
        sftp_corpus();
        sftp_client_corpus();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_make_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}
