// Every key exchange method, client against server in memory (Go's TestKexes: a new table row
// is tested with no extra work), and what each must refuse.
#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/moduli.hpp"

#include "ssh/kex_test_util.hpp"

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <catch2/catch.hpp>

namespace ssh = wharf::ssh;
using wharf::test::client_context;
using wharf::test::message_to;
using wharf::test::run_kex;
using wharf::test::server_context;

namespace {

using Reason = ssh::DisconnectReason;

// Runs f and checks it throws a KexError with this reason and a message containing `text`.
template <class F>
void require_kex_error(F&& f, Reason reason, std::string_view text) {
    try {
        f();
    } catch (const ssh::KexError& e) {
        INFO(e.what());
        CHECK(e.reason() == reason);
        CHECK(std::string_view(e.what()).find(text) != std::string_view::npos);
        return;
    }
    FAIL("no KexError thrown");
}

std::unique_ptr<ssh::KexMethod> make(std::string_view name, ssh::KexContext context) {
    return ssh::make_kex_method(name, std::move(context));
}

// The payload with the given public value field replaced (after the message number).
ssh::Bytes with_string_value(std::uint8_t number, ssh::ByteView value) {
    return ssh::Writer{}.byte(number).string(value).take();
}

ssh::Bytes with_mpint_value(std::uint8_t number, const Botan::BigInt& value) {
    return ssh::Writer{}.byte(number).mpint(value).take();
}

// A KEXDH_REPLY-shaped message with the server's value replaced and a dummy signature.
ssh::Bytes forged_reply(std::uint8_t number, const ssh::Bytes& value_field) {
    return ssh::Writer{}
        .byte(number)
        .string(ssh::ByteView(wharf::test::kex_host_key(ssh::KeyType::ed25519).public_key().blob()))
        .raw(value_field)
        .string(ssh::ByteView(ssh::Bytes{0, 0, 0, 0}))
        .take();
}

Botan::BigInt modp(std::size_t bits) {
    return Botan::DL_Group("modp/ietf/" + std::to_string(bits)).get_p();
}

}  // namespace

TEST_CASE("client and server agree on K and H for every method", "[kex]") {
    for (const ssh::KexMethodInfo& info : ssh::kex_methods()) {
        INFO(info.name);
        auto client = make(info.name, client_context());
        auto server = make(info.name, server_context());
        CHECK(client->name() == info.name);
        const auto run = run_kex(*client, *server);
        const bool gex = info.name.find("group-exchange") != std::string_view::npos;
        CHECK(run.messages == (gex ? 4u : 2u));
        CHECK(run.client.shared_secret == run.server.shared_secret);
        CHECK(run.client.exchange_hash == run.server.exchange_hash);
        CHECK(run.client.hash_name == info.hash_name);
        CHECK(run.client.exchange_hash.size() ==
              (info.hash_name == "SHA-1" ? 20u : info.hash_name == "SHA-256" ? 32u
                                             : info.hash_name == "SHA-384" ? 48u : 64u));
        CHECK(run.client.host_key_blob ==
              wharf::test::kex_host_key(ssh::KeyType::ed25519).public_key().blob());
        CHECK(run.client.host_signature == run.server.host_signature);
        CHECK(ssh::verify(ssh::PublicKey::from_blob(run.client.host_key_blob), "ssh-ed25519",
                          run.client.host_signature, run.client.exchange_hash));
        // K is an mpint with its length: positive, minimal.
        ssh::Reader k("K", run.client.shared_secret);
        CHECK(k.mpint("K") > 1);
        CHECK(k.at_end());

        // A second exchange of the same method gets fresh ephemeral keys.
        auto client2 = make(info.name, client_context());
        auto server2 = make(info.name, server_context());
        const auto run2 = run_kex(*client2, *server2);
        CHECK(run2.client.shared_secret != run.client.shared_secret);
        CHECK(run2.client.exchange_hash != run.client.exchange_hash);
    }
}

