// Two OFTP session engines back to back in memory, each driven by a scripted Station (what a
// daemon would do: a partner table, an outbox, an inbox), with a virtual clock and a step
// bound so a livelock fails the test (quinn's Pair, h11's ConnectionPair).
#pragma once

#include "protocols/oftp/session.hpp"
#include "protocols/oftp/stream_buffer.hpp"
#include "protocols/oftp/virtual_file.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace oftp_test {

namespace oftp = wharf::oftp;

// A file in a station's outbox: U/T content or F/V records.
struct OutFile {
    oftp::Sfid sfid;
    oftp::Bytes content;               // U/T
    std::vector<oftp::Bytes> records;  // F/V
};

struct ReceivedFile {
    oftp::Sfid sfid;
    oftp::Bytes content;               // everything stored (restart prefix included)
    std::vector<oftp::Bytes> records;  // F/V, restart prefix included
    oftp::Efid counts;
    bool accepted = false;
};

inline oftp::Sfid make_sfid(std::string dsn, oftp::RecordFormat format,
                            std::uint32_t record_length = 0) {
    oftp::Sfid sfid;
    sfid.dataset_name = std::move(dsn);
    sfid.stamp = {2024, 5, 17, 13, 45, 10, 7};
    sfid.destination = "ODETTEDEST";
    sfid.originator = "ODETTEORIG";
    sfid.format = format;
    sfid.max_record_length = record_length;
    return sfid;
}

struct Station {
    oftp::SessionConfig config;
    std::string expected_partner_code;  // empty: anyone
    std::string expected_partner_password;

    // Files per turn: turns[i] goes out on our i-th turn as speaker.
    std::vector<std::vector<OutFile>> turns;
    std::vector<oftp::EndResponse> end_responses;  // queued before the session starts

    // Listener policy.
    std::optional<oftp::Sfna> refuse_start;            // SFNA every file
    std::optional<oftp::EfnaReason> refuse_end;        // EFNA every file
    bool request_change_direction = false;             // EFPA CD=Y
    std::map<std::string, oftp::Bytes> partial;        // dsn -> U/T octets already stored
    std::map<std::string, std::vector<oftp::Bytes>> partial_records;  // dsn -> F/V records
    bool slow_consumer = false;  // consume FileData only when the pump says so

    // What happened.
    std::vector<std::string> events;
    std::vector<ReceivedFile> received;
    std::vector<oftp::FileSent> sent;
    std::vector<oftp::FileRefused> refused;
    std::vector<oftp::FileEndRefused> end_refused;
    std::vector<oftp::FileAccepted> accepted;
    std::vector<oftp::EndResponse> responses_received;
    std::vector<oftp::EndResponse> responses_sent;
    std::vector<oftp::PeerDeviation> deviations;
    std::optional<oftp::SessionStarted> started;
    std::optional<oftp::SessionEnded> ended;
    std::optional<oftp::FileEnded> last_file_end;
    std::size_t unconsumed = 0;

    // Sending state.
    std::size_t turn = 0;
    std::size_t next_file = 0;
    const OutFile* sending = nullptr;
    std::size_t send_offset = 0;  // octets (U/T) or records (F/V)

    void handle(oftp::Session& session, oftp::SessionEvent& event) {
        events.emplace_back(oftp::event_name(event));
        std::visit([&](auto& e) { on(session, e); }, event);
    }

