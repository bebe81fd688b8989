// Terminal questions (see terminal.hpp). Hidden input follows readpassphrase(3)'s shape:
// switch echo off, catch the signals that would leave the terminal silent, restore, re-raise.
#include "daemon/cli/terminal.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <botan/mem_ops.h>

#include <array>
#include <cerrno>
#include <csignal>

namespace wharf::cli {

namespace {

// The signal that interrupted a hidden read; 0 while none did.
volatile std::sig_atomic_t g_interrupted_by = 0;

extern "C" void note_interruption(int signal_number) { g_interrupted_by = signal_number; }

constexpr std::array<int, 4> k_interrupting_signals{SIGINT, SIGTERM, SIGQUIT, SIGHUP};

// Owns the /dev/tty descriptor for one question.
class TerminalFile {
public:
    TerminalFile() : m_fd(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
    ~TerminalFile() {
        if (m_fd >= 0) ::close(m_fd);
    }
    TerminalFile(const TerminalFile&) = delete;
    TerminalFile& operator=(const TerminalFile&) = delete;

    [[nodiscard]] bool is_open() const noexcept { return m_fd >= 0; }
    [[nodiscard]] int fd() const noexcept { return m_fd; }

    void write_text(std::string_view text) const {
        while (!text.empty()) {
            const auto n = ::write(m_fd, text.data(), text.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            text.remove_prefix(static_cast<std::size_t>(n));
        }
    }

private:
    int m_fd;
};

// Echo off for its lifetime, with the signals above caught so that they cannot leave it off.
class HiddenInput {
public:
    explicit HiddenInput(int fd) : m_fd(fd) {
        g_interrupted_by = 0;
        struct sigaction catcher {};
        catcher.sa_handler = note_interruption;
        sigemptyset(&catcher.sa_mask);
        catcher.sa_flags = 0;  // no SA_RESTART: read() must return so we can restore the terminal
        for (std::size_t i = 0; i < k_interrupting_signals.size(); ++i) {
            ::sigaction(k_interrupting_signals[i], &catcher, &m_saved_actions[i]);
        }
        m_restore = ::tcgetattr(m_fd, &m_saved) == 0;
        if (m_restore) {
            termios quiet = m_saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
            // TCSANOW, not TCSAFLUSH: an answer typed (or piped into a pty) ahead of the prompt
            // is kept rather than silently thrown away.
            ::tcsetattr(m_fd, TCSANOW, &quiet);
        }
    }
    ~HiddenInput() {
        if (m_restore) ::tcsetattr(m_fd, TCSANOW, &m_saved);
        for (std::size_t i = 0; i < k_interrupting_signals.size(); ++i) {
            ::sigaction(k_interrupting_signals[i], &m_saved_actions[i], nullptr);
        }
        // Delivered now that the terminal is back as it was, with the original disposition.
        if (const int signal_number = g_interrupted_by; signal_number != 0) ::raise(signal_number);
    }
    HiddenInput(const HiddenInput&) = delete;
    HiddenInput& operator=(const HiddenInput&) = delete;

private:
    int m_fd;
    termios m_saved{};
    bool m_restore = false;
    std::array<struct sigaction, k_interrupting_signals.size()> m_saved_actions{};
};

// One line from fd, without its newline; nullopt at end of file before any byte, on an error,
// or when a caught signal interrupted the read. The staging buffer is wiped: it held a secret.
std::optional<std::string> read_line(int fd) {
    std::array<char, 1024> buffer{};
    std::size_t length = 0;
    bool ended = false;
    bool any = false;
    while (!ended) {
        char c = 0;
        const auto n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR && g_interrupted_by == 0) continue;
        if (n <= 0) break;
        any = true;
        if (c == '\n') {
            ended = true;
        } else if (length < buffer.size()) {
            buffer[length++] = c;  // longer lines are cut: no one types a 1 KiB password
        }
    }
    std::optional<std::string> line;
    if ((ended || any) && g_interrupted_by == 0) line.emplace(buffer.data(), length);
    Botan::secure_scrub_memory(buffer.data(), buffer.size());
    return line;
}

}  // namespace

std::optional<std::string> ask_terminal(std::string_view prompt, bool echo) {
    const TerminalFile terminal;
    if (!terminal.is_open()) return std::nullopt;
    terminal.write_text(prompt);
    if (echo) {
        g_interrupted_by = 0;
        return read_line(terminal.fd());
    }
    std::optional<std::string> line;
    {
        const HiddenInput hidden(terminal.fd());
        line = read_line(terminal.fd());
    }
    terminal.write_text("\n");  // the user's Enter was not echoed
    return line;
}

}  // namespace wharf::cli
