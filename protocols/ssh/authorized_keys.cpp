#include "protocols/ssh/authorized_keys.hpp"

#include "protocols/ssh/address_match.hpp"
#include "protocols/ssh/key_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace wharf::ssh {

namespace {

constexpr std::string_view k_blanks = " \t\r\n";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(k_blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(k_blanks) - first + 1);
}

[[noreturn]] void fail(const std::string& message) { throw AuthorizedKeysError(0, message); }

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Option names never start like a key type, so this tells "options first" from "key first"
// even for key types we do not support (which then get a clear "unsupported" error).
bool looks_like_key_type(std::string_view token) {
    return token.starts_with("ssh-") || token.starts_with("ecdsa-") || token.starts_with("sk-");
}

// ---------------------------------------------------------------------------------------------
// Option values

int digits_at(std::string_view s, std::size_t pos, std::size_t count) {
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

// YYYYMMDD[HHMM[SS]], in local time unless it ends in 'Z' (OpenSSH parse_absolute_time).
std::chrono::system_clock::time_point parse_expiry(std::string_view text) {
    std::string_view digits = text;
    const bool utc = !digits.empty() && (digits.back() == 'Z' || digits.back() == 'z');
    if (utc) {
        digits.remove_suffix(1);
    }
    if (!all_digits(digits) || (digits.size() != 8 && digits.size() != 12 && digits.size() != 14)) {
        fail("expiry-time '" + std::string(text) + "' is not YYYYMMDD[HHMM[SS]][Z]");
    }
    const std::chrono::year_month_day date{
        std::chrono::year{digits_at(digits, 0, 4)},
        std::chrono::month(static_cast<unsigned>(digits_at(digits, 4, 2))),
        std::chrono::day(static_cast<unsigned>(digits_at(digits, 6, 2)))};
    const int hour = digits.size() >= 12 ? digits_at(digits, 8, 2) : 0;
    const int minute = digits.size() >= 12 ? digits_at(digits, 10, 2) : 0;
    const int second = digits.size() == 14 ? digits_at(digits, 12, 2) : 0;
    if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
        fail("expiry-time '" + std::string(text) + "' is not a valid date and time");
    }
    if (utc) {
        return std::chrono::sys_days(date) + std::chrono::hours(hour) +
               std::chrono::minutes(minute) + std::chrono::seconds(second);
    }
    std::tm local{};
    local.tm_year = static_cast<int>(date.year()) - 1900;
    local.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
    local.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
    local.tm_hour = hour;
    local.tm_min = minute;
    local.tm_sec = second;
    local.tm_isdst = -1;
    const std::time_t when = std::mktime(&local);
    if (when == static_cast<std::time_t>(-1)) {
        fail("expiry-time '" + std::string(text) + "' cannot be represented");
    }
    return std::chrono::system_clock::from_time_t(when);
}

bool valid_port(std::string_view port) {
    if (port == "*") {
        return true;
    }
    if (!all_digits(port) || port.size() > 5) {
        return false;
    }
    const int value = digits_at(port, 0, port.size());
    return value > 0 && value <= 65535;
}

// "host:port" (permitopen) or "[host:]port" (permitlisten); an IPv6 host goes in brackets.
void check_host_port(std::string_view option, std::string_view value, bool host_required) {
    const auto colon = value.rfind(':');
    if (colon == std::string_view::npos) {
        if (!host_required && valid_port(value)) {
            return;
        }
        fail(std::string(option) + "=\"" + std::string(value) + "\" is not host:port");
    }
    const std::string_view host = value.substr(0, colon);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (host.empty() || (!bracketed && host.find_first_of("[]:") != std::string_view::npos) ||
        !valid_port(value.substr(colon + 1))) {
        fail(std::string(option) + "=\"" + std::string(value) + "\" is not host:port");
    }
}

void check_environment(std::string_view value) {
    const auto equals = value.find('=');
    const std::string_view name = value.substr(0, equals);
    if (equals == std::string_view::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; })) {
        fail("environment=\"" + std::string(value) + "\" is not NAME=value");
    }
}

// ---------------------------------------------------------------------------------------------
// Option list

struct FlagOption {
    std::string_view name;
    bool AuthorizedKeyOptions::*field;
    bool value;
};

constexpr std::array<FlagOption, 14> k_flag_options{{
    {"cert-authority", &AuthorizedKeyOptions::cert_authority, true},
    {"port-forwarding", &AuthorizedKeyOptions::port_forwarding, true},
    {"no-port-forwarding", &AuthorizedKeyOptions::port_forwarding, false},
    {"agent-forwarding", &AuthorizedKeyOptions::agent_forwarding, true},
    {"no-agent-forwarding", &AuthorizedKeyOptions::agent_forwarding, false},
    {"x11-forwarding", &AuthorizedKeyOptions::x11_forwarding, true},
    {"no-x11-forwarding", &AuthorizedKeyOptions::x11_forwarding, false},
    {"pty", &AuthorizedKeyOptions::pty, true},
    {"no-pty", &AuthorizedKeyOptions::pty, false},
    {"user-rc", &AuthorizedKeyOptions::user_rc, true},
    {"no-user-rc", &AuthorizedKeyOptions::user_rc, false},
    {"touch-required", &AuthorizedKeyOptions::no_touch_required, false},
    {"no-touch-required", &AuthorizedKeyOptions::no_touch_required, true},
    {"verify-required", &AuthorizedKeyOptions::verify_required, true},
}};

void set_once(std::optional<std::string>& field, std::string_view name, std::string value) {
    if (field) {
        fail("option '" + std::string(name) + "' given twice");
    }
    field = std::move(value);
}

