// Whatever a client sends, the engines neither crash nor write outside the target nor leave an
// upload open once the session ends (the h11 fuzzer's invariant, with a seeded generator).
#include "engine_harness.hpp"

#include <random>

using namespace scp_test;

namespace {

// Random input built from protocol fragments, so the engines get past their first checks.
std::string random_client_bytes(std::mt19937& rng) {
    static const std::vector<std::string> fragments = {
        "C0644 5 a\n", "C0644 3 ", "D0755 0 d\n", "E\n", "T1 0 2 0\n", "T", "\x01warn\n", "\x02", "\n",
        "hello", "\0"s, "C9999 1 x\n", "C0644 18446744073709551615 x\n", "D0755 0 ../x\n", "C0644 1 a/b\n",
        std::string(3000, 'z'), "\xff\xfe", "C0644 0 e\n"};
    std::string out;
    const int pieces = std::uniform_int_distribution<int>(1, 12)(rng);
    for (int i = 0; i < pieces; ++i) {
        if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
            out += static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        } else {
            out += fragments[std::uniform_int_distribution<std::size_t>(0, fragments.size() - 1)(rng)];
        }
    }
    return out;
}

void check_survives(std::string_view command_line, std::mt19937& rng) {
    Harness h;
    h.fs.add_dir("/in");
    h.fs.add_file("/in/f", "data");
    h.start(command_line);
    const auto bytes = random_client_bytes(rng);
    if (rng() % 2 == 0) {
        h.feed(bytes);
    } else {
        h.feed_bytewise(bytes);
    }
    h.take();
    h.eof();
    h.take();
    INFO(command_line << " fed " << bytes.size() << " bytes");
    REQUIRE(h.engine->finished());
    CHECK(h.fs.outstanding_uploads() == 0);
    CHECK(h.fs.open_reads() == 0);
    CHECK(h.consumed == bytes.size());
    for (const auto& [path, node] : h.fs.nodes) {
        CHECK((path == "/" || path.rfind("/in", 0) == 0));
    }
}

}  // namespace

TEST_CASE("scp engines survive random input", "[scp][malformed]") {
    std::mt19937 rng(20261121);
    for (int round = 0; round < 400; ++round) {
        check_survives("scp -r -p -t /in", rng);
        check_survives("scp -t /in", rng);
        check_survives("scp -r -f /in /in/f", rng);
    }
}
