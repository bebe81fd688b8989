// Turns, refusals, restart, end-to-end responses and back-pressure through two engines.
#include "oftp_test_util.hpp"
#include "session_pair.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using namespace oftp_test;
using oftp::EsidReason;
using oftp::RecordFormat;

OutFile text_file(const std::string& dsn, std::size_t size) {
    OutFile file;
    file.sfid = make_sfid(dsn, RecordFormat::unstructured);
    for (std::size_t i = 0; i < size; ++i) {
        file.content.push_back(static_cast<std::uint8_t>('a' + (i * 7 + i / 13) % 26));
    }
    file.sfid.file_size = oftp::size_in_blocks(size);
    return file;
}

OutFile record_file(const std::string& dsn, RecordFormat format, std::size_t records) {
    OutFile file;
    file.sfid = make_sfid(dsn, format, 50);
    for (std::size_t i = 0; i < records; ++i) {
        const std::size_t length = format == RecordFormat::fixed ? 50 : (i * 11) % 51;
        oftp::Bytes record(length, static_cast<std::uint8_t>('A' + i % 26));
        file.records.push_back(record);
        file.content.insert(file.content.end(), record.begin(), record.end());
    }
    return file;
}

std::vector<std::string> sfid_order(const Pair& pair) {
    std::vector<std::string> out;
    for (const auto& [from_initiator, buffer] : pair.transcript) {
        if (buffer.front() == 'H') {
            out.push_back((from_initiator ? "I:" : "R:") + text(buffer).substr(1, 7));
        }
    }
    return out;
}

std::string commands(const Pair& pair) {
    std::string out;
    for (const auto& [from_initiator, buffer] : pair.transcript) {
        if (buffer.front() != 'D') {
            out += std::string(oftp::command_name(static_cast<char>(buffer.front())));
            out += ' ';
        }
    }
    return out;
}

oftp::Eerp eerp(const std::string& dsn) {
    oftp::Eerp e;
    e.dataset_name = dsn;
    e.stamp = {2024, 3, 4, 5, 6, 7, 8};
    e.destination = "O0013000001INITIATOR";
    e.originator = "O0013000002RESPONDER";
    return e;
}

oftp::Nerp nerp(const std::string& dsn) {
    oftp::Nerp e;
    e.dataset_name = dsn;
    e.stamp = {2024, 3, 4, 5, 6, 7, 8};
    e.destination = "O0013000002RESPONDER";
    e.originator = "O0013000001INITIATOR";
    e.creator = "O0013000001INITIATOR";
    e.reason = oftp::NerpReason::duplicate_file;
    return e;
}

}  // namespace

TEST_CASE("OFTP session: the turn passes both ways several times", "[oftp][session]") {
    Pair pair;
    pair.initiator.turns = {{text_file("INIT1", 100)}, {text_file("INIT2", 100)}};
    pair.responder.turns = {{text_file("RESP1", 100)}, {text_file("RESP2", 100)}};
    pair.run();
    const auto order = sfid_order(pair);
    REQUIRE(order.size() == 4);
    CHECK(order[0].substr(0, 7) == "I:INIT1");
    CHECK(order[1].substr(0, 7) == "R:RESP1");
    CHECK(order[2].substr(0, 7) == "I:INIT2");
    CHECK(order[3].substr(0, 7) == "R:RESP2");
    CHECK(commands(pair) ==
          "SSRM SSID SSID SFID SFPA EFID EFPA CD SFID SFPA EFID EFPA CD SFID SFPA EFID EFPA CD "
          "SFID SFPA EFID EFPA CD ESID ");
    CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);
    CHECK(pair.initiator.ended->by == oftp::EndedBy::us);
}

TEST_CASE("OFTP session: EFPA with change direction hands the turn over", "[oftp][session]") {
    Pair pair;
    pair.responder.request_change_direction = true;
    pair.initiator.turns = {{text_file("INIT1", 10), text_file("INIT2", 10)}};
    pair.responder.turns = {{text_file("RESP1", 10)}};
    pair.run();
    REQUIRE(pair.responder.received.size() == 2);
    REQUIRE(pair.initiator.received.size() == 1);
    CHECK(pair.initiator.sent.at(0).change_direction);
    // INIT1, EFPA(CD=Y) and CD; RESP1 and CD; INIT2, EFPA(CD=Y) and CD; the responder asked
    // for the turn but has nothing: it gives it back (CD) rather than end; the initiator,
    // handed the turn unasked with nothing left, ends the session.
    CHECK(commands(pair) ==
          "SSRM SSID SSID SFID SFPA EFID EFPA CD SFID SFPA EFID EFPA CD SFID SFPA EFID EFPA CD "
          "CD ESID ");
    CHECK(pair.initiator.ended->by == oftp::EndedBy::us);
}

