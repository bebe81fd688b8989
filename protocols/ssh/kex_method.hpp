// Key exchange methods (RFC 4253 section 8, RFC 5656 section 4, RFC 8731, RFC 4419, RFC 8268):
// one KexMethod per exchange, made from a table keyed by wire name, so the KEX state machine
// drives every method and both roles the same way. This file also holds the pieces every method
// shares: the exchange hash prefix, key derivation (RFC 4253 section 7.2) and the default
// algorithm lists.
//
// How a driver runs one exchange (after KEXINIT negotiation picked `name`):
//   auto kex = make_kex_method(name, context);      // context.role: client or server
//   if (auto first = kex->start()) send(*first);    // client: KEXDH_INIT, ECDH_INIT, GEX_REQUEST
//   while (!kex->finished()) {
//       arm(kex->expected_message());               // any other message is a protocol error
//       payload = next message in 30..49;
//       if (auto reply = kex->handle(payload)) send(*reply);
//   }
//   KexOutcome out = kex->take_outcome();           // K, H, K_S, signature, hash name
//   (client: decide whether to trust out.host_key_blob; the signature is already checked)
//   then NEWKEYS and derive_key(out.hash_name, out.shared_secret, out.exchange_hash,
//   session_id, 'A'..'F', length), with session_id = H of the first exchange.
#pragma once

#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

class ModuliFile;
class PrivateKey;

namespace detail {
void scrub_memory(void* data, std::size_t size) noexcept;
}

// An allocator that wipes memory before freeing it, so shared secrets and derived keys do not
// linger in the heap. Botan's secure_vector does the same but would put Botan in this header.
template <class T>
struct ScrubbingAllocator {
    using value_type = T;
    ScrubbingAllocator() noexcept = default;
    template <class U>
    ScrubbingAllocator(const ScrubbingAllocator<U>& /*other*/) noexcept {}
    [[nodiscard]] T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        detail::scrub_memory(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    friend bool operator==(const ScrubbingAllocator& /*a*/,
                           const ScrubbingAllocator<U>& /*b*/) noexcept {
        return true;
    }
};

// Bytes that must not outlive their use: K, derived keys, ephemeral private keys.
using SecretBytes = std::vector<std::uint8_t, ScrubbingAllocator<std::uint8_t>>;

// A key exchange that cannot go on; the engine's catch site sends SSH_MSG_DISCONNECT with
// reason() and what(). A malformed or unexpected message is DisconnectReason::protocol_error; a
// well-formed message with unacceptable values (a public value out of range, a point off the
// curve, an all-zero X25519 secret, a group outside the requested sizes, a host key of the wrong
// type, a bad host signature) is DisconnectReason::key_exchange_failed. what() reads
// "<method>: <why>", e.g. "curve25519-sha256: Q_S must be 32 bytes, not 31".
class KexError : public ProtocolError {
public:
    using ProtocolError::ProtocolError;
};

enum class KexRole { client, server };

// Message numbers of the methods (RFC 4253 section 12, RFC 5656 section 7.1, RFC 4419 section 5).
// ECDH and curve25519 reuse 30/31 under other names.
inline constexpr std::uint8_t k_msg_kexdh_init = 30;
inline constexpr std::uint8_t k_msg_kexdh_reply = 31;
inline constexpr std::uint8_t k_msg_kex_dh_gex_group = 31;
inline constexpr std::uint8_t k_msg_kex_dh_gex_init = 32;
inline constexpr std::uint8_t k_msg_kex_dh_gex_reply = 33;
inline constexpr std::uint8_t k_msg_kex_dh_gex_request = 34;

// The client's group size request for diffie-hellman-group-exchange-* (RFC 4419 section 3).
// RFC 8270 raised the floor to 2048 bits; make_kex_method throws std::invalid_argument unless
// 2048 <= min <= preferred <= max <= 8192.
struct GexRequest {
    std::uint32_t min = 2048;
    std::uint32_t preferred = 3072;
    std::uint32_t max = 8192;
};

// A preferred GEX size for a cipher/MAC needing `security_bits` of key strength, as OpenSSH
// estimates it (NIST SP 800-57 equivalences): <=112 -> 2048, <=128 -> 3072, <=192 -> 7680,
// above -> 8192.
[[nodiscard]] std::uint32_t gex_preferred_bits(std::size_t security_bits) noexcept;

// The server's host key as the method needs it: the public key blob sent as K_S and a way to sign
// the exchange hash H with the negotiated host key algorithm, returning an SSH signature blob.
// A callback rather than a key so the key can live elsewhere (another process, an agent).
struct HostKeySigner {
    Bytes public_key_blob;
    std::function<Bytes(ByteView exchange_hash)> sign;
};

// A signer over a key in memory. Throws std::invalid_argument if `algorithm` does not fit the key
// (see signature_algorithms_for). The key is copied (cheap); rng must outlive the signer.
[[nodiscard]] HostKeySigner make_host_key_signer(const PrivateKey& key, std::string algorithm,
                                                 Botan::RandomNumberGenerator& rng);

// Everything a method needs for one exchange.
struct KexContext {
    KexRole role = KexRole::client;
    // RFC 4253 section 8: V_C, V_S without CR LF; I_C, I_S the whole KEXINIT payloads (starting
    // with the byte 20) exactly as sent and received.
    std::string client_version;
    std::string server_version;
    Bytes client_kexinit;
    Bytes server_kexinit;
    // Ephemeral keys, the GEX group choice and signatures draw from it; must outlive the method.
    Botan::RandomNumberGenerator* rng = nullptr;

