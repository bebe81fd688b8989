// libFuzzer harness: every message decoder in messages.hpp.
//
// Byte 0 names the decoder by its message number (60 is USERAUTH_PK_OK, 60 + 128 = 188
// USERAUTH_INFO_REQUEST, which shares number 60); the rest is the payload, message number
// first, so a decoder also sees payloads that carry another message's number. A selector that
// names no decoder only runs message_number().
// Invariants: decode succeeds or throws DecodeError; what it decoded encodes, and that encoding
// is a fixed point (decode then encode gives it back). Anything else escapes and crashes the
// fuzzer; a broken invariant traps.
#include "protocols/ssh/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace {

namespace ssh = wharf::ssh;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_messages: invariant broken: %s\n", what);
    __builtin_trap();
}

template <class Message>
void round_trip(ssh::ByteView payload) {
    std::optional<Message> decoded;
    try {
        decoded = Message::decode(payload);
    } catch (const ssh::DecodeError&) {
        return;
    }
    const ssh::Bytes once = decoded->encode();
    if (once.empty() || once[0] != Message::number) {
        invariant_broken("an encoding does not start with its message number");
    }
    // A DecodeError here escapes on purpose: we could not read our own encoding.
    if (Message::decode(once).encode() != once) {
        invariant_broken("encode(decode(encoding)) differs from the encoding");
    }
}

constexpr std::uint8_t info_request_selector = ssh::msg::userauth_info_request + 128;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const ssh::ByteView payload(data + 1, size - 1);
    switch (data[0]) {
        case ssh::Disconnect::number: round_trip<ssh::Disconnect>(payload); break;
        case ssh::Ignore::number: round_trip<ssh::Ignore>(payload); break;
        case ssh::Unimplemented::number: round_trip<ssh::Unimplemented>(payload); break;
        case ssh::Debug::number: round_trip<ssh::Debug>(payload); break;
        case ssh::ServiceRequest::number: round_trip<ssh::ServiceRequest>(payload); break;
        case ssh::ServiceAccept::number: round_trip<ssh::ServiceAccept>(payload); break;
        case ssh::ExtInfo::number: round_trip<ssh::ExtInfo>(payload); break;
        case ssh::KexInit::number: round_trip<ssh::KexInit>(payload); break;
        case ssh::NewKeys::number: round_trip<ssh::NewKeys>(payload); break;
        case ssh::UserauthRequest::number: round_trip<ssh::UserauthRequest>(payload); break;
        case ssh::UserauthFailure::number: round_trip<ssh::UserauthFailure>(payload); break;
        case ssh::UserauthSuccess::number: round_trip<ssh::UserauthSuccess>(payload); break;
        case ssh::UserauthBanner::number: round_trip<ssh::UserauthBanner>(payload); break;
        case ssh::UserauthPkOk::number: round_trip<ssh::UserauthPkOk>(payload); break;
        case info_request_selector: round_trip<ssh::UserauthInfoRequest>(payload); break;
        case ssh::UserauthInfoResponse::number: round_trip<ssh::UserauthInfoResponse>(payload); break;
        case ssh::GlobalRequest::number: round_trip<ssh::GlobalRequest>(payload); break;
        case ssh::RequestSuccess::number: round_trip<ssh::RequestSuccess>(payload); break;
        case ssh::RequestFailure::number: round_trip<ssh::RequestFailure>(payload); break;
        case ssh::ChannelOpen::number: round_trip<ssh::ChannelOpen>(payload); break;
        case ssh::ChannelOpenConfirmation::number: round_trip<ssh::ChannelOpenConfirmation>(payload); break;
        case ssh::ChannelOpenFailure::number: round_trip<ssh::ChannelOpenFailure>(payload); break;
        case ssh::ChannelWindowAdjust::number: round_trip<ssh::ChannelWindowAdjust>(payload); break;
        case ssh::ChannelData::number: round_trip<ssh::ChannelData>(payload); break;
        case ssh::ChannelExtendedData::number: round_trip<ssh::ChannelExtendedData>(payload); break;
        case ssh::ChannelEof::number: round_trip<ssh::ChannelEof>(payload); break;
        case ssh::ChannelClose::number: round_trip<ssh::ChannelClose>(payload); break;
        case ssh::ChannelRequest::number: round_trip<ssh::ChannelRequest>(payload); break;
        case ssh::ChannelSuccess::number: round_trip<ssh::ChannelSuccess>(payload); break;
        case ssh::ChannelFailure::number: round_trip<ssh::ChannelFailure>(payload); break;
        default:
            try {
                (void)ssh::message_number(payload);
            } catch (const ssh::DecodeError&) {
            }
            break;
    }
    return 0;
}
