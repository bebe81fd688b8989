// The OFTP partner store receiving, on real temp directories: offers accepted and refused, inbox
// names, commit under each overwrite policy, restart of U/F/V files after a clean break and
// after a crash.
#include <catch2/catch.hpp>

#include "partner_store_fixture.hpp"

namespace wharf::test::partner_store {

// --- Offers ------------------------------------------------------------------------------------

TEST_CASE("check_offer accepts our destinations from the partner's originators", "[partner_store]") {
    Station s;
    auto store = s.store();
    CHECK_FALSE(store.check_offer(offer("INVOICES")));
    auto to_sales = offer("INVOICES");
    to_sales.destination = kSalesSfid;
    CHECK_FALSE(store.check_offer(to_sales));
    CHECK_FALSE(fs::exists(s.state_root()));  // nothing created by looking

    auto elsewhere = offer("INVOICES");
    elsewhere.destination = "O0013000000000OTHER";
    REQUIRE(store.check_offer(elsewhere));
    CHECK(store.check_offer(elsewhere)->reason == oftp::SfnaReason::invalid_destination);

    auto stranger = offer("INVOICES");
    stranger.originator = "O0013000000000EVIL";
    REQUIRE(store.check_offer(stranger));
    CHECK(store.check_offer(stranger)->reason == oftp::SfnaReason::invalid_origin);

    REQUIRE(store.check_offer(offer("FIXED", oftp::RecordFormat::fixed, 0)));
    CHECK(store.check_offer(offer("FIXED", oftp::RecordFormat::fixed, 0))->reason ==
          oftp::SfnaReason::maximum_record_length_not_supported);
    CHECK_FALSE(store.check_offer(offer("FIXED", oftp::RecordFormat::fixed, 80)));
}

TEST_CASE("check_offer without configured destinations takes our SFID and sub-stations", "[partner_store]") {
    Station s;
    s.partner.destinations.clear();
    s.partner.originators.clear();  // default: the partner's own SFID
    auto store = s.store();
    auto to_sales = offer("X");
    to_sales.destination = kSalesSfid;
    CHECK_FALSE(store.check_offer(offer("X")));
    CHECK_FALSE(store.check_offer(to_sales));
    auto elsewhere = offer("X");
    elsewhere.destination = "O0013000000000OTHER";
    CHECK(store.check_offer(elsewhere));
    auto stranger = offer("X");
    stranger.originator = "O0013000000000EVIL";
    CHECK(store.check_offer(stranger));
}

TEST_CASE("check_offer refuses a partner without an inbox", "[partner_store]") {
    Station s;
    s.partner.inbox.clear();
    const auto refusal = s.store().check_offer(offer("X"));
    REQUIRE(refusal);
    CHECK(refusal->reason == oftp::SfnaReason::access_method_failure);
    CHECK_FALSE(refusal->text.empty());
}

TEST_CASE("a committed file is refused as a duplicate, also by a new store", "[partner_store]") {
    Station s;
    {
        auto store = s.store();
        auto file = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
        append(*file, "hello");
        file->commit();
        const auto refusal = store.check_offer(offer("ORDERS"));
        REQUIRE(refusal);
        CHECK(refusal->reason == oftp::SfnaReason::duplicate_file);
        CHECK_FALSE(refusal->retry);

        auto same_other_destination = offer("ORDERS");
        same_other_destination.destination = kSalesSfid;
        CHECK(store.check_offer(same_other_destination));  // the destination is not part of the identity
        auto next_counter = offer("ORDERS");
        next_counter.stamp.counter = 8;
        CHECK_FALSE(store.check_offer(next_counter));
    }
    CHECK(s.store().check_offer(offer("ORDERS")));  // the ledger is on disk
    s.partner.detect_duplicates = false;
    CHECK_FALSE(s.store().check_offer(offer("ORDERS")));
}

TEST_CASE("overwrite never refuses an offer whose inbox name is taken", "[partner_store]") {
    Station s;
    s.partner.overwrite = OverwritePolicy::never;
    s.partner.detect_duplicates = false;
    auto store = s.store();
    CHECK_FALSE(store.check_offer(offer("ORDERS")));  // no inbox yet: the name is free
    s.dir.write("inbox/" + std::string(kAcme) + "/ORDERS.20240305102030", "older");
    const auto refusal = store.check_offer(offer("ORDERS"));
    REQUIRE(refusal);
    CHECK(refusal->reason == oftp::SfnaReason::invalid_filename);
    CHECK(refusal->retry);
}

// --- Inbox names -------------------------------------------------------------------------------

TEST_CASE("inbox_name fills in the placeholders and keeps each value inside its component", "[partner_store]") {
    using wharf::daemon::inbox_name;
    const auto sfid = offer("ORDERS");
    CHECK(inbox_name("{originator}/{dsn}.{date}{time}", sfid, "acme") == std::string(kAcme) + "/ORDERS.20240305102030");
    CHECK(inbox_name("{partner}/{destination}/{dsn}-{counter}", sfid, "acme") ==
          "acme/" + std::string(kOurSfid) + "/ORDERS-0007");
    CHECK(inbox_name("in-{dsn}", sfid, "acme") == "in-ORDERS");

    auto nasty = offer("../ETC/PASSWD");
    CHECK(inbox_name("{originator}/{dsn}", nasty, "acme") == std::string(kAcme) + "/_._ETC_PASSWD");
    nasty.dataset_name = ".HIDDEN";
    CHECK(inbox_name("{dsn}", nasty, "acme") == "_HIDDEN");
    nasty.dataset_name = "";
    CHECK(inbox_name("{dsn}.{date}", nasty, "acme") == "_.20240305");
}

// --- Commit ------------------------------------------------------------------------------------

TEST_CASE("a received file appears in the inbox only when committed", "[partner_store]") {
    Station s;
    auto store = s.store();
    auto file = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
    append(*file, "first part, ");
    append(*file, "second part");
    CHECK(entries_in(s.partner.inbox) == 0);
    CHECK(file->bytes_stored() == 23);

    const fs::path final_path = file->commit();
    CHECK(final_path == s.partner.inbox / kAcme / "ORDERS.20240305102030");
    CHECK(content(final_path) == "first part, second part");
    struct stat info {};
    REQUIRE(::stat(final_path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777 & ~0640) == 0);  // 0640, less what the umask takes
    CHECK((info.st_mode & 0600) == 0600);
    REQUIRE(::stat(final_path.parent_path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777 & ~0750) == 0);
    REQUIRE(::stat(s.partner_state("incoming").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    CHECK(entries_in(s.partner_state("incoming")) == 0);  // no partial file, no restart state left
}

TEST_CASE("commit follows the overwrite policy", "[partner_store]") {
    Station s;
    s.partner.detect_duplicates = false;
    const fs::path target = s.partner.inbox / kAcme / "ORDERS.20240305102030";
    const auto receive = [&](std::string_view data) {
        auto store = s.store();
        auto file = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
        append(*file, data);
        return file;
    };

    SECTION("rename: the first free name.N") {
        CHECK(receive("one")->commit() == target);
        CHECK(receive("two")->commit() == fs::path(target.string() + ".1"));
        CHECK(receive("three")->commit() == fs::path(target.string() + ".2"));
        CHECK(content(target) == "one");
        CHECK(content(target.string() + ".1") == "two");
        CHECK(content(target.string() + ".2") == "three");
    }
    SECTION("always: replaced") {
        s.partner.overwrite = OverwritePolicy::always;
        CHECK(receive("one")->commit() == target);
        CHECK(receive("two")->commit() == target);
        CHECK(content(target) == "two");
        CHECK(entries_in(target.parent_path()) == 1);
    }
    SECTION("never: a name that appeared after the offer fails the commit, the partial file stays") {
        s.partner.overwrite = OverwritePolicy::never;
        auto store = s.store();
        REQUIRE_FALSE(store.check_offer(offer("ORDERS")));
        auto file = store.open_incoming(offer("ORDERS"), true, OftpCheckpoint{});
        append(*file, pattern(3000));
        s.dir.write("inbox/" + std::string(kAcme) + "/ORDERS.20240305102030", "someone else's");
        CHECK_THROWS_AS(file->commit(), std::runtime_error);
        CHECK(content(target) == "someone else's");
        file.reset();

        auto again = offer("ORDERS");
        again.restart_position = 100;
        auto resumed = store.open_incoming(again, true, OftpCheckpoint{});
        CHECK(resumed->restart_position() == 2);  // 3000 octets: two whole KiB blocks kept
    }
}

TEST_CASE("commit never follows a symlink planted in the inbox", "[partner_store]") {
    Station s;
    const fs::path elsewhere = s.dir.mkdir("elsewhere");
    fs::create_directories(s.partner.inbox);
    fs::create_directory_symlink(elsewhere, s.partner.inbox / kAcme);
    auto store = s.store();
    auto file = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
    append(*file, "secret");
    CHECK_THROWS_AS(file->commit(), std::system_error);
    CHECK(entries_in(elsewhere) == 0);
}

TEST_CASE("commit copies into an inbox on another file system", "[partner_store]") {
    Station s;
    struct stat tmp_info {};
    struct stat shm_info {};
    if (::stat("/dev/shm", &shm_info) != 0 || ::stat(s.dir.path().c_str(), &tmp_info) != 0 ||
        shm_info.st_dev == tmp_info.st_dev) {
        WARN("no second file system at /dev/shm: skipped");
        return;
    }
    const fs::path inbox = fs::path("/dev/shm") / ("wharf-test-inbox-" + std::to_string(::getpid()));
    fs::remove_all(inbox);
    s.partner.inbox = inbox;
    s.partner.detect_duplicates = false;
    {
        auto store = s.store();
        auto file = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
        append(*file, "across");
        const fs::path final_path = file->commit();
        CHECK(final_path == inbox / kAcme / "ORDERS.20240305102030");
        CHECK(content(final_path) == "across");
        auto second = store.open_incoming(offer("ORDERS"), false, OftpCheckpoint{});
        append(*second, "again");
        CHECK(second->commit() == fs::path(final_path.string() + ".1"));
        CHECK(entries_in(inbox / kAcme) == 2);  // no hidden temp left behind
        CHECK(entries_in(s.partner_state("incoming")) == 0);
    }
    fs::remove_all(inbox);
}

TEST_CASE("discard drops the partial file and its restart point", "[partner_store]") {
    Station s;
    auto store = s.store();
    auto file = store.open_incoming(offer("ORDERS"), true, every_buffers(1));
    append(*file, pattern(4096));
    file->discard();
    CHECK(entries_in(s.partner_state("incoming")) == 0);
    auto again = offer("ORDERS");
    again.restart_position = 4;
    CHECK(store.open_incoming(again, true, every_buffers(1))->restart_position() == 0);
}

// --- Restart of received files -----------------------------------------------------------------

TEST_CASE("a U file restarts at the whole KiB blocks stored", "[partner_store]") {
    Station s;
    auto store = s.store();
    const std::string data = pattern(5000);
    auto resumed_offer = offer("PAYLOAD");
    resumed_offer.restart_position = 99;

    SECTION("after keep_for_restart: everything that arrived counts") {
        auto file = store.open_incoming(offer("PAYLOAD"), true, OftpCheckpoint{});
        append(*file, data.substr(0, 1500));
        append(*file, data.substr(1500, 1500));
        file->keep_for_restart();

        auto resumed = store.open_incoming(resumed_offer, true, OftpCheckpoint{});
        CHECK(resumed->restart_position() == 2);
        CHECK_FALSE(resumed->restart_units());
        CHECK(resumed->bytes_stored() == 2048);
        append(*resumed, data.substr(2048));
        CHECK(content(resumed->commit()) == data);
    }
    SECTION("after a crash: only the checkpoints count") {
        auto file = store.open_incoming(offer("PAYLOAD"), true, every_buffers(2));
        append(*file, data.substr(0, 1100));
        append(*file, data.substr(1100, 1100));  // checkpoint: 2200 octets
        append(*file, data.substr(2200, 1100));  // lost
        file.reset();                            // no keep_for_restart

        auto resumed = store.open_incoming(resumed_offer, true, every_buffers(2));
        CHECK(resumed->restart_position() == 2);
        append(*resumed, data.substr(2048));
        CHECK(content(resumed->commit()) == data);
    }
    SECTION("the speaker's lower position wins") {
        auto file = store.open_incoming(offer("PAYLOAD"), true, OftpCheckpoint{});
        append(*file, data.substr(0, 4500));
        file->keep_for_restart();
        auto lower = offer("PAYLOAD");
        lower.restart_position = 1;
        auto resumed = store.open_incoming(lower, true, OftpCheckpoint{});
        CHECK(resumed->restart_position() == 1);
        append(*resumed, data.substr(1024));
        CHECK(content(resumed->commit()) == data);
    }
    SECTION("no restart without agreement, without SFIDREST or for another file") {
        auto file = store.open_incoming(offer("PAYLOAD"), true, OftpCheckpoint{});
        append(*file, data.substr(0, 4500));
        file->keep_for_restart();
        auto other_time = resumed_offer;
        other_time.stamp.counter = 8;
        CHECK(store.open_incoming(other_time, true, OftpCheckpoint{})->restart_position() == 0);
        auto other_format = resumed_offer;
        other_format.format = oftp::RecordFormat::text;
        CHECK(store.open_incoming(other_format, true, OftpCheckpoint{})->restart_position() == 0);
        // That new attempt dropped the old partial file of the same key: nothing left to resume.
        CHECK(store.open_incoming(resumed_offer, true, OftpCheckpoint{})->restart_position() == 0);

        auto fresh = store.open_incoming(offer("PAYLOAD"), true, OftpCheckpoint{});
        append(*fresh, data.substr(0, 4500));
        fresh->keep_for_restart();
        auto no_agreement = store.open_incoming(resumed_offer, false, OftpCheckpoint{});
        CHECK(no_agreement->restart_position() == 0);
        CHECK(no_agreement->bytes_stored() == 0);
    }
}

TEST_CASE("checkpoints by bytes come once the interval has passed", "[partner_store]") {
    Station s;
    auto store = s.store();
    const std::string data = pattern(10000);
    auto file = store.open_incoming(offer("PAYLOAD"), true, OftpCheckpoint{3000, OftpCheckpoint::Unit::bytes});
    append(*file, data.substr(0, 2000));  // 2000 since the last checkpoint: not yet
    append(*file, data.substr(2000, 2000));  // 4000: checkpoint
    append(*file, data.substr(4000, 2000));  // 2000: not yet
    file.reset();
    auto resumed_offer = offer("PAYLOAD");
    resumed_offer.restart_position = 99;
    auto resumed = store.open_incoming(resumed_offer, true, OftpCheckpoint{});
    CHECK(resumed->restart_position() == 3);  // 4000 octets
    CHECK(resumed->bytes_stored() == 3072);
}

TEST_CASE("an F file restarts at its complete records", "[partner_store]") {
    Station s;
    auto store = s.store();
    // Records of 4 octets; the third arrives in two buffers.
    auto file = store.open_incoming(offer("FIX", oftp::RecordFormat::fixed, 4), true, every_buffers(1));
    append(*file, "AAAABBBBCC", {4, 8});
    CHECK(file->records_stored() == 2);
    append(*file, "CCDDDDEE", {2, 6});
    CHECK(file->records_stored() == 4);
    file.reset();  // crash: the last checkpoint has 4 records; "EE" is cut off

    auto resumed_offer = offer("FIX", oftp::RecordFormat::fixed, 4);
    resumed_offer.restart_position = 10;
    auto resumed = store.open_incoming(resumed_offer, true, every_buffers(1));
    CHECK(resumed->restart_position() == 4);
    CHECK_FALSE(resumed->restart_units());
    CHECK(resumed->bytes_stored() == 16);
    resumed->keep_for_restart();

    resumed_offer.restart_position = 1;  // the speaker knows less: from record 1
    auto lower = store.open_incoming(resumed_offer, true, every_buffers(1));
    CHECK(lower->restart_position() == 1);
    CHECK(lower->records_stored() == 1);
    append(*lower, "BBBBCCCCDDDDEEEEFF", {4, 8, 12, 16, 18});
    CHECK(content(lower->commit()) == "AAAABBBBCCCCDDDDEEEEFF");
}

TEST_CASE("a V file stores one record per line and restarts by records", "[partner_store]") {
    Station s;
    auto store = s.store();
    auto file = store.open_incoming(offer("LINES", oftp::RecordFormat::variable, 80), true, every_buffers(1));
    append(*file, "alphabeta", {5, 9});        // "alpha", "beta"
    append(*file, "gam", {});                  // a record spanning buffers
    append(*file, "ma", {2});                  // "gamma"
    append(*file, "delta", {5});
    CHECK(file->records_stored() == 4);
    append(*file, "epsi", {});                 // in flight when the session breaks
    file->keep_for_restart();

    auto resumed_offer = offer("LINES", oftp::RecordFormat::variable, 80);
    resumed_offer.restart_position = 50;
    {
        auto resumed = store.open_incoming(resumed_offer, true, every_buffers(1));
        CHECK(resumed->restart_position() == 4);
        REQUIRE(resumed->restart_units());
        CHECK(*resumed->restart_units() == 19);  // alpha beta gamma delta: 5 + 4 + 5 + 5
        CHECK(resumed->bytes_stored() == 23);    // ... plus four '\n'
        resumed->keep_for_restart();
    }
    resumed_offer.restart_position = 2;  // the speaker restarts from "gamma"
    auto lower = store.open_incoming(resumed_offer, true, every_buffers(1));
    CHECK(lower->restart_position() == 2);
    REQUIRE(lower->restart_units());
    CHECK(*lower->restart_units() == 9);
    append(*lower, "gammadeltaepsilon", {5, 10, 17});
    CHECK(content(lower->commit()) == "alpha\nbeta\ngamma\ndelta\nepsilon\n");
}

TEST_CASE("a V file after a crash keeps only the checkpointed records", "[partner_store]") {
    Station s;
    auto store = s.store();
    auto file = store.open_incoming(offer("LINES", oftp::RecordFormat::variable, 80), true, every_buffers(2));
    append(*file, "one", {3});
    append(*file, "two", {3});    // checkpoint: 2 records
    append(*file, "three", {5});  // lost
    file.reset();
    auto resumed_offer = offer("LINES", oftp::RecordFormat::variable, 80);
    resumed_offer.restart_position = 3;
    auto resumed = store.open_incoming(resumed_offer, true, every_buffers(2));
    CHECK(resumed->restart_position() == 2);
    CHECK(*resumed->restart_units() == 6);
    append(*resumed, "three", {5});
    CHECK(content(resumed->commit()) == "one\ntwo\nthree\n");
}

TEST_CASE("a V record holding a newline restarts only at its own checkpoint", "[partner_store]") {
    Station s;
    auto store = s.store();
    auto file = store.open_incoming(offer("LINES", oftp::RecordFormat::variable, 80), true, OftpCheckpoint{});
    append(*file, "a\nbcd", {3, 5});  // records "a\nb" and "cd"
    file->keep_for_restart();
    auto same = offer("LINES", oftp::RecordFormat::variable, 80);
    same.restart_position = 2;
    {
        auto resumed = store.open_incoming(same, true, OftpCheckpoint{});
        CHECK(resumed->restart_position() == 2);
        CHECK(*resumed->restart_units() == 5);
        resumed->keep_for_restart();
    }
    same.restart_position = 1;  // "after the first '\n'" would cut inside the first record
    CHECK(store.open_incoming(same, true, OftpCheckpoint{})->restart_position() == 0);
}

}  // namespace wharf::test::partner_store