TEST_CASE("every host key algorithm signs the exchange", "[kex]") {
    for (const ssh::KeyType type : ssh::all_key_types()) {
        for (const std::string_view algorithm : ssh::signature_algorithms_for(type)) {
            INFO(algorithm);
            auto client = make("curve25519-sha256", client_context(std::string(algorithm)));
            auto server = make("curve25519-sha256", server_context(std::string(algorithm)));
            const auto run = run_kex(*client, *server);
            CHECK(run.client.exchange_hash == run.server.exchange_hash);
            CHECK(run.client.host_key_blob == wharf::test::kex_host_key(type).public_key().blob());
        }
    }
}

TEST_CASE("the exchange hash covers versions and KEXINITs", "[kex]") {
    // A client that saw different KEXINIT bytes computes another H, so the server's signature
    // fails: this is what makes KEXINIT tampering visible.
    for (const ssh::KexMethodInfo& info : ssh::kex_methods()) {
        INFO(info.name);
        ssh::KexContext tampered = client_context();
        tampered.server_kexinit.push_back(0);
        auto client = make(info.name, std::move(tampered));
        auto server = make(info.name, server_context());
        require_kex_error([&] { run_kex(*client, *server); }, Reason::key_exchange_failed,
                          "does not verify");
    }
    ssh::KexContext other_version = client_context();
    other_version.server_version = "SSH-2.0-someone_else";
    auto client = make("ecdh-sha2-nistp256", std::move(other_version));
    auto server = make("ecdh-sha2-nistp256", server_context());
    require_kex_error([&] { run_kex(*client, *server); }, Reason::key_exchange_failed,
                      "does not verify");
}

TEST_CASE("the client refuses a bad host key signature or key type", "[kex]") {
    auto client = make("curve25519-sha256", client_context());
    auto server = make("curve25519-sha256", server_context());
    ssh::Bytes reply = message_to(*client, *server, false);
    reply.back() ^= 1;  // the signature is last
    require_kex_error([&] { (void)client->handle(reply); }, Reason::key_exchange_failed,
                      "ssh-ed25519 signature over the exchange hash does not verify");
    // The method is spent after a failure.
    CHECK_THROWS_AS(client->handle(reply), std::logic_error);

    // The server signs with Ed25519 but the client negotiated rsa-sha2-256.
    auto rsa_client = make("curve25519-sha256", client_context("rsa-sha2-256"));
    auto ed_server = make("curve25519-sha256", server_context("ssh-ed25519"));
    require_kex_error([&] { run_kex(*rsa_client, *ed_server); }, Reason::key_exchange_failed,
                      "server sent a ssh-ed25519 host key, but rsa-sha2-256 was negotiated");

    // A garbage host key blob.
    auto client3 = make("curve25519-sha256", client_context());
    auto server3 = make("curve25519-sha256", server_context());
    const ssh::Bytes good = message_to(*client3, *server3, false);
    ssh::Reader r("reply", good);
    r.byte("number");
    (void)r.string("K_S");
    const ssh::Bytes garbage = ssh::Writer{}
                                   .byte(31)
                                   .string(std::string_view("ssh-ed25519 but not a key"))
                                   .raw(r.rest())
                                   .take();
    require_kex_error([&] { (void)client3->handle(garbage); }, Reason::key_exchange_failed,
                      "server host key");
}

TEST_CASE("curve25519 refuses low-order peer values and wrong sizes", "[kex]") {
    for (const std::string_view name : {"curve25519-sha256", "curve25519-sha256@libssh.org"}) {
        INFO(name);
        // u = 0 and u = 1 are low-order points: the shared secret comes out all zero.
        for (const std::uint8_t low : {0, 1}) {
            ssh::Bytes point(32, 0);
            point[0] = low;  // little-endian u-coordinate
            auto server = make(name, server_context());
            REQUIRE_FALSE(server->start());
            require_kex_error([&] { (void)server->handle(with_string_value(30, point)); },
                              Reason::key_exchange_failed, "all-zero shared secret");

            auto client = make(name, client_context());
            REQUIRE(client->start());
            require_kex_error(
                [&] {
                    (void)client->handle(forged_reply(
                        31, ssh::Writer{}.string(ssh::ByteView(point)).take()));
                },
                Reason::key_exchange_failed, "all-zero shared secret");
        }
        for (const std::size_t size : {0, 31, 33, 65}) {
            auto server = make(name, server_context());
            REQUIRE_FALSE(server->start());
            require_kex_error(
                [&] { (void)server->handle(with_string_value(30, ssh::Bytes(size, 9))); },
                Reason::key_exchange_failed, "must be 32 bytes");
        }
    }
}

