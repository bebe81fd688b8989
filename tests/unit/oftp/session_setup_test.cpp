// Session setup: the first exchanges byte for byte against hand-written RFC 5024 buffers (SSRM,
// SSID, the responder's SSID answer), negotiation of level, buffer, credit, compression and
// restart, and the refusals (ESID 03, 04, 10, 12, protocol errors).
#include "oftp_test_util.hpp"
#include "session_pair.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace oftp_test;
using oftp::EsidReason;

oftp::Bytes framed(const std::string& buffer) {
    return oftp::encode_stream_buffer(bytes(buffer));
}

// SSID written from the table in RFC 5024 5.3.2 (2.0) / RFC 2204 (1.x).
std::string ssid_buffer(char level, std::string_view code, std::string_view password,
                        std::uint32_t buffer, char mode, char compression, char restart,
                        std::uint32_t credit, char auth) {
    std::string out = "X";
    out += level;
    out += x(code, 25) + x(password, 8) + n(buffer, 5);
    out += mode;
    out += compression;
    out += restart;
    out += 'N';  // SSIDSPEC
    out += n(credit, 3);
    out += level == '5' ? std::string(1, auth) + x("", 4) : x("", 5);
    out += x("", 8) + "\r";
    return out;
}

std::vector<std::string> names(oftp::Session& session) {
    std::vector<std::string> out;
    while (auto e = session.next_event()) out.emplace_back(oftp::event_name(*e));
    return out;
}

oftp::SessionConfig responder_config() {
    oftp::SessionConfig config;
    config.role = oftp::SessionRole::responder;
    config.ssid_code = "O0013RESP";
    config.password = "SECRET";
    config.buffer_size = 2048;
    config.credit = 10;
    return config;
}

}  // namespace

TEST_CASE("OFTP session: the responder's SSRM and SSID answer, byte for byte", "[oftp][session]") {
    oftp::Session responder(responder_config(), {});
    CHECK(responder.take_output() == framed(std::string("IODETTE FTP READY \r")));
    CHECK(responder.state_name() == "WF_SSID");

    // The initiator offers 2.0, 4096 octets, credit 99, compression, restart, both ways.
    responder.receive(framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'B', 'Y', 'Y', 99, 'N')),
                      {});
    std::optional<oftp::SessionEvent> event = responder.next_event();
    REQUIRE(event);
    const auto* identified = std::get_if<oftp::PartnerIdentified>(&*event);
    REQUIRE(identified);
    CHECK(identified->ssid.code_id == "O0013INIT");
    CHECK(identified->ssid.password == "PASSWORD");
    CHECK(responder.take_output().empty());  // nothing before the driver's verdict

    responder.accept_partner();
    // The answer carries the smaller values: 2048 and credit 10.
    CHECK(responder.take_output() ==
          framed(ssid_buffer('5', "O0013RESP", "SECRET", 2048, 'B', 'Y', 'Y', 10, 'N')));
    CHECK(names(responder) == std::vector<std::string>{"SessionStarted"});
    CHECK(responder.state_name() == "IDLELI");
    CHECK(!responder.is_speaker());
}

TEST_CASE("OFTP session: a responder answers with the partner's own constants", "[oftp][session]") {
    oftp::Session responder(responder_config(), {});
    (void)responder.take_output();
    responder.receive(framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'B', 'Y', 'Y', 99, 'N')),
                      {});
    REQUIRE(names(responder) == std::vector<std::string>{"PartnerIdentified"});

    oftp::SessionConfig for_partner = responder_config();
    for_partner.role = oftp::SessionRole::initiator;  // ignored: the role stays
    for_partner.level = oftp::ProtocolLevel::v1_4;
    for_partner.password = "PERPART";
    for_partner.buffer_size = 1024;
    for_partner.credit = 5;
    for_partner.compression = false;
    responder.accept_partner(for_partner);
    CHECK(responder.take_output() ==
          framed(ssid_buffer('4', "O0013RESP", "PERPART", 1024, 'B', 'N', 'Y', 5, 'N')));
    const auto event = responder.next_event();
    REQUIRE(event);
    const auto* started = std::get_if<oftp::SessionStarted>(&*event);
    REQUIRE(started);
    CHECK(started->parameters.level == oftp::ProtocolLevel::v1_4);
    CHECK(started->parameters.buffer_size == 1024);
    CHECK(!started->parameters.compression);
    CHECK(responder.state_name() == "IDLELI");
}

