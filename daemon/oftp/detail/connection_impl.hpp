// Internal to oftp_connection*.cpp: the connection driver's state. oftp_connection.cpp holds
// the stream, the event loop over the session, timers, the partner's logon and the end;
// oftp_connection_send.cpp offers and sends files; oftp_connection_receive.cpp takes them and
// the end-to-end responses.
#pragma once

#include "daemon/oftp/oftp_connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>

#include "daemon/hooks/hook_runner.hpp"
#include "protocols/oftp/session.hpp"

namespace wharf::daemon::oftp_detail {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

// What a failed disk job threw, for the log.
[[nodiscard]] std::string error_text(std::exception_ptr error);

class Connection final : public OftpConnection, public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<OftpStream> stream, OftpConnectionSetup setup);

    void start() override;
    void request_stop() override;
    void close_now() override;

private:
    // --- oftp_connection.cpp -------------------------------------------------------------
    void on_ready();
    void on_data(std::span<const std::uint8_t> bytes);
    void on_closed(const std::string& reason);
    // Takes the session's events until one needs the disk (m_busy) or none are left, then
    // writes the output, arms the timer and closes once the session has ended.
    void pump();
    void handle(oftp::SessionEvent& event);
    void flush_output();
    void arm_timer();
    void on_timer();
    void finish_if_done();
    // Runs `work` on the disk pool, then `done` here; the session's events wait meanwhile.
    void on_disk(std::function<void()> work, std::function<void(std::exception_ptr)> done);

    void on_partner_identified(const oftp::PartnerIdentified& event);
    void on_partner_checked(const config::Partner& partner, bool password_ok,
                            std::unique_ptr<ActivePartners::Claim> claim, std::vector<QueuedResponse> queued);
    void refuse_partner(oftp::EsidReason reason, const std::string& ssid, const std::string& why);
    void on_session_started(const oftp::SessionStarted& event);
    void on_session_ended(const oftp::SessionEnded& event);
    void log_deviation(const oftp::PeerDeviation& event);
    [[nodiscard]] const config::OftpSettings& station() const { return *m_setup.config->oftp; }
    [[nodiscard]] std::string partner_name() const;
    [[nodiscard]] oftp::ProtocolLevel level() const;
    [[nodiscard]] HookContext hook_context(config::HookEvent event, const std::filesystem::path& real_path,
                                           const std::string& dataset_name) const;

    // --- oftp_connection_send.cpp -------------------------------------------------------
    void on_speaker_turn();
    void offer_next_file();
    void on_file_accepted(const oftp::FileAccepted& event);
    void feed_data();
    void on_file_sent(const oftp::FileSent& event);
    void on_file_refused(const oftp::Sfid& sfid, const std::string& why, bool retry);
    void on_response_sent(const oftp::EndResponse& response);
    void on_response_not_sent(const oftp::EndResponseNotSent& event);
    void abandon_outgoing();

    // --- oftp_connection_receive.cpp ----------------------------------------------------
    void on_file_offered(const oftp::FileOffered& event);
    void on_file_data(oftp::FileData& event);
    void write_received();
    void on_file_ended(const oftp::FileEnded& event);
    void on_response_received(const oftp::EndResponseReceived& event);
    void abandon_incoming();

    std::shared_ptr<OftpStream> m_stream;
    OftpConnectionSetup m_setup;
    std::string m_remote;
    boost::asio::steady_timer m_timer;
    std::unique_ptr<oftp::Session> m_session;
    OftpConnectionResult m_result;
    Clock::time_point m_started;
    Clock::time_point m_last_io;

    std::optional<config::Partner> m_partner;  // known from the call or the SSID
    std::unique_ptr<ActivePartners::Claim> m_claim;
    std::shared_ptr<PartnerStore> m_store;
    bool m_busy = false;       // a disk job or a check runs; the session's events wait
    bool m_stopping = false;   // request_stop(): no new files either way
    bool m_finished = false;   // on_finished called
    bool m_stream_closed = false;

    // Sending.
    std::deque<std::pair<std::filesystem::path, SendOptions>> m_to_send;
    std::set<std::filesystem::path> m_offered;  // this session's attempts (not offered twice)
    bool m_outbox_listed = false;
    std::shared_ptr<OutgoingFile> m_out;
    SentFileOutcome m_out_outcome;
    Clock::time_point m_out_started;
    std::deque<Bytes> m_out_pieces;  // read ahead, not yet given to the session
    std::size_t m_out_piece_offset = 0;  // U/T: octets of the front piece already written
    bool m_out_eof = false;
    bool m_out_finished = false;
    bool m_waiting_for_drain = false;
    std::deque<QueuedResponse> m_queued;  // responses handed to the session, in order

    // Receiving.
    std::shared_ptr<IncomingFile> m_in;
    oftp::Sfid m_in_sfid;
    Clock::time_point m_in_started;
    std::uint64_t m_in_restart_offset = 0;
    std::vector<oftp::FileData> m_in_pending;  // taken from the session, not yet written
    std::size_t m_in_pending_bytes = 0;
    // The event after a run of FileData, held back until that data is written.
    std::optional<oftp::SessionEvent> m_deferred;
};

}  // namespace wharf::daemon::oftp_detail
