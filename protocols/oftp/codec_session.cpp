// Start session phase and session end: SSRM, SSID, SECD, AUCH, AURP, ESID, CD, RTR.
#include "protocols/oftp/detail/command_codecs.hpp"

namespace wharf::oftp::detail {

namespace {

constexpr std::string_view kReadyMessage = "ODETTE FTP READY ";

Capability read_capability(FieldReader& reader) {
    const char c = reader.character("SSIDSR");
    switch (c) {
        case 'S': return Capability::send_only;
        case 'R': return Capability::receive_only;
        case 'B': return Capability::both;
        case 's': case 'r': case 'b':
            reader.deviation("SSIDSR", "lower case capability");
            return static_cast<Capability>(c - 'a' + 'A');
        default:
            reader.fail(EsidReason::command_contained_invalid_data, "SSIDSR",
                        "'" + printable(std::string_view(&c, 1)) + "' is not S, R or B");
    }
}

}  // namespace

// RFC 5024 5.3.1
Bytes encode_command(const Ssrm&, ProtocolLevel) {
    FieldWriter writer(Ssrm::code, Ssrm::name);
    writer.alnum("SSRMMSG", kReadyMessage, kReadyMessage.size());
    writer.carriage_return();
    return writer.take();
}

Ssrm decode_ssrm(FieldReader& reader) {
    const std::string message = reader.alnum("SSRMMSG", kReadyMessage.size(), Charset::any_printable);
    if (message + " " != kReadyMessage) {
        reader.deviation("SSRMMSG", "'" + message + "' instead of 'ODETTE FTP READY '");
    }
    reader.carriage_return("SSRMCR");
    reader.end();
    return {};
}

// RFC 5024 5.3.2; RFC 2204 5.3.2 (1.x: a 5-octet reserved field where 2.0 has SSIDAUTH)
Bytes encode_command(const Ssid& ssid, ProtocolLevel) {
    FieldWriter writer(Ssid::code, Ssid::name);
    if (ssid.buffer_size < 128 || ssid.buffer_size > 99999) {
        writer.reject("SSIDSDEB", std::to_string(ssid.buffer_size) + " is not within 128-99999");
    }
    if (ssid.credit < 1 || ssid.credit > 999) {
        writer.reject("SSIDCRED", std::to_string(ssid.credit) + " is not within 1-999");
    }
    if (ssid.secure_authentication && !has_secure_authentication(ssid.level)) {
        writer.reject("SSIDAUTH", "secure authentication needs level 2.0");
    }
    writer.character(level_code(ssid.level));
    writer.alnum("SSIDCODE", ssid.code_id, 25);
    writer.alnum("SSIDPSWD", ssid.password, 8);
    writer.numeric("SSIDSDEB", ssid.buffer_size, 5);
    writer.character(static_cast<char>(ssid.capability));
    writer.flag(ssid.buffer_compression);
    writer.flag(ssid.restart);
    writer.flag(ssid.special_logic);
    writer.numeric("SSIDCRED", ssid.credit, 3);
    if (has_secure_authentication(ssid.level)) {
        writer.flag(ssid.secure_authentication);
        writer.spaces(4);
    } else {
        writer.spaces(5);
    }
    writer.alnum("SSIDUSER", ssid.user_data, 8);
    writer.carriage_return();
    return writer.take();
}

Ssid decode_ssid(FieldReader& reader) {
    Ssid ssid;
    const char level_digit = reader.character("SSIDLEV");
    const auto level = level_from_code(level_digit);
    if (!level) {
        reader.fail(EsidReason::mode_or_capabilities_incompatible, "SSIDLEV",
                    "unknown protocol release level '" +
                        printable(std::string_view(&level_digit, 1)) + "'");
    }
    if (level_digit > '5') {
        reader.deviation("SSIDLEV", std::string("level '") + level_digit +
                                        "' is newer than 2.0 and is read as 2.0");
    }
    ssid.level = *level;
    ssid.code_id = reader.alnum("SSIDCODE", 25);
    ssid.password = reader.alnum("SSIDPSWD", 8, Charset::password);
    ssid.buffer_size = static_cast<std::uint32_t>(reader.numeric("SSIDSDEB", 5));
    if (ssid.buffer_size < 128) {
        reader.fail(EsidReason::command_contained_invalid_data, "SSIDSDEB",
                    "buffer size " + std::to_string(ssid.buffer_size) + " is below 128");
    }
    ssid.capability = read_capability(reader);
    ssid.buffer_compression = reader.flag("SSIDCMPR");
    ssid.restart = reader.flag("SSIDREST");
    ssid.special_logic = reader.flag("SSIDSPEC");
    ssid.credit = static_cast<std::uint16_t>(reader.numeric("SSIDCRED", 3));
    if (ssid.credit == 0) {
        reader.fail(EsidReason::command_contained_invalid_data, "SSIDCRED", "credit 0");
    }
    if (has_secure_authentication(ssid.level)) {
        ssid.secure_authentication = reader.flag("SSIDAUTH");
        reader.reserved("SSIDRSV1", 4);
    } else {
        reader.reserved("SSIDRSV1", 5);
    }
    ssid.user_data = reader.alnum("SSIDUSER", 8, Charset::any_printable);
    reader.carriage_return("SSIDCR");
    reader.end();
    return ssid;
}

// RFC 5024 5.3.11; RFC 2204 5.3.11 (1.x: no reason text)
Bytes encode_command(const Esid& esid, ProtocolLevel level) {
    FieldWriter writer(Esid::code, Esid::name);
    writer.numeric("ESIDREAS", static_cast<std::uint8_t>(esid.reason), 2);
    if (is_v2(level)) {
        writer.text("ESIDREASL", esid.reason_text);
    }
    writer.carriage_return();
    return writer.take();
}

// Liberal in both directions: a 2.0 peer that sends the 1.x layout still tells us why it
// ended the session, and a 2.0 layout at 1.x is read (its text goes into the deviation, as
// the 1.x command has no field for it).
Esid decode_esid(FieldReader& reader, ProtocolLevel level) {
    Esid esid;
    esid.reason = static_cast<EsidReason>(reader.numeric("ESIDREAS", 2));
    if (!is_defined(esid.reason, level)) {
        reader.deviation("ESIDREAS", "reason " + name(esid.reason) + " at level " +
                                         std::string(level_name(level)));
    }
    const bool v2_layout = reader.remaining() > 1;
    if (is_v2(level) && !v2_layout) {
        reader.deviation("ESIDREASL", "missing (the 1.x layout)");
    } else if (is_v2(level)) {
        esid.reason_text = reader.text("ESIDREASL", "ESIDREAST");
    } else if (v2_layout) {
        const std::string text = reader.text("ESIDREASL", "ESIDREAST");
        reader.deviation("ESIDREAST", "the 2.0 layout at level " +
                                          std::string(level_name(level)) +
                                          ", reason text '" + printable(text) + "'");
    }
    reader.carriage_return("ESIDCR");
    reader.end();
    return esid;
}

// RFC 5024 5.3.12, 5.3.15, 5.3.16: the command octet alone.
Bytes encode_command(const Cd&, ProtocolLevel) { return FieldWriter(Cd::code, Cd::name).take(); }
Bytes encode_command(const Rtr&, ProtocolLevel) { return FieldWriter(Rtr::code, Rtr::name).take(); }
Bytes encode_command(const Secd&, ProtocolLevel) {
    return FieldWriter(Secd::code, Secd::name).take();
}

// RFC 5024 5.3.17
Bytes encode_command(const Auch& auch, ProtocolLevel) {
    FieldWriter writer(Auch::code, Auch::name);
    writer.binary_with_length("AUCHCHLL", auch.challenge);
    return writer.take();
}

Auch decode_auch(FieldReader& reader) {
    Auch auch;
    auch.challenge = reader.binary_with_length("AUCHCHLL", "AUCHCHAL");
    reader.end();
    return auch;
}

// RFC 5024 5.3.18
Bytes encode_command(const Aurp& aurp, ProtocolLevel) {
    FieldWriter writer(Aurp::code, Aurp::name);
    writer.raw(aurp.response);
    return writer.take();
}

Aurp decode_aurp(FieldReader& reader) {
    Aurp aurp;
    const Bytes response = reader.binary("AURPRSP", aurp.response.size());
    std::copy(response.begin(), response.end(), aurp.response.begin());
    reader.end();
    return aurp;
}

}  // namespace wharf::oftp::detail
