// The connection driver as listener: whether we take an offered file (hooks, the partner's
// rules, duplicates), writing its data in batches on the disk pool before credit goes back,
// committing it before EFPA and queueing its EERP, and the partner's EERP/NERP for ours.
#include "daemon/oftp/detail/connection_impl.hpp"

#include <fmt/format.h>

#include "daemon/logging/log.hpp"
#include "protocols/oftp/reasons.hpp"
#include "protocols/oftp/virtual_file.hpp"

namespace wharf::daemon::oftp_detail {

namespace {

// Received data held before it goes to the disk in one job.
constexpr std::size_t write_batch_bytes = 4 * 1024 * 1024;

// The EERP for a file we stored: it goes back to the file's originator, from its destination.
oftp::Eerp eerp_for(const oftp::Sfid& sfid) {
    oftp::Eerp eerp;
    eerp.dataset_name = sfid.dataset_name;
    eerp.stamp = sfid.stamp;
    eerp.user_data = sfid.user_data;
    eerp.destination = sfid.originator;
    eerp.originator = sfid.destination;
    return eerp;
}

}  // namespace

void Connection::on_file_offered(const oftp::FileOffered& event) {
    m_in_sfid = event.sfid;
    const auto refuse = [this](oftp::SfnaReason reason, bool retry, const std::string& text) {
        log::warn("oftp.file.refused").conn(m_setup.conn_id).proto(m_setup.proto).partner(partner_name())
            .field("direction", "received").field("dsn", m_in_sfid.dataset_name)
            .field("originator", m_in_sfid.originator).field("destination", m_in_sfid.destination)
            .field("reason", fmt::format("{:02}", static_cast<int>(reason))).field("why", text)
            .field("retry", retry);
        m_session->refuse_file(reason, retry, text);
    };
    if (m_stopping) {
        refuse(oftp::SfnaReason::unspecified, true, "station shutting down");
        return;
    }
    const auto check_and_open = [this, refuse] {
        auto refusal = std::make_shared<std::optional<FileRefusal>>();
        auto opened = std::make_shared<std::unique_ptr<IncomingFile>>();
        const bool restart = m_session->parameters()->restart;
        on_disk(
            [refusal, opened, store = m_store, sfid = m_in_sfid, restart] {
                *refusal = store->check_offer(sfid);
                if (!*refusal) *opened = store->open_incoming(sfid, restart, store->partner().protocol.checkpoint);
            },
            [this, refusal, opened, refuse](std::exception_ptr error) {
                if (error) {
                    log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                        .field("dsn", m_in_sfid.dataset_name).field("error", error_text(error));
                    refuse(oftp::SfnaReason::access_method_failure, true, "cannot store the file now");
                    return;
                }
                if (*refusal) {
                    refuse((*refusal)->reason, (*refusal)->retry, (*refusal)->text);
                    return;
                }
                m_in = std::move(*opened);
                m_in_started = Clock::now();
                m_in_restart_offset = m_in->bytes_stored();
                log::debug("oftp.file.accepted").conn(m_setup.conn_id).partner(partner_name())
                    .field("dsn", m_in_sfid.dataset_name).field("restart_position", m_in->restart_position())
                    .field("restart_offset", m_in_restart_offset);
                m_session->accept_file(m_in->restart_position(), m_in->restart_units());
            });
    };
    if (!m_setup.hooks || !m_setup.hooks->has_pre(config::HookEvent::upload)) {
        check_and_open();
        return;
    }
    m_busy = true;
    auto self = shared_from_this();
    m_setup.hooks->run_pre(hook_context(config::HookEvent::upload, {}, m_in_sfid.dataset_name),
                           m_timer.get_executor(), [self, refuse, check_and_open](HookVerdict verdict) {
                               self->m_busy = false;
                               self->m_session->set_time(Clock::now());
                               if (verdict.allowed) {
                                   check_and_open();
                               } else {
                                   refuse(oftp::SfnaReason::unspecified, false,
                                          verdict.message.empty() ? "refused by the station's hook"
                                                                  : verdict.message);
                               }
                               self->pump();
                           });
}

void Connection::on_file_data(oftp::FileData& event) {
    m_in_pending_bytes += event.data.size();
    m_in_pending.push_back(std::move(event));
    if (m_in_pending_bytes >= write_batch_bytes) write_received();
}

void Connection::write_received() {
    auto batch = std::make_shared<std::vector<oftp::FileData>>(std::move(m_in_pending));
    m_in_pending.clear();
    m_in_pending_bytes = 0;
    if (!m_in) return;  // the file was dropped (the session ended under it)
    on_disk(
        [batch, in = m_in] {
            for (const auto& data : *batch) {
                in->append(std::span(data.data.data(), data.data.size()),
                           std::span(data.record_ends.data(), data.record_ends.size()));
                in->checkpoint_if_due();
            }
        },
        [this](std::exception_ptr error) {
            if (error) {
                log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                    .field("dsn", m_in_sfid.dataset_name).field("error", error_text(error));
                m_session->abort(oftp::EsidReason::resources_not_available, "cannot store the file");
                return;
            }
            m_session->data_consumed();
        });
}

void Connection::on_file_ended(const oftp::FileEnded& event) {
    auto in = std::move(m_in);
    if (!in) return;
    if (event.count_problem) {
        log::warn("oftp.file.refused").conn(m_setup.conn_id).proto(m_setup.proto).partner(partner_name())
            .field("direction", "received").field("dsn", event.sfid.dataset_name)
            .field("reason", fmt::format("{:02}", static_cast<int>(*event.count_problem)))
            .field("why", fmt::format("counts: EFID {} records {} octets, received {} records {} octets",
                                      event.counts.record_count, event.counts.unit_count,
                                      event.records_received, event.units_received));
        on_disk([in] { in->discard(); }, [](std::exception_ptr) {});
        return;
    }
    auto final_path = std::make_shared<std::filesystem::path>();
    auto response_id = std::make_shared<std::string>();
    const oftp::Eerp eerp = eerp_for(event.sfid);
    on_disk(
        // The EERP is queued only once the file is durable in the inbox (and durably queued
        // itself, so a break before it is sent delivers it in a later session).
        [in, final_path, response_id, eerp, store = m_store] {
            *final_path = in->commit();
            *response_id = store->queue_response(eerp);
        },
        [this, in, final_path, response_id, eerp, event](std::exception_ptr error) {
            if (error) {
                log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                    .field("dsn", event.sfid.dataset_name).field("error", error_text(error));
                m_session->refuse_file_end(oftp::EfnaReason::access_method_failure, "cannot store the file");
                return;
            }
            m_session->accept_file_end(false);
            m_session->queue_end_response(eerp);
            m_queued.push_back({*response_id, eerp});
            ++m_result.files_received;
            log::info("oftp.file.received").conn(m_setup.conn_id).proto(m_setup.proto).partner(partner_name())
                .field("dsn", event.sfid.dataset_name)
                .field("date", oftp::date_digits(event.sfid.stamp))
                .field("time", oftp::time_digits(event.sfid.stamp))
                .field("originator", event.sfid.originator)
                .field("destination", event.sfid.destination)
                .field("format", std::string(1, static_cast<char>(event.sfid.format)))
                .bytes(in->bytes_stored())
                .field("records", event.records_received)
                .field("restart_offset", m_in_restart_offset)
                .path(final_path->string())
                .ms(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_in_started).count());
            if (m_setup.hooks && m_setup.hooks->has_post(config::HookEvent::upload)) {
                auto context = hook_context(config::HookEvent::upload, *final_path, event.sfid.dataset_name);
                context.bytes = in->bytes_stored();
                context.status = "ok";
                m_setup.hooks->run_post(std::move(context));
            }
        });
}

