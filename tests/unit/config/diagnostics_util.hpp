// Loading a configuration that must fail, and finding one diagnostic in what came back.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "support/temp_dir.hpp"

namespace wharf::test {

/// Loads `yaml` (relative paths against `dir`) expecting failure; returns the diagnostics.
inline std::vector<config::Diagnostic> errors_of(const TempDir& dir, const std::string& yaml) {
    try {
        config::load_text(yaml, "test.yaml", dir.path());
    } catch (const config::ConfigError& e) {
        return e.diagnostics();
    }
    FAIL("configuration was accepted:\n" << yaml);
    return {};
}

/// Whether a diagnostic at line:column mentions `fragment`.
inline bool has_error(const std::vector<config::Diagnostic>& list, int line, int column, const std::string& fragment) {
    return std::any_of(list.begin(), list.end(), [&](const config::Diagnostic& d) {
        return d.line == line && d.column == column && d.message.find(fragment) != std::string::npos;
    });
}

/// Every diagnostic, one a line, for failure messages.
inline std::string dump(const std::vector<config::Diagnostic>& list) {
    std::string text;
    for (const auto& d : list) text += d.to_string() + "\n";
    return text;
}

}  // namespace wharf::test