    // Client only: the negotiated host key algorithm. The method checks that K_S is a key of that
    // type and that its signature over H verifies; whether to trust K_S is the caller's decision.
    std::string host_key_algorithm;
    // Client only, GEX methods only.
    GexRequest gex_request;

    // Server only.
    HostKeySigner host_key;
    // Server only, GEX methods only: groups to offer; nullptr or no fitting group means the
    // built-in RFC 3526 groups. Must outlive the method.
    const ModuliFile* moduli = nullptr;

    // Tests only: our ephemeral private key instead of a random one, so known-answer vectors made
    // by another implementation can be replayed. X25519: the 32-byte scalar; ECDH: the big-endian
    // scalar; DH: the big-endian exponent. Leave empty in production.
    SecretBytes test_ephemeral_private_key;
};

// What a finished exchange yields.
struct KexOutcome {
    // K as it enters the exchange hash and key derivation: the mpint encoding with its uint32
    // length (RFC 4253 section 7.2 hashes "K encoded as mpint").
    SecretBytes shared_secret;
    Bytes exchange_hash;       // H
    std::string hash_name;     // the method's hash for derive_key ("SHA-256")
    Bytes host_key_blob;       // K_S as received (client) or sent (server)
    Bytes host_signature;      // the signature blob over H, already verified by the client role
};

// One key exchange, one role, used once. Methods throw KexError for anything the peer got wrong
// and std::logic_error when the driver calls them out of order.
class KexMethod {
public:
    virtual ~KexMethod() = default;
    KexMethod() = default;
    KexMethod(const KexMethod&) = delete;
    KexMethod& operator=(const KexMethod&) = delete;

