// Parser for the `users` section (`partners` is in sections_partners.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "config/detail/password_format.hpp"
#include "config/detail/sections.hpp"

namespace wharf::config::detail {

namespace {

constexpr std::size_t max_user_name = 64;
constexpr std::uint64_t max_sessions_limit = 100000;

bool valid_user_name(std::string_view name) {
    if (name.empty() || name.size() > max_user_name || name.front() == '-' || name.front() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-' || c == '@';
    });
}

std::optional<AuthMethod> auth_method_from(std::string_view text) {
    if (text == "password") return AuthMethod::password;
    if (text == "publickey") return AuthMethod::publickey;
    if (text == "keyboard-interactive") return AuthMethod::keyboard_interactive;
    return std::nullopt;
}

std::optional<std::string> read_virtual_path(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    const auto text = read_string(d, n, what);
    if (!text) return std::nullopt;
    if (auto path = canonical_virtual_path(*text)) return path;
    d.error(n, fmt::format("{}: '{}' is not an absolute virtual path without '.' or '..'", what, *text));
    return std::nullopt;
}

std::vector<Cidr> parse_cidrs(Context& ctx, const YAML::Node& node, std::string_view what) {
    std::vector<Cidr> result;
    const auto items = read_sequence(ctx.diagnostics, node, what);
    if (!items) return result;
    for (const auto& item : *items) {
        const auto text = read_string(ctx.diagnostics, item, what);
        if (!text) continue;
        if (const auto cidr = Cidr::parse(*text)) result.push_back(*cidr);
        else ctx.diagnostics.error(item, fmt::format("{}: '{}' is not an address or CIDR range with "
                                                     "zero host bits", what, *text));
    }
    return result;
}

std::vector<PermissionEntry> parse_permissions(Context& ctx, const YAML::Node& node, std::string_view user) {
    auto& d = ctx.diagnostics;
    std::vector<PermissionEntry> result;
    const std::string what = fmt::format("users[{}].permissions", user);
    if (!node.IsMap()) {
        d.error(node, what + ": expected a mapping of virtual path to a list of permissions");
        return result;
    }
    for (const auto& entry : node) {
        auto path = read_virtual_path(d, entry.first, what);
        const auto items = read_sequence(d, entry.second, what);
        if (!path || !items) continue;
        PermissionEntry permission{std::move(*path), 0};
        for (const auto& item : *items) {
            const auto name = read_string(d, item, what);
            if (!name) continue;
            if (*name == "*") permission.permissions = all_permissions;
            else if (const auto p = permission_from_name(*name)) permission.permissions |= static_cast<std::uint32_t>(*p);
            else d.error(item, fmt::format("{}: unknown permission '{}' (list, download, upload, overwrite, "
                                           "delete, rename, mkdir, rmdir, symlink, chmod, chtimes or *)", what, *name));
        }
        const bool duplicate = std::any_of(result.begin(), result.end(),
                                           [&](const auto& e) { return e.path == permission.path; });
        if (duplicate) d.error(entry.first, fmt::format("{}: '{}' is listed twice", what, permission.path));
        result.push_back(std::move(permission));
    }
    return result;
}

std::vector<VirtualFolder> parse_virtual_folders(Context& ctx, const YAML::Node& node, std::string_view user) {
    auto& d = ctx.diagnostics;
    std::vector<VirtualFolder> result;
    const std::string what = fmt::format("users[{}].virtual_folders", user);
    if (!node.IsSequence()) {
        d.error(node, what + ": expected a list of {path, source, read_only}");
        return result;
    }
    for (const auto& item : node) {
        const Map map(item, what, d, {"path", "source", "read_only"});
        if (!map.valid()) continue;
        VirtualFolder folder;
        const auto path_node = map.require("path");
        auto path = present(path_node) ? read_virtual_path(d, path_node, what + ".path") : std::nullopt;
        const auto source_node = map.require("source");
        auto source = present(source_node) ? read_path(d, source_node, what + ".source", ctx.base_dir,
                                                       PathCheck::existing_directory)
                                           : std::nullopt;
        if (const auto n = map.get("read_only"); present(n)) {
            folder.read_only = read_bool(d, n, what + ".read_only").value_or(false);
        }
        if (!path || !source) continue;
        if (*path == "/") {
            d.error(path_node, what + ".path: '/' is the user's root; set `root` instead");
            continue;
        }
        if (std::any_of(result.begin(), result.end(), [&](const auto& f) { return f.path == *path; })) {
            d.error(path_node, fmt::format("{}.path: '{}' is mounted twice", what, *path));
            continue;
        }
        folder.path = std::move(*path);
        folder.source = std::move(*source);
        result.push_back(std::move(folder));
    }
    return result;
}

std::vector<AuthChain> parse_auth_methods(Context& ctx, const YAML::Node& node, std::string_view user) {
    auto& d = ctx.diagnostics;
    std::vector<AuthChain> chains;
    const std::string what = fmt::format("users[{}].auth_methods", user);
    const auto items = read_sequence(d, node, what);
    if (!items) return chains;
    for (const auto& item : *items) {
        const auto text = read_string(d, item, what);
        if (!text) continue;
        AuthChain chain;
        bool ok = true;
        std::string_view rest = *text;
        while (ok) {
            const auto plus = rest.find('+');
            const auto part = rest.substr(0, plus);
            if (const auto method = auth_method_from(part); method &&
                std::find(chain.begin(), chain.end(), *method) == chain.end()) {
                chain.push_back(*method);
            } else {
                d.error(item, fmt::format("{}: '{}' is not a chain of distinct methods from password, "
                                          "publickey, keyboard-interactive joined by '+'", what, *text));
                ok = false;
            }
            if (plus == std::string_view::npos) break;
            rest.remove_prefix(plus + 1);
        }
        if (ok) chains.push_back(std::move(chain));
    }
    return chains;
}

bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    std::error_code ec;
    const auto a = std::filesystem::weakly_canonical(inner, ec);
    const auto b = std::filesystem::weakly_canonical(outer, ec);
    auto [mismatch, unused] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
    return mismatch == b.end();
}

