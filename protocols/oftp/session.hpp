// The OFTP session engine (RFC 5024 sections 3, 4 and 9; RFC 2204 for 1.x): one ODETTE-FTP
// session, initiator or responder, speaker or listener, as a sans-I/O state machine. Stream
// bytes in (any split), STB-framed bytes out, events out, the driver's decisions in, time passed
// in. No socket, thread, clock, file or log of its own.
//
// Driving it, after every input (bytes, a decision, a timer):
//
//   oftp::Session session(config, now);             // a responder queues SSRM at once
//   session.receive(bytes_from_socket, now);        // any split of the stream
//   while (auto event = session.next_event()) { ... }
//   write(session.take_output());
//   arm_timer(session.next_deadline());             // on expiry: session.on_timeout(now)
//   once session.ended() and the output is written: close the connection.
//
// Events that ask for a decision, and the answers:
//   PartnerIdentified    accept_partner() / refuse_partner()
//   SpeakerTurn          offer_file() / end_turn()
//   FileAccepted, DataWanted   write() or write_record() while wants_data(), then finish_file()
//   FileOffered          accept_file() / refuse_file()
//   FileData             data_consumed() once written
//   FileEnded            accept_file_end() / refuse_file_end()
//   EndResponseReceived  acknowledge_end_response()
//
// Peer input never throws out of receive(): a broken stream, a command out of sequence, a
// credit violation, an oversize buffer or a bad field sends ESID with the reason that fits and
// ends the session (a SessionEnded event says why). Decisions called in the wrong state are the
// driver's bug (RFC 9.2 "User Error") and throw std::logic_error without changing anything;
// once the session has ended they do nothing (events queued before the end may still be
// answered).
//
// Files: session.cpp (intake, output, events, timers, ending), session_setup.cpp (SSRM, SSID,
// negotiation), session_speaker.cpp (offering and sending files, EERP/NERP out, CD out),
// session_listener.cpp (receiving files, credit, EERP/NERP in, CD in).
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/commands.hpp"
#include "protocols/oftp/data_buffer.hpp"
#include "protocols/oftp/errors.hpp"
#include "protocols/oftp/stream_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wharf::oftp {

using SessionClock = std::chrono::steady_clock;
using TimePoint = SessionClock::time_point;

enum class SessionRole { initiator, responder };

// What we put in our SSID and what we can do (RFC 9.7 local constants).
struct SessionConfig {
    SessionRole role = SessionRole::initiator;
    ProtocolLevel level = ProtocolLevel::v2_0;  // the highest level we offer
    std::string ssid_code;                      // SSIDCODE: our identification code
    std::string password;                       // SSIDPSWD: what we prove ourselves with
    std::string user_data;                      // SSIDUSER
    std::uint32_t buffer_size = kMaxExchangeBufferSize;  // SSIDSDEB, 128..99999
    std::uint16_t credit = 99;                  // SSIDCRED, 1..999
    bool compression = true;                    // SSIDCMPR
    bool restart = true;                        // SSIDREST
    Capability capability = Capability::both;   // SSIDSR
    // The inactivity timer (RFC 4.7.2, 9.9): restarted by every buffer from the peer and every
    // decision of the driver; when it runs out the session ends with ESID 09.
    std::chrono::milliseconds inactivity_timeout = std::chrono::seconds(120);
};

// What both SSIDs agreed.
struct SessionParameters {
    ProtocolLevel level = ProtocolLevel::v2_0;
    std::uint32_t buffer_size = 0;
    std::uint16_t credit = 0;
    bool compression = false;
    bool restart = false;
    bool we_send = true;     // our capability and the partner's allow us to send files
    bool we_receive = true;  // ... to receive them
};

using EndResponse = std::variant<Eerp, Nerp>;

enum class EndedBy { us, peer, network };

// --- Events --------------------------------------------------------------------------------

