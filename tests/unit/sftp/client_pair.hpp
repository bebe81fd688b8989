// A ClientEngine wired to a ServerEngine over a FakeFs, in memory (h11's ConnectionPair):
// pump() moves bytes both ways until neither side has anything to say. With `fs.defer` the
// file system holds its completions until the test releases them, in any order it likes.
#pragma once

#include "protocols/sftp/client_engine.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"
#include "protocols/sftp/server_engine.hpp"
#include "sftp/fake_filesystem.hpp"
#include "sftp/sftp_test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sftp_test {

// Where a callback puts its result, for tests that wait for one request.
template <class T>
struct Answer {
    std::optional<sftp::ClientResult<T>> result;

    sftp::ClientEngine::Done<T> callback() {
        return [this](sftp::ClientResult<T> r) {
            REQUIRE_FALSE(result.has_value());  // each request completes exactly once
            result.emplace(std::move(r));
        };
    }
    // The value; FAILs with the status when the request failed.
    T& value() {
        REQUIRE(result.has_value());
        if (!result->ok()) FAIL("request failed: " << sftp::describe(result->failure()));
        return result->value();
    }
    std::uint32_t code() {
        REQUIRE(result.has_value());
        REQUIRE_FALSE(result->ok());
        return static_cast<std::uint32_t>(result->error());
    }
};

template <>
struct Answer<void> {
    std::optional<sftp::ClientResult<void>> result;

    sftp::ClientEngine::Done<void> callback() {
        return [this](sftp::ClientResult<void> r) {
            REQUIRE_FALSE(result.has_value());
            result.emplace(std::move(r));
        };
    }
    void ok() {
        REQUIRE(result.has_value());
        if (!result->ok()) FAIL("request failed: " << sftp::describe(result->failure()));
    }
    std::uint32_t code() {
        REQUIRE(result.has_value());
        REQUIRE_FALSE(result->ok());
        return static_cast<std::uint32_t>(result->error());
    }
};

struct ClientPair {
    FakeFs fs;
    sftp::ServerEngine server;
    sftp::ClientEngine client;
    ssh::Bytes to_server;  // what the server did not want yet (back-pressure)

    explicit ClientPair(std::uint32_t client_version, sftp::ServerConfig server_config = {},
                        sftp::ClientConfig client_config = {})
        : server(fs, std::move(server_config)), client(with_version(client_config, client_version)) {
        pump();
        REQUIRE(client.ready());
    }

    // Moves bytes until both sides are quiet; a bound catches livelock.
    void pump() {
        for (int step = 0; step < 100000; ++step) {
            bool moved = false;
            while (auto bytes = client.take_output()) {
                to_server.insert(to_server.end(), bytes->begin(), bytes->end());
            }
            if (!to_server.empty() && server.wants_input()) {
                const ssh::Bytes chunk = std::move(to_server);
                to_server.clear();
                server.receive(ssh::ByteView(chunk));
                moved = true;
            }
            while (auto bytes = server.take_output()) {
                client.receive(ssh::ByteView(*bytes));
                moved = true;
            }
            if (!moved && !client.has_output()) return;
        }
        FAIL("pump did not settle");
    }

    // Releases every held file system completion in a shuffled order, pumping in between,
    // until nothing is held any more.
    void complete_shuffled(std::uint32_t seed) {
        std::mt19937 random(seed);
        pump();
        while (!fs.queued.empty()) {
            auto batch = std::move(fs.queued);
            fs.queued.clear();
            std::shuffle(batch.begin(), batch.end(), random);
            for (auto& completion : batch) completion();
            pump();
        }
    }

    // Issues one request through `issue(callback)` and pumps until it is answered.
    template <class T, class Issue>
    Answer<T>& call(Answer<T>& answer, Issue issue) {
        issue(answer.callback());
        pump();
        REQUIRE(answer.result.has_value());
        return answer;
    }

    // Whole-file helpers over the transfer functions, with everything in memory.
    sftp::ClientResult<std::uint64_t> upload(const std::string& path, const ssh::Bytes& data,
                                             sftp::TransferOptions options = {},
                                             std::optional<std::uint32_t> shuffle_seed = {}) {
        std::size_t position = 0;
        auto source = [&data, &position](std::size_t max) -> std::optional<ssh::Bytes> {
            const std::size_t n = std::min(max, data.size() - position);
            ssh::Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(position),
                             data.begin() + static_cast<std::ptrdiff_t>(position + n));
            position += n;
            return chunk;
        };
        Answer<std::uint64_t> outcome;
        sftp::upload(client, path, source, options, {}, outcome.callback());
        settle(shuffle_seed);
        REQUIRE(outcome.result.has_value());
        return std::move(*outcome.result);
    }

    sftp::ClientResult<std::uint64_t> download(const std::string& path, ssh::Bytes& out,
                                               sftp::TransferOptions options = {},
                                               std::optional<std::uint32_t> shuffle_seed = {}) {
        out.clear();
        auto sink = [&out](std::uint64_t offset, ssh::ByteView data) {
            if (out.size() < offset + data.size()) out.resize(offset + data.size());
            std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
            return true;
        };
        Answer<std::uint64_t> outcome;
        sftp::download(client, path, sink, options, outcome.callback());
        settle(shuffle_seed);
        REQUIRE(outcome.result.has_value());
        return std::move(*outcome.result);
    }

    // Every entry of a directory: OPENDIR, READDIR until EOF, CLOSE.
    std::vector<sftp::NameEntry> list(const std::string& path) {
        Answer<std::string> handle;
        call(handle, [&](auto done) { client.opendir(path, std::move(done)); });
        std::vector<sftp::NameEntry> all;
        for (int batch = 0; batch < 1000; ++batch) {
            Answer<std::vector<sftp::NameEntry>> names;
            call(names, [&](auto done) { client.readdir(handle.value(), std::move(done)); });
            if (!names.result->ok()) {
                CHECK(names.code() == static_cast<std::uint32_t>(sftp::StatusCode::eof));
                Answer<void> closed;
                call(closed, [&](auto done) { client.close(handle.value(), std::move(done)); });
                closed.ok();
                return all;
            }
            for (auto& entry : names.value()) all.push_back(std::move(entry));
        }
        FAIL("READDIR never reached EOF");
        return all;
    }

private:
    void settle(std::optional<std::uint32_t> shuffle_seed) {
        if (shuffle_seed) {
            complete_shuffled(*shuffle_seed);
        } else {
            pump();
        }
    }

    static sftp::ClientConfig with_version(sftp::ClientConfig config, std::uint32_t version) {
        config.max_version = version;
        return config;
    }
};

// Bytes that differ at every offset, so a block written at the wrong place shows.
inline ssh::Bytes pattern(std::size_t size, std::uint32_t seed = 1) {
    std::mt19937 random(seed);
    ssh::Bytes out(size);
    for (auto& byte : out) byte = static_cast<std::uint8_t>(random());
    return out;
}

constexpr std::uint32_t wire(sftp::StatusCode c) { return static_cast<std::uint32_t>(c); }

}  // namespace sftp_test
