// zlib streams for SSH compression. Plain zlib rather than Botan's wrapper: we need
// Z_PARTIAL_FLUSH on the way out and a hard output bound on the way in, without secure_vector
// copies (toolchain.md).
#include "protocols/ssh/compression.hpp"

#include "protocols/ssh/disconnect.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace wharf::ssh {

namespace {

// zlib wants non-const input pointers (it never writes through them).
Bytef* zlib_input(ByteView bytes) { return const_cast<Bytef*>(bytes.data()); }

uInt zlib_size(std::size_t n) {
    if (n > std::numeric_limits<uInt>::max()) {
        throw std::length_error("buffer too large for zlib");
    }
    return static_cast<uInt>(n);
}

}  // namespace

std::optional<CompressionMethod> find_compression(std::string_view name) noexcept {
    if (name == "none") {
        return CompressionMethod::none;
    }
    if (name == "zlib") {
        return CompressionMethod::zlib;
    }
    if (name == "zlib@openssh.com") {
        return CompressionMethod::zlib_delayed;
    }
    return std::nullopt;
}

const std::vector<std::string>& all_compressions() {
    static const std::vector<std::string> names{"none", "zlib@openssh.com", "zlib"};
    return names;
}

const std::vector<std::string>& default_compressions() {
    static const std::vector<std::string> names{"none", "zlib@openssh.com"};
    return names;
}

// ---------------------------------------------------------------------------------------------
// Deflater

// z_stream points back at itself inside zlib, so it lives on the heap and never moves.
struct Deflater::State {
    z_stream stream{};
    Bytes out;  // reused for every packet
};

Deflater::Deflater() : m_state(std::make_unique<State>()) {
    // Level 6 (zlib's default), as OpenSSH uses.
    if (deflateInit(&m_state->stream, Z_DEFAULT_COMPRESSION) != Z_OK) {
        throw std::runtime_error("deflateInit failed");
    }
}

Deflater::~Deflater() { deflateEnd(&m_state->stream); }

ByteView Deflater::compress(ByteView payload) {
    z_stream& stream = m_state->stream;
    Bytes& out = m_state->out;
    // deflateBound() ignores flush markers; the slack covers them, and the loop grows if not.
    const std::size_t want = deflateBound(&stream, static_cast<uLong>(payload.size())) + 64;
    if (out.size() < want) {
        out.resize(want);
    }
    stream.next_in = zlib_input(payload);
    stream.avail_in = zlib_size(payload.size());
    std::size_t produced = 0;
    for (;;) {
        stream.next_out = out.data() + produced;
        stream.avail_out = zlib_size(out.size() - produced);
        const int rc = deflate(&stream, Z_PARTIAL_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            throw std::runtime_error("deflate failed: " + std::to_string(rc));
        }
        produced = out.size() - stream.avail_out;
        if (stream.avail_out != 0 && stream.avail_in == 0) {
            return ByteView(out.data(), produced);  // flushed: zlib had room to spare
        }
        out.resize(out.size() * 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Inflater

struct Inflater::State {
    z_stream stream{};
};

Inflater::Inflater() : m_state(std::make_unique<State>()) {
    if (inflateInit(&m_state->stream) != Z_OK) {
        throw std::runtime_error("inflateInit failed");
    }
}

Inflater::~Inflater() { inflateEnd(&m_state->stream); }

void Inflater::decompress(ByteView compressed, std::size_t max_output, Bytes& out) {
    z_stream& stream = m_state->stream;
    // Start near the likely size and double, but never past max_output + 1: one byte beyond
    // the limit is enough to know the peer went over it.
    const std::size_t cap = max_output + 1;
    out.resize(std::min(cap, std::max<std::size_t>(256, compressed.size() * 4)));
    stream.next_in = zlib_input(compressed);
    stream.avail_in = zlib_size(compressed.size());
    std::size_t produced = 0;
    for (;;) {
        stream.next_out = out.data() + produced;
        stream.avail_out = zlib_size(out.size() - produced);
        const int rc = inflate(&stream, Z_SYNC_FLUSH);
        produced = out.size() - stream.avail_out;
        if (rc == Z_STREAM_END) {
            // An SSH stream never ends; a peer that ends it leaves us nothing to continue with.
            throw ProtocolError(DisconnectReason::compression_error, "zlib stream ended");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            throw ProtocolError(DisconnectReason::compression_error,
                                std::string("zlib inflate failed: ") +
                                    (stream.msg != nullptr ? stream.msg : std::to_string(rc)));
        }
        if (produced > max_output) {
            throw ProtocolError(
                DisconnectReason::compression_error,
                "decompressed payload exceeds " + std::to_string(max_output) + " bytes");
        }
        if (stream.avail_out != 0) {
            // Room left over means inflate produced all the input allows. Input still left at
            // that point is a truncated or broken packet.
            if (stream.avail_in != 0) {
                throw ProtocolError(DisconnectReason::compression_error,
                                    "zlib input left over after inflate");
            }
            out.resize(produced);
            return;
        }
        out.resize(std::min(cap, out.size() * 2));
    }
}

}  // namespace wharf::ssh