TEST_CASE("ECDH refuses points off the curve and other encodings", "[kex]") {
    for (const std::string_view name :
         {"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"}) {
        INFO(name);
        auto client = make(name, client_context());
        const ssh::Bytes init = *client->start();
        ssh::Reader r("init", init);
        r.byte("number");
        const ssh::ByteView q_view = r.string("Q_C");
        const ssh::Bytes q(q_view.begin(), q_view.end());

        ssh::Bytes off_curve = q;
        off_curve.back() ^= 1;  // y changes, x stays: not on the curve
        auto server = make(name, server_context());
        REQUIRE_FALSE(server->start());
        require_kex_error([&] { (void)server->handle(with_string_value(30, off_curve)); },
                          Reason::key_exchange_failed, "not a point on the curve");

        // Compressed form (02/03 || x), the lone 00 of the point at infinity, hybrid form, and
        // the right length with a wrong prefix.
        const std::size_t coordinate = (q.size() - 1) / 2;
        ssh::Bytes compressed(q.begin(), q.begin() + 1 + static_cast<std::ptrdiff_t>(coordinate));
        compressed[0] = static_cast<std::uint8_t>(0x02 | (q.back() & 1));
        ssh::Bytes hybrid = q;
        hybrid[0] = 0x06;
        for (const ssh::Bytes& bad : {compressed, ssh::Bytes{0}, hybrid, ssh::Bytes{}}) {
            auto s = make(name, server_context());
            REQUIRE_FALSE(s->start());
            require_kex_error([&] { (void)s->handle(with_string_value(30, bad)); },
                              Reason::key_exchange_failed, "uncompressed point");
        }

        // And in the client role.
        require_kex_error(
            [&] {
                (void)client->handle(
                    forged_reply(31, ssh::Writer{}.string(ssh::ByteView(off_curve)).take()));
            },
            Reason::key_exchange_failed, "not a point on the curve");
    }
}

TEST_CASE("fixed-group DH refuses e and f outside 2..p-2", "[kex]") {
    const struct {
        std::string_view name;
        std::size_t bits;
    } groups[] = {{"diffie-hellman-group14-sha256", 2048},
                  {"diffie-hellman-group16-sha512", 4096},
                  {"diffie-hellman-group1-sha1", 1024}};
    for (const auto& group : groups) {
        INFO(group.name);
        const Botan::BigInt p = modp(group.bits);
        for (const Botan::BigInt& e : {Botan::BigInt(1), p - 1, Botan::BigInt(0), p, p + 1}) {
            auto server = make(group.name, server_context());
            REQUIRE_FALSE(server->start());
            require_kex_error([&] { (void)server->handle(with_mpint_value(30, e)); },
                              Reason::key_exchange_failed, "e is outside 2..p-2");
        }
        auto negative = make(group.name, server_context());
        REQUIRE_FALSE(negative->start());
        require_kex_error([&] { (void)negative->handle(with_mpint_value(30, -Botan::BigInt(5))); },
                          Reason::key_exchange_failed, "outside 2..p-2");

        auto client = make(group.name, client_context());
        REQUIRE(client->start());
        require_kex_error(
            [&] { (void)client->handle(forged_reply(31, ssh::Writer{}.mpint(p - 1).take())); },
            Reason::key_exchange_failed, "f is outside 2..p-2");
    }
}

