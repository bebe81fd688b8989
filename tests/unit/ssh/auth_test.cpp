// ServerAuth and ClientAuth against each other in memory (a recorder per side shuttling payloads,
// a scripted driver deciding per user, a virtual clock and a step bound), plus a raw client for
// what a well-behaved ClientAuth never sends: forged signatures, odd services, garbage.
#include "protocols/ssh/auth_client.hpp"
#include "protocols/ssh/auth_server.hpp"
#include "protocols/ssh/signature.hpp"

#include <botan/auto_rng.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ssh = wharf::ssh;

namespace {

using std::chrono::milliseconds;

Botan::AutoSeeded_RNG& rng() {
    static Botan::AutoSeeded_RNG instance;
    return instance;
}

struct TestKeys {
    ssh::PrivateKey ed25519, p256, p384, p521, rsa, stranger;
};

// Built in the initializer, so Botan's locked allocator exists before this static does and
// is destroyed after it.
const TestKeys& keys() {
    static const TestKeys instance = [] {
        auto& r = rng();
        return TestKeys{ssh::PrivateKey::generate(ssh::KeyType::ed25519, r),
                        ssh::PrivateKey::generate(ssh::KeyType::ecdsa_p256, r),
                        ssh::PrivateKey::generate(ssh::KeyType::ecdsa_p384, r),
                        ssh::PrivateKey::generate(ssh::KeyType::ecdsa_p521, r),
                        ssh::PrivateKey::generate(ssh::KeyType::rsa, r, 2048),
                        ssh::PrivateKey::generate(ssh::KeyType::ed25519, r)};
    }();
    return instance;
}

const ssh::Bytes& session_id() {
    static const ssh::Bytes id(32, 0x5a);
    return id;
}

const ssh::TimePoint t0{std::chrono::seconds(1000)};

template <class T, class Events>
std::vector<T> events_of(const Events& events) {
    std::vector<T> out;
    for (const auto& event : events) {
        if (const auto* e = std::get_if<T>(&event)) out.push_back(*e);
    }
    return out;
}

// ---- the fake LayerOutput and the scripted driver ------------------------------------------

struct Recorder final : ssh::LayerOutput {
    std::deque<ssh::Bytes> sent;
    std::deque<ssh::Event> events;
    void send(ssh::Bytes payload) override { sent.push_back(std::move(payload)); }
    void emit(ssh::Event event) override { events.push_back(std::move(event)); }

    std::vector<std::uint8_t> numbers() const {
        std::vector<std::uint8_t> out;
        for (const auto& payload : sent) out.push_back(payload.at(0));
        return out;
    }
};

struct Account {
    std::string password;
    std::vector<ssh::Bytes> keys;              // authorized key blobs
    std::string otp;                           // keyboard-interactive: a second round asks for it
    std::vector<std::string> required;         // all must pass; empty: any one method will do
};

const std::vector<std::string> k_all_methods{"publickey", "keyboard-interactive", "password"};

// The daemon's part: per-user policy, mapped to accept / partial / reject / prompt.
class ScriptedDriver {
public:
    std::map<std::string, Account> accounts;
    std::vector<ssh::AuthRequest> seen;

