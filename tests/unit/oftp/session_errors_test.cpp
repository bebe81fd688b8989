// Protocol errors and timers: credit violations, oversize and broken buffers, truncated and
// unknown commands, commands out of sequence, count mismatches, the peer's ESID and the
// inactivity timer. Each ends with the ESID reason that fits and an event saying why; nothing
// throws out of receive().
#include "oftp_test_util.hpp"
#include "session_pair.hpp"

#include "protocols/oftp/codec.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace oftp_test;
using oftp::EsidReason;

// A responder driven by hand: the tests play the initiator with buffers they write.
struct Responder {
    oftp::Session session;
    oftp::TimePoint now{};
    std::vector<oftp::SessionEvent> events;

    explicit Responder(std::uint32_t buffer = 128, std::uint16_t credit = 1)
        : session(config(buffer, credit), {}) {
        (void)session.take_output();  // SSRM
        oftp::Ssid ssid;
        ssid.code_id = "O0013INIT";
        ssid.password = "PASSWORD";
        ssid.buffer_size = buffer;
        ssid.credit = credit;
        ssid.buffer_compression = true;
        ssid.restart = true;
        command(ssid);
        session.accept_partner();
        drain();
        (void)session.take_output();
    }

    static oftp::SessionConfig config(std::uint32_t buffer, std::uint16_t credit) {
        oftp::SessionConfig c;
        c.role = oftp::SessionRole::responder;
        c.ssid_code = "O0013RESP";
        c.password = "SECRET";
        c.buffer_size = buffer;
        c.credit = credit;
        return c;
    }

    void raw(const oftp::Bytes& buffer) {
        REQUIRE_NOTHROW(session.receive(oftp::encode_stream_buffer(buffer), now));
    }
    void command(const oftp::Command& c) { raw(oftp::encode(c, oftp::ProtocolLevel::v2_0)); }
    void drain() {
        while (auto e = session.next_event()) events.push_back(std::move(*e));
    }
    void offer_and_accept(oftp::RecordFormat format = oftp::RecordFormat::unstructured) {
        command(make_sfid("FILE", format, format == oftp::RecordFormat::fixed ? 10 : 0));
        drain();
        session.accept_file();
        (void)session.take_output();
    }
    // The ESID the engine sent, and the SessionEnded event.
    oftp::SessionEnded ended() {
        drain();
        REQUIRE(session.ended());
        REQUIRE(!events.empty());
        return std::get<oftp::SessionEnded>(events.back());
    }
    std::string esid_on_wire() {
        const auto buffers = Pair::buffers(session.take_output());
        REQUIRE(!buffers.empty());
        return text(buffers.back()).substr(0, 3);
    }
};

// A DATA buffer of exactly `size` octets (command octet included), uncompressed.
oftp::Bytes data_buffer_of_size(std::size_t size) {
    oftp::Bytes b{'D'};
    while (size - b.size() >= 64) {
        b.push_back(63);
        b.insert(b.end(), 63, 'x');
    }
    if (b.size() < size) {
        const std::size_t n = size - b.size() - 1;
        b.push_back(static_cast<std::uint8_t>(n));
        b.insert(b.end(), n, 'y');
    }
    return b;
}

oftp::Bytes data_buffer(std::size_t octets, bool end = false) {
    oftp::Bytes b{'D'};
    while (octets > 0) {
        const std::size_t n = std::min<std::size_t>(octets, 63);
        octets -= n;
        b.push_back(static_cast<std::uint8_t>(n | (octets == 0 && end ? 0x80 : 0)));
        b.insert(b.end(), n, 'x');
    }
    return b;
}

}  // namespace

TEST_CASE("OFTP session: DATA beyond the credit is a protocol error", "[oftp][session]") {
    Responder r(128, 1);
    r.offer_and_accept();
    r.raw(data_buffer(50));
    CHECK(!r.session.ended());
    r.raw(data_buffer(50));  // no CDT came between
    const oftp::SessionEnded end = r.ended();
    CHECK(end.reason == EsidReason::protocol_violation);
    CHECK(end.by == oftp::EndedBy::us);
    CHECK(end.detail.find("beyond the credit") != std::string::npos);
    CHECK(r.esid_on_wire() == "F02");
}

TEST_CASE("OFTP session: a DATA buffer above the agreed size: ESID 07", "[oftp][session]") {
    Responder r(128, 5);
    r.offer_and_accept();
    r.raw(data_buffer_of_size(128));  // the agreed size: fits
    CHECK(!r.session.ended());
    r.raw(data_buffer_of_size(129));  // one too many
    const oftp::SessionEnded end = r.ended();
    CHECK(end.reason == EsidReason::exchange_buffer_size_error);
    CHECK(r.esid_on_wire() == "F07");
}

