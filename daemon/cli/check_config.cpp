#include <cstdio>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "daemon/cli/commands.hpp"

namespace wharf::cli {

int check_config(const std::filesystem::path& file) {
    try {
        const auto config = config::load_file(file);
        fmt::print("{}: OK ({} user(s), {} partner(s), ssh {}, oftp {})\n", file.string(), config->users.size(),
                   config->partners.size(), config->ssh ? "on" : "off", config->oftp ? "on" : "off");
        return 0;
    } catch (const config::ConfigError& e) {
        for (const auto& diagnostic : e.diagnostics()) fmt::print(stderr, "{}\n", diagnostic.to_string());
        fmt::print(stderr, "{}: {} error(s)\n", file.string(), e.diagnostics().size());
        return 1;
    }
}

}  // namespace wharf::cli