    ssh::AuthDecision decide(const ssh::AuthRequest& r) {
        seen.push_back(r);
        const auto it = accounts.find(r.user);
        // Unknown users get the same list as everyone, and never get in (RFC 4252 §5).
        if (it == accounts.end()) {
            if (r.method == ssh::AuthRequest::Method::keyboard_interactive && r.responses.empty()) {
                return ssh::AuthDecision::prompt({{"Password: ", false}});
            }
            return ssh::AuthDecision::reject(k_all_methods, "unknown user");
        }
        const Account& account = it->second;
        using M = ssh::AuthRequest::Method;
        switch (r.method) {
        case M::none:
            return ssh::AuthDecision::reject(remaining(r.user, account));
        case M::password:
            if (r.password == account.password) return pass(r.user, account, "password");
            return ssh::AuthDecision::reject(remaining(r.user, account), "bad password");
        case M::publickey: {
            const bool known =
                std::find(account.keys.begin(), account.keys.end(), r.public_key_blob) != account.keys.end();
            if (!known) return ssh::AuthDecision::reject(remaining(r.user, account), "unknown key");
            return r.has_signature ? pass(r.user, account, "publickey") : ssh::AuthDecision::accept();
        }
        case M::keyboard_interactive: {
            int& round = m_round[r.user];
            if (r.responses.empty()) {
                round = 1;
                return ssh::AuthDecision::prompt({{"Password: ", false}}, "round 1");
            }
            if (round == 1 && r.responses.at(0) == account.password) {
                if (account.otp.empty()) return pass(r.user, account, "keyboard-interactive");
                round = 2;
                return ssh::AuthDecision::prompt({{"Code: ", true}, {"PIN: ", false}}, "round 2");
            }
            if (round == 2 && r.responses.at(0) == account.otp && r.responses.at(1) == "1234") {
                return pass(r.user, account, "keyboard-interactive");
            }
            return ssh::AuthDecision::reject(remaining(r.user, account), "bad answer");
        }
        }
        return ssh::AuthDecision::reject({});
    }

private:
    std::vector<std::string> remaining(const std::string& user, const Account& account) const {
        if (account.required.empty()) return k_all_methods;
        std::vector<std::string> out;
        for (const auto& method : account.required) {
            if (!m_passed.count(user + "/" + method)) out.push_back(method);
        }
        return out;
    }
    ssh::AuthDecision pass(const std::string& user, const Account& account, const std::string& method) {
        m_passed.insert(user + "/" + method);
        const auto left = remaining(user, account);
        if (account.required.empty() || left.empty()) return ssh::AuthDecision::accept();
        return ssh::AuthDecision::partial(left);
    }
    std::set<std::string> m_passed;
    std::map<std::string, int> m_round;
};

ScriptedDriver standard_driver() {
    ScriptedDriver driver;
    const auto& k = keys();
    driver.accounts["alice"] = {"secret", {k.ed25519.public_key().blob(), k.p256.public_key().blob(),
                                           k.p384.public_key().blob(), k.p521.public_key().blob(),
                                           k.rsa.public_key().blob()}, "", {}};
    driver.accounts["carol"] = {"hunter2", {k.ed25519.public_key().blob()}, "", {"publickey", "password"}};
    driver.accounts["dave"] = {"pw", {}, "777", {}};
    return driver;
}

// Both layers, shuttled in memory. Decisions are immediate; time only moves when nothing else
// can happen and a failure is held (quinn's Pair: jump to the next wakeup).
struct Pair {
    Recorder server_out, client_out;
    ScriptedDriver driver = standard_driver();
    ssh::ServerAuth server;
    ssh::ClientAuth client;
    ssh::TimePoint now = t0;
    std::deque<std::vector<std::string>> prompt_answers;
    std::vector<std::uint8_t> transcript;  // server -> client message numbers
    std::vector<ssh::Event> server_events, client_events;
    std::optional<ssh::ProtocolError> server_error, client_error;

    Pair(ssh::ServerAuthConfig server_config, ssh::ClientAuthConfig client_config, bool ext_info = true)
        : server(std::move(server_config), session_id(), server_out),
          client(std::move(client_config), session_id(), client_out, rng()) {
        if (ext_info) client.on_ext_info(server.server_sig_algs_ext_info());
    }

    bool failed() const { return server_error || client_error; }

    // Records a ProtocolError as the engine would turn it into DISCONNECT; anything else escapes.
    template <class F>
    static void guarded(std::optional<ssh::ProtocolError>& error, F&& step) {
        try {
            step();
        } catch (const ssh::ProtocolError& e) {
            error = e;
        }
    }

    template <class Queue, class F>
    bool drain(Queue& queue, F&& each) {
        const bool any = !queue.empty();
        while (!queue.empty() && !failed()) {
            auto item = std::move(queue.front());
            queue.pop_front();
            each(item);
        }
        return any;
    }