TEST_CASE("OFTP session: broken stream headers and buffers", "[oftp][session]") {
    SECTION("STH length above the limit") {
        Responder r;
        REQUIRE_NOTHROW(r.session.receive(oftp::Bytes{0x10, 0x01, 0x86, 0xA4 + 1}, r.now));
        CHECK(r.ended().reason == EsidReason::exchange_buffer_size_error);
    }
    SECTION("STH version not 1") {
        Responder r;
        REQUIRE_NOTHROW(r.session.receive(oftp::Bytes{0x20, 0x00, 0x00, 0x06, 'R', 0x0D}, r.now));
        CHECK(r.ended().reason == EsidReason::mode_or_capabilities_incompatible);
    }
    SECTION("a truncated command") {
        Responder r;
        oftp::Bytes sfid = oftp::encode(make_sfid("FILE", oftp::RecordFormat::text),
                                        oftp::ProtocolLevel::v2_0);
        sfid.resize(60);
        r.raw(sfid);
        const oftp::SessionEnded end = r.ended();
        CHECK(end.reason == EsidReason::exchange_buffer_size_error);
        CHECK(end.detail.find("SFID") != std::string::npos);
        CHECK(r.esid_on_wire() == "F07");
    }
    SECTION("an unknown command") {
        Responder r;
        r.raw(bytes("Zwhatever\r"));
        CHECK(r.ended().reason == EsidReason::command_not_recognised);
        CHECK(r.esid_on_wire() == "F01");
    }
    SECTION("a field with invalid data") {
        Responder r;
        oftp::Bytes sfid = oftp::encode(make_sfid("FILE", oftp::RecordFormat::text),
                                        oftp::ProtocolLevel::v2_0);
        sfid[106] = 'Q';  // SFIDFMT
        r.raw(sfid);
        CHECK(r.ended().reason == EsidReason::command_contained_invalid_data);
    }
    SECTION("a broken DATA buffer") {
        Responder r(128, 5);
        r.offer_and_accept();
        r.raw(oftp::Bytes{'D', 0x05, 'a'});  // five octets announced, one there
        CHECK(r.ended().reason == EsidReason::exchange_buffer_size_error);
    }
}

TEST_CASE("OFTP session: commands out of sequence", "[oftp][session]") {
    struct Case {
        const char* what;
        oftp::Command command;
    };
    for (const Case& c : {Case{"EFID", oftp::Efid{0, 10}}, Case{"SSRM", oftp::Ssrm{}},
                          Case{"CDT", oftp::Cdt{}}, Case{"RTR", oftp::Rtr{}},
                          Case{"SFPA", oftp::Sfpa{0}}, Case{"EFPA", oftp::Efpa{false}},
                          Case{"SECD", oftp::Secd{}}}) {
        CAPTURE(c.what);
        Responder r;
        r.command(c.command);
        const oftp::SessionEnded end = r.ended();
        CHECK(end.reason == EsidReason::protocol_violation);
        CHECK(end.detail.find(c.what) != std::string::npos);
        CHECK(end.detail.find("IDLELI") != std::string::npos);
    }
    SECTION("DATA before SFPA") {
        Responder r;
        r.raw(data_buffer(5));
        CHECK(r.ended().reason == EsidReason::protocol_violation);
    }
    SECTION("an SFID with a restart position when restart was not agreed") {
        oftp::SessionConfig config = Responder::config(128, 1);
        config.restart = false;
        oftp::Session responder(config, {});
        (void)responder.take_output();
        oftp::Ssid ssid;
        ssid.code_id = "I";
        responder.receive(oftp::encode_stream_buffer(oftp::encode(ssid, oftp::ProtocolLevel::v2_0)), {});
        (void)responder.next_event();
        responder.accept_partner();
        REQUIRE(!responder.parameters()->restart);
        oftp::Sfid sfid = make_sfid("R", oftp::RecordFormat::text);
        sfid.restart_position = 3;
        responder.receive(oftp::encode_stream_buffer(oftp::encode(sfid, oftp::ProtocolLevel::v2_0)), {});
        CHECK(responder.ended());
        CHECK(text(Pair::buffers(responder.take_output()).back()).substr(0, 3) == "F02");
    }
}

TEST_CASE("OFTP session: EFID counts are checked against what arrived", "[oftp][session]") {
    SECTION("octets") {
        Responder r(128, 5);
        r.offer_and_accept();
        r.raw(data_buffer(100, true));
        r.command(oftp::Efid{0, 101});
        r.drain();
        const auto& ended = std::get<oftp::FileEnded>(r.events.back());
        CHECK(ended.count_problem == oftp::EfnaReason::invalid_byte_count);
        CHECK(ended.units_received == 100);
        CHECK(text(Pair::buffers(r.session.take_output()).back()).substr(0, 3) == "511");
        CHECK(!r.session.ended());
        CHECK(r.session.state_name() == "IDLELI");
    }
    SECTION("records") {
        Responder r(128, 5);
        r.offer_and_accept(oftp::RecordFormat::fixed);
        oftp::Bytes two_records{'D', 0x8A};
        two_records.insert(two_records.end(), 10, 'a');
        two_records.push_back(0x8A);
        two_records.insert(two_records.end(), 10, 'b');
        r.raw(two_records);
        r.command(oftp::Efid{3, 20});
        r.drain();
        CHECK(std::get<oftp::FileEnded>(r.events.back()).count_problem ==
              oftp::EfnaReason::invalid_record_count);
    }
}

