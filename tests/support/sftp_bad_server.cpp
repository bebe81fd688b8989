// An SFTP server that gets one thing wrong on purpose, for tests/integration/
// sftp_client_malformed.sh: OpenSSH's sshd runs it as the "sftp" subsystem, so stdin and stdout
// are the channel. A real sftp::ServerEngine over the unit tests' in-memory file system answers
// every request; the scenario then spoils one kind of reply on its way out (or the VERSION, or
// the stream itself). Each run shows what `wharf sftp` does when a partner's server gets exactly
// that one thing wrong.
//
//   sftp_bad_server SCENARIO
//   sftp_bad_server --scenario-file FILE   the scenario named in FILE, read at start: one sshd
//                                          serves every scenario, the test rewrites FILE
//   sftp_bad_server --list                 every scenario and what it does
//   sftp_bad_server --print PATH           the seeded content of PATH, to compare downloads with
//
// Files: /data.bin (1 MiB of a fixed pattern), /dir with three small files, anything uploaded
// (in memory, gone when the session ends).
#include "protocols/sftp/codec.hpp"
#include "protocols/sftp/server_engine.hpp"
#include "tests/unit/sftp/fake_filesystem.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;

constexpr std::size_t kDataSize = 1 << 20;
// Large enough for any packet the engine writes and any request wharf sends.
constexpr std::uint32_t kOurMaxPacket = 4 * 1024 * 1024;

ssh::Bytes data_pattern() {
    ssh::Bytes data(kDataSize);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>((i * 7) ^ (i >> 11));
    }
    return data;
}

