// Value rules and readers shared by the `oftp` and `partners` parsers (RFC 5024 field rules).
#include "config/detail/oftp_fields.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <system_error>

#include "config/units.hpp"

namespace wharf::config::detail {

namespace {

constexpr std::size_t max_identification_code = 25;  // SSIDCODE is X(25)
constexpr std::size_t max_password = 8;              // SSIDPSWD is X(8)
constexpr std::size_t sio_org_start = 5;             // 'O' + 4-digit ICD
constexpr std::size_t sio_org_length = 14;
constexpr std::uint64_t max_credit = 999;          // SSIDCRED is 9(3)
constexpr std::uint64_t min_exchange_buffer = 128;  // SSIDSDEB bounds
constexpr std::uint64_t max_exchange_buffer = 99999;
constexpr std::size_t max_pem_bytes = 1 << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); }

// RFC 5024 5.3 "X(n)": upper-case letters, digits and / - . & ( ) space.
bool is_oftp_string_char(char c) {
    return is_upper_alnum(c) || c == '/' || c == '-' || c == '.' || c == '&' || c == '(' || c == ')' || c == ' ';
}

bool all_of(std::string_view text, bool (*pred)(char)) { return std::all_of(text.begin(), text.end(), pred); }

std::optional<std::string> sio_problem(std::string_view code) {
    if (code.size() <= sio_org_start || !all_of(code.substr(1, 4), is_digit)) {
        return "an ODETTE code is 'O', a 4-digit International Code Designator, then the organisation code";
    }
    const auto org = code.substr(sio_org_start, sio_org_length);
    if (!all_of(org, [](char c) { return is_upper_alnum(c) || c == ' ' || c == '-'; })) {
        return "the organisation code (positions 6-19) may hold only A-Z, 0-9, space and -";
    }
    if (code.size() > sio_org_start + sio_org_length &&
        code.substr(sio_org_start + sio_org_length).find(' ') != std::string_view::npos) {
        return "the computer subaddress (positions 20-25) may not hold spaces";
    }
    return std::nullopt;
}

std::optional<OftpVersion> version_from(std::string_view text) {
    if (text == "1.2") return OftpVersion::v1_2;
    if (text == "1.3") return OftpVersion::v1_3;
    if (text == "1.4") return OftpVersion::v1_4;
    if (text == "2.0" || text == "2") return OftpVersion::v2_0;
    return std::nullopt;
}

std::optional<OftpCapability> capability_from(std::string_view text) {
    if (text == "send") return OftpCapability::send;
    if (text == "receive") return OftpCapability::receive;
    if (text == "both") return OftpCapability::both;
    return std::nullopt;
}

// "64 buffers" (exchange buffers) or a size such as 4M (bytes).
std::optional<OftpCheckpoint> checkpoint_from(std::string_view text) {
    const auto space = text.find(' ');
    if (space != std::string_view::npos) {
        const auto unit = text.substr(text.find_first_not_of(' ', space));
        if (unit != "buffers" && unit != "buffer") return std::nullopt;
        std::uint64_t count = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + space, count);
        if (ec != std::errc{} || ptr != text.data() + space || count == 0) return std::nullopt;
        return OftpCheckpoint{count, OftpCheckpoint::Unit::buffers};
    }
    const auto bytes = parse_size(text);
    if (!bytes || *bytes == 0) return std::nullopt;
    return OftpCheckpoint{*bytes, OftpCheckpoint::Unit::bytes};
}

std::optional<std::uint64_t> read_bounded(Diagnostics& d, const YAML::Node& n, const std::string& what,
                                          std::uint64_t low, std::uint64_t high, std::string_view field) {
    const auto value = read_uint(d, n, what, UINT64_MAX);
    if (value && (*value < low || *value > high)) {
        d.error(n, fmt::format("{}: must be between {} and {} ({})", what, low, high, field));
        return std::nullopt;
    }
    return value;
}