    void drive(int max_steps = 200) {
        client.start(now);
        for (int step = 0; step < max_steps && !failed(); ++step) {
            bool progress = drain(client_out.sent, [&](const ssh::Bytes& p) {
                guarded(server_error, [&] { server.handle(p, now); });
            });
            progress |= drain(server_out.sent, [&](const ssh::Bytes& p) {
                transcript.push_back(p.at(0));
                guarded(client_error, [&] { client.handle(p, now); });
            });
            progress |= drain(server_out.events, [&](const ssh::Event& event) {
                server_events.push_back(event);
                if (const auto* r = std::get_if<ssh::AuthRequest>(&event)) {
                    guarded(server_error, [&] { server.decide(r->id, driver.decide(*r), now); });
                }
            });
            progress |= drain(client_out.events, [&](const ssh::Event& event) {
                client_events.push_back(event);
                if (std::holds_alternative<ssh::PromptsReceived>(event)) {
                    REQUIRE(!prompt_answers.empty());
                    client.answer_prompts(prompt_answers.front(), now);
                    prompt_answers.pop_front();
                }
            });
            if (progress) continue;
            const auto deadline = server.next_deadline();
            if (!deadline) return;  // quiescent: done, or stuck (the test's checks tell which)
            REQUIRE(*deadline >= now);
            now = *deadline;
            guarded(server_error, [&] { server.on_timeout(now); });
        }
        if (!failed()) FAIL("no quiescence within the step bound");
    }
};

ssh::ClientAuthConfig client_config(std::string user, std::optional<std::string> password,
                                    std::vector<ssh::PrivateKey> client_keys = {}, bool kbd = false) {
    return {std::move(user), std::move(password), std::move(client_keys), kbd};
}

// ---- raw messages -----------------------------------------------------------------------------

ssh::Bytes service_request(std::string name) { return ssh::ServiceRequest{std::move(name)}.encode(); }

ssh::Bytes userauth(std::string user, std::string method, ssh::Bytes data = {},
                    std::string service = "ssh-connection") {
    return ssh::UserauthRequest{std::move(user), std::move(service), std::move(method), std::move(data)}.encode();
}

// Empty language tag and submethods (RFC 4256 §3.1).
ssh::Bytes kbd_request(std::string user) {
    const std::string_view empty;
    return userauth(std::move(user), "keyboard-interactive", ssh::Writer{}.string(empty).string(empty).take());
}

ssh::Bytes password_request(std::string user, std::string_view password) {
    return userauth(std::move(user), "password", ssh::Writer{}.boolean(false).string(password).take());
}

// A signed publickey request for `key` under `algorithm`, signed by `signer` with `sign_algorithm`
// over data built from `signed_session` (forgeries vary one of them).
ssh::Bytes signed_publickey(const std::string& user, const ssh::PrivateKey& key, const std::string& algorithm,
                            const ssh::PrivateKey& signer, const std::string& sign_algorithm,
                            const ssh::Bytes& signed_session = session_id()) {
    const auto& blob = key.public_key().blob();
    const auto data = ssh::publickey_signed_data(signed_session, user, "ssh-connection", algorithm, blob);
    const auto signature = ssh::sign(signer, sign_algorithm, data, rng());
    return userauth(user, "publickey",
                    ssh::Writer{}.boolean(true).string(algorithm).string(blob).string(signature).take());
}

// A ServerAuth past SERVICE_REQUEST, with its output recorded.
struct RawServer {
    Recorder out;
    ssh::ServerAuth auth;
    explicit RawServer(ssh::ServerAuthConfig config = {}) : auth(std::move(config), session_id(), out) {
        auth.handle(service_request("ssh-userauth"), t0);
        REQUIRE(out.numbers() == std::vector<std::uint8_t>{ssh::msg::service_accept});
        out.sent.clear();
    }
    // The next AuthRequest; the informational events before it are dropped.
    ssh::AuthRequest take_request() {
        while (!out.events.empty()) {
            auto event = std::move(out.events.front());
            out.events.pop_front();
            if (auto* request = std::get_if<ssh::AuthRequest>(&event)) return std::move(*request);
        }
        FAIL("no AuthRequest");
        return {};
    }
};

ssh::DisconnectReason reason_of(const std::function<void()>& step) {
    try {
        step();
    } catch (const ssh::ProtocolError& e) {
        return e.reason();
    }
    FAIL("no ProtocolError");
    return ssh::DisconnectReason::reserved;
}

}  // namespace

// ---- the pair ---------------------------------------------------------------------------------

TEST_CASE("password: right one succeeds, wrong one runs out of methods", "[auth]") {
    SECTION("right") {
        Pair pair({}, client_config("alice", "secret"));
        pair.drive();
        REQUIRE(pair.client.authenticated());
        REQUIRE(pair.server.authenticated());
        REQUIRE(pair.server.user() == "alice");
        const auto ok = events_of<ssh::AuthSucceeded>(pair.server_events);
        REQUIRE(ok.size() == 1);
        CHECK(ok[0].methods == "password");
        CHECK(events_of<ssh::AuthSucceeded>(pair.client_events).at(0).methods == "password");
        CHECK(pair.transcript.back() == ssh::msg::userauth_success);
    }
    SECTION("wrong") {
        Pair pair({}, client_config("alice", "guess"));
        pair.drive();
        REQUIRE_FALSE(pair.server.authenticated());
        REQUIRE(pair.client_error);
        CHECK(pair.client_error->reason() == ssh::DisconnectReason::no_more_auth_methods_available);
        CHECK_THAT(std::string(pair.client_error->what()), Catch::Contains("alice") && Catch::Contains("password"));
        const auto failed = events_of<ssh::AuthFailed>(pair.server_events);
        REQUIRE(failed.size() == 1);
        CHECK(failed[0].method == "password");
        CHECK(failed[0].reason == "bad password");
        CHECK(pair.server.failed_attempts() == 1);
    }
}