    // Client: the first message to send (KEX_ECDH_INIT, KEXDH_INIT or KEX_DH_GEX_REQUEST).
    // Server: nullopt; it waits for the client. Call exactly once, first.
    [[nodiscard]] virtual std::optional<Bytes> start() = 0;
    // The message number the method waits for next; 0 once finished.
    [[nodiscard]] virtual std::uint8_t expected_message() const noexcept = 0;
    // Consumes one peer message (the whole payload, starting with its number) and returns the
    // reply to send, if any. Throws KexError(protocol_error) for a message other than
    // expected_message(), a malformed one or trailing bytes, KexError(key_exchange_failed) for
    // values that fail validation.
    [[nodiscard]] virtual std::optional<Bytes> handle(ByteView payload) = 0;
    [[nodiscard]] virtual bool finished() const noexcept = 0;
    // The result; only once finished() (std::logic_error otherwise). Moves it out.
    [[nodiscard]] virtual KexOutcome take_outcome() = 0;
    // The wire name ("curve25519-sha256").
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

// One row of the method table.
struct KexMethodInfo {
    std::string_view name;       // wire name
    std::string_view hash_name;  // Botan name of the exchange hash
    std::string_view group;      // Botan curve or DH group; "" where fixed (X25519) or chosen (GEX)
    bool legacy;                 // SHA-1 or a 1024-bit group: only on explicit opt-in
    std::unique_ptr<KexMethod> (*make)(const KexMethodInfo& info, KexContext context);
};

// Every method we implement, in our order of preference (legacy ones last).
[[nodiscard]] std::span<const KexMethodInfo> kex_methods() noexcept;
[[nodiscard]] const KexMethodInfo* find_kex_method(std::string_view name) noexcept;

// A fresh method for one exchange. Throws std::invalid_argument for an unknown name, a missing
// rng, a missing host key (server) or host key algorithm (client), or a bad GexRequest.
[[nodiscard]] std::unique_ptr<KexMethod> make_kex_method(std::string_view name,
                                                         KexContext context);

// Methods off by default, as in OpenSSH 9.x; each flag appends its method.
struct LegacyKexAlgorithms {
    bool gex_sha1 = false;      // diffie-hellman-group-exchange-sha1
    bool group14_sha1 = false;  // diffie-hellman-group14-sha1
    bool group1_sha1 = false;   // diffie-hellman-group1-sha1 (1024-bit, RFC 9142 MUST NOT)
};

// Our KEX preference for KEXINIT, OpenSSH 9.x order minus what Botan 2 lacks (sntrup761,
// ML-KEM): curve25519-sha256, curve25519-sha256@libssh.org, ecdh-sha2-nistp256/384/521,
// diffie-hellman-group-exchange-sha256, diffie-hellman-group16-sha512,
// diffie-hellman-group18-sha512, diffie-hellman-group14-sha256, then the legacy ones asked for.
// Markers such as ext-info-c or kex-strict-*-v00@openssh.com are the driver's to add.
[[nodiscard]] std::vector<std::string> default_kex_algorithms(
    const LegacyKexAlgorithms& legacy = {});

// Host key algorithms, OpenSSH 9.x order: ssh-ed25519, ecdsa-sha2-nistp256/384/521,
// rsa-sha2-512, rsa-sha2-256, and ssh-rsa (SHA-1) only if include_ssh_rsa.
[[nodiscard]] std::vector<std::string> default_host_key_algorithms(bool include_ssh_rsa = false);

// The start of every exchange hash input (RFC 4253 section 8, RFC 5656 section 4, RFC 4419
// section 3): string V_C, string V_S, string I_C, string I_S, string K_S. Methods append their
// own fields and then K.
[[nodiscard]] Writer exchange_hash_prefix(const KexContext& context, ByteView host_key_blob);

// H = HASH(encoded input). hash_name is Botan's ("SHA-256"); throws std::invalid_argument for an
// unknown one.
[[nodiscard]] Bytes exchange_hash(std::string_view hash_name, ByteView encoded_input);

// RFC 4253 section 7.2: K1 = HASH(K || H || letter || session_id), K(n+1) = HASH(K || H || K1 ||
// ... || Kn), truncated to length. shared_secret is K already mpint-encoded (KexOutcome's form);
// letter is 'A' (IV client to server) .. 'F' (MAC key server to client).
[[nodiscard]] SecretBytes derive_key(std::string_view hash_name, ByteView shared_secret,
                                     ByteView exchange_hash, ByteView session_id, char letter,
                                     std::size_t length);

}  // namespace wharf::ssh
