// The shared SSH options (see ssh_options.hpp): one row per option, used by the parser and
// by the usage text, so the two cannot drift apart.
#include "daemon/cli/ssh_options.hpp"

#include <botan/base64.h>
#include <botan/exceptn.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "daemon/cli/terminal.hpp"

namespace wharf::cli {

namespace {

using Apply = void (*)(std::string_view value, SshClientOptions& options);

struct OptionRow {
    std::string_view name;
    std::string_view alias;       // another spelling, or empty
    std::string_view value_name;  // empty: a flag without a value
    std::string_view help;
    Apply apply;
};

std::vector<std::string> comma_list(std::string_view text) {
    std::vector<std::string> names;
    while (true) {
        const auto comma = text.find(',');
        if (!text.substr(0, comma).empty()) names.emplace_back(text.substr(0, comma));
        if (comma == std::string_view::npos) return names;
        text.remove_prefix(comma + 1);
    }
}

std::string from_environment(std::string_view variable) {
    const char* value = std::getenv(std::string(variable).c_str());
    if (!value) throw OptionError(fmt::format("environment variable {} is not set", variable));
    return value;
}

template <class Number>
Number whole_number(std::string_view text, std::string_view option, Number at_least) {
    Number value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < at_least) {
        throw OptionError(fmt::format("bad value for {}: {}", option, text));
    }
    return value;
}

// Whole or fractional seconds ("30", "0.5"), at most a day.
std::chrono::milliseconds seconds(std::string_view text, std::string_view option) {
    double value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !(value >= 0) || value > 86400) {
        throw OptionError(fmt::format("bad value for {}: {} (seconds, 0 to 86400)", option, text));
    }
    return std::chrono::milliseconds(std::llround(value * 1000));
}

// Newline-separated answers; a final newline does not add an empty answer, CR LF counts as LF.
std::vector<std::string> answer_lines(std::string_view text) {
    std::vector<std::string> answers;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        auto line = text.substr(0, newline);
        if (line.ends_with('\r')) line.remove_suffix(1);
        answers.emplace_back(line);
        if (newline == std::string_view::npos) break;
        text.remove_prefix(newline + 1);
    }
    return answers;
}

constexpr std::array<OptionRow, 16> k_options{{
    {"-p", "", "PORT", "server port (default 22)",
     [](std::string_view v, SshClientOptions& o) { o.port = whole_number<std::uint16_t>(v, "-p", 1); }},
    {"-i", "", "KEY", "private key file, OpenSSH or PEM (PKCS#1, SEC1, PKCS#8); repeatable",
     [](std::string_view v, SshClientOptions& o) { o.identity_files.emplace_back(v); }},
    {"--passphrase-env", "", "VAR", "passphrase of encrypted keys from $VAR (else asked on the terminal)",
     [](std::string_view v, SshClientOptions& o) { o.passphrase = from_environment(v); }},
    {"--password-env", "", "VAR", "password from $VAR (else asked on the terminal when no key is given)",
     [](std::string_view v, SshClientOptions& o) { o.password = from_environment(v); }},
    {"--kbd-answer", "", "TEXT", "keyboard-interactive answer, repeatable, used in order (visible in ps)",
     [](std::string_view v, SshClientOptions& o) { o.kbd_answers.emplace_back(v); }},
    {"--kbd-answers-env", "", "VAR", "keyboard-interactive answers from $VAR, one per line",
     [](std::string_view v, SshClientOptions& o) {
         for (auto& answer : answer_lines(from_environment(v))) o.kbd_answers.push_back(std::move(answer));
     }},
    {"--known-hosts", "", "FILE", "trust the host keys an OpenSSH known_hosts file lists",
     [](std::string_view v, SshClientOptions& o) { o.host_key.known_hosts_file = v; }},
    {"--fingerprint", "", "FP", "trust this host key: SHA256:b64, SHA1:b64, MD5:hex or hex; repeatable",
     [](std::string_view v, SshClientOptions& o) {
         auto pin = canonical_fingerprint(v);
         if (!pin) throw OptionError(fmt::format("bad value for --fingerprint: {} (SHA256:..., SHA1:..., MD5:... or hex of 16, 20 or 32 bytes)", v));
         o.host_key.fingerprints.push_back(std::move(*pin));
     }},
    {"--accept-any-host-key", "--insecure-accept-any-host-key", "", "trust any host key unchecked (insecure); alias --insecure-accept-any-host-key",
     [](std::string_view, SshClientOptions& o) { o.host_key.accept_any = true; }},
    {"-c", "--cipher", "NAMES", "ciphers to offer, comma-separated; repeatable (also --cipher)",
     [](std::string_view v, SshClientOptions& o) {
         for (auto& name : comma_list(v)) o.ciphers.push_back(std::move(name));
     }},
    {"--kex", "", "NAMES", "key exchange methods to offer, comma-separated; repeatable",
     [](std::string_view v, SshClientOptions& o) {
         for (auto& name : comma_list(v)) o.kex.push_back(std::move(name));
     }},
    {"--keepalive", "", "SECONDS", "keepalive after this much silence from the server (default 0: off)",
     [](std::string_view v, SshClientOptions& o) { o.keepalive_interval = seconds(v, "--keepalive"); }},
    {"--keepalive-max", "", "N", "unanswered keepalives before giving up (default 3)",
     [](std::string_view v, SshClientOptions& o) { o.keepalive_count_max = whole_number<unsigned>(v, "--keepalive-max", 1); }},
    {"--connect-timeout", "", "SECONDS", "limit for connect, key exchange and login (default 30; 0: none)",
     [](std::string_view v, SshClientOptions& o) { o.connect_timeout = seconds(v, "--connect-timeout"); }},
    {"--timeout", "", "SECONDS", "give up when the server says nothing this long (default 60; 0: never)",
     [](std::string_view v, SshClientOptions& o) { o.timeout = seconds(v, "--timeout"); }},
    {"--no-prompt", "", "", "never ask on the terminal (scripts)",
     [](std::string_view, SshClientOptions& o) { o.ask = nullptr; }},
}};