TEST_CASE("publickey: query, PK_OK, signed request for every key type", "[auth]") {
    const auto& k = keys();
    for (const auto* key : {&k.ed25519, &k.p256, &k.p384, &k.p521, &k.rsa}) {
        INFO(key->public_key().type_name());
        Pair pair({}, client_config("alice", std::nullopt, {*key}));
        pair.drive();
        REQUIRE(pair.client.authenticated());
        REQUIRE(pair.driver.seen.size() == 3);  // none, query, signed
        CHECK_FALSE(pair.driver.seen[1].has_signature);
        CHECK(pair.driver.seen[2].has_signature);
        CHECK(pair.driver.seen[2].public_key_blob == key->public_key().blob());
        const std::string expected =
            key->type() == ssh::KeyType::rsa ? "rsa-sha2-512" : std::string(key->public_key().type_name());
        CHECK(pair.driver.seen[2].public_key_algorithm == expected);
        CHECK(std::count(pair.transcript.begin(), pair.transcript.end(), ssh::msg::userauth_pk_ok) == 1);
    }
}

TEST_CASE("publickey: the RSA algorithm follows server-sig-algs", "[auth]") {
    SECTION("rsa-sha2-256 only") {
        ssh::ServerAuthConfig config;
        config.publickey_algorithms = {"ssh-ed25519", "rsa-sha2-256"};
        Pair pair(config, client_config("alice", std::nullopt, {keys().rsa}));
        pair.drive();
        REQUIRE(pair.client.authenticated());
        CHECK(pair.driver.seen.back().public_key_algorithm == "rsa-sha2-256");
    }
    SECTION("no EXT_INFO: ssh-rsa, which only a server allowing SHA-1 takes") {
        ssh::ServerAuthConfig legacy;
        legacy.publickey_algorithms = {"ssh-rsa"};
        Pair allowing(legacy, client_config("alice", std::nullopt, {keys().rsa}), false);
        allowing.drive();
        REQUIRE(allowing.client.authenticated());
        CHECK(allowing.driver.seen.back().public_key_algorithm == "ssh-rsa");

        Pair refusing({}, client_config("alice", std::nullopt, {keys().rsa}), false);
        refusing.drive();
        CHECK_FALSE(refusing.server.authenticated());
        CHECK(refusing.driver.seen.size() == 1);  // only "none": ssh-rsa is refused before the driver
        REQUIRE(refusing.client_error);
    }
    SECTION("server-sig-algs text") {
        const RawServer server;
        const auto info = server.auth.server_sig_algs_ext_info();
        REQUIRE(info.extensions.size() == 1);
        CHECK(info.extensions[0].first == "server-sig-algs");
        CHECK(info.extensions[0].second ==
              "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256");
    }
}

