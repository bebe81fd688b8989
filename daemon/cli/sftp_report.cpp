// Progress lines and JSON result lines of `wharf sftp` transfers (see sftp_report.hpp).
#include "daemon/cli/sftp_report.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace wharf::cli {

namespace {

// The length of the UTF-8 sequence starting at text[i], or 0 if it is not a valid one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2, min = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3, min = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4, min = 0x10000;
    else return 0;
    if (i + length > text.size()) return 0;
    std::uint32_t code = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return length;
}

std::string human_bytes(double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
        bytes /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string human_duration(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

// 1795255807099123 us -> "1795255807099.123" (ms).
std::string epoch_ms_text(std::int64_t us) { return fmt::format("{}.{:03}", us / 1000, us % 1000); }

}  // namespace

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\u{:04x}", c);
        } else if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (const auto n = utf8_length(text, i); n > 0) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        } else {
            out += "\\ufffd";
        }
        ++i;
    }
    out += '"';
    return out;
}

std::string json_line(const TransferRecord& r) {
    std::string line = fmt::format(
        "{{\"op\":{},\"remote\":{},\"local\":{},\"bytes\":{},\"ms\":{},\"offset\":{},\"start_ms\":{},"
        "\"end_ms\":{},\"status\":{}",
        json_string(r.op), json_string(r.remote), json_string(r.local), r.bytes, (r.end_us - r.start_us) / 1000,
        r.offset, epoch_ms_text(r.start_us), epoch_ms_text(r.end_us), json_string(r.status));
    if (r.error) line += ",\"error\":" + json_string(*r.error);
    if (r.message) line += ",\"message\":" + json_string(*r.message);
    if (r.sha256) line += ",\"sha256\":" + json_string(*r.sha256);
    line += '}';
    return line;
}

std::int64_t epoch_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool progress_wanted(bool wanted) { return wanted && ::isatty(STDERR_FILENO) == 1; }

// ---- progress ---------------------------------------------------------------------------------

ProgressDisplay::ProgressDisplay(bool enabled, std::FILE* out) : m_enabled(enabled), m_out(out) {}

ProgressDisplay::~ProgressDisplay() {
    if (!m_enabled) return;
    m_lines.clear();
    draw(Clock::now());
}

std::size_t ProgressDisplay::begin(std::string name, std::optional<std::uint64_t> total) {
    const std::size_t id = m_next_id++;
    if (!m_enabled) return id;
    m_lines[id] = Line{std::move(name), total, 0, Clock::now()};
    draw(Clock::now());
    return id;
}

void ProgressDisplay::advance(std::size_t id, std::uint64_t bytes) {
    if (!m_enabled) return;
    const auto it = m_lines.find(id);
    if (it == m_lines.end()) return;
    it->second.done += bytes;
    const auto now = Clock::now();
    if (now - m_last_draw >= std::chrono::milliseconds(100)) draw(now);
}

void ProgressDisplay::end(std::size_t id) {
    if (!m_enabled || m_lines.erase(id) == 0) return;
    draw(Clock::now());
}

void ProgressDisplay::draw(Clock::time_point now) {
    m_last_draw = now;
    std::string screen;
    if (m_drawn > 0) screen += fmt::format("\033[{}A", m_drawn);  // back to our first line
    for (const auto& [id, line] : m_lines) screen += "\r\033[2K" + render(line, now) + "\n";
    const std::size_t shown = m_lines.size();
    for (std::size_t i = shown; i < m_drawn; ++i) screen += "\r\033[2K\n";  // lines of files now done
    if (m_drawn > shown) screen += fmt::format("\033[{}A", m_drawn - shown);
    m_drawn = shown;
    std::fputs(screen.c_str(), m_out);
    std::fflush(m_out);
}

std::string ProgressDisplay::render(const Line& line, Clock::time_point now) const {
    const double seconds = std::chrono::duration<double>(now - line.started).count();
    const double rate = seconds > 0.05 ? static_cast<double>(line.done) / seconds : 0.0;
    std::string name = line.name;
    if (name.size() > 32) name = "..." + name.substr(name.size() - 29);
    if (!line.total) {
        return fmt::format("{:<32} {:>10} {:>10}/s", name, human_bytes(static_cast<double>(line.done)),
                           human_bytes(rate));
    }
    const double total = static_cast<double>(std::max<std::uint64_t>(*line.total, 1));
    const double fraction = std::min(1.0, static_cast<double>(line.done) / total);
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(fraction * kWidth);
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(kWidth - filled), '.');
    const std::string eta =
        rate > 0 ? human_duration((static_cast<double>(*line.total) - static_cast<double>(line.done)) / rate) : "--:--";
    return fmt::format("{:<32} [{}] {:3.0f}% {:>10} {:>10}/s ETA {}", name, bar, fraction * 100,
                       human_bytes(static_cast<double>(line.done)), human_bytes(rate), eta);
}

}  // namespace wharf::cli
