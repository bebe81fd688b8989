// The OFTP partner store sending, on real temp directories: outgoing files (U/F/V reading, seek,
// the SFID kept across breaks), EERP/NERP settlement, the durable response queue and the outbox.
#include <catch2/catch.hpp>

#include "partner_store_fixture.hpp"

namespace wharf::test::partner_store {

// --- Outgoing files ----------------------------------------------------------------------------

TEST_CASE("an outgoing U file has a proper SFID and reads from any KiB block", "[partner_store]") {
    Station s;
    auto store = s.store();
    const std::string data = pattern(5000);
    const fs::path source = s.dir.write("outbox/invoice 2024-03.edi", data);
    auto file = store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
    const oftp::Sfid& sfid = file->sfid();
    CHECK(sfid.dataset_name == "INVOICE_2024-03.EDI");
    CHECK(sfid.destination == kAcme);
    CHECK(sfid.originator == kOurSfid);
    CHECK(sfid.format == oftp::RecordFormat::unstructured);
    CHECK(sfid.max_record_length == 0);
    CHECK(sfid.file_size == 5);
    CHECK(sfid.original_size == 5);
    CHECK(sfid.restart_position == 0);
    CHECK(oftp::is_valid_calendar(sfid.stamp));
    CHECK(sfid.stamp.counter >= 1);
    CHECK(file->size() == 5000);

    CHECK(file->seek(0) == 0);
    CHECK(collect(*file, 1024) == data);
    CHECK(file->bytes_read() == 5000);
    CHECK(file->seek(3) == 3072);
    CHECK(collect(*file, 700) == data.substr(3072));
    CHECK_THROWS_AS(file->seek(6), std::system_error);
}

TEST_CASE("an outgoing F file reads records of SFIDLRECL octets", "[partner_store]") {
    Station s;
    auto store = s.store();
    const fs::path source = s.dir.write("cli/fixed.dat", "AAAABBBBCCCCDD");
    SendOptions options;
    options.format = oftp::RecordFormat::fixed;
    CHECK_THROWS_AS(store.open_outgoing(source, options, true, oftp::ProtocolLevel::v2_0), std::invalid_argument);
    options.record_length = 4;
    options.dataset_name = "fixed.dat";
    auto file = store.open_outgoing(source, options, true, oftp::ProtocolLevel::v2_0);
    CHECK(file->sfid().dataset_name == "FIXED.DAT");
    CHECK(file->sfid().max_record_length == 4);
    std::vector<std::string> records;
    CHECK(file->seek(0) == 0);
    collect(*file, 9, &records);
    CHECK(records == std::vector<std::string>{"AAAA", "BBBB", "CCCC", "DD"});
    records.clear();
    CHECK(file->seek(2) == 8);
    collect(*file, 1, &records);  // at least one record per read
    CHECK(records == std::vector<std::string>{"CCCC", "DD"});
}

TEST_CASE("an outgoing V file reads lines as records", "[partner_store]") {
    Station s;
    auto store = s.store();
    const fs::path source = s.dir.write("cli/lines.txt", "alpha\nbe\n\ngamma-delta\nlast");
    SendOptions options;
    options.format = oftp::RecordFormat::variable;
    auto file = store.open_outgoing(source, options, true, oftp::ProtocolLevel::v2_0);
    CHECK(file->sfid().max_record_length == 11);  // the longest line
    std::vector<std::string> records;
    collect(*file, 8, &records);
    CHECK(records == std::vector<std::string>{"alpha", "be", "", "gamma-delta", "last"});

    records.clear();
    CHECK(file->seek(3) == 7);  // "alpha" "be" "": 7 octets of the virtual file
    collect(*file, 100, &records);
    CHECK(records == std::vector<std::string>{"gamma-delta", "last"});
    CHECK(file->seek(5) == 22);  // at the end
    CHECK(file->read(100).empty());
    CHECK_THROWS_AS(file->seek(6), std::system_error);

    options.record_length = 6;  // "gamma-delta" does not fit
    auto narrow = store.open_outgoing(s.dir.write("cli/other.txt", "alpha\nbe\n\ngamma-delta\nlast"), options, true,
                                      oftp::ProtocolLevel::v2_0);
    CHECK(narrow->sfid().max_record_length == 6);
    CHECK_THROWS_AS(collect(*narrow, 100), std::runtime_error);
}

TEST_CASE("dataset names: upper case, OFTP characters, at most 26", "[partner_store]") {
    Station s;
    auto store = s.store();
    const fs::path source = s.dir.write("cli/a very long file name with #strange+chars.txt", "x");
    auto file = store.open_outgoing(source, SendOptions{}, false, oftp::ProtocolLevel::v2_0);
    CHECK(file->sfid().dataset_name == "A_VERY_LONG_FILE_NAME_WITH");
    SendOptions options;
    options.dataset_name = "has space";
    CHECK_THROWS_AS(store.open_outgoing(source, options, false, oftp::ProtocolLevel::v2_0), std::invalid_argument);
    options.dataset_name = std::string(27, 'A');
    CHECK_THROWS_AS(store.open_outgoing(source, options, false, oftp::ProtocolLevel::v2_0), std::invalid_argument);
    options.dataset_name = "orders/2024(a)&b";
    CHECK(store.open_outgoing(source, options, false, oftp::ProtocolLevel::v2_0)->sfid().dataset_name ==
          "ORDERS/2024(A)&B");
}

TEST_CASE("files named in the same second get distinct stamps", "[partner_store]") {
    Station s;
    auto store = s.store();
    const fs::path a = s.dir.write("cli/a", "a");
    const fs::path b = s.dir.write("cli/b", "b");
    SendOptions options;
    options.dataset_name = "SAME";
    const auto first = store.open_outgoing(a, options, false, oftp::ProtocolLevel::v2_0)->sfid().stamp;
    const auto second = store.open_outgoing(b, options, false, oftp::ProtocolLevel::v2_0)->sfid().stamp;
    CHECK_FALSE(first == second);

    const fs::path c = s.dir.write("cli/c", "c");
    const fs::path d = s.dir.write("cli/d", "d");
    // 1.2/1.3 do not carry the counter: the second itself must differ.
    const auto old_first = store.open_outgoing(c, options, false, oftp::ProtocolLevel::v1_3)->sfid().stamp;
    const auto old_second = store.open_outgoing(d, options, false, oftp::ProtocolLevel::v1_3)->sfid().stamp;
    CHECK_FALSE(oftp::as_sent_at(old_first, oftp::ProtocolLevel::v1_3) ==
                oftp::as_sent_at(old_second, oftp::ProtocolLevel::v1_3));
}

TEST_CASE("an interrupted send offers the same SFID with how far it got", "[partner_store]") {
    Station s;
    const std::string data = pattern(9 * 1024 * 1024);
    const fs::path source = s.dir.write("outbox/BIG.DAT", data);
    oftp::Sfid first;
    {
        auto store = s.store();
        auto file = store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
        first = file->sfid();
        REQUIRE(file->seek(0) == 0);
        for (int i = 0; i < 5; ++i) REQUIRE(file->read(1024 * 1024).size() == 1);
    }  // crash: the position was recorded at 4 MiB, not at every read
    auto store = s.store();
    {
        auto file = store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
        CHECK(file->sfid().dataset_name == first.dataset_name);
        CHECK(file->sfid().stamp == first.stamp);
        CHECK(file->sfid().restart_position == 4096);
        CHECK(file->seek(4096) == 4 * 1024 * 1024);
        CHECK(file->read(1024 * 1024).at(0) == bytes(std::string_view(data).substr(4 * 1024 * 1024, 1024 * 1024)));
        file->not_delivered(true);  // a break: the furthest point (5 MiB) is kept
    }
    CHECK(store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0)->sfid().restart_position == 5120);
    {
        auto without_restart = store.open_outgoing(source, SendOptions{}, false, oftp::ProtocolLevel::v2_0);
        CHECK(without_restart->sfid().restart_position == 0);
        CHECK(without_restart->sfid().stamp == first.stamp);
        without_restart->not_delivered(false);  // refused for good: to failed/, state dropped
    }
    CHECK_FALSE(std::filesystem::exists(source));
    CHECK(std::filesystem::exists(s.partner_state("failed") / "BIG.DAT"));