TEST_CASE("malformed and unexpected messages are protocol errors", "[kex]") {
    for (const ssh::KexMethodInfo& info : ssh::kex_methods()) {
        INFO(info.name);
        // The first message the server gets, with a byte too many, cut short, or misnumbered.
        {
            auto client = make(info.name, client_context());
            auto server = make(info.name, server_context());
            ssh::Bytes first = message_to(*client, *server, true);
            first.push_back(0);
            require_kex_error([&] { (void)server->handle(first); }, Reason::protocol_error,
                              "trailing bytes");
        }
        {
            auto client = make(info.name, client_context());
            auto server = make(info.name, server_context());
            ssh::Bytes first = message_to(*client, *server, true);
            REQUIRE_FALSE(first.empty());
            first.pop_back();
            require_kex_error([&] { (void)server->handle(first); }, Reason::protocol_error,
                              "invalid KEX");
        }
        {
            auto client = make(info.name, client_context());
            auto server = make(info.name, server_context());
            ssh::Bytes first = message_to(*client, *server, true);
            first[0] = 49;
            require_kex_error([&] { (void)server->handle(first); }, Reason::protocol_error,
                              "unexpected message 49");
            require_kex_error([&] { (void)client->handle(ssh::Bytes{}); },
                              Reason::protocol_error, "unexpected message (empty)");
        }
        // The last message the client gets, with a trailing byte.
        {
            auto client = make(info.name, client_context());
            auto server = make(info.name, server_context());
            const bool gex = info.name.find("group-exchange") != std::string_view::npos;
            ssh::Bytes reply = message_to(*client, *server, false, gex ? 1 : 0);
            reply.push_back(0);
            require_kex_error([&] { (void)client->handle(reply); }, Reason::protocol_error,
                              "trailing bytes");
        }
    }
}

TEST_CASE("methods refuse calls out of order", "[kex]") {
    auto client = make("curve25519-sha256", client_context());
    CHECK(client->expected_message() == 0);
    CHECK_THROWS_AS(client->handle(ssh::Bytes{31}), std::logic_error);
    CHECK_THROWS_AS(client->take_outcome(), std::logic_error);
    REQUIRE(client->start());
    CHECK_THROWS_AS(client->start(), std::logic_error);
    CHECK(client->expected_message() == 31);

    auto gex = make("diffie-hellman-group-exchange-sha256", server_context());
    CHECK_THROWS_AS(gex->take_outcome(), std::logic_error);
    REQUIRE_FALSE(gex->start());
    CHECK(gex->expected_message() == ssh::k_msg_kex_dh_gex_request);
}

TEST_CASE("make_kex_method checks its inputs", "[kex]") {
    CHECK_THROWS_AS(make("sntrup761x25519-sha512@openssh.com", client_context()),
                    std::invalid_argument);
    ssh::KexContext no_rng = client_context();
    no_rng.rng = nullptr;
    CHECK_THROWS_AS(make("curve25519-sha256", std::move(no_rng)), std::invalid_argument);
    CHECK_THROWS_AS(make("curve25519-sha256", client_context("ssh-dss")), std::invalid_argument);
    CHECK_THROWS_AS(make("curve25519-sha256", wharf::test::kex_context(ssh::KexRole::server)),
                    std::invalid_argument);
    ssh::KexContext small = client_context();
    small.gex_request = {1024, 2048, 8192};
    CHECK_THROWS_AS(make("diffie-hellman-group-exchange-sha256", std::move(small)),
                    std::invalid_argument);
    ssh::KexContext inverted = client_context();
    inverted.gex_request = {4096, 3072, 8192};
    CHECK_THROWS_AS(make("diffie-hellman-group-exchange-sha256", std::move(inverted)),
                    std::invalid_argument);
    ssh::KexContext bad_key = client_context();
    bad_key.test_ephemeral_private_key = ssh::SecretBytes(31, 1);
    CHECK_THROWS_AS(make("curve25519-sha256", std::move(bad_key)), std::invalid_argument);
    CHECK_THROWS_AS(ssh::make_host_key_signer(wharf::test::kex_host_key(ssh::KeyType::ed25519),
                                              "rsa-sha2-256", wharf::test::kex_rng()),
                    std::invalid_argument);
}

