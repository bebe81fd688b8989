// Command exchange buffers: encode a command for a protocol level, decode one the peer sent.
// An exchange buffer here is what the Stream Transmission Header frames (stream_buffer.hpp):
// the command octet and its fields, no STH. Stateless; safe to call from any thread.
//
//   Bytes out = oftp::encode(oftp::Cd{}, level);
//   oftp::Decoded in = oftp::decode(buffer, level);   // throws oftp::DecodeError
//   for (const auto& d : in.deviations) log_warning(d.describe());
//   std::visit(handler, in.command);
//
// DATA buffers decode to oftp::Data with their sub-records raw; read those with
// oftp::DataReader (data_buffer.hpp). On the hot path a session may hand a buffer whose first
// octet is 'D' straight to its DataReader and skip the copy decode() makes.
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/commands.hpp"
#include "protocols/oftp/errors.hpp"
#include "protocols/oftp/level.hpp"

#include <vector>

namespace wharf::oftp {

// The command, and what the peer got wrong in ways we accept (empty when it followed the RFC).
struct Decoded {
    Command command;
    std::vector<Deviation> deviations;
};

// The exchange buffer for `command` at `level` (SSID and SSRM: at the SSID's own level; their
// layout does not depend on a negotiated one).
// Strings are space-padded, numbers zero-padded; 2.0-only informational fields (SFIDOSIZ,
// SFIDDESC, reason texts) are left out below 2.0.
// Throws std::invalid_argument for a command the level lacks (NERP below 1.4, SECD/AUCH/AURP
// below 2.0), a string longer than its field or with octets outside printable ASCII, a number
// wider than its field, a 1.x date outside 1970-2069, file security (SFIDSEC/CIPH/COMP/ENV/SIGN,
// EERP/NERP hash or signature) below 2.0, or a text, hash or signature beyond its length field.
[[nodiscard]] Bytes encode(const Command& command, ProtocolLevel level);

// Decodes one command exchange buffer received at the negotiated `level` (before negotiation,
// the level we offered: only SSRM, SSID, ESID can arrive then, and SSID is read at its own
// SSIDLEV). Liberal where harmless (see Deviation and the README's list); anything else throws
// DecodeError with the ESID reason that fits:
//   01 command not recognised: an empty buffer, an unknown code, or one `level` lacks;
//   07 exchange buffer size error: the buffer is shorter or longer than the layout;
//   06 command contained invalid data: a field that cannot be read (not a number, a flag that
//      is neither Y nor N, a control character in a string, an unknown SSIDLEV or SFIDFMT, a
//      buffer size below 128 or a credit of 0).
[[nodiscard]] Decoded decode(ByteView buffer, ProtocolLevel level);

// The deviations decode() would report for `command` as we are about to send it: use it to
// stay strict in what we send (names from configuration or files, say).
[[nodiscard]] std::vector<Deviation> check_outgoing(const Command& command, ProtocolLevel level);

}  // namespace wharf::oftp
