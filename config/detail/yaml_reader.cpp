#include "config/detail/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <system_error>

#include "config/units.hpp"

namespace wharf::config::detail {

namespace {

std::string_view type_name(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Scalar: return "a scalar";
        case YAML::NodeType::Null: return "nothing";
        default: return "an undefined value";
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// A scalar node's text, or an error naming what arrived instead.
const std::string* scalar_text(Diagnostics& d, const YAML::Node& n, std::string_view what,
                               std::string_view expected) {
    if (!n.IsScalar()) {
        d.error(n, fmt::format("{}: expected {}, got {}", what, expected, type_name(n)));
        return nullptr;
    }
    return &n.Scalar();
}

}  // namespace

void Diagnostics::error(const YAML::Mark& at, std::string message) {
    const bool positioned = !at.is_null();
    m_list.push_back(Diagnostic{m_file, positioned ? at.line + 1 : 0, positioned ? at.column + 1 : 0,
                                std::move(message)});
}

bool present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

std::optional<std::string_view> nearest(std::string_view word,
                                        std::initializer_list<std::string_view> candidates) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 3;
    for (const auto candidate : candidates) {
        const auto distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

Map::Map(const YAML::Node& node, std::string section, Diagnostics& diagnostics,
         std::initializer_list<std::string_view> known_keys)
    : m_node(node), m_section(std::move(section)), m_diagnostics(diagnostics) {
    if (!node.IsMap()) {
        diagnostics.error(node, fmt::format("{}: expected a mapping, got {}", m_section, type_name(node)));
        return;
    }
    m_valid = true;
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : node) {
        const auto& key_node = entry.first;
        if (!key_node.IsScalar()) {
            diagnostics.error(key_node, fmt::format("{}: keys must be plain names", m_section));
            continue;
        }
        const std::string& key = key_node.Scalar();
        if (!seen.insert(key).second) {
            diagnostics.error(key_node, fmt::format("{}: duplicate key '{}'", m_section, key));
        }
        if (std::find(known_keys.begin(), known_keys.end(), key) != known_keys.end()) continue;
        std::string message = fmt::format("{}: unknown key '{}'", m_section, key);
        if (const auto hint = nearest(key, known_keys)) message += fmt::format(" (did you mean '{}'?)", *hint);
        diagnostics.error(key_node, std::move(message));
    }
}

YAML::Node Map::get(std::string_view key) const {
    if (!m_valid) return YAML::Node(YAML::NodeType::Undefined);
    for (const auto& entry : m_node) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node Map::require(std::string_view key) const {
    auto value = get(key);
    if (m_valid && !present(value)) {
        m_diagnostics.error(m_node, fmt::format("{}: missing required key '{}'", m_section, key));
    }
    return value;
}

std::optional<std::string> read_string(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    const auto* text = scalar_text(d, n, what, "a string");
    if (!text) return std::nullopt;
    return *text;
}

std::optional<bool> read_bool(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    const auto* text = scalar_text(d, n, what, "true or false");
    if (!text) return std::nullopt;
    if (*text == "true" || *text == "yes" || *text == "on") return true;
    if (*text == "false" || *text == "no" || *text == "off") return false;
    d.error(n, fmt::format("{}: expected true or false, got '{}'", what, *text));
    return std::nullopt;
}

std::optional<std::uint64_t> read_uint(Diagnostics& d, const YAML::Node& n, std::string_view what,
                                       std::uint64_t max) {
    const auto* text = scalar_text(d, n, what, "a whole number");
    if (!text) return std::nullopt;
    std::uint64_t value = 0;
    const auto* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (text->empty() || ec != std::errc{} || ptr != end) {
        d.error(n, fmt::format("{}: expected a whole number, got '{}'", what, *text));
        return std::nullopt;
    }
    if (value > max) {
        d.error(n, fmt::format("{}: {} is larger than the maximum {}", what, value, max));
        return std::nullopt;
    }
    return value;
}

std::optional<std::chrono::milliseconds> read_duration(Diagnostics& d, const YAML::Node& n,
                                                       std::string_view what) {
    const auto* text = scalar_text(d, n, what, "a duration");
    if (!text) return std::nullopt;
    if (auto value = parse_duration(*text)) return value;
    d.error(n, fmt::format("{}: '{}' is not a duration (examples: 30s, 15m, 1h30m, 500ms)", what, *text));
    return std::nullopt;
}

std::optional<std::uint64_t> read_size(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    const auto* text = scalar_text(d, n, what, "a size");
    if (!text) return std::nullopt;
    if (auto value = parse_size(*text)) return value;
    d.error(n, fmt::format("{}: '{}' is not a size (examples: 4096, 64K, 500M, 10G)", what, *text));
    return std::nullopt;
}

std::optional<std::filesystem::path> read_path(Diagnostics& d, const YAML::Node& n, std::string_view what,
                                               const std::filesystem::path& base, PathCheck check) {
    auto text = read_string(d, n, what);
    if (!text) return std::nullopt;
    if (text->empty() || text->find('\0') != std::string::npos) {
        d.error(n, fmt::format("{}: expected a path", what));
        return std::nullopt;
    }
    std::filesystem::path path(*text);
    if (path.is_relative()) path = base / path;
    path = path.lexically_normal();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (check == PathCheck::existing_directory && !std::filesystem::is_directory(status)) {
        d.error(n, fmt::format("{}: directory '{}' does not exist", what, path.string()));
        return std::nullopt;
    }
    if (check == PathCheck::existing_file && !std::filesystem::is_regular_file(status)) {
        d.error(n, fmt::format("{}: file '{}' does not exist", what, path.string()));
        return std::nullopt;
    }
    return path;
}

std::optional<std::vector<YAML::Node>> read_sequence(Diagnostics& d, const YAML::Node& n,
                                                      std::string_view what) {
    if (n.IsScalar()) return std::vector<YAML::Node>{n};
    if (!n.IsSequence()) {
        d.error(n, fmt::format("{}: expected a list, got {}", what, type_name(n)));
        return std::nullopt;
    }
    std::vector<YAML::Node> items;
    for (const auto& item : n) items.push_back(item);
    return items;
}

}  // namespace wharf::config::detail
