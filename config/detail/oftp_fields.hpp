// Value rules and readers shared by the `oftp` and `partners` parsers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/detail/sections.hpp"

namespace wharf::config::detail {

inline constexpr std::uint16_t oftp_default_port = 3305;      // IANA "odette-ftp"
inline constexpr std::uint16_t oftp_tls_default_port = 6619;  // IANA "odette-ftps"

/// RFC 5024 section 5.4: nullopt for a valid identification code (SSIDCODE, SFIDDEST, ...),
/// else what is wrong. A code starting with 'O' and a digit is an ODETTE code and must have
/// the SIO layout ('O', 4-digit ICD, organisation, subaddress); other codes only the charset.
std::optional<std::string> identification_code_problem(std::string_view code);

/// An SSIDPSWD: nullopt when 1-8 printable ASCII characters without spaces. Never quotes it.
std::optional<std::string> oftp_password_problem(std::string_view password);

/// An inbox naming template: nullopt when it is a relative path whose {placeholders} are all
/// known and whose components are neither empty, "." nor "..".
std::optional<std::string> inbox_naming_problem(std::string_view naming);

/// A string that must be a valid identification code; reports and returns nullopt otherwise.
std::optional<std::string> read_identification_code(Diagnostics& d, const YAML::Node& n, std::string_view what);

/// A list of SFIDs (a single scalar is a one-element list), each a valid identification code.
std::vector<std::string> read_identification_codes(Diagnostics& d, const YAML::Node& n, std::string_view what);

/// The item of a list (or the scalar itself) spelling `code`, to report a problem where it stands.
YAML::Node item_spelling(const YAML::Node& list, std::string_view code);

/// `host:port` endpoints where the port may be left out ("127.0.0.1", "[::1]", "*").
std::vector<ListenAddress> parse_endpoints(Context& ctx, const YAML::Node& node, std::string_view what,
                                           std::uint16_t default_port);
std::optional<ListenAddress> parse_endpoint(std::string_view text, std::uint16_t default_port);

/// An existing, readable PEM file holding `label` ("CERTIFICATE" or "PRIVATE KEY").
std::optional<std::filesystem::path> read_pem_file(Context& ctx, const YAML::Node& n, std::string_view what,
                                                   std::string_view label);

/// A directory that exists, or does not yet but can be created (its nearest existing ancestor
/// is a directory); the daemon creates it on first use.
std::optional<std::filesystem::path> read_creatable_directory(Context& ctx, const YAML::Node& n,
                                                              std::string_view what);

/// `oftp.protocol` or `partners[].protocol`: every key optional, starting from `base`.
OftpProtocol parse_oftp_protocol(Context& ctx, const YAML::Node& node, const std::string& what, OftpProtocol base);

}  // namespace wharf::config::detail