TEST_CASE("publickey: forged or mismatched signatures never reach the driver", "[auth]") {
    const auto& k = keys();
    const ssh::Bytes other_session(32, 0x11);
    const std::string_view k_ed25519 = "ssh-ed25519", k_not_a_key = "not a key";
    struct Forgery {
        const char* name;
        ssh::Bytes payload;
    };
    const std::vector<Forgery> forgeries{
        {"signed by another key", signed_publickey("alice", k.ed25519, "ssh-ed25519", k.stranger, "ssh-ed25519")},
        {"another session",
         signed_publickey("alice", k.ed25519, "ssh-ed25519", k.ed25519, "ssh-ed25519", other_session)},
        {"rsa-sha2-256 signature declared rsa-sha2-512",
         signed_publickey("alice", k.rsa, "rsa-sha2-512", k.rsa, "rsa-sha2-256")},
        {"algorithm of another key type", signed_publickey("alice", k.p256, "ssh-ed25519", k.ed25519, "ssh-ed25519")},
        {"algorithm not allowed", signed_publickey("alice", k.rsa, "ssh-rsa", k.rsa, "ssh-rsa")},
        {"garbage key blob",
         userauth("alice", "publickey",
                  ssh::Writer{}.boolean(true).string(k_ed25519).string(k_not_a_key).string(k_not_a_key).take())},
    };
    for (const auto& forgery : forgeries) {
        INFO(forgery.name);
        RawServer server;
        server.auth.handle(forgery.payload, t0);
        CHECK(events_of<ssh::AuthRequest>(server.out.events).empty());
        CHECK(server.auth.failed_attempts() == 1);
        REQUIRE(server.auth.next_deadline() == t0 + milliseconds(300));
        server.auth.on_timeout(t0 + milliseconds(300));
        CHECK(server.out.numbers() == std::vector<std::uint8_t>{ssh::msg::userauth_failure});
        CHECK_FALSE(server.auth.authenticated());
    }
    // The genuine article passes the same checks and goes to the driver.
    RawServer server;
    server.auth.handle(signed_publickey("alice", k.rsa, "rsa-sha2-512", k.rsa, "rsa-sha2-512"), t0);
    CHECK(server.take_request().has_signature);
}

TEST_CASE("keyboard-interactive: two rounds, with and without the password answered for us", "[auth]") {
    SECTION("password configured: round 1 answered automatically") {
        Pair pair({}, client_config("dave", "pw", {}, true));
        pair.prompt_answers.push_back({"777", "1234"});
        pair.drive();
        REQUIRE(pair.client.authenticated());
        const auto prompts = events_of<ssh::PromptsReceived>(pair.client_events);
        REQUIRE(prompts.size() == 1);
        CHECK(prompts[0].instruction == "round 2");
        CHECK(prompts[0].prompts == std::vector<std::pair<std::string, bool>>{{"Code: ", true}, {"PIN: ", false}});
    }
    SECTION("no password: both rounds go to the driver") {
        Pair pair({}, client_config("dave", std::nullopt, {}, true));
        pair.prompt_answers = {{"pw"}, {"777", "1234"}};
        pair.drive();
        REQUIRE(pair.client.authenticated());
        CHECK(events_of<ssh::PromptsReceived>(pair.client_events).size() == 2);
        CHECK(events_of<ssh::AuthSucceeded>(pair.server_events).at(0).methods == "keyboard-interactive");
    }
    SECTION("wrong code fails and counts") {
        Pair pair({}, client_config("dave", std::nullopt, {}, true));
        pair.prompt_answers = {{"pw"}, {"000", "1234"}};
        pair.drive();
        REQUIRE(pair.client_error);
        CHECK(pair.server.failed_attempts() == 1);
    }
}

TEST_CASE("chain: publickey then password through partial success", "[auth]") {
    Pair pair({}, client_config("carol", "hunter2", {keys().p256, keys().ed25519}));
    pair.drive();
    REQUIRE(pair.client.authenticated());
    const auto rejected = events_of<ssh::AuthRejected>(pair.client_events);
    REQUIRE(std::any_of(rejected.begin(), rejected.end(), [](const auto& r) {
        return r.partial_success && r.methods == std::vector<std::string>{"password"};
    }));
    CHECK(events_of<ssh::AuthSucceeded>(pair.server_events).at(0).methods == "publickey+password");
    CHECK(events_of<ssh::AuthSucceeded>(pair.client_events).at(0).methods == "publickey+password");
    const auto failed = events_of<ssh::AuthFailed>(pair.server_events);
    REQUIRE(failed.size() == 1);  // the partial success; the refused p256 query is no attempt
    CHECK(failed[0].partial_success);
    CHECK(pair.server.failed_attempts() == 0);
}

TEST_CASE("banner: sent once, before the first answer", "[auth]") {
    ssh::ServerAuthConfig config;
    config.banner = "Authorized use only\r\n";
    Pair pair(config, client_config("alice", "secret", {keys().stranger}));
    pair.drive();
    REQUIRE(pair.client.authenticated());
    const auto& numbers = pair.transcript;
    REQUIRE(numbers.size() >= 3);
    CHECK(numbers[0] == ssh::msg::service_accept);
    CHECK(numbers[1] == ssh::msg::userauth_banner);
    CHECK(std::count(numbers.begin(), numbers.end(), ssh::msg::userauth_banner) == 1);
    const auto banners = events_of<ssh::BannerReceived>(pair.client_events);
    REQUIRE(banners.size() == 1);
    CHECK(banners[0].message == "Authorized use only\r\n");
}

