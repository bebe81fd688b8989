#include "protocols/ssh/known_hosts.hpp"

#include <botan/base64.h>
#include <botan/mac.h>

#include <sstream>
#include <vector>

#include "protocols/ssh/address_match.hpp"
#include "protocols/ssh/key_file.hpp"

namespace wharf::ssh {

namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return parts;
}

// |1|base64(salt)|base64(HMAC-SHA1(salt, name))
bool hashed_name_matches(std::string_view pattern, std::string_view name) {
    const auto parts = split(pattern, '|');
    if (parts.size() != 4 || !parts[0].empty() || parts[1] != "1") return false;
    try {
        const auto salt = Botan::base64_decode(std::string(parts[2]));
        const auto expected = Botan::base64_decode(std::string(parts[3]));
        auto hmac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-1)");
        hmac->set_key(salt);
        hmac->update(reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
        const auto actual = hmac->final();
        return actual.size() == expected.size() && std::equal(actual.begin(), actual.end(), expected.begin());
    } catch (const std::exception&) {
        return false;
    }
}

// OpenSSH: the line applies when some pattern matches and no negated pattern does.
bool host_field_matches(std::string_view field, std::string_view name) {
    if (field.starts_with("|1|")) return hashed_name_matches(field, name);
    bool matched = false;
    for (auto pattern : split(field, ',')) {
        const bool negated = !pattern.empty() && pattern.front() == '!';
        if (negated) pattern.remove_prefix(1);
        if (!match_wildcard(name, pattern)) continue;
        if (negated) return false;
        matched = true;
    }
    return matched;
}

}  // namespace

std::string known_host_name(std::string_view host, std::uint16_t port) {
    if (port == 22) return std::string(host);
    return "[" + std::string(host) + "]:" + std::to_string(port);
}

KnownHostStatus check_known_host(std::string_view known_hosts, std::string_view host, std::uint16_t port,
                                 const PublicKey& key) {
    const auto name = known_host_name(host, port);
    bool listed = false;
    bool trusted = false;
    std::istringstream lines{std::string(known_hosts)};
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string_view rest = line;
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        if (rest.empty() || rest.front() == '#') continue;
        bool revoked_marker = false;
        if (rest.front() == '@') {
            const auto space = rest.find(' ');
            const auto marker = rest.substr(0, space);
            if (marker != "@revoked") continue;  // @cert-authority: certificates are not supported
            revoked_marker = true;
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
        }
        const auto space = rest.find(' ');
        if (space == std::string_view::npos) continue;
        const auto hosts = rest.substr(0, space);
        try {
            const auto parsed = parse_openssh_public_key_line(rest.substr(space + 1));
            if (revoked_marker) {
                if (parsed.key == key) return KnownHostStatus::revoked;
                continue;
            }
            if (!host_field_matches(hosts, name)) continue;
            listed = true;
            if (parsed.key == key) trusted = true;
        } catch (const std::exception&) {
            continue;  // a key we cannot read says nothing about this host
        }
    }
    if (trusted) return KnownHostStatus::trusted;
    return listed ? KnownHostStatus::changed : KnownHostStatus::unknown;
}

}  // namespace wharf::ssh
