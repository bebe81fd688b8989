// The identification string exchange (RFC 4253, section 4.2), sans-I/O.
//
// The server may send other lines before its version line (RFC 4253 §4.2); a client must
// not, so a server reads exactly one line. Everything is bounded: a line is at most 255
// bytes with its CR LF, and at most `max_preamble_lines` lines may precede the version.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

enum class Role { client, server };

class VersionExchange {
public:
    static constexpr std::size_t max_line = 255;  ///< including CR LF (RFC 4253 §4.2)
    static constexpr std::size_t max_preamble_lines = 1024;

    /// `ours` is the full version line without CR LF ("SSH-2.0-wharf_0.1.0");
    /// `accepted` are patterns the peer's line must match (match_wildcard: `*`, `?`).
    VersionExchange(Role role, std::string ours, std::vector<std::string> accepted);

    /// The bytes to send first: our line with CR LF.
    Bytes our_line() const;
    const std::string& ours() const noexcept { return m_ours; }

    /// Consumes bytes up to and including the peer's version line and returns how many were
    /// used; the rest belong to the binary packet stream. Throws ProtocolError
    /// (PROTOCOL_VERSION_NOT_SUPPORTED or PROTOCOL_ERROR) on a line it must refuse.
    std::size_t receive(ByteView data);

    bool done() const noexcept { return m_done; }
    /// The peer's version line without CR LF: V_C or V_S of the exchange hash.
    const std::string& peer() const noexcept { return m_peer; }
    /// Lines the server sent before its version line (client role only).
    const std::vector<std::string>& preamble() const noexcept { return m_preamble; }

private:
    void on_line(std::string line);

    Role m_role;
    std::string m_ours;
    std::vector<std::string> m_accepted;
    std::string m_partial;
    std::string m_peer;
    std::vector<std::string> m_preamble;
    bool m_done = false;
};

}  // namespace wharf::ssh
