// curve25519-sha256 and its older name curve25519-sha256@libssh.org (RFC 8731): X25519 public
// values travel as 32-byte strings Q_C/Q_S in messages 30/31, and H hashes them as strings.
#include "protocols/ssh/detail/kex_detail.hpp"

#include <botan/curve25519.h>
#include <botan/rng.h>
#include <botan/secmem.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace wharf::ssh::detail {

namespace {

constexpr std::size_t k_x25519_size = 32;

class X25519Agreement final : public KeyAgreement {
public:
    X25519Agreement(std::string_view method, Botan::RandomNumberGenerator& rng,
                    const SecretBytes& fixed_private_key)
        : m_method(method), m_private_key(k_x25519_size) {
        if (fixed_private_key.empty()) {
            rng.randomize(m_private_key.data(), m_private_key.size());
        } else if (fixed_private_key.size() == k_x25519_size) {
            std::copy(fixed_private_key.begin(), fixed_private_key.end(), m_private_key.begin());
        } else {
            throw std::invalid_argument("X25519 test private key must be 32 bytes");
        }
        std::array<std::uint8_t, k_x25519_size> public_value{};
        // X25519 clamps the scalar itself (RFC 7748 section 5), so any 32 random bytes will do.
        Botan::curve25519_basepoint(public_value.data(), m_private_key.data());
        m_public_field = Writer{}.string(ByteView(public_value)).take();
    }

    const Bytes& public_field() const noexcept override { return m_public_field; }

    Bytes read_peer_value(Reader& message, std::string_view field) override {
        const ByteView peer = message.string(field);
        if (peer.size() != k_x25519_size) {
            fail_kex(m_method, std::string(field) + " must be 32 bytes, not " +
                                   std::to_string(peer.size()));
        }
        std::copy(peer.begin(), peer.end(), m_peer.begin());
        return Writer{}.string(peer).take();
    }

    SecretBytes agree() override {
        Botan::secure_vector<std::uint8_t> shared(k_x25519_size);
        Botan::curve25519_donna(shared.data(), m_private_key.data(), m_peer.data());
        // Botan does not refuse the all-zero output that low-order peer points produce (RFC 8731
        // section 3 and RFC 7748 section 6.1 say we MUST). Checked without branching on bytes.
        std::uint8_t any_bit = 0;
        for (const std::uint8_t b : shared) {
            any_bit |= b;
        }
        if (any_bit == 0) {
            fail_kex(m_method, "the peer's public value gives an all-zero shared secret");
        }
        // RFC 8731 section 3.1: the 32 bytes are read as a big-endian number, as they are.
        return mpint_from_unsigned(ByteView(shared.data(), shared.size()));
    }

private:
    std::string_view m_method;
    Botan::secure_vector<std::uint8_t> m_private_key;
    std::array<std::uint8_t, k_x25519_size> m_peer{};
    Bytes m_public_field;
};

}  // namespace

std::unique_ptr<KexMethod> make_curve25519_kex(const KexMethodInfo& info, KexContext context) {
    const RoundSpec spec{info.name,       info.hash_name, k_msg_kexdh_init, k_msg_kexdh_reply,
                         "KEX_ECDH_INIT", "KEX_ECDH_REPLY", "Q_C",          "Q_S"};
    auto agreement = std::make_unique<X25519Agreement>(info.name, *context.rng,
                                                       context.test_ephemeral_private_key);
    return make_single_round_kex(spec, std::move(context), std::move(agreement));
}

}  // namespace wharf::ssh::detail
