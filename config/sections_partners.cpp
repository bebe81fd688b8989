// Parser for the `partners` section and the OFTP checks that span sections.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "config/detail/oftp_fields.hpp"
#include "config/detail/password_format.hpp"
#include "config/detail/sections.hpp"

namespace wharf::config::detail {

namespace {

constexpr std::size_t max_partner_name = 64;

// Names appear in logs and in inbox paths ({partner}), so they stay file-name safe.
bool valid_partner_name(std::string_view name) {
    if (name.empty() || name.size() > max_partner_name || name.front() == '-' || name.front() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
}

std::optional<OverwritePolicy> overwrite_policy_from(std::string_view text) {
    if (text == "never") return OverwritePolicy::never;
    if (text == "always") return OverwritePolicy::always;
    if (text == "rename") return OverwritePolicy::rename;
    return std::nullopt;
}

// The password a partner must present: plain, or a hash in one of the users' formats.
void parse_expected_password(Context& ctx, const YAML::Node& n, const std::string& prefix, Partner& partner) {
    auto text = read_string(ctx.diagnostics, n, prefix + "password");
    if (!text) return;
    // Never echo the value in either branch: it is a credential.
    const auto problem = text->starts_with('$') ? password_hash_problem(*text) : oftp_password_problem(*text);
    if (problem) {
        ctx.diagnostics.error(n, fmt::format("{}password: {}", prefix, *problem));
        return;
    }
    partner.password = std::move(*text);
}

void parse_identity(Context& ctx, const Map& map, const std::string& prefix, const OftpSettings* station,
                    Partner& partner) {
    auto& d = ctx.diagnostics;
    if (const auto n = map.require("ssid"); present(n)) {
        partner.ssid = read_identification_code(d, n, prefix + "ssid").value_or("");
        if (station && !partner.ssid.empty() && partner.ssid == station->ssid) {
            d.error(n, fmt::format("{}ssid: '{}' is our own oftp.ssid", prefix, partner.ssid));
        }
    }
    if (const auto n = map.require("password"); present(n)) parse_expected_password(ctx, n, prefix, partner);
    if (station) partner.send_password = station->password;
    if (const auto n = map.get("send_password"); present(n)) {
        if (auto text = read_string(d, n, prefix + "send_password")) {
            if (const auto problem = oftp_password_problem(*text)) d.error(n, prefix + "send_password: " + *problem);
            else partner.send_password = std::move(*text);
        }
    }
    partner.sfid = partner.ssid;
    if (const auto n = map.get("sfid"); present(n)) {
        partner.sfid = read_identification_code(d, n, prefix + "sfid").value_or(partner.sfid);
    }
    if (const auto n = map.get("originators"); present(n)) {
        partner.originators = read_identification_codes(d, n, prefix + "originators");
    } else if (!partner.sfid.empty()) {
        partner.originators = {partner.sfid};
    }
}

// The SFIDs a partner may send to: ours and our sub-stations, all of them unless narrowed.
void parse_destinations(Context& ctx, const Map& map, const std::string& prefix, const OftpSettings* station,
                        Partner& partner) {
    if (!station) return;
    std::vector<std::string> ours{station->sfid};
    ours.insert(ours.end(), station->sub_stations.begin(), station->sub_stations.end());
    const auto n = map.get("destinations");
    if (!present(n)) {
        partner.destinations = std::move(ours);
        return;
    }
    const std::string what = prefix + "destinations";
    partner.destinations = read_identification_codes(ctx.diagnostics, n, what);
    for (const auto& destination : partner.destinations) {
        if (std::find(ours.begin(), ours.end(), destination) != ours.end()) continue;
        ctx.diagnostics.error(item_spelling(n, destination),
                              fmt::format("{}: '{}' is neither oftp.sfid nor one of oftp.sub_stations", what,
                                          destination));
    }
}

void parse_mailboxes(Context& ctx, const Map& map, const std::string& prefix, Partner& partner) {
    auto& d = ctx.diagnostics;
    // A send-only partner never delivers to us, a receive-only one is never offered files.
    const auto capability = partner.protocol.capability;
    const auto inbox = capability == OftpCapability::send ? map.get("inbox") : map.require("inbox");
    if (present(inbox)) partner.inbox = read_creatable_directory(ctx, inbox, prefix + "inbox").value_or("");
    const auto outbox = capability == OftpCapability::receive ? map.get("outbox") : map.require("outbox");
    if (present(outbox)) partner.outbox = read_creatable_directory(ctx, outbox, prefix + "outbox").value_or("");
    if (!partner.inbox.empty() && partner.inbox == partner.outbox) {
        d.error(outbox, fmt::format("{}outbox: is the inbox too, so every received file would be sent back", prefix));
    }
    if (const auto n = map.get("inbox_naming"); present(n)) {
        if (auto text = read_string(d, n, prefix + "inbox_naming")) {
            if (const auto problem = inbox_naming_problem(*text)) {
                d.error(n, fmt::format("{}inbox_naming: {}", prefix, *problem));
            } else {
                partner.inbox_naming = std::move(*text);
            }
        }
    }
    if (const auto n = map.get("overwrite"); present(n)) {
        if (const auto text = read_string(d, n, prefix + "overwrite")) {
            if (const auto policy = overwrite_policy_from(*text)) partner.overwrite = *policy;
            else d.error(n, fmt::format("{}overwrite: '{}' is not never, always or rename", prefix, *text));
        }
    }
    if (const auto n = map.get("detect_duplicates"); present(n)) {
        partner.detect_duplicates = read_bool(d, n, prefix + "detect_duplicates").value_or(true);
    }
}

PartnerTls parse_partner_tls(Context& ctx, const YAML::Node& node, const std::string& prefix) {
    PartnerTls tls;
    const Map map(node, prefix + "tls", ctx.diagnostics, {"certificate", "ca"});
    if (const auto n = map.get("certificate"); present(n)) {
        tls.certificate = read_pem_file(ctx, n, prefix + "tls.certificate", "CERTIFICATE").value_or("");
    }
    if (const auto n = map.get("ca"); present(n)) {
        tls.ca = read_pem_file(ctx, n, prefix + "tls.ca", "CERTIFICATE").value_or("");
    }
    if (map.valid() && !present(map.get("certificate")) && !present(map.get("ca"))) {
        ctx.diagnostics.error(node, prefix + "tls: needs certificate, ca or both");
    }
    return tls;
}

void parse_retry(Context& ctx, const YAML::Node& node, const std::string& what, PartnerConnect& connect) {
    auto& d = ctx.diagnostics;
    const Map map(node, what, d, {"initial", "max"});
    const auto initial_node = map.get("initial");
    if (present(initial_node)) {
        if (const auto value = read_duration(d, initial_node, what + ".initial")) {
            if (value->count() == 0) d.error(initial_node, what + ".initial: must be more than 0");
            else connect.retry_initial = *value;
        }
    }
    if (const auto n = map.get("max"); present(n)) connect.retry_max = read_duration(d, n, what + ".max").value_or(connect.retry_max);
    if (connect.retry_max < connect.retry_initial) {
        d.error(present(map.get("max")) ? map.get("max") : node,
                fmt::format("{}.max: is shorter than {}.initial", what, what));
    }
}

PartnerConnect parse_connect(Context& ctx, const YAML::Node& node, const std::string& prefix, const Partner& partner) {
    auto& d = ctx.diagnostics;
    PartnerConnect connect;
    const std::string what = prefix + "connect";
    const Map map(node, what, d, {"address", "tls", "interval", "retry", "max_attempts"});
    if (const auto n = map.get("tls"); present(n)) connect.tls = read_bool(d, n, what + ".tls").value_or(false);
    if (const auto n = map.require("address"); present(n)) {
        if (const auto text = read_string(d, n, what + ".address")) {
            const auto port = connect.tls ? oftp_tls_default_port : oftp_default_port;
            if (const auto address = parse_endpoint(*text, port); address && !address->host.empty()) {
                connect.address = *address;
            } else {
                d.error(n, fmt::format("{}.address: '{}' is not host or host:port", what, *text));
            }
        }
    }
    if (const auto n = map.get("interval"); present(n)) connect.interval = read_duration(d, n, what + ".interval").value_or(connect.interval);
    if (const auto n = map.get("retry"); present(n)) parse_retry(ctx, n, what + ".retry", connect);
    if (const auto n = map.get("max_attempts"); present(n)) {
        connect.max_attempts = static_cast<unsigned>(read_uint(d, n, what + ".max_attempts", 1000000).value_or(0));
    }
    if (connect.tls && !partner.tls) {
        d.error(map.get("tls"), fmt::format("{}.tls: needs {}tls (certificate or ca) to verify the partner's "
                                            "server certificate", what, prefix));
    }
    return connect;
}

Partner parse_partner(Context& ctx, const YAML::Node& node, std::size_t index, const OftpSettings* station) {
    auto& d = ctx.diagnostics;
    Partner partner;
    const Map map(node, fmt::format("partners[{}]", index), d,
                  {"name", "ssid", "password", "send_password", "sfid", "originators", "destinations", "inbox",
                   "inbox_naming", "overwrite", "detect_duplicates", "outbox", "protocol", "tls", "connect"});
    if (!map.valid()) return partner;
    if (const auto n = map.require("name"); present(n)) {
        if (auto name = read_string(d, n, "partners.name")) {
            if (valid_partner_name(*name)) partner.name = std::move(*name);
            else d.error(n, fmt::format("partners.name: '{}' is not 1-64 of A-Z a-z 0-9 . _ - (not starting "
                                        "with - or .)", *name));
        }
    }
    const std::string prefix = fmt::format("partners[{}].", partner.name.empty() ? std::to_string(index) : partner.name);
    parse_identity(ctx, map, prefix, station, partner);
    parse_destinations(ctx, map, prefix, station, partner);
    partner.protocol = station ? station->protocol : OftpProtocol{};
    if (const auto n = map.get("protocol"); present(n)) {
        partner.protocol = parse_oftp_protocol(ctx, n, prefix + "protocol", partner.protocol);
    }
    parse_mailboxes(ctx, map, prefix, partner);
    if (const auto n = map.get("tls"); present(n)) partner.tls = parse_partner_tls(ctx, n, prefix);
    if (const auto n = map.get("connect"); present(n)) partner.connect = parse_connect(ctx, n, prefix, partner);
    // Our SSID carries a password whether we call or are called.
    if (station && partner.send_password.empty() && !present(map.get("send_password"))) {
        d.error(node, fmt::format("{}send_password: no password to send to this partner (set it, or "
                                  "oftp.password for every partner)", prefix));
    }
    return partner;
}

// Names and SSIDs identify a partner; an outbox read for two partners would send each file twice.
void check_unique(Context& ctx, const YAML::Node& item, const Partner& partner,
                  std::map<std::string, int, std::less<>>& first_lines) {
    auto& d = ctx.diagnostics;
    const int line = item.Mark().line + 1;
    const auto claim = [&](const std::string& key, const YAML::Node& at, std::string_view what) {
        if (const auto [it, inserted] = first_lines.emplace(key, line); !inserted) {
            d.error(at, fmt::format("partners: {} (first at line {})", what, it->second));
        }
    };
    if (!partner.name.empty()) claim("name:" + partner.name, item["name"], fmt::format("duplicate name '{}'", partner.name));
    if (!partner.ssid.empty()) claim("ssid:" + partner.ssid, item["ssid"], fmt::format("duplicate ssid '{}'", partner.ssid));
    if (!partner.outbox.empty()) {
        claim("outbox:" + partner.outbox.string(), item["outbox"],
              fmt::format("outbox '{}' is used by two partners", partner.outbox.string()));
    }
}

}  // namespace

std::vector<Partner> parse_partners(Context& ctx, const YAML::Node& node, const OftpSettings* station) {
    auto& d = ctx.diagnostics;
    std::vector<Partner> partners;
    if (!node.IsSequence()) {
        d.error(node, "partners: expected a list of partners");
        return partners;
    }
    if (!station) d.error(node, "partners: need an oftp section (our ssid, password and listeners)");
    std::map<std::string, int, std::less<>> first_lines;
    std::size_t index = 0;
    for (const auto& item : node) {
        auto partner = parse_partner(ctx, item, index++, station);
        if (!item.IsMap()) continue;
        check_unique(ctx, item, partner, first_lines);
        partners.push_back(std::move(partner));
    }
    return partners;
}

void finish_oftp(Context& ctx, const YAML::Node& root, Config& config) {
    if (!config.oftp) return;
    auto& oftp = *config.oftp;
    if (oftp.state_dir.empty()) oftp.state_dir = config.server.state_dir / "oftp";
    const bool calls_out = std::any_of(config.partners.begin(), config.partners.end(),
                                       [](const Partner& p) { return p.connect.has_value(); });
    if (oftp.listen.empty() && oftp.tls_listen.empty() && !calls_out) {
        ctx.diagnostics.error(root["oftp"], "oftp: needs listen or tls_listen, or a partner with connect");
    }
    const bool partner_has_tls = std::any_of(config.partners.begin(), config.partners.end(),
                                             [](const Partner& p) { return p.tls.has_value(); });
    // By key, not value: a client_ca that failed its own checks has been reported already.
    const auto tls_node = root["oftp"]["tls"];
    if (oftp.tls && oftp.tls->require_client_cert && !present(tls_node["client_ca"]) && !partner_has_tls) {
        ctx.diagnostics.error(tls_node["require_client_cert"],
                              "oftp.tls.require_client_cert: needs oftp.tls.client_ca or a partner with tls "
                              "(certificate or ca) to verify client certificates against");
    }
}

}  // namespace wharf::config::detail
