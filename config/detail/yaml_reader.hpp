// Reading YAML nodes into typed values while collecting located diagnostics.
// Internal to config/: the loader uses it, nobody else includes it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"

namespace wharf::config::detail {

class Diagnostics {
public:
    explicit Diagnostics(std::string file) : m_file(std::move(file)) {}

    void error(const YAML::Mark& at, std::string message);
    void error(const YAML::Node& at, std::string message) { error(at.Mark(), std::move(message)); }
    bool empty() const { return m_list.empty(); }
    std::vector<Diagnostic> take() { return std::move(m_list); }
    const std::string& file() const { return m_file; }

private:
    std::string m_file;
    std::vector<Diagnostic> m_list;
};

/// A YAML mapping checked against the keys its section knows: unknown and duplicate keys
/// are reported where they stand, with a suggestion for near misses.
class Map {
public:
    Map(const YAML::Node& node, std::string section, Diagnostics& diagnostics,
        std::initializer_list<std::string_view> known_keys);

    bool valid() const { return m_valid; }
    const YAML::Node& node() const { return m_node; }
    const std::string& section() const { return m_section; }

    /// The value under `key`, or an undefined node when absent.
    YAML::Node get(std::string_view key) const;
    /// Like get(), but reports a missing key at the mapping's own position.
    YAML::Node require(std::string_view key) const;

private:
    YAML::Node m_node;
    std::string m_section;
    Diagnostics& m_diagnostics;
    bool m_valid = false;
};

bool present(const YAML::Node& node);  // defined and not an explicit null

/// Readers below report a located error and return nullopt on a wrong type or bad value.
/// `what` names the key in messages ("server.workers").
std::optional<std::string> read_string(Diagnostics& d, const YAML::Node& n, std::string_view what);
std::optional<bool> read_bool(Diagnostics& d, const YAML::Node& n, std::string_view what);
std::optional<std::uint64_t> read_uint(Diagnostics& d, const YAML::Node& n, std::string_view what,
                                       std::uint64_t max);
std::optional<std::chrono::milliseconds> read_duration(Diagnostics& d, const YAML::Node& n,
                                                       std::string_view what);
std::optional<std::uint64_t> read_size(Diagnostics& d, const YAML::Node& n, std::string_view what);

enum class PathCheck { none, existing_file, existing_directory };
/// Resolves a relative path against `base`; checks existence when asked.
std::optional<std::filesystem::path> read_path(Diagnostics& d, const YAML::Node& n, std::string_view what,
                                               const std::filesystem::path& base, PathCheck check);

/// A sequence of scalars; a single scalar is accepted as a one-element list.
std::optional<std::vector<YAML::Node>> read_sequence(Diagnostics& d, const YAML::Node& n,
                                                      std::string_view what);

/// Closest known key within edit distance 2, for "did you mean" hints.
std::optional<std::string_view> nearest(std::string_view word,
                                        std::initializer_list<std::string_view> candidates);

}  // namespace wharf::config::detail