    void on(oftp::Session& session, const oftp::PartnerIdentified& e) {
        if (!expected_partner_code.empty() && e.ssid.code_id != expected_partner_code) {
            session.refuse_partner(oftp::EsidReason::user_code_not_known);
        } else if (!expected_partner_code.empty() &&
                   e.ssid.password != expected_partner_password) {
            session.refuse_partner(oftp::EsidReason::invalid_password);
        } else {
            session.accept_partner();
        }
    }
    void on(oftp::Session&, const oftp::SessionStarted& e) { started = e; }
    void on(oftp::Session& session, const oftp::SpeakerTurn&) {
        if (turn < turns.size() && next_file < turns[turn].size()) {
            sending = &turns[turn][next_file++];
            send_offset = 0;
            session.offer_file(sending->sfid);
            return;
        }
        ++turn;
        next_file = 0;
        session.end_turn();
    }
    void on(oftp::Session& session, const oftp::FileAccepted& e) {
        accepted.push_back(e);
        const oftp::Sfid& sfid = sending->sfid;
        if (oftp::has_records(sfid.format)) {
            send_offset = e.restart_position;
            if (sfid.format == oftp::RecordFormat::variable && send_offset > 0) {
                std::uint64_t units = 0;
                for (std::size_t i = 0; i < send_offset; ++i) units += sending->records[i].size();
                session.set_restart_units(units);
            }
        } else {
            send_offset = oftp::block_restart_offset(e.restart_position);
        }
        feed(session);
    }
    void on(oftp::Session& session, const oftp::DataWanted&) { feed(session); }
    void on(oftp::Session&, const oftp::FileRefused& e) { refused.push_back(e); }
    void on(oftp::Session&, const oftp::FileSent& e) { sent.push_back(e); }
    void on(oftp::Session&, const oftp::FileEndRefused& e) { end_refused.push_back(e); }
    void on(oftp::Session& session, const oftp::FileOffered& e) {
        if (refuse_start) {
            session.refuse_file(refuse_start->reason, refuse_start->retry,
                                refuse_start->reason_text);
            return;
        }
        ReceivedFile file;
        file.sfid = e.sfid;
        std::uint64_t position = 0;
        if (auto it = partial.find(e.sfid.dataset_name); it != partial.end()) {
            position = std::min(e.sfid.restart_position,
                                oftp::block_restart_position(it->second.size()));
            file.content.assign(it->second.begin(),
                                it->second.begin() +
                                    static_cast<std::ptrdiff_t>(oftp::block_restart_offset(position)));
        }
        std::optional<std::uint64_t> units;
        if (auto it = partial_records.find(e.sfid.dataset_name); it != partial_records.end()) {
            position = std::min<std::uint64_t>(e.sfid.restart_position, it->second.size());
            std::uint64_t octets = 0;
            for (std::size_t i = 0; i < position; ++i) {
                file.records.push_back(it->second[i]);
                file.content.insert(file.content.end(), it->second[i].begin(), it->second[i].end());
                octets += it->second[i].size();
            }
            units = octets;
        }
        received.push_back(std::move(file));
        session.accept_file(position, units);
    }
    void on(oftp::Session& session, const oftp::FileData& e) {
        ReceivedFile& file = received.back();
        std::size_t start = 0;
        for (std::size_t end : e.record_ends) {
            pending_record.insert(pending_record.end(), e.data.begin() + static_cast<std::ptrdiff_t>(start),
                                  e.data.begin() + static_cast<std::ptrdiff_t>(end));
            file.records.push_back(std::move(pending_record));
            pending_record.clear();
            start = end;
        }
        pending_record.insert(pending_record.end(), e.data.begin() + static_cast<std::ptrdiff_t>(start),
                              e.data.end());
        file.content.insert(file.content.end(), e.data.begin(), e.data.end());
        if (slow_consumer) {
            ++unconsumed;
        } else {
            session.data_consumed();
        }
    }
    void on(oftp::Session& session, const oftp::FileEnded& e) {
        last_file_end = e;
        received.back().counts = e.counts;
        pending_record.clear();
        if (e.count_problem) {
            return;
        }
        if (refuse_end) {
            session.refuse_file_end(*refuse_end, "refused by test");
            return;
        }
        received.back().accepted = true;
        session.accept_file_end(request_change_direction);
    }
    void on(oftp::Session& session, const oftp::EndResponseReceived& e) {
        responses_received.push_back(e.response);
        session.acknowledge_end_response();
    }
    void on(oftp::Session&, const oftp::EndResponseSent& e) { responses_sent.push_back(e.response); }
    void on(oftp::Session&, const oftp::EndResponseNotSent&) {}
    void on(oftp::Session&, const oftp::DirectionChanged&) {}
    void on(oftp::Session&, const oftp::PeerDeviation& e) { deviations.push_back(e); }
    void on(oftp::Session&, const oftp::SessionEnded& e) { ended = e; }

