// The method table, what every method shares (the INIT/REPLY round trip, the exchange hash, key
// derivation) and the one-round method that curve25519, ECDH and fixed-group DH are made of.
#include "protocols/ssh/kex_method.hpp"

#include "protocols/ssh/detail/kex_detail.hpp"
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/signature.hpp"

#include <botan/hash.h>
#include <botan/mem_ops.h>

#include <array>
#include <stdexcept>

namespace wharf::ssh {

namespace detail {

void scrub_memory(void* data, std::size_t size) noexcept {
    if (data != nullptr && size > 0) {
        Botan::secure_scrub_memory(data, size);
    }
}

void fail_kex(std::string_view method, const std::string& why) {
    throw KexError(DisconnectReason::key_exchange_failed, std::string(method) + ": " + why);
}

void fail_protocol(std::string_view method, const std::string& why) {
    throw KexError(DisconnectReason::protocol_error, std::string(method) + ": " + why);
}

SecretBytes mpint_from_unsigned(ByteView big_endian) {
    std::size_t skip = 0;
    while (skip < big_endian.size() && big_endian[skip] == 0) {
        ++skip;
    }
    const ByteView magnitude = big_endian.subspan(skip);
    const bool pad = !magnitude.empty() && (magnitude[0] & 0x80) != 0;  // keep it positive
    const auto length = static_cast<std::uint32_t>(magnitude.size() + (pad ? 1 : 0));
    SecretBytes out{static_cast<std::uint8_t>(length >> 24),
                    static_cast<std::uint8_t>(length >> 16),
                    static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    if (pad) {
        out.push_back(0);
    }
    out.insert(out.end(), magnitude.begin(), magnitude.end());
    return out;
}

Bytes make_init(const RoundSpec& spec, const KeyAgreement& agreement) {
    return Writer{}.byte(spec.init_message).raw(agreement.public_field()).take();
}

namespace {

// H over the common prefix, the GEX fields, both public values in client-then-server order, K.
Bytes hash_exchange(const RoundSpec& spec, const KexContext& context, ByteView host_key_blob,
                    ByteView group_fields, ByteView client_field, ByteView server_field,
                    ByteView shared_secret) {
    Writer input = exchange_hash_prefix(context, host_key_blob);
    input.raw(group_fields).raw(client_field).raw(server_field).raw(shared_secret);
    Bytes encoded = input.take();
    Bytes hash = exchange_hash(spec.hash_name, encoded);
    scrub_memory(encoded.data(), encoded.size());  // it ends in K
    return hash;
}

}  // namespace

Bytes answer_init(const RoundSpec& spec, const KexContext& context, KeyAgreement& agreement,
                  ByteView group_fields, ByteView init, KexOutcome& outcome) {
    Bytes client_field;
    try {
        Reader r(spec.init_name, init);
        r.byte("message number");
        client_field = agreement.read_peer_value(r, spec.client_value);
        r.expect_end();
    } catch (const DecodeError& e) {
        fail_protocol(spec.method, e.what());
    }
    SecretBytes shared_secret = agreement.agree();
    const Bytes& host_key_blob = context.host_key.public_key_blob;
    Bytes hash = hash_exchange(spec, context, host_key_blob, group_fields, client_field,
                               agreement.public_field(), shared_secret);
    Bytes signature = context.host_key.sign(hash);

    Bytes reply = Writer{}
                      .byte(spec.reply_message)
                      .string(ByteView(host_key_blob))
                      .raw(agreement.public_field())
                      .string(ByteView(signature))
                      .take();
    outcome = KexOutcome{std::move(shared_secret), std::move(hash), std::string(spec.hash_name),
                         host_key_blob, std::move(signature)};
    return reply;
}

void accept_reply(const RoundSpec& spec, const KexContext& context, KeyAgreement& agreement,
                  ByteView group_fields, ByteView reply, KexOutcome& outcome) {
    Bytes host_key_blob;
    Bytes server_field;
    Bytes signature;
    try {
        Reader r(spec.reply_name, reply);
        r.byte("message number");
        const ByteView key = r.string("K_S");
        host_key_blob.assign(key.begin(), key.end());
        server_field = agreement.read_peer_value(r, spec.server_value);
        const ByteView sig = r.string("signature of H");
        signature.assign(sig.begin(), sig.end());
        r.expect_end();
    } catch (const DecodeError& e) {
        fail_protocol(spec.method, e.what());
    }

    // The host key must be usable and of the negotiated type before anything is hashed with it.
    std::optional<PublicKey> host_key;
    try {
        host_key = PublicKey::from_blob(host_key_blob);
    } catch (const KeyError& e) {
        fail_kex(spec.method, std::string("server host key: ") + e.what());
    }
    if (host_key_algorithm_key_type(context.host_key_algorithm) != host_key->type()) {
        fail_kex(spec.method, "server sent a " + std::string(host_key->type_name()) +
                                  " host key, but " + context.host_key_algorithm +
                                  " was negotiated");
    }

    SecretBytes shared_secret = agreement.agree();
    Bytes hash = hash_exchange(spec, context, host_key_blob, group_fields,
                               agreement.public_field(), server_field, shared_secret);
    if (!verify(*host_key, context.host_key_algorithm, signature, hash)) {
        fail_kex(spec.method, "the server's " + context.host_key_algorithm +
                                  " signature over the exchange hash does not verify");
    }
    outcome = KexOutcome{std::move(shared_secret), std::move(hash), std::string(spec.hash_name),
                         std::move(host_key_blob), std::move(signature)};
}

namespace {

// curve25519, ECDH and fixed-group DH: client INIT, server REPLY, done.
class SingleRoundKex final : public KexMethod {
public:
    SingleRoundKex(const RoundSpec& spec, KexContext context,
                   std::unique_ptr<KeyAgreement> agreement)
        : m_spec(spec), m_context(std::move(context)), m_agreement(std::move(agreement)) {}

    std::optional<Bytes> start() override {
        if (m_started) {
            throw std::logic_error("KexMethod::start called twice");
        }
        m_started = true;
        if (m_context.role == KexRole::client) {
            m_expected = m_spec.reply_message;
            return make_init(m_spec, *m_agreement);
        }
        m_expected = m_spec.init_message;
        return std::nullopt;
    }

    std::uint8_t expected_message() const noexcept override { return m_expected; }

    std::optional<Bytes> handle(ByteView payload) override {
        if (m_expected == 0) {
            throw std::logic_error(
                "KexMethod::handle called before start, after the end or after a failure");
        }
        const std::uint8_t expected = m_expected;
        m_expected = 0;  // a throw below leaves the method failed for good
        if (payload.empty() || payload[0] != expected) {
            fail_protocol(m_spec.method,
                          "unexpected message " +
                              (payload.empty() ? std::string("(empty)")
                                               : std::to_string(payload[0])) +
                              ", expected " + std::to_string(expected));
        }
        std::optional<Bytes> reply;
        if (m_context.role == KexRole::client) {
            accept_reply(m_spec, m_context, *m_agreement, {}, payload, m_outcome);
        } else {
            reply = answer_init(m_spec, m_context, *m_agreement, {}, payload, m_outcome);
        }
        m_finished = true;
        m_agreement.reset();  // the ephemeral private key is no longer needed
        return reply;
    }

    bool finished() const noexcept override { return m_finished; }

    KexOutcome take_outcome() override {
        if (!m_finished) {
            throw std::logic_error("KexMethod::take_outcome before the exchange finished");
        }
        return std::move(m_outcome);
    }

    std::string_view name() const noexcept override { return m_spec.method; }

private:
    RoundSpec m_spec;
    KexContext m_context;
    std::unique_ptr<KeyAgreement> m_agreement;
    KexOutcome m_outcome;
    std::uint8_t m_expected = 0;
    bool m_started = false;
    bool m_finished = false;
};

}  // namespace

std::unique_ptr<KexMethod> make_single_round_kex(const RoundSpec& spec, KexContext context,
                                                 std::unique_ptr<KeyAgreement> agreement) {
    return std::make_unique<SingleRoundKex>(spec, std::move(context), std::move(agreement));
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------

std::uint32_t gex_preferred_bits(std::size_t security_bits) noexcept {
    if (security_bits <= 112) {
        return 2048;
    }
    if (security_bits <= 128) {
        return 3072;
    }
    if (security_bits <= 192) {
        return 7680;
    }
    return 8192;
}

HostKeySigner make_host_key_signer(const PrivateKey& key, std::string algorithm,
                                   Botan::RandomNumberGenerator& rng) {
    if (host_key_algorithm_key_type(algorithm) != key.type()) {
        throw std::invalid_argument("host key algorithm " + algorithm + " does not fit a " +
                                    std::string(key_type_name(key.type())) + " key");
    }
    return HostKeySigner{key.public_key().blob(),
                         [key, algorithm = std::move(algorithm), &rng](ByteView hash) {
                             return sign(key, algorithm, hash, rng);
                         }};
}

namespace {

// Preference order; OpenSSH 9.x puts the legacy ones in this order too.
constexpr std::array<KexMethodInfo, 12> k_methods{{
    {"curve25519-sha256", "SHA-256", "", false, detail::make_curve25519_kex},
    {"curve25519-sha256@libssh.org", "SHA-256", "", false, detail::make_curve25519_kex},
    {"ecdh-sha2-nistp256", "SHA-256", "secp256r1", false, detail::make_ecdh_kex},
    {"ecdh-sha2-nistp384", "SHA-384", "secp384r1", false, detail::make_ecdh_kex},
    {"ecdh-sha2-nistp521", "SHA-512", "secp521r1", false, detail::make_ecdh_kex},
    {"diffie-hellman-group-exchange-sha256", "SHA-256", "", false, detail::make_dh_gex_kex},
    {"diffie-hellman-group16-sha512", "SHA-512", "modp/ietf/4096", false, detail::make_dh_kex},
    {"diffie-hellman-group18-sha512", "SHA-512", "modp/ietf/8192", false, detail::make_dh_kex},
    {"diffie-hellman-group14-sha256", "SHA-256", "modp/ietf/2048", false, detail::make_dh_kex},
    {"diffie-hellman-group-exchange-sha1", "SHA-1", "", true, detail::make_dh_gex_kex},
    {"diffie-hellman-group14-sha1", "SHA-1", "modp/ietf/2048", true, detail::make_dh_kex},
    // RFC 2409 Oakley group 2, which Botan names by its RFC 3526 sibling's scheme.
    {"diffie-hellman-group1-sha1", "SHA-1", "modp/ietf/1024", true, detail::make_dh_kex},
}};

}  // namespace

std::span<const KexMethodInfo> kex_methods() noexcept { return k_methods; }

const KexMethodInfo* find_kex_method(std::string_view name) noexcept {
    for (const auto& row : k_methods) {
        if (row.name == name) {
            return &row;
        }
    }
    return nullptr;
}

std::unique_ptr<KexMethod> make_kex_method(std::string_view name, KexContext context) {
    const KexMethodInfo* info = find_kex_method(name);
    if (info == nullptr) {
        throw std::invalid_argument("unknown key exchange method " + std::string(name));
    }
    if (context.rng == nullptr) {
        throw std::invalid_argument("key exchange needs an RNG");
    }
    if (context.role == KexRole::server &&
        (context.host_key.public_key_blob.empty() || !context.host_key.sign)) {
        throw std::invalid_argument("server key exchange needs a host key");
    }
    if (context.role == KexRole::client &&
        !host_key_algorithm_key_type(context.host_key_algorithm)) {
        throw std::invalid_argument(
            "client key exchange needs a supported host key algorithm, not '" +
            context.host_key_algorithm + "'");
    }
    const GexRequest& gex = context.gex_request;
    if (!(2048 <= gex.min && gex.min <= gex.preferred && gex.preferred <= gex.max &&
          gex.max <= 8192)) {
        throw std::invalid_argument("group exchange sizes must satisfy 2048 <= min <= preferred "
                                    "<= max <= 8192");
    }
    return info->make(*info, std::move(context));
}

std::vector<std::string> default_kex_algorithms(const LegacyKexAlgorithms& legacy) {
    std::vector<std::string> names;
    for (const auto& row : k_methods) {
        const bool wanted =
            !row.legacy ||
            (legacy.gex_sha1 && row.name == "diffie-hellman-group-exchange-sha1") ||
            (legacy.group14_sha1 && row.name == "diffie-hellman-group14-sha1") ||
            (legacy.group1_sha1 && row.name == "diffie-hellman-group1-sha1");
        if (wanted) {
            names.emplace_back(row.name);
        }
    }
    return names;
}

std::vector<std::string> default_host_key_algorithms(bool include_ssh_rsa) {
    std::vector<std::string> names;
    for (const KeyType type : all_key_types()) {
        for (const std::string_view algorithm : signature_algorithms_for(type)) {
            if (algorithm != "ssh-rsa" || include_ssh_rsa) {
                names.emplace_back(algorithm);
            }
        }
    }
    return names;
}

Writer exchange_hash_prefix(const KexContext& context, ByteView host_key_blob) {
    Writer w;
    w.string(std::string_view(context.client_version))
        .string(std::string_view(context.server_version))
        .string(ByteView(context.client_kexinit))
        .string(ByteView(context.server_kexinit))
        .string(host_key_blob);
    return w;
}

namespace {

std::unique_ptr<Botan::HashFunction> make_hash(std::string_view hash_name) {
    auto hash = Botan::HashFunction::create(std::string(hash_name));
    if (!hash) {
        throw std::invalid_argument("unknown hash " + std::string(hash_name));
    }
    return hash;
}

}  // namespace

Bytes exchange_hash(std::string_view hash_name, ByteView encoded_input) {
    const auto hash = make_hash(hash_name);
    hash->update(encoded_input.data(), encoded_input.size());
    Bytes out(hash->output_length());
    hash->final(out.data());
    return out;
}

SecretBytes derive_key(std::string_view hash_name, ByteView shared_secret, ByteView exchange_hash,
                       ByteView session_id, char letter, std::size_t length) {
    const auto hash = make_hash(hash_name);
    SecretBytes out(hash->output_length());
    hash->update(shared_secret.data(), shared_secret.size());
    hash->update(exchange_hash.data(), exchange_hash.size());
    hash->update(static_cast<std::uint8_t>(letter));
    hash->update(session_id.data(), session_id.size());
    hash->final(out.data());
    // Each further block hashes K || H || everything so far (RFC 4253 section 7.2).
    while (out.size() < length) {
        SecretBytes block(hash->output_length());
        hash->update(shared_secret.data(), shared_secret.size());
        hash->update(exchange_hash.data(), exchange_hash.size());
        hash->update(out.data(), out.size());
        hash->final(block.data());
        out.insert(out.end(), block.begin(), block.end());
    }
    out.resize(length);
    return out;
}

}  // namespace wharf::ssh