// Whether some "-----BEGIN ...<label>-----" line is in `text` ("RSA PRIVATE KEY" has "PRIVATE KEY").
bool has_pem_block(std::string_view text, std::string_view label) {
    for (auto begin = text.find("-----BEGIN "); begin != std::string_view::npos;
         begin = text.find("-----BEGIN ", begin + 1)) {
        const auto line = text.substr(begin, text.find('\n', begin) - begin);
        const auto end = line.find("-----", 11);
        if (end != std::string_view::npos && line.substr(11, end - 11).ends_with(label)) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> identification_code_problem(std::string_view code) {
    if (code.empty() || code.size() > max_identification_code) return "an Odette ID is 1-25 characters";
    if (!all_of(code, is_oftp_string_char)) {
        return "an Odette ID may hold only A-Z, 0-9, space and / - . & ( )";
    }
    if (code.front() == ' ' || code.back() == ' ') return "an Odette ID may not start or end with a space";
    if (code.front() == 'O' && code.size() > 1 && is_digit(code[1])) return sio_problem(code);
    if (code.find(' ') != std::string_view::npos) {
        return "an Odette ID may hold spaces only as padding of an ODETTE code's organisation field";
    }
    return std::nullopt;
}

std::optional<std::string> oftp_password_problem(std::string_view password) {
    if (password.empty() || password.size() > max_password) return "the OFTP password is 1-8 characters";
    if (!all_of(password, [](char c) { return c > 0x20 && c < 0x7f; })) {
        return "the OFTP password may hold only printable ASCII characters without spaces";
    }
    return std::nullopt;
}

std::optional<std::string> inbox_naming_problem(std::string_view naming) {
    if (naming.empty()) return "the naming template is empty";
    if (naming.front() == '/') return "the naming template must be relative to the inbox";
    std::string literal;  // the template with every placeholder replaced by "x", for the path checks
    for (std::size_t i = 0; i < naming.size(); ++i) {
        const char c = naming[i];
        if (c == '\0') return "the naming template may not hold NUL";
        if (c == '}') return fmt::format("'}}' at offset {} closes no placeholder", i);
        if (c != '{') {
            literal += c;
            continue;
        }
        const auto close = naming.find('}', i);
        if (close == std::string_view::npos) return fmt::format("'{{' at offset {} is not closed", i);
        const auto name = naming.substr(i + 1, close - i - 1);
        if (std::find(inbox_naming_placeholders.begin(), inbox_naming_placeholders.end(), name) ==
            inbox_naming_placeholders.end()) {
            return fmt::format("unknown placeholder '{{{}}}' (known: {{{}}})", name,
                               fmt::join(inbox_naming_placeholders, "}, {"));
        }
        literal += 'x';
        i = close;
    }
    std::size_t start = 0;
    while (start <= literal.size()) {
        const auto slash = std::min(literal.find('/', start), literal.size());
        const auto component = std::string_view(literal).substr(start, slash - start);
        if (component.empty() || component == "." || component == "..") {
            return "the naming template has an empty, '.' or '..' path component";
        }
        start = slash + 1;
    }
    return std::nullopt;
}

std::optional<std::string> read_identification_code(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    auto text = read_string(d, n, what);
    if (!text) return std::nullopt;
    if (const auto problem = identification_code_problem(*text)) {
        d.error(n, fmt::format("{}: '{}' is not valid: {} (RFC 5024 5.4)", what, *text, *problem));
        return std::nullopt;
    }
    return text;
}

std::vector<std::string> read_identification_codes(Diagnostics& d, const YAML::Node& n, std::string_view what) {
    std::vector<std::string> codes;
    const auto items = read_sequence(d, n, what);
    if (!items) return codes;
    for (const auto& item : *items) {
        auto code = read_identification_code(d, item, what);
        if (!code) continue;
        if (std::find(codes.begin(), codes.end(), *code) != codes.end()) {
            d.error(item, fmt::format("{}: '{}' is listed twice", what, *code));
            continue;
        }
        codes.push_back(std::move(*code));
    }
    if (items->empty()) d.error(n, fmt::format("{}: the list may not be empty", what));
    return codes;
}

YAML::Node item_spelling(const YAML::Node& list, std::string_view code) {
    if (!list.IsSequence()) return list;
    for (const auto& item : list) {
        if (item.IsScalar() && item.Scalar() == code) return item;
    }
    return list;
}

std::optional<ListenAddress> parse_endpoint(std::string_view text, std::uint16_t default_port) {
    if (auto address = ListenAddress::parse(text)) return address;
    if (text.empty()) return std::nullopt;
    // No port: a bare IPv6 literal needs brackets before one can be appended.
    const bool bare_v6 = text.front() != '[' && text.find(':') != std::string_view::npos;
    const std::string host = bare_v6 ? fmt::format("[{}]", text) : std::string(text);
    return ListenAddress::parse(fmt::format("{}:{}", host, default_port));
}

std::vector<ListenAddress> parse_endpoints(Context& ctx, const YAML::Node& node, std::string_view what,
                                           std::uint16_t default_port) {
    std::vector<ListenAddress> result;
    const auto items = read_sequence(ctx.diagnostics, node, what);
    if (!items) return result;
    for (const auto& item : *items) {
        const auto text = read_string(ctx.diagnostics, item, what);
        if (!text) continue;
        if (const auto address = parse_endpoint(*text, default_port)) {
            result.push_back(*address);
        } else {
            ctx.diagnostics.error(item, fmt::format("{}: '{}' is not host:port (IPv6 as [addr]:port, port 1-65535; "
                                                    "the port may be left out: {})", what, *text, default_port));
        }
    }
    return result;
}

std::optional<std::filesystem::path> read_pem_file(Context& ctx, const YAML::Node& n, std::string_view what,
                                                   std::string_view label) {
    auto& d = ctx.diagnostics;
    auto path = read_path(d, n, what, ctx.base_dir, PathCheck::existing_file);
    if (!path) return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    std::string text(max_pem_bytes, '\0');
    if (in) in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (!in && !in.eof()) {
        d.error(n, fmt::format("{}: '{}' is not readable by this process", what, path->string()));
        return std::nullopt;
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    const bool key = label == "PRIVATE KEY";
    if (key && text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos) {
        d.error(n, fmt::format("{}: '{}' is encrypted; wharf needs an unencrypted key (protect the file instead)",
                               what, path->string()));
        return std::nullopt;
    }
    if (!has_pem_block(text, label)) {
        d.error(n, fmt::format("{}: '{}' holds no PEM {} (-----BEGIN ...{}-----)", what, path->string(),
                               key ? "private key" : "certificate", label));
        return std::nullopt;
    }
    return path;
}

std::optional<std::filesystem::path> read_creatable_directory(Context& ctx, const YAML::Node& n,
                                                              std::string_view what) {
    auto& d = ctx.diagnostics;
    auto path = read_path(d, n, what, ctx.base_dir, PathCheck::none);
    if (!path) return std::nullopt;
    std::error_code ec;
    auto existing = *path;
    while (!std::filesystem::exists(existing, ec) && existing.has_relative_path()) existing = existing.parent_path();
    if (!std::filesystem::is_directory(existing, ec)) {
        d.error(n, existing == *path
                       ? fmt::format("{}: '{}' exists and is not a directory", what, path->string())
                       : fmt::format("{}: '{}' cannot be created: '{}' is not a directory", what, path->string(),
                                     existing.string()));
        return std::nullopt;
    }
    return path;
}

OftpProtocol parse_oftp_protocol(Context& ctx, const YAML::Node& node, const std::string& what, OftpProtocol p) {
    auto& d = ctx.diagnostics;
    const Map map(node, what, d,
                  {"max_version", "exchange_buffer", "credit", "compression", "restart", "capability",
                   "response_timeout", "inactivity_timeout", "checkpoint_interval"});
    const auto key = [&](std::string_view name) { return fmt::format("{}.{}", what, name); };
    if (const auto n = map.get("max_version"); present(n)) {
        if (const auto text = read_string(d, n, key("max_version"))) {
            if (const auto version = version_from(*text)) p.max_version = *version;
            else d.error(n, fmt::format("{}: '{}' is not one of 1.2, 1.3, 1.4, 2.0", key("max_version"), *text));
        }
    }
    if (const auto n = map.get("exchange_buffer"); present(n)) {
        const auto value = read_bounded(d, n, key("exchange_buffer"), min_exchange_buffer, max_exchange_buffer, "SSIDSDEB");
        if (value) p.exchange_buffer = static_cast<unsigned>(*value);
    }
    if (const auto n = map.get("credit"); present(n)) {
        if (const auto value = read_bounded(d, n, key("credit"), 1, max_credit, "SSIDCRED")) {
            p.credit = static_cast<unsigned>(*value);
        }
    }
    if (const auto n = map.get("compression"); present(n)) p.compression = read_bool(d, n, key("compression")).value_or(p.compression);
    if (const auto n = map.get("restart"); present(n)) p.restart = read_bool(d, n, key("restart")).value_or(p.restart);
    if (const auto n = map.get("capability"); present(n)) {
        if (const auto text = read_string(d, n, key("capability"))) {
            if (const auto capability = capability_from(*text)) p.capability = *capability;
            else d.error(n, fmt::format("{}: '{}' is not send, receive or both", key("capability"), *text));
        }
    }
    if (const auto n = map.get("response_timeout"); present(n)) {
        if (const auto value = read_duration(d, n, key("response_timeout"))) {
            if (value->count() == 0) d.error(n, key("response_timeout") + ": must be more than 0");
            else p.response_timeout = *value;
        }
    }
    if (const auto n = map.get("inactivity_timeout"); present(n)) {
        p.inactivity_timeout = read_duration(d, n, key("inactivity_timeout")).value_or(p.inactivity_timeout);
    }
    if (const auto n = map.get("checkpoint_interval"); present(n)) {
        if (const auto text = read_string(d, n, key("checkpoint_interval"))) {
            if (const auto checkpoint = checkpoint_from(*text)) p.checkpoint = *checkpoint;
            else d.error(n, fmt::format("{}: '{}' is neither a size (4M) nor a count of buffers (64 buffers), "
                                        "or it is 0", key("checkpoint_interval"), *text));
        }
    }
    return p;
}

}  // namespace wharf::config::detail