    // Writes about one buffer at a time while the engine wants data; finishes at the end.
    void feed(oftp::Session& session) {
        const OutFile& file = *sending;
        const std::size_t chunk = session.parameters()->buffer_size;
        while (session.wants_data()) {
            if (oftp::has_records(file.sfid.format)) {
                if (send_offset == file.records.size()) {
                    session.finish_file();
                    return;
                }
                session.write_record(file.records[send_offset++]);
            } else {
                if (send_offset == file.content.size()) {
                    session.finish_file();
                    return;
                }
                const std::size_t n = std::min(chunk, file.content.size() - send_offset);
                session.write(oftp::ByteView(file.content).subspan(send_offset, n));
                send_offset += n;
            }
        }
    }

    oftp::Bytes pending_record;
};

// How bytes travel between the two engines.
enum class Split { whole, byte_by_byte, odd_chunks };

struct Pair {
    Station initiator;
    Station responder;
    std::optional<oftp::Session> left;   // the initiator's engine
    std::optional<oftp::Session> right;  // the responder's engine
    oftp::TimePoint now{};
    Split split = Split::whole;
    std::size_t steps = 0;
    // Bytes each engine received, for transcript checks.
    oftp::Bytes to_initiator;
    oftp::Bytes to_responder;
    // Every exchange buffer in the order sent: (sent by the initiator?, buffer without STH).
    std::vector<std::pair<bool, oftp::Bytes>> transcript;

    Pair() {
        initiator.config.role = oftp::SessionRole::initiator;
        initiator.config.ssid_code = "O0013000001INITIATOR";
        initiator.config.password = "INITPASS";
        responder.config.role = oftp::SessionRole::responder;
        responder.config.ssid_code = "O0013000002RESPONDER";
        responder.config.password = "RESPPASS";
        responder.expected_partner_code = initiator.config.ssid_code;
        responder.expected_partner_password = initiator.config.password;
        initiator.expected_partner_code = responder.config.ssid_code;
        initiator.expected_partner_password = responder.config.password;
    }

    void start() {
        left.emplace(initiator.config, now);
        right.emplace(responder.config, now);
        for (auto& r : initiator.end_responses) left->queue_end_response(r);
        for (auto& r : responder.end_responses) right->queue_end_response(r);
    }

    static void deliver(oftp::Session& to, const oftp::Bytes& bytes, Split split,
                        oftp::TimePoint now) {
        if (split == Split::whole) {
            to.receive(bytes, now);
            return;
        }
        std::size_t step = 1;
        for (std::size_t i = 0; i < bytes.size(); i += step) {
            step = split == Split::byte_by_byte ? 1 : 1 + (i * 7 + 3) % 13;
            const std::size_t n = std::min(step, bytes.size() - i);
            to.receive(oftp::ByteView(bytes).subspan(i, n), now);
        }
    }

    // One round: events on both sides, then output across. False when nothing moved.
    bool step() {
        bool moved = false;
        while (auto e = left->next_event()) {
            initiator.handle(*left, *e);
            moved = true;
        }
        while (auto e = right->next_event()) {
            responder.handle(*right, *e);
            moved = true;
        }
        oftp::Bytes out = left->take_output();
        if (!out.empty()) {
            to_responder.insert(to_responder.end(), out.begin(), out.end());
            for (auto& b : buffers(out)) transcript.emplace_back(true, std::move(b));
            deliver(*right, out, split, now);
            moved = true;
        }
        out = right->take_output();
        if (!out.empty()) {
            to_initiator.insert(to_initiator.end(), out.begin(), out.end());
            for (auto& b : buffers(out)) transcript.emplace_back(false, std::move(b));
            deliver(*left, out, split, now);
            moved = true;
        }
        now += std::chrono::milliseconds(1);
        return moved;
    }

    // Runs until both sides stop moving; throws on livelock.
    void run(std::size_t bound = 2'000'000) {
        if (!left) start();
        while (step()) {
            if (++steps > bound) throw std::runtime_error("pair did not settle");
        }
    }

    // The bytes the initiator got, split into exchange buffers (STH removed).
    static std::vector<oftp::Bytes> buffers(const oftp::Bytes& stream) {
        oftp::StreamDeframer deframer;
        deframer.feed(stream);
        std::vector<oftp::Bytes> out;
        while (auto b = deframer.next()) out.push_back(std::move(*b));
        return out;
    }
};

}  // namespace oftp_test
