// Pieces the key exchange method files share. Internal to protocols/ssh.
//
// Every method ends in the same round trip: the client sends its ephemeral public value (INIT),
// the server answers with its host key, its own public value and a signature over H (REPLY).
// Only the public value (string Q for curve25519/ECDH, mpint e/f for DH), the agreement and the
// hash differ, so a method is a KeyAgreement plus a RoundSpec, and GEX adds one round in front.
#pragma once

#include "protocols/ssh/kex_method.hpp"

#include <botan/bigint.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wharf::ssh::detail {

[[noreturn]] void fail_kex(std::string_view method, const std::string& why);
[[noreturn]] void fail_protocol(std::string_view method, const std::string& why);

// K from the agreement's unsigned big-endian output (leading zeros allowed), as an mpint with its
// uint32 length (RFC 4251 section 5): that is how K enters H and key derivation.
[[nodiscard]] SecretBytes mpint_from_unsigned(ByteView big_endian);

// Our ephemeral half of one agreement (X25519, ECDH or finite-field DH).
class KeyAgreement {
public:
    virtual ~KeyAgreement() = default;
    KeyAgreement() = default;
    KeyAgreement(const KeyAgreement&) = delete;
    KeyAgreement& operator=(const KeyAgreement&) = delete;

    // Our public value encoded as its message field, length included (string Q_C, mpint e, ...);
    // the same bytes go into H.
    [[nodiscard]] virtual const Bytes& public_field() const noexcept = 0;
    // Reads the peer's public value from the message, checks it (KexError key_exchange_failed:
    // wrong size, off the curve, out of 2..p-2) and keeps it. Returns its encoded field for H.
    [[nodiscard]] virtual Bytes read_peer_value(Reader& message, std::string_view field) = 0;
    // K, mpint-encoded. Throws KexError if the result must be refused (all-zero X25519 secret).
    [[nodiscard]] virtual SecretBytes agree() = 0;
};

// The names and numbers of one INIT/REPLY round trip.
struct RoundSpec {
    std::string_view method;        // wire name, for errors
    std::string_view hash_name;     // Botan name
    std::uint8_t init_message;      // 30 or 32 (GEX)
    std::uint8_t reply_message;     // 31 or 33 (GEX)
    std::string_view init_name;     // "KEXDH_INIT", "KEX_ECDH_INIT", "KEX_DH_GEX_INIT"
    std::string_view reply_name;
    std::string_view client_value;  // "Q_C" or "e"
    std::string_view server_value;  // "Q_S" or "f"
};

// Client: the INIT payload.
[[nodiscard]] Bytes make_init(const RoundSpec& spec, const KeyAgreement& agreement);

// Server: parses INIT, agrees, hashes, signs through context.host_key and returns REPLY; fills
// outcome. group_fields are the GEX fields between K_S and e (empty for other methods).
[[nodiscard]] Bytes answer_init(const RoundSpec& spec, const KexContext& context,
                                KeyAgreement& agreement, ByteView group_fields, ByteView init,
                                KexOutcome& outcome);

// Client: parses REPLY, agrees, hashes and verifies the host key signature against
// context.host_key_algorithm; fills outcome.
void accept_reply(const RoundSpec& spec, const KexContext& context, KeyAgreement& agreement,
                  ByteView group_fields, ByteView reply, KexOutcome& outcome);

// A whole method made of one round trip (curve25519, ECDH, fixed-group DH).
[[nodiscard]] std::unique_ptr<KexMethod> make_single_round_kex(
    const RoundSpec& spec, KexContext context, std::unique_ptr<KeyAgreement> agreement);

// Finite-field DH over (p, g), shared by kex_dh.cpp and kex_dh_gex.cpp. fixed_exponent is the
// test hook from KexContext (empty: a random exponent).
[[nodiscard]] std::unique_ptr<KeyAgreement> make_dh_agreement(
    std::string_view method, const Botan::BigInt& p, const Botan::BigInt& g,
    Botan::RandomNumberGenerator& rng, const SecretBytes& fixed_exponent);

// The factories in the method table, one per file.
[[nodiscard]] std::unique_ptr<KexMethod> make_curve25519_kex(const KexMethodInfo& info,
                                                             KexContext context);
[[nodiscard]] std::unique_ptr<KexMethod> make_ecdh_kex(const KexMethodInfo& info,
                                                       KexContext context);
[[nodiscard]] std::unique_ptr<KexMethod> make_dh_kex(const KexMethodInfo& info,
                                                     KexContext context);
[[nodiscard]] std::unique_ptr<KexMethod> make_dh_gex_kex(const KexMethodInfo& info,
                                                         KexContext context);

}  // namespace wharf::ssh::detail
