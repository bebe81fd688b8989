// SSH messages above the packet layer: one struct per message, named after the RFC message,
// with its number as `number`, an `encode()` that yields the payload (number byte included)
// and a `decode(payload)` that checks every length and refuses trailing bytes.
// KEX method messages (30-49) live with their methods in kex_*.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

namespace msg {
inline constexpr std::uint8_t disconnect = 1;
inline constexpr std::uint8_t ignore = 2;
inline constexpr std::uint8_t unimplemented = 3;
inline constexpr std::uint8_t debug = 4;
inline constexpr std::uint8_t service_request = 5;
inline constexpr std::uint8_t service_accept = 6;
inline constexpr std::uint8_t ext_info = 7;
inline constexpr std::uint8_t kexinit = 20;
inline constexpr std::uint8_t newkeys = 21;
inline constexpr std::uint8_t kex_first = 30;  ///< method-specific KEX messages: 30-49
inline constexpr std::uint8_t kex_last = 49;
inline constexpr std::uint8_t userauth_request = 50;
inline constexpr std::uint8_t userauth_failure = 51;
inline constexpr std::uint8_t userauth_success = 52;
inline constexpr std::uint8_t userauth_banner = 53;
inline constexpr std::uint8_t userauth_pk_ok = 60;        ///< publickey
inline constexpr std::uint8_t userauth_info_request = 60;  ///< keyboard-interactive
inline constexpr std::uint8_t userauth_info_response = 61;
inline constexpr std::uint8_t global_request = 80;
inline constexpr std::uint8_t request_success = 81;
inline constexpr std::uint8_t request_failure = 82;
inline constexpr std::uint8_t channel_open = 90;
inline constexpr std::uint8_t channel_open_confirmation = 91;
inline constexpr std::uint8_t channel_open_failure = 92;
inline constexpr std::uint8_t channel_window_adjust = 93;
inline constexpr std::uint8_t channel_data = 94;
inline constexpr std::uint8_t channel_extended_data = 95;
inline constexpr std::uint8_t channel_eof = 96;
inline constexpr std::uint8_t channel_close = 97;
inline constexpr std::uint8_t channel_request = 98;
inline constexpr std::uint8_t channel_success = 99;
inline constexpr std::uint8_t channel_failure = 100;
}  // namespace msg

/// The message number of a payload; DecodeError when empty.
std::uint8_t message_number(ByteView payload);

// See RFC 4253, section 11.1.
struct Disconnect {
    static constexpr std::uint8_t number = msg::disconnect;
    std::uint32_t reason = 0;
    std::string description;
    std::string language;
    Bytes encode() const;
    static Disconnect decode(ByteView payload);
};

// See RFC 4253, section 11.2.
struct Ignore {
    static constexpr std::uint8_t number = msg::ignore;
    Bytes data;
    Bytes encode() const;
    static Ignore decode(ByteView payload);
};

// See RFC 4253, section 11.4.
struct Unimplemented {
    static constexpr std::uint8_t number = msg::unimplemented;
    std::uint32_t sequence = 0;
    Bytes encode() const;
    static Unimplemented decode(ByteView payload);
};

// See RFC 4253, section 11.3.
struct Debug {
    static constexpr std::uint8_t number = msg::debug;
    bool always_display = false;
    std::string message;
    std::string language;
    Bytes encode() const;
    static Debug decode(ByteView payload);
};

// See RFC 4253, section 10.
struct ServiceRequest {
    static constexpr std::uint8_t number = msg::service_request;
    std::string service;
    Bytes encode() const;
    static ServiceRequest decode(ByteView payload);
};

// See RFC 4253, section 10.
struct ServiceAccept {
    static constexpr std::uint8_t number = msg::service_accept;
    std::string service;
    Bytes encode() const;
    static ServiceAccept decode(ByteView payload);
};

// See RFC 8308, section 2.3.
struct ExtInfo {
    static constexpr std::uint8_t number = msg::ext_info;
    std::vector<std::pair<std::string, std::string>> extensions;
    Bytes encode() const;
    static ExtInfo decode(ByteView payload);
};