TEST_CASE("OFTP session: per-partner constants that conflict end with ESID 10", "[oftp][session]") {
    oftp::Session responder(responder_config(), {});
    (void)responder.take_output();
    responder.receive(framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'S', 'N', 'Y', 99, 'N')),
                      {});
    REQUIRE(names(responder) == std::vector<std::string>{"PartnerIdentified"});
    oftp::SessionConfig send_only = responder_config();
    send_only.capability = oftp::Capability::send_only;
    responder.accept_partner(send_only);
    CHECK(responder.ended());
    const auto output = responder.take_output();
    REQUIRE(output.size() > 4);
    CHECK(output[4] == 'F');  // ESID after the 4-octet STH
    CHECK(std::string(output.begin() + 5, output.begin() + 7) == "10");

    oftp::Session bad_limits(responder_config(), {});
    bad_limits.receive(framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'B', 'N', 'Y', 99, 'N')), {});
    (void)names(bad_limits);
    oftp::SessionConfig zero_credit = responder_config();
    zero_credit.credit = 0;
    CHECK_THROWS_AS(bad_limits.accept_partner(zero_credit), std::invalid_argument);
    CHECK(bad_limits.state_name() == "WF_F_CONNECT_RS");
}

TEST_CASE("OFTP session: the initiator's SSID after SSRM, and a 1.2 responder", "[oftp][session]") {
    oftp::SessionConfig config;
    config.ssid_code = "O0013INIT";
    config.password = "PASSWORD";
    config.buffer_size = 4096;
    config.credit = 64;
    config.compression = false;
    oftp::Session initiator(config, {});
    CHECK(initiator.take_output().empty());
    initiator.receive(framed(std::string("IODETTE FTP READY \r")), {});
    CHECK(initiator.take_output() ==
          framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'B', 'N', 'Y', 64, 'N')));

    // A 1.2 responder answers in the 1.x layout with smaller values.
    initiator.receive(framed(ssid_buffer('1', "O0013RESP", "SECRET", 1024, 'R', 'N', 'N', 7, ' ')),
                      {});
    CHECK(names(initiator) == std::vector<std::string>{"PartnerIdentified"});
    initiator.accept_partner();
    auto event = initiator.next_event();
    REQUIRE(event);
    const auto& started = std::get<oftp::SessionStarted>(*event);
    CHECK(started.parameters.level == oftp::ProtocolLevel::v1_2);
    CHECK(started.parameters.buffer_size == 1024);
    CHECK(started.parameters.credit == 7);
    CHECK(!started.parameters.restart);
    CHECK(started.parameters.we_send);
    CHECK(!started.parameters.we_receive);  // the responder only receives
    CHECK(started.we_speak_first);
    CHECK(initiator.is_speaker());
    CHECK(names(initiator) == std::vector<std::string>{"SpeakerTurn"});
    CHECK(initiator.take_output().empty());  // the initiator's SSID went before
}

TEST_CASE("OFTP session: unknown user code and wrong password end with ESID 03 and 04",
          "[oftp][session]") {
    SECTION("unknown SSID code") {
        Pair pair;
        pair.initiator.config.ssid_code = "O0013STRANGER";
        pair.run();
        REQUIRE(pair.responder.ended);
        CHECK(pair.responder.ended->reason == EsidReason::user_code_not_known);
        CHECK(pair.responder.ended->by == oftp::EndedBy::us);
        REQUIRE(pair.initiator.ended);
        CHECK(pair.initiator.ended->reason == EsidReason::user_code_not_known);
        CHECK(pair.initiator.ended->by == oftp::EndedBy::peer);
        CHECK(!pair.initiator.started);
        // The ESID on the wire: 'F', reason 03, the 2.0 text.
        const auto last = Pair::buffers(pair.to_initiator).back();
        CHECK(text(last).substr(0, 3) == "F03");
    }
    SECTION("wrong password") {
        Pair pair;
        pair.initiator.config.password = "WRONG";
        pair.run();
        CHECK(pair.responder.ended->reason == EsidReason::invalid_password);
        CHECK(pair.initiator.ended->reason == EsidReason::invalid_password);
    }
    SECTION("the initiator refuses the responder's password") {
        Pair pair;
        pair.initiator.expected_partner_password = "OTHER";
        pair.run();
        CHECK(pair.initiator.ended->reason == EsidReason::invalid_password);
        CHECK(pair.initiator.ended->by == oftp::EndedBy::us);
        CHECK(pair.responder.ended->by == oftp::EndedBy::peer);
        CHECK(pair.responder.started);  // the responder had accepted already
    }
}

