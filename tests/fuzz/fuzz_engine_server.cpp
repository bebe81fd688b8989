// libFuzzer harness: a whole server Engine (version exchange, transport, KEX, auth, channels).
//
// The input is what a client sends after its version line: the harness first feeds
// "SSH-2.0-fuzz\r\n", then the input whole to one server and byte by byte to another, answering
// events as wharfd would after every piece (engine_server_setup.hpp), then lets the timers run
// and closes. The server is deterministic, so seeds recorded by make_corpus.cpp from a real
// client get through the key exchange and into authentication and channels.
// Invariant: the engine never throws, takes every byte it is offered, and stays silent once it
// says it is closed. Disconnects for "internal error" (an exception other than ProtocolError or
// DecodeError inside the engine) are printed, first few of each run, for a human to judge.
#include "tests/fuzz/engine_server_setup.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

namespace ssh = wharf::ssh;
namespace fuzz = wharf::fuzz;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_engine_server: invariant broken: %s\n", what);
    __builtin_trap();
}

void offer(ssh::Engine& engine, ssh::ByteView bytes, ssh::TimePoint now) {
    if (engine.receive(bytes, now) != bytes.size()) {
        invariant_broken("receive did not take every byte");
    }
}

// Answers events, then drops the output as if it had been written.
void drain(ssh::Engine& engine, fuzz::EngineServerDriver& driver, ssh::TimePoint now) {
    driver.drain(now);
    engine.consume_output(engine.output_size());
}

void report_internal_errors(const fuzz::EngineServerDriver& driver) {
    static int reported = 0;
    for (const auto& description : driver.disconnects()) {
        if (description.rfind("internal error", 0) == 0 && reported < 20) {
            ++reported;
            std::fprintf(stderr, "fuzz_engine_server: disconnect for %s\n", description.c_str());
        }
    }
}

void run(ssh::ByteView input, std::size_t chunk) {
    auto rng = fuzz::engine_server_rng();
    const ssh::TimePoint now = fuzz::engine_start_time();
    ssh::Engine engine(fuzz::engine_server_config(), rng, now);
    fuzz::EngineServerDriver driver(engine);

    const std::string line = std::string(fuzz::engine_client_version) + "\r\n";
    offer(engine, ssh::ByteView(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()),
          now);
    drain(engine, driver, now);
    for (std::size_t pos = 0; pos < input.size() && !engine.closed(); pos += chunk) {
        offer(engine, input.subspan(pos, std::min(chunk, input.size() - pos)), now);
        drain(engine, driver, now);
    }

    // Timers: auth failure delays at once, then login grace, keepalive and rekey by time.
    engine.on_timeout(now + std::chrono::seconds(1));
    drain(engine, driver, now + std::chrono::seconds(1));
    engine.on_timeout(now + std::chrono::hours(2));
    drain(engine, driver, now + std::chrono::hours(2));

    if (engine.closed()) {
        offer(engine, input.first(std::min<std::size_t>(input.size(), 16)), now);
        if (engine.next_event() || engine.output_size() != 0 || engine.next_deadline()) {
            invariant_broken("a closed engine produced events, output or deadlines");
        }
    }
    engine.receive_eof(now);
    drain(engine, driver, now);
    report_internal_errors(driver);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ssh::ByteView input(data, size);
    run(input, input.size() + 1);
    run(input, 1);
    return 0;
}