// The partner's SSID arrived: answer accept_partner() or refuse_partner() (ESID 03 unknown user
// code, 04 invalid password, ...). The password is the partner's secret: never log it.
struct PartnerIdentified {
    Ssid ssid;
};
// Both SSIDs are exchanged: the session is up.
struct SessionStarted {
    Ssid partner;
    SessionParameters parameters;
    bool we_speak_first = false;
};
// We are the idle speaker: answer offer_file() or end_turn(). Not asked when the agreed
// capabilities do not let us send files: the turn then passes (or the session ends) by itself.
struct SpeakerTurn {};
// The listener took our file (SFPA): seek the source to `restart_position` (records for F/V,
// KiB blocks for U/T) and write from there.
struct FileAccepted {
    Sfid sfid;
    std::uint64_t restart_position = 0;
};
// The listener refused our file (SFNA); we are the idle speaker again.
struct FileRefused {
    Sfid sfid;
    Sfna answer;
};
// Credit came back (CDT): the engine wants more file data.
struct DataWanted {};
// EFPA: the listener has the whole file. With change_direction the engine has sent CD and we
// are the listener now.
struct FileSent {
    Sfid sfid;
    Efid counts;
    bool change_direction = false;
};
// EFNA: the listener refused the file at its end.
struct FileEndRefused {
    Sfid sfid;
    Efid counts;
    Efna answer;
};
// SFID: the speaker offers a file: answer accept_file() or refuse_file().
struct FileOffered {
    Sfid sfid;
};
// One DATA buffer's content. Call data_consumed() once it is written: credit goes back to the
// speaker only after that.
struct FileData {
    Bytes data;
    std::vector<std::size_t> record_ends;  // F/V: offsets in `data` where a record ended
    bool end_of_file = false;              // U/T: the end-of-file flag was seen
};
// EFID: the speaker says the file is complete. Without count_problem answer accept_file_end()
// once the file is safe, or refuse_file_end(); with it the engine has sent EFNA already (the
// counts do not match what arrived) and the file must be discarded.
struct FileEnded {
    Sfid sfid;
    Efid counts;                     // what the speaker's EFID said
    std::uint64_t records_received;  // totals (restart base included) we counted
    std::uint64_t units_received;
    std::optional<EfnaReason> count_problem;
};
// An EERP or NERP arrived: store it, then acknowledge_end_response() (sends RTR).
struct EndResponseReceived {
    EndResponse response;
};
// RTR came for one of ours.
struct EndResponseSent {
    EndResponse response;
};
// A queued EERP/NERP this session cannot carry (NERP below 1.4, 2.0 fields below 2.0): queue it
// again for a later session or drop it.
struct EndResponseNotSent {
    EndResponse response;
    std::string why;
};
// The turn passed (CD either way).
struct DirectionChanged {
    bool we_are_speaker = false;
};
// The peer deviated from the RFC in a way we accept: log it (oftp.deviation).
struct PeerDeviation {
    std::string command;
    Deviation deviation;
};
// The session is over; nothing more comes out but the output already produced.
struct SessionEnded {
    EsidReason reason = EsidReason::normal_termination;
    std::string reason_text;  // ESIDREAST sent or received
    EndedBy by = EndedBy::us;
    std::string detail;       // why, for the log ("DATA beyond the credit of 1 buffers")
};

using SessionEvent =
    std::variant<PartnerIdentified, SessionStarted, SpeakerTurn, FileAccepted, FileRefused,
                 DataWanted, FileSent, FileEndRefused, FileOffered, FileData, FileEnded,
                 EndResponseReceived, EndResponseSent, EndResponseNotSent, DirectionChanged,
                 PeerDeviation, SessionEnded>;

// "FileOffered" etc., for tests and traces.
[[nodiscard]] std::string_view event_name(const SessionEvent& event) noexcept;

