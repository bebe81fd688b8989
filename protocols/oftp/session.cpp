// The session engine's frame: intake (STB deframing, the DATA fast path, decoding, dispatch by
// command), output, the event queue, the inactivity timer and the ways a session ends. The
// per-phase handlers live in session_setup.cpp, session_speaker.cpp and session_listener.cpp.
#include "protocols/oftp/session.hpp"

#include "protocols/oftp/codec.hpp"
#include "protocols/oftp/session_files.hpp"

#include <stdexcept>
#include <utility>

namespace wharf::oftp {

namespace {

template <class... Handlers>
struct Overloaded : Handlers... {
    using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace

std::string_view event_name(const SessionEvent& event) noexcept {
    static constexpr std::string_view kNames[] = {
        "PartnerIdentified", "SessionStarted", "SpeakerTurn",    "FileAccepted",
        "FileRefused",       "DataWanted",     "FileSent",       "FileEndRefused",
        "FileOffered",       "FileData",       "FileEnded",      "EndResponseReceived",
        "EndResponseSent",   "EndResponseNotSent", "DirectionChanged", "PeerDeviation",
        "SessionEnded"};
    static_assert(std::size(kNames) == std::variant_size_v<SessionEvent>);
    return kNames[event.index()];
}

void Session::check_limits(const SessionConfig& config) {
    if (config.buffer_size < kMinExchangeBufferSize || config.buffer_size > kMaxExchangeBufferSize) {
        throw std::invalid_argument("oftp session: buffer size " + std::to_string(config.buffer_size) +
                                    " outside 128..99999");
    }
    if (config.credit < 1 || config.credit > 999) {
        throw std::invalid_argument("oftp session: credit " + std::to_string(config.credit) +
                                    " outside 1..999");
    }
}

Session::Session(SessionConfig config, TimePoint now)
    : m_config(std::move(config)),
      m_now(now),
      m_last_activity(now),
      m_state(m_config.role == SessionRole::initiator ? State::wf_ssrm : State::wf_ssid),
      m_level(m_config.level),
      m_deframer(kMaxExchangeBufferSize) {
    check_limits(m_config);
    if (m_config.role == SessionRole::responder) {
        send_ssrm();
    }
}

Session::~Session() = default;

// --- Intake -----------------------------------------------------------------------------------

void Session::receive(ByteView bytes, TimePoint now) {
    m_now = now;
    if (ended()) {
        return;
    }
    try {
        m_deframer.feed(bytes);
        while (!ended()) {
            const std::optional<Bytes> buffer = m_deframer.next();
            if (!buffer) {
                break;
            }
            restart_timer();
            handle_buffer(*buffer);
        }
    } catch (const ProtocolError& error) {
        if (!ended()) {
            send(Esid{error.reason(), std::string(reason_text(error.reason()))});
            end_session(error.reason(), std::string(reason_text(error.reason())), EndedBy::us,
                        error.what());
        }
    }
}

void Session::handle_buffer(const Bytes& buffer) {
    // The hot path: DATA goes to the file's reader without the copy decode() makes.
    if (!buffer.empty() && buffer.front() == Data::code) {
        handle_data(buffer);
        return;
    }
    Decoded decoded = decode(buffer, m_level);
    const std::string_view command = command_name(decoded.command);
    for (Deviation& deviation : decoded.deviations) {
        emit(PeerDeviation{std::string(command), std::move(deviation)});
    }
    dispatch(decoded.command);
}

void Session::dispatch(const Command& command) {
    std::visit(
        Overloaded{
            [&](const Ssrm&) { handle_ssrm(); },
            [&](const Ssid& ssid) { handle_ssid(ssid); },
            [&](const Esid& esid) { handle_esid(esid); },
            [&](const Sfid& sfid) { handle_sfid(sfid); },
            [&](const Sfpa& sfpa) { handle_sfpa(sfpa); },
            [&](const Sfna& sfna) { handle_sfna(sfna); },
            [&](const Data&) { protocol_error(EsidReason::protocol_violation, "DATA out of place"); },
            [&](const Cdt&) { handle_cdt(); },
            [&](const Efid& efid) { handle_efid(efid); },
            [&](const Efpa& efpa) { handle_efpa(efpa); },
            [&](const Efna& efna) { handle_efna(efna); },
            [&](const Cd&) { handle_cd(); },
            [&](const Eerp& eerp) { handle_end_response(eerp); },
            [&](const Nerp& nerp) { handle_end_response(nerp); },
            [&](const Rtr&) { handle_rtr(); },
            // SECD/AUCH/AURP come with SSIDAUTH=Y, which we refuse at negotiation for now.
            [&](const auto& other) {
                protocol_error(EsidReason::protocol_violation,
                               std::string(other.name) + " but secure authentication was not agreed");
            },
        },
        command);
}

void Session::handle_esid(const Esid& esid) {
    std::string detail = "the partner ended the session: " + name(esid.reason);
    if (m_out_file || m_in_file) {
        detail += " during a file transfer";
    }
    end_session(esid.reason, esid.reason_text, EndedBy::peer, std::move(detail));
}

void Session::protocol_error(EsidReason reason, const std::string& detail) {
    throw ProtocolError(reason, detail + " (state " + std::string(name_of(m_state)) + ")");
}

// --- Output and events ------------------------------------------------------------------------

void Session::send(const Command& command) {
    append_stream_buffer(m_output, encode(command, m_level));
}

void Session::emit(SessionEvent event) { m_events.push_back(std::move(event)); }

std::optional<SessionEvent> Session::next_event() {
    if (m_events.empty()) {
        return std::nullopt;
    }
    SessionEvent event = std::move(m_events.front());
    m_events.pop_front();
    if (std::holds_alternative<FileData>(event) && m_in_file) {
        ++m_in_file->data_taken;
    }
    return event;
}

Bytes Session::take_output() { return std::exchange(m_output, Bytes{}); }

// --- Time -------------------------------------------------------------------------------------

void Session::restart_timer() noexcept { m_last_activity = m_now; }

std::optional<TimePoint> Session::next_deadline() const noexcept {
    if (ended()) {
        return std::nullopt;
    }
    return m_last_activity + m_config.inactivity_timeout;
}

void Session::on_timeout(TimePoint now) {
    m_now = now;
    const std::optional<TimePoint> deadline = next_deadline();
    if (!deadline || now < *deadline) {
        return;
    }
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(m_config.inactivity_timeout).count();
    std::string detail = "inactivity timer ran out after " + std::to_string(seconds) +
                         " s in state " + std::string(name_of(m_state));
    send(Esid{EsidReason::time_out, std::string(reason_text(EsidReason::time_out))});
    end_session(EsidReason::time_out, std::string(reason_text(EsidReason::time_out)), EndedBy::us,
                std::move(detail));
}

// --- Ending -----------------------------------------------------------------------------------

void Session::end_session(EsidReason reason, std::string text, EndedBy by, std::string detail) {
    m_state = State::ended;
    m_out_file.reset();
    m_in_file.reset();
    m_turn_offered = false;
    emit(SessionEnded{reason, std::move(text), by, std::move(detail)});
}

void Session::abort(EsidReason reason, std::string text) {
    if (ended()) {
        return;
    }
    if (text.empty()) {
        text = std::string(reason_text(reason));
    }
    send(Esid{reason, text});
    end_session(reason, text, EndedBy::us, "ended locally: " + name(reason));
}

void Session::connection_lost() {
    if (ended()) {
        return;
    }
    end_session(EsidReason::unspecified_abort, {}, EndedBy::network,
                "connection closed without ESID in state " + std::string(name_of(m_state)));
}

// --- State ------------------------------------------------------------------------------------

bool Session::ended() const noexcept { return m_state == State::ended; }

bool Session::is_speaker() const noexcept {
    switch (m_state) {
        case State::idlesp:
        case State::wf_rtr:
        case State::opowfc:
        case State::opo:
        case State::clop:
            return true;
        default:
            return false;
    }
}

bool Session::expect_state(State state, const char* decision) const {
    if (m_state == State::ended) {
        return false;  // events queued before the end may still be answered: harmless
    }
    if (m_state != state) {
        throw std::logic_error(std::string("oftp session: ") + decision + " in state " +
                               std::string(name_of(m_state)));
    }
    return true;
}

std::string_view Session::state_name() const noexcept { return name_of(m_state); }

std::string_view Session::name_of(State state) noexcept {
    switch (state) {
        case State::wf_ssrm: return "WF_SSRM";
        case State::wf_ssid: return "WF_SSID";
        case State::i_wf_ssid: return "I_WF_SSID";
        case State::wf_partner_rs: return "WF_F_CONNECT_RS";
        case State::idlesp: return "IDLESP";
        case State::wf_rtr: return "WF_RTR";
        case State::opowfc: return "OPOWFC";
        case State::opo: return "OPO";
        case State::clop: return "CLOP";
        case State::idleli: return "IDLELI";
        case State::wf_rtr_rs: return "WF_F_RTR_RS";
        case State::opiwfr: return "OPIWFR";
        case State::opi: return "OPI";
        case State::clipwfr: return "CLIPWFR";
        case State::wf_cd: return "WF_CD";
        case State::ended: return "IDLE";
    }
    return "?";
}

}  // namespace wharf::oftp
