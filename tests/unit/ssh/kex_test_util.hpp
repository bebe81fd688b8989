// A client and a server KexMethod connected in memory, for the [kex] tests.
#pragma once

#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/signature.hpp"

#include <botan/auto_rng.h>
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

namespace wharf::test {

inline Botan::AutoSeeded_RNG& kex_rng() {
    static Botan::AutoSeeded_RNG instance;
    return instance;
}

// One host key per type for the whole binary (RSA generation is slow).
inline const ssh::PrivateKey& kex_host_key(ssh::KeyType type) {
    // The RNG, and with it Botan's locked memory pool, must exist before the map: statics die in
    // reverse order, and the keys' secure memory has to go back to a pool that is still there.
    (void)kex_rng();
    static std::map<ssh::KeyType, ssh::PrivateKey> keys;
    auto it = keys.find(type);
    if (it == keys.end()) {
        it = keys.emplace(type, ssh::PrivateKey::generate(type, kex_rng(), 2048)).first;
    }
    return it->second;
}

inline ssh::Bytes kexinit_stand_in(std::string_view label) {
    return ssh::Writer{}.byte(20).string(label).take();
}

inline ssh::KexContext kex_context(ssh::KexRole role) {
    ssh::KexContext context;
    context.role = role;
    context.client_version = "SSH-2.0-wharf_client";
    context.server_version = "SSH-2.0-wharf_server";
    context.client_kexinit = kexinit_stand_in("client KEXINIT");
    context.server_kexinit = kexinit_stand_in("server KEXINIT");
    context.rng = &kex_rng();
    return context;
}

inline ssh::KexContext client_context(std::string host_key_algorithm = "ssh-ed25519") {
    ssh::KexContext context = kex_context(ssh::KexRole::client);
    context.host_key_algorithm = std::move(host_key_algorithm);
    return context;
}

inline ssh::KexContext server_context(std::string host_key_algorithm = "ssh-ed25519") {
    ssh::KexContext context = kex_context(ssh::KexRole::server);
    const ssh::KeyType type = *ssh::host_key_algorithm_key_type(host_key_algorithm);
    context.host_key =
        ssh::make_host_key_signer(kex_host_key(type), std::move(host_key_algorithm), kex_rng());
    return context;
}

struct KexRun {
    ssh::KexOutcome client;
    ssh::KexOutcome server;
    std::size_t messages = 0;
};

// Passes messages between the two until both finish; at most 8 messages, so a method that
// never finishes fails instead of looping.
inline KexRun run_kex(ssh::KexMethod& client, ssh::KexMethod& server) {
    REQUIRE_FALSE(server.start().has_value());
    std::optional<ssh::Bytes> message = client.start();
    REQUIRE(message.has_value());
    bool to_server = true;
    KexRun run;
    while (message) {
        REQUIRE(run.messages < 8);
        ++run.messages;
        ssh::KexMethod& receiver = to_server ? server : client;
        REQUIRE_FALSE(message->empty());
        REQUIRE(receiver.expected_message() == message->front());
        message = receiver.handle(*message);
        to_server = !to_server;
    }
    REQUIRE(client.finished());
    REQUIRE(server.finished());
    CHECK(client.expected_message() == 0);
    CHECK(server.expected_message() == 0);
    run.client = client.take_outcome();
    run.server = server.take_outcome();
    return run;
}

// Runs until `receiver_is_server` is about to get a message, returns that message.
inline ssh::Bytes message_to(ssh::KexMethod& client, ssh::KexMethod& server, bool to_server_wanted,
                             std::size_t skip = 0) {
    REQUIRE_FALSE(server.start().has_value());
    std::optional<ssh::Bytes> message = client.start();
    bool to_server = true;
    for (std::size_t i = 0; i < 8 && message; ++i) {
        if (to_server == to_server_wanted) {
            if (skip == 0) {
                return *message;
            }
            --skip;
        }
        message = (to_server ? server : client).handle(*message);
        to_server = !to_server;
    }
    FAIL("no such message");
    return {};
}

}  // namespace wharf::test