TEST_CASE("OFTP session: the partner's ESID mid-file ends the session", "[oftp][session]") {
    Responder r(128, 5);
    r.offer_and_accept();
    r.raw(data_buffer(10));
    r.command(oftp::Esid{EsidReason::local_site_emergency_close_down, "operator"});
    const oftp::SessionEnded end = r.ended();
    CHECK(end.reason == EsidReason::local_site_emergency_close_down);
    CHECK(end.by == oftp::EndedBy::peer);
    CHECK(end.reason_text == "operator");
    CHECK(end.detail.find("during a file transfer") != std::string::npos);
    CHECK(r.session.take_output().empty());  // no answer to an ESID
    r.raw(data_buffer(10));                  // and nothing after it
    CHECK(r.session.take_output().empty());
}

TEST_CASE("OFTP session: the inactivity timer", "[oftp][session]") {
    using namespace std::chrono_literals;
    SECTION("the responder waits for an SSID that never comes") {
        oftp::SessionConfig config = Responder::config(128, 1);
        config.inactivity_timeout = 30s;
        const oftp::TimePoint start{};
        oftp::Session responder(config, start);
        (void)responder.take_output();
        REQUIRE(responder.next_deadline() == start + 30s);
        responder.on_timeout(start + 29s);  // early wake-up: nothing
        CHECK(!responder.ended());
        responder.on_timeout(start + 30s);
        REQUIRE(responder.ended());
        CHECK(text(Pair::buffers(responder.take_output()).back()).substr(0, 3) == "F09");
        const auto end = std::get<oftp::SessionEnded>(*responder.next_event());
        CHECK(end.reason == EsidReason::time_out);
        CHECK(end.detail.find("WF_SSID") != std::string::npos);
        CHECK(!responder.next_deadline());
    }
    SECTION("every buffer from the peer restarts it") {
        Responder r(128, 5);
        r.offer_and_accept();
        const oftp::TimePoint first = *r.session.next_deadline();
        r.now += std::chrono::seconds(100);
        r.raw(data_buffer(10));
        CHECK(*r.session.next_deadline() == first + std::chrono::seconds(100));
        r.session.on_timeout(first);
        CHECK(!r.session.ended());
    }
    SECTION("a speaker waiting for SFPA") {
        Pair pair;
        pair.initiator.config.inactivity_timeout = 5s;
        OutFile file;
        file.sfid = make_sfid("WAIT", oftp::RecordFormat::text);
        file.content = bytes("x");
        pair.initiator.turns = {{file}};
        pair.start();
        // Run until the SFID is out, then the responder goes silent.
        while (Pair::buffers(pair.to_responder).size() < 2) pair.step();
        while (pair.right->next_event()) {
        }
        (void)pair.left->next_event();
        pair.left->on_timeout(*pair.left->next_deadline());
        CHECK(pair.left->ended());
        CHECK(text(Pair::buffers(pair.left->take_output()).back()).substr(0, 3) == "F09");
    }
}

TEST_CASE("OFTP session: connection lost and local abort", "[oftp][session]") {
    Responder r;
    r.session.connection_lost();
    CHECK(r.ended().by == oftp::EndedBy::network);
    CHECK(r.session.take_output().empty());

    Responder a;
    a.session.abort(EsidReason::local_site_emergency_close_down);
    CHECK(a.ended().reason == EsidReason::local_site_emergency_close_down);
    CHECK(a.esid_on_wire() == "F05");
}

TEST_CASE("OFTP session: decisions answering events queued before the end do nothing",
          "[oftp][session]") {
    oftp::Session responder(Responder::config(128, 1), {});
    (void)responder.take_output();
    oftp::Ssid ssid;
    ssid.code_id = "O0013INIT";
    oftp::Bytes stream = oftp::encode_stream_buffer(oftp::encode(ssid, oftp::ProtocolLevel::v2_0));
    // The initiator does not wait for our SSID: its SFID lands before our verdict.
    const oftp::Bytes sfid = oftp::encode_stream_buffer(
        oftp::encode(make_sfid("EARLY", oftp::RecordFormat::text), oftp::ProtocolLevel::v2_0));
    stream.insert(stream.end(), sfid.begin(), sfid.end());
    REQUIRE_NOTHROW(responder.receive(stream, {}));
    REQUIRE(responder.ended());
    auto first = responder.next_event();
    REQUIRE(std::holds_alternative<oftp::PartnerIdentified>(*first));
    REQUIRE_NOTHROW(responder.accept_partner());
    CHECK(text(Pair::buffers(responder.take_output()).back()).substr(0, 3) == "F02");
    CHECK(!responder.established());
    CHECK(std::get<oftp::SessionEnded>(*responder.next_event()).reason ==
          EsidReason::protocol_violation);
}