void apply_value_option(AuthorizedKeyOptions& options, std::string_view name, std::string value) {
    if (name == "command") {
        set_once(options.command, name, std::move(value));
    } else if (name == "from") {
        if (const auto error = from_patterns_error(value)) {
            fail("from=\"" + value + "\": " + *error);
        }
        set_once(options.from, name, std::move(value));
    } else if (name == "principals") {
        set_once(options.principals, name, std::move(value));
    } else if (name == "tunnel") {
        if (!all_digits(value) || value.size() > 9) {
            fail("tunnel=\"" + value + "\" is not a tunnel number");
        }
        set_once(options.tunnel, name, std::move(value));
    } else if (name == "expiry-time") {
        if (options.expiry_time) {
            fail("option 'expiry-time' given twice");
        }
        options.expiry_time = parse_expiry(value);
    } else if (name == "environment") {
        check_environment(value);
        options.environment.push_back(std::move(value));
    } else if (name == "permitopen") {
        check_host_port(name, value, true);
        options.permit_open.push_back(std::move(value));
    } else if (name == "permitlisten") {
        check_host_port(name, value, false);
        options.permit_listen.push_back(std::move(value));
    } else if (name == "restrict" ||
               std::any_of(k_flag_options.begin(), k_flag_options.end(),
                           [&](const FlagOption& flag) { return flag.name == name; })) {
        fail("option '" + std::string(name) + "' takes no value");
    } else {
        fail("unknown option '" + std::string(name) + "'");
    }
}

void apply_flag_option(AuthorizedKeyOptions& options, std::string_view name) {
    if (name == "restrict") {
        options.restricted = true;
        options.port_forwarding = false;
        options.agent_forwarding = false;
        options.x11_forwarding = false;
        options.pty = false;
        options.user_rc = false;
        return;
    }
    for (const auto& flag : k_flag_options) {
        if (flag.name == name) {
            options.*flag.field = flag.value;
            return;
        }
    }
    static constexpr std::array<std::string_view, 8> k_value_options{
        "command",     "from",        "principals", "tunnel",
        "expiry-time", "environment", "permitopen", "permitlisten"};
    if (std::find(k_value_options.begin(), k_value_options.end(), name) != k_value_options.end()) {
        fail("option '" + std::string(name) + "' needs a value");
    }
    fail("unknown option '" + std::string(name) + "'");
}

// A double-quoted value starting at line[pos] == '"'; only \" is an escape (OpenSSH
// opt_dequote). Leaves pos after the closing quote.
std::string read_quoted(std::string_view line, std::size_t& pos, std::string_view name) {
    if (pos >= line.size() || line[pos] != '"') {
        fail("value of option '" + std::string(name) + "' must be in double quotes");
    }
    std::string value;
    for (++pos; pos < line.size(); ++pos) {
        if (line[pos] == '\\' && pos + 1 < line.size() && line[pos + 1] == '"') {
            value += '"';
            ++pos;
        } else if (line[pos] == '"') {
            ++pos;
            return value;
        } else {
            value += line[pos];
        }
    }
    fail("value of option '" + std::string(name) + "' has no closing quote");
}

// Parses options from the start of line; returns where the key type starts.
std::size_t parse_options(std::string_view line, AuthorizedKeyOptions& options) {
    std::size_t pos = 0;
    for (;;) {
        const std::size_t start = pos;
        while (pos < line.size() &&
               (std::isalnum(static_cast<unsigned char>(line[pos])) != 0 || line[pos] == '-')) {
            ++pos;
        }
        std::string name(line.substr(start, pos - start));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name.empty()) {
            fail("expected an option name at column " + std::to_string(start + 1));
        }
        if (pos < line.size() && line[pos] == '=') {
            ++pos;
            apply_value_option(options, name, read_quoted(line, pos, name));
        } else {
            apply_flag_option(options, name);
        }
        if (pos >= line.size() || line[pos] == ' ' || line[pos] == '\t') {
            return pos;
        }
        if (line[pos] != ',') {
            fail("unexpected '" + std::string(1, line[pos]) + "' after option '" + name + "'");
        }
        ++pos;
    }
}

}  // namespace

AuthorizedKeysError::AuthorizedKeysError(std::size_t line, const std::string& message)
    : std::runtime_error(line == 0
                             ? "authorized_keys: " + message
                             : "authorized_keys line " + std::to_string(line) + ": " + message),
      m_line(line),
      m_reason(message) {}

AuthorizedKey parse_authorized_key_line(std::string_view line) {
    line = trim(line);
    AuthorizedKeyOptions options;
    std::string_view key_text = line;
    const std::string_view first = line.substr(0, line.find_first_of(" \t"));
    if (!key_type_from_name(first) && !looks_like_key_type(first)) {
        key_text = trim(line.substr(parse_options(line, options)));
    }
    try {
        ParsedPublicKey parsed = parse_openssh_public_key_line(key_text);
        return AuthorizedKey{std::move(options), std::move(parsed.key), std::move(parsed.comment),
                             0};
    } catch (const KeyError& e) {
        fail(e.what());
    }
}

std::vector<AuthorizedKey> parse_authorized_keys(std::string_view text,
                                                 std::vector<AuthorizedKeysError>* skipped) {
    std::vector<AuthorizedKey> keys;
    std::size_t line_number = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto eol = text.find('\n', pos);
        const std::string_view line = trim(
            text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        ++line_number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        try {
            keys.push_back(parse_authorized_key_line(line));
            keys.back().line_number = line_number;
        } catch (const AuthorizedKeysError& e) {
            if (skipped == nullptr) {
                throw AuthorizedKeysError(line_number, e.reason());
            }
            skipped->emplace_back(line_number, e.reason());
        }
    }
    return keys;
}

}  // namespace wharf::ssh