void seed_files(sftp_test::FakeFs& fs) {
    using sftp_test::Node;
    fs.nodes["/data.bin"] = Node{Node::file, data_pattern(), {}, 0644, 1700000000};
    fs.nodes["/dir"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    for (const char* name : {"a.txt", "b.txt", "c.edi"}) {
        fs.add_file(std::string("/dir/") + name, name);
    }
    fs.max_file_size = 64 << 20;
}

// ---- writing to the channel ----------------------------------------------------------------

// Writes everything or ends the process: a closed channel is the normal end of a session here.
void write_out(ssh::ByteView bytes) {
    while (!bytes.empty()) {
        const auto n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) std::_Exit(0);
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

void put_uint32(ssh::Bytes& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// A frame whose length field says `claimed`, whatever follows.
ssh::Bytes frame_claiming(std::uint32_t claimed, sftp::PacketType type, ssh::ByteView body) {
    ssh::Bytes out;
    put_uint32(out, claimed);
    out.push_back(static_cast<std::uint8_t>(type));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

ssh::Bytes frame(sftp::PacketType type, ssh::ByteView body) {
    return frame_claiming(static_cast<std::uint32_t>(body.size() + 1), type, body);
}

// Framed with our own, larger limit: some scenarios send what the client's limit must refuse.
template <class Message>
ssh::Bytes encode_unbounded(const Message& message, std::uint32_t version) {
    sftp::PacketWriter writer(kOurMaxPacket);
    writer.write(message, version);
    return writer.take();
}

// The request id every packet but INIT and VERSION starts with.
std::uint32_t request_id(const sftp::Packet& packet) {
    if (packet.body.size() < 4) return 0;
    return (std::uint32_t{packet.body[0]} << 24) | (std::uint32_t{packet.body[1]} << 16) |
           (std::uint32_t{packet.body[2]} << 8) | std::uint32_t{packet.body[3]};
}

// ---- the session -------------------------------------------------------------------------------

class Session;
// Decides what goes out instead of `reply`, the engine's answer to `request` (nullptr for
// VERSION): calls session.send()/pass() any number of times, or neither to drop it.
using Spoil = void (*)(Session& session, const sftp::Request* request, const sftp::Packet& reply);

struct Scenario {
    std::string_view name;
    std::string_view what;
    Spoil spoil;
};

class Session {
public:
    explicit Session(const Scenario& scenario)
        : m_scenario(scenario), m_engine(m_fs, config()), m_requests(kOurMaxPacket), m_replies(kOurMaxPacket) {
        seed_files(m_fs);
    }

    // Runs until the client closes the channel or the scenario ends the session.
    void run() {
        std::array<std::uint8_t, 65536> buffer{};
        while (true) {
            const auto n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            const ssh::ByteView bytes(buffer.data(), static_cast<std::size_t>(n));
            try {
                note_requests(bytes);
            } catch (const sftp::FramingError& e) {
                std::fprintf(stderr, "sftp_bad_server: the client's framing broke: %s\n", e.what());
                return;
            }
            m_engine.receive(bytes);
            forward_replies();
            if (m_engine.failed()) {
                std::fprintf(stderr, "sftp_bad_server: %s\n", m_engine.failure()->c_str());
                return;
            }
        }
    }

    // ---- for the scenarios ----
    void send(ssh::ByteView bytes) { write_out(bytes); }
    void send(const ssh::Bytes& bytes) { write_out(ssh::ByteView(bytes)); }
    void pass(const sftp::Packet& reply) { send(frame(static_cast<sftp::PacketType>(reply.type), ssh::ByteView(reply.body))); }
    template <class Message>
    void send_message(const Message& message) {
        send(encode_unbounded(message, version()));
    }
    // Ends the session at once: the channel closes (sshd sends EOF and CLOSE).
    [[noreturn]] void hang_up() { std::_Exit(0); }
    // Sends pseudo-random bytes until the client goes away (or 1 GiB, whichever comes first).
    [[noreturn]] void flood() {
        std::mt19937 random(5);
        ssh::Bytes noise(65536);
        for (int round = 0; round < 16384; ++round) {
            for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
            send(noise);
        }
        hang_up();
    }
    [[nodiscard]] std::uint32_t version() const { return m_engine.version().value_or(3); }
    // A counter per scenario, for "the first READ", "the third READDIR".
    int count = 0;

private:
    static sftp::ServerConfig config() {
        sftp::ServerConfig config;
        config.now = [] { return std::int64_t{1700000000}; };
        return config;
    }

    // Decodes what the client sent, so a scenario knows which request a reply answers.
    void note_requests(ssh::ByteView bytes) {
        m_requests.feed(bytes);
        while (auto packet = m_requests.next()) {
            try {
                auto request = sftp::decode_request(*packet, m_request_version);
                if (const auto* init = std::get_if<sftp::Init>(&request)) {
                    m_request_version = sftp::negotiate_version(init->version).value_or(3);
                    continue;
                }
                m_pending.insert_or_assign(request_id(*packet), std::move(request));
            } catch (const sftp::DecodeError& e) {
                // The engine answers it (BAD_MESSAGE); the scenario just sees no request for it.
                std::fprintf(stderr, "sftp_bad_server: a request did not decode: %s\n", e.what());
            }
        }
    }

    void forward_replies() {
        while (auto bytes = m_engine.take_output()) {
            m_replies.feed(ssh::ByteView(*bytes));
            while (auto reply = m_replies.next()) {
                if (reply->type == static_cast<std::uint8_t>(sftp::PacketType::version)) {
                    m_scenario.spoil(*this, nullptr, *reply);
                    continue;
                }
                const auto found = m_pending.find(request_id(*reply));
                const sftp::Request* request = found == m_pending.end() ? nullptr : &found->second;
                m_scenario.spoil(*this, request, *reply);
                if (found != m_pending.end()) m_pending.erase(found);
            }
        }
    }

    const Scenario& m_scenario;
    sftp_test::FakeFs m_fs;
    sftp::ServerEngine m_engine;
    sftp::PacketReader m_requests;
    sftp::PacketReader m_replies;
    std::uint32_t m_request_version = 3;
    std::map<std::uint32_t, sftp::Request> m_pending;
};

// ---- the scenarios -------------------------------------------------------------------------------

template <class Message>
bool is(const sftp::Request* request) {
    return request != nullptr && std::holds_alternative<Message>(*request);
}

bool is_version(const sftp::Packet& reply) { return reply.type == static_cast<std::uint8_t>(sftp::PacketType::version); }

ssh::Bytes body(std::uint32_t id, const ssh::Bytes& rest = {}) {
    ssh::Bytes out;
    put_uint32(out, id);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

void none(Session& s, const sftp::Request*, const sftp::Packet& reply) { s.pass(reply); }

void exit_at_once(Session& s, const sftp::Request*, const sftp::Packet&) { s.hang_up(); }

void version_short(Session& s, const sftp::Request*, const sftp::Packet& reply) {
    if (!is_version(reply)) return s.pass(reply);
    const ssh::Bytes two_bytes{0, 0};  // half a version number
    s.send(frame(sftp::PacketType::version, ssh::ByteView(two_bytes)));
}

void version_99(Session& s, const sftp::Request*, const sftp::Packet& reply) {
    if (!is_version(reply)) return s.pass(reply);
    s.send(sftp::encode_packet(sftp::Version{99, {}}, 3));
}

void version_2(Session& s, const sftp::Request*, const sftp::Packet& reply) {
    if (!is_version(reply)) return s.pass(reply);
    s.send(sftp::encode_packet(sftp::Version{2, {}}, 3));
}

void version_truncated_extension(Session& s, const sftp::Request*, const sftp::Packet& reply) {
    if (!is_version(reply)) return s.pass(reply);
    ssh::Writer out;
    out.uint32(3).string(std::string_view("limits@openssh.com")).uint32(100).raw(ssh::Bytes{'a', 'b', 'c'});
    const ssh::Bytes version = out.take();
    s.send(frame(sftp::PacketType::version, ssh::ByteView(version)));
}

void unknown_id(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (request == nullptr || s.count++ > 0) return s.pass(reply);
    sftp::Packet moved = reply;
    const auto id = request_id(reply) + 1000;
    for (int i = 0; i < 4; ++i) moved.body[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(id >> (24 - 8 * i));
    s.pass(moved);
}

void wrong_type(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    s.send_message(sftp::Handle{request_id(reply), "not-attrs"});
}

void ok_for_stat(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    s.send_message(sftp::Status::make(request_id(reply), s.version(), sftp::StatusCode::ok));
}

void truncated_attrs(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    // Flags promise a size (8 bytes, after the type byte in v4+); 4 bytes follow.
    s.send(frame(sftp::PacketType::attrs, ssh::ByteView(body(request_id(reply), {0, 0, 0, 1, 1, 0, 0, 0}))));
}

void name_count_huge(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Readdir>(request)) return s.pass(reply);
    ssh::Writer out;
    out.uint32(request_id(reply)).uint32(0x80000000U);  // 2^31 entries; one follows
    out.string(std::string_view("a")).string(std::string_view("-rw-r--r-- a")).uint32(0);
    const ssh::Bytes name = out.take();
    s.send(frame(sftp::PacketType::name, ssh::ByteView(name)));
}

void data_too_long(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Read>(request) || reply.type != static_cast<std::uint8_t>(sftp::PacketType::data)) {
        return s.pass(reply);
    }
    const auto& read = std::get<sftp::Read>(*request);
    s.send_message(sftp::Data{request_id(reply), ssh::Bytes(std::size_t{read.length} + 1, 0x5a), std::nullopt});
}

void length_4g(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    s.send(frame_claiming(0xffffffffU, static_cast<sftp::PacketType>(reply.type), ssh::ByteView(reply.body)));
}

void length_0(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    s.send(ssh::Bytes{0, 0, 0, 0});
    s.pass(reply);
}

void status_bad_utf8(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    sftp::Status status = sftp::Status::make(request_id(reply), s.version(), sftp::StatusCode::no_such_file);
    status.message = "bad \xff\xfe\xc3( utf-8 \x1b[31mred\x1b[0m";
    s.send_message(status);
}

void extended_reply_garbage(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Extended>(request)) return s.pass(reply);
    s.send(frame(sftp::PacketType::extended_reply, ssh::ByteView(body(request_id(reply), {1, 2, 3}))));
}

void eof_mid_packet(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Read>(request) || reply.type != static_cast<std::uint8_t>(sftp::PacketType::data)) {
        return s.pass(reply);
    }
    const ssh::Bytes whole = frame(static_cast<sftp::PacketType>(reply.type), ssh::ByteView(reply.body));
    s.send(ssh::ByteView(whole).first(whole.size() / 2));
    s.hang_up();
}

void endless_garbage(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (request == nullptr) return s.pass(reply);
    s.flood();
}

void never_reply(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Stat>(request)) return s.pass(reply);
    // Dropped: the client hears nothing more and must give up by its own timeout.
}

// Entries of one NAME reply, named f000000.. from `first`, `count` of them.
sftp::Name entries(std::uint32_t id, std::uint32_t first, std::uint32_t count) {
    sftp::Name name;
    name.request_id = id;
    for (std::uint32_t i = first; i < first + count; ++i) {
        char filename[16];
        std::snprintf(filename, sizeof filename, "f%06u", i);
        sftp::NameEntry entry;
        entry.filename = filename;
        entry.longname = std::string("-rw-r--r--    1 alice staff 0 Nov 14  2023 ") + filename;
        entry.attrs.size = 0;
        name.entries.push_back(std::move(entry));
    }
    return name;
}

constexpr std::uint32_t kHugeBatch = 3000;  // entries per NAME: 231 KB in v3, under the 257 KiB limit
constexpr int kHugeBatches = 4;

void readdir_huge(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Readdir>(request)) return s.pass(reply);
    if (s.count == kHugeBatches) {
        return s.send_message(sftp::Status::make(request_id(reply), s.version(), sftp::StatusCode::eof));
    }
    const auto batch = static_cast<std::uint32_t>(s.count++);
    const auto packet = encode_unbounded(entries(request_id(reply), batch * kHugeBatch, kHugeBatch), s.version());
    if (packet.size() > 4 + sftp::kDefaultMaxPacketLength) {
        std::fprintf(stderr, "sftp_bad_server: readdir-huge batch of %zu bytes is over the limit\n", packet.size());
        std::_Exit(3);
    }
    s.send(packet);
}

