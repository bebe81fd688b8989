// libFuzzer harness: the OFTP session engine (protocols/oftp/session.hpp) as responder or
// initiator, with a driver that answers every event the way a station would (accept the
// partner, offer one small file, accept files, consume data, acknowledge EERP/NERP).
//
// Byte 0 picks the setup; the rest is what the peer sends (STB-framed exchange buffers):
//   bit 0: 0 responder, 1 initiator;
//   bit 1: the harness puts a valid opening in front (the initiator's SSID for a responder;
//          SSRM and the responder's SSID for an initiator), so the input lands in a session;
//   bits 2-3: buffer size 128 / 99999 and credit 1 / 99;
//   bits 4-5: the level we offer (1.2, 1.3, 1.4, 2.0).
// Each input runs three ways: whole, then byte by byte with the events answered at the end
// (both must give the same output and outcome), then byte by byte with the events answered
// after every byte (which reaches the deep states).
// Invariants: nothing escapes receive() or the decisions (an exception crashes the fuzzer);
// a session we ended has an ESID as its last output; an ended session answers nothing more;
// output is well-formed STB. A broken invariant traps.
#include "protocols/oftp/codec.hpp"
#include "protocols/oftp/session.hpp"
#include "protocols/oftp/stream_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <variant>

namespace {

namespace oftp = wharf::oftp;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_oftp_session: invariant broken: %s\n", what);
    __builtin_trap();
}

template <class... Handlers>
struct Overloaded : Handlers... {
    using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

struct Setup {
    bool initiator = false;
    bool opening = false;
    oftp::SessionConfig config;
};

Setup read_setup(std::uint8_t selector) {
    Setup setup;
    setup.initiator = (selector & 1) != 0;
    setup.opening = (selector & 2) != 0;
    setup.config.role = setup.initiator ? oftp::SessionRole::initiator : oftp::SessionRole::responder;
    setup.config.ssid_code = "O0013FUZZ";
    setup.config.password = "PASSWORD";
    setup.config.buffer_size = (selector & 4) != 0 ? 99999 : 128;
    setup.config.credit = (selector & 8) != 0 ? 99 : 1;
    setup.config.level = oftp::kAllLevels[(selector >> 4) & 3];
    return setup;
}

oftp::Bytes opening_for(const Setup& setup) {
    oftp::Ssid peer;
    peer.level = setup.config.level;
    peer.code_id = "O0013PEER";
    peer.password = "PEERPASS";
    peer.buffer_size = setup.config.buffer_size;
    peer.credit = setup.config.credit;
    peer.buffer_compression = true;
    peer.restart = true;
    oftp::Bytes out;
    if (setup.initiator) {
        oftp::append_stream_buffer(out, oftp::encode(oftp::Ssrm{}, peer.level));
    }
    oftp::append_stream_buffer(out, oftp::encode(peer, peer.level));
    return out;
}

// Answers events like a station with one small file to send.
class Driver {
public:
    void answer(oftp::Session& session) {
        while (std::optional<oftp::SessionEvent> event = session.next_event()) {
            std::visit(
                Overloaded{
                    [&](const oftp::PartnerIdentified&) { session.accept_partner(); },
                    [&](const oftp::SpeakerTurn&) { take_turn(session); },
                    [&](const oftp::FileAccepted&) { feed(session); },
                    [&](const oftp::DataWanted&) { feed(session); },
                    [&](const oftp::FileOffered& e) {
                        session.accept_file(e.sfid.restart_position / 2);
                    },
                    [&](const oftp::FileData&) { session.data_consumed(); },
                    [&](const oftp::FileEnded& e) {
                        if (!e.count_problem) session.accept_file_end(e.counts.unit_count % 2 == 1);
                    },
                    [&](const oftp::EndResponseReceived&) { session.acknowledge_end_response(); },
                    [&](const oftp::SessionEnded& e) { m_ended_by_us = e.by == oftp::EndedBy::us; },
                    [&](const auto&) {},
                },
                *event);
        }
    }
    [[nodiscard]] bool ended_by_us() const noexcept { return m_ended_by_us; }

private:
    void take_turn(oftp::Session& session) {
        if (m_offered || !session.parameters()->we_send) {
            session.end_turn();
            return;
        }
        m_offered = true;
        oftp::Sfid sfid;
        sfid.dataset_name = "FUZZ.FILE";
        sfid.destination = "O0013PEER";
        sfid.originator = "O0013FUZZ";
        sfid.format = oftp::RecordFormat::unstructured;
        sfid.file_size = 1;
        session.offer_file(sfid);
    }
    void feed(oftp::Session& session) {
        static const std::uint8_t kContent[300] = {1, 2, 3};
        while (!m_finished && session.wants_data()) {
            if (m_written == sizeof kContent) {
                m_finished = true;
                session.finish_file();
                return;
            }
            session.write(oftp::ByteView(kContent).subspan(m_written, 100));
            m_written += 100;
        }
    }

    bool m_offered = false;
    bool m_finished = false;
    std::size_t m_written = 0;
    bool m_ended_by_us = false;
};

struct Outcome {
    oftp::Bytes output;
    bool ended = false;
};

void check_output(const oftp::Bytes& output, bool ended_by_us) {
    oftp::StreamDeframer deframer;
    deframer.feed(output);
    std::optional<oftp::Bytes> last;
    try {
        while (std::optional<oftp::Bytes> buffer = deframer.next()) last = std::move(buffer);
    } catch (const oftp::FramingError&) {
        invariant_broken("our output is not well-formed STB");
    }
    if (deframer.buffered() != 0) invariant_broken("our output ends inside a buffer");
    if (ended_by_us && (!last || last->front() != oftp::Esid::code)) {
        invariant_broken("a session we ended did not send ESID last");
    }
}

enum class Mode { whole, bytes_answer_at_end, bytes_answer_each };

Outcome run(const Setup& setup, oftp::ByteView input, Mode mode) {
    oftp::Session session(setup.config, oftp::TimePoint{});
    session.queue_end_response(oftp::Eerp{"OLD.FILE", {2024, 1, 2, 3, 4, 5, 6}, "", "O0013PEER",
                                          "O0013FUZZ", {}, {}});
    Driver driver;
    Outcome outcome;
    auto collect = [&] {
        const oftp::Bytes out = session.take_output();
        outcome.output.insert(outcome.output.end(), out.begin(), out.end());
    };
    collect();
    if (mode == Mode::whole) {
        session.receive(input, oftp::TimePoint{});
        driver.answer(session);
    } else {
        for (std::size_t i = 0; i < input.size(); ++i) {
            session.receive(input.subspan(i, 1), oftp::TimePoint{});
            if (mode == Mode::bytes_answer_each) {
                driver.answer(session);
                collect();
            }
        }
        driver.answer(session);
    }
    collect();
    outcome.ended = session.ended();
    check_output(outcome.output, driver.ended_by_us());
    if (session.ended()) {
        session.receive(input, oftp::TimePoint{});
        if (session.has_output()) invariant_broken("an ended session answered");
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const Setup setup = read_setup(data[0]);
    oftp::Bytes input = setup.opening ? opening_for(setup) : oftp::Bytes{};
    input.insert(input.end(), data + 1, data + size);

    const Outcome whole = run(setup, input, Mode::whole);
    const Outcome split = run(setup, input, Mode::bytes_answer_at_end);
    if (whole.output != split.output || whole.ended != split.ended) {
        invariant_broken("whole and byte-by-byte input disagree");
    }
    run(setup, input, Mode::bytes_answer_each);
    return 0;
}
