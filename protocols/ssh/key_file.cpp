// Which private key format a file holds, and the two public key text formats.
#include "protocols/ssh/key_file.hpp"

#include "protocols/ssh/detail/key_file_detail.hpp"
#include "protocols/ssh/detail/key_types.hpp"

#include <algorithm>
#include <vector>

namespace wharf::ssh {

namespace {

constexpr std::string_view k_whitespace = " \t\r\n";
constexpr std::string_view k_rfc4716_begin = "---- BEGIN SSH2 PUBLIC KEY ----";
constexpr std::string_view k_rfc4716_end = "---- END SSH2 PUBLIC KEY ----";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(k_whitespace);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(k_whitespace) - first + 1);
}

// Splits off the text up to the first space or tab; `rest` gets what follows, trimmed.
std::string_view next_token(std::string_view s, std::string_view& rest) {
    const auto end = s.find_first_of(" \t");
    if (end == std::string_view::npos) {
        rest = {};
        return s;
    }
    rest = trim(s.substr(end));
    return s.substr(0, end);
}

// A blob whose own type string must equal the one named beside it (on the line, or nowhere).
PublicKey key_from_base64(std::string_view base64, std::string_view expected_type) {
    const detail::SecureBytes blob = detail::decode_base64(base64, "public key");
    std::string inner;
    try {
        Reader r("public key blob", blob);
        inner = r.text("key type");
    } catch (const DecodeError& e) {
        throw KeyError(e.what());
    }
    if (!expected_type.empty() && inner != expected_type) {
        throw KeyError("key type '" + detail::printable(expected_type) +
                       "' does not match the blob's type '" + detail::printable(inner) + "'");
    }
    return PublicKey::from_blob(blob);
}

// RFC 4716: BEGIN line, "Tag: value" headers (a trailing '\' continues a line), base64 body,
// END line. Any of CR, LF and CRLF ends a line (section 3.1).
ParsedPublicKey parse_rfc4716(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto eol = text.find_first_of("\r\n", pos);
        const auto end = eol == std::string_view::npos ? text.size() : eol;
        lines.push_back(text.substr(pos, end - pos));
        pos = end;
        if (pos < text.size() && text[pos] == '\r') {
            ++pos;
        }
        if (pos < text.size() && text[pos] == '\n') {
            ++pos;
        }
    }
    std::size_t i = 0;
    while (i < lines.size() && trim(lines[i]).empty()) {
        ++i;
    }
    if (i == lines.size() || trim(lines[i]) != k_rfc4716_begin) {
        throw KeyError("RFC 4716 key does not start with '" + std::string(k_rfc4716_begin) + "'");
    }
    ++i;

    std::string comment;
    std::string base64;
    bool in_headers = true;
    bool ended = false;
    for (; i < lines.size(); ++i) {
        const std::string_view line = trim(lines[i]);
        if (line == k_rfc4716_end) {
            ended = true;
            break;
        }
        if (in_headers && line.find(':') != std::string_view::npos) {
            std::string logical(line);
            while (!logical.empty() && logical.back() == '\\' && i + 1 < lines.size()) {
                logical.pop_back();
                logical += trim(lines[++i]);
            }
            const auto colon = logical.find(':');
            const std::string_view tag = trim(std::string_view(logical).substr(0, colon));
            std::string_view value = trim(std::string_view(logical).substr(colon + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
                value = value.substr(1, value.size() - 2);  // section 3.3.2
            }
            if (tag.size() == 7 && std::equal(tag.begin(), tag.end(), "comment",
                                              [](char a, char b) { return (a | 0x20) == b; })) {
                comment = std::string(value);
            }
            continue;  // other headers are ignored, as section 3.3 requires
        }
        in_headers = false;
        base64 += line;
    }
    if (!ended) {
        throw KeyError("RFC 4716 key has no '" + std::string(k_rfc4716_end) + "' line");
    }
    return ParsedPublicKey{key_from_base64(base64, {}), std::move(comment)};
}

}  // namespace

ParsedPublicKey parse_openssh_public_key_line(std::string_view line) {
    line = trim(line);
    std::string_view rest;
    const std::string_view type = next_token(line, rest);
    const std::string_view base64 = next_token(rest, rest);
    if (type.empty() || base64.empty()) {
        throw KeyError("expected 'type base64 [comment]'");
    }
    if (!key_type_from_name(type)) {
        throw KeyError("unsupported key type '" + detail::printable(type) + "'");
    }
    return ParsedPublicKey{key_from_base64(base64, type), std::string(rest)};
}

ParsedPublicKey parse_public_key(std::string_view text) {
    const std::string_view trimmed = trim(text);
    if (trimmed.starts_with(k_rfc4716_begin)) {
        return parse_rfc4716(trimmed);
    }
    if (trimmed.find_first_of("\r\n") != std::string_view::npos) {
        throw KeyError("a public key file holds one key on one line");
    }
    return parse_openssh_public_key_line(trimmed);
}

PrivateKey parse_private_key(std::string_view text, std::string_view passphrase) {
    for (;;) {
        std::optional<detail::PemBlock> block = detail::find_pem_block(text);
        if (!block) {
            throw KeyError("no PEM private key block found");
        }
        const std::string& label = block->label;
        if (label == "OPENSSH PRIVATE KEY") {
            return detail::parse_openssh_key_v1(block->der, passphrase);
        }
        if (label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY") {
            return detail::parse_pkcs8(block->der, label == "ENCRYPTED PRIVATE KEY", passphrase);
        }
        if (label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY") {
            for (const auto& [name, value] : block->headers) {
                if (name == "Proc-Type" && value.find("ENCRYPTED") != std::string::npos) {
                    throw KeyError("encrypted " + label +
                                   " files are not supported; convert the key with "
                                   "'ssh-keygen -p -f FILE', which rewrites it in OpenSSH format");
                }
            }
            return label == "RSA PRIVATE KEY" ? detail::parse_pkcs1_rsa(block->der)
                                              : detail::parse_sec1_ec(block->der);
        }
        if (label == "EC PARAMETERS") {
            text = text.substr(block->end);  // openssl ecparam -genkey puts this first
            continue;
        }
        throw KeyError("unsupported PEM block '" + detail::printable(label) + "'");
    }
}

}  // namespace wharf::ssh