// A read-only folder whose files are also reachable through a writable mount is not
// read-only at all: refuse the layout instead of pretending.
void check_read_only_overlap(Context& ctx, const YAML::Node& node, const User& user) {
    for (const auto& folder : user.virtual_folders) {
        if (!folder.read_only) continue;
        if (!user.root.empty() && is_within(folder.source, user.root)) {
            ctx.diagnostics.error(node, fmt::format("users[{}].virtual_folders: read-only folder '{}' lies inside the "
                                                    "user's writable root, so it could be changed through '/'",
                                                    user.name, folder.path));
        }
        for (const auto& other : user.virtual_folders) {
            if (other.read_only || !is_within(folder.source, other.source)) continue;
            ctx.diagnostics.error(node, fmt::format("users[{}].virtual_folders: read-only folder '{}' lies inside "
                                                    "writable folder '{}', so it could be changed through it",
                                                    user.name, folder.path, other.path));
        }
    }
}

// Default alternatives: every method the user has credentials for, each on its own.
std::vector<AuthChain> default_auth_methods(const User& user) {
    std::vector<AuthChain> chains;
    if (!user.authorized_keys.empty() || !user.authorized_keys_file.empty()) chains.push_back({AuthMethod::publickey});
    if (!user.password_hash.empty()) {
        chains.push_back({AuthMethod::password});
        chains.push_back({AuthMethod::keyboard_interactive});
    }
    return chains;
}

void check_credentials(Context& ctx, const YAML::Node& node, const User& user, bool password_given) {
    auto& d = ctx.diagnostics;
    const bool has_keys = !user.authorized_keys.empty() || !user.authorized_keys_file.empty();
    for (const auto& chain : user.auth_methods) {
        for (const auto method : chain) {
            const bool needs_password = method != AuthMethod::publickey;
            if (needs_password && user.password_hash.empty() && !password_given) {
                d.error(node, fmt::format("users[{}]: auth method {} needs a password", user.name,
                                          auth_method_name(method)));
            } else if (!needs_password && !has_keys) {
                d.error(node, fmt::format("users[{}]: auth method publickey needs authorized_keys or "
                                          "authorized_keys_file", user.name));
            }
        }
    }
    // A password that was given but refused has its own error already.
    if (!user.disabled && user.password_hash.empty() && !has_keys && !password_given) {
        d.error(node, fmt::format("users[{}]: has no password and no authorized keys, so nobody could log in "
                                  "(set disabled: true to keep such an account)", user.name));
    }
}

void parse_password(Context& ctx, const YAML::Node& n, User& user) {
    auto text = read_string(ctx.diagnostics, n, "password");
    if (!text) return;
    if (const auto problem = password_hash_problem(*text)) {
        // Never echo the value: it may be a real password typed in by mistake.
        ctx.diagnostics.error(n, fmt::format("users[{}].password: {}", user.name, *problem));
        return;
    }
    user.password_hash = std::move(*text);
}

