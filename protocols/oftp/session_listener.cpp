// The listener (RFC 5024 3.3, 4.3-4.5 and 9.12): files offered (SFID answered SFPA/SFNA by the
// driver), DATA under the credit window with back-pressure (CDT only once the driver has
// written what arrived), EFID checked against what arrived, EERP/NERP answered with RTR, and
// the turn taken over by CD.
#include "protocols/oftp/session.hpp"

#include "protocols/oftp/session_files.hpp"

#include <stdexcept>

namespace wharf::oftp {

void Session::become_listener() {
    m_state = State::idleli;
    m_peer_just_relinquished = false;
    m_solicited_turn = false;
}

void Session::handle_sfid(const Sfid& sfid) {
    if (m_state != State::idleli) {
        protocol_error(EsidReason::protocol_violation, "SFID out of sequence");
    }
    // 9.12 P1: an SFID we cannot take by the agreed mode or restart is invalid.
    if (!m_parameters->we_receive) {
        protocol_error(EsidReason::protocol_violation,
                       "SFID although the agreed capabilities do not let us receive");
    }
    if (sfid.restart_position > 0 && !m_parameters->restart) {
        protocol_error(EsidReason::protocol_violation,
                       "SFID with restart position " + std::to_string(sfid.restart_position) +
                           " although restart was not agreed");
    }
    m_in_file = std::make_unique<IncomingFile>();
    m_in_file->sfid = sfid;
    m_state = State::opiwfr;
    emit(FileOffered{sfid});
}

void Session::accept_file(std::uint64_t restart_position,
                          std::optional<std::uint64_t> restart_units) {
    if (!expect_state(State::opiwfr, "accept_file")) {
        return;
    }
    IncomingFile& file = *m_in_file;
    if (restart_position > file.sfid.restart_position) {
        throw std::logic_error("oftp session: accept_file restart position " +
                               std::to_string(restart_position) + " above SFIDREST " +
                               std::to_string(file.sfid.restart_position));
    }
    const bool secured = file.sfid.security != SecurityLevel::none || file.sfid.compression != 0;
    if (restart_unit(file.sfid.format, secured) == RestartUnit::blocks) {
        file.restart_units = block_restart_offset(restart_position);
    } else {
        file.restart_records = restart_position;
        file.restart_units = file.sfid.format == RecordFormat::fixed
                                 ? fixed_record_offset(restart_position,
                                                       file.sfid.max_record_length)
                                 : restart_units.value_or(0);
    }
    send(Sfpa{restart_position});
    restart_timer();
    file.reader.emplace(file.sfid.format, file.sfid.max_record_length,
                        m_parameters->compression);
    file.credit = m_parameters->credit;
    m_state = State::opi;
}

void Session::refuse_file(SfnaReason reason, bool retry, std::string text) {
    if (!expect_state(State::opiwfr, "refuse_file")) {
        return;
    }
    send(Sfna{reason, retry, std::move(text)});
    restart_timer();
    m_in_file.reset();
    m_state = State::idleli;
}

void Session::handle_data(const Bytes& buffer) {
    if (m_state != State::opi) {
        protocol_error(EsidReason::protocol_violation, "DATA out of sequence");
    }
    IncomingFile& file = *m_in_file;
    if (buffer.size() > m_parameters->buffer_size) {
        protocol_error(EsidReason::exchange_buffer_size_error,
                       "DATA buffer of " + std::to_string(buffer.size()) +
                           " octets above the agreed " + std::to_string(m_parameters->buffer_size));
    }
    if (file.credit == 0) {
        protocol_error(EsidReason::protocol_violation,
                       "DATA beyond the credit of " + std::to_string(m_parameters->credit) +
                           " buffers");
    }
    --file.credit;
    DataChunk data;
    file.reader->read(buffer, data);  // throws DataError
    ++file.data_events;
    emit(FileData{std::move(data.data), std::move(data.record_ends), data.end_of_file});
    maybe_send_credit();
}

// Note 1 of 9.12: new credit only when the speaker has none left; here also only once the
// driver has written everything that arrived, so a slow disk slows the speaker and at most one
// window of data is held.
void Session::maybe_send_credit() {
    if (m_state != State::opi || m_in_file->credit > 0 ||
        m_in_file->data_consumed < m_in_file->data_events) {
        return;
    }
    send(Cdt{});
    m_in_file->credit = m_parameters->credit;
}

void Session::data_consumed() {
    if (!m_in_file) {
        return;
    }
    restart_timer();
    m_in_file->data_consumed = m_in_file->data_taken;
    maybe_send_credit();
}

void Session::handle_efid(const Efid& efid) {
    if (m_state != State::opi) {
        protocol_error(EsidReason::protocol_violation, "EFID out of sequence");
    }
    IncomingFile& file = *m_in_file;
    const bool records = has_records(file.sfid.format);
    const std::uint64_t records_received =
        records ? file.restart_records + file.reader->records() : 0;
    const std::uint64_t units_received = file.restart_units + file.reader->octets();
    std::optional<EfnaReason> problem;
    std::string why;
    if (records && (efid.record_count != records_received ||
                    file.reader->partial_record_length() != 0)) {
        problem = EfnaReason::invalid_record_count;
        why = "EFID says " + std::to_string(efid.record_count) + " records, " +
              std::to_string(records_received) + " arrived";
    } else if (efid.unit_count != units_received) {
        problem = EfnaReason::invalid_byte_count;
        why = "EFID says " + std::to_string(efid.unit_count) + " octets, " +
              std::to_string(units_received) + " arrived";
    } else if (!records && efid.record_count != 0) {
        emit(PeerDeviation{"EFID", {"EFIDRCNT", "record count " +
                                                   std::to_string(efid.record_count) +
                                                   " for a file without records"}});
    }
    FileEnded ended{file.sfid, efid, records_received, units_received, problem};
    if (problem) {
        send(Efna{*problem, why});
        m_in_file.reset();
        m_state = State::idleli;
    } else {
        file.end = efid;
        m_state = State::clipwfr;
    }
    emit(std::move(ended));
}

void Session::accept_file_end(bool change_direction) {
    if (!expect_state(State::clipwfr, "accept_file_end")) {
        return;
    }
    send(Efpa{change_direction});
    restart_timer();
    m_in_file.reset();
    m_state = change_direction ? State::wf_cd : State::idleli;
}

void Session::refuse_file_end(EfnaReason reason, std::string text) {
    if (!expect_state(State::clipwfr, "refuse_file_end")) {
        return;
    }
    send(Efna{reason, std::move(text)});
    restart_timer();
    m_in_file.reset();
    m_state = State::idleli;
}

void Session::handle_cd() {
    if (m_state != State::idleli && m_state != State::wf_cd) {
        protocol_error(EsidReason::protocol_violation, "CD out of sequence");
    }
    const bool solicited = m_state == State::wf_cd;
    emit(DirectionChanged{true});
    become_speaker(true, solicited);
}

void Session::handle_end_response(EndResponse response) {
    if (m_state != State::idleli) {
        protocol_error(EsidReason::protocol_violation,
                       std::string(std::holds_alternative<Eerp>(response) ? "EERP" : "NERP") +
                           " out of sequence");
    }
    m_response_received = response;
    m_state = State::wf_rtr_rs;
    emit(EndResponseReceived{std::move(response)});
}

void Session::acknowledge_end_response() {
    if (!expect_state(State::wf_rtr_rs, "acknowledge_end_response")) {
        return;
    }
    send(Rtr{});
    restart_timer();
    m_response_received.reset();
    m_state = State::idleli;
}

}  // namespace wharf::oftp