    s.dir.write("outbox/BIG.DAT", data.substr(0, 1000));  // changed: a new file
    auto changed = store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
    CHECK_FALSE(changed->sfid().stamp == first.stamp);
    CHECK(changed->sfid().restart_position == 0);
}

// --- Delivery and end-to-end responses ---------------------------------------------------------

TEST_CASE("outbox files wait in sent/ for their EERP; a NERP moves them to failed/", "[partner_store]") {
    Station s;
    auto store = s.store();
    const fs::path accepted = s.dir.write("outbox/ACCEPTED.TXT", "good");
    const fs::path refused = s.dir.write("outbox/REFUSED.TXT", "bad");
    const fs::path cli = s.dir.write("cli/CLI.TXT", "from the command line");

    const auto deliver = [&](const fs::path& source) {
        auto file = store.open_outgoing(source, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
        const oftp::Sfid sfid = file->sfid();
        collect(*file, 4096);
        file->delivered();
        return sfid;
    };
    const oftp::Sfid accepted_sfid = deliver(accepted);
    const oftp::Sfid refused_sfid = deliver(refused);
    const oftp::Sfid cli_sfid = deliver(cli);
    CHECK_FALSE(fs::exists(accepted));
    CHECK_FALSE(fs::exists(refused));
    CHECK(fs::exists(cli));  // command-line files stay where they are
    CHECK(store.outbox_files().empty());
    CHECK(entries_in(s.partner_state("outgoing")) == 0);

    oftp::Eerp eerp;
    eerp.dataset_name = accepted_sfid.dataset_name;
    eerp.stamp = accepted_sfid.stamp;
    eerp.destination = kOurSfid;
    eerp.originator = kAcme;

    SECTION("EERP") {
        auto stranger = eerp;
        stranger.destination = "O0013000000000OTHER";
        CHECK_FALSE(store.settle(stranger, oftp::ProtocolLevel::v2_0));
        auto other_time = eerp;
        other_time.stamp.counter = static_cast<std::uint16_t>(eerp.stamp.counter + 1);
        CHECK_FALSE(store.settle(other_time, oftp::ProtocolLevel::v2_0));

        const auto answered = store.settle(eerp, oftp::ProtocolLevel::v2_0);
        REQUIRE(answered);
        CHECK(answered->dataset_name == "ACCEPTED.TXT");
        CHECK(answered->source == accepted);
        CHECK(answered->kept_at.parent_path() == s.partner_state("sent"));
        CHECK_FALSE(fs::exists(answered->kept_at));
        CHECK_FALSE(store.settle(eerp, oftp::ProtocolLevel::v2_0));  // settled once
    }
    SECTION("EERP for a command-line file") {
        eerp.dataset_name = cli_sfid.dataset_name;
        eerp.stamp = cli_sfid.stamp;
        const auto answered = store.settle(eerp, oftp::ProtocolLevel::v2_0);
        REQUIRE(answered);
        CHECK(answered->kept_at.empty());
        CHECK(answered->source == cli);
        CHECK(fs::exists(cli));
    }
    SECTION("EERP at 1.3 carries no counter") {
        eerp.stamp.counter = 0;
        const auto answered = store.settle(eerp, oftp::ProtocolLevel::v1_3);
        REQUIRE(answered);
        CHECK(answered->dataset_name == "ACCEPTED.TXT");
    }
    SECTION("NERP") {
        oftp::Nerp nerp;
        nerp.dataset_name = refused_sfid.dataset_name;
        nerp.stamp = refused_sfid.stamp;
        nerp.destination = kOurSfid;
        nerp.originator = kAcme;
        nerp.creator = kAcme;
        nerp.reason = oftp::NerpReason::file_processing_failed;
        const auto answered = store.settle(nerp, oftp::ProtocolLevel::v2_0);
        REQUIRE(answered);
        CHECK(answered->source == refused);
        CHECK(answered->kept_at.parent_path() == s.partner_state("failed"));
        CHECK(content(answered->kept_at) == "bad");
    }
    // The other files still wait in sent/.
    CHECK(entries_in(s.partner_state("sent")) >= 3);
}

TEST_CASE("queued end responses survive a new store, oldest first", "[partner_store]") {
    Station s;
    oftp::Eerp eerp;
    eerp.dataset_name = "ORDERS";
    eerp.stamp = oftp::FileDateTime{2024, 3, 5, 10, 20, 30, 7};
    eerp.user_data = "  user ";
    eerp.destination = kAcme;
    eerp.originator = kOurSfid;
    eerp.hash = {0x00, 0x01, 0xfe, 0xff};
    eerp.signature = {0x30, 0x82, 0x0a, 0x0d};
    oftp::Nerp nerp;
    nerp.dataset_name = "BROKEN";
    nerp.stamp = oftp::FileDateTime{2024, 12, 31, 23, 59, 59, 9999};
    nerp.destination = kAcme;
    nerp.originator = kOurSfid;
    nerp.creator = kOurSfid;
    nerp.reason = oftp::NerpReason::invalid_byte_count;
    nerp.reason_text = "line one\nline two \\ tab\t, non-ASCII \xc3\xa9";
    nerp.hash = {0xde, 0xad};
    std::string first_id;
    {
        auto store = s.store();
        CHECK(store.queued_responses().empty());
        first_id = store.queue_response(eerp);
        const std::string second_id = store.queue_response(nerp);
        CHECK(first_id < second_id);
    }
    auto store = s.store();
    auto queued = store.queued_responses();
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].id == first_id);
    CHECK(queued[0].response == oftp::EndResponse{eerp});
    CHECK(queued[1].response == oftp::EndResponse{nerp});

    store.response_sent(queued[0].id);
    queued = s.store().queued_responses();
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].response == oftp::EndResponse{nerp});
    const std::string third_id = store.queue_response(eerp);
    CHECK(third_id > queued[0].id);
    CHECK_THROWS_AS(store.response_sent("../received.ledger"), std::invalid_argument);
}

