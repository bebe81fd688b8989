// Dispatch by command code; the layouts live in codec_session.cpp, codec_file.cpp and
// codec_response.cpp.
#include "protocols/oftp/codec.hpp"

#include "protocols/oftp/detail/command_codecs.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace wharf::oftp {

namespace {

std::string describe_code(std::uint8_t code) {
    char text[32];
    if (code >= 0x20 && code <= 0x7E) {
        std::snprintf(text, sizeof text, "'%c'", static_cast<char>(code));
    } else {
        std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(code));
    }
    return text;
}

Command decode_command(ByteView buffer, ProtocolLevel level, std::vector<Deviation>& deviations) {
    const char code = static_cast<char>(buffer[0]);
    const std::string_view command = command_name(code);
    if (command == "?") {
        throw DecodeError(EsidReason::command_not_recognised, "?", "",
                          "unknown command code " + describe_code(buffer[0]));
    }
    if (!is_defined_at(code, level)) {
        throw DecodeError(EsidReason::command_not_recognised, std::string(command), "",
                          "not a command at level " + std::string(level_name(level)));
    }
    detail::FieldReader reader(buffer, command, deviations);
    switch (code) {
        case Ssrm::code: return detail::decode_ssrm(reader);
        case Ssid::code: return detail::decode_ssid(reader);
        case Sfid::code: return detail::decode_sfid(reader, level);
        case Sfpa::code: return detail::decode_sfpa(reader, level);
        case Sfna::code: return detail::decode_sfna(reader, level);
        case Data::code: return Data{Bytes(buffer.begin() + 1, buffer.end())};
        case Cdt::code: return detail::decode_cdt(reader);
        case Efid::code: return detail::decode_efid(reader, level);
        case Efpa::code: return detail::decode_efpa(reader);
        case Efna::code: return detail::decode_efna(reader, level);
        case Esid::code: return detail::decode_esid(reader, level);
        case Eerp::code: return detail::decode_eerp(reader, level);
        case Nerp::code: return detail::decode_nerp(reader, level);
        case Auch::code: return detail::decode_auch(reader);
        case Aurp::code: return detail::decode_aurp(reader);
        default: break;
    }
    // CD, RTR, SECD: the command octet alone.
    reader.end();
    switch (code) {
        case Cd::code: return Cd{};
        case Rtr::code: return Rtr{};
        default: return Secd{};
    }
}

}  // namespace

std::string_view command_name(char code) noexcept {
    switch (code) {
        case Ssrm::code: return Ssrm::name;
        case Ssid::code: return Ssid::name;
        case Sfid::code: return Sfid::name;
        case Sfpa::code: return Sfpa::name;
        case Sfna::code: return Sfna::name;
        case Data::code: return Data::name;
        case Cdt::code: return Cdt::name;
        case Efid::code: return Efid::name;
        case Efpa::code: return Efpa::name;
        case Efna::code: return Efna::name;
        case Esid::code: return Esid::name;
        case Cd::code: return Cd::name;
        case Eerp::code: return Eerp::name;
        case Nerp::code: return Nerp::name;
        case Rtr::code: return Rtr::name;
        case Secd::code: return Secd::name;
        case Auch::code: return Auch::name;
        case Aurp::code: return Aurp::name;
        default: return "?";
    }
}

std::string_view command_name(const Command& command) noexcept {
    return std::visit([](const auto& c) { return std::decay_t<decltype(c)>::name; }, command);
}

bool is_defined_at(char code, ProtocolLevel level) noexcept {
    switch (code) {
        case Nerp::code: return has_nerp(level);
        case Secd::code:
        case Auch::code:
        case Aurp::code: return has_secure_authentication(level);
        default: return command_name(code) != "?";
    }
}

Bytes encode(const Command& command, ProtocolLevel level) {
    return std::visit(
        [level](const auto& c) {
            using C = std::decay_t<decltype(c)>;
            if (!is_defined_at(C::code, level)) {
                throw std::invalid_argument("oftp: " + std::string(C::name) +
                                            " is not a command at level " +
                                            std::string(level_name(level)));
            }
            return detail::encode_command(c, level);
        },
        command);
}

Decoded decode(ByteView buffer, ProtocolLevel level) {
    if (buffer.empty()) {
        throw DecodeError(EsidReason::command_not_recognised, "?", "", "empty exchange buffer");
    }
    Decoded decoded;
    decoded.command = decode_command(buffer, level, decoded.deviations);
    return decoded;
}

std::vector<Deviation> check_outgoing(const Command& command, ProtocolLevel level) {
    const Bytes encoded = encode(command, level);
    const ProtocolLevel read_at =
        std::holds_alternative<Ssid>(command) ? std::get<Ssid>(command).level : level;
    return decode(encoded, read_at).deviations;
}

}  // namespace wharf::oftp