TEST_CASE("failure delay: held to the deadline, the same for unknown users", "[auth]") {
    for (const std::string user : {"alice", "nobody"}) {
        INFO(user);
        RawServer server;
        ScriptedDriver driver = standard_driver();
        // "none" is answered at once.
        server.auth.handle(userauth(user, "none"), t0);
        const auto none = server.take_request();
        server.auth.decide(none.id, driver.decide(none), t0);
        CHECK(server.out.numbers() == std::vector<std::uint8_t>{ssh::msg::userauth_failure});
        CHECK_FALSE(server.auth.next_deadline());
        server.out.sent.clear();

        const auto arrival = t0 + milliseconds(1000);
        server.auth.handle(password_request(user, "wrong"), arrival);
        const auto request = server.take_request();
        CHECK(request.password == "wrong");
        server.auth.decide(request.id, driver.decide(request), arrival + milliseconds(5));
        CHECK(server.out.sent.empty());
        REQUIRE(server.auth.next_deadline() == arrival + milliseconds(300));
        server.auth.on_timeout(arrival + milliseconds(299));
        CHECK(server.out.sent.empty());
        server.auth.on_timeout(arrival + milliseconds(300));
        CHECK(server.out.numbers() == std::vector<std::uint8_t>{ssh::msg::userauth_failure});
        CHECK_FALSE(server.auth.next_deadline());
        server.out.sent.clear();

        // A decision later than the deadline goes out at once.
        server.auth.handle(password_request(user, "wrong again"), arrival + milliseconds(2000));
        const auto slow = server.take_request();
        server.auth.decide(slow.id, driver.decide(slow), arrival + milliseconds(2500));
        CHECK(server.out.numbers() == std::vector<std::uint8_t>{ssh::msg::userauth_failure});
    }
}

TEST_CASE("max attempts end the session with NO_MORE_AUTH_METHODS_AVAILABLE", "[auth]") {
    ssh::ServerAuthConfig config;
    config.max_attempts = 3;
    RawServer server(config);
    ScriptedDriver driver = standard_driver();
    auto now = t0;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        server.auth.handle(password_request("alice", "wrong"), now);
        const auto request = server.take_request();
        server.auth.decide(request.id, driver.decide(request), now);
        now += milliseconds(300);
        if (attempt < 3) {
            server.auth.on_timeout(now);
        } else {
            CHECK(reason_of([&] { server.auth.on_timeout(now); }) ==
                  ssh::DisconnectReason::no_more_auth_methods_available);
        }
    }
    CHECK(server.out.numbers() == std::vector<std::uint8_t>(2, ssh::msg::userauth_failure));
    CHECK(server.auth.failed_attempts() == 3);
    CHECK(events_of<ssh::AuthFailed>(server.out.events).size() == 1);  // take_request() dropped the others
}

TEST_CASE("layer-decided failures: unknown method, password change, count mismatch", "[auth]") {
    RawServer server;
    server.auth.handle(userauth("alice", "hostbased", ssh::Bytes{1, 2, 3}), t0);
    CHECK(server.out.events.size() == 1);  // AuthFailed only: the driver is not asked
    CHECK(events_of<ssh::AuthFailed>(server.out.events).at(0).method == "hostbased");
    server.auth.on_timeout(t0 + milliseconds(300));
    REQUIRE(server.out.sent.size() == 1);
    const auto failure = ssh::UserauthFailure::decode(server.out.sent.back());
    CHECK(failure.methods_that_can_continue == k_all_methods);
    CHECK_FALSE(failure.partial_success);

    const auto later = t0 + milliseconds(1000);
    server.auth.handle(userauth("alice", "password", ssh::Writer{}.boolean(true).string(std::string_view("old"))
                                                         .string(std::string_view("new")).take()), later);
    CHECK(events_of<ssh::AuthRequest>(server.out.events).empty());
    CHECK(server.auth.failed_attempts() == 2);

    // keyboard-interactive: two prompts, one response.
    server.auth.on_timeout(later + milliseconds(300));
    server.auth.handle(kbd_request("alice"), later + milliseconds(400));
    const auto kbd = server.take_request();
    server.auth.decide(kbd.id, ssh::AuthDecision::prompt({{"A: ", true}, {"B: ", false}}), later + milliseconds(400));
    CHECK(ssh::UserauthInfoRequest::decode(server.out.sent.back()).prompts.size() == 2);
    server.auth.handle(ssh::UserauthInfoResponse{{"only one"}}.encode(), later + milliseconds(500));
    CHECK(server.auth.failed_attempts() == 3);
    CHECK(server.auth.next_deadline() == later + milliseconds(800));
}