// See RFC 4253, section 7.1.
struct KexInit {
    static constexpr std::uint8_t number = msg::kexinit;
    std::array<std::uint8_t, 16> cookie{};
    std::vector<std::string> kex_algorithms;
    std::vector<std::string> host_key_algorithms;
    std::vector<std::string> ciphers_client_to_server;
    std::vector<std::string> ciphers_server_to_client;
    std::vector<std::string> macs_client_to_server;
    std::vector<std::string> macs_server_to_client;
    std::vector<std::string> compression_client_to_server;
    std::vector<std::string> compression_server_to_client;
    std::vector<std::string> languages_client_to_server;
    std::vector<std::string> languages_server_to_client;
    bool first_kex_packet_follows = false;
    std::uint32_t reserved = 0;
    Bytes encode() const;
    static KexInit decode(ByteView payload);
};

// See RFC 4253, section 7.3.
struct NewKeys {
    static constexpr std::uint8_t number = msg::newkeys;
    Bytes encode() const;
    static NewKeys decode(ByteView payload);
};

// See RFC 4252, section 5. Method-specific fields stay in `method_data` and are read by the
// auth layer for the method it handles (password, publickey, keyboard-interactive).
struct UserauthRequest {
    static constexpr std::uint8_t number = msg::userauth_request;
    std::string user;
    std::string service;
    std::string method;
    Bytes method_data;
    Bytes encode() const;
    static UserauthRequest decode(ByteView payload);
};

// See RFC 4252, section 5.1.
struct UserauthFailure {
    static constexpr std::uint8_t number = msg::userauth_failure;
    std::vector<std::string> methods_that_can_continue;
    bool partial_success = false;
    Bytes encode() const;
    static UserauthFailure decode(ByteView payload);
};

// See RFC 4252, section 5.1.
struct UserauthSuccess {
    static constexpr std::uint8_t number = msg::userauth_success;
    Bytes encode() const;
    static UserauthSuccess decode(ByteView payload);
};

// See RFC 4252, section 5.4.
struct UserauthBanner {
    static constexpr std::uint8_t number = msg::userauth_banner;
    std::string message;
    std::string language;
    Bytes encode() const;
    static UserauthBanner decode(ByteView payload);
};

// See RFC 4252, section 7.
struct UserauthPkOk {
    static constexpr std::uint8_t number = msg::userauth_pk_ok;
    std::string algorithm;
    Bytes key_blob;
    Bytes encode() const;
    static UserauthPkOk decode(ByteView payload);
};

// See RFC 4256, section 3.2.
struct UserauthInfoRequest {
    static constexpr std::uint8_t number = msg::userauth_info_request;
    struct Prompt {
        std::string text;
        bool echo = false;
    };
    std::string name;
    std::string instruction;
    std::string language;
    std::vector<Prompt> prompts;
    Bytes encode() const;
    static UserauthInfoRequest decode(ByteView payload);
};

// See RFC 4256, section 3.4. Responses are secrets: callers wipe them after use.
struct UserauthInfoResponse {
    static constexpr std::uint8_t number = msg::userauth_info_response;
    std::vector<std::string> responses;
    Bytes encode() const;
    static UserauthInfoResponse decode(ByteView payload);
};

// See RFC 4254, section 4.
struct GlobalRequest {
    static constexpr std::uint8_t number = msg::global_request;
    std::string name;
    bool want_reply = false;
    Bytes data;
    Bytes encode() const;
    static GlobalRequest decode(ByteView payload);
};

// See RFC 4254, section 4.
struct RequestSuccess {
    static constexpr std::uint8_t number = msg::request_success;
    Bytes data;  ///< request-specific (e.g. the bound port of tcpip-forward)
    Bytes encode() const;
    static RequestSuccess decode(ByteView payload);
};

// See RFC 4254, section 4.
struct RequestFailure {
    static constexpr std::uint8_t number = msg::request_failure;
    Bytes encode() const;
    static RequestFailure decode(ByteView payload);
};

