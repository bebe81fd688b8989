// KEXINIT: what we offer, and algorithm negotiation (RFC 4253, section 7.1), including the
// pseudo-algorithms that only signal features: ext-info-c/-s (RFC 8308) and strict KEX
// (kex-strict-c/s-v00@openssh.com, OpenSSH PROTOCOL 1.10).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/version.hpp"

namespace wharf::ssh {

inline constexpr std::string_view ext_info_client = "ext-info-c";
inline constexpr std::string_view ext_info_server = "ext-info-s";
inline constexpr std::string_view strict_kex_client = "kex-strict-c-v00@openssh.com";
inline constexpr std::string_view strict_kex_server = "kex-strict-s-v00@openssh.com";

/// The seeds' UseStrictKeyExchange: how we treat strict KEX (the Terrapin countermeasure).
enum class StrictKexMode {
    off = 0,                ///< neither advertised nor honoured
    on = 1,                 ///< advertised; used when the peer has it too (default)
    reject_vulnerable = 2,  ///< as on, and a peer without it may not use Terrapin-affected algorithms
    required = 3,           ///< a peer without it is refused
};

/// What we offer, each list in our order of preference.
struct AlgorithmPreferences {
    std::vector<std::string> kex;
    std::vector<std::string> host_keys;
    std::vector<std::string> ciphers;
    std::vector<std::string> macs;
    std::vector<std::string> compression;
};

/// The defaults: OpenSSH 9.x's modern set and order, legacy algorithms left out.
AlgorithmPreferences default_algorithm_preferences();

/// Our KEXINIT. The first one of a connection carries the feature markers for our role
/// (ext-info-c for a client; strict KEX unless off); later ones must not (OpenSSH PROTOCOL).
KexInit make_kexinit(Role role, const AlgorithmPreferences& preferences, StrictKexMode strict_mode,
                     bool initial, const std::array<std::uint8_t, 16>& cookie);

struct NegotiatedAlgorithms {
    std::string kex;
    std::string host_key;
    std::string cipher_client_to_server;
    std::string cipher_server_to_client;
    std::string mac_client_to_server;  ///< empty for AEAD ciphers
    std::string mac_server_to_client;
    std::string compression_client_to_server;
    std::string compression_server_to_client;
    bool strict_kex = false;       ///< both sides signalled it in their first KEXINIT
    bool client_ext_info = false;  ///< the client announced ext-info-c (server may send EXT_INFO)
    bool server_ext_info = false;
};

/// RFC 4253 §7.1: in each category the first client algorithm the server also lists; a MAC
/// is not negotiated for an AEAD cipher. Markers never count as algorithms. `initial` says
/// whether this is the first exchange (markers are only honoured there). Applies the strict
/// KEX mode of `our_role`'s side. Throws ProtocolError(KEY_EXCHANGE_FAILED) naming the
/// category without a common algorithm, or why the mode refuses the result.
NegotiatedAlgorithms negotiate(const KexInit& client, const KexInit& server, bool initial, Role our_role,
                               StrictKexMode strict_mode);

/// Whether a cipher/MAC pair is open to the Terrapin prefix truncation attack without strict
/// KEX: chacha20-poly1305@openssh.com and every encrypt-then-MAC (-etm@openssh.com) MAC.
bool terrapin_affected(std::string_view cipher, std::string_view mac);

/// RFC 4253 §7: with first_kex_packet_follows, the guess was right only if both sides' first
/// KEX algorithm and first host key algorithm agree.
bool first_kex_guess_correct(const KexInit& client, const KexInit& server);

}  // namespace wharf::ssh