TEST_CASE("outbox_files lists what is ready, oldest first; has_pending_work", "[partner_store]") {
    Station s;
    auto store = s.store();
    CHECK_FALSE(store.has_pending_work());
    const auto now = fs::file_time_type::clock::now();
    const fs::path newer = s.dir.write("outbox/A-NEWER", "1");
    const fs::path older = s.dir.write("outbox/Z-OLDER", "2");
    const fs::path same_b = s.dir.write("outbox/B-SAME", "3");
    const fs::path same_a = s.dir.write("outbox/A-SAME", "4");
    fs::last_write_time(newer, now);
    fs::last_write_time(older, now - std::chrono::hours(2));
    fs::last_write_time(same_a, now - std::chrono::hours(1));
    fs::last_write_time(same_b, now - std::chrono::hours(1));
    s.dir.write("outbox/.hidden", "x");
    s.dir.write("outbox/writing.tmp", "x");
    s.dir.write("outbox/writing.part", "x");
    s.dir.mkdir("outbox/subdir");
    fs::create_symlink(s.dir.write("cli/target", "x"), s.dir / "outbox" / "link");
    CHECK(store.outbox_files() == std::vector<fs::path>{older, same_a, same_b, newer});
    CHECK(store.has_pending_work());

    for (const auto& file : store.outbox_files()) {
        auto outgoing = store.open_outgoing(file, SendOptions{}, true, oftp::ProtocolLevel::v2_0);
        collect(*outgoing, 100);
        outgoing->delivered();
    }
    CHECK_FALSE(store.has_pending_work());
    oftp::Eerp eerp;
    eerp.dataset_name = "X";
    eerp.destination = kAcme;
    eerp.originator = kOurSfid;
    const std::string id = store.queue_response(eerp);
    CHECK(store.has_pending_work());
    store.response_sent(id);
    CHECK_FALSE(store.has_pending_work());

    s.partner.outbox = s.dir / "missing";
    CHECK(s.store().outbox_files().empty());
}

}  // namespace wharf::test::partner_store
