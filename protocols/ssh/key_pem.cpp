// PEM framing and the private key formats Botan reads for us: PKCS#8 directly, PKCS#1 and SEC1
// ("traditional" OpenSSL PEM, ssh-keygen -m PEM) through the constructors that take the inner
// DER, since PKCS8::load_key rejects them (toolchain notes P9).
#include "protocols/ssh/detail/key_file_detail.hpp"
#include "protocols/ssh/detail/key_types.hpp"

#include <botan/asn1_obj.h>
#include <botan/base64.h>
#include <botan/ber_dec.h>
#include <botan/data_src.h>
#include <botan/ecdsa.h>
#include <botan/exceptn.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>

namespace wharf::ssh::detail {

namespace {

constexpr std::string_view k_begin_prefix = "-----BEGIN ";
constexpr std::string_view k_dashes = "-----";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// Splits the body between BEGIN and END into RFC 1421 headers and base64. Headers are the
// leading "Name: value" lines, ended by a blank line; base64 never contains ':'.
void split_headers(std::string_view body, PemBlock& block, std::string& base64) {
    bool in_headers = true;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        const auto eol = body.find('\n', pos);
        const std::string_view line =
            trim(body.substr(pos, eol == std::string_view::npos ? body.size() - pos : eol - pos));
        pos = eol == std::string_view::npos ? body.size() + 1 : eol + 1;
        const auto colon = line.find(':');
        if (in_headers && colon != std::string_view::npos) {
            block.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                       std::string(trim(line.substr(colon + 1))));
            continue;
        }
        if (!line.empty()) {
            in_headers = false;
            base64 += line;
        }
    }
}

PrivateKey wrap(std::unique_ptr<Botan::Private_Key> key) {
    return PrivateKey(std::shared_ptr<const Botan::Private_Key>(std::move(key)));
}

}  // namespace

SecureBytes decode_base64(std::string_view text, std::string_view what) {
    try {
        return Botan::base64_decode(text.data(), text.size(), true);
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string(what) + " is not valid base64: " + e.what());
    }
}

std::optional<PemBlock> find_pem_block(std::string_view text) {
    const auto begin = text.find(k_begin_prefix);
    if (begin == std::string_view::npos) {
        return std::nullopt;
    }
    const auto label_start = begin + k_begin_prefix.size();
    const auto label_end = text.find(k_dashes, label_start);
    const auto line_end = text.find('\n', label_start);
    if (label_end == std::string_view::npos || label_end > line_end) {
        throw KeyError("malformed PEM BEGIN line");
    }
    PemBlock block;
    block.label = std::string(text.substr(label_start, label_end - label_start));
    const std::string end_line = "-----END " + block.label + "-----";
    const auto body_start = label_end + k_dashes.size();
    const auto body_end = text.find(end_line, body_start);
    if (body_end == std::string_view::npos) {
        throw KeyError("PEM block '" + printable(block.label) + "' has no END line");
    }
    std::string base64;
    split_headers(text.substr(body_start, body_end - body_start), block, base64);
    block.der = decode_base64(base64, "PEM block '" + printable(block.label) + "'");
    block.end = body_end + end_line.size();
    return block;
}

PrivateKey parse_pkcs8(const SecureBytes& der, bool encrypted, std::string_view passphrase) {
    if (!encrypted) {
        try {
            Botan::DataSource_Memory source(der);
            return wrap(Botan::PKCS8::load_key(source));
        } catch (const Botan::Exception& e) {
            throw KeyError(std::string("invalid PKCS#8 private key: ") + e.what());
        }
    }
    // Tell "cannot read this scheme" apart from "wrong passphrase": Botan reads only PBES2
    // (OpenSSL's default since 1.1), and fails the same way for both otherwise.
    static const Botan::OID pbes2("1.2.840.113549.1.5.13");
    try {
        Botan::AlgorithmIdentifier scheme;
        Botan::BER_Decoder(der).start_cons(Botan::SEQUENCE).decode(scheme);
        if (scheme.get_oid() != pbes2) {
            throw KeyError("encrypted PKCS#8 key uses " + scheme.get_oid().to_string() +
                           "; only PBES2 is supported (re-encrypt with openssl pkcs8 -topk8)");
        }
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("invalid encrypted PKCS#8 private key: ") + e.what());
    }
    if (passphrase.empty()) {
        throw PassphraseRequiredError("private key is encrypted; a passphrase is required");
    }
    std::unique_ptr<Botan::Private_Key> key;
    try {
        Botan::DataSource_Memory source(der);
        key = Botan::PKCS8::load_key(source, std::string(passphrase));
    } catch (const Botan::Exception& e) {
        throw WrongPassphraseError(std::string("wrong passphrase for PKCS#8 private key (") +
                                   e.what() + ")");
    }
    return wrap(std::move(key));
}

PrivateKey parse_pkcs1_rsa(const SecureBytes& der) {
    try {
        const Botan::AlgorithmIdentifier rsa("RSA", Botan::AlgorithmIdentifier::USE_NULL_PARAM);
        return PrivateKey(std::make_shared<Botan::RSA_PrivateKey>(rsa, der));
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("invalid RSA PRIVATE KEY: ") + e.what());
    }
}

PrivateKey parse_sec1_ec(const SecureBytes& der) {
    try {
        // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING,
        //                             parameters [0] EXPLICIT ECParameters OPTIONAL, ... }
        // Botan's constructor wants the curve from outside, as PKCS#8 would carry it.
        Botan::BER_Decoder sequence = Botan::BER_Decoder(der).start_cons(Botan::SEQUENCE);
        std::size_t version = 0;
        SecureBytes secret;
        sequence.decode(version).decode(secret, Botan::OCTET_STRING);
        const Botan::BER_Object parameters = sequence.get_next_object();
        if (!parameters.is_a(0, Botan::ASN1_Tag(Botan::CONSTRUCTED | Botan::CONTEXT_SPECIFIC))) {
            throw KeyError("EC PRIVATE KEY does not name its curve");
        }
        const std::vector<std::uint8_t> curve(parameters.bits(),
                                              parameters.bits() + parameters.length());
        const Botan::AlgorithmIdentifier ec(Botan::OID("1.2.840.10045.2.1"), curve);
        return PrivateKey(std::make_shared<Botan::ECDSA_PrivateKey>(ec, der));
    } catch (const Botan::Exception& e) {
        throw KeyError(std::string("invalid EC PRIVATE KEY: ") + e.what());
    }
}

}  // namespace wharf::ssh::detail
