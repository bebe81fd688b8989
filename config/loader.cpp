#include "config/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/detail/sections.hpp"

namespace wharf::config {

namespace {

bool is_wildcard(const ListenAddress& address) {
    return address.host.empty() || address.host == "0.0.0.0" || address.host == "::";
}

// Two listeners collide on the same address and port, and on the same port when either one
// listens on every address (bind() refuses the second).
void check_listen_conflicts(detail::Context& ctx, const YAML::Node& root, const Config& config) {
    std::vector<std::pair<ListenAddress, std::string>> owners;
    auto claim = [&](const std::vector<ListenAddress>& list, std::string_view owner, const char* key) {
        for (const auto& address : list) {
            const auto taken = std::find_if(owners.begin(), owners.end(), [&](const auto& other) {
                return other.first.port == address.port &&
                       (other.first == address || is_wildcard(other.first) || is_wildcard(address));
            });
            if (taken != owners.end()) {
                ctx.diagnostics.error(root[key], fmt::format("{}: {} is already used by {} ({})", owner,
                                                             address.to_string(), taken->second,
                                                             taken->first.to_string()));
                continue;
            }
            owners.emplace_back(address, std::string(owner));
        }
    };
    if (config.ssh) claim(config.ssh->listen, "ssh.listen", "ssh");
    if (config.oftp) {
        claim(config.oftp->listen, "oftp.listen", "oftp");
        claim(config.oftp->tls_listen, "oftp.tls_listen", "oftp");
    }
}

std::shared_ptr<const Config> parse_document(const YAML::Node& root, detail::Diagnostics& diagnostics,
                                             const std::filesystem::path& base_dir,
                                             std::filesystem::path source) {
    detail::Context ctx{diagnostics, base_dir};
    auto config = std::make_shared<Config>();
    config->source = std::move(source);
    if (!root.IsDefined() || root.IsNull()) {
        diagnostics.error(YAML::Mark::null_mark(), "the file is empty");
        throw ConfigError(diagnostics.take());
    }
    const detail::Map top(root, "top level", diagnostics, {"server", "ssh", "sftp", "oftp", "users", "partners", "hooks"});
    if (top.valid()) {
        if (const auto node = top.get("server"); detail::present(node)) {
            config->server = detail::parse_server(ctx, node);
        } else {
            config->server.state_dir = (base_dir / "state").lexically_normal();
        }
        if (const auto node = top.get("ssh"); detail::present(node)) config->ssh = detail::parse_ssh(ctx, node);
        if (const auto node = top.get("sftp"); detail::present(node)) config->sftp = detail::parse_sftp(ctx, node);
        if (const auto node = top.get("hooks"); detail::present(node)) config->hooks = detail::parse_hooks(ctx, node);
        if (const auto node = top.get("oftp"); detail::present(node)) config->oftp = detail::parse_oftp(ctx, node);
        if (const auto node = top.get("users"); detail::present(node)) config->users = detail::parse_users(ctx, node);
        if (const auto node = top.get("partners"); detail::present(node)) {
            config->partners = detail::parse_partners(ctx, node, config->oftp ? &*config->oftp : nullptr);
        }
        detail::finish_oftp(ctx, root, *config);
        check_listen_conflicts(ctx, root, *config);
    }
    if (!diagnostics.empty()) throw ConfigError(diagnostics.take());
    return config;
}

std::shared_ptr<const Config> load_stream(std::istream& in, std::string name,
                                          const std::filesystem::path& base_dir,
                                          std::filesystem::path source) {
    detail::Diagnostics diagnostics(std::move(name));
    YAML::Node root;
    try {
        root = YAML::Load(in);
    } catch (const YAML::Exception& e) {
        diagnostics.error(e.mark, "YAML syntax error: " + e.msg);
        throw ConfigError(diagnostics.take());
    }
    return parse_document(root, diagnostics, base_dir, std::move(source));
}

}  // namespace

std::string Diagnostic::to_string() const {
    if (line == 0) return fmt::format("{}: {}", file, message);
    return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(diagnostics.empty() ? std::string("invalid configuration")
                                             : diagnostics.front().to_string() +
                                                   (diagnostics.size() > 1
                                                        ? fmt::format(" (and {} more)", diagnostics.size() - 1)
                                                        : std::string())),
      m_diagnostics(std::move(diagnostics)) {}

std::shared_ptr<const Config> load_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw ConfigError({Diagnostic{file.string(), 0, 0, "cannot open the file for reading"}});
    }
    const auto absolute = std::filesystem::absolute(file).lexically_normal();
    return load_stream(in, file.string(), absolute.parent_path(), absolute);
}

std::shared_ptr<const Config> load_text(std::string_view yaml, std::string name,
                                        const std::filesystem::path& base_dir) {
    std::istringstream in{std::string(yaml)};
    std::filesystem::path source(name);
    return load_stream(in, std::move(name), std::filesystem::absolute(base_dir).lexically_normal(),
                       std::move(source));
}

}  // namespace wharf::config