void readdir_oversize(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Readdir>(request)) return s.pass(reply);
    s.send(encode_unbounded(entries(request_id(reply), 0, 5 * kHugeBatch), s.version()));
}

// READs in [256 KiB, 512 KiB) meet EOF; the rest of the 1 MiB file comes back as data.
void read_eof_inconsistent(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Read>(request)) return s.pass(reply);
    const auto offset = std::get<sftp::Read>(*request).offset;
    if (offset < 256 * 1024 || offset >= 512 * 1024) return s.pass(reply);
    s.send_message(sftp::Status::make(request_id(reply), s.version(), sftp::StatusCode::eof));
}

// The file ends at 300000 for READ, though STAT says 1 MiB: shorter data there, EOF after.
constexpr std::uint64_t kEarlyEnd = 300000;

void read_eof_early(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Read>(request) || reply.type != static_cast<std::uint8_t>(sftp::PacketType::data)) {
        return s.pass(reply);
    }
    const auto offset = std::get<sftp::Read>(*request).offset;
    if (offset >= kEarlyEnd) {
        return s.send_message(sftp::Status::make(request_id(reply), s.version(), sftp::StatusCode::eof));
    }
    auto data = sftp::decode_reply(reply, s.version());
    auto& bytes = std::get<sftp::Data>(data).data;
    if (offset + bytes.size() > kEarlyEnd) bytes.resize(static_cast<std::size_t>(kEarlyEnd - offset));
    s.send_message(std::get<sftp::Data>(data));
}

