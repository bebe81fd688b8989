// `wharfd --demo`: a ready-to-run loopback configuration in a local directory, so a first
// start needs no editing. The config is written once and then left to the operator.
#include <botan/auto_rng.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "daemon/auth/password_hash.hpp"
#include "daemon/cli/commands.hpp"

namespace wharf::cli {

namespace {

constexpr std::string_view demo_user = "demo";

// Kept in step with config/examples/wharf.yaml; `wharfd --demo` writes it as DIR/wharf.yaml.
constexpr std::string_view demo_template = R"(# wharf demo configuration, written by `wharfd --demo`.
# Edit it and send SIGHUP (kill -HUP <pid>) to apply changes without dropping sessions.
# Every key is documented in config/examples/wharf.yaml of the source tree.
server:
  state_dir: state          # host keys and runtime state
  workers: 0                # one event loop per core
  log:
    level: info
    format: json            # one JSON object per line; "text" for humans
  shutdown_grace: 10s

ssh:
  listen: ["127.0.0.1:2222"]

oftp:
  listen: ["127.0.0.1:3305"]
  ssid: WHARFDEMO
  password: DEMOPASS

users:
  - name: {user}
    password: "{hash}"
    root: data/{user}
    home: /
    permissions:
      /: ["*"]

# An OFTP partner that may send files to this station (and receives what lands in its outbox).
partners:
  - name: demo
    ssid: DEMOPARTNER
    password: "{oftp_password}"
    inbox: data/oftp/inbox
    outbox: data/oftp/outbox
)";

// 20 characters from an unambiguous alphabet: ~113 bits, and easy to type from the banner.
// OFTP passwords (SSIDPSWD) hold 8 characters at most, upper case by the RFC.
std::string random_password(std::size_t length = 20,
                            std::string_view alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") {
    Botan::AutoSeeded_RNG rng;
    std::string password;
    while (password.size() < length) {
        const auto byte = rng.next_byte();
        if (byte < 256 - (256 % alphabet.size())) password += alphabet[byte % alphabet.size()];
    }
    return password;
}

void write_private_file(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::filesystem::path prepare_demo(const std::filesystem::path& dir) {
    const auto root = std::filesystem::absolute(dir).lexically_normal();
    std::filesystem::create_directories(root / "data" / demo_user);
    std::filesystem::create_directories(root / "state");
    ::chmod(root.c_str(), 0700);
    const auto config_file = root / "wharf.yaml";
    const auto credentials_file = root / "demo-credentials";
    if (!std::filesystem::exists(config_file)) {
        const auto password = random_password();
        const auto hash = auth::hash_password(password);
        const auto oftp_password = random_password(8, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
        write_private_file(config_file, fmt::format(fmt::runtime(demo_template), fmt::arg("user", demo_user),
                                                    fmt::arg("hash", hash), fmt::arg("oftp_password", oftp_password)));
        write_private_file(credentials_file,
                           fmt::format("user: {}\npassword: {}\noftp: wharf oftp send --to 127.0.0.1:3305 --ssid "
                                       "DEMOPARTNER --password {} --sfid WHARFDEMO FILE\n",
                                       demo_user, password, oftp_password));
    }
    fmt::print("wharf demo in {}\n", root.string());
    fmt::print("  config:      {}\n", config_file.string());
    if (std::filesystem::exists(credentials_file)) {
        fmt::print("  demo login ({}):\n", credentials_file.string());
        std::istringstream lines(read_file(credentials_file));
        for (std::string line; std::getline(lines, line);) fmt::print("    {}\n", line);
    }
    fmt::print("  files:       {}\n", (root / "data" / demo_user).string());
    fmt::print("  stop with Ctrl-C; reload the config with kill -HUP <pid>\n");
    std::fflush(stdout);
    return config_file;
}

}  // namespace wharf::cli
