// The client side of the SSH user authentication protocol (RFC 4252, keyboard-interactive from
// RFC 4256, rsa-sha2 from RFC 8332, server-sig-algs from RFC 8308) as a sans-I/O layer.
//
// The layer walks the methods the server lists in OpenSSH's order: publickey (each key in turn,
// a query first, the signature only after PK_OK), keyboard-interactive, password. Each method is
// tried once; after a partial success (a chain such as publickey+password) the methods not yet
// passed may be tried again. When nothing is left it throws ProtocolError with
// NO_MORE_AUTH_METHODS_AVAILABLE, which the engine turns into DISCONNECT.
//
// Methods, by kind (the engine calls them in this order):
//   inputs     start(now) after the first key exchange; on_ext_info() for EXT_INFO;
//              handle(payload, now) for SERVICE_ACCEPT and messages 50-79
//   decisions  answer_prompts(responses, now) after a PromptsReceived event
//   getters    authenticated(), awaiting_prompts()
// Events (through LayerOutput::emit): BannerReceived (display it with control characters
// filtered, RFC 4252 §5.4), PromptsReceived, AuthRejected for every USERAUTH_FAILURE (the
// answer to "none" included: it carries the server's method list), AuthSucceeded.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "protocols/ssh/key.hpp"
#include "protocols/ssh/layer.hpp"
#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/wire.hpp"

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

using Clock = std::chrono::steady_clock;  // also declared by engine.hpp; the same type
using TimePoint = Clock::time_point;

struct ClientAuthConfig {
    std::string user;
    /// Used for the "password" method, and to answer a keyboard-interactive round that asks a
    /// single hidden question (the common PAM "Password: " prompt) without bothering the driver.
    std::optional<std::string> password;
    /// Offered in order. RSA keys sign with rsa-sha2-512 or rsa-sha2-256 when the server's
    /// server-sig-algs lists them, else with ssh-rsa (RFC 8332 §3.3).
    std::vector<PrivateKey> keys;
    /// Whether to try keyboard-interactive; the driver must then answer PromptsReceived.
    bool try_keyboard_interactive = true;
};

class ClientAuth {
public:
    /// session_id is the exchange hash of the first key exchange; `out` and `rng` (signature
    /// nonces) must outlive the layer. Throws std::invalid_argument for an empty session id.
    ClientAuth(ClientAuthConfig config, Bytes session_id, LayerOutput& out, Botan::RandomNumberGenerator& rng);
    /// Wipes the configured password.
    ~ClientAuth();
    ClientAuth(const ClientAuth&) = delete;
    ClientAuth& operator=(const ClientAuth&) = delete;

    /// Sends SERVICE_REQUEST "ssh-userauth"; USERAUTH_REQUEST "none" follows SERVICE_ACCEPT.
    /// Throws std::logic_error when called twice.
    void start(TimePoint now);

    /// The server's EXT_INFO (RFC 8308): remembers server-sig-algs. May come more than once
    /// (after NEWKEYS and again before USERAUTH_SUCCESS); the last one counts.
    void on_ext_info(const ExtInfo& info);

    /// One payload from the server: SERVICE_ACCEPT, USERAUTH_FAILURE/SUCCESS/BANNER, PK_OK or
    /// INFO_REQUEST (both 60, told apart by the method in progress). Messages after success are
    /// ignored. Throws ProtocolError for messages out of place, a PK_OK for another key, or when
    /// no method is left; DecodeError for malformed payloads.
    void handle(ByteView payload, TimePoint now);

    /// Answers the prompts of the last PromptsReceived, in order; the strings are wiped. Throws
    /// std::logic_error when no prompts are pending, std::invalid_argument for a count that does
    /// not match the prompts.
    void answer_prompts(std::vector<std::string> responses, TimePoint now);

    [[nodiscard]] bool authenticated() const noexcept { return m_state == State::authenticated; }
    /// True between PromptsReceived and answer_prompts().
    [[nodiscard]] bool awaiting_prompts() const noexcept { return m_state == State::awaiting_prompt_answers; }

private:
    enum class State {
        created,
        awaiting_service_accept,
        awaiting_answer,          ///< none, password or signed publickey sent
        awaiting_pk_ok,           ///< publickey query sent
        awaiting_info_request,    ///< keyboard-interactive request or INFO_RESPONSE sent
        awaiting_prompt_answers,  ///< PromptsReceived emitted
        authenticated,
    };

    void on_failure(const UserauthFailure& failure);
    void on_pk_ok(ByteView payload);
    void on_info_request(ByteView payload);
    void try_next_method();
    void try_key(std::size_t index);
    void send_request(const std::string& method, Bytes method_data);
    void send_info_response(std::vector<std::string>& responses);
    [[nodiscard]] std::string algorithm_for(const PrivateKey& key) const;
    [[nodiscard]] bool offered(std::string_view method) const;
    [[nodiscard]] std::string no_method_left() const;

    ClientAuthConfig m_config;
    Bytes m_session_id;
    LayerOutput& m_out;
    Botan::RandomNumberGenerator& m_rng;

    State m_state = State::created;
    std::string m_method;                ///< the method of the outstanding request
    std::vector<std::string> m_offered;  ///< the server's last "authentications that can continue"
    std::vector<std::string> m_chain;    ///< methods that passed (partial successes)
    std::optional<std::vector<std::string>> m_server_sig_algs;

    std::size_t m_next_key = 0;    ///< publickey: the next key to offer
    std::size_t m_key = 0;         ///< publickey: the key of the outstanding request
    std::string m_algorithm;       ///< publickey: its signature algorithm
    bool m_kbd_tried = false;
    bool m_password_tried = false;
    bool m_auto_answered = false;  ///< keyboard-interactive: the password went into a round
    std::size_t m_prompt_count = 0;
    unsigned m_failures = 0;       ///< for the final error message
};

}  // namespace wharf::ssh
