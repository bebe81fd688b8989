// The connection driver as speaker: which file to offer next (the command line's, then the
// outbox), reading it ahead on the disk pool, feeding the session while it wants data, and
// the outcome of each file and of each end-to-end response we deliver.
#include "daemon/oftp/detail/connection_impl.hpp"

#include <fmt/format.h>

#include "daemon/logging/log.hpp"
#include "protocols/oftp/virtual_file.hpp"

namespace wharf::daemon::oftp_detail {

namespace {

// How much of the file one disk job reads ahead.
constexpr std::size_t read_ahead_bytes = 1024 * 1024;
constexpr std::size_t max_output_backlog = 2 * 1024 * 1024;

bool is_eerp(const oftp::EndResponse& response) { return std::holds_alternative<oftp::Eerp>(response); }

const std::string& response_dsn(const oftp::EndResponse& response) {
    return std::visit([](const auto& r) -> const std::string& { return r.dataset_name; }, response);
}

}  // namespace

void Connection::on_speaker_turn() {
    if (m_stopping) {
        m_session->end_turn();
        return;
    }
    m_outbox_listed = m_setup.call && !m_setup.call->send_outbox;
    offer_next_file();
}

void Connection::offer_next_file() {
    while (!m_to_send.empty() && m_offered.contains(m_to_send.front().first)) m_to_send.pop_front();
    if (m_to_send.empty() && !m_outbox_listed && m_partner && !m_partner->outbox.empty()) {
        m_outbox_listed = true;
        auto listed = std::make_shared<std::vector<std::filesystem::path>>();
        on_disk([listed, store = m_store] { *listed = store->outbox_files(); },
                [this, listed](std::exception_ptr error) {
                    if (error) {
                        log::error("oftp.outbox.failed").conn(m_setup.conn_id).partner(partner_name())
                            .field("error", error_text(error));
                    }
                    for (const auto& path : *listed) {
                        if (!m_offered.contains(path)) m_to_send.emplace_back(path, SendOptions{});
                    }
                    offer_next_file();
                });
        return;
    }
    if (m_to_send.empty()) {
        m_session->end_turn();
        return;
    }
    auto [source, options] = std::move(m_to_send.front());
    m_to_send.pop_front();
    m_offered.insert(source);
    auto opened = std::make_shared<std::unique_ptr<OutgoingFile>>();
    const bool restart = m_session->parameters()->restart;
    on_disk([opened, store = m_store, source, options, restart, level = level()] {
                *opened = store->open_outgoing(source, options, restart, level);
            },
            [this, opened, source](std::exception_ptr error) {
                SentFileOutcome outcome;
                outcome.source = source;
                if (!error) {
                    m_out = std::move(*opened);
                    outcome.dataset_name = m_out->sfid().dataset_name;
                    try {
                        m_session->offer_file(m_out->sfid());
                        m_out_outcome = outcome;
                        m_out_pieces.clear();
                        m_out_piece_offset = 0;
                        m_out_eof = false;
                        m_out_finished = false;
                        log::debug("oftp.file.offered").conn(m_setup.conn_id).partner(partner_name())
                            .field("dsn", outcome.dataset_name).path(source.string())
                            .field("restart_position", m_out->sfid().restart_position);
                        return;
                    } catch (const std::invalid_argument& e) {
                        error = std::make_exception_ptr(e);
                        m_out.reset();
                    }
                }
                outcome.refusal = "not offered: " + error_text(error);
                log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                    .path(source.string()).field("error", error_text(error));
                m_result.sent.push_back(std::move(outcome));
                offer_next_file();
            });
}

void Connection::on_file_accepted(const oftp::FileAccepted& event) {
    m_out_started = Clock::now();
    const auto units = std::make_shared<std::uint64_t>(0);
    on_disk([units, out = std::shared_ptr<OutgoingFile>(m_out), position = event.restart_position] {
                *units = out->seek(position);
            },
            [this, units, event](std::exception_ptr error) {
                if (error) {
                    log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                        .field("dsn", event.sfid.dataset_name).field("error", error_text(error));
                    m_session->abort(oftp::EsidReason::resources_not_available, "cannot read the file");
                    return;
                }
                m_out_outcome.restart_offset = *units;
                if (event.sfid.format == oftp::RecordFormat::variable && event.restart_position > 0) {
                    m_session->set_restart_units(*units);
                }
                feed_data();
            });
}

void Connection::feed_data() {
    if (!m_out || m_out_finished || m_busy) return;
    const bool records = oftp::has_records(m_out->sfid().format);
    const std::size_t chunk = m_session->parameters()->buffer_size;
    while (m_session->wants_data()) {
        flush_output();
        if (m_stream->pending_output() > max_output_backlog) {
            m_waiting_for_drain = true;
            return;
        }
        if (m_out_pieces.empty()) {
            if (m_out_eof) {
                m_out_finished = true;
                m_session->finish_file();
                return;
            }
            auto pieces = std::make_shared<std::vector<Bytes>>();
            on_disk([pieces, out = m_out] { *pieces = out->read(read_ahead_bytes); },
                    [this, pieces](std::exception_ptr error) {
                        if (error) {
                            log::error("oftp.file.failed").conn(m_setup.conn_id).partner(partner_name())
                                .field("dsn", m_out_outcome.dataset_name).field("error", error_text(error));
                            m_session->abort(oftp::EsidReason::resources_not_available, "cannot read the file");
                            return;
                        }
                        if (pieces->empty()) m_out_eof = true;
                        for (auto& piece : *pieces) m_out_pieces.push_back(std::move(piece));
                        feed_data();
                    });
            return;
        }
        Bytes& piece = m_out_pieces.front();
        if (records) {
            m_session->write_record(oftp::ByteView(piece.data(), piece.size()));
            m_out_pieces.pop_front();
            continue;
        }
        const std::size_t n = std::min(chunk, piece.size() - m_out_piece_offset);
        m_session->write(oftp::ByteView(piece.data() + m_out_piece_offset, n));
        m_out_piece_offset += n;
        if (m_out_piece_offset == piece.size()) {
            m_out_pieces.pop_front();
            m_out_piece_offset = 0;
        }
    }
}

void Connection::on_file_sent(const oftp::FileSent& event) {
    SentFileOutcome outcome = std::move(m_out_outcome);
    outcome.delivered = true;
    outcome.bytes = event.counts.unit_count;
    log::info("oftp.file.sent").conn(m_setup.conn_id).proto(m_setup.proto).partner(partner_name())
        .field("dsn", event.sfid.dataset_name)
        .field("date", oftp::date_digits(event.sfid.stamp))
        .field("time", oftp::time_digits(event.sfid.stamp))
        .field("originator", event.sfid.originator)
        .field("destination", event.sfid.destination)
        .field("format", std::string(1, static_cast<char>(event.sfid.format)))
        .bytes(event.counts.unit_count)
        .field("records", event.counts.record_count)
        .field("restart_offset", outcome.restart_offset)
        .path(outcome.source.string())
        .ms(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_out_started).count());
    if (m_setup.hooks && m_setup.hooks->has_post(config::HookEvent::download)) {
        auto context = hook_context(config::HookEvent::download, outcome.source, event.sfid.dataset_name);
        context.bytes = event.counts.unit_count;
        context.status = "ok";
        m_setup.hooks->run_post(std::move(context));
    }
    m_result.sent.push_back(std::move(outcome));
    on_disk([out = std::shared_ptr<OutgoingFile>(std::move(m_out))] { out->delivered(); },
            [this, dsn = event.sfid.dataset_name](std::exception_ptr error) {
                if (error) {
                    log::error("oftp.file.settle_failed").conn(m_setup.conn_id).partner(partner_name())
                        .field("dsn", dsn).field("error", error_text(error));
                }
            });
}

