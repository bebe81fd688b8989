// diffie-hellman-group-exchange-sha256 and -sha1 (RFC 4419, with RFC 8270's 2048-bit floor).
// One round more than the other methods: the client asks for a group size (GEX_REQUEST, 34), the
// server picks a group (GEX_GROUP, 31), then the usual DH round trip runs as GEX_INIT (32) and
// GEX_REPLY (33), and H also covers min, n, max, p and g. The old request without min/max
// (GEX_REQUEST_OLD, 30) is not supported; OpenSSH stopped sending it in 2015 (6.9).
#include "protocols/ssh/detail/kex_detail.hpp"
#include "protocols/ssh/moduli.hpp"

#include <botan/numthry.h>

#include <algorithm>
#include <stdexcept>

namespace wharf::ssh::detail {

namespace {

// The sizes we serve and accept, whatever a request says (RFC 8270, RFC 4419 section 3).
constexpr std::uint32_t k_min_group_bits = 2048;
constexpr std::uint32_t k_max_group_bits = 8192;

class DhGexKex final : public KexMethod {
public:
    DhGexKex(const KexMethodInfo& info, KexContext context)
        : m_spec{info.name,        info.hash_name,    k_msg_kex_dh_gex_init,
                 k_msg_kex_dh_gex_reply, "KEX_DH_GEX_INIT", "KEX_DH_GEX_REPLY",
                 "e",              "f"},
          m_context(std::move(context)) {}

    std::optional<Bytes> start() override {
        if (m_state != State::not_started) {
            throw std::logic_error("KexMethod::start called twice");
        }
        if (m_context.role == KexRole::server) {
            m_state = State::await_request;
            return std::nullopt;
        }
        m_request = m_context.gex_request;
        m_state = State::await_group;
        return Writer{}
            .byte(k_msg_kex_dh_gex_request)
            .uint32(m_request.min)
            .uint32(m_request.preferred)
            .uint32(m_request.max)
            .take();
    }

    std::uint8_t expected_message() const noexcept override {
        switch (m_state) {
        case State::await_request:
            return k_msg_kex_dh_gex_request;
        case State::await_group:
            return k_msg_kex_dh_gex_group;
        case State::await_init:
            return k_msg_kex_dh_gex_init;
        case State::await_reply:
            return k_msg_kex_dh_gex_reply;
        case State::not_started:
        case State::finished:
        case State::failed:
            break;
        }
        return 0;
    }

    std::optional<Bytes> handle(ByteView payload) override {
        const std::uint8_t expected = expected_message();
        if (expected == 0) {
            throw std::logic_error(
                "KexMethod::handle called before start, after the end or after a failure");
        }
        // A throw below leaves the method failed: the exchange cannot be resumed.
        const State state = m_state;
        m_state = State::failed;
        if (payload.empty() || payload[0] != expected) {
            fail_protocol(m_spec.method, "unexpected message " +
                                             (payload.empty() ? std::string("(empty)")
                                                              : std::to_string(payload[0])) +
                                             ", expected " + std::to_string(expected));
        }
        switch (state) {
        case State::await_request: {
            Bytes group = answer_request(payload);
            m_state = State::await_init;
            return group;
        }
        case State::await_group: {
            Bytes init = accept_group(payload);
            m_state = State::await_reply;
            return init;
        }
        case State::await_init: {
            Bytes reply =
                answer_init(m_spec, m_context, *m_agreement, m_group_fields, payload, m_outcome);
            finish();
            return reply;
        }
        case State::await_reply:
            accept_reply(m_spec, m_context, *m_agreement, m_group_fields, payload, m_outcome);
            finish();
            return std::nullopt;
        case State::not_started:
        case State::finished:
        case State::failed:
            break;
        }
        throw std::logic_error("unreachable GEX state");
    }

    bool finished() const noexcept override { return m_state == State::finished; }

    KexOutcome take_outcome() override {
        if (m_state != State::finished) {
            throw std::logic_error("KexMethod::take_outcome before the exchange finished");
        }
        return std::move(m_outcome);
    }

    std::string_view name() const noexcept override { return m_spec.method; }

private:
    enum class State {
        not_started,
        await_request,
        await_group,
        await_init,
        await_reply,
        finished,
        failed,
    };

