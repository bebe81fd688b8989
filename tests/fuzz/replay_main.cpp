// A main() for the libFuzzer harnesses that needs no libFuzzer, so every compiler builds them
// into ordinary test executables (fuzz_replay_<name>, run by ctest as fuzz_replay.<name>).
//
//   fuzz_replay_<name> [--runs N] [--seed S] [--max-len L] [--crash-dir DIR] PATH...
//
// It runs the harness over every file under each PATH (a corpus directory or single files),
// then over N inputs drawn from a seeded generator: random bytes, and mutations of the corpus
// files (bit flips, byte changes, truncations, cut and duplicated ranges, splices of two files,
// and bumps of big-endian uint32 length fields). The same seed gives the same inputs.
// Not coverage-guided: it keeps the harnesses building and their seeds passing on every compiler
// and under the ASan tree, and shakes out shallow bugs; the clang tree does the real fuzzing.
//
// Like libFuzzer's -malloc_limit_mb, one allocation above --malloc-limit-mb (default 64) is a
// failure: a length the peer only claimed must never become an allocation. On a crash, trap,
// abort or sanitizer report the input is written to DIR/crash-<name>-<case> first.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define WHARF_REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WHARF_REPLAY_ASAN 1
#endif
#endif
#ifdef WHARF_REPLAY_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef WHARF_FUZZ_HARNESS
#define WHARF_FUZZ_HARNESS "harness"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Input = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Allocation limit

std::size_t g_malloc_limit = std::size_t{64} << 20;

void* checked_allocation(std::size_t size) {
    if (size > g_malloc_limit) {
        // Formatting must not allocate here.
        char message[128];
        const int n = std::snprintf(message, sizeof message,
                                    "replay: allocation of %zu bytes exceeds the limit\n", size);
        if (n > 0) {
            (void)!write(STDERR_FILENO, message, static_cast<std::size_t>(n));
        }
        std::abort();
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}

// ---------------------------------------------------------------------------------------------
// Writing the input that crashed

Input g_current;                 // the input being run
char g_crash_path[4096] = {};    // where it goes if the run dies
volatile std::sig_atomic_t g_dumped = 0;

void dump_current_input() {
    if (g_dumped != 0 || g_crash_path[0] == '\0') {
        return;
    }
    g_dumped = 1;
    const int fd = open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, g_current.data(), g_current.size());
        close(fd);
    }
    const char prefix[] = "replay: the failing input is in ";
    (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!write(STDERR_FILENO, g_crash_path, std::strlen(g_crash_path));
    (void)!write(STDERR_FILENO, "\n", 1);
}

extern "C" void on_fatal_signal(int signal) {
    dump_current_input();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

void install_crash_handlers() {
    for (const int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP}) {
        std::signal(signal, on_fatal_signal);
    }
#ifdef WHARF_REPLAY_ASAN
    __sanitizer_set_death_callback(dump_current_input);
#endif
}

void run_one(const Input& input, const std::string& crash_path) {
    g_current = input;
    std::snprintf(g_crash_path, sizeof g_crash_path, "%s", crash_path.c_str());
    LLVMFuzzerTestOneInput(g_current.data(), g_current.size());
}

// ---------------------------------------------------------------------------------------------
// Inputs