void Connection::on_file_refused(const oftp::Sfid& sfid, const std::string& why, bool retry) {
    SentFileOutcome outcome = std::move(m_out_outcome);
    outcome.refusal = why;
    log::warn("oftp.file.refused").conn(m_setup.conn_id).proto(m_setup.proto).partner(partner_name())
        .field("direction", "sent").field("dsn", sfid.dataset_name).field("reason", why)
        .field("retry", retry).path(outcome.source.string());
    m_result.sent.push_back(std::move(outcome));
    if (!m_out) return;
    on_disk([out = std::shared_ptr<OutgoingFile>(std::move(m_out)), retry] { out->not_delivered(retry); },
            [](std::exception_ptr) {});
}

void Connection::abandon_outgoing() {
    if (!m_out) return;
    log::warn("oftp.file.interrupted").conn(m_setup.conn_id).partner(partner_name())
        .field("direction", "sent").field("dsn", m_out_outcome.dataset_name)
        .bytes(m_out->bytes_read()).path(m_out->source().string());
    SentFileOutcome outcome = std::move(m_out_outcome);
    outcome.refusal = "interrupted: " + m_result.end;
    m_result.sent.push_back(std::move(outcome));
    on_disk([out = std::shared_ptr<OutgoingFile>(std::move(m_out))] { out->not_delivered(true); },
            [](std::exception_ptr) {});
}

void Connection::on_response_sent(const oftp::EndResponse& response) {
    const auto queued = std::find_if(m_queued.begin(), m_queued.end(),
                                     [&](const QueuedResponse& q) { return q.response == response; });
    std::visit(
        [&](const auto& r) {
            log::info(is_eerp(response) ? "oftp.eerp.sent" : "oftp.nerp.sent").conn(m_setup.conn_id)
                .partner(partner_name()).field("dsn", r.dataset_name)
                .field("date", oftp::date_digits(r.stamp)).field("time", oftp::time_digits(r.stamp))
                .field("destination", r.destination).field("originator", r.originator);
        },
        response);
    if (queued == m_queued.end()) return;
    const std::string id = queued->id;
    m_queued.erase(queued);
    on_disk([store = m_store, id] { store->response_sent(id); },
            [this, id](std::exception_ptr error) {
                if (error) {
                    log::error("oftp.state.failed").conn(m_setup.conn_id).partner(partner_name())
                        .field("response", id).field("error", error_text(error));
                }
            });
}

void Connection::on_response_not_sent(const oftp::EndResponseNotSent& event) {
    log::warn(is_eerp(event.response) ? "oftp.eerp.deferred" : "oftp.nerp.deferred").conn(m_setup.conn_id)
        .partner(partner_name()).field("dsn", response_dsn(event.response)).field("why", event.why);
    std::erase_if(m_queued, [&](const QueuedResponse& q) { return q.response == event.response; });
}

}  // namespace wharf::daemon::oftp_detail