TEST_CASE("wrong service, bad user names, user changes and stray messages end the session", "[auth]") {
    using R = ssh::DisconnectReason;
    const auto none = [](std::string user, std::string service = "ssh-connection") {
        return userauth(std::move(user), "none", {}, std::move(service));
    };
    const auto open = service_request("ssh-userauth");
    struct Case {
        const char* name;
        std::vector<ssh::Bytes> input;
        R reason;
    };
    const std::vector<Case> cases{
        {"SERVICE_REQUEST ssh-connection", {service_request("ssh-connection")}, R::service_not_available},
        {"USERAUTH_REQUEST before SERVICE_REQUEST", {none("alice")}, R::protocol_error},
        {"second SERVICE_REQUEST", {open, open}, R::protocol_error},
        {"service other than ssh-connection", {open, none("alice", "ssh-sftp")}, R::service_not_available},
        {"257-byte user name", {open, none(std::string(257, 'u'))}, R::illegal_user_name},
        {"empty user name", {open, none("")}, R::illegal_user_name},
        {"control character", {open, none("ali\nce")}, R::illegal_user_name},
        {"not UTF-8", {open, none("\xc3\x28")}, R::illegal_user_name},
        {"user changes", {open, none("alice"), none("bob")}, R::protocol_error},
        {"server-to-client message", {open, ssh::UserauthSuccess{}.encode()}, R::protocol_error},
        {"INFO_RESPONSE out of turn", {open, ssh::UserauthInfoResponse{}.encode()}, R::protocol_error},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        Recorder out;
        ssh::ServerAuth auth({}, session_id(), out);
        CHECK(reason_of([&] {
                  for (const auto& payload : c.input) auth.handle(payload, t0);
              }) == c.reason);
    }
    ssh::ServerAuthConfig tight;
    tight.max_user_name_length = 64;
    RawServer server(tight);
    CHECK(reason_of([&] { server.auth.handle(none(std::string(65, 'u')), t0); }) == R::illegal_user_name);
    tight.max_user_name_length = 300;
    CHECK_THROWS_AS(ssh::ServerAuth(tight, session_id(), server.out), std::invalid_argument);
}

TEST_CASE("decisions: unknown ids ignored, one request at a time, nothing after success", "[auth]") {
    RawServer server;
    server.auth.handle(userauth("alice", "none"), t0);
    const auto first = server.take_request();
    server.auth.decide(first.id + 100, ssh::AuthDecision::accept(), t0);
    CHECK(server.out.sent.empty());
    CHECK_FALSE(server.auth.authenticated());

    // Pipelined: the second request waits until the first is answered.
    server.auth.handle(password_request("alice", "secret"), t0);
    CHECK(server.out.events.empty());
    server.auth.decide(first.id, ssh::AuthDecision::reject(k_all_methods), t0);
    server.auth.decide(first.id, ssh::AuthDecision::accept(), t0);  // stale now
    const auto second = server.take_request();
    CHECK(second.password == "secret");
    CHECK(server.out.numbers() == std::vector<std::uint8_t>{ssh::msg::userauth_failure});

    // A keyboard-interactive exchange abandoned by a new request gets no FAILURE.
    server.auth.decide(second.id, ssh::AuthDecision::reject(k_all_methods, "bad password"), t0);
    server.auth.on_timeout(t0 + milliseconds(300));
    server.out.sent.clear();
    server.out.events.clear();
    server.auth.handle(kbd_request("alice"), t0);
    server.auth.decide(server.take_request().id, ssh::AuthDecision::prompt({{"Password: ", false}}), t0);
    server.auth.handle(password_request("alice", "secret"), t0);
    const auto third = server.take_request();
    CHECK(third.method == ssh::AuthRequest::Method::password);
    server.auth.decide(third.id, ssh::AuthDecision::accept(), t0);
    CHECK(server.out.numbers() ==
          std::vector<std::uint8_t>{ssh::msg::userauth_info_request, ssh::msg::userauth_success});
    REQUIRE(server.auth.authenticated());
    CHECK(events_of<ssh::AuthSucceeded>(server.out.events).at(0).methods == "password");

    // RFC 4252 §5.1: later requests are silently ignored.
    server.out.sent.clear();
    server.out.events.clear();
    server.auth.handle(password_request("mallory", "x"), t0);
    server.auth.handle(ssh::UserauthInfoResponse{{"late"}}.encode(), t0);
    CHECK(server.out.sent.empty());
    CHECK(server.out.events.empty());
    CHECK(server.auth.user() == "alice");
}

