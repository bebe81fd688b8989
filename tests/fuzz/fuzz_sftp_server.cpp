// libFuzzer harness: the SFTP server engine (request decoding, every handler, text mode,
// extensions, version-select) over the in-memory file system of the unit tests.
//
// The input is what a client sends on the channel, INIT first. The harness feeds it to three
// engines: whole, byte by byte, and in 7-byte pieces with the file system completing late and
// out of order (all pending completions, newest first, after each piece). Every reply is
// decoded back with the codec in the version the engine then speaks.
// Invariant: the engine never throws, every reply it writes decodes, a failed engine writes
// nothing more, and once every completion has run nothing is outstanding.
#include "tests/fuzz/sftp_server_setup.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_sftp_server: invariant broken: %s\n", what);
    __builtin_trap();
}

// Decodes everything the engine wrote; a reply our own codec rejects is a bug.
void drain(sftp::ServerEngine& engine, sftp::PacketReader& replies) {
    while (auto bytes = engine.take_output()) {
        replies.feed(ssh::ByteView(*bytes));
        while (auto packet = replies.next()) {
            try {
                (void)sftp::decode_reply(*packet, engine.version().value_or(3));
            } catch (const std::exception&) {
                invariant_broken("the engine wrote a reply the codec cannot decode");
            }
        }
    }
}

void complete_all_newest_first(sftp_test::FakeFs& fs) {
    while (!fs.queued.empty()) {
        auto pending = std::move(fs.queued);
        fs.queued.clear();
        for (auto it = pending.rbegin(); it != pending.rend(); ++it) (*it)();
    }
}

void run(ssh::ByteView input, std::size_t chunk, bool deferred) {
    sftp_test::FakeFs fs;
    wharf::fuzz::seed_sftp_files(fs);
    fs.defer = deferred;
    sftp::ServerEngine engine(fs, wharf::fuzz::sftp_server_config(deferred));
    sftp::PacketReader replies;

    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        const bool was_failed = engine.failed();
        engine.receive(input.subspan(pos, std::min(chunk, input.size() - pos)));
        if (was_failed && engine.has_output()) invariant_broken("a failed engine wrote more");
        drain(engine, replies);
        complete_all_newest_first(fs);
        drain(engine, replies);
    }
    complete_all_newest_first(fs);
    drain(engine, replies);
    if (!engine.failed() && engine.outstanding() != 0) {
        invariant_broken("requests outstanding after every completion ran");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ssh::ByteView input(data, size);
    run(input, input.size() + 1, false);
    run(input, 1, false);
    run(input, 7, true);
    return 0;
}
