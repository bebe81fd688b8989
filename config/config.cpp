#include "config/config.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace wharf::config {

namespace {

constexpr std::array<std::pair<Permission, std::string_view>, 11> permission_names{{
    {Permission::list, "list"},
    {Permission::download, "download"},
    {Permission::upload, "upload"},
    {Permission::overwrite, "overwrite"},
    {Permission::remove, "delete"},
    {Permission::rename, "rename"},
    {Permission::mkdir, "mkdir"},
    {Permission::rmdir, "rmdir"},
    {Permission::symlink, "symlink"},
    {Permission::chmod, "chmod"},
    {Permission::chtimes, "chtimes"},
}};

}  // namespace

std::string_view permission_name(Permission p) {
    for (const auto& [permission, name] : permission_names) {
        if (permission == p) return name;
    }
    return "?";
}

std::optional<Permission> permission_from_name(std::string_view name) {
    for (const auto& [permission, spelled] : permission_names) {
        if (spelled == name) return permission;
    }
    return std::nullopt;
}

std::string_view auth_method_name(AuthMethod m) {
    switch (m) {
        case AuthMethod::password: return "password";
        case AuthMethod::publickey: return "publickey";
        case AuthMethod::keyboard_interactive: return "keyboard-interactive";
    }
    return "?";
}

std::string_view oftp_version_name(OftpVersion version) {
    switch (version) {
        case OftpVersion::v1_2: return "1.2";
        case OftpVersion::v1_3: return "1.3";
        case OftpVersion::v1_4: return "1.4";
        case OftpVersion::v2_0: return "2.0";
    }
    return "?";
}

std::string_view oftp_capability_name(OftpCapability capability) {
    switch (capability) {
        case OftpCapability::send: return "send";
        case OftpCapability::receive: return "receive";
        case OftpCapability::both: return "both";
    }
    return "?";
}

std::string_view overwrite_policy_name(OverwritePolicy policy) {
    switch (policy) {
        case OverwritePolicy::never: return "never";
        case OverwritePolicy::always: return "always";
        case OverwritePolicy::rename: return "rename";
    }
    return "?";
}

bool User::address_allowed(std::string_view remote) const {
    const auto matches = [&](const Cidr& cidr) { return cidr.contains(remote); };
    if (std::any_of(denied_ips.begin(), denied_ips.end(), matches)) return false;
    return allowed_ips.empty() || std::any_of(allowed_ips.begin(), allowed_ips.end(), matches);
}

const User* Config::find_user(std::string_view name) const {
    const auto it = std::find_if(users.begin(), users.end(), [&](const User& u) { return u.name == name; });
    return it == users.end() ? nullptr : &*it;
}

const Partner* Config::find_partner(std::string_view name) const {
    const auto it = std::find_if(partners.begin(), partners.end(), [&](const Partner& p) { return p.name == name; });
    return it == partners.end() ? nullptr : &*it;
}

const Partner* Config::find_partner_by_ssid(std::string_view ssid) const {
    const auto it = std::find_if(partners.begin(), partners.end(), [&](const Partner& p) { return p.ssid == ssid; });
    return it == partners.end() ? nullptr : &*it;
}

}  // namespace wharf::config
