// SSH payload compression (RFC 4253 6.2): "none", "zlib", and "zlib@openssh.com", which is the
// same zlib stream started only after user authentication (OpenSSH PROTOCOL 1.2), so that an
// unauthenticated peer never reaches the decompressor. The zlib context runs across packets in
// each direction and restarts with every key change; each packet ends with a partial flush so
// the peer can decompress it alone.
#pragma once

#include "protocols/ssh/wire.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::ssh {

enum class CompressionMethod : std::uint8_t {
    none,
    zlib,          // "zlib": on from NEWKEYS
    zlib_delayed,  // "zlib@openssh.com": on from NEWKEYS after USERAUTH_SUCCESS
};

// The method for a wire name, or nullopt for a name we do not implement.
[[nodiscard]] std::optional<CompressionMethod> find_compression(std::string_view name) noexcept;

// Every name we implement: "none", "zlib@openssh.com", "zlib".
[[nodiscard]] const std::vector<std::string>& all_compressions();

// What we offer by default: "none", "zlib@openssh.com" (what sshd offers).
[[nodiscard]] const std::vector<std::string>& default_compressions();

// One direction's deflate stream. Not copyable; hold it by pointer to move it.
class Deflater {
public:
    Deflater();
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    // Compresses one payload and flushes it (Z_PARTIAL_FLUSH, like OpenSSH). The view points
    // into a buffer the Deflater reuses: valid until the next compress() call.
    // Throws std::runtime_error if zlib fails (out of memory; never the peer's doing).
    [[nodiscard]] ByteView compress(ByteView payload);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// One direction's inflate stream.
class Inflater {
public:
    Inflater();
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Decompresses one packet's payload into out (replacing its contents). Never lets out grow
    // past max_output bytes, whatever the input claims. Throws ProtocolError(COMPRESSION_ERROR)
    // for a corrupt stream, an ended stream, or output above max_output (a zlib bomb).
    void decompress(ByteView compressed, std::size_t max_output, Bytes& out);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace wharf::ssh