void Connection::abandon_incoming() {
    if (!m_in) return;
    auto in = std::move(m_in);
    auto batch = std::make_shared<std::vector<oftp::FileData>>(std::move(m_in_pending));
    m_in_pending.clear();
    m_in_pending_bytes = 0;
    on_disk(
        [in, batch] {
            for (const auto& data : *batch) {
                in->append(std::span(data.data.data(), data.data.size()),
                           std::span(data.record_ends.data(), data.record_ends.size()));
            }
            in->keep_for_restart();
        },
        [this, in, dsn = m_in_sfid.dataset_name](std::exception_ptr error) {
            auto line = log::warn("oftp.file.interrupted");
            line.conn(m_setup.conn_id).partner(partner_name()).field("direction", "received")
                .field("dsn", dsn).bytes(in->bytes_stored());
            if (error) line.field("error", error_text(error));
        });
}

void Connection::on_response_received(const oftp::EndResponseReceived& event) {
    auto answered = std::make_shared<std::optional<AnsweredFile>>();
    on_disk([answered, store = m_store, response = event.response, level = level()] {
                *answered = store->settle(response, level);
            },
            [this, answered, response = event.response](std::exception_ptr error) {
                if (error) {
                    log::error("oftp.state.failed").conn(m_setup.conn_id).partner(partner_name())
                        .field("error", error_text(error));
                    m_session->abort(oftp::EsidReason::resources_not_available, "cannot record the response");
                    return;
                }
                const bool eerp = std::holds_alternative<oftp::Eerp>(response);
                ++m_result.responses_received;
                auto line = log::info(eerp ? "oftp.eerp.received" : "oftp.nerp.received");
                line.conn(m_setup.conn_id).partner(partner_name());
                std::visit(
                    [&](const auto& r) {
                        line.field("dsn", r.dataset_name).field("date", oftp::date_digits(r.stamp))
                            .field("time", oftp::time_digits(r.stamp)).field("destination", r.destination)
                            .field("originator", r.originator);
                        for (auto& sent : m_result.sent) {
                            if (sent.dataset_name == r.dataset_name && sent.delivered && !sent.end_to_end) {
                                sent.end_to_end = eerp;
                                break;
                            }
                        }
                    },
                    response);
                if (const auto* nerp = std::get_if<oftp::Nerp>(&response)) {
                    line.field("reason", fmt::format("{:02}", static_cast<int>(nerp->reason)))
                        .field("reason_text", nerp->reason_text.empty() ? std::string(oftp::reason_text(nerp->reason))
                                                                        : nerp->reason_text)
                        .field("creator", nerp->creator);
                }
                line.field("matched", answered->has_value());
                if (*answered) line.path((*answered)->source.string());
                m_session->acknowledge_end_response();
            });
}

}  // namespace wharf::daemon::oftp_detail
