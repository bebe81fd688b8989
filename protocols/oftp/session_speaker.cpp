// The speaker (RFC 5024 3.3, 4.3-4.5, 9.10 and 9.11): EERP/NERP out with RTR, offering files
// (SFID, SFPA/SFNA), DATA under the credit window, EFID with EFPA/EFNA, and giving up the turn
// (CD) or ending the session (ESID 00) when neither side has anything left.
#include "protocols/oftp/session.hpp"

#include "protocols/oftp/codec.hpp"
#include "protocols/oftp/session_files.hpp"

#include <stdexcept>

namespace wharf::oftp {

void Session::become_speaker(bool handed_over, bool solicited) {
    m_peer_just_relinquished = handed_over;
    m_solicited_turn = solicited;
    speaker_idle();
}

// IDLESP: queued end responses first, then the driver picks the next file or ends the turn.
void Session::speaker_idle() {
    m_state = State::idlesp;
    m_turn_offered = false;
    if (send_next_end_response()) {
        return;
    }
    if (!m_parameters->we_send) {
        finish_turn();  // the agreed capabilities leave us nothing to offer
        return;
    }
    m_turn_offered = true;
    emit(SpeakerTurn{});
}

bool Session::send_next_end_response() {
    while (!m_pending_responses.empty()) {
        EndResponse response = std::move(m_pending_responses.front());
        m_pending_responses.pop_front();
        if (std::holds_alternative<Nerp>(response) && !has_nerp(m_level)) {
            emit(EndResponseNotSent{std::move(response),
                                    "NERP needs level 1.4, the session runs " +
                                        std::string(level_name(m_level))});
            continue;
        }
        Bytes encoded;
        try {
            encoded = std::visit([&](const auto& r) { return encode(r, m_level); }, response);
        } catch (const std::exception& error) {
            emit(EndResponseNotSent{std::move(response), error.what()});
            continue;
        }
        append_stream_buffer(m_output, encoded);
        m_response_in_flight = std::move(response);
        m_peer_just_relinquished = false;
        m_state = State::wf_rtr;
        return true;
    }
    return false;
}

void Session::queue_end_response(EndResponse response) {
    m_pending_responses.push_back(std::move(response));
}

void Session::handle_rtr() {
    if (m_state != State::wf_rtr) {
        protocol_error(EsidReason::protocol_violation, "RTR out of sequence");
    }
    emit(EndResponseSent{std::move(*m_response_in_flight)});
    m_response_in_flight.reset();
    speaker_idle();
}

void Session::offer_file(Sfid sfid) {
    if (!expect_state(State::idlesp, "offer_file")) {
        return;
    }
    if (!m_parameters->we_send) {
        throw std::logic_error("oftp session: offer_file but this session cannot send files");
    }
    if (!m_parameters->restart) {
        sfid.restart_position = 0;
    }
    append_stream_buffer(m_output, encode(sfid, m_level));  // throws before any change
    restart_timer();
    m_out_file = std::make_unique<OutgoingFile>();
    m_out_file->sfid = std::move(sfid);
    m_turn_offered = false;
    m_peer_just_relinquished = false;
    m_state = State::opowfc;
}

void Session::end_turn() {
    if (!expect_state(State::idlesp, "end_turn")) {
        return;
    }
    restart_timer();
    m_turn_offered = false;
    if (send_next_end_response()) {
        return;
    }
    finish_turn();
}

void Session::finish_turn() {
    // 4.6.1: the speaker may end the session only when the partner has just given up the
    // turn; if we asked for the turn ourselves (EFPA CD=Y) the partner may still have files.
    if (m_peer_just_relinquished && !m_solicited_turn) {
        send(Esid{EsidReason::normal_termination, {}});
        end_session(EsidReason::normal_termination, {}, EndedBy::us,
                    "neither side has anything more to send");
        return;
    }
    send(Cd{});
    become_listener();
    emit(DirectionChanged{false});
}

void Session::handle_sfpa(const Sfpa& sfpa) {
    if (m_state != State::opowfc) {
        protocol_error(EsidReason::protocol_violation, "SFPA out of sequence");
    }
    OutgoingFile& file = *m_out_file;
    if (sfpa.answer_count > file.sfid.restart_position) {
        protocol_error(EsidReason::protocol_violation,
                       "SFPA restart position " + std::to_string(sfpa.answer_count) +
                           " above the offered " + std::to_string(file.sfid.restart_position));
    }
    const std::uint64_t position = sfpa.answer_count;
    const bool secured = file.sfid.security != SecurityLevel::none || file.sfid.compression != 0;
    if (restart_unit(file.sfid.format, secured) == RestartUnit::blocks) {
        file.restart_units = block_restart_offset(position);
    } else {
        file.restart_records = position;
        if (file.sfid.format == RecordFormat::fixed) {
            file.restart_units = fixed_record_offset(position, file.sfid.max_record_length);
        }
    }
    file.writer.emplace(file.sfid.format, m_parameters->buffer_size, m_parameters->compression,
                        file.sfid.max_record_length);
    file.credit = m_parameters->credit;
    m_state = State::opo;
    emit(FileAccepted{file.sfid, position});
}

void Session::handle_sfna(const Sfna& sfna) {
    if (m_state != State::opowfc) {
        protocol_error(EsidReason::protocol_violation, "SFNA out of sequence");
    }
    Sfid sfid = std::move(m_out_file->sfid);
    m_out_file.reset();
    emit(FileRefused{std::move(sfid), sfna});
    speaker_idle();
}

bool Session::check_sending(const char* decision) const {
    if (!expect_state(State::opo, decision)) {
        return false;
    }
    if (m_out_file->finishing) {
        throw std::logic_error(std::string("oftp session: ") + decision + " after finish_file");
    }
    return true;
}

bool Session::wants_data() const noexcept {
    return m_state == State::opo && !m_out_file->finishing && m_out_file->credit > 0 &&
           m_out_file->writer->buffers_ready() == 0;
}

void Session::set_restart_units(std::uint64_t units) {
    if (!check_sending("set_restart_units")) {
        return;
    }
    if (m_out_file->data_written) {
        throw std::logic_error("oftp session: set_restart_units after data");
    }
    m_out_file->restart_units = units;
}

void Session::write(ByteView bytes) {
    if (!check_sending("write")) {
        return;
    }
    m_out_file->writer->write(bytes);
    m_out_file->data_written = true;
    restart_timer();
    pump_data();
}

void Session::write_record(ByteView record) {
    if (!check_sending("write_record")) {
        return;
    }
    m_out_file->writer->write_record(record);
    m_out_file->data_written = true;
    restart_timer();
    pump_data();
}

void Session::finish_file() {
    if (!check_sending("finish_file")) {
        return;
    }
    m_out_file->finishing = true;
    m_out_file->writer->finish();
    restart_timer();
    pump_data();
}

// Sends what the credit allows; after the last buffer of a finished file, EFID (which needs
// no credit, 5.3.2 SSIDCRED: "zeroed by EFID").
void Session::pump_data() {
    OutgoingFile& file = *m_out_file;
    while (file.credit > 0) {
        const std::optional<Bytes> buffer = file.writer->take_buffer();
        if (!buffer) {
            break;
        }
        append_stream_buffer(m_output, *buffer);
        --file.credit;
    }
    if (file.finishing && file.writer->done()) {
        const bool records = has_records(file.sfid.format);
        file.end = Efid{records ? file.restart_records + file.writer->records() : 0,
                        file.restart_units + file.writer->octets()};
        send(file.end);
        file.credit = 0;
        m_state = State::clop;
    }
}

void Session::handle_cdt() {
    if (m_state == State::clop) {
        return;  // the listener's credit crossed our EFID; nothing left to send with it
    }
    if (m_state != State::opo) {
        protocol_error(EsidReason::protocol_violation, "CDT out of sequence");
    }
    if (m_out_file->credit > 0) {
        emit(PeerDeviation{"CDT", {"CDT", "credit sent while " +
                                              std::to_string(m_out_file->credit) +
                                              " buffers of the window were unused"}});
    }
    m_out_file->credit = m_parameters->credit;
    pump_data();
    if (wants_data()) {
        emit(DataWanted{});
    }
}

void Session::handle_efpa(const Efpa& efpa) {
    if (m_state != State::clop) {
        protocol_error(EsidReason::protocol_violation, "EFPA out of sequence");
    }
    FileSent sent{std::move(m_out_file->sfid), m_out_file->end, efpa.change_direction};
    m_out_file.reset();
    emit(std::move(sent));
    if (efpa.change_direction) {
        send(Cd{});
        become_listener();
        emit(DirectionChanged{false});
        return;
    }
    speaker_idle();
}

void Session::handle_efna(const Efna& efna) {
    if (m_state != State::clop) {
        protocol_error(EsidReason::protocol_violation, "EFNA out of sequence");
    }
    FileEndRefused refused{std::move(m_out_file->sfid), m_out_file->end, efna};
    m_out_file.reset();
    emit(std::move(refused));
    speaker_idle();
}

}  // namespace wharf::oftp
