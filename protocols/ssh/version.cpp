#include "protocols/ssh/version.hpp"

#include <algorithm>

#include "protocols/ssh/address_match.hpp"
#include "protocols/ssh/disconnect.hpp"

namespace wharf::ssh {

namespace {

// RFC 4253 §4.2: printable US-ASCII without spaces or minus in the software version; we
// only insist on no control characters, as OpenSSH does, so odd clients still get in.
bool printable(std::string_view line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

VersionExchange::VersionExchange(Role role, std::string ours, std::vector<std::string> accepted)
    : m_role(role), m_ours(std::move(ours)), m_accepted(std::move(accepted)) {}

Bytes VersionExchange::our_line() const {
    Bytes line(m_ours.begin(), m_ours.end());
    line.push_back('\r');
    line.push_back('\n');
    return line;
}

std::size_t VersionExchange::receive(ByteView data) {
    std::size_t used = 0;
    while (!m_done && used < data.size()) {
        const char c = static_cast<char>(data[used++]);
        if (c == '\n') {
            std::string line = std::move(m_partial);
            m_partial.clear();
            if (!line.empty() && line.back() == '\r') line.pop_back();  // LF alone is tolerated
            on_line(std::move(line));
            continue;
        }
        if (c == '\0') throw ProtocolError(DisconnectReason::protocol_error, "NUL byte in identification string");
        m_partial += c;
        if (m_partial.size() > max_line - 2) {
            throw ProtocolError(DisconnectReason::protocol_error, "identification line longer than 255 bytes");
        }
    }
    return used;
}

void VersionExchange::on_line(std::string line) {
    if (!line.starts_with("SSH-")) {
        // Only a server may talk before its version line; a client that does is not SSH.
        if (m_role == Role::server) {
            throw ProtocolError(DisconnectReason::protocol_version_not_supported,
                                "not an SSH client (first line does not start with SSH-)");
        }
        if (m_preamble.size() >= max_preamble_lines) {
            throw ProtocolError(DisconnectReason::protocol_error, "too many lines before the server's version");
        }
        m_preamble.push_back(std::move(line));
        return;
    }
    if (!printable(line)) {
        throw ProtocolError(DisconnectReason::protocol_error, "control characters in identification string");
    }
    const bool accepted = std::any_of(m_accepted.begin(), m_accepted.end(),
                                      [&](const std::string& pattern) { return match_wildcard(line, pattern); });
    if (!accepted) {
        throw ProtocolError(DisconnectReason::protocol_version_not_supported,
                            "protocol version not accepted: " + line.substr(0, 64));
    }
    m_peer = std::move(line);
    m_done = true;
}

}  // namespace wharf::ssh
