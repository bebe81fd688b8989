#include "daemon/logging/log.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>

namespace wharf::log {

namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<config::LogFormat> g_format{config::LogFormat::json};
std::mutex g_configure_mutex;

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::trace: return spdlog::level::trace;
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warn: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
        case Level::critical: return spdlog::level::critical;
        case Level::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

std::string_view level_name(Level level) {
    switch (level) {
        case Level::trace: return "trace";
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
        case Level::critical: return "critical";
        case Level::off: return "off";
    }
    return "info";
}

// RFC 3339 UTC with milliseconds: 2026-11-21T05:14:00.123Z
std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::shared_ptr<spdlog::logger> make_logger(const config::LogSettings& settings) {
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (settings.file.empty()) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file.string(), false);
    }
    auto logger = std::make_shared<spdlog::logger>("wharf", std::move(sink));
    logger->set_pattern("%v");  // we render the whole line ourselves
    logger->set_level(to_spdlog(settings.level));
    logger->flush_on(spdlog::level::trace);  // log lines are an interface; nothing waits in a buffer
    return logger;
}

}  // namespace

void configure(const config::LogSettings& settings) {
    std::lock_guard lock(g_configure_mutex);
    auto logger = make_logger(settings);  // may throw; the old logger stays in place then
    spdlog::set_default_logger(std::move(logger));
    g_level = settings.level;
    g_format = settings.format;
}

bool enabled(Level level) { return level != Level::off && level >= g_level.load(std::memory_order_relaxed); }

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
                } else {
                    out += c;  // UTF-8 passes through; invalid bytes are the peer's, kept verbatim
                }
        }
    }
    return out;
}

Event::Event(Level level, std::string_view name) : m_level(level), m_enabled(enabled(level)) {
    if (m_enabled) m_name = name;
}

Event& Event::field(std::string_view key, std::string_view value) {
    if (m_enabled) m_fields.push_back({std::string(key), json_escape(value), true});
    return *this;
}

Event& Event::field(std::string_view key, bool value) {
    if (m_enabled) m_fields.push_back({std::string(key), value ? "true" : "false", false});
    return *this;
}

Event& Event::field(std::string_view key, std::int64_t value) {
    if (m_enabled) m_fields.push_back({std::string(key), std::to_string(value), false});
    return *this;
}

Event& Event::field(std::string_view key, std::uint64_t value) {
    if (m_enabled) m_fields.push_back({std::string(key), std::to_string(value), false});
    return *this;
}

Event& Event::field(std::string_view key, double value) {
    if (m_enabled) m_fields.push_back({std::string(key), fmt::format("{:.3f}", value), false});
    return *this;
}

Event::~Event() {
    if (!m_enabled) return;
    try {
        emit();
    } catch (...) {
        // Logging must never take the daemon down (out of memory, disk full on the log file).
    }
}

void Event::emit() {
    std::string line;
    if (g_format.load(std::memory_order_relaxed) == config::LogFormat::json) {
        line = fmt::format(R"({{"ts":"{}","level":"{}","event":"{}")", timestamp(), level_name(m_level),
                           json_escape(m_name));
        for (const auto& f : m_fields) {
            line += f.quoted ? fmt::format(R"(,"{}":"{}")", json_escape(f.key), f.value)
                             : fmt::format(R"(,"{}":{})", json_escape(f.key), f.value);
        }
        line += '}';
    } else {
        line = fmt::format("{} {:<5} {}", timestamp(), level_name(m_level), m_name);
        for (const auto& f : m_fields) {
            const bool bare = !f.quoted || (!f.value.empty() && f.value.find_first_of(" \\\"") == std::string::npos);
            line += bare ? fmt::format(" {}={}", f.key, f.value) : fmt::format(R"( {}="{}")", f.key, f.value);
        }
    }
    spdlog::default_logger_raw()->log(to_spdlog(m_level), line);
}

}  // namespace wharf::log