Input read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Input(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::filesystem::path> corpus_files(const std::vector<std::string>& paths) {
    std::vector<std::filesystem::path> files;
    for (const auto& path : paths) {
        if (std::filesystem::is_directory(path)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
        } else if (std::filesystem::is_regular_file(path)) {
            files.emplace_back(path);
        } else {
            std::fprintf(stderr, "replay: no such file or directory: %s\n", path.c_str());
            std::exit(2);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

class Generator {
public:
    Generator(std::uint64_t seed, std::size_t max_len, const std::vector<Input>& corpus)
        : m_gen(seed), m_max_len(max_len), m_corpus(corpus) {}

    Input next() {
        Input input;
        if (m_corpus.empty() || below(8) == 0) {
            input.resize(below(below(4) == 0 ? 4096 : 256));
            for (auto& byte : input) {
                byte = static_cast<std::uint8_t>(below(256));
            }
        } else {
            input = m_corpus[below(m_corpus.size())];
            const std::size_t mutations = 1 + below(4);
            for (std::size_t i = 0; i < mutations; ++i) {
                mutate(input);
            }
        }
        if (input.size() > m_max_len) {
            input.resize(m_max_len);
        }
        return input;
    }

private:
    std::size_t below(std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(m_gen);
    }

    void mutate(Input& input) {
        if (input.empty()) {
            input.push_back(static_cast<std::uint8_t>(below(256)));
            return;
        }
        const std::size_t at = below(input.size());
        switch (below(8)) {
            case 0:  // flip a bit
                input[at] ^= static_cast<std::uint8_t>(1u << below(8));
                break;
            case 1: {  // an interesting byte
                static constexpr std::uint8_t values[] = {0, 1, 4, 0x7f, 0x80, 0xfe, 0xff};
                input[at] = values[below(std::size(values))];
                break;
            }
            case 2:  // truncate
                input.resize(at);
                break;
            case 3: {  // cut a range
                const std::size_t n = 1 + below(std::min<std::size_t>(64, input.size() - at));
                input.erase(input.begin() + static_cast<std::ptrdiff_t>(at),
                            input.begin() + static_cast<std::ptrdiff_t>(at + n));
                break;
            }
            case 4: {  // duplicate a range
                const std::size_t n = 1 + below(std::min<std::size_t>(64, input.size() - at));
                const Input copy(input.begin() + static_cast<std::ptrdiff_t>(at),
                                 input.begin() + static_cast<std::ptrdiff_t>(at + n));
                input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), copy.begin(),
                             copy.end());
                break;
            }
            case 5: {  // splice: our prefix, another file's suffix
                const Input& other = m_corpus[below(m_corpus.size())];
                const std::size_t from = below(other.size() + 1);
                input.resize(at);
                input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from),
                             other.end());
                break;
            }
            default:  // bump a big-endian uint32, as if it were a length field
                bump_length(input, at);
                break;
        }
    }

    void bump_length(Input& input, std::size_t at) {
        if (input.size() < 4) {
            return;
        }
        at = std::min(at, input.size() - 4);
        std::uint32_t value = (std::uint32_t{input[at]} << 24) | (std::uint32_t{input[at + 1]} << 16) |
                              (std::uint32_t{input[at + 2]} << 8) | std::uint32_t{input[at + 3]};
        switch (below(6)) {
            case 0: value += static_cast<std::uint32_t>(1 + below(16)); break;
            case 1: value -= static_cast<std::uint32_t>(1 + below(16)); break;
            case 2: value = 0; break;
            case 3: value = 0xffffffffu - static_cast<std::uint32_t>(below(16)); break;
            case 4: value = 0x7fffffffu; break;
            default: value += static_cast<std::uint32_t>(input.size()); break;
        }
        for (int i = 0; i < 4; ++i) {
            input[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
        }
    }

    std::mt19937_64 m_gen;
    std::size_t m_max_len;
    const std::vector<Input>& m_corpus;
};

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: fuzz_replay_" WHARF_FUZZ_HARNESS
                 " [--runs N] [--seed S] [--max-len L] [--malloc-limit-mb M] [--crash-dir DIR]"
                 " PATH...\n");
    std::exit(2);
}

}  // namespace

// Every allocation through new goes through the limit; the other forms of new and delete in
// libstdc++ forward to these two.
void* operator new(std::size_t size) { return checked_allocation(size); }
void* operator new[](std::size_t size) { return checked_allocation(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t /*size*/) noexcept { std::free(p); }

int main(int argc, char** argv) {
    std::size_t runs = 0;
    std::uint64_t seed = 1;
    std::size_t max_len = 70000;
    std::string crash_dir = ".";
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
            }
            return argv[++i];
        };
        if (arg == "--runs") {
            runs = std::stoul(value());
        } else if (arg == "--seed") {
            seed = std::stoull(value());
        } else if (arg == "--max-len") {
            max_len = std::stoul(value());
        } else if (arg == "--malloc-limit-mb") {
            g_malloc_limit = std::size_t{std::stoul(value())} << 20;
        } else if (arg == "--crash-dir") {
            crash_dir = value();
        } else if (!arg.empty() && arg[0] == '-') {
            usage();
        } else {
            paths.push_back(arg);
        }
    }
    install_crash_handlers();

    const auto started = std::chrono::steady_clock::now();
    const auto files = corpus_files(paths);
    std::vector<Input> corpus;
    for (const auto& file : files) {
        corpus.push_back(read_file(file));
        run_one(corpus.back(),
                crash_dir + "/crash-" WHARF_FUZZ_HARNESS "-" + file.filename().string());
    }
    Generator generator(seed, max_len, corpus);
    for (std::size_t i = 0; i < runs; ++i) {
        run_one(generator.next(), crash_dir + "/crash-" WHARF_FUZZ_HARNESS "-seed" +
                                      std::to_string(seed) + "-case" + std::to_string(i));
    }
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    std::printf("fuzz_replay_" WHARF_FUZZ_HARNESS ": %zu corpus files, %zu generated inputs (seed %llu) "
                "passed in %.1f s\n",
                files.size(), runs, static_cast<unsigned long long>(seed), elapsed.count());
    return 0;
}
