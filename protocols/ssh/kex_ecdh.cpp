// ecdh-sha2-nistp256/384/521 (RFC 5656 section 4): public values are SEC1 points sent as strings
// Q_C/Q_S in messages 30/31, and K is the x coordinate of the shared point as an mpint.
#include "protocols/ssh/detail/kex_detail.hpp"

#include <botan/ec_group.h>
#include <botan/ecdh.h>
#include <botan/exceptn.h>
#include <botan/pubkey.h>

#include <stdexcept>

namespace wharf::ssh::detail {

namespace {

class EcdhAgreement final : public KeyAgreement {
public:
    EcdhAgreement(std::string_view method, const std::string& curve,
                  Botan::RandomNumberGenerator& rng, const SecretBytes& fixed_private_key)
        : m_method(method),
          m_group(curve),
          m_rng(rng),
          m_private_key(rng, m_group, fixed_scalar(m_group, fixed_private_key)) {
        m_public_field =
            Writer{}.string(ByteView(m_private_key.public_value(Botan::PointGFp::UNCOMPRESSED)))
                .take();
    }

    const Bytes& public_field() const noexcept override { return m_public_field; }

    Bytes read_peer_value(Reader& message, std::string_view field) override {
        const ByteView point = message.string(field);
        // Only the uncompressed form, which RFC 5656 section 3.1 makes mandatory and OpenSSH
        // sends: 04 || x || y.
        const std::size_t coordinate = m_group.get_p_bytes();
        if (point.size() != 1 + 2 * coordinate || point[0] != 0x04) {
            fail_kex(m_method, std::string(field) + " must be an uncompressed point (" +
                                   std::to_string(1 + 2 * coordinate) + " bytes starting 04)");
        }
        try {
            // OS2ECP refuses points off the curve; the NIST curves have cofactor 1, so a point on
            // the curve is in the right subgroup unless it is the identity.
            if (m_group.OS2ECP(point.data(), point.size()).is_zero()) {
                fail_kex(m_method, std::string(field) + " is the point at infinity");
            }
        } catch (const Botan::Exception&) {
            fail_kex(m_method, std::string(field) + " is not a point on the curve");
        }
        m_peer.assign(point.begin(), point.end());
        return Writer{}.string(point).take();
    }

    SecretBytes agree() override {
        try {
            Botan::PK_Key_Agreement agreement(m_private_key, m_rng, "Raw");
            // The x coordinate, left-padded to the field size.
            const Botan::secure_vector<std::uint8_t> x =
                agreement.derive_key(0, m_peer.data(), m_peer.size()).bits_of();
            return mpint_from_unsigned(ByteView(x.data(), x.size()));
        } catch (const Botan::Exception& e) {
            fail_kex(m_method, std::string("ECDH failed: ") + e.what());
        }
    }

private:
    // 0 asks Botan for a random scalar; a test scalar must be in 1..n-1.
    static Botan::BigInt fixed_scalar(const Botan::EC_Group& group, const SecretBytes& bytes) {
        if (bytes.empty()) {
            return Botan::BigInt(0);
        }
        Botan::BigInt scalar = Botan::BigInt::decode(bytes.data(), bytes.size());
        if (scalar.is_zero() || scalar >= group.get_order()) {
            throw std::invalid_argument("ECDH test private key is out of range");
        }
        return scalar;
    }

    std::string_view m_method;
    Botan::EC_Group m_group;
    Botan::RandomNumberGenerator& m_rng;
    Botan::ECDH_PrivateKey m_private_key;
    Bytes m_public_field;
    Bytes m_peer;
};

}  // namespace

std::unique_ptr<KexMethod> make_ecdh_kex(const KexMethodInfo& info, KexContext context) {
    const RoundSpec spec{info.name,       info.hash_name, k_msg_kexdh_init, k_msg_kexdh_reply,
                         "KEX_ECDH_INIT", "KEX_ECDH_REPLY", "Q_C",          "Q_S"};
    auto agreement = std::make_unique<EcdhAgreement>(
        info.name, std::string(info.group), *context.rng, context.test_ephemeral_private_key);
    return make_single_round_kex(spec, std::move(context), std::move(agreement));
}

}  // namespace wharf::ssh::detail