// See RFC 4254, section 5.1.
struct ChannelOpen {
    static constexpr std::uint8_t number = msg::channel_open;
    std::string type;
    std::uint32_t sender_channel = 0;
    std::uint32_t initial_window = 0;
    std::uint32_t maximum_packet = 0;
    Bytes type_data;
    Bytes encode() const;
    static ChannelOpen decode(ByteView payload);
};

// See RFC 4254, section 5.1.
struct ChannelOpenConfirmation {
    static constexpr std::uint8_t number = msg::channel_open_confirmation;
    std::uint32_t recipient_channel = 0;
    std::uint32_t sender_channel = 0;
    std::uint32_t initial_window = 0;
    std::uint32_t maximum_packet = 0;
    Bytes type_data;
    Bytes encode() const;
    static ChannelOpenConfirmation decode(ByteView payload);
};

// See RFC 4254, section 5.1.
struct ChannelOpenFailure {
    static constexpr std::uint8_t number = msg::channel_open_failure;
    static constexpr std::uint32_t administratively_prohibited = 1;
    static constexpr std::uint32_t connect_failed = 2;
    static constexpr std::uint32_t unknown_channel_type = 3;
    static constexpr std::uint32_t resource_shortage = 4;
    std::uint32_t recipient_channel = 0;
    std::uint32_t reason = 0;
    std::string description;
    std::string language;
    Bytes encode() const;
    static ChannelOpenFailure decode(ByteView payload);
};

// See RFC 4254, section 5.2.
struct ChannelWindowAdjust {
    static constexpr std::uint8_t number = msg::channel_window_adjust;
    std::uint32_t recipient_channel = 0;
    std::uint32_t bytes_to_add = 0;
    Bytes encode() const;
    static ChannelWindowAdjust decode(ByteView payload);
};

// See RFC 4254, section 5.2. `data` views the payload it was decoded from: no copy on the
// bulk path, so it lives only as long as that payload.
struct ChannelData {
    static constexpr std::uint8_t number = msg::channel_data;
    std::uint32_t recipient_channel = 0;
    ByteView data;
    Bytes encode() const;
    static ChannelData decode(ByteView payload);
};

// See RFC 4254, section 5.2. Like ChannelData, `data` views the decoded payload.
struct ChannelExtendedData {
    static constexpr std::uint8_t number = msg::channel_extended_data;
    static constexpr std::uint32_t stderr_data = 1;
    std::uint32_t recipient_channel = 0;
    std::uint32_t data_type = stderr_data;
    ByteView data;
    Bytes encode() const;
    static ChannelExtendedData decode(ByteView payload);
};

// See RFC 4254, section 5.3.
struct ChannelEof {
    static constexpr std::uint8_t number = msg::channel_eof;
    std::uint32_t recipient_channel = 0;
    Bytes encode() const;
    static ChannelEof decode(ByteView payload);
};

// See RFC 4254, section 5.3.
struct ChannelClose {
    static constexpr std::uint8_t number = msg::channel_close;
    std::uint32_t recipient_channel = 0;
    Bytes encode() const;
    static ChannelClose decode(ByteView payload);
};

// See RFC 4254, section 5.4. Request-specific fields stay in `type_data`.
struct ChannelRequest {
    static constexpr std::uint8_t number = msg::channel_request;
    std::uint32_t recipient_channel = 0;
    std::string type;
    bool want_reply = false;
    Bytes type_data;
    Bytes encode() const;
    static ChannelRequest decode(ByteView payload);
};

// See RFC 4254, section 5.4.
struct ChannelSuccess {
    static constexpr std::uint8_t number = msg::channel_success;
    std::uint32_t recipient_channel = 0;
    Bytes encode() const;
    static ChannelSuccess decode(ByteView payload);
};

// See RFC 4254, section 5.4.
struct ChannelFailure {
    static constexpr std::uint8_t number = msg::channel_failure;
    std::uint32_t recipient_channel = 0;
    Bytes encode() const;
    static ChannelFailure decode(ByteView payload);
};

/// Header size of CHANNEL_DATA before the data bytes (number, channel, length): senders
/// subtract it from the peer's maximum packet size.
inline constexpr std::size_t channel_data_overhead = 1 + 4 + 4;

}  // namespace wharf::ssh