void long_handle(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    if (!is<sftp::Open>(request)) return s.pass(reply);
    s.send_message(sftp::Handle{request_id(reply), std::string(300, 'h')});
}

void duplicate_reply(Session& s, const sftp::Request* request, const sftp::Packet& reply) {
    s.pass(reply);
    if (is<sftp::Write>(request) && s.count++ == 0) s.pass(reply);
}

const Scenario kScenarios[] = {
    {"none", "answers everything correctly (the control)", none},
    {"exit-at-once", "ends the session before VERSION", exit_at_once},
    {"version-short", "VERSION with 2 bytes of a 4-byte version", version_short},
    {"version-99", "VERSION 99", version_99},
    {"version-2", "VERSION 2", version_2},
    {"version-truncated-extension", "VERSION whose extension data is cut short", version_truncated_extension},
    {"unknown-id", "the first reply carries an id nobody asked with", unknown_id},
    {"wrong-type", "STAT answered with HANDLE", wrong_type},
    {"ok-for-stat", "STAT answered with STATUS OK", ok_for_stat},
    {"truncated-attrs", "STAT answered with ATTRS cut short", truncated_attrs},
    {"name-count-huge", "READDIR answered with a NAME claiming 2^31 entries", name_count_huge},
    {"data-too-long", "READ answered with one byte more than asked", data_too_long},
    {"length-4g", "the STAT reply's length field says 4 GiB", length_4g},
    {"length-0", "a packet of length 0 before the STAT reply", length_0},
    {"status-bad-utf8", "STAT answered with a STATUS whose message is invalid UTF-8 and escapes", status_bad_utf8},
    {"extended-reply-garbage", "EXTENDED requests answered with 3 bytes that do not parse", extended_reply_garbage},
    {"eof-mid-packet", "the first DATA reply cut in half, then the channel closes", eof_mid_packet},
    {"endless-garbage", "random bytes without end after the first request", endless_garbage},
    {"never-reply", "STAT never answered", never_reply},
    {"readdir-huge", "READDIR answered with 4 NAME packets of 3000 entries (231 KB in v3), then EOF", readdir_huge},
    {"readdir-oversize", "READDIR answered with a NAME over the 257 KiB packet limit", readdir_oversize},
    {"read-eof-inconsistent", "READs between 256 and 512 KiB meet EOF, later ones data", read_eof_inconsistent},
    {"read-eof-early", "READ says the file ends at 300000 bytes, STAT says 1 MiB", read_eof_early},
    {"long-handle", "OPEN answered with a 300-byte handle", long_handle},
    {"duplicate-reply", "the first WRITE answered twice", duplicate_reply},
};

