// Helpers for the transport, cipher, MAC and compression tests: a scripted RNG for padding, a
// seeded RNG, key material of the right sizes, and driving a sender/receiver pair.
#pragma once

#include "protocols/ssh/transport.hpp"

#include <botan/chacha_rng.h>
#include <botan/rng.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace wharf::test {

// Hands out the bytes it was given, in order, then zeros, so a test decides the padding bytes.
// (The transport draws padding in blocks, so it may ask for more than the script holds.)
class ScriptedRng final : public Botan::RandomNumberGenerator {
public:
    explicit ScriptedRng(ssh::Bytes bytes = {}) : m_bytes(std::move(bytes)) {}

    void append(const ssh::Bytes& bytes) {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    }
    // Scripted bytes not yet handed out.
    [[nodiscard]] std::size_t remaining() const noexcept {
        return m_pos >= m_bytes.size() ? 0 : m_bytes.size() - m_pos;
    }

    void randomize(std::uint8_t output[], std::size_t length) override {
        for (std::size_t i = 0; i < length; ++i, ++m_pos) {
            output[i] = m_pos < m_bytes.size() ? m_bytes[m_pos] : 0;
        }
    }
    [[nodiscard]] bool accepts_input() const override { return false; }
    void add_entropy(const std::uint8_t /*input*/[], std::size_t /*length*/) override {}
    [[nodiscard]] std::string name() const override { return "ScriptedRng"; }
    void clear() override {}
    [[nodiscard]] bool is_seeded() const override { return true; }

private:
    ssh::Bytes m_bytes;
    std::size_t m_pos = 0;
};

// A reproducible RNG for everything that only needs to be random-looking.
inline Botan::ChaCha_RNG seeded_rng(std::uint8_t seed) {
    return Botan::ChaCha_RNG(Botan::secure_vector<std::uint8_t>(32, seed));
}

inline ssh::Bytes random_bytes(Botan::RandomNumberGenerator& rng, std::size_t n) {
    ssh::Bytes out(n);
    rng.randomize(out.data(), out.size());
    return out;
}

// Keys of exactly the sizes the KEX would derive for the pair.
inline ssh::DirectionKeys random_keys(Botan::RandomNumberGenerator& rng, const std::string& cipher,
                                      const std::string& mac,
                                      const std::string& compression = "none") {
    const ssh::KeyMaterialSizes sizes = ssh::key_material_sizes(cipher, mac);
    return ssh::DirectionKeys{cipher,
                              mac,
                              compression,
                              random_bytes(rng, sizes.key),
                              random_bytes(rng, sizes.iv),
                              random_bytes(rng, sizes.mac_key)};
}

// A payload starting with a message number (SSH_MSG_IGNORE) so it is never empty.
inline ssh::Bytes message(Botan::RandomNumberGenerator& rng, std::size_t size) {
    ssh::Bytes out = random_bytes(rng, size);
    if (!out.empty()) {
        out[0] = 2;
    }
    return out;
}

// Feeds bytes to a receiver in chunks, collecting every payload. chunk 0 means random chunk
// sizes from gen (1 .. 3000 bytes); otherwise exactly chunk bytes at a time.
inline std::vector<ssh::Bytes> feed(ssh::Transport& receiver, ssh::ByteView wire, std::size_t chunk,
                                    std::mt19937& gen) {
    std::vector<ssh::Bytes> payloads;
    std::uniform_int_distribution<std::size_t> chunk_size(1, 3000);
    std::size_t pos = 0;
    while (pos < wire.size()) {
        const std::size_t want = std::min(wire.size() - pos, chunk == 0 ? chunk_size(gen) : chunk);
        const std::size_t taken = receiver.receive(wire.subspan(pos, want));
        if (taken == 0) {
            throw std::runtime_error("receiver full without a complete packet");
        }
        pos += taken;
        while (auto payload = receiver.next_packet()) {
            payloads.push_back(std::move(*payload));
        }
    }
    return payloads;
}

}  // namespace wharf::test
