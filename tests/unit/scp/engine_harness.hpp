// Drives an scp::Engine the way the daemon's channel handler does, with bytes as strings so
// transcripts read like the protocol: feed() what the client sends, take() what we answered.
#pragma once

#include "fake_filesystem.hpp"
#include "protocols/scp/command.hpp"
#include "protocols/scp/engine.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scp_test {

using namespace std::string_literals;  // "\0"s keeps the NUL bytes of a transcript

inline scp::Command command_of(std::string_view line) {
    auto parsed = scp::parse_command(line);
    REQUIRE(std::holds_alternative<scp::Command>(parsed));
    return std::get<scp::Command>(parsed);
}

struct Harness {
    FakeFs fs;
    std::unique_ptr<scp::Engine> engine;
    std::size_t consumed = 0;  // window the engine has given back
    std::vector<scp::Event> events;

    void start(std::string_view command_line, scp::EngineLimits limits = {}) {
        engine = scp::Engine::create(command_of(command_line), fs, limits);
        engine->start();
        collect();
    }
    void feed(std::string_view bytes) {
        engine->receive(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
        collect();
    }
    void feed_bytewise(std::string_view bytes) {
        for (const char c : bytes) feed(std::string_view(&c, 1));
    }
    void eof() {
        engine->receive_eof();
        collect();
    }
    // Everything the engine wants sent so far.
    std::string take() {
        const auto pending = engine->pending_output();
        std::string out(pending.begin(), pending.end());
        engine->consume_output(pending.size());
        collect();
        return out;
    }
    void collect() {
        consumed += engine->take_consumed();
        while (auto event = engine->next_event()) events.push_back(std::move(*event));
    }
    [[nodiscard]] std::vector<scp::TransferFinished> finished_transfers() const {
        std::vector<scp::TransferFinished> out;
        for (const auto& event : events) {
            if (const auto* done = std::get_if<scp::TransferFinished>(&event)) out.push_back(*done);
        }
        return out;
    }
};

}  // namespace scp_test
