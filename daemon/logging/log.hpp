// Structured event logging: one JSON object per line (or a human text line), stable field names.
//
//   log::info("ssh.auth.ok").conn(id).user(name).remote(addr).field("method", "publickey");
//
// The line is written when the Event goes out of scope. Field names are an interface (tests
// and operators read them): ts, level, event, conn, proto, remote, user, partner, path, bytes,
// ms, status, plus event-specific extras. Secrets are never passed in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace wharf::log {

using Level = config::LogLevel;

/// Installs the sink and format from `settings`; safe to call again on reload (reopens files,
/// so rotation by rename works with SIGHUP). Throws std::runtime_error if the file can't open.
void configure(const config::LogSettings& settings);

/// Whether events at `level` are currently written.
bool enabled(Level level);

class Event {
public:
    Event(Level level, std::string_view name);
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event();

    Event& conn(std::uint64_t id) { return field("conn", id); }
    Event& proto(std::string_view value) { return field("proto", value); }
    Event& remote(std::string_view value) { return field("remote", value); }
    Event& user(std::string_view value) { return field("user", value); }
    Event& partner(std::string_view value) { return field("partner", value); }
    Event& path(std::string_view value) { return field("path", value); }
    Event& bytes(std::uint64_t value) { return field("bytes", value); }
    Event& ms(std::int64_t value) { return field("ms", value); }
    Event& status(std::string_view value) { return field("status", value); }

    Event& field(std::string_view key, std::string_view value);
    Event& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    Event& field(std::string_view key, const std::string& value) { return field(key, std::string_view(value)); }
    Event& field(std::string_view key, bool value);
    Event& field(std::string_view key, std::int64_t value);
    Event& field(std::string_view key, std::uint64_t value);
    Event& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
    Event& field(std::string_view key, unsigned value) { return field(key, static_cast<std::uint64_t>(value)); }
    Event& field(std::string_view key, double value);

private:
    struct Field {
        std::string key;
        std::string value;  ///< already rendered as JSON (strings quoted and escaped)
        bool quoted;
    };
    void emit();

    Level m_level;
    bool m_enabled;
    std::string m_name;
    std::vector<Field> m_fields;
};

inline Event trace(std::string_view name) { return Event(Level::trace, name); }
inline Event debug(std::string_view name) { return Event(Level::debug, name); }
inline Event info(std::string_view name) { return Event(Level::info, name); }
inline Event warn(std::string_view name) { return Event(Level::warn, name); }
inline Event error(std::string_view name) { return Event(Level::error, name); }

/// JSON string escaping (RFC 8259), exposed for tests.
std::string json_escape(std::string_view text);

}  // namespace wharf::log