const OptionRow* find_option(std::string_view word) {
    for (const auto& row : k_options) {
        if (word == row.name || (!row.alias.empty() && word == row.alias)) return &row;
    }
    return nullptr;
}

std::optional<std::vector<std::uint8_t>> hex_bytes(std::string_view text) {
    std::vector<std::uint8_t> bytes;
    int high = -1;
    for (const char c : text) {
        if (c == ':') {
            if (high >= 0) return std::nullopt;  // a colon inside a pair
            continue;
        }
        int nibble = -1;
        if (c >= '0' && c <= '9') nibble = c - '0';
        else if (c >= 'a' && c <= 'f') nibble = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') nibble = c - 'A' + 10;
        if (nibble < 0) return std::nullopt;
        if (high < 0) {
            high = nibble;
        } else {
            bytes.push_back(static_cast<std::uint8_t>(high << 4 | nibble));
            high = -1;
        }
    }
    if (high >= 0 || bytes.empty()) return std::nullopt;
    return bytes;
}

std::optional<std::vector<std::uint8_t>> base64_bytes(std::string_view text) {
    std::string padded(text);
    while (padded.size() % 4 != 0) padded += '=';
    try {
        const auto decoded = Botan::base64_decode(padded);
        return std::vector<std::uint8_t>(decoded.begin(), decoded.end());
    } catch (const Botan::Exception&) {
        return std::nullopt;
    }
}

struct DigestForm {
    std::string_view prefix;  // as PublicKey prints it
    std::size_t size;
    bool base64;              // how PublicKey prints it (else hex pairs)
};

constexpr std::array<DigestForm, 3> k_digests{{{"SHA256", 32, true}, {"SHA1", 20, true}, {"MD5", 16, false}}};

std::string canonical_form(const DigestForm& form, const std::vector<std::uint8_t>& digest) {
    if (form.base64) {
        std::string encoded = Botan::base64_encode(digest.data(), digest.size());
        while (encoded.ends_with('=')) encoded.pop_back();
        return std::string(form.prefix) + ":" + encoded;
    }
    std::string text(form.prefix);
    for (const auto byte : digest) text += fmt::format(":{:02x}", byte);
    return text;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

SshClientOptions default_ssh_client_options() {
    SshClientOptions options;
    options.ask = ask_terminal;
    return options;
}

std::size_t parse_ssh_option(std::span<const std::string_view> args, std::size_t index, SshClientOptions& options) {
    const auto* row = find_option(args[index]);
    if (!row) return 0;
    if (row->value_name.empty()) {
        row->apply({}, options);
        return 1;
    }
    if (index + 1 >= args.size()) throw OptionError(fmt::format("{} needs a value ({})", args[index], row->value_name));
    row->apply(args[index + 1], options);
    return 2;
}

std::optional<std::string> canonical_fingerprint(std::string_view pin) {
    const auto colon = pin.find(':');
    for (const auto& form : k_digests) {
        if (colon == std::string_view::npos || !equal_ignoring_case(pin.substr(0, colon), form.prefix)) continue;
        const auto body = pin.substr(colon + 1);
        auto digest = hex_bytes(body);
        if (!digest || digest->size() != form.size) digest = form.base64 ? base64_bytes(body) : std::nullopt;
        if (!digest || digest->size() != form.size) return std::nullopt;
        return canonical_form(form, *digest);
    }
    // Bare hex: the digest's size says which hash it is.
    const auto digest = hex_bytes(pin);
    if (!digest) return std::nullopt;
    for (const auto& form : k_digests) {
        if (digest->size() == form.size) return canonical_form(form, *digest);
    }
    return std::nullopt;
}

void print_ssh_options_usage(std::FILE* out, int indent) {
    for (const auto& row : k_options) {
        std::string words(row.name);  // aliases are in the help text: they would not fit
        if (!row.value_name.empty()) words += fmt::format(" {}", row.value_name);
        fmt::print(out, "{:{}}{:<27} {}\n", "", indent, words, row.help);
    }
}

}  // namespace wharf::cli
