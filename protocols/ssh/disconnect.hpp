// SSH_MSG_DISCONNECT reason codes (RFC 4250 section 4.2.2) and the exception that carries one.
// Every error the peer causes is thrown as a ProtocolError; the engine's single catch site turns
// it into SSH_MSG_DISCONNECT with reason() and what() as the description, so nothing else in
// the library needs to know how a session ends. Our own misuse (a bug) is std::logic_error or
// std::invalid_argument instead, never a ProtocolError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wharf::ssh {

// See RFC 4250, section 4.2.2. The values are the wire codes.
enum class DisconnectReason : std::uint32_t {
    host_not_allowed_to_connect = 1,
    protocol_error = 2,
    key_exchange_failed = 3,
    reserved = 4,
    mac_error = 5,
    compression_error = 6,
    service_not_available = 7,
    protocol_version_not_supported = 8,
    host_key_not_verifiable = 9,
    connection_lost = 10,
    by_application = 11,
    too_many_connections = 12,
    auth_cancelled_by_user = 13,
    no_more_auth_methods_available = 14,
    illegal_user_name = 15,
};

// The RFC's symbolic name, "SSH_DISCONNECT_MAC_ERROR"; "SSH_DISCONNECT_UNKNOWN" for a value
// outside the table (a peer may send any uint32).
[[nodiscard]] std::string_view to_string(DisconnectReason reason) noexcept;

// The peer broke the protocol. what() is the human-readable description for the DISCONNECT
// message and the log ("packet_length 300000 exceeds the limit 262144").
class ProtocolError : public std::runtime_error {
public:
    ProtocolError(DisconnectReason reason, const std::string& description)
        : std::runtime_error(description), m_reason(reason) {}

    [[nodiscard]] DisconnectReason reason() const noexcept { return m_reason; }

private:
    DisconnectReason m_reason;
};

}  // namespace wharf::ssh
