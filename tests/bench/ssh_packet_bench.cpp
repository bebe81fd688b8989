// Seal and open throughput of the SSH packet layer (protocols/ssh/transport.hpp), per cipher and
// MAC, with 32 KiB payloads. A standalone program, not part of the CMake build or of any test:
// it prints numbers for comparison, never asserts on time. Build it against a built library:
//
//   cd /work/main
//   g++ -std=c++20 -O2 -I. tests/bench/ssh_packet_bench.cpp
//   build/transport/protocols/libwharf_ssh.a
//       $(pkg-config --cflags --libs botan-2) -lz -o /tmp/ssh_packet_bench
//   /tmp/ssh_packet_bench [seconds-per-suite]
//
// MiB/s counts payload bytes. "seal" is send_packet() plus copying the packet out of
// pending_output() as a socket write would (then consume_output()); "open" is receive() in
// 64 KiB reads plus next_packet(). "seal+open" is one payload sealed and opened on one core.
#include "protocols/ssh/transport.hpp"

#include <botan/aead.h>
#include <botan/auto_rng.h>
#include <botan/mac.h>
#include <botan/stream_cipher.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace ssh = wharf::ssh;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_payload = 32 * 1024;
constexpr std::size_t k_batch = 256;  // packets sealed before they are opened

ssh::DirectionKeys keys_for(Botan::RandomNumberGenerator& rng, const std::string& cipher,
                            const std::string& mac, const std::string& compression) {
    const ssh::KeyMaterialSizes sizes = ssh::key_material_sizes(cipher, mac);
    ssh::DirectionKeys keys{cipher, mac, compression, {}, {}, {}};
    keys.key.resize(sizes.key);
    keys.iv.resize(sizes.iv);
    keys.mac_key.resize(sizes.mac_key);
    rng.randomize(keys.key.data(), keys.key.size());
    rng.randomize(keys.iv.data(), keys.iv.size());
    rng.randomize(keys.mac_key.data(), keys.mac_key.size());
    return keys;
}

double mib_per_second(std::size_t bytes, Clock::duration elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

void run(const std::string& cipher, const std::string& mac, const std::string& compression,
         double seconds_per_suite) {
    Botan::AutoSeeded_RNG rng;
    ssh::Transport sender(rng);
    ssh::Transport receiver(rng);
    const ssh::DirectionKeys keys = keys_for(rng, cipher, mac, compression);
    sender.set_outgoing_keys(keys);
    receiver.set_incoming_keys(keys);

    // Text-like payload so compression has something to do; the ciphers do not care.
    ssh::Bytes payload(k_payload);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<std::uint8_t>("SFTP data block "[i % 16] + (i / 4096));
    }
    payload[0] = 94;

    Clock::duration seal_time{};
    Clock::duration open_time{};
    std::size_t packets = 0;
    ssh::Bytes wire;
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds_per_suite);
    while (Clock::now() < deadline) {
        wire.clear();  // keeps its capacity, like a socket's send buffer
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < k_batch; ++i) {
            sender.send_packet(payload);
            const ssh::ByteView out = sender.pending_output();
            wire.insert(wire.end(), out.begin(), out.end());
            sender.consume_output(out.size());
        }
        const auto t1 = Clock::now();
        const auto t2 = Clock::now();
        std::size_t pos = 0;
        std::size_t opened = 0;
        while (pos < wire.size()) {
            pos += receiver.receive(
                ssh::ByteView(wire).subspan(pos, std::min<std::size_t>(65536, wire.size() - pos)));
            while (auto p = receiver.next_packet()) {
                opened += p->size();
            }
        }
        const auto t3 = Clock::now();
        if (opened != k_batch * k_payload) {
            std::fprintf(stderr, "%s: lost data\n", cipher.c_str());
            std::exit(1);
        }
        seal_time += t1 - t0;
        open_time += t3 - t2;
        packets += k_batch;
    }
    const std::size_t bytes = packets * k_payload;
    std::printf("%-32s %-32s %-5s seal %7.0f  open %7.0f  seal+open %7.0f MiB/s\n", cipher.c_str(),
                mac.empty() ? "(aead)" : mac.c_str(), compression == "none" ? "" : "zlib",
                mib_per_second(bytes, seal_time), mib_per_second(bytes, open_time),
                mib_per_second(bytes, seal_time + open_time));
}

// The same primitives called straight on a 32 KiB buffer: the ceiling the packet layer is
// measured against (the machine is shared, so ratios mean more than absolute numbers).
template <typename Step>
void baseline(const char* name, double seconds, Step step) {
    ssh::Bytes buffer(k_payload, 0x5a);
    std::size_t bytes = 0;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        for (int i = 0; i < 64; ++i) {
            step(buffer);
        }
        bytes += 64 * k_payload;
    }
    std::printf("%-66s raw  %7.0f MiB/s\n", name, mib_per_second(bytes, Clock::now() - start));
}

void baselines(double seconds) {
    const ssh::Bytes key(32, 1);
    auto chacha = Botan::StreamCipher::create_or_throw("ChaCha(20)");
    auto poly = Botan::MessageAuthenticationCode::create_or_throw("Poly1305");
    chacha->set_key(key.data(), 32);
    baseline("ChaCha(20) + Poly1305 (one seal's worth)", seconds, [&](ssh::Bytes& b) {
        const std::uint8_t nonce[8] = {};
        std::uint8_t tag[16];
        chacha->set_iv(nonce, 8);
        chacha->cipher1(b.data(), b.size());
        poly->set_key(key.data(), 32);
        poly->update(b.data(), b.size());
        poly->final(tag);
    });
    auto gcm = Botan::AEAD_Mode::create_or_throw("AES-128/GCM", Botan::ENCRYPTION);
    gcm->set_key(key.data(), 16);
    Botan::secure_vector<std::uint8_t> tail;
    baseline("AES-128/GCM", seconds, [&](ssh::Bytes& b) {
        const std::uint8_t nonce[12] = {};
        gcm->start(nonce, 12);
        gcm->process(b.data(), b.size());
        tail.clear();
        gcm->finish(tail);
    });
    auto ctr = Botan::StreamCipher::create_or_throw("CTR-BE(AES-256)");
    auto hmac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
    ctr->set_key(key.data(), 32);
    ctr->set_iv(key.data(), 16);
    hmac->set_key(key.data(), 32);
    baseline("CTR-BE(AES-256) + HMAC(SHA-256)", seconds, [&](ssh::Bytes& b) {
        std::uint8_t tag[32];
        ctr->cipher1(b.data(), b.size());
        hmac->update(b.data(), b.size());
        hmac->final(tag);
    });
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    baselines(seconds);
    const std::vector<std::pair<std::string, std::string>> suites{
        {"chacha20-poly1305@openssh.com", ""},
        {"aes128-gcm@openssh.com", ""},
        {"aes256-gcm@openssh.com", ""},
        {"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
        {"aes256-ctr", "hmac-sha2-256-etm@openssh.com"},
        {"aes256-ctr", "hmac-sha2-256"},
        {"aes256-ctr", "hmac-sha2-512-etm@openssh.com"},
        {"aes256-ctr", "hmac-sha1-etm@openssh.com"},
        {"aes256-cbc", "hmac-sha2-256"},
        {"3des-cbc", "hmac-sha1"},
        {"arcfour256", "hmac-sha1"},
    };
    for (const auto& [cipher, mac] : suites) {
        run(cipher, mac, "none", seconds);
    }
    run("aes128-gcm@openssh.com", "", "zlib", seconds);
    return 0;
}
