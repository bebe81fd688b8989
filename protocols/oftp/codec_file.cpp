// Start file, data transfer and end file phases: SFID, SFPA, SFNA, DATA, CDT, EFID, EFPA, EFNA.
#include "protocols/oftp/detail/command_codecs.hpp"

namespace wharf::oftp::detail {

namespace {

RecordFormat read_format(FieldReader& reader) {
    const char c = reader.character("SFIDFMT");
    if (const auto format = record_format_from_code(c)) {
        return *format;
    }
    if (c >= 'a' && c <= 'z') {
        if (const auto format = record_format_from_code(static_cast<char>(c - 'a' + 'A'))) {
            reader.deviation("SFIDFMT", "lower case file format");
            return *format;
        }
    }
    reader.fail(EsidReason::command_contained_invalid_data, "SFIDFMT",
                "'" + printable(std::string_view(&c, 1)) + "' is not F, V, U or T");
}

bool secured(const Sfid& sfid) {
    return sfid.security != SecurityLevel::none || sfid.cipher_suite != 0 ||
           sfid.compression != 0 || sfid.envelope != 0 || sfid.signed_eerp;
}

// Reason codes outside the level's table are carried, and noted.
template <class Reason>
Reason read_reason(FieldReader& reader, std::string_view field, ProtocolLevel level) {
    const auto reason = static_cast<Reason>(reader.numeric(field, 2));
    if (!is_defined(reason, level)) {
        reader.deviation(field, "reason " + name(reason) + " at level " +
                                    std::string(level_name(level)));
    }
    return reason;
}

// 2.0 reason text; a 2.0 peer that leaves the length out (the 1.x layout) is let through.
std::string read_reason_text(FieldReader& reader, std::string_view length_field,
                             std::string_view text_field, ProtocolLevel level) {
    if (!is_v2(level)) {
        return {};
    }
    if (reader.remaining() == 0) {
        reader.deviation(length_field, "missing (the 1.x layout)");
        return {};
    }
    return reader.text(length_field, text_field);
}

}  // namespace

// RFC 5024 5.3.3; RFC 2204 5.3.3 (1.2/1.3: 9 reserved octets, YYMMDD, HHMMSS; 1.4 took six of
// them for the century and the counter, so every later field keeps its position)
Bytes encode_command(const Sfid& sfid, ProtocolLevel level) {
    FieldWriter writer(Sfid::code, Sfid::name);
    const CountWidths widths = count_widths(level);
    writer.alnum("SFIDDSN", sfid.dataset_name, 26);
    writer.spaces(has_extended_timestamps(level) ? 3 : 9);
    writer.stamp(sfid.stamp, level, "SFIDDATE", "SFIDTIME");
    writer.alnum("SFIDUSER", sfid.user_data, 8);
    writer.alnum("SFIDDEST", sfid.destination, 25);
    writer.alnum("SFIDORIG", sfid.originator, 25);
    writer.character(static_cast<char>(sfid.format));
    writer.numeric("SFIDLRECL", sfid.max_record_length, 5);
    writer.numeric("SFIDFSIZ", sfid.file_size, widths.file_size);
    if (is_v2(level)) {
        writer.numeric("SFIDOSIZ", sfid.original_size, 13);
    }
    writer.numeric("SFIDREST", sfid.restart_position, widths.restart);
    if (!is_v2(level)) {
        if (secured(sfid)) {
            writer.reject("SFIDSEC", "file security, compression and signed EERPs need 2.0");
        }
        return writer.take();
    }
    writer.numeric("SFIDSEC", static_cast<std::uint8_t>(sfid.security), 2);
    writer.numeric("SFIDCIPH", sfid.cipher_suite, 2);
    writer.numeric("SFIDCOMP", sfid.compression, 1);
    writer.numeric("SFIDENV", sfid.envelope, 1);
    writer.flag(sfid.signed_eerp);
    writer.text("SFIDDESCL", sfid.description);
    return writer.take();
}

Sfid decode_sfid(FieldReader& reader, ProtocolLevel level) {
    Sfid sfid;
    const CountWidths widths = count_widths(level);
    sfid.dataset_name = reader.alnum("SFIDDSN", 26);
    reader.reserved("SFIDRSV1", has_extended_timestamps(level) ? 3 : 9);
    sfid.stamp = reader.stamp(level, "SFIDDATE", "SFIDTIME");
    sfid.user_data = reader.alnum("SFIDUSER", 8, Charset::any_printable);
    sfid.destination = reader.alnum("SFIDDEST", 25);
    sfid.originator = reader.alnum("SFIDORIG", 25);
    sfid.format = read_format(reader);
    sfid.max_record_length = static_cast<std::uint32_t>(reader.numeric("SFIDLRECL", 5));
    if (!has_records(sfid.format) && sfid.max_record_length != 0) {
        reader.deviation("SFIDLRECL", std::to_string(sfid.max_record_length) +
                                          " for a U or T file (should be 00000)");
    }
    sfid.file_size = reader.numeric("SFIDFSIZ", widths.file_size);
    if (is_v2(level)) {
        sfid.original_size = reader.numeric("SFIDOSIZ", 13);
    }
    sfid.restart_position = reader.numeric("SFIDREST", widths.restart);
    if (is_v2(level)) {
        sfid.security = static_cast<SecurityLevel>(reader.numeric("SFIDSEC", 2));
        if (static_cast<std::uint8_t>(sfid.security) > 3) {
            reader.deviation("SFIDSEC", "unknown security level " +
                                            std::to_string(static_cast<int>(sfid.security)));
        }
        sfid.cipher_suite = static_cast<std::uint8_t>(reader.numeric("SFIDCIPH", 2));
        sfid.compression = static_cast<std::uint8_t>(reader.numeric("SFIDCOMP", 1));
        sfid.envelope = static_cast<std::uint8_t>(reader.numeric("SFIDENV", 1));
        sfid.signed_eerp = reader.flag("SFIDSIGN");
        sfid.description = reader.text("SFIDDESCL", "SFIDDESC");
        if (sfid.format == RecordFormat::variable && secured(sfid) &&
            sfid.max_record_length > 65536) {
            reader.deviation("SFIDLRECL", "above 65536 for a secured or compressed V file");
        }
    }
    reader.end();
    return sfid;
}

// RFC 5024 5.3.4
Bytes encode_command(const Sfpa& sfpa, ProtocolLevel level) {
    FieldWriter writer(Sfpa::code, Sfpa::name);
    writer.numeric("SFPAACNT", sfpa.answer_count, count_widths(level).restart);
    return writer.take();
}

Sfpa decode_sfpa(FieldReader& reader, ProtocolLevel level) {
    Sfpa sfpa;
    sfpa.answer_count = reader.numeric("SFPAACNT", count_widths(level).restart);
    reader.end();
    return sfpa;
}

// RFC 5024 5.3.5
Bytes encode_command(const Sfna& sfna, ProtocolLevel level) {
    FieldWriter writer(Sfna::code, Sfna::name);
    writer.numeric("SFNAREAS", static_cast<std::uint8_t>(sfna.reason), 2);
    writer.flag(sfna.retry);
    if (is_v2(level)) {
        writer.text("SFNAREASL", sfna.reason_text);
    }
    return writer.take();
}

Sfna decode_sfna(FieldReader& reader, ProtocolLevel level) {
    Sfna sfna;
    sfna.reason = read_reason<SfnaReason>(reader, "SFNAREAS", level);
    sfna.retry = reader.flag("SFNARRTR");
    sfna.reason_text = read_reason_text(reader, "SFNAREASL", "SFNAREAST", level);
    reader.end();
    return sfna;
}

// RFC 5024 5.3.6
Bytes encode_command(const Data& data, ProtocolLevel) {
    FieldWriter writer(Data::code, Data::name);
    writer.raw(data.payload);
    return writer.take();
}

// RFC 5024 5.3.7
Bytes encode_command(const Cdt&, ProtocolLevel) {
    FieldWriter writer(Cdt::code, Cdt::name);
    writer.spaces(2);
    return writer.take();
}

Cdt decode_cdt(FieldReader& reader) {
    if (reader.remaining() == 0) {
        reader.deviation("CDTRSV1", "missing");
    } else {
        reader.reserved("CDTRSV1", 2);
    }
    reader.end();
    return {};
}

// RFC 5024 5.3.8; RFC 2204 5.3.8 (9 and 12 digits)
Bytes encode_command(const Efid& efid, ProtocolLevel level) {
    FieldWriter writer(Efid::code, Efid::name);
    const CountWidths widths = count_widths(level);
    writer.numeric("EFIDRCNT", efid.record_count, widths.record_count);
    writer.numeric("EFIDUCNT", efid.unit_count, widths.unit_count);
    return writer.take();
}

Efid decode_efid(FieldReader& reader, ProtocolLevel level) {
    Efid efid;
    const CountWidths widths = count_widths(level);
    efid.record_count = reader.numeric("EFIDRCNT", widths.record_count);
    efid.unit_count = reader.numeric("EFIDUCNT", widths.unit_count);
    reader.end();
    return efid;
}

// RFC 5024 5.3.9
Bytes encode_command(const Efpa& efpa, ProtocolLevel) {
    FieldWriter writer(Efpa::code, Efpa::name);
    writer.flag(efpa.change_direction);
    return writer.take();
}

Efpa decode_efpa(FieldReader& reader) {
    Efpa efpa;
    efpa.change_direction = reader.flag("EFPACD");
    reader.end();
    return efpa;
}

// RFC 5024 5.3.10
Bytes encode_command(const Efna& efna, ProtocolLevel level) {
    FieldWriter writer(Efna::code, Efna::name);
    writer.numeric("EFNAREAS", static_cast<std::uint8_t>(efna.reason), 2);
    if (is_v2(level)) {
        writer.text("EFNAREASL", efna.reason_text);
    }
    return writer.take();
}

Efna decode_efna(FieldReader& reader, ProtocolLevel level) {
    Efna efna;
    efna.reason = read_reason<EfnaReason>(reader, "EFNAREAS", level);
    efna.reason_text = read_reason_text(reader, "EFNAREASL", "EFNAREAST", level);
    reader.end();
    return efna;
}

}  // namespace wharf::oftp::detail