TEST_CASE("OFTP session: nothing to send on either side", "[oftp][session]") {
    Pair pair;
    pair.run();
    CHECK(commands(pair) == "SSRM SSID SSID CD ESID ");
    CHECK(pair.responder.ended->reason == EsidReason::normal_termination);
    CHECK(pair.responder.ended->by == oftp::EndedBy::us);
    CHECK(pair.initiator.ended->by == oftp::EndedBy::peer);
    CHECK(pair.to_initiator.size() > 0);
    CHECK(text(Pair::buffers(pair.to_initiator).back()) == "F00000\r");
}

TEST_CASE("OFTP session: SFNA and EFNA refusals reach the speaker", "[oftp][session]") {
    for (const auto level : oftp::kAllLevels) {
        CAPTURE(oftp::level_name(level));
        Pair pair;
        pair.initiator.config.level = level;
        pair.responder.refuse_start =
            oftp::Sfna{oftp::SfnaReason::duplicate_file, true, "already received"};
        pair.initiator.turns = {{text_file("DUP", 10), text_file("DUP2", 10)}};
        pair.run();
        REQUIRE(pair.initiator.refused.size() == 2);
        CHECK(pair.initiator.refused[0].answer.reason == oftp::SfnaReason::duplicate_file);
        CHECK(pair.initiator.refused[0].answer.retry);
        CHECK(pair.initiator.refused[0].answer.reason_text ==
              (oftp::is_v2(level) ? "already received" : ""));
        CHECK(pair.initiator.refused[0].sfid.dataset_name == "DUP");
        CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);

        Pair end;
        end.initiator.config.level = level;
        end.responder.refuse_end = oftp::EfnaReason::access_method_failure;
        end.initiator.turns = {{text_file("LATE", 3000)}};
        end.run();
        REQUIRE(end.initiator.end_refused.size() == 1);
        CHECK(end.initiator.end_refused[0].answer.reason == oftp::EfnaReason::access_method_failure);
        CHECK(end.initiator.end_refused[0].counts.unit_count == 3000);
        CHECK(end.initiator.sent.empty());
        CHECK(end.initiator.ended->reason == EsidReason::normal_termination);
    }
}

TEST_CASE("OFTP session: restart from the position the listener answers", "[oftp][session]") {
    SECTION("U: 1 KiB blocks") {
        Pair pair;
        OutFile file = text_file("RESTART.U", 5000);
        file.sfid.restart_position = 4;  // the speaker offers up to block 4
        pair.initiator.turns = {{file}};
        // The listener has 2500 octets stored: whole blocks, 2.
        pair.responder.partial["RESTART.U"] = oftp::Bytes(file.content.begin(), file.content.begin() + 2500);
        pair.run();
        REQUIRE(pair.initiator.accepted.size() == 1);
        CHECK(pair.initiator.accepted[0].restart_position == 2);
        REQUIRE(pair.responder.received.size() == 1);
        CHECK(pair.responder.received[0].content == file.content);
        CHECK(pair.responder.received[0].counts.unit_count == 5000);  // totals, 5.3.8
        std::size_t data_octets = 0;
        for (const auto& [from_initiator, b] : pair.transcript) {
            if (b.front() == 'D') data_octets += b.size();
        }
        CHECK(data_octets < 5000 - 2048 + 100);
    }
    SECTION("F and V: records") {
        for (const RecordFormat format : {RecordFormat::fixed, RecordFormat::variable}) {
            Pair pair;
            OutFile file = record_file("RESTART.R", format, 40);
            file.sfid.restart_position = 40;
            pair.initiator.turns = {{file}};
            pair.responder.partial_records["RESTART.R"] =
                std::vector<oftp::Bytes>(file.records.begin(), file.records.begin() + 17);
            pair.run();
            CHECK(pair.initiator.accepted.at(0).restart_position == 17);
            REQUIRE(pair.responder.received.size() == 1);
            CHECK(pair.responder.received[0].accepted);
            CHECK(pair.responder.received[0].records == file.records);
            CHECK(pair.responder.received[0].counts.record_count == 40);
            CHECK(pair.responder.received[0].counts.unit_count == file.content.size());
        }
    }
    SECTION("restart not agreed: SFIDREST goes out as 0") {
        Pair pair;
        pair.responder.config.restart = false;
        OutFile file = text_file("NORESTART", 3000);
        file.sfid.restart_position = 2;
        pair.initiator.turns = {{file}};
        pair.responder.partial["NORESTART"] = oftp::Bytes(file.content.begin(), file.content.begin() + 2048);
        pair.run();
        CHECK(pair.initiator.accepted.at(0).restart_position == 0);
        CHECK(pair.responder.received.at(0).content == file.content);
    }
}

