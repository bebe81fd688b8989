// One parser per top-level YAML section; each fills its typed struct and reports problems.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/detail/yaml_reader.hpp"

namespace wharf::config::detail {

struct Context {
    Diagnostics& diagnostics;
    std::filesystem::path base_dir;  ///< anchors relative paths
};

ServerSettings parse_server(Context& ctx, const YAML::Node& node);
SshSettings parse_ssh(Context& ctx, const YAML::Node& node);
/// `oftp:` (sections_oftp.cpp). Rules that need other sections wait for finish_oftp().
OftpSettings parse_oftp(Context& ctx, const YAML::Node& node);
SftpSettings parse_sftp(Context& ctx, const YAML::Node& node);
/// `hooks:`: event name -> {pre, post} commands (sections_hooks.cpp).
std::array<EventHooks, hook_event_count> parse_hooks(Context& ctx, const YAML::Node& node);
std::vector<User> parse_users(Context& ctx, const YAML::Node& node);
/// `partners:` (sections_partners.cpp); `station` (null without an `oftp:` section) supplies
/// the defaults partners inherit.
std::vector<Partner> parse_partners(Context& ctx, const YAML::Node& node, const OftpSettings* station);
/// After every section: OFTP defaults taken from other sections and the checks across them.
void finish_oftp(Context& ctx, const YAML::Node& root, Config& config);

/// A list of `host:port` endpoints.
std::vector<ListenAddress> parse_listen(Context& ctx, const YAML::Node& node, std::string_view what);

/// An absolute virtual path with no "." or ".." components, collapsed to one slash between
/// components and none at the end ("/a//b/" -> "/a/b"); nullopt otherwise.
std::optional<std::string> canonical_virtual_path(std::string_view text);

}  // namespace wharf::config::detail
