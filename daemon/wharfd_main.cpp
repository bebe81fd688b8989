// wharfd: the file-transfer daemon.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string_view>
#include <vector>

#include "config/loader.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/listeners/ssh_service.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/oftp/oftp_service.hpp"
#include "daemon/scp/exec_handler.hpp"
#include "daemon/server/server.hpp"
#include "daemon/sftp/sftp_handler.hpp"

namespace {

constexpr const char* default_config = "/etc/wharf/wharf.yaml";

void print_usage() {
    fmt::print(
        "usage: wharfd [--config FILE] [--check-config [FILE]] [--demo [DIR]] [--version]\n"
        "  --config FILE        configuration to serve (default {})\n"
        "  --check-config [FILE] validate the configuration, print every problem, exit\n"
        "  --demo [DIR]         serve a ready-made loopback configuration kept in DIR (default ./wharf-demo)\n"
        "  --version            print the version\n"
        "signals: SIGHUP reloads the configuration; SIGTERM/SIGINT stop gracefully\n",
        default_config);
}

struct Options {
    std::filesystem::path config = default_config;
    bool check_only = false;
    std::optional<std::filesystem::path> demo_dir;
};

// Returns an exit code when the command line was fully handled here (help, version, errors).
std::optional<int> parse(const std::vector<std::string_view>& args, Options& options) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto arg = args[i];
        const bool has_value = i + 1 < args.size() && !args[i + 1].starts_with("--");
        if (arg == "--config" && has_value) {
            options.config = args[++i];
        } else if (arg == "--check-config") {
            options.check_only = true;
            if (has_value) options.config = args[++i];
        } else if (arg == "--demo") {
            options.demo_dir = has_value ? std::filesystem::path(args[++i]) : std::filesystem::path("wharf-demo");
        } else if (arg == "--version") {
            fmt::print("wharfd {}\n", WHARF_VERSION);
            return 0;
        } else if (arg == "--help" || arg == "-h") {
            print_usage();
            return 0;
        } else {
            fmt::print(stderr, "wharfd: unexpected argument '{}'\n", arg);
            print_usage();
            return 2;
        }
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace wharf;
    Options options;
    if (const auto code = parse(std::vector<std::string_view>(argv + 1, argv + argc), options)) return *code;
    try {
        if (options.demo_dir) options.config = cli::prepare_demo(*options.demo_dir);
        if (options.check_only) return cli::check_config(options.config);
        std::shared_ptr<const config::Config> config;
        try {
            config = config::load_file(options.config);
        } catch (const config::ConfigError& e) {
            for (const auto& diagnostic : e.diagnostics()) fmt::print(stderr, "{}\n", diagnostic.to_string());
            return 1;
        }
        log::configure(config->server.log);
        daemon::Server server(options.config, config);
        auto handlers = std::make_shared<daemon::ChannelHandlers>();
        handlers->subsystems.emplace("sftp", daemon::make_sftp_factory(server));
        handlers->exec = daemon::make_exec_factory(server);  // scp -t / scp -f
        server.add_service(daemon::make_ssh_service(server, handlers));
        daemon::add_oftp_station(server);
        return server.run();
    } catch (const std::exception& e) {
        // Anything reaching here happened before or after serving (state dir, listeners).
        log::error("server.fatal").field("error", e.what());
        fmt::print(stderr, "wharfd: {}\n", e.what());
        return 1;
    }
}