class Session {
public:
    // Throws std::invalid_argument for a buffer size outside 128..99999 or a credit outside
    // 1..999. A responder queues SSRM at once; an initiator waits for it.
    Session(SessionConfig config, TimePoint now);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // --- Input ------------------------------------------------------------------------------
    // Buffers and handles the peer's bytes. Never throws for peer input.
    void receive(ByteView bytes, TimePoint now);
    // The connection closed (or broke) without ESID from the peer: ends the session.
    void connection_lost();
    // The inactivity timer: ends the session with ESID 09 if now >= next_deadline().
    void on_timeout(TimePoint now);
    // Tells the engine the time when a decision follows a wait (decisions restart the
    // inactivity timer from the latest time the engine knows).
    void set_time(TimePoint now) noexcept { m_now = now; }

    // --- Output -----------------------------------------------------------------------------
    [[nodiscard]] std::optional<SessionEvent> next_event();
    // STB-framed bytes to write (empty when none), handed over and cleared.
    [[nodiscard]] Bytes take_output();
    [[nodiscard]] bool has_output() const noexcept { return !m_output.empty(); }
    [[nodiscard]] std::optional<TimePoint> next_deadline() const noexcept;

    // --- Decisions --------------------------------------------------------------------------
    // After PartnerIdentified. The second form first replaces our local constants with the
    // partner's own (a responder learns who calls only from its SSID: per-partner level,
    // buffer, credit, password, capability): the role stays; capabilities that now conflict
    // end the session with ESID 10. Throws std::invalid_argument like the constructor.
    void accept_partner();
    void accept_partner(const SessionConfig& for_partner);
    void refuse_partner(EsidReason reason, std::string text = {});

    // After SpeakerTurn (or FileRefused/FileSent/FileEndRefused/EndResponseSent while we are
    // the speaker). SFIDREST is forced to 0 unless restart was agreed. Throws
    // std::invalid_argument (nothing sent) if the SFID cannot be encoded at the session level,
    // std::logic_error if we may not send files in this session.
    void offer_file(Sfid sfid);
    // Nothing (more) to send: CD, or ESID 00 when the partner has just handed us the turn
    // having nothing either. Queued end responses go first.
    void end_turn();
    // Queues an EERP/NERP for the partner; sent, one RTR at a time, whenever we are the idle
    // speaker. Any time, also before the session is up.
    void queue_end_response(EndResponse response);

    // While sending a file (after FileAccepted). wants_data(): credit left and no buffer
    // waiting; write about one exchange buffer (or one record) per call while it holds.
    [[nodiscard]] bool wants_data() const noexcept;
    // For restart of a V file: the octets before the restart record (EFIDUCNT is a total);
    // U/T and F compute it themselves. Before the first write.
    void set_restart_units(std::uint64_t units);
    void write(ByteView bytes);          // U/T
    void write_record(ByteView record);  // F/V
    // The whole file is written: EFID follows the last DATA buffer.
    void finish_file();

    // After FileOffered. `restart_position` at most SFIDREST (0 unless restart was agreed);
    // `restart_units` only for V files restarted (the octets already stored).
    void accept_file(std::uint64_t restart_position = 0,
                     std::optional<std::uint64_t> restart_units = std::nullopt);
    void refuse_file(SfnaReason reason, bool retry = false, std::string text = {});
    // Every FileData event taken so far is written.
    void data_consumed();
    // After FileEnded. change_direction: we want the turn (EFPACD=Y).
    void accept_file_end(bool change_direction = false);
    void refuse_file_end(EfnaReason reason, std::string text = {});
    // After EndResponseReceived: RTR.
    void acknowledge_end_response();

    // Ends the session now with ESID (05 local site emergency close down, say).
    void abort(EsidReason reason, std::string text = {});

