// Internal: one encoder and one decoder per command, grouped by phase
// (codec_session.cpp, codec_file.cpp, codec_response.cpp); codec.cpp dispatches to them.
// Decoders start after the command octet and check that the buffer ends where the layout does.
#pragma once

#include "protocols/oftp/commands.hpp"
#include "protocols/oftp/detail/fields.hpp"

namespace wharf::oftp::detail {

// Start session phase and session end.
Bytes encode_command(const Ssrm& command, ProtocolLevel level);
Bytes encode_command(const Ssid& command, ProtocolLevel level);
Bytes encode_command(const Esid& command, ProtocolLevel level);
Bytes encode_command(const Cd& command, ProtocolLevel level);
Bytes encode_command(const Rtr& command, ProtocolLevel level);
Bytes encode_command(const Secd& command, ProtocolLevel level);
Bytes encode_command(const Auch& command, ProtocolLevel level);
Bytes encode_command(const Aurp& command, ProtocolLevel level);
Ssrm decode_ssrm(FieldReader& reader);
Ssid decode_ssid(FieldReader& reader);
Esid decode_esid(FieldReader& reader, ProtocolLevel level);
Auch decode_auch(FieldReader& reader);
Aurp decode_aurp(FieldReader& reader);

// Start file, data transfer and end file phases.
Bytes encode_command(const Sfid& command, ProtocolLevel level);
Bytes encode_command(const Sfpa& command, ProtocolLevel level);
Bytes encode_command(const Sfna& command, ProtocolLevel level);
Bytes encode_command(const Data& command, ProtocolLevel level);
Bytes encode_command(const Cdt& command, ProtocolLevel level);
Bytes encode_command(const Efid& command, ProtocolLevel level);
Bytes encode_command(const Efpa& command, ProtocolLevel level);
Bytes encode_command(const Efna& command, ProtocolLevel level);
Sfid decode_sfid(FieldReader& reader, ProtocolLevel level);
Sfpa decode_sfpa(FieldReader& reader, ProtocolLevel level);
Sfna decode_sfna(FieldReader& reader, ProtocolLevel level);
Cdt decode_cdt(FieldReader& reader);
Efid decode_efid(FieldReader& reader, ProtocolLevel level);
Efpa decode_efpa(FieldReader& reader);
Efna decode_efna(FieldReader& reader, ProtocolLevel level);

// End to end responses.
Bytes encode_command(const Eerp& command, ProtocolLevel level);
Bytes encode_command(const Nerp& command, ProtocolLevel level);
Eerp decode_eerp(FieldReader& reader, ProtocolLevel level);
Nerp decode_nerp(FieldReader& reader, ProtocolLevel level);

}  // namespace wharf::oftp::detail
