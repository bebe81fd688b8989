// The connection driver's core: stream in and out, the loop over the session's events, the
// timer, the partner's logon and the end of the session.
#include "daemon/oftp/detail/connection_impl.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include "daemon/auth/password_hash.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/vfs/disk_pool.hpp"
#include "protocols/oftp/reasons.hpp"

namespace wharf::daemon {

std::unique_ptr<ActivePartners::Claim> ActivePartners::claim(const std::string& partner) {
    std::lock_guard lock(m_mutex);
    if (!m_active.insert(partner).second) return nullptr;
    return std::make_unique<Claim>(*this, partner);
}

bool ActivePartners::is_active(const std::string& partner) {
    std::lock_guard lock(m_mutex);
    return m_active.contains(partner);
}

void ActivePartners::release(const std::string& partner) {
    std::lock_guard lock(m_mutex);
    m_active.erase(partner);
}

oftp::ProtocolLevel protocol_level(config::OftpVersion version) {
    switch (version) {
        case config::OftpVersion::v1_2: return oftp::ProtocolLevel::v1_2;
        case config::OftpVersion::v1_3: return oftp::ProtocolLevel::v1_3;
        case config::OftpVersion::v1_4: return oftp::ProtocolLevel::v1_4;
        case config::OftpVersion::v2_0: break;
    }
    return oftp::ProtocolLevel::v2_0;
}

oftp::SessionConfig oftp_session_config(oftp::SessionRole role, const config::OftpSettings& station,
                                        const config::Partner* partner) {
    const config::OftpProtocol& protocol = partner ? partner->protocol : station.protocol;
    oftp::SessionConfig session;
    session.role = role;
    session.level = protocol_level(protocol.max_version);
    session.ssid_code = station.ssid;
    session.password = partner && !partner->send_password.empty() ? partner->send_password : station.password;
    session.buffer_size = protocol.exchange_buffer;
    session.credit = static_cast<std::uint16_t>(protocol.credit);
    session.compression = protocol.compression;
    session.restart = protocol.restart;
    switch (protocol.capability) {
        case config::OftpCapability::send: session.capability = oftp::Capability::send_only; break;
        case config::OftpCapability::receive: session.capability = oftp::Capability::receive_only; break;
        case config::OftpCapability::both: session.capability = oftp::Capability::both; break;
    }
    session.inactivity_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(protocol.response_timeout);
    return session;
}

std::shared_ptr<OftpConnection> OftpConnection::create(std::shared_ptr<OftpStream> stream,
                                                       OftpConnectionSetup setup) {
    return std::make_shared<oftp_detail::Connection>(std::move(stream), std::move(setup));
}

namespace oftp_detail {

std::string error_text(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

namespace {

std::int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Plain partner passwords are compared in constant time; SSIDPSWD is upper case by the RFC
// but partners' stations differ, so the comparison is exact.
bool same_secret(std::string_view a, std::string_view b) {
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

bool password_matches(const config::Partner& partner, const std::string& presented) {
    if (partner.password.empty()) return true;  // an ad-hoc partner of `wharf oftp send --to`
    if (partner.password_is_hash()) return auth::verify_password(partner.password, presented);
    return same_secret(partner.password, presented);
}

std::string_view ended_by_name(oftp::EndedBy by) {
    switch (by) {
        case oftp::EndedBy::us: return "us";
        case oftp::EndedBy::peer: return "peer";
        case oftp::EndedBy::network: return "network";
    }
    return "?";
}

}  // namespace

Connection::Connection(std::shared_ptr<OftpStream> stream, OftpConnectionSetup setup)
    : m_stream(std::move(stream)), m_setup(std::move(setup)), m_remote(m_stream->remote()),
      m_timer(m_stream->executor()),
      m_started(Clock::now()), m_last_io(m_started) {}

void Connection::start() {
    const auto role = m_setup.call ? oftp::SessionRole::initiator : oftp::SessionRole::responder;
    const config::Partner* partner = m_setup.call ? &m_setup.call->partner : nullptr;
    if (m_setup.call) {
        m_partner = m_setup.call->partner;
        for (auto& file : m_setup.call->files) m_to_send.push_back(file);
        m_outbox_listed = !m_setup.call->send_outbox;
    }
    m_session = std::make_unique<oftp::Session>(oftp_session_config(role, station(), partner), Clock::now());
    auto self = shared_from_this();
    m_stream->start({
        .on_ready = [self] { self->on_ready(); },
        .on_data = [self](std::span<const std::uint8_t> bytes) { self->on_data(bytes); },
        .on_closed = [self](const std::string& reason) { self->on_closed(reason); },
    });
    m_stream->on_drained([self] {
        if (self->m_waiting_for_drain) {
            self->m_waiting_for_drain = false;
            self->feed_data();
            self->pump();
        }
    });
    log::debug("oftp.connection.open").conn(m_setup.conn_id).proto(m_setup.proto).remote(m_remote)
        .field("role", m_setup.call ? "initiator" : "responder");
}

void Connection::request_stop() {
    boost::asio::post(m_timer.get_executor(), [self = shared_from_this()] { self->m_stopping = true; });
}

void Connection::close_now() {
    boost::asio::post(m_timer.get_executor(), [self = shared_from_this()] {
        if (!self->m_session->ended()) {
            self->m_session->abort(oftp::EsidReason::local_site_emergency_close_down, "station shutting down");
        }
        self->pump();
    });
}

void Connection::on_ready() {
    if (m_stream->is_tls()) {
        log::debug("oftp.tls.established").conn(m_setup.conn_id).remote(m_remote)
            .field("tls", m_stream->tls_description());
    }
    pump();  // a responder's SSRM
}

void Connection::on_data(std::span<const std::uint8_t> bytes) {
    m_last_io = Clock::now();
    m_session->receive(oftp::ByteView(bytes.data(), bytes.size()), m_last_io);
    pump();
}

void Connection::on_closed(const std::string& reason) {
    m_stream_closed = true;
    // A refused or broken handshake never reaches the session: this line is the only one that
    // says why (an unknown client certificate, none where one is required, a wrong protocol).
    if (m_stream->is_tls() && m_stream->tls_description().empty() && !reason.empty()) {
        log::warn("oftp.tls.failed").conn(m_setup.conn_id).proto(m_setup.proto).remote(m_remote)
            .field("reason", reason);
    }
    if (!m_session->ended()) {
        log::debug("oftp.connection.lost").conn(m_setup.conn_id).remote(m_remote)
            .field("reason", reason.empty() ? "closed" : reason);
        m_result.end = "connection lost: " + (reason.empty() ? std::string("closed") : reason);
        m_session->connection_lost();
    }
    pump();
}

void Connection::on_disk(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
    m_busy = true;
    auto self = shared_from_this();
    m_setup.disk_pool->submit(
        m_timer.get_executor(),
        [work = std::move(work)]() -> std::exception_ptr {
            try {
                work();
            } catch (...) {
                return std::current_exception();
            }
            return nullptr;
        },
        [self, done = std::move(done)](std::exception_ptr error) {
            self->m_busy = false;
            self->m_session->set_time(Clock::now());
            done(error);
            self->pump();
        });
}

void Connection::pump() {
    while (!m_busy && !m_waiting_for_drain) {
        std::optional<oftp::SessionEvent> event;
        if (m_deferred) {
            event = std::move(m_deferred);
            m_deferred.reset();
        } else {
            event = m_session->next_event();
        }
        if (!event) {
            if (!m_in_pending.empty()) write_received();
            break;
        }
        if (!m_in_pending.empty() && !std::holds_alternative<oftp::FileData>(*event)) {
            m_deferred = std::move(event);  // the data before it is written first
            write_received();
            continue;
        }
        handle(*event);
    }
    flush_output();
    arm_timer();
    finish_if_done();
}

void Connection::handle(oftp::SessionEvent& event) {
    std::visit(
        [this](auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, oftp::PartnerIdentified>) on_partner_identified(e);
            else if constexpr (std::is_same_v<E, oftp::SessionStarted>) on_session_started(e);
            else if constexpr (std::is_same_v<E, oftp::SpeakerTurn>) on_speaker_turn();
            else if constexpr (std::is_same_v<E, oftp::FileAccepted>) on_file_accepted(e);
            else if constexpr (std::is_same_v<E, oftp::FileRefused>)
                on_file_refused(e.sfid, fmt::format("SFNA {:02} {}{}", static_cast<int>(e.answer.reason),
                                                    oftp::reason_text(e.answer.reason),
                                                    e.answer.reason_text.empty() ? "" : ": " + e.answer.reason_text),
                                e.answer.retry);
            else if constexpr (std::is_same_v<E, oftp::DataWanted>) feed_data();
            else if constexpr (std::is_same_v<E, oftp::FileSent>) on_file_sent(e);
            else if constexpr (std::is_same_v<E, oftp::FileEndRefused>)
                on_file_refused(e.sfid, fmt::format("EFNA {:02} {}{}", static_cast<int>(e.answer.reason),
                                                    oftp::reason_text(e.answer.reason),
                                                    e.answer.reason_text.empty() ? "" : ": " + e.answer.reason_text),
                                false);
            else if constexpr (std::is_same_v<E, oftp::FileOffered>) on_file_offered(e);
            else if constexpr (std::is_same_v<E, oftp::FileData>) on_file_data(e);
            else if constexpr (std::is_same_v<E, oftp::FileEnded>) on_file_ended(e);
            else if constexpr (std::is_same_v<E, oftp::EndResponseReceived>) on_response_received(e);
            else if constexpr (std::is_same_v<E, oftp::EndResponseSent>) on_response_sent(e.response);
            else if constexpr (std::is_same_v<E, oftp::EndResponseNotSent>) on_response_not_sent(e);
            else if constexpr (std::is_same_v<E, oftp::DirectionChanged>)
                log::debug("oftp.direction").conn(m_setup.conn_id).partner(partner_name())
                    .field("speaker", e.we_are_speaker ? "us" : "partner");
            else if constexpr (std::is_same_v<E, oftp::PeerDeviation>) log_deviation(e);
            else if constexpr (std::is_same_v<E, oftp::SessionEnded>) on_session_ended(e);
        },
        event);
}

void Connection::flush_output() {
    if (m_session->has_output() && !m_stream_closed) {
        m_last_io = Clock::now();
        m_stream->write(m_session->take_output());
    }
}

void Connection::arm_timer() {
    auto deadline = m_session->next_deadline();
    const auto idle = station().protocol.inactivity_timeout;
    if (idle.count() > 0 && !m_session->ended()) {
        const auto idle_deadline = m_last_io + idle;
        if (!deadline || idle_deadline < *deadline) deadline = idle_deadline;
    }
    if (!deadline || m_session->ended()) {
        m_timer.cancel();
        return;
    }
    m_timer.expires_at(*deadline);
    m_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->on_timer();
    });
}

void Connection::on_timer() {
    const auto now = Clock::now();
    const auto idle = station().protocol.inactivity_timeout;
    if (idle.count() > 0 && now >= m_last_io + idle && !m_session->ended()) {
        m_session->abort(oftp::EsidReason::time_out, "no data for too long");
    } else {
        m_session->on_timeout(now);
    }
    pump();
}

void Connection::finish_if_done() {
    if (!m_session->ended() || m_busy || m_finished) return;
    if (!m_stream_closed) {
        m_stream->close();  // flushes the ESID first; on_closed comes back here
        return;
    }
    m_finished = true;
    m_timer.cancel();
    m_claim.reset();
    if (m_setup.on_finished) m_setup.on_finished(m_result);
    m_setup.on_finished = nullptr;
}

// --- Logon -----------------------------------------------------------------------------------

std::string Connection::partner_name() const { return m_partner ? m_partner->name : std::string("?"); }

oftp::ProtocolLevel Connection::level() const {
    const auto& parameters = m_session->parameters();
    return parameters ? parameters->level : oftp::ProtocolLevel::v2_0;
}

void Connection::refuse_partner(oftp::EsidReason reason, const std::string& ssid, const std::string& why) {
    log::warn("oftp.auth.failed").conn(m_setup.conn_id).proto(m_setup.proto).remote(m_remote)
        .field("ssid", ssid).field("reason", fmt::format("{:02}", static_cast<int>(reason))).field("why", why);
    m_session->refuse_partner(reason, std::string(oftp::reason_text(reason)));
}

void Connection::on_partner_identified(const oftp::PartnerIdentified& event) {
    const std::string& ssid = event.ssid.code_id;
    const config::Partner* partner = nullptr;
    if (m_setup.call) {
        if (!m_setup.call->partner.ssid.empty() && m_setup.call->partner.ssid != ssid) {
            refuse_partner(oftp::EsidReason::user_code_not_known, ssid,
                           fmt::format("we called {} and {} answered", m_setup.call->partner.ssid, ssid));
            return;
        }
        partner = &m_setup.call->partner;
    } else {
        partner = m_setup.config->find_partner_by_ssid(ssid);
        if (!partner) {
            refuse_partner(oftp::EsidReason::user_code_not_known, ssid, "no partner has this SSID");
            return;
        }
    }
    m_partner = *partner;
    if (m_stream->is_tls() && m_setup.tls && !m_setup.call &&
        !m_setup.tls->accepts_for_partner(m_stream->peer_certificate(), partner->tls ? &*partner->tls : nullptr)) {
        refuse_partner(oftp::EsidReason::invalid_password, ssid,
                       "the TLS client certificate is not the partner's");
        return;
    }
    std::unique_ptr<ActivePartners::Claim> claim;
    if (m_setup.active_partners) {
        claim = m_setup.active_partners->claim(partner->name);
        if (!claim) {
            refuse_partner(oftp::EsidReason::resources_not_available, ssid,
                           "the partner is in another session already");
            return;
        }
    }
    m_store = std::make_shared<PartnerStore>(*partner, station(), station().state_dir);
    // The password hash and the queued responses both touch the disk pool's time, not ours.
    auto checked = std::make_shared<bool>(false);
    auto queued = std::make_shared<std::vector<QueuedResponse>>();
    auto shared_claim = std::make_shared<std::unique_ptr<ActivePartners::Claim>>(std::move(claim));
    on_disk(
        [checked, queued, partner = *partner, password = event.ssid.password, store = m_store] {
            *checked = password_matches(partner, password);
            if (*checked) *queued = store->queued_responses();
        },
        [this, checked, queued, shared_claim, partner = *partner](std::exception_ptr error) {
            if (error) {
                log::error("oftp.state.failed").conn(m_setup.conn_id).partner(partner.name)
                    .field("error", error_text(error));
                m_session->refuse_partner(oftp::EsidReason::resources_not_available, "state unreadable");
                return;
            }
            on_partner_checked(partner, *checked, std::move(*shared_claim), std::move(*queued));
        });
}

void Connection::on_partner_checked(const config::Partner& partner, bool password_ok,
                                    std::unique_ptr<ActivePartners::Claim> claim,
                                    std::vector<QueuedResponse> queued) {
    if (!password_ok) {
        refuse_partner(oftp::EsidReason::invalid_password, partner.ssid, "wrong password");
        return;
    }
    m_claim = std::move(claim);
    for (auto& response : queued) {
        m_session->queue_end_response(response.response);
        m_queued.push_back(std::move(response));
    }
    const auto role = m_setup.call ? oftp::SessionRole::initiator : oftp::SessionRole::responder;
    m_session->accept_partner(oftp_session_config(role, station(), &partner));
}

void Connection::on_session_started(const oftp::SessionStarted& event) {
    m_result.established = true;
    const auto& p = event.parameters;
    log::info("oftp.session.start").conn(m_setup.conn_id).proto(m_setup.proto).remote(m_remote)
        .partner(partner_name())
        .field("ssid", event.partner.code_id)
        .field("role", m_setup.call ? "initiator" : "responder")
        .field("version", oftp::level_name(p.level))
        .field("buffer", static_cast<std::uint64_t>(p.buffer_size))
        .field("credit", static_cast<std::uint64_t>(p.credit))
        .field("compression", p.compression)
        .field("restart", p.restart)
        .field("tls", m_stream->is_tls() ? m_stream->tls_description() : std::string("off"))
        .field("queued_responses", static_cast<std::uint64_t>(m_queued.size()));
}

void Connection::log_deviation(const oftp::PeerDeviation& event) {
    log::warn("oftp.deviation").conn(m_setup.conn_id).partner(partner_name())
        .field("command", event.command).field("field", event.deviation.field)
        .field("what", event.deviation.what);
}

void Connection::on_session_ended(const oftp::SessionEnded& event) {
    const bool normal = event.reason == oftp::EsidReason::normal_termination && event.by != oftp::EndedBy::network;
    m_result.normal_end = normal;
    if (event.by != oftp::EndedBy::network || m_result.end.empty()) {
        m_result.end = event.by == oftp::EndedBy::network
                           ? "connection lost"
                           : fmt::format("ESID {:02} {} (by {})", static_cast<int>(event.reason),
                                         oftp::reason_text(event.reason), ended_by_name(event.by));
    }
    auto line = normal ? log::info("oftp.session.end") : log::warn("oftp.session.end");
    line.conn(m_setup.conn_id).proto(m_setup.proto).remote(m_remote).partner(partner_name())
        .field("reason", fmt::format("{:02}", static_cast<int>(event.reason)))
        .field("reason_text", event.reason_text.empty() ? std::string(oftp::reason_text(event.reason))
                                                        : event.reason_text)
        .field("by", ended_by_name(event.by))
        .field("detail", event.detail)
        .field("files_sent", static_cast<std::uint64_t>(std::count_if(
                                 m_result.sent.begin(), m_result.sent.end(), [](const auto& f) { return f.delivered; })))
        .field("files_received", static_cast<std::uint64_t>(m_result.files_received))
        .ms(ms_since(m_started));
    abandon_outgoing();
    abandon_incoming();
}

HookContext Connection::hook_context(config::HookEvent event, const std::filesystem::path& real_path,
                                     const std::string& dataset_name) const {
    HookContext context;
    context.event = event;
    context.protocol = "oftp";
    context.user = partner_name();
    context.remote = m_remote;
    context.path = dataset_name;
    context.real_path = real_path.string();
    return context;
}

}  // namespace oftp_detail
}  // namespace wharf::daemon