TEST_CASE("the request queue is bounded", "[auth]") {
    ssh::ServerAuthConfig config;
    config.max_queued_requests = 2;
    RawServer server(config);
    server.auth.handle(userauth("alice", "none"), t0);  // taken up, awaiting a decision
    server.auth.handle(password_request("alice", "1"), t0);
    server.auth.handle(password_request("alice", "2"), t0);
    CHECK(reason_of([&] { server.auth.handle(password_request("alice", "3"), t0); }) ==
          ssh::DisconnectReason::protocol_error);
}

TEST_CASE("truncated and garbage payloads end in ProtocolError or DecodeError, never a crash", "[auth]") {
    const auto& k = keys();
    const std::vector<ssh::Bytes> valid{
        password_request("alice", "secret"),
        signed_publickey("alice", k.p256, "ecdsa-sha2-nistp256", k.p256, "ecdsa-sha2-nistp256"),
        kbd_request("alice"),
        ssh::UserauthInfoResponse{{"a", "b"}}.encode(),
        service_request("ssh-userauth"),
    };
    std::mt19937 noise_source(4252);
    std::vector<ssh::Bytes> inputs;
    for (const auto& payload : valid) {
        for (std::size_t n = 0; n < payload.size(); ++n) inputs.emplace_back(payload.begin(), payload.begin() + n);
        for (int i = 0; i < 50; ++i) {
            auto mutated = payload;
            mutated[1 + noise_source() % (mutated.size() - 1)] = static_cast<std::uint8_t>(noise_source());
            inputs.push_back(std::move(mutated));
        }
    }
    for (int i = 0; i < 200; ++i) {
        ssh::Bytes noise(noise_source() % 64);
        for (auto& byte : noise) byte = static_cast<std::uint8_t>(noise_source());
        if (!noise.empty()) noise[0] = static_cast<std::uint8_t>(50 + noise_source() % 30);
        inputs.push_back(std::move(noise));
    }
    const auto survives = [](const std::function<void()>& step) {
        try {
            step();
        } catch (const ssh::ProtocolError&) {
        } catch (const ssh::DecodeError&) {
        }
    };
    for (const auto& input : inputs) {
        // Waiting for INFO_RESPONSE, the state where every message of ours means something.
        RawServer server;
        server.auth.handle(kbd_request("alice"), t0);
        server.auth.decide(server.take_request().id, ssh::AuthDecision::prompt({{"A", true}, {"B", false}}), t0);
        survives([&] {
            server.auth.handle(input, t0);
            server.auth.on_timeout(t0 + milliseconds(300));
        });
        Recorder out;
        ssh::ClientAuth client(client_config("alice", "pw", {k.ed25519}, true), session_id(), out, rng());
        client.start(t0);
        survives([&] {
            client.handle(ssh::ServiceAccept{"ssh-userauth"}.encode(), t0);
            client.handle(input, t0);
        });
    }
    SUCCEED("no crash and no other exception");
}

TEST_CASE("client: out-of-place messages and misuse", "[auth]") {
    Recorder out;
    ssh::ClientAuth client(client_config("alice", "pw", {keys().ed25519}), session_id(), out, rng());
    CHECK(reason_of([&] { client.handle(ssh::UserauthSuccess{}.encode(), t0); }) ==
          ssh::DisconnectReason::protocol_error);
    client.start(t0);
    CHECK_THROWS_AS(client.start(t0), std::logic_error);
    CHECK_THROWS_AS(client.answer_prompts({"x"}, t0), std::logic_error);
    client.handle(ssh::ServiceAccept{"ssh-userauth"}.encode(), t0);
    client.handle(ssh::UserauthFailure{{"publickey"}, false}.encode(), t0);  // -> publickey query
    const auto other_key = ssh::UserauthPkOk{"ssh-ed25519", keys().stranger.public_key().blob()}.encode();
    CHECK(reason_of([&] { client.handle(other_key, t0); }) == ssh::DisconnectReason::protocol_error);
}
