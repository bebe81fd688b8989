#include <botan/auto_rng.h>
#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "daemon/cli/commands.hpp"
#include "daemon/server/key_files.hpp"

namespace wharf::cli {

namespace {

std::optional<ssh::KeyType> key_type_from_option(std::string_view name) {
    if (name == "ed25519") return ssh::KeyType::ed25519;
    if (name == "ecdsa" || name == "ecdsa-256") return ssh::KeyType::ecdsa_p256;
    if (name == "ecdsa-384") return ssh::KeyType::ecdsa_p384;
    if (name == "ecdsa-521") return ssh::KeyType::ecdsa_p521;
    if (name == "rsa") return ssh::KeyType::rsa;
    return std::nullopt;
}

int usage() {
    fmt::print(stderr, "usage: wharf keygen -t ed25519|ecdsa|ecdsa-384|ecdsa-521|rsa [-b BITS] [-C COMMENT] -f FILE\n");
    return 2;
}

}  // namespace

int keygen(std::span<const std::string_view> args) {
    std::optional<ssh::KeyType> type;
    std::size_t rsa_bits = 3072;
    std::string comment;
    std::filesystem::path file;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i + 1 >= args.size()) return usage();
        const auto option = args[i];
        const auto value = args[++i];
        if (option == "-t") {
            type = key_type_from_option(value);
            if (!type) return usage();
        } else if (option == "-b") {
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), rsa_bits);
            if (ec != std::errc{} || ptr != value.data() + value.size()) return usage();
        } else if (option == "-C") {
            comment = value;
        } else if (option == "-f") {
            file = value;
        } else {
            return usage();
        }
    }
    if (!type || file.empty()) return usage();
    Botan::AutoSeeded_RNG rng;
    auto key = ssh::PrivateKey::generate(*type, rng, rsa_bits);
    key.set_comment(comment);
    daemon::write_key_pair(file, key, rng);
    fmt::print("{}\n{}\n", key.public_key().fingerprint_sha256(), key.public_key().to_openssh(comment));
    return 0;
}

}  // namespace wharf::cli