const Scenario* find_scenario(std::string_view name) {
    for (const auto& scenario : kScenarios) {
        if (scenario.name == name) return &scenario;
    }
    return nullptr;
}

std::string read_scenario_file(const char* path) {
    std::ifstream in(path);
    std::string name;
    in >> name;
    return name;
}

int usage() {
    std::fprintf(stderr, "usage: sftp_bad_server SCENARIO | --scenario-file FILE | --list | --print PATH\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string_view first = argv[1];
    if (first == "--list") {
        for (const auto& scenario : kScenarios) std::printf("%-28s %s\n", scenario.name.data(), scenario.what.data());
        return 0;
    }
    if (first == "--print") {
        if (argc != 3 || std::string_view(argv[2]) != "/data.bin") return usage();
        const auto data = data_pattern();
        return std::fwrite(data.data(), 1, data.size(), stdout) == data.size() ? 0 : 1;
    }
    std::string name = first == "--scenario-file" && argc == 3 ? read_scenario_file(argv[2]) : std::string(first);
    const Scenario* scenario = find_scenario(name);
    if (scenario == nullptr) {
        std::fprintf(stderr, "sftp_bad_server: no scenario '%s' (--list names them)\n", name.c_str());
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a closed channel shows as a failed write
    Session session(*scenario);
    session.run();
    return 0;
}
