// libFuzzer harness: the SFTP client engine (VERSION handling, reply matching, every reply
// decoder, the extension replies, pipelined download() and upload()) against a server that
// sends anything.
//
// The input's first bytes pick the version asked for (3-6), the engine's and the transfers'
// limits and a mix of up to 15 requests and transfers (sftp_client_setup.hpp); the rest is the
// server's side of the channel, VERSION first. Each input runs three times: whole, byte by byte,
// and in 7-byte pieces. (Whole, replies to requests a callback issues arrive before the engine
// sends them, so the engine fails early and rightly; the pieces reach transfers and queues.)
// Invariant: no exception escapes receive() or receive_eof(), every request the engine writes
// decodes, a failed engine writes nothing more, broken framing leaves the engine failed, and
// every request and transfer completes exactly once by the end (after EOF at the latest).
#include "tests/fuzz/sftp_client_setup.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

[[noreturn]] void invariant_broken(const std::string& what) {
    std::fprintf(stderr, "fuzz_sftp_client: invariant broken: %s\n", what.c_str());
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const wharf::ssh::ByteView input(data, size);
    for (const std::size_t chunk : {input.size() + 1, std::size_t{1}, std::size_t{7}}) {
        const auto outcome = wharf::fuzz::run_sftp_client(input, chunk);
        if (outcome.broken) invariant_broken(*outcome.broken);
    }
    return 0;
}
