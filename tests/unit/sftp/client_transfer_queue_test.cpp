// The transfer queue (client_transfer_queue.hpp) over a ClientEngine and the real ServerEngine:
// the simultaneous-transfer limit holds and is reached (counted as handles open on the server
// at once), every job is reported exactly once, and the first failure stops new starts while
// the running jobs finish.
#include "protocols/sftp/client_transfer_queue.hpp"
#include "sftp/client_pair.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace sftp_test {
namespace {

using sftp::StatusCode;

struct Reports {
    std::vector<std::size_t> started;
    std::map<std::size_t, sftp::ClientResult<std::uint64_t>> completed;
    std::vector<std::size_t> cancelled;

    sftp::TransferQueue::Callbacks callbacks() {
        return {[this](std::size_t i) { started.push_back(i); },
                [this](std::size_t i, const sftp::ClientResult<std::uint64_t>& r) {
                    REQUIRE(completed.emplace(i, r).second);  // once per job
                },
                [this](std::size_t i) { cancelled.push_back(i); }};
    }
};

// A job downloading `path` into `out`.
sftp::TransferQueue::Job download_job(ClientPair& pair, std::string path, ssh::Bytes& out) {
    return [&pair, path = std::move(path), &out](sftp::TransferQueue::JobDone done) {
        sftp::download(
            pair.client, path,
            [&out](std::uint64_t offset, ssh::ByteView data) {
                if (out.size() < offset + data.size()) out.resize(offset + data.size());
                std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
                return true;
            },
            {4, 4096}, std::move(done));
    };
}

// Releases held file system completions one at a time in a seeded random order, noting the
// most handles the server had open at once.
std::size_t drive_counting_handles(ClientPair& pair, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::size_t most_open = 0;
    pair.pump();
    while (!pair.fs.queued.empty()) {
        most_open = std::max(most_open, pair.server.open_handles());
        std::uniform_int_distribution<std::size_t> pick(0, pair.fs.queued.size() - 1);
        const std::size_t i = pick(random);
        auto completion = std::move(pair.fs.queued[i]);
        pair.fs.queued.erase(pair.fs.queued.begin() + static_cast<std::ptrdiff_t>(i));
        completion();
        pair.pump();
    }
    return most_open;
}

TEST_CASE("transfer queue: at most `limit` transfers run at once, and the limit is reached",
          "[sftp][client][queue]") {
    const std::size_t limit = GENERATE(1u, 3u, 5u);
    const std::uint32_t seed = GENERATE(1u, 2u);
    CAPTURE(limit, seed);
    ClientPair pair(6);
    constexpr std::size_t kFiles = 12;
    std::vector<ssh::Bytes> contents, received(kFiles);
    for (std::size_t i = 0; i < kFiles; ++i) {
        contents.push_back(pattern(3000 + i * 5000, static_cast<std::uint32_t>(i)));
        pair.fs.nodes["/q" + std::to_string(i)] = Node{Node::file, contents.back(), {}, 0644, 1};
    }
    pair.fs.defer = true;
    Reports reports;
    sftp::TransferQueue queue(limit, reports.callbacks());
    for (std::size_t i = 0; i < kFiles; ++i) {
        CHECK(queue.add(download_job(pair, "/q" + std::to_string(i), received[i])) == i);
    }
    CHECK(reports.started.empty());  // nothing before run()
    queue.run();
    CHECK(reports.started.size() == limit);
    const std::size_t most_open = drive_counting_handles(pair, seed);

    REQUIRE(queue.finished());
    CHECK(most_open == limit);
    CHECK(queue.peak_running() == limit);
    CHECK(queue.running() == 0);
    CHECK(queue.failures() == 0);
    CHECK(reports.cancelled.empty());
    REQUIRE(reports.completed.size() == kFiles);
    for (std::size_t i = 0; i < kFiles; ++i) {
        CAPTURE(i);
        REQUIRE(reports.completed.at(i).ok());
        CHECK(reports.completed.at(i).value() == contents[i].size());
        CHECK(received[i] == contents[i]);
    }
    // Jobs start in the order they were added.
    for (std::size_t i = 0; i < kFiles; ++i) CHECK(reports.started.at(i) == i);
    CHECK(pair.server.open_handles() == 0);
}

TEST_CASE("transfer queue: the first failure lets running jobs finish and starts nothing new",
          "[sftp][client][queue]") {
    ClientPair pair(4);
    std::vector<ssh::Bytes> received(8);
    for (std::size_t i = 0; i < 8; ++i) pair.fs.add_file("/f" + std::to_string(i), std::string(9000, 'a'));
    pair.fs.nodes.erase("/f1");  // the second job fails at OPEN
    Reports reports;
    sftp::TransferQueue queue(3, reports.callbacks());
    for (std::size_t i = 0; i < 8; ++i) queue.add(download_job(pair, "/f" + std::to_string(i), received[i]));
    queue.run();
    pair.pump();  // the server answers in order: 0 opens, 1 fails, 2 opens

    REQUIRE(queue.finished());
    CHECK(queue.failures() == 1);
    CHECK(reports.started == std::vector<std::size_t>{0, 1, 2});
    CHECK(reports.completed.at(1).error() == StatusCode::no_such_file);
    REQUIRE(reports.completed.at(0).ok());
    REQUIRE(reports.completed.at(2).ok());
    CHECK(received[0].size() == 9000);  // the running ones finished their work
    CHECK(received[2].size() == 9000);
    CHECK(reports.completed.size() == 3);
    CHECK(reports.cancelled == std::vector<std::size_t>{3, 4, 5, 6, 7});
    CHECK(pair.server.open_handles() == 0);

    SECTION("jobs added after the failure are cancelled at once") {
        ssh::Bytes late;
        const auto index = queue.add(download_job(pair, "/f0", late));
        CHECK(reports.cancelled.back() == index);
        CHECK(queue.finished());
    }
}

TEST_CASE("transfer queue: keep_going runs every job despite failures", "[sftp][client][queue]") {
    ClientPair pair(3);
    std::vector<ssh::Bytes> received(6);
    for (std::size_t i = 0; i < 6; i += 2) pair.fs.add_file("/k" + std::to_string(i), "data");
    Reports reports;
    sftp::TransferQueue queue(2, reports.callbacks(), /*keep_going=*/true);
    for (std::size_t i = 0; i < 6; ++i) queue.add(download_job(pair, "/k" + std::to_string(i), received[i]));
    queue.run();
    pair.pump();
    REQUIRE(queue.finished());
    CHECK(queue.failures() == 3);
    CHECK(reports.cancelled.empty());
    REQUIRE(reports.completed.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) CHECK(reports.completed.at(i).ok() == (i % 2 == 0));
}

TEST_CASE("transfer queue: jobs that complete at once (a failed engine) still respect the order",
          "[sftp][client][queue]") {
    ClientPair pair(6);
    Reports reports;
    sftp::TransferQueue queue(2, reports.callbacks(), true);
    for (std::size_t i = 0; i < 5; ++i) {
        queue.add([i](sftp::TransferQueue::JobDone done) {
            if (i == 3) return done(sftp::ClientFailure{StatusCode::connection_lost, "gone"});
            done(std::uint64_t{i});
        });
    }
    queue.run();
    REQUIRE(queue.finished());
    CHECK(reports.started == std::vector<std::size_t>{0, 1, 2, 3, 4});
    CHECK(queue.peak_running() == 1);
    CHECK(queue.failures() == 1);
}

TEST_CASE("transfer queue: rejects a zero limit and a missing completion", "[sftp][client][queue]") {
    CHECK_THROWS_AS(sftp::TransferQueue(0, {nullptr, [](std::size_t, const auto&) {}, nullptr}),
                    std::invalid_argument);
    CHECK_THROWS_AS(sftp::TransferQueue(2, {}), std::invalid_argument);
}

}  // namespace
}  // namespace sftp_test
