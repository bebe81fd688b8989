// Loading and validating wharf's YAML configuration.
//
// Every problem is collected (not just the first) and reported with file, line and column,
// so `wharfd --check-config` shows an operator everything to fix in one run.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace wharf::config {

struct Diagnostic {
    std::string file;
    int line = 0;    ///< 1-based; 0 when the problem has no position (e.g. unreadable file)
    int column = 0;  ///< 1-based
    std::string message;

    /// "file:line:col: message", the form compilers use so editors can jump to it.
    std::string to_string() const;
};

/// Thrown by load_file/load_text when the configuration is invalid.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const { return m_diagnostics; }

private:
    std::vector<Diagnostic> m_diagnostics;
};

/// Reads and validates `file`; relative paths inside resolve against the file's directory.
std::shared_ptr<const Config> load_file(const std::filesystem::path& file);

/// Same for YAML text; `name` appears in diagnostics, `base_dir` anchors relative paths.
std::shared_ptr<const Config> load_text(std::string_view yaml, std::string name,
                                        const std::filesystem::path& base_dir);

}  // namespace wharf::config
