#include "protocols/ssh/disconnect.hpp"

namespace wharf::ssh {

std::string_view to_string(DisconnectReason reason) noexcept {
    switch (reason) {
        case DisconnectReason::host_not_allowed_to_connect:
            return "SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT";
        case DisconnectReason::protocol_error:
            return "SSH_DISCONNECT_PROTOCOL_ERROR";
        case DisconnectReason::key_exchange_failed:
            return "SSH_DISCONNECT_KEY_EXCHANGE_FAILED";
        case DisconnectReason::reserved:
            return "SSH_DISCONNECT_RESERVED";
        case DisconnectReason::mac_error:
            return "SSH_DISCONNECT_MAC_ERROR";
        case DisconnectReason::compression_error:
            return "SSH_DISCONNECT_COMPRESSION_ERROR";
        case DisconnectReason::service_not_available:
            return "SSH_DISCONNECT_SERVICE_NOT_AVAILABLE";
        case DisconnectReason::protocol_version_not_supported:
            return "SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED";
        case DisconnectReason::host_key_not_verifiable:
            return "SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE";
        case DisconnectReason::connection_lost:
            return "SSH_DISCONNECT_CONNECTION_LOST";
        case DisconnectReason::by_application:
            return "SSH_DISCONNECT_BY_APPLICATION";
        case DisconnectReason::too_many_connections:
            return "SSH_DISCONNECT_TOO_MANY_CONNECTIONS";
        case DisconnectReason::auth_cancelled_by_user:
            return "SSH_DISCONNECT_AUTH_CANCELLED_BY_USER";
        case DisconnectReason::no_more_auth_methods_available:
            return "SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE";
        case DisconnectReason::illegal_user_name:
            return "SSH_DISCONNECT_ILLEGAL_USER_NAME";
    }
    return "SSH_DISCONNECT_UNKNOWN";
}

}  // namespace wharf::ssh
