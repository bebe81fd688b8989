// Finite-field Diffie-Hellman over fixed groups (RFC 4253 section 8, RFC 8268):
// diffie-hellman-group1-sha1 (RFC 2409 Oakley group 2, 1024 bits), -group14-sha1 and
// -group14-sha256 (2048), -group16-sha512 (4096), -group18-sha512 (8192). e and f travel as
// mpints in KEXDH_INIT (30) / KEXDH_REPLY (31). The agreement itself is shared with GEX.
#include "protocols/ssh/detail/kex_detail.hpp"

#include <botan/dl_group.h>
#include <botan/numthry.h>
#include <botan/rng.h>

#include <algorithm>
#include <stdexcept>

namespace wharf::ssh::detail {

namespace {

// Our private exponent's size. RFC 8268 section 4 asks for at least twice the group's security
// strength; 512 bits covers the largest (8192-bit, about 200 bits) with room, as OpenSSH does for
// 256-bit ciphers. A short exponent keeps 8192-bit exponentiation affordable.
constexpr std::size_t k_exponent_bits = 512;

// K encoded as an mpint, from a number that may be secret.
SecretBytes secret_mpint(const Botan::BigInt& value) {
    const Botan::secure_vector<std::uint8_t> bytes = Botan::BigInt::encode_locked(value);
    return mpint_from_unsigned(ByteView(bytes.data(), bytes.size()));
}

class DhAgreement final : public KeyAgreement {
public:
    DhAgreement(std::string_view method, const Botan::BigInt& p, const Botan::BigInt& g,
                Botan::RandomNumberGenerator& rng, const SecretBytes& fixed_exponent)
        : m_method(method), m_p(p) {
        if (fixed_exponent.empty()) {
            // A random exponent with its top bit set, so x >= 2^(bits-1) is never trivially small.
            m_x.randomize(rng, std::min(k_exponent_bits, p.bits() - 2), true);
        } else {
            m_x = Botan::BigInt::decode(fixed_exponent.data(), fixed_exponent.size());
            if (m_x < 2 || m_x > p - 2) {
                throw std::invalid_argument("DH test exponent is out of range");
            }
        }
        // power_mod runs in time independent of the exponent's bits (Montgomery, fixed window).
        m_public_field = Writer{}.mpint(Botan::power_mod(g, m_x, m_p)).take();
    }

    const Bytes& public_field() const noexcept override { return m_public_field; }

    Bytes read_peer_value(Reader& message, std::string_view field) override {
        m_peer = message.mpint(field);
        // RFC 4253 section 8 allows 1..p-1; 1 and p-1 (and 0) force K into {1, p-1}, so we refuse
        // them too, as OpenSSH's dh_pub_is_valid does.
        if (m_peer <= 1 || m_peer >= m_p - 1) {
            fail_kex(m_method, std::string(field) + " is outside 2..p-2");
        }
        return Writer{}.mpint(m_peer).take();
    }

    SecretBytes agree() override {
        const Botan::BigInt shared = Botan::power_mod(m_peer, m_x, m_p);
        if (shared <= 1) {
            fail_kex(m_method, "the shared secret is degenerate");
        }
        return secret_mpint(shared);
    }

private:
    std::string_view m_method;
    Botan::BigInt m_p;
    Botan::BigInt m_x;
    Botan::BigInt m_peer;
    Bytes m_public_field;
};

}  // namespace

std::unique_ptr<KeyAgreement> make_dh_agreement(std::string_view method, const Botan::BigInt& p,
                                                const Botan::BigInt& g,
                                                Botan::RandomNumberGenerator& rng,
                                                const SecretBytes& fixed_exponent) {
    return std::make_unique<DhAgreement>(method, p, g, rng, fixed_exponent);
}

std::unique_ptr<KexMethod> make_dh_kex(const KexMethodInfo& info, KexContext context) {
    const RoundSpec spec{info.name,    info.hash_name, k_msg_kexdh_init, k_msg_kexdh_reply,
                         "KEXDH_INIT", "KEXDH_REPLY",  "e",              "f"};
    const Botan::DL_Group group{std::string(info.group)};
    auto agreement = make_dh_agreement(info.name, group.get_p(), group.get_g(), *context.rng,
                                       context.test_ephemeral_private_key);
    return make_single_round_kex(spec, std::move(context), std::move(agreement));
}

}  // namespace wharf::ssh::detail
