#include <cstdio>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/server/key_files.hpp"
#include "daemon/server/state.hpp"

namespace wharf::cli {

namespace {

// Host keys that exist must load: a broken one would otherwise surface at the first handshake.
// Missing default keys are fine (wharfd generates them); missing explicit ones the loader reported.
int check_host_keys(const config::Config& config) {
    if (!config.ssh) return 0;
    int problems = 0;
    for (const auto& path : daemon::host_key_files(config)) {
        if (!std::filesystem::exists(path)) continue;
        try {
            const auto key = daemon::read_private_key_file(path);
            fmt::print("{}: {} {}\n", path.string(), key.public_key().type_name(), key.public_key().fingerprint_sha256());
        } catch (const std::exception& e) {
            fmt::print(stderr, "{}\n", e.what());
            ++problems;
        }
    }
    return problems;
}

}  // namespace

int check_config(const std::filesystem::path& file) {
    try {
        const auto config = config::load_file(file);
        if (const int problems = check_host_keys(*config); problems > 0) {
            fmt::print(stderr, "{}: {} unusable host key(s)\n", file.string(), problems);
            return 1;
        }
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