TEST_CASE("OFTP session: EERP and NERP both ways, each answered by RTR", "[oftp][session]") {
    for (const auto level : oftp::kAllLevels) {
        CAPTURE(oftp::level_name(level));
        Pair pair;
        pair.initiator.config.level = level;
        pair.initiator.end_responses = {eerp("FILE.A"), nerp("FILE.B")};
        pair.responder.end_responses = {eerp("FILE.C")};
        pair.initiator.turns = {{text_file("WITH.RESPONSES", 10)}};
        pair.run();
        const bool nerp_possible = oftp::has_nerp(level);
        REQUIRE(pair.responder.responses_received.size() == (nerp_possible ? 2 : 1));
        CHECK(std::get<oftp::Eerp>(pair.responder.responses_received[0]).dataset_name == "FILE.A");
        if (nerp_possible) {
            CHECK(std::get<oftp::Nerp>(pair.responder.responses_received[1]).reason ==
                  oftp::NerpReason::duplicate_file);
        } else {
            CHECK(std::count(pair.initiator.events.begin(), pair.initiator.events.end(),
                             "EndResponseNotSent") == 1);
        }
        REQUIRE(pair.initiator.responses_received.size() == 1);
        CHECK(std::get<oftp::Eerp>(pair.initiator.responses_received[0]).dataset_name == "FILE.C");
        CHECK(pair.initiator.responses_sent.size() == pair.responder.responses_received.size());
        CHECK(pair.responder.responses_sent.size() == 1);
        // End responses go before the files, each waits for its RTR.
        const std::string expected_start =
            nerp_possible ? "SSRM SSID SSID EERP RTR NERP RTR SFID " : "SSRM SSID SSID EERP RTR SFID ";
        CHECK(commands(pair).substr(0, expected_start.size()) == expected_start);
        CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);
    }
}

TEST_CASE("OFTP session: credit goes back only once the listener's driver wrote the data",
          "[oftp][session]") {
    Pair pair;
    pair.initiator.config.buffer_size = 128;
    pair.initiator.config.credit = 2;
    pair.initiator.config.compression = false;
    pair.responder.slow_consumer = true;
    pair.initiator.turns = {{text_file("SLOW", 2000)}};
    pair.run();
    // Settled with a full window delivered and no CDT: the speaker waits.
    auto count = [&](char code, bool from_initiator) {
        std::size_t n = 0;
        for (const auto& [from, b] : pair.transcript) n += from == from_initiator && b.front() == code;
        return n;
    };
    CHECK(count('D', true) == 2);
    CHECK(count('C', false) == 0);
    CHECK(pair.responder.unconsumed == 2);
    CHECK(!pair.initiator.ended);
    CHECK(!pair.left->wants_data());

    // The disk catches up, bit by bit.
    for (int rounds = 0; rounds < 100 && !pair.responder.ended; ++rounds) {
        pair.right->data_consumed();
        pair.responder.unconsumed = 0;
        pair.run();
    }
    REQUIRE(pair.responder.received.size() == 1);
    CHECK(pair.responder.received[0].content == pair.initiator.turns[0][0].content);
    CHECK(count('C', false) == (count('D', true) - 1) / 2);
    CHECK(pair.initiator.ended->reason == EsidReason::normal_termination);
}
