// End to end responses: EERP (every level) and NERP (1.4 on).
#include "protocols/oftp/detail/command_codecs.hpp"

namespace wharf::oftp::detail {

namespace {

// 2.0 adds a hash and a signature behind binary lengths; a 2.0 peer that stops before them
// (the 1.4 layout) is let through without either.
bool has_v2_tail(FieldReader& reader, std::string_view first_field, ProtocolLevel level) {
    if (!is_v2(level)) {
        return false;
    }
    if (reader.remaining() == 0) {
        reader.deviation(first_field, "missing (the 1.4 layout)");
        return false;
    }
    return true;
}

}  // namespace

// RFC 5024 5.3.13; RFC 2204 5.3.13 (1.2/1.3: 9 reserved octets, YYMMDD, HHMMSS)
Bytes encode_command(const Eerp& eerp, ProtocolLevel level) {
    FieldWriter writer(Eerp::code, Eerp::name);
    writer.alnum("EERPDSN", eerp.dataset_name, 26);
    writer.spaces(has_extended_timestamps(level) ? 3 : 9);
    writer.stamp(eerp.stamp, level, "EERPDATE", "EERPTIME");
    writer.alnum("EERPUSER", eerp.user_data, 8);
    writer.alnum("EERPDEST", eerp.destination, 25);
    writer.alnum("EERPORIG", eerp.originator, 25);
    if (is_v2(level)) {
        writer.binary_with_length("EERPHSHL", eerp.hash);
        writer.binary_with_length("EERPSIGL", eerp.signature);
    } else if (!eerp.hash.empty() || !eerp.signature.empty()) {
        writer.reject("EERPHSH", "hashes and signatures need level 2.0");
    }
    return writer.take();
}

Eerp decode_eerp(FieldReader& reader, ProtocolLevel level) {
    Eerp eerp;
    eerp.dataset_name = reader.alnum("EERPDSN", 26);
    reader.reserved("EERPRSV1", has_extended_timestamps(level) ? 3 : 9);
    eerp.stamp = reader.stamp(level, "EERPDATE", "EERPTIME");
    eerp.user_data = reader.alnum("EERPUSER", 8, Charset::any_printable);
    eerp.destination = reader.alnum("EERPDEST", 25);
    eerp.originator = reader.alnum("EERPORIG", 25);
    if (has_v2_tail(reader, "EERPHSHL", level)) {
        eerp.hash = reader.binary_with_length("EERPHSHL", "EERPHSH");
        eerp.signature = reader.binary_with_length("EERPSIGL", "EERPSIG");
    }
    reader.end();
    return eerp;
}

// RFC 5024 5.3.14 (the 1.4 command ends after NERPREAS)
Bytes encode_command(const Nerp& nerp, ProtocolLevel level) {
    FieldWriter writer(Nerp::code, Nerp::name);
    writer.alnum("NERPDSN", nerp.dataset_name, 26);
    writer.spaces(6);
    writer.stamp(nerp.stamp, level, "NERPDATE", "NERPTIME");
    writer.alnum("NERPDEST", nerp.destination, 25);
    writer.alnum("NERPORIG", nerp.originator, 25);
    writer.alnum("NERPCREA", nerp.creator, 25);
    writer.numeric("NERPREAS", static_cast<std::uint8_t>(nerp.reason), 2);
    if (is_v2(level)) {
        writer.text("NERPREASL", nerp.reason_text);
        writer.binary_with_length("NERPHSHL", nerp.hash);
        writer.binary_with_length("NERPSIGL", nerp.signature);
    } else if (!nerp.hash.empty() || !nerp.signature.empty()) {
        writer.reject("NERPHSH", "hashes and signatures need level 2.0");
    }
    return writer.take();
}

Nerp decode_nerp(FieldReader& reader, ProtocolLevel level) {
    Nerp nerp;
    nerp.dataset_name = reader.alnum("NERPDSN", 26);
    reader.reserved("NERPRSV1", 6);
    nerp.stamp = reader.stamp(level, "NERPDATE", "NERPTIME");
    nerp.destination = reader.alnum("NERPDEST", 25);
    nerp.originator = reader.alnum("NERPORIG", 25);
    nerp.creator = reader.alnum("NERPCREA", 25);
    nerp.reason = static_cast<NerpReason>(reader.numeric("NERPREAS", 2));
    if (!is_defined(nerp.reason, level)) {
        reader.deviation("NERPREAS", "reason " + name(nerp.reason) + " is not defined");
    }
    if (has_v2_tail(reader, "NERPREASL", level)) {
        nerp.reason_text = reader.text("NERPREASL", "NERPREAST");
        nerp.hash = reader.binary_with_length("NERPHSHL", "NERPHSH");
        nerp.signature = reader.binary_with_length("NERPSIGL", "NERPSIG");
    }
    reader.end();
    return nerp;
}

}  // namespace wharf::oftp::detail
