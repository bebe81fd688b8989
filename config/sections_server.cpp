// Parsers for the `server`, `ssh` and `sftp` sections (`oftp` is in sections_oftp.cpp).
#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "config/detail/sections.hpp"
#include "config/detail/ssh_algorithms.hpp"

namespace wharf::config::detail {

namespace {

constexpr std::uint64_t max_workers = 1024;
constexpr std::size_t max_banner_bytes = 8192;

std::optional<LogLevel> log_level_from(std::string_view text) {
    if (text == "trace") return LogLevel::trace;
    if (text == "debug") return LogLevel::debug;
    if (text == "info") return LogLevel::info;
    if (text == "warn" || text == "warning") return LogLevel::warn;
    if (text == "error") return LogLevel::error;
    if (text == "critical") return LogLevel::critical;
    if (text == "off") return LogLevel::off;
    return std::nullopt;
}

LogSettings parse_log(Context& ctx, const YAML::Node& node) {
    LogSettings log;
    const Map map(node, "server.log", ctx.diagnostics, {"level", "format", "file"});
    if (const auto n = map.get("level"); present(n)) {
        if (const auto text = read_string(ctx.diagnostics, n, "server.log.level")) {
            if (const auto level = log_level_from(*text)) log.level = *level;
            else ctx.diagnostics.error(n, fmt::format("server.log.level: '{}' is not one of trace, debug, "
                                                      "info, warn, error, critical, off", *text));
        }
    }
    if (const auto n = map.get("format"); present(n)) {
        if (const auto text = read_string(ctx.diagnostics, n, "server.log.format")) {
            if (*text == "json") log.format = LogFormat::json;
            else if (*text == "text") log.format = LogFormat::text;
            else ctx.diagnostics.error(n, fmt::format("server.log.format: '{}' is not json or text", *text));
        }
    }
    if (const auto n = map.get("file"); present(n) && !(n.IsScalar() && n.Scalar().empty())) {
        if (auto path = read_path(ctx.diagnostics, n, "server.log.file", ctx.base_dir, PathCheck::none)) {
            log.file = std::move(*path);
        }
    }
    return log;
}

std::vector<std::string> read_names(Context& ctx, const YAML::Node& node, const std::string& what,
                                    const std::vector<std::string>& known) {
    std::vector<std::string> names;
    const auto items = read_sequence(ctx.diagnostics, node, what);
    if (!items) return names;
    for (const auto& item : *items) {
        auto name = read_string(ctx.diagnostics, item, what);
        if (!name) continue;
        if (std::find(known.begin(), known.end(), *name) == known.end()) {
            ctx.diagnostics.error(item, fmt::format("{}: unknown algorithm '{}' (supported: {})", what, *name,
                                                    fmt::join(known, ", ")));
            continue;
        }
        names.push_back(std::move(*name));
    }
    if (names.empty() && items->empty()) ctx.diagnostics.error(node, what + ": the list may not be empty");
    return names;
}

void parse_ssh_algorithms(Context& ctx, const Map& map, SshSettings& ssh) {
    const auto lists = ssh_algorithm_names();
    const std::pair<const char*, std::pair<std::vector<std::string>*, const std::vector<std::string>*>> fields[] = {
        {"kex_algorithms", {&ssh.kex_algorithms, &lists.kex}},
        {"host_key_algorithms", {&ssh.host_key_algorithms, &lists.host_keys}},
        {"ciphers", {&ssh.ciphers, &lists.ciphers}},
        {"macs", {&ssh.macs, &lists.macs}},
        {"compression", {&ssh.compression, &lists.compression}},
    };
    for (const auto& [key, target] : fields) {
        if (const auto n = map.get(key); present(n)) {
            *target.first = read_names(ctx, n, std::string("ssh.") + key, *target.second);
        }
    }
}

std::optional<SshSettings::Startups> parse_startups(std::string_view text) {
    std::vector<unsigned> parts;
    while (true) {
        const auto colon = text.find(':');
        const auto part = text.substr(0, colon);
        unsigned value = 0;
        const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || ec != std::errc{} || ptr != part.data() + part.size()) return std::nullopt;
        parts.push_back(value);
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    if (parts.size() == 1) return SshSettings::Startups{parts[0], 100, parts[0]};
    if (parts.size() != 3 || parts[0] > parts[2] || parts[1] > 100 || parts[2] == 0) return std::nullopt;
    return SshSettings::Startups{parts[0], parts[1], parts[2]};
}

void parse_ssh_limits(Context& ctx, const Map& map, SshSettings& ssh) {
    auto& d = ctx.diagnostics;
    if (const auto n = map.get("strict_kex"); present(n)) ssh.strict_kex = static_cast<unsigned>(read_uint(d, n, "ssh.strict_kex", 3).value_or(1));
    if (const auto n = map.get("rekey_limit"); present(n)) ssh.rekey_limit = read_size(d, n, "ssh.rekey_limit").value_or(ssh.rekey_limit);
    const std::pair<const char*, Duration*> durations[] = {
        {"rekey_interval", &ssh.rekey_interval},         {"login_grace_time", &ssh.login_grace_time},
        {"auth_failure_delay", &ssh.auth_failure_delay}, {"keepalive_interval", &ssh.keepalive_interval},
        {"idle_timeout", &ssh.idle_timeout},
    };
    for (const auto& [key, target] : durations) {
        if (const auto n = map.get(key); present(n)) *target = read_duration(d, n, std::string("ssh.") + key).value_or(*target);
    }
    if (const auto n = map.get("max_auth_tries"); present(n)) {
        ssh.max_auth_tries = static_cast<unsigned>(read_uint(d, n, "ssh.max_auth_tries", 100).value_or(6));
        if (ssh.max_auth_tries == 0) d.error(n, "ssh.max_auth_tries: must be at least 1");
    }
    if (const auto n = map.get("keepalive_count_max"); present(n)) {
        ssh.keepalive_count_max = static_cast<unsigned>(read_uint(d, n, "ssh.keepalive_count_max", 1000).value_or(3));
    }
    if (const auto n = map.get("max_startups"); present(n)) {
        if (const auto text = read_string(d, n, "ssh.max_startups")) {
            if (const auto startups = parse_startups(*text)) {
                ssh.max_startups = *startups;
            } else {
                d.error(n, fmt::format("ssh.max_startups: '{}' is not N or start:rate:full with start <= full "
                                       "and rate <= 100 (OpenSSH MaxStartups)", *text));
            }
        }
    }
    if (const auto n = map.get("server_version"); present(n)) {
        if (auto text = read_string(d, n, "ssh.server_version")) {
            // RFC 4253 §4.2: printable US-ASCII without spaces or minus; the line stays under 255.
            const bool ok = !text->empty() && text->size() <= 200 &&
                            std::all_of(text->begin(), text->end(), [](char c) { return c > 0x20 && c < 0x7f && c != '-'; });
            if (!ok) d.error(n, "ssh.server_version: 1-200 printable characters without spaces or '-'");
            ssh.server_version = std::move(*text);
        }
    }
    if (const auto n = map.get("moduli_file"); present(n)) {
        if (auto path = read_path(d, n, "ssh.moduli_file", ctx.base_dir, PathCheck::existing_file)) {
            ssh.moduli_file = std::move(*path);
        }
    }
    if (const auto n = map.get("per_source_max_startups"); present(n)) {
        ssh.per_source_max_startups = static_cast<unsigned>(read_uint(d, n, "ssh.per_source_max_startups", 100000).value_or(0));
    }
    if (const auto n = map.get("accepted_client_versions"); present(n)) {
        ssh.accepted_client_versions.clear();
        if (const auto items = read_sequence(d, n, "ssh.accepted_client_versions")) {
            for (const auto& item : *items) {
                if (auto text = read_string(d, item, "ssh.accepted_client_versions")) {
                    ssh.accepted_client_versions.push_back(std::move(*text));
                }
            }
        }
    }
}

}  // namespace

std::vector<ListenAddress> parse_listen(Context& ctx, const YAML::Node& node, std::string_view what) {
    std::vector<ListenAddress> result;
    const auto items = read_sequence(ctx.diagnostics, node, what);
    if (!items) return result;
    for (const auto& item : *items) {
        const auto text = read_string(ctx.diagnostics, item, what);
        if (!text) continue;
        if (const auto address = ListenAddress::parse(*text)) {
            result.push_back(*address);
        } else {
            ctx.diagnostics.error(item, fmt::format("{}: '{}' is not host:port (IPv6 as [addr]:port, "
                                                    "port 1-65535)", what, *text));
        }
    }
    return result;
}

ServerSettings parse_server(Context& ctx, const YAML::Node& node) {
    ServerSettings server;
    server.state_dir = (ctx.base_dir / "state").lexically_normal();
    const Map map(node, "server", ctx.diagnostics, {"state_dir", "workers", "log", "shutdown_grace"});
    if (const auto n = map.get("state_dir"); present(n)) {
        if (auto path = read_path(ctx.diagnostics, n, "server.state_dir", ctx.base_dir, PathCheck::none)) {
            server.state_dir = std::move(*path);
        }
    }
    if (const auto n = map.get("workers"); present(n)) {
        if (const auto value = read_uint(ctx.diagnostics, n, "server.workers", max_workers)) {
            server.workers = static_cast<unsigned>(*value);
        }
    }
    if (const auto n = map.get("log"); present(n)) server.log = parse_log(ctx, n);
    if (const auto n = map.get("shutdown_grace"); present(n)) {
        if (const auto value = read_duration(ctx.diagnostics, n, "server.shutdown_grace")) {
            server.shutdown_grace = *value;
        }
    }
    return server;
}

SshSettings parse_ssh(Context& ctx, const YAML::Node& node) {
    SshSettings ssh;
    const Map map(node, "ssh", ctx.diagnostics,
                  {"listen", "host_keys", "banner", "kex_algorithms", "host_key_algorithms", "ciphers", "macs",
                   "compression", "strict_kex", "rekey_limit", "rekey_interval", "login_grace_time",
                   "max_auth_tries", "auth_failure_delay", "keepalive_interval", "keepalive_count_max",
                   "idle_timeout", "accepted_client_versions", "max_startups", "per_source_max_startups",
                   "server_version", "moduli_file"});
    if (const auto n = map.require("listen"); present(n)) ssh.listen = parse_listen(ctx, n, "ssh.listen");
    if (const auto n = map.get("host_keys"); present(n)) {
        if (const auto items = read_sequence(ctx.diagnostics, n, "ssh.host_keys")) {
            for (const auto& item : *items) {
                // Explicit keys must exist: generating one for a mistyped path would silently
                // change the server's identity. Only the default set is generated.
                if (auto path = read_path(ctx.diagnostics, item, "ssh.host_keys", ctx.base_dir,
                                          PathCheck::existing_file)) {
                    ssh.host_keys.push_back(std::move(*path));
                }
            }
        }
    }
    if (const auto n = map.get("banner"); present(n)) {
        if (auto text = read_string(ctx.diagnostics, n, "ssh.banner")) {
            if (text->size() > max_banner_bytes) {
                ctx.diagnostics.error(n, fmt::format("ssh.banner: longer than {} bytes", max_banner_bytes));
            }
            ssh.banner = std::move(*text);
        }
    }
    parse_ssh_algorithms(ctx, map, ssh);
    parse_ssh_limits(ctx, map, ssh);
    return ssh;
}

SftpSettings parse_sftp(Context& ctx, const YAML::Node& node) {
    SftpSettings sftp;
    auto& d = ctx.diagnostics;
    const Map map(node, "sftp", d,
                  {"max_version", "readdir_batch", "newline", "max_outstanding_requests", "max_open_handles",
                   "max_read_length"});
    const auto read_bounded = [&](std::string_view key, std::uint64_t low, std::uint64_t high) -> std::optional<std::uint64_t> {
        const auto n = map.get(key);
        if (!present(n)) return std::nullopt;
        const std::string what = fmt::format("sftp.{}", key);
        const auto value = key == "max_read_length" ? read_size(d, n, what) : read_uint(d, n, what, high);
        if (value && (*value < low || *value > high)) {
            d.error(n, fmt::format("{}: must be between {} and {}", what, low, high));
            return std::nullopt;
        }
        return value;
    };
    if (const auto v = read_bounded("max_version", 3, 6)) sftp.max_version = static_cast<unsigned>(*v);
    if (const auto v = read_bounded("readdir_batch", 1, 10000)) sftp.readdir_batch = static_cast<unsigned>(*v);
    if (const auto v = read_bounded("max_outstanding_requests", 1, 4096)) {
        sftp.max_outstanding_requests = static_cast<unsigned>(*v);
    }
    if (const auto v = read_bounded("max_open_handles", 1, 65536)) sftp.max_open_handles = static_cast<unsigned>(*v);
    // The engine trims it further to what one DATA reply can carry.
    if (const auto v = read_bounded("max_read_length", 1024, 256 * 1024)) sftp.max_read_length = *v;
    if (const auto n = map.get("newline"); present(n)) {
        if (auto text = read_string(d, n, "sftp.newline")) {
            // Spelled by name (lf, crlf, cr) or as the characters themselves ("\r\n").
            if (*text == "lf" || *text == "\n") {
                sftp.newline = "\n";
            } else if (*text == "crlf" || *text == "\r\n") {
                sftp.newline = "\r\n";
            } else if (*text == "cr" || *text == "\r") {
                sftp.newline = "\r";
            } else {
                d.error(n, "sftp.newline: one of lf, crlf, cr");
            }
        }
    }
    return sftp;
}

}  // namespace wharf::config::detail