TEST_CASE("OFTP session: negotiation refusals", "[oftp][session]") {
    SECTION("both send only: ESID 10") {
        Pair pair;
        pair.initiator.config.capability = oftp::Capability::send_only;
        pair.responder.config.capability = oftp::Capability::send_only;
        pair.run();
        CHECK(pair.responder.ended->reason == EsidReason::mode_or_capabilities_incompatible);
        CHECK(pair.initiator.ended->reason == EsidReason::mode_or_capabilities_incompatible);
        CHECK(pair.responder.ended->detail.find("send only") != std::string::npos);
    }
    SECTION("both receive only: ESID 10") {
        Pair pair;
        pair.initiator.config.capability = oftp::Capability::receive_only;
        pair.responder.config.capability = oftp::Capability::receive_only;
        pair.run();
        CHECK(pair.responder.ended->reason == EsidReason::mode_or_capabilities_incompatible);
    }
    SECTION("send only meets receive only: the sender sends, then ESID 00") {
        Pair pair;
        pair.initiator.config.capability = oftp::Capability::receive_only;
        pair.responder.config.capability = oftp::Capability::send_only;
        OutFile file;
        file.sfid = make_sfid("ONE.WAY", oftp::RecordFormat::unstructured);
        file.content = bytes("hello");
        pair.responder.turns = {{file}};
        pair.run();
        REQUIRE(pair.initiator.received.size() == 1);
        CHECK(pair.initiator.received[0].content == bytes("hello"));
        CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);
    }
    SECTION("a partner that requires secure authentication: ESID 12") {
        oftp::Session responder(responder_config(), {});
        (void)responder.take_output();
        responder.receive(
            framed(ssid_buffer('5', "O0013INIT", "PASSWORD", 4096, 'B', 'Y', 'Y', 99, 'Y')), {});
        CHECK(responder.ended());
        CHECK(text(responder.take_output()).substr(4, 3) == "F12");
    }
    SECTION("a responder answering a larger credit: protocol error") {
        oftp::SessionConfig config;
        config.credit = 5;
        oftp::Session initiator(config, {});
        initiator.receive(framed(std::string("IODETTE FTP READY \r")), {});
        (void)initiator.take_output();
        initiator.receive(
            framed(ssid_buffer('5', "O0013RESP", "SECRET", 4096, 'B', 'Y', 'Y', 6, 'N')), {});
        CHECK(initiator.ended());
        CHECK(text(initiator.take_output()).substr(4, 3) == "F02");
    }
    SECTION("levels: the lower wins, each level's layout on the wire") {
        for (const auto mine : oftp::kAllLevels) {
            for (const auto theirs : oftp::kAllLevels) {
                Pair pair;
                pair.initiator.config.level = mine;
                pair.responder.config.level = theirs;
                pair.run();
                REQUIRE(pair.initiator.started);
                CHECK(pair.initiator.started->parameters.level == oftp::lower_level(mine, theirs));
                CHECK(pair.responder.started->parameters.level == oftp::lower_level(mine, theirs));
                CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);
                CHECK(pair.initiator.deviations.empty());
            }
        }
    }
}

TEST_CASE("OFTP session: decisions out of turn are the driver's bug", "[oftp][session]") {
    oftp::Session responder(responder_config(), {});
    CHECK_THROWS_AS(responder.accept_partner(), std::logic_error);
    CHECK_THROWS_AS(responder.offer_file(make_sfid("X", oftp::RecordFormat::text)), std::logic_error);
    CHECK_THROWS_AS(responder.accept_file(), std::logic_error);
    CHECK(!responder.ended());
    oftp::SessionConfig small;
    small.buffer_size = 127;
    CHECK_THROWS_AS(oftp::Session(small, {}), std::invalid_argument);
    oftp::SessionConfig no_credit;
    no_credit.credit = 0;
    CHECK_THROWS_AS(oftp::Session(no_credit, {}), std::invalid_argument);
}

TEST_CASE("OFTP session: the opening cut at every byte gives the same answers", "[oftp][session]") {
    const oftp::Bytes ssid =
        framed(ssid_buffer('4', "O0013INIT", "PASSWORD", 512, 'S', 'Y', 'N', 3, ' '));
    oftp::Session reference(responder_config(), {});
    (void)reference.take_output();
    reference.receive(ssid, {});
    (void)reference.next_event();
    reference.accept_partner();
    const oftp::Bytes expected = reference.take_output();
    REQUIRE(!expected.empty());
    for (std::size_t cut = 0; cut <= ssid.size(); ++cut) {
        CAPTURE(cut);
        oftp::Session responder(responder_config(), {});
        (void)responder.take_output();
        const oftp::ByteView all(ssid);
        responder.receive(all.first(cut), {});
        if (cut < ssid.size()) {
            CHECK(!responder.next_event());
        }
        responder.receive(all.subspan(cut), {});
        auto event = responder.next_event();
        REQUIRE(event);
        REQUIRE(std::holds_alternative<oftp::PartnerIdentified>(*event));
        responder.accept_partner();
        CHECK(responder.take_output() == expected);
        const auto started = std::get<oftp::SessionStarted>(*responder.next_event());
        CHECK(started.parameters.level == oftp::ProtocolLevel::v1_4);
        CHECK(started.parameters.buffer_size == 512);
        CHECK(started.parameters.credit == 3);
        CHECK(!started.parameters.restart);
        CHECK(!started.parameters.we_send);  // the initiator only sends
    }
}
