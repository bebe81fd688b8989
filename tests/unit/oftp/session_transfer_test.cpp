// Files both ways through two engines back to back, over the whole matrix of levels, record
// formats, compression, buffer sizes and credits: content and records arrive byte-exact, the
// EFID counts match, the turn passes both ways and the session ends with ESID 00.
#include "session_pair.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace oftp_test;
using oftp::RecordFormat;

// Content with runs (so compression has work) and without.
oftp::Bytes sample_content(std::size_t size, std::uint32_t seed) {
    oftp::Bytes out;
    out.reserve(size);
    std::uint32_t x = seed * 2654435761u + 1;
    while (out.size() < size) {
        x = x * 1103515245u + 12345u;
        const std::size_t run = (x >> 16) % 5 == 0 ? 4 + (x >> 8) % 90 : 1;
        const auto octet = static_cast<std::uint8_t>(x >> 24);
        for (std::size_t i = 0; i < run && out.size() < size; ++i) out.push_back(octet);
    }
    return out;
}

oftp::Bytes sample_text(std::size_t lines) {
    std::string text;
    for (std::size_t i = 0; i < lines; ++i) {
        text += "line " + std::to_string(i) + ": the quick brown fox          jumps\r\n";
    }
    return oftp::Bytes(text.begin(), text.end());
}

OutFile sample_file(const std::string& dsn, RecordFormat format, std::uint32_t seed) {
    OutFile file;
    switch (format) {
        case RecordFormat::unstructured:
            file.sfid = make_sfid(dsn, format);
            file.content = sample_content(5000 + seed * 37, seed);
            break;
        case RecordFormat::text:
            file.sfid = make_sfid(dsn, format);
            file.content = sample_text(60 + seed);
            break;
        case RecordFormat::fixed:
            file.sfid = make_sfid(dsn, format, 80);
            for (std::size_t i = 0; i < 70 + seed; ++i) {
                oftp::Bytes record = sample_content(80, static_cast<std::uint32_t>(i + seed));
                file.records.push_back(record);
            }
            break;
        case RecordFormat::variable:
            file.sfid = make_sfid(dsn, format, 300);
            for (std::size_t i = 0; i < 70 + seed; ++i) {
                file.records.push_back(sample_content((i * 53 + seed) % 301, static_cast<std::uint32_t>(i)));
            }
            break;
    }
    for (const auto& r : file.records) file.content.insert(file.content.end(), r.begin(), r.end());
    file.sfid.file_size = oftp::size_in_blocks(file.content.size());
    return file;
}

void check_arrived(const OutFile& sent, const ReceivedFile& got) {
    CHECK(got.sfid.dataset_name == sent.sfid.dataset_name);
    CHECK(got.accepted);
    CHECK(got.content == sent.content);
    if (oftp::has_records(sent.sfid.format)) {
        CHECK(got.records == sent.records);
        CHECK(got.counts.record_count == sent.records.size());
    } else {
        CHECK(got.counts.record_count == 0);
    }
    CHECK(got.counts.unit_count == sent.content.size());
}

}  // namespace

