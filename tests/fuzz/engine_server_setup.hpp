// The server fuzz_engine_server.cpp runs, shared with make_corpus.cpp. Everything is fixed: the
// host key and the engine's RNG come from constant seeds and the clock never moves, so a server
// fed the same bytes does the same thing. That is what lets the corpus generator record a real
// client's bytes against this exact server: replayed in the harness, they pass the key exchange
// (the server draws the same ephemeral key) and decrypt, so the fuzzer starts from authenticated
// sessions and open channels, not only from KEXINIT.
#pragma once

#include "protocols/ssh/engine.hpp"

#include <botan/chacha_rng.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wharf::fuzz {

// The harness sends this line before the input; seeds hold what the client sends after it.
inline constexpr std::string_view engine_client_version = "SSH-2.0-fuzz";
inline constexpr std::string_view engine_user = "fuzz";
inline constexpr std::string_view engine_password = "fuzz";

inline Botan::ChaCha_RNG seeded_rng(std::uint8_t seed) {
    return Botan::ChaCha_RNG(Botan::secure_vector<std::uint8_t>(32, seed));
}

inline const ssh::PrivateKey& engine_host_key() {
    // Generated in the static's initializer, so it is destroyed before Botan's locked allocator.
    static const ssh::PrivateKey key = [] {
        auto rng = seeded_rng(0x4b);
        return ssh::PrivateKey::generate(ssh::KeyType::ed25519, rng);
    }();
    return key;
}

// A fixed instant: the engine only compares times it was given.
inline ssh::TimePoint engine_start_time() {
    return ssh::TimePoint{} + std::chrono::hours(24 * 365);
}

inline ssh::EngineConfig engine_server_config() {
    ssh::EngineConfig config;
    config.role = ssh::Role::server;
    config.version = "SSH-2.0-wharf_fuzz";
    config.host_keys.push_back(engine_host_key());
    config.server_auth.banner = "fuzz banner";
    config.server_auth.failure_delay = std::chrono::milliseconds(0);
    return config;
}

// A fresh server RNG per run: each input is reproducible on its own.
inline Botan::ChaCha_RNG engine_server_rng() { return seeded_rng(0x53); }

// Answers events as wharfd does, with fixed policy: password "fuzz" passes, any publickey the
// layer verified passes, keyboard-interactive asks one question whose answer must be "fuzz",
// "sftp" and exec requests are accepted, channel data is echoed back, EOF closes the channel.
class EngineServerDriver {
public:
    explicit EngineServerDriver(ssh::Engine& engine) : m_engine(engine) {}

    // Answers every pending event. Output stays for the caller to take or drop.
    void drain(ssh::TimePoint now) {
        while (auto event = m_engine.next_event()) {
            std::visit([&](auto& e) { on_event(e, now); }, *event);
        }
    }

    [[nodiscard]] const std::vector<std::string>& disconnects() const noexcept {
        return m_disconnects;
    }

private:
    void on_event(ssh::AuthRequest& request, ssh::TimePoint now) {
        using Method = ssh::AuthRequest::Method;
        const std::vector<std::string> methods{"publickey", "password", "keyboard-interactive"};
        ssh::AuthDecision decision = ssh::AuthDecision::reject(methods, "fuzz policy");
        if (request.method == Method::password && request.password == engine_password) {
            decision = ssh::AuthDecision::accept();
        } else if (request.method == Method::publickey) {
            decision = ssh::AuthDecision::accept();
        } else if (request.method == Method::keyboard_interactive) {
            if (request.responses.empty()) {
                decision = ssh::AuthDecision::prompt({{"Password: ", false}}, "fuzz");
            } else if (request.responses.size() == 1 && request.responses[0] == engine_password) {
                decision = ssh::AuthDecision::accept();
            }
        }
        m_engine.auth_decision(request.id, std::move(decision), now);
    }
    void on_event(ssh::ChannelRequested& requested, ssh::TimePoint /*now*/) {
        const bool accepted = (requested.type == "subsystem" && requested.name == "sftp") ||
                              requested.type == "exec";
        m_engine.reply_channel_request(requested.channel, accepted);
    }
    void on_event(ssh::ChannelDataReceived& data, ssh::TimePoint /*now*/) {
        m_engine.consume(data.channel, data.data.size());
        (void)m_engine.send_data(data.channel, data.data, data.extended);
    }
    void on_event(ssh::ChannelEofReceived& eof, ssh::TimePoint /*now*/) {
        m_engine.send_exit_status(eof.channel, 0);
        m_engine.send_eof(eof.channel);
        m_engine.close_channel(eof.channel);
    }
    void on_event(ssh::Disconnected& gone, ssh::TimePoint /*now*/) {
        m_disconnects.push_back(gone.description);
    }
    template <class Other>
    void on_event(Other& /*event*/, ssh::TimePoint /*now*/) {}

    ssh::Engine& m_engine;
    std::vector<std::string> m_disconnects;
};

}  // namespace wharf::fuzz