    // --- State ------------------------------------------------------------------------------
    [[nodiscard]] bool ended() const noexcept;
    [[nodiscard]] bool established() const noexcept { return m_parameters.has_value(); }
    [[nodiscard]] const std::optional<SessionParameters>& parameters() const noexcept {
        return m_parameters;
    }
    [[nodiscard]] bool is_speaker() const noexcept;
    // The RFC 9.3 state name ("IDLESP", "OPI", ...).
    [[nodiscard]] std::string_view state_name() const noexcept;

private:
    // RFC 9.3 states (with the waits for our own driver spelled out).
    enum class State {
        wf_ssrm,         // initiator: connected, waiting for SSRM
        wf_ssid,         // responder: SSRM sent, waiting for the initiator's SSID
        i_wf_ssid,       // initiator: SSID sent, waiting for the responder's
        wf_partner_rs,   // either: an SSID is with the driver (F_CONNECT_IND/RS)
        idlesp,          // speaker, no file open
        wf_rtr,          // speaker: EERP/NERP sent, waiting for RTR
        opowfc,          // speaker: SFID sent, waiting for SFPA/SFNA
        opo,             // speaker: sending DATA (credit may be 0: waiting for CDT)
        clop,            // speaker: EFID sent, waiting for EFPA/EFNA
        idleli,          // listener, no file open
        wf_rtr_rs,       // listener: EERP/NERP with the driver
        opiwfr,          // listener: SFID with the driver
        opi,             // listener: receiving DATA
        clipwfr,         // listener: EFID with the driver
        wf_cd,           // listener: EFPA(CD=Y) sent, waiting for CD
        ended,           // ESID sent or received, or the connection is gone
    };
    struct OutgoingFile;
    struct IncomingFile;

    // session.cpp
    static void check_limits(const SessionConfig& config);
    void handle_buffer(const Bytes& buffer);
    void dispatch(const Command& command);
    void send(const Command& command);
    void emit(SessionEvent event);
    void restart_timer() noexcept;
    // False once ended (the decision is then a no-op); std::logic_error in any other state.
    bool expect_state(State state, const char* decision) const;
    [[noreturn]] void protocol_error(EsidReason reason, const std::string& detail);
    void end_session(EsidReason reason, std::string text, EndedBy by, std::string detail);
    void handle_esid(const Esid& esid);
    [[nodiscard]] static std::string_view name_of(State state) noexcept;

    // session_setup.cpp
    void send_ssrm();
    void handle_ssrm();
    void handle_ssid(const Ssid& ssid);
    [[nodiscard]] Ssid our_ssid(const SessionParameters& agreed) const;
    [[nodiscard]] SessionParameters negotiate(const Ssid& theirs) const;
    void start_session();

    // session_speaker.cpp
    // handed_over: the partner gave us the turn by CD; solicited: because we asked (EFPA CD=Y).
    void become_speaker(bool handed_over, bool solicited);
    void speaker_idle();
    void finish_turn();
    bool send_next_end_response();
    void handle_rtr();
    void handle_sfpa(const Sfpa& sfpa);
    void handle_sfna(const Sfna& sfna);
    void handle_cdt();
    void handle_efpa(const Efpa& efpa);
    void handle_efna(const Efna& efna);
    void pump_data();
    bool check_sending(const char* decision) const;

    // session_listener.cpp
    void become_listener();
    void handle_sfid(const Sfid& sfid);
    void handle_data(const Bytes& buffer);
    void handle_efid(const Efid& efid);
    void handle_cd();
    void handle_end_response(EndResponse response);
    void maybe_send_credit();

    SessionConfig m_config;
    TimePoint m_now;
    TimePoint m_last_activity;
    State m_state;
    ProtocolLevel m_level;  // ours until negotiated, then the agreed one
    StreamDeframer m_deframer;
    Bytes m_output;
    std::deque<SessionEvent> m_events;
    std::optional<SessionParameters> m_parameters;
    std::optional<Ssid> m_partner;

    // Turn bookkeeping (RFC 3.3.4 and 4.6.1).
    bool m_turn_offered = false;            // SpeakerTurn is out, a decision is due
    bool m_peer_just_relinquished = false;  // the partner handed us the turn, we sent nothing yet
    bool m_solicited_turn = false;          // ... because we asked (EFPA CD=Y)
    std::deque<EndResponse> m_pending_responses;
    std::optional<EndResponse> m_response_in_flight;

    std::unique_ptr<OutgoingFile> m_out_file;
    std::unique_ptr<IncomingFile> m_in_file;
    std::optional<EndResponse> m_response_received;
};

}  // namespace wharf::oftp
