// Parser for the `oftp` section: our station's identity, listeners, TLS and protocol defaults.
#include <fmt/format.h>

#include <algorithm>

#include "config/detail/oftp_fields.hpp"
#include "config/detail/sections.hpp"

namespace wharf::config::detail {

namespace {

OftpTls parse_oftp_tls(Context& ctx, const YAML::Node& node) {
    auto& d = ctx.diagnostics;
    OftpTls tls;
    const Map map(node, "oftp.tls", d, {"certificate", "private_key", "client_ca", "require_client_cert"});
    if (const auto n = map.require("certificate"); present(n)) {
        tls.certificate = read_pem_file(ctx, n, "oftp.tls.certificate", "CERTIFICATE").value_or("");
    }
    if (const auto n = map.require("private_key"); present(n)) {
        tls.private_key = read_pem_file(ctx, n, "oftp.tls.private_key", "PRIVATE KEY").value_or("");
    }
    if (const auto n = map.get("client_ca"); present(n)) {
        tls.client_ca = read_pem_file(ctx, n, "oftp.tls.client_ca", "CERTIFICATE").value_or("");
    }
    // Whether there is anything to verify against is known once partners are read (finish_oftp).
    if (const auto n = map.get("require_client_cert"); present(n)) {
        tls.require_client_cert = read_bool(d, n, "oftp.tls.require_client_cert").value_or(false);
    }
    return tls;
}

void parse_identity(Context& ctx, const Map& map, OftpSettings& oftp) {
    auto& d = ctx.diagnostics;
    if (const auto n = map.require("ssid"); present(n)) oftp.ssid = read_identification_code(d, n, "oftp.ssid").value_or("");
    oftp.sfid = oftp.ssid;
    if (const auto n = map.get("sfid"); present(n)) oftp.sfid = read_identification_code(d, n, "oftp.sfid").value_or(oftp.sfid);
    if (const auto n = map.get("sub_stations"); present(n)) {
        oftp.sub_stations = read_identification_codes(d, n, "oftp.sub_stations");
        if (std::find(oftp.sub_stations.begin(), oftp.sub_stations.end(), oftp.sfid) != oftp.sub_stations.end()) {
            d.error(item_spelling(n, oftp.sfid), fmt::format("oftp.sub_stations: '{}' is our own sfid", oftp.sfid));
        }
    }
    if (const auto n = map.get("password"); present(n)) {
        if (auto text = read_string(d, n, "oftp.password")) {
            // Never echo it: it is a live credential.
            if (const auto problem = oftp_password_problem(*text)) d.error(n, "oftp.password: " + *problem);
            else oftp.password = std::move(*text);
        }
    }
}

}  // namespace

OftpSettings parse_oftp(Context& ctx, const YAML::Node& node) {
    OftpSettings oftp;
    auto& d = ctx.diagnostics;
    const Map map(node, "oftp", d,
                  {"listen", "tls_listen", "ssid", "sfid", "sub_stations", "password", "tls", "protocol", "state_dir"});
    if (const auto n = map.get("listen"); present(n)) {
        oftp.listen = parse_endpoints(ctx, n, "oftp.listen", oftp_default_port);
    }
    if (const auto n = map.get("tls_listen"); present(n)) {
        oftp.tls_listen = parse_endpoints(ctx, n, "oftp.tls_listen", oftp_tls_default_port);
    }
    parse_identity(ctx, map, oftp);
    if (const auto n = map.get("tls"); present(n)) oftp.tls = parse_oftp_tls(ctx, n);
    if (!oftp.tls_listen.empty() && !oftp.tls) {
        d.error(map.get("tls_listen"), "oftp.tls_listen: needs an oftp.tls section (certificate, private_key)");
    }
    if (const auto n = map.get("protocol"); present(n)) oftp.protocol = parse_oftp_protocol(ctx, n, "oftp.protocol", {});
    if (const auto n = map.get("state_dir"); present(n)) {
        oftp.state_dir = read_creatable_directory(ctx, n, "oftp.state_dir").value_or("");
    }
    return oftp;
}

}  // namespace wharf::config::detail
