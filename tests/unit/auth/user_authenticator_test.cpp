// The daemon's SSH authentication policy: chains, keys with options, addresses, limits, and
// answers that do not reveal whether a user exists.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>

#include "config/loader.hpp"
#include "daemon/auth/user_authenticator.hpp"
#include "protocols/ssh/key.hpp"
#include "support/temp_dir.hpp"

using wharf::auth::SessionCounter;
using wharf::auth::UserAuthenticator;
using wharf::ssh::AuthDecision;
using wharf::ssh::AuthRequest;
using Outcome = AuthDecision::Outcome;
using Method = AuthRequest::Method;

namespace {

const wharf::ssh::PrivateKey& alice_key() {
    static const wharf::ssh::PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return wharf::ssh::PrivateKey::generate(wharf::ssh::KeyType::ed25519, rng);
    }();
    return key;
}

const wharf::ssh::PrivateKey& other_key() {
    static const wharf::ssh::PrivateKey key = [] {
        Botan::AutoSeeded_RNG rng;
        return wharf::ssh::PrivateKey::generate(wharf::ssh::KeyType::ecdsa_p256, rng);
    }();
    return key;
}

constexpr const char* hash = "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

std::shared_ptr<const wharf::config::Config> make_config(const wharf::test::TempDir& dir) {
    dir.mkdir("r");
    const std::string key_line = alice_key().public_key().to_openssh("alice");
    const std::string other_line = other_key().public_key().to_openssh("restricted");
    const std::string yaml = std::string("users:\n") +
        "  - name: alice\n    root: r\n    password: \"" + hash + "\"\n    authorized_keys: [\"" + key_line + "\", " +
        "\"from=\\\"10.0.0.0/8\\\" " + other_line + "\"]\n    auth_methods: [publickey+password]\n    max_sessions: 1\n" +
        "  - name: bob\n    root: r\n    password: \"" + hash + "\"\n    allowed_ips: [192.168.0.0/16]\n" +
        "  - name: carol\n    root: r\n    password: \"" + hash + "\"\n    disabled: true\n";
    return wharf::config::load_text(yaml, "t.yaml", dir.path());
}

AuthRequest request(const std::string& user, Method method) {
    AuthRequest r;
    r.user = user;
    r.method = method;
    return r;
}

AuthRequest key_request(const std::string& user, const wharf::ssh::PrivateKey& key, bool signed_request) {
    auto r = request(user, Method::publickey);
    r.public_key_algorithm = std::string(key.public_key().type_name());
    r.public_key_blob = key.public_key().blob();
    r.has_signature = signed_request;
    return r;
}

}  // namespace

TEST_CASE("a publickey+password chain needs both, in either order", "[auth][policy]") {
    wharf::test::TempDir dir;
    const auto config = make_config(dir);
    SessionCounter sessions;
    UserAuthenticator auth(config, "127.0.0.1", sessions);
    const auto none = auth.decide(request("alice", Method::none), false);
    CHECK(none.outcome == Outcome::reject);
    CHECK(none.methods_that_can_continue == std::vector<std::string>{"publickey", "password", "keyboard-interactive"});
    CHECK(auth.decide(key_request("alice", alice_key(), false), false).outcome == Outcome::accept);  // PK_OK
    const auto after_key = auth.decide(key_request("alice", alice_key(), true), false);
    CHECK(after_key.outcome == Outcome::partial);
    CHECK(after_key.methods_that_can_continue == std::vector<std::string>{"password"});
    // keyboard-interactive is in no chain of alice's.
    CHECK(auth.decide(request("alice", Method::keyboard_interactive), false).outcome == Outcome::reject);
    CHECK(auth.decide(request("alice", Method::password), false).outcome == Outcome::reject);
    const auto done = auth.decide(request("alice", Method::password), true);
    CHECK(done.outcome == Outcome::accept);
    CHECK(done.reason == "password+publickey");
    CHECK(auth.authenticated_user() == "alice");
    CHECK(sessions.count("alice") == 1);

    // max_sessions: 1 — a second connection completes the chain but is refused.
    UserAuthenticator second(config, "127.0.0.1", sessions);
    CHECK(second.decide(request("alice", Method::password), true).outcome == Outcome::partial);
    const auto refused = second.decide(key_request("alice", alice_key(), true), false);
    CHECK(refused.outcome == Outcome::reject);
    CHECK(refused.reason == "max_sessions reached");
}

TEST_CASE("sessions are released when the connection's authenticator goes", "[auth][policy]") {
    wharf::test::TempDir dir;
    const auto config = make_config(dir);
    SessionCounter sessions;
    {
        UserAuthenticator auth(config, "192.168.1.5", sessions);
        CHECK(auth.decide(request("bob", Method::password), true).outcome == Outcome::accept);
        CHECK(sessions.count("bob") == 1);
    }
    CHECK(sessions.count("bob") == 0);
}

TEST_CASE("key options, addresses and disabled accounts", "[auth][policy]") {
    wharf::test::TempDir dir;
    const auto config = make_config(dir);
    SessionCounter sessions;
    UserAuthenticator local(config, "127.0.0.1", sessions);
    const auto wrong_source = local.decide(key_request("alice", other_key(), false), false);
    CHECK(wrong_source.outcome == Outcome::reject);
    CHECK(wrong_source.reason == "key not allowed from 127.0.0.1");
    UserAuthenticator inside(config, "10.1.2.3", sessions);
    CHECK(inside.decide(key_request("alice", other_key(), false), false).outcome == Outcome::accept);

    const auto bob_outside = local.decide(request("bob", Method::password), true);
    CHECK(bob_outside.outcome == Outcome::reject);
    CHECK(bob_outside.reason == "address 127.0.0.1 not allowed");
    CHECK(local.decide(request("carol", Method::password), true).reason == "account disabled");
}

TEST_CASE("unknown users get the same answers as real ones", "[auth][policy]") {
    wharf::test::TempDir dir;
    const auto config = make_config(dir);
    SessionCounter sessions;
    UserAuthenticator auth(config, "192.168.1.5", sessions);
    const auto ghost = auth.decide(request("ghost", Method::none), false);
    CHECK(ghost.methods_that_can_continue == std::vector<std::string>{"publickey", "password", "keyboard-interactive"});
    const auto bob = auth.decide(request("bob", Method::none), false);
    CHECK(bob.methods_that_can_continue == ghost.methods_that_can_continue);
    // keyboard-interactive prompts alike; the hash to check is empty, so the caller runs a dummy.
    CHECK(auth.decide(request("ghost", Method::keyboard_interactive), false).outcome == Outcome::prompt);
    CHECK(auth.decide(request("bob", Method::keyboard_interactive), false).outcome == Outcome::prompt);
    CHECK(auth.password_hash_to_check(request("ghost", Method::password)) == std::string());
    CHECK(auth.password_hash_to_check(request("bob", Method::password)) == std::string(hash));
    CHECK_FALSE(auth.password_hash_to_check(request("bob", Method::publickey)));
    CHECK(auth.decide(request("ghost", Method::password), true).outcome == Outcome::reject);
}