TEST_CASE("algorithm lists follow OpenSSH 9 order", "[kex]") {
    using Names = std::vector<std::string>;
    CHECK(ssh::default_kex_algorithms() ==
          Names{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
                "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
                "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"});
    const Names all = ssh::default_kex_algorithms({true, true, true});
    CHECK(all.size() == 12);
    CHECK(Names(all.end() - 3, all.end()) ==
          Names{"diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1",
                "diffie-hellman-group1-sha1"});
    ssh::LegacyKexAlgorithms only14;
    only14.group14_sha1 = true;
    CHECK(ssh::default_kex_algorithms(only14).back() == "diffie-hellman-group14-sha1");
    CHECK(ssh::default_kex_algorithms(only14).size() == 10);
    for (const auto& name : all) {
        CHECK(ssh::find_kex_method(name) != nullptr);
    }
    CHECK(ssh::kex_methods().size() == all.size());

    CHECK(ssh::default_host_key_algorithms() ==
          Names{"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"});
    CHECK(ssh::default_host_key_algorithms(true).back() == "ssh-rsa");

    CHECK(ssh::gex_preferred_bits(112) == 2048);
    CHECK(ssh::gex_preferred_bits(128) == 3072);
    CHECK(ssh::gex_preferred_bits(192) == 7680);
    CHECK(ssh::gex_preferred_bits(256) == 8192);
}

TEST_CASE("key derivation extends past one hash block consistently", "[kex]") {
    const ssh::Bytes k = ssh::Writer{}.string(std::string_view("K stand-in")).take();
    const ssh::Bytes h(32, 0x11);
    const ssh::Bytes session(32, 0x22);
    for (const std::string_view hash : {"SHA-1", "SHA-256", "SHA-512"}) {
        INFO(hash);
        const ssh::SecretBytes long_key = ssh::derive_key(hash, k, h, session, 'C', 150);
        REQUIRE(long_key.size() == 150);
        for (const std::size_t length : {0, 1, 16, 20, 32, 64, 65, 149}) {
            const ssh::SecretBytes key = ssh::derive_key(hash, k, h, session, 'C', length);
            CHECK(std::equal(key.begin(), key.end(), long_key.begin()));
        }
        CHECK(ssh::derive_key(hash, k, h, session, 'D', 32) !=
              ssh::derive_key(hash, k, h, session, 'C', 32));
        CHECK(ssh::derive_key(hash, k, h, h, 'C', 32) !=
              ssh::derive_key(hash, k, h, session, 'C', 32));
    }
    CHECK_THROWS_AS(ssh::derive_key("NO-SUCH-HASH", k, h, session, 'A', 16),
                    std::invalid_argument);
}

TEST_CASE("random bytes in any KEX message give a KexError, nothing else", "[kex]") {
    // The fuzzing invariant on a small scale: success or a protocol error, never a crash or
    // another exception. Every message position of every method and role gets random bodies.
    auto& rng = wharf::test::kex_rng();
    for (const ssh::KexMethodInfo& info : ssh::kex_methods()) {
        INFO(info.name);
        const bool gex = info.name.find("group-exchange") != std::string_view::npos;
        for (int position = 0; position < (gex ? 4 : 2); ++position) {
            const bool to_server = position % 2 == 0;
            for (int round = 0; round < 10; ++round) {
                auto client = make(info.name, client_context());
                auto server = make(info.name, server_context());
                const ssh::Bytes real = message_to(*client, *server, to_server, position / 2);
                ssh::Bytes noise(rng.next_byte() % 2 == 0 ? real.size() : rng.next_byte());
                rng.randomize(noise.data(), noise.size());
                if (!noise.empty()) {
                    noise[0] = real[0];
                    if (noise.size() > 4 && rng.next_byte() % 2 == 0) {
                        noise[1] = noise[2] = 0;  // plausible lengths get further in
                    }
                }
                ssh::KexMethod& receiver = to_server ? *server : *client;
                try {
                    (void)receiver.handle(noise);
                } catch (const ssh::KexError&) {
                }
            }
        }
    }
}