TEST_CASE("OFTP session: files both ways over every level, format, compression, buffer and credit",
          "[oftp][session]") {
    for (const oftp::ProtocolLevel level : oftp::kAllLevels) {
        for (const RecordFormat format : {RecordFormat::unstructured, RecordFormat::text,
                                          RecordFormat::fixed, RecordFormat::variable}) {
            for (const bool compression : {false, true}) {
                for (const std::uint32_t buffer : {128u, 99999u}) {
                    for (const std::uint16_t credit : {std::uint16_t{1}, std::uint16_t{99}}) {
                        CAPTURE(oftp::level_name(level), static_cast<char>(format), compression,
                                buffer, credit);
                        Pair pair;
                        for (Station* s : {&pair.initiator, &pair.responder}) {
                            s->config.level = level;
                            s->config.compression = compression;
                            s->config.buffer_size = buffer;
                            s->config.credit = credit;
                        }
                        // The responder offers less: the smaller values win.
                        pair.responder.config.buffer_size = buffer == 128 ? 4096 : 99999;
                        pair.initiator.turns = {{sample_file("FROM.INITIATOR.1", format, 1),
                                                 sample_file("FROM.INITIATOR.2", format, 2)}};
                        pair.responder.turns = {{sample_file("FROM.RESPONDER", format, 3)}};
                        pair.run();

                        REQUIRE(pair.initiator.started);
                        const oftp::SessionParameters& agreed = pair.initiator.started->parameters;
                        CHECK(agreed.level == level);
                        CHECK(agreed.buffer_size == buffer);
                        CHECK(agreed.credit == credit);
                        CHECK(agreed.compression == compression);
                        CHECK(pair.responder.started->parameters.buffer_size == buffer);

                        REQUIRE(pair.responder.received.size() == 2);
                        check_arrived(pair.initiator.turns[0][0], pair.responder.received[0]);
                        check_arrived(pair.initiator.turns[0][1], pair.responder.received[1]);
                        REQUIRE(pair.initiator.received.size() == 1);
                        check_arrived(pair.responder.turns[0][0], pair.initiator.received[0]);
                        CHECK(pair.initiator.sent.size() == 2);
                        CHECK(pair.responder.sent.size() == 1);

                        // The initiator speaks first, CD to the responder, which sends and
                        // CDs back; the initiator has nothing left and ends the session.
                        REQUIRE(pair.initiator.ended);
                        REQUIRE(pair.responder.ended);
                        CHECK(pair.initiator.ended->reason == oftp::EsidReason::normal_termination);
                        CHECK(pair.initiator.ended->by == oftp::EndedBy::us);
                        CHECK(pair.responder.ended->by == oftp::EndedBy::peer);
                        CHECK(pair.initiator.deviations.empty());
                        CHECK(pair.responder.deviations.empty());
                    }
                }
            }
        }
    }
}

TEST_CASE("OFTP session: DATA buffers respect the agreed size and credit", "[oftp][session]") {
    Pair pair;
    pair.initiator.config.buffer_size = 256;
    pair.initiator.config.credit = 3;
    pair.responder.config.compression = false;
    pair.initiator.turns = {{sample_file("BIG", RecordFormat::unstructured, 40)}};
    pair.run();
    REQUIRE(pair.responder.received.size() == 1);
    check_arrived(pair.initiator.turns[0][0], pair.responder.received[0]);
    // Between two CDTs at most 3 DATA buffers, each at most 256 octets.
    std::size_t since_credit = 0;
    std::size_t data_buffers = 0;
    std::size_t credits = 0;
    for (const auto& [from_initiator, b] : pair.transcript) {
        if (from_initiator && b.front() == 'D') {
            CHECK(b.size() <= 256);
            ++data_buffers;
            ++since_credit;
            CHECK(since_credit <= 3);
        } else if (!from_initiator && (b.front() == 'C' || b.front() == '2')) {
            credits += b.front() == 'C';
            since_credit = 0;
        }
    }
    CHECK(data_buffers > 3);
    CHECK(credits == (data_buffers - 1) / 3);
}

TEST_CASE("OFTP session: any split of the stream gives the same session", "[oftp][session]") {
    for (const Split split : {Split::byte_by_byte, Split::odd_chunks}) {
        for (const RecordFormat format : {RecordFormat::unstructured, RecordFormat::variable}) {
            Pair pair;
            pair.split = split;
            pair.initiator.config.buffer_size = 200;
            pair.initiator.config.credit = 2;
            pair.initiator.turns = {{sample_file("SPLIT.A", format, 5)}};
            pair.responder.turns = {{sample_file("SPLIT.B", format, 6)}};
            pair.responder.end_responses = {oftp::Eerp{"EARLIER.FILE", {2024, 1, 2, 3, 4, 5, 6},
                                                       "", "O0013000001INITIATOR",
                                                       "O0013000002RESPONDER", {}, {}}};
            pair.run();

            Pair whole;
            whole.initiator.config = pair.initiator.config;
            whole.initiator.turns = pair.initiator.turns;
            whole.responder.turns = pair.responder.turns;
            whole.responder.end_responses = pair.responder.end_responses;
            whole.run();

            CHECK(pair.to_initiator == whole.to_initiator);
            CHECK(pair.to_responder == whole.to_responder);
            REQUIRE(pair.responder.received.size() == 1);
            check_arrived(pair.initiator.turns[0][0], pair.responder.received[0]);
            REQUIRE(pair.initiator.received.size() == 1);
            check_arrived(pair.responder.turns[0][0], pair.initiator.received[0]);
            CHECK(pair.initiator.responses_received.size() == 1);
            CHECK(pair.initiator.ended->reason == oftp::EsidReason::normal_termination);
        }
    }
}
