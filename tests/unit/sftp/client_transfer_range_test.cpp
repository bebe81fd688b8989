// Ranges, offsets and appends of the pipelined transfers (client_engine_transfer.hpp) against
// the real ServerEngine over a FakeFs: download_range with and without a length, a file that
// ends inside the range, short reads and shuffled replies, the bound on how far reads run
// ahead of the lowest awaited offset; upload_range into an existing file without truncating;
// append (APPEND_DATA / v3 SSH_FXF_APPEND); failures.
#include "sftp/client_pair.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace sftp_test {
namespace {

using sftp::StatusCode;

// The bytes a range download delivered, by remote offset, and how far beyond the lowest
// missing byte any delivery reached (what a reordering sink would have to buffer).
struct RangeSink {
    std::map<std::uint64_t, ssh::Bytes> pieces;
    std::uint64_t frontier = 0;  // every byte before this has arrived
    std::uint64_t furthest_ahead = 0;

    explicit RangeSink(std::uint64_t start) : frontier(start) {}

    sftp::DownloadSink sink() {
        return [this](std::uint64_t offset, ssh::ByteView data) {
            REQUIRE(offset >= frontier);
            pieces.emplace(offset, ssh::Bytes(data.begin(), data.end()));
            furthest_ahead = std::max(furthest_ahead, offset + data.size() - frontier);
            for (auto it = pieces.find(frontier); it != pieces.end(); it = pieces.find(frontier)) {
                frontier += it->second.size();
            }
            return true;
        };
    }
    ssh::Bytes joined() const {
        ssh::Bytes out;
        for (const auto& [offset, data] : pieces) out.insert(out.end(), data.begin(), data.end());
        return out;
    }
};

ssh::Bytes slice_of(const ssh::Bytes& data, std::uint64_t offset, std::uint64_t length) {
    const auto begin = std::min<std::uint64_t>(offset, data.size());
    const auto end = std::min<std::uint64_t>(data.size(), begin + length);
    return ssh::Bytes(data.begin() + static_cast<std::ptrdiff_t>(begin),
                      data.begin() + static_cast<std::ptrdiff_t>(end));
}

sftp::UploadSource source_of(const ssh::Bytes& data, std::size_t& position) {
    return [&data, &position](std::size_t max) -> std::optional<ssh::Bytes> {
        const std::size_t n = std::min(max, data.size() - position);
        ssh::Bytes chunk = slice_of(data, position, n);
        position += n;
        return chunk;
    };
}

TEST_CASE("transfer ranges: download_range fetches exactly the range", "[sftp][client][transfer]") {
    const std::uint32_t version = GENERATE(3u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    const ssh::Bytes data = pattern(100 * 1000 + 7, version);
    pair.fs.nodes["/r.bin"] = Node{Node::file, data, {}, 0644, 1700000000};

    struct Case {
        std::uint64_t offset;
        std::optional<std::uint64_t> length;
        std::uint64_t expected;
    };
    const Case c = GENERATE(Case{0, 4096, 4096}, Case{1000, 50000, 50000},
                            Case{33333, std::nullopt, 100007 - 33333},
                            Case{90000, 50000, 10007},  // EOF inside the range
                            Case{100007, 10, 0},        // starts at the end
                            Case{200000, std::nullopt, 0}, Case{5, 0, 0});
    CAPTURE(c.offset, c.length);
    RangeSink sink(c.offset);
    Answer<std::uint64_t> outcome;
    sftp::download_range(pair.client, "/r.bin", {c.offset, c.length}, sink.sink(), {8, 4096},
                         outcome.callback());
    pair.pump();
    CHECK(outcome.value() == c.expected);
    CHECK(sink.joined() == slice_of(data, c.offset, c.expected));
    CHECK(pair.server.open_handles() == 0);
    CHECK(pair.client.idle());
}

TEST_CASE("transfer ranges: short reads and shuffled replies inside a range; reads stay within "
          "the window", "[sftp][client][transfer]") {
    const std::uint32_t seed = GENERATE(1u, 2u, 3u);
    CAPTURE(seed);
    sftp::ServerConfig config;
    config.max_read_length = 1500;  // every 4096-byte READ comes back short
    ClientPair pair(5, config);
    pair.fs.defer = true;
    const ssh::Bytes data = pattern(300 * 1000, seed);
    pair.fs.nodes["/s.bin"] = Node{Node::file, data, {}, 0644, 1700000000};
    const sftp::TransferOptions options{6, 4096};

    RangeSink sink(12345);
    Answer<std::uint64_t> outcome;
    sftp::download_range(pair.client, "/s.bin", {12345, 200000}, sink.sink(), options,
                         outcome.callback());
    pair.complete_shuffled(seed);
    CHECK(outcome.value() == 200000);
    CHECK(sink.joined() == slice_of(data, 12345, 200000));
    CHECK(sink.furthest_ahead <= options.max_requests * options.request_size);
    CHECK(sink.furthest_ahead > options.request_size);  // it did pipeline
}

TEST_CASE("transfer ranges: download_range failures", "[sftp][client][transfer]") {
    ClientPair pair(6);
    pair.fs.add_file("/f.bin", std::string(30000, 'y'));
    SECTION("a missing file") {
        RangeSink sink(10);
        Answer<std::uint64_t> outcome;
        sftp::download_range(pair.client, "/missing", {10, 100}, sink.sink(), {4, 4096},
                             outcome.callback());
        pair.pump();
        CHECK(outcome.code() == wire(StatusCode::no_such_file));
        CHECK(sink.pieces.empty());
    }
    SECTION("the sink refuses in the middle of the range") {
        Answer<std::uint64_t> outcome;
        sftp::download_range(
            pair.client, "/f.bin", {5000, 20000},
            [](std::uint64_t offset, ssh::ByteView) { return offset < 13000; }, {4, 4096},
            outcome.callback());
        pair.pump();
        CHECK(outcome.code() == wire(StatusCode::failure));
        CHECK(outcome.result->message() == "local write failed");
        CHECK(pair.server.open_handles() == 0);
        CHECK(pair.client.idle());
    }
    SECTION("the server refuses reads") {
        pair.fs.defer = true;
        RangeSink sink(0);
        Answer<std::uint64_t> outcome;
        sftp::download_range(pair.client, "/f.bin", {0, 20000}, sink.sink(), {4, 4096},
                             outcome.callback());
        pair.pump();
        auto open = std::move(pair.fs.queued.front());  // the OPEN
        pair.fs.queued.erase(pair.fs.queued.begin());
        open();
        pair.pump();
        pair.fs.nodes.erase("/f.bin");  // READs after the first batch find nothing
        pair.complete_shuffled(4);
        CHECK(outcome.code() == wire(StatusCode::no_such_file));
        CHECK(pair.client.idle());
    }
}

TEST_CASE("transfer ranges: upload_range writes at an offset without truncating",
          "[sftp][client][transfer]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    const ssh::Bytes existing = pattern(50000, 1);
    pair.fs.nodes["/u.bin"] = Node{Node::file, existing, {}, 0644, 1700000000};
    const ssh::Bytes patch = pattern(30000, 2);

    std::size_t position = 0;
    Answer<std::uint64_t> outcome;
    sftp::upload_range(pair.client, "/u.bin", 40000, source_of(patch, position), {8, 4096}, {},
                       outcome.callback());
    pair.pump();
    CHECK(outcome.value() == patch.size());
    ssh::Bytes expected = slice_of(existing, 0, 40000);
    expected.insert(expected.end(), patch.begin(), patch.end());
    CHECK(pair.fs.nodes.at("/u.bin").data == expected);

    SECTION("a range inside the file leaves what follows alone") {
        std::size_t again = 0;
        const ssh::Bytes small = pattern(1000, 3);
        Answer<std::uint64_t> inner;
        sftp::upload_range(pair.client, "/u.bin", 100, source_of(small, again), {8, 4096}, {},
                           inner.callback());
        pair.pump();
        CHECK(inner.value() == 1000);
        std::copy(small.begin(), small.end(), expected.begin() + 100);
        CHECK(pair.fs.nodes.at("/u.bin").data == expected);
    }
    SECTION("a missing file is created") {
        std::size_t again = 0;
        Answer<std::uint64_t> created;
        sftp::upload_range(pair.client, "/new.bin", 0, source_of(patch, again), {8, 4096}, {},
                           created.callback());
        pair.pump();
        CHECK(created.value() == patch.size());
        CHECK(pair.fs.nodes.at("/new.bin").data == patch);
    }
    CHECK(pair.server.open_handles() == 0);
}

TEST_CASE("transfer ranges: append adds to the end with APPEND_DATA", "[sftp][client][transfer]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    const std::uint32_t seed = GENERATE(7u, 8u);
    CAPTURE(version, seed);
    ClientPair pair(version);
    pair.fs.defer = true;
    const ssh::Bytes existing = pattern(10001, 4);
    pair.fs.nodes["/a.log"] = Node{Node::file, existing, {}, 0644, 1700000000};
    const ssh::Bytes more = pattern(45000, 5);

    std::size_t position = 0;
    Answer<std::uint64_t> outcome;
    sftp::append(pair.client, "/a.log", source_of(more, position), {8, 4096}, {},
                 outcome.callback());
    pair.complete_shuffled(seed);
    CHECK(outcome.value() == more.size());
    ssh::Bytes expected = existing;
    expected.insert(expected.end(), more.begin(), more.end());
    CHECK(pair.fs.nodes.at("/a.log").data == expected);
    REQUIRE_FALSE(pair.fs.open_modes.empty());
    CHECK((pair.fs.open_modes.front().flags & sftp::open_flags::append_data) != 0);
    CHECK((pair.fs.open_modes.front().flags & sftp::open_flags::access_disposition) ==
          sftp::open_flags::open_or_create);
    CHECK(pair.server.open_handles() == 0);
}

TEST_CASE("transfer ranges: append to a missing file creates it; quota stops it",
          "[sftp][client][transfer]") {
    ClientPair pair(3);
    const ssh::Bytes data = pattern(20000, 6);
    std::size_t position = 0;
    Answer<std::uint64_t> created;
    sftp::append(pair.client, "/fresh.log", source_of(data, position), {4, 4096}, {},
                 created.callback());
    pair.pump();
    CHECK(created.value() == data.size());
    CHECK(pair.fs.nodes.at("/fresh.log").data == data);

    pair.fs.max_file_size = 30000;
    position = 0;
    Answer<std::uint64_t> over;
    sftp::append(pair.client, "/fresh.log", source_of(data, position), {4, 4096}, {},
                 over.callback());
    pair.pump();
    CHECK(over.code() == wire(StatusCode::failure));  // v3 has no QUOTA_EXCEEDED
    CHECK(pair.server.open_handles() == 0);
    CHECK(pair.client.idle());
}

TEST_CASE("transfer ranges: upload_range stops at a local read failure",
          "[sftp][client][transfer]") {
    ClientPair pair(6);
    int calls = 0;
    Answer<std::uint64_t> outcome;
    sftp::upload_range(
        pair.client, "/broken.bin", 4096,
        [&calls](std::size_t max) -> std::optional<ssh::Bytes> {
            if (++calls > 2) return std::nullopt;
            return ssh::Bytes(max, 0x41);
        },
        {4, 4096}, {}, outcome.callback());
    pair.pump();
    CHECK(outcome.code() == wire(StatusCode::failure));
    CHECK(outcome.result->message() == "local read failed");
    CHECK(pair.server.open_handles() == 0);
}

}  // namespace
}  // namespace sftp_test