    // Server: GEX_REQUEST -> GEX_GROUP.
    Bytes answer_request(ByteView payload) {
        try {
            Reader r("KEX_DH_GEX_REQUEST", payload);
            r.byte("message number");
            m_request.min = r.uint32("min");
            m_request.preferred = r.uint32("n");
            m_request.max = r.uint32("max");
            r.expect_end();
        } catch (const DecodeError& e) {
            fail_protocol(m_spec.method, e.what());
        }
        // Clamp to what we serve as sshd does; H keeps the values as the client sent them.
        const std::uint32_t min = std::max(m_request.min, k_min_group_bits);
        const std::uint32_t max = std::min(m_request.max, k_max_group_bits);
        const std::uint32_t preferred =
            std::clamp(m_request.preferred, k_min_group_bits, k_max_group_bits);
        if (max < min || preferred < min || preferred > max) {
            fail_kex(m_spec.method, "no group size fits the request min " +
                                        std::to_string(m_request.min) + ", n " +
                                        std::to_string(m_request.preferred) + ", max " +
                                        std::to_string(m_request.max));
        }
        std::optional<DhGroup> group;
        if (m_context.moduli != nullptr) {
            group = m_context.moduli->choose(min, preferred, max, *m_context.rng);
        }
        if (!group) {
            group = ModuliFile::builtin().choose(min, preferred, max, *m_context.rng);
        }
        if (!group) {
            fail_kex(m_spec.method, "no group between " + std::to_string(min) + " and " +
                                        std::to_string(max) + " bits");
        }
        const Botan::BigInt p = Botan::BigInt::decode(group->prime.data(), group->prime.size());
        const Botan::BigInt g =
            Botan::BigInt::decode(group->generator.data(), group->generator.size());
        use_group(p, g);
        return Writer{}.byte(k_msg_kex_dh_gex_group).mpint(p).mpint(g).take();
    }

    // Client: GEX_GROUP -> GEX_INIT.
    Bytes accept_group(ByteView payload) {
        Botan::BigInt p;
        Botan::BigInt g;
        try {
            Reader r("KEX_DH_GEX_GROUP", payload);
            r.byte("message number");
            p = r.mpint("p");
            g = r.mpint("g");
            r.expect_end();
        } catch (const DecodeError& e) {
            fail_protocol(m_spec.method, e.what());
        }
        check_group(p, g);
        use_group(p, g);
        return make_init(m_spec, *m_agreement);
    }

    // What a client can check of a server's group cheaply. The size check is the one that matters
    // (RFC 8270): a small group is the downgrade. The group is signed with H, so a
    // man-in-the-middle cannot swap it; the primality test only catches a broken server. One
    // Fermat test costs one exponentiation (about 2 ms at 2048 bits, 130 ms at 8192), where a
    // full probable-prime test at 8192 bits costs seconds.
    void check_group(const Botan::BigInt& p, const Botan::BigInt& g) const {
        const std::size_t bits = p.is_positive() ? p.bits() : 0;
        if (bits < m_request.min || bits > m_request.max) {
            fail_kex(m_spec.method, "server sent a " + std::to_string(bits) +
                                        "-bit group; we asked for " +
                                        std::to_string(m_request.min) + ".." +
                                        std::to_string(m_request.max));
        }
        if (p.is_even()) {
            fail_kex(m_spec.method, "server's group modulus is even");
        }
        if (g <= 1 || g >= p - 1) {
            fail_kex(m_spec.method, "server's generator is not in 2..p-2");
        }
        if (Botan::power_mod(Botan::BigInt(2), p - 1, p) != 1) {
            fail_kex(m_spec.method, "server's group modulus is not prime");
        }
    }

    void use_group(const Botan::BigInt& p, const Botan::BigInt& g) {
        m_agreement = make_dh_agreement(m_spec.method, p, g, *m_context.rng,
                                        m_context.test_ephemeral_private_key);
        // RFC 4419 section 3: uint32 min, uint32 n, uint32 max, mpint p, mpint g, between K_S
        // and e in H.
        m_group_fields = Writer{}
                             .uint32(m_request.min)
                             .uint32(m_request.preferred)
                             .uint32(m_request.max)
                             .mpint(p)
                             .mpint(g)
                             .take();
    }

    void finish() {
        m_state = State::finished;
        m_agreement.reset();  // the ephemeral exponent is no longer needed
    }

    RoundSpec m_spec;
    KexContext m_context;
    State m_state = State::not_started;
    GexRequest m_request;  // as the client sent it
    Bytes m_group_fields;
    std::unique_ptr<KeyAgreement> m_agreement;
    KexOutcome m_outcome;
};

}  // namespace

std::unique_ptr<KexMethod> make_dh_gex_kex(const KexMethodInfo& info, KexContext context) {
    return std::make_unique<DhGexKex>(info, std::move(context));
}

}  // namespace wharf::ssh::detail
