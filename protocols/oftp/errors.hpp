// What the OFTP codec reports about the peer's input: typed errors, each carrying the ESID
// reason the session should end with, and the harmless deviations it let through.
//
// Everything here is about peer input. Our own misuse (encoding a value that does not fit its
// field, a command the level lacks) throws std::invalid_argument or std::length_error instead.
#pragma once

#include "protocols/oftp/reasons.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::oftp {

// Base of every peer-input error: what() is the text for the log and for ESIDREAST, reason()
// the ESID code that fits.
class ProtocolError : public std::runtime_error {
public:
    ProtocolError(EsidReason reason, const std::string& message)
        : std::runtime_error(message), m_reason(reason) {}
    [[nodiscard]] EsidReason reason() const noexcept { return m_reason; }

private:
    EsidReason m_reason;
};

// A command exchange buffer that does not decode. reason() is 01 for an unknown command code
// (or one the negotiated level lacks), 07 when the length does not match the command's layout,
// 06 when a field holds invalid data. what() reads "SFID: SFIDDATE: '2024AB01' is not a number".
class DecodeError : public ProtocolError {
public:
    DecodeError(EsidReason reason, std::string command, std::string field,
                const std::string& problem)
        : ProtocolError(reason, compose(command, field, problem)),
          m_command(std::move(command)),
          m_field(std::move(field)) {}
    // "SFID"; "?" when the command code is unknown.
    [[nodiscard]] const std::string& command() const noexcept { return m_command; }
    // "SFIDDATE"; empty when the problem is not one field's (unknown code, trailing octets).
    [[nodiscard]] const std::string& field() const noexcept { return m_field; }

private:
    static std::string compose(const std::string& command, const std::string& field,
                               const std::string& problem) {
        return command + ": " + (field.empty() ? "" : field + ": ") + problem;
    }

    std::string m_command;
    std::string m_field;
};

// The Stream Transmission Header is broken (section 8.2); the stream cannot be resynchronised.
class FramingError : public ProtocolError {
public:
    enum class Kind { bad_version, bad_flags, too_short, too_long };
    FramingError(Kind kind, EsidReason reason, const std::string& message)
        : ProtocolError(reason, message), m_kind(kind) {}
    [[nodiscard]] Kind kind() const noexcept { return m_kind; }

private:
    Kind m_kind;
};

// A DATA exchange buffer whose sub-records do not decode (section 7), or a record that breaks
// the file's limits.
class DataError : public ProtocolError {
public:
    enum class Kind {
        not_data,                    // the buffer does not start with 'D'
        subrecord_past_end,          // a header counts more octets than the buffer holds
        compressed_octet_missing,    // a compressed sub-record's octet is past the end
        empty_compressed_subrecord,  // compression flag with count 0
        compression_not_negotiated,  // compression flag although SSIDCMPR was not agreed
        record_too_long,             // a record above SFIDLRECL (or a V header above it)
    };
    DataError(Kind kind, EsidReason reason, const std::string& message)
        : ProtocolError(reason, message), m_kind(kind) {}
    [[nodiscard]] Kind kind() const noexcept { return m_kind; }

private:
    Kind m_kind;
};

// Something the peer got wrong in a way we can live with (RFC 5024 8.2: "liberal in what is
// accepted"): lower case in a dataset name, a missing carriage return, a reserved field that is
// not blank. The session logs them (oftp.deviation) and carries on.
struct Deviation {
    std::string field;  // "SFIDDSN", or the command name when no single field is meant
    std::string what;   // "lower case letters in 'invoice.txt'"

    bool operator==(const Deviation&) const = default;
    // "SFIDDSN: lower case letters in 'invoice.txt'"
    [[nodiscard]] std::string describe() const { return field + ": " + what; }
};

}  // namespace wharf::oftp