User parse_user(Context& ctx, const YAML::Node& node, std::size_t index) {
    auto& d = ctx.diagnostics;
    User user;
    const Map map(node, fmt::format("users[{}]", index), d,
                  {"name", "password", "authorized_keys", "authorized_keys_file", "root", "home",
                   "virtual_folders", "permissions", "quota", "max_sessions", "allowed_ips", "denied_ips",
                   "auth_methods", "disabled", "restrict_to_home"});
    if (!map.valid()) return user;
    if (const auto n = map.require("name"); present(n)) {
        if (auto name = read_string(d, n, "users.name")) {
            if (!valid_user_name(*name)) {
                d.error(n, fmt::format("users.name: '{}' is not a valid user name (1-64 of A-Z a-z 0-9 . _ - @, "
                                       "not starting with - or .)", *name));
            }
            user.name = std::move(*name);
        }
    }
    const std::string who = user.name.empty() ? std::to_string(index) : user.name;
    const std::string prefix = fmt::format("users[{}].", who);
    if (const auto n = map.get("password"); present(n)) parse_password(ctx, n, user);
    if (const auto n = map.get("authorized_keys"); present(n)) {
        if (const auto items = read_sequence(d, n, prefix + "authorized_keys")) {
            for (const auto& item : *items) {
                auto line = read_string(d, item, prefix + "authorized_keys");
                if (!line) continue;
                if (const auto problem = authorized_key_problem(*line)) {
                    d.error(item, fmt::format("{}authorized_keys: {}", prefix, *problem));
                    continue;
                }
                user.authorized_keys.push_back(std::move(*line));
            }
        }
    }
    if (const auto n = map.get("authorized_keys_file"); present(n)) {
        if (auto path = read_path(d, n, prefix + "authorized_keys_file", ctx.base_dir, PathCheck::existing_file)) {
            user.authorized_keys_file = std::move(*path);
        }
    }
    if (const auto n = map.require("root"); present(n)) {
        if (auto path = read_path(d, n, prefix + "root", ctx.base_dir, PathCheck::existing_directory)) {
            user.root = std::move(*path);
        }
    }
    if (const auto n = map.get("home"); present(n)) {
        if (auto home = read_virtual_path(d, n, prefix + "home")) user.home = std::move(*home);
    }
    if (const auto n = map.get("virtual_folders"); present(n)) {
        user.virtual_folders = parse_virtual_folders(ctx, n, who);
        check_read_only_overlap(ctx, n, user);
    }
    if (const auto n = map.get("permissions"); present(n)) user.permissions = parse_permissions(ctx, n, who);
    if (const auto n = map.get("quota"); present(n)) {
        const Map quota(n, prefix + "quota", d, {"bytes", "files"});
        if (const auto b = quota.get("bytes"); present(b)) user.quota.bytes = read_size(d, b, prefix + "quota.bytes").value_or(0);
        if (const auto f = quota.get("files"); present(f)) {
            user.quota.files = read_uint(d, f, prefix + "quota.files", UINT64_MAX).value_or(0);
        }
    }
    if (const auto n = map.get("max_sessions"); present(n)) {
        user.max_sessions = static_cast<unsigned>(read_uint(d, n, prefix + "max_sessions", max_sessions_limit).value_or(0));
    }
    if (const auto n = map.get("allowed_ips"); present(n)) user.allowed_ips = parse_cidrs(ctx, n, prefix + "allowed_ips");
    if (const auto n = map.get("denied_ips"); present(n)) user.denied_ips = parse_cidrs(ctx, n, prefix + "denied_ips");
    if (const auto n = map.get("disabled"); present(n)) user.disabled = read_bool(d, n, prefix + "disabled").value_or(false);
    if (const auto n = map.get("restrict_to_home"); present(n)) {
        user.restrict_to_home = read_bool(d, n, prefix + "restrict_to_home").value_or(false);
    }
    if (const auto n = map.get("auth_methods"); present(n)) user.auth_methods = parse_auth_methods(ctx, n, who);
    else user.auth_methods = default_auth_methods(user);
    check_credentials(ctx, node, user, present(map.get("password")));
    return user;
}

}  // namespace

std::optional<std::string> canonical_virtual_path(std::string_view text) {
    if (text.empty() || text.front() != '/' || text.find('\0') != std::string_view::npos) return std::nullopt;
    std::string result;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto slash = text.find('/', start);
        const auto end = slash == std::string_view::npos ? text.size() : slash;
        const auto component = text.substr(start, end - start);
        if (component == "." || component == "..") return std::nullopt;
        if (!component.empty()) {
            result += '/';
            result += component;
        }
        start = end + 1;
    }
    return result.empty() ? std::string("/") : result;
}

std::vector<User> parse_users(Context& ctx, const YAML::Node& node) {
    std::vector<User> users;
    if (!node.IsSequence()) {
        ctx.diagnostics.error(node, "users: expected a list of users");
        return users;
    }
    std::map<std::string, int, std::less<>> first_line;
    std::size_t index = 0;
    for (const auto& item : node) {
        auto user = parse_user(ctx, item, index++);
        if (user.name.empty()) continue;
        const int line = item.Mark().line + 1;
        if (const auto [it, inserted] = first_line.emplace(user.name, line); !inserted) {
            ctx.diagnostics.error(item["name"], fmt::format("users: duplicate user '{}' (first defined at line {})",
                                                            user.name, it->second));
            continue;
        }
        users.push_back(std::move(user));
    }
    return users;
}

}  // namespace wharf::config::detail
