#include "protocols/ssh/messages.hpp"

namespace wharf::ssh {

namespace {

// A Reader positioned after the message number, which must be `number`.
Reader open(const char* name, std::uint8_t number, ByteView payload) {
    Reader reader(name, payload);
    const auto seen = reader.byte("message number");
    if (seen != number) {
        throw DecodeError(name, "message number",
                          "expected " + std::to_string(number) + ", got " + std::to_string(seen));
    }
    return reader;
}

Bytes copy(ByteView view) { return Bytes(view.begin(), view.end()); }

Bytes only_number(std::uint8_t number) { return Writer{}.byte(number).take(); }

Bytes channel_only(std::uint8_t number, std::uint32_t channel) { return Writer{}.byte(number).uint32(channel).take(); }

}  // namespace

std::uint8_t message_number(ByteView payload) {
    if (payload.empty()) throw DecodeError("packet", "message number", "empty payload");
    return payload[0];
}

Bytes Disconnect::encode() const {
    return Writer{}.byte(number).uint32(reason).string(description).string(language).take();
}
Disconnect Disconnect::decode(ByteView payload) {
    auto r = open("DISCONNECT", number, payload);
    Disconnect m;
    m.reason = r.uint32("reason code");
    m.description = r.text("description");
    // Some peers omit the language tag; accept its absence rather than fail the goodbye.
    if (!r.at_end()) m.language = r.text("language tag");
    r.expect_end();
    return m;
}

Bytes Ignore::encode() const { return Writer{}.byte(number).string(ByteView(data)).take(); }
Ignore Ignore::decode(ByteView payload) {
    auto r = open("IGNORE", number, payload);
    Ignore m;
    m.data = copy(r.string("data"));
    r.expect_end();
    return m;
}

Bytes Unimplemented::encode() const { return Writer{}.byte(number).uint32(sequence).take(); }
Unimplemented Unimplemented::decode(ByteView payload) {
    auto r = open("UNIMPLEMENTED", number, payload);
    Unimplemented m;
    m.sequence = r.uint32("packet sequence number");
    r.expect_end();
    return m;
}

Bytes Debug::encode() const {
    return Writer{}.byte(number).boolean(always_display).string(message).string(language).take();
}
Debug Debug::decode(ByteView payload) {
    auto r = open("DEBUG", number, payload);
    Debug m;
    m.always_display = r.boolean("always_display");
    m.message = r.text("message");
    if (!r.at_end()) m.language = r.text("language tag");
    r.expect_end();
    return m;
}

Bytes ServiceRequest::encode() const { return Writer{}.byte(number).string(service).take(); }
ServiceRequest ServiceRequest::decode(ByteView payload) {
    auto r = open("SERVICE_REQUEST", number, payload);
    ServiceRequest m{r.text("service name")};
    r.expect_end();
    return m;
}

Bytes ServiceAccept::encode() const { return Writer{}.byte(number).string(service).take(); }
ServiceAccept ServiceAccept::decode(ByteView payload) {
    auto r = open("SERVICE_ACCEPT", number, payload);
    ServiceAccept m{r.text("service name")};
    r.expect_end();
    return m;
}

Bytes ExtInfo::encode() const {
    Writer w;
    w.byte(number).uint32(static_cast<std::uint32_t>(extensions.size()));
    for (const auto& [name, value] : extensions) w.string(name).string(value);
    return w.take();
}
ExtInfo ExtInfo::decode(ByteView payload) {
    auto r = open("EXT_INFO", number, payload);
    ExtInfo m;
    const auto count = r.uint32("nr-extensions");
    // Each extension takes at least 8 bytes, so a count the payload cannot hold is a lie.
    if (count > r.remaining() / 8) throw DecodeError("EXT_INFO", "nr-extensions", "more than the payload holds");
    for (std::uint32_t i = 0; i < count; ++i) {
        auto name = r.text("extension-name");
        auto value = r.text("extension-value");
        m.extensions.emplace_back(std::move(name), std::move(value));
    }
    r.expect_end();
    return m;
}

Bytes KexInit::encode() const {
    return Writer{}
        .byte(number)
        .raw(cookie)
        .name_list(kex_algorithms)
        .name_list(host_key_algorithms)
        .name_list(ciphers_client_to_server)
        .name_list(ciphers_server_to_client)
        .name_list(macs_client_to_server)
        .name_list(macs_server_to_client)
        .name_list(compression_client_to_server)
        .name_list(compression_server_to_client)
        .name_list(languages_client_to_server)
        .name_list(languages_server_to_client)
        .boolean(first_kex_packet_follows)
        .uint32(reserved)
        .take();
}
KexInit KexInit::decode(ByteView payload) {
    auto r = open("KEXINIT", number, payload);
    KexInit m;
    const auto cookie = r.raw(16, "cookie");
    std::copy(cookie.begin(), cookie.end(), m.cookie.begin());
    m.kex_algorithms = r.name_list("kex_algorithms");
    m.host_key_algorithms = r.name_list("server_host_key_algorithms");
    m.ciphers_client_to_server = r.name_list("encryption_algorithms_client_to_server");
    m.ciphers_server_to_client = r.name_list("encryption_algorithms_server_to_client");
    m.macs_client_to_server = r.name_list("mac_algorithms_client_to_server");
    m.macs_server_to_client = r.name_list("mac_algorithms_server_to_client");
    m.compression_client_to_server = r.name_list("compression_algorithms_client_to_server");
    m.compression_server_to_client = r.name_list("compression_algorithms_server_to_client");
    m.languages_client_to_server = r.name_list("languages_client_to_server");
    m.languages_server_to_client = r.name_list("languages_server_to_client");
    m.first_kex_packet_follows = r.boolean("first_kex_packet_follows");
    m.reserved = r.uint32("reserved");
    r.expect_end();
    return m;
}

Bytes NewKeys::encode() const { return only_number(number); }
NewKeys NewKeys::decode(ByteView payload) {
    open("NEWKEYS", number, payload).expect_end();
    return {};
}

Bytes UserauthRequest::encode() const {
    return Writer{}.byte(number).string(user).string(service).string(method).raw(method_data).take();
}
UserauthRequest UserauthRequest::decode(ByteView payload) {
    auto r = open("USERAUTH_REQUEST", number, payload);
    UserauthRequest m;
    m.user = r.text("user name");
    m.service = r.text("service name");
    m.method = r.text("method name");
    m.method_data = copy(r.rest());
    return m;
}

Bytes UserauthFailure::encode() const {
    return Writer{}.byte(number).name_list(methods_that_can_continue).boolean(partial_success).take();
}
UserauthFailure UserauthFailure::decode(ByteView payload) {
    auto r = open("USERAUTH_FAILURE", number, payload);
    UserauthFailure m;
    m.methods_that_can_continue = r.name_list("authentications that can continue");
    m.partial_success = r.boolean("partial success");
    r.expect_end();
    return m;
}

Bytes UserauthSuccess::encode() const { return only_number(number); }
UserauthSuccess UserauthSuccess::decode(ByteView payload) {
    open("USERAUTH_SUCCESS", number, payload).expect_end();
    return {};
}

Bytes UserauthBanner::encode() const { return Writer{}.byte(number).string(message).string(language).take(); }
UserauthBanner UserauthBanner::decode(ByteView payload) {
    auto r = open("USERAUTH_BANNER", number, payload);
    UserauthBanner m;
    m.message = r.text("message");
    m.language = r.text("language tag");
    r.expect_end();
    return m;
}

Bytes UserauthPkOk::encode() const {
    return Writer{}.byte(number).string(algorithm).string(ByteView(key_blob)).take();
}
UserauthPkOk UserauthPkOk::decode(ByteView payload) {
    auto r = open("USERAUTH_PK_OK", number, payload);
    UserauthPkOk m;
    m.algorithm = r.text("public key algorithm name");
    m.key_blob = copy(r.string("public key blob"));
    r.expect_end();
    return m;
}

Bytes UserauthInfoRequest::encode() const {
    Writer w;
    w.byte(number).string(name).string(instruction).string(language).uint32(static_cast<std::uint32_t>(prompts.size()));
    for (const auto& prompt : prompts) w.string(prompt.text).boolean(prompt.echo);
    return w.take();
}
UserauthInfoRequest UserauthInfoRequest::decode(ByteView payload) {
    auto r = open("USERAUTH_INFO_REQUEST", number, payload);
    UserauthInfoRequest m;
    m.name = r.text("name");
    m.instruction = r.text("instruction");
    m.language = r.text("language tag");
    const auto count = r.uint32("num-prompts");
    if (count > r.remaining() / 5) throw DecodeError("USERAUTH_INFO_REQUEST", "num-prompts", "more than the payload holds");
    for (std::uint32_t i = 0; i < count; ++i) {
        Prompt prompt;
        prompt.text = r.text("prompt");
        prompt.echo = r.boolean("echo");
        m.prompts.push_back(std::move(prompt));
    }
    r.expect_end();
    return m;
}

Bytes UserauthInfoResponse::encode() const {
    Writer w;
    w.byte(number).uint32(static_cast<std::uint32_t>(responses.size()));
    for (const auto& response : responses) w.string(response);
    return w.take();
}
UserauthInfoResponse UserauthInfoResponse::decode(ByteView payload) {
    auto r = open("USERAUTH_INFO_RESPONSE", number, payload);
    UserauthInfoResponse m;
    const auto count = r.uint32("num-responses");
    if (count > r.remaining() / 4) throw DecodeError("USERAUTH_INFO_RESPONSE", "num-responses", "more than the payload holds");
    for (std::uint32_t i = 0; i < count; ++i) m.responses.push_back(r.text("response"));
    r.expect_end();
    return m;
}

Bytes GlobalRequest::encode() const { return Writer{}.byte(number).string(name).boolean(want_reply).raw(data).take(); }
GlobalRequest GlobalRequest::decode(ByteView payload) {
    auto r = open("GLOBAL_REQUEST", number, payload);
    GlobalRequest m;
    m.name = r.text("request name");
    m.want_reply = r.boolean("want reply");
    m.data = copy(r.rest());
    return m;
}

Bytes RequestSuccess::encode() const { return Writer{}.byte(number).raw(data).take(); }
RequestSuccess RequestSuccess::decode(ByteView payload) {
    auto r = open("REQUEST_SUCCESS", number, payload);
    return RequestSuccess{copy(r.rest())};
}

Bytes RequestFailure::encode() const { return only_number(number); }
RequestFailure RequestFailure::decode(ByteView payload) {
    open("REQUEST_FAILURE", number, payload).expect_end();
    return {};
}

Bytes ChannelOpen::encode() const {
    return Writer{}
        .byte(number)
        .string(type)
        .uint32(sender_channel)
        .uint32(initial_window)
        .uint32(maximum_packet)
        .raw(type_data)
        .take();
}
ChannelOpen ChannelOpen::decode(ByteView payload) {
    auto r = open("CHANNEL_OPEN", number, payload);
    ChannelOpen m;
    m.type = r.text("channel type");
    m.sender_channel = r.uint32("sender channel");
    m.initial_window = r.uint32("initial window size");
    m.maximum_packet = r.uint32("maximum packet size");
    m.type_data = copy(r.rest());
    return m;
}

Bytes ChannelOpenConfirmation::encode() const {
    return Writer{}
        .byte(number)
        .uint32(recipient_channel)
        .uint32(sender_channel)
        .uint32(initial_window)
        .uint32(maximum_packet)
        .raw(type_data)
        .take();
}
ChannelOpenConfirmation ChannelOpenConfirmation::decode(ByteView payload) {
    auto r = open("CHANNEL_OPEN_CONFIRMATION", number, payload);
    ChannelOpenConfirmation m;
    m.recipient_channel = r.uint32("recipient channel");
    m.sender_channel = r.uint32("sender channel");
    m.initial_window = r.uint32("initial window size");
    m.maximum_packet = r.uint32("maximum packet size");
    m.type_data = copy(r.rest());
    return m;
}

Bytes ChannelOpenFailure::encode() const {
    return Writer{}.byte(number).uint32(recipient_channel).uint32(reason).string(description).string(language).take();
}
ChannelOpenFailure ChannelOpenFailure::decode(ByteView payload) {
    auto r = open("CHANNEL_OPEN_FAILURE", number, payload);
    ChannelOpenFailure m;
    m.recipient_channel = r.uint32("recipient channel");
    m.reason = r.uint32("reason code");
    m.description = r.text("description");
    if (!r.at_end()) m.language = r.text("language tag");
    r.expect_end();
    return m;
}

Bytes ChannelWindowAdjust::encode() const {
    return Writer{}.byte(number).uint32(recipient_channel).uint32(bytes_to_add).take();
}
ChannelWindowAdjust ChannelWindowAdjust::decode(ByteView payload) {
    auto r = open("CHANNEL_WINDOW_ADJUST", number, payload);
    ChannelWindowAdjust m;
    m.recipient_channel = r.uint32("recipient channel");
    m.bytes_to_add = r.uint32("bytes to add");
    r.expect_end();
    return m;
}

Bytes ChannelData::encode() const { return Writer{}.byte(number).uint32(recipient_channel).string(data).take(); }
ChannelData ChannelData::decode(ByteView payload) {
    auto r = open("CHANNEL_DATA", number, payload);
    ChannelData m;
    m.recipient_channel = r.uint32("recipient channel");
    m.data = r.string("data");
    r.expect_end();
    return m;
}

Bytes ChannelExtendedData::encode() const {
    return Writer{}.byte(number).uint32(recipient_channel).uint32(data_type).string(data).take();
}
ChannelExtendedData ChannelExtendedData::decode(ByteView payload) {
    auto r = open("CHANNEL_EXTENDED_DATA", number, payload);
    ChannelExtendedData m;
    m.recipient_channel = r.uint32("recipient channel");
    m.data_type = r.uint32("data_type_code");
    m.data = r.string("data");
    r.expect_end();
    return m;
}

Bytes ChannelEof::encode() const { return channel_only(number, recipient_channel); }
ChannelEof ChannelEof::decode(ByteView payload) {
    auto r = open("CHANNEL_EOF", number, payload);
    ChannelEof m{r.uint32("recipient channel")};
    r.expect_end();
    return m;
}

Bytes ChannelClose::encode() const { return channel_only(number, recipient_channel); }
ChannelClose ChannelClose::decode(ByteView payload) {
    auto r = open("CHANNEL_CLOSE", number, payload);
    ChannelClose m{r.uint32("recipient channel")};
    r.expect_end();
    return m;
}

Bytes ChannelRequest::encode() const {
    return Writer{}.byte(number).uint32(recipient_channel).string(type).boolean(want_reply).raw(type_data).take();
}
ChannelRequest ChannelRequest::decode(ByteView payload) {
    auto r = open("CHANNEL_REQUEST", number, payload);
    ChannelRequest m;
    m.recipient_channel = r.uint32("recipient channel");
    m.type = r.text("request type");
    m.want_reply = r.boolean("want reply");
    m.type_data = copy(r.rest());
    return m;
}

Bytes ChannelSuccess::encode() const { return channel_only(number, recipient_channel); }
ChannelSuccess ChannelSuccess::decode(ByteView payload) {
    auto r = open("CHANNEL_SUCCESS", number, payload);
    ChannelSuccess m{r.uint32("recipient channel")};
    r.expect_end();
    return m;
}

Bytes ChannelFailure::encode() const { return channel_only(number, recipient_channel); }
ChannelFailure ChannelFailure::decode(ByteView payload) {
    auto r = open("CHANNEL_FAILURE", number, payload);
    ChannelFailure m{r.uint32("recipient channel")};
    r.expect_end();
    return m;
}

}  // namespace wharf::ssh
