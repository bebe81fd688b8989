// Parser for the `hooks` section: per event, a `pre` and/or `post` executable.
//
//   hooks:
//     upload:
//       pre: /usr/local/libexec/wharf/check-upload          # a bare absolute path
//       post: {command: /usr/local/bin/notify, args: [--queue, in], timeout: 10s}
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <system_error>

#include "config/detail/sections.hpp"

namespace wharf::config::detail {

namespace {

// The `hooks:` keys: hook_event_name() of every HookEvent (hooks_test.cpp checks they agree).
const std::initializer_list<std::string_view> event_keys = {
    "login", "logout", "upload", "download", "delete", "rename", "mkdir", "rmdir", "setstat", "symlink",
};

// A hook that may run longer than this is a mistake: it holds a session (pre) or a process
// slot (post) for that long.
constexpr Duration max_hook_timeout = std::chrono::hours(1);

// An absolute path to an existing regular file with an execute bit. Checked by mode bits, not
// access(): --check-config may run as someone else than the daemon.
bool check_command(Context& ctx, const YAML::Node& node, const std::filesystem::path& command,
                   const std::string& what) {
    auto& d = ctx.diagnostics;
    if (!command.is_absolute()) {
        d.error(node, fmt::format("{}: '{}' is not an absolute path (hooks run without a shell or PATH search)",
                                  what, command.string()));
        return false;
    }
    std::error_code ec;
    const auto status = std::filesystem::status(command, ec);
    if (!std::filesystem::exists(status)) {
        d.error(node, fmt::format("{}: '{}' does not exist", what, command.string()));
        return false;
    }
    if (!std::filesystem::is_regular_file(status)) {
        d.error(node, fmt::format("{}: '{}' is not a regular file", what, command.string()));
        return false;
    }
    using std::filesystem::perms;
    if ((status.permissions() & (perms::owner_exec | perms::group_exec | perms::others_exec)) == perms::none) {
        d.error(node, fmt::format("{}: '{}' is not executable", what, command.string()));
        return false;
    }
    return true;
}

std::optional<std::filesystem::path> read_command(Context& ctx, const YAML::Node& node, const std::string& what) {
    auto text = read_string(ctx.diagnostics, node, what);
    if (!text) return std::nullopt;
    if (text->empty() || text->find('\0') != std::string::npos) {
        ctx.diagnostics.error(node, fmt::format("{}: expected the path of an executable", what));
        return std::nullopt;
    }
    std::filesystem::path command = std::filesystem::path(*text).lexically_normal();
    if (!check_command(ctx, node, command, what)) return std::nullopt;
    return command;
}

std::vector<std::string> read_args(Context& ctx, const YAML::Node& node, const std::string& what) {
    std::vector<std::string> args;
    const auto items = read_sequence(ctx.diagnostics, node, what);
    if (!items) return args;
    for (const auto& item : *items) {
        auto arg = read_string(ctx.diagnostics, item, what);
        if (!arg) continue;
        if (arg->find('\0') != std::string::npos) {
            ctx.diagnostics.error(item, fmt::format("{}: an argument may not contain a NUL byte", what));
            continue;
        }
        args.push_back(std::move(*arg));
    }
    return args;
}

std::optional<Duration> read_timeout(Context& ctx, const YAML::Node& node, const std::string& what) {
    const auto timeout = read_duration(ctx.diagnostics, node, what);
    if (!timeout) return std::nullopt;
    if (*timeout <= Duration::zero() || *timeout > max_hook_timeout) {
        ctx.diagnostics.error(node, fmt::format("{}: must be more than 0 and at most 1h", what));
        return std::nullopt;
    }
    return timeout;
}

// CMD: an absolute path, or {command: PATH, args: [...], timeout: 10s}.
std::optional<HookCommand> parse_command(Context& ctx, const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
        auto command = read_command(ctx, node, what);
        if (!command) return std::nullopt;
        HookCommand hook;
        hook.command = std::move(*command);
        return hook;
    }
    if (!node.IsMap()) {
        ctx.diagnostics.error(node, fmt::format("{}: expected the path of an executable or a mapping "
                                                "{{command, args, timeout}}", what));
        return std::nullopt;
    }
    const Map map(node, what, ctx.diagnostics, {"command", "args", "timeout"});
    HookCommand hook;
    bool valid = true;
    if (const auto n = map.require("command"); present(n)) {
        auto command = read_command(ctx, n, what + ".command");
        valid = command.has_value();
        if (command) hook.command = std::move(*command);
    } else {
        valid = false;
    }
    if (const auto n = map.get("args"); present(n)) hook.args = read_args(ctx, n, what + ".args");
    if (const auto n = map.get("timeout"); present(n)) {
        const auto timeout = read_timeout(ctx, n, what + ".timeout");
        if (timeout) hook.timeout = *timeout;
    }
    if (!valid) return std::nullopt;
    return hook;
}

EventHooks parse_event_hooks(Context& ctx, const YAML::Node& node, const std::string& what) {
    EventHooks hooks;
    const Map map(node, what, ctx.diagnostics, {"pre", "post"});
    if (const auto n = map.get("pre"); present(n)) hooks.pre = parse_command(ctx, n, what + ".pre");
    if (const auto n = map.get("post"); present(n)) hooks.post = parse_command(ctx, n, what + ".post");
    if (map.valid() && !present(map.get("pre")) && !present(map.get("post"))) {
        ctx.diagnostics.error(node, fmt::format("{}: needs a pre or a post hook", what));
    }
    return hooks;
}

}  // namespace

std::array<EventHooks, hook_event_count> parse_hooks(Context& ctx, const YAML::Node& node) {
    std::array<EventHooks, hook_event_count> hooks{};
    // Map reports unknown events ("did you mean") and duplicates; known ones are parsed below.
    const Map map(node, "hooks", ctx.diagnostics, event_keys);
    if (!map.valid()) return hooks;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) continue;
        const auto event = hook_event_from_name(entry.first.Scalar());
        if (!event) continue;
        hooks[static_cast<std::size_t>(*event)] = parse_event_hooks(ctx, entry.second, "hooks." + entry.first.Scalar());
    }
    return hooks;
}

}  // namespace wharf::config::detail
