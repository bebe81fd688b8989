// What `wharf sftp` transfers tell the person or script running them:
//  - on a terminal (stderr is a TTY, --no-progress not given), one progress line per file being
//    transferred: name, bytes, percent, rate, ETA; redrawn at most ~10 times a second, several
//    lines when several files run at once, erased when the file is done;
//  - with --json, one JSON object per file on stdout when it is done:
//    {"op":"get","remote":"/out/a.edi","local":"in/a.edi","bytes":1234,"ms":56,"offset":0,
//     "start_ms":...,"end_ms":...,"status":"ok"}; "status" is "ok", "skipped", "cancelled" (not
//    started after an earlier failure) or "error" with "error":"SSH_FX_..." and "message";
//    "sha256" (of the local file after the transfer) with --sha256. start_ms and end_ms are Unix
//    epoch milliseconds with microseconds as decimals, so overlaps of short transfers show.
// Without --json a successful transfer prints nothing: scripts read the exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::cli {

// One file's outcome, as the JSON line carries it.
struct TransferRecord {
    std::string op;  // "get" or "put"
    std::string remote;
    std::string local;
    std::uint64_t bytes = 0;   // bytes moved over the wire this time
    std::uint64_t offset = 0;  // where in the source file the transfer started (resume, --offset)
    std::int64_t start_us = 0; // Unix epoch microseconds
    std::int64_t end_us = 0;
    std::string status = "ok";         // "ok", "skipped", "error", "cancelled"
    std::optional<std::string> error;  // "SSH_FX_NO_SUCH_FILE" when status is error
    std::optional<std::string> message;
    std::optional<std::string> sha256;
};

// `text` as a JSON string literal, quotes included; bytes that are not valid UTF-8 become
// U+FFFD so the line stays valid JSON whatever a file name holds.
[[nodiscard]] std::string json_string(std::string_view text);
// The record as one JSON object (no newline).
[[nodiscard]] std::string json_line(const TransferRecord& record);

// Microseconds since the Unix epoch, now.
[[nodiscard]] std::int64_t epoch_us();

// Progress lines on a terminal. Disabled (every call does nothing) when not `enabled`.
class ProgressDisplay {
public:
    using Clock = std::chrono::steady_clock;

    // `out` is the terminal (stderr).
    ProgressDisplay(bool enabled, std::FILE* out);
    ~ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    // A line for a file of `total` bytes (unknown: no percent or ETA); returns its id.
    std::size_t begin(std::string name, std::optional<std::uint64_t> total);
    // `bytes` more moved; redraws when the last drawing is 100 ms old.
    void advance(std::size_t id, std::uint64_t bytes);
    // The file is done: its line goes.
    void end(std::size_t id);
    [[nodiscard]] bool enabled() const noexcept { return m_enabled; }

private:
    struct Line {
        std::string name;
        std::optional<std::uint64_t> total;
        std::uint64_t done = 0;
        Clock::time_point started;
    };
    void draw(Clock::time_point now);
    [[nodiscard]] std::string render(const Line& line, Clock::time_point now) const;

    bool m_enabled;
    std::FILE* m_out;
    std::map<std::size_t, Line> m_lines;
    std::size_t m_next_id = 0;
    std::size_t m_drawn = 0;  // lines on screen from the last drawing
    Clock::time_point m_last_draw{};
};

// True if progress should be drawn: stderr is a terminal and `wanted`.
[[nodiscard]] bool progress_wanted(bool wanted);

}  // namespace wharf::cli
