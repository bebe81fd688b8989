// Internal to the session engine (session*.cpp): the file being sent or received. Not a public
// header; the daemon includes session.hpp only.
#pragma once

#include "protocols/oftp/session.hpp"

#include <cstdint>
#include <optional>

namespace wharf::oftp {

struct Session::OutgoingFile {
    Sfid sfid;
    std::optional<DataWriter> writer;  // from SFPA on
    std::uint32_t credit = 0;          // DATA buffers we may still send before CDT
    std::uint64_t restart_records = 0;  // totals before the restart point (EFID counts totals)
    std::uint64_t restart_units = 0;
    bool data_written = false;
    bool finishing = false;  // finish_file() came; EFID follows the last buffer
    Efid end;                // the EFID sent
};

struct Session::IncomingFile {
    Sfid sfid;
    std::optional<DataReader> reader;  // from SFPA on
    std::uint32_t credit = 0;          // DATA buffers the speaker may still send
    std::uint64_t restart_records = 0;
    std::uint64_t restart_units = 0;
    std::uint64_t data_events = 0;     // FileData events produced for this file
    std::uint64_t data_taken = 0;      // ... handed out by next_event()
    std::uint64_t data_consumed = 0;   // ... the driver has written
    std::optional<Efid> end;           // EFID while the driver decides
};

}  // namespace wharf::oftp
