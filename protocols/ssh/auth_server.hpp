// The server side of the SSH user authentication protocol (RFC 4252, keyboard-interactive from
// RFC 4256, rsa-sha2 from RFC 8332, server-sig-algs from RFC 8308) as a sans-I/O layer.
//
// The layer owns the protocol; the driver owns the policy. Every credential worth a decision
// becomes an AuthRequest event with a fresh id, and the driver answers decide(id, ...), maybe
// much later (password hashing runs off the event loop). The layer checks publickey signatures
// itself, so a forged or mismatched signature never reaches the driver.
//
// Methods, by kind (the engine calls them in this order):
//   inputs     handle(payload, now) for SERVICE_REQUEST, USERAUTH_REQUEST, USERAUTH_INFO_RESPONSE
//   decisions  decide(id, decision, now)
//   time       next_deadline(), on_timeout(now): failure answers are held to a fixed delay
//   getters    authenticated(), user(), failed_attempts(), server_sig_algs_ext_info()
// handle(), decide() and on_timeout() throw ProtocolError (or DecodeError for a malformed
// message) when the session must end; the engine's single catch site turns that into DISCONNECT.
// Output goes through LayerOutput: payloads with send(), AuthRequest / AuthSucceeded /
// AuthFailed with emit(). No sockets, threads or clock: time comes in as an argument.
//
// Protocol choices (RFC 4252 leaves them open):
// - SERVICE_REQUEST "ssh-userauth" must come first and only once; any other service ends the
//   session with SERVICE_NOT_AVAILABLE, and so does a USERAUTH_REQUEST for any service but
//   "ssh-connection" (§5: authentication MUST NOT be accepted for a service that does not exist).
// - The user name and service are fixed by the first USERAUTH_REQUEST. A change ends the session
//   (PROTOCOL_ERROR), as OpenSSH does: a partial-success chain and the attempt counter belong to
//   one user, and disconnecting is the option §5 gives a server that does not flush that state.
// - Requests are answered strictly one at a time (§5.1: each is processed completely and a
//   failure acknowledged before the next). A request that arrives while another awaits its
//   decision or its delayed failure waits in a queue of at most max_queued_requests; beyond that
//   the client is flooding us and the session ends. A new request while keyboard-interactive
//   waits for INFO_RESPONSE abandons that exchange without a FAILURE (§5, "MUST NOT be sent for
//   an aborted method").
// - Failed attempts: a rejected password or keyboard-interactive answer, a rejected signed
//   publickey request (bad signature included), a password change request and an unknown method.
//   Publickey queries, "none" and a keyboard-interactive request refused before any prompt do not
//   count. The failure that reaches max_attempts is replaced by a NO_MORE_AUTH_METHODS_AVAILABLE
//   disconnect, sent when that failure would have been.
// - Every USERAUTH_FAILURE except partial success and the answer to "none" is sent no earlier
//   than failure_delay after the request was taken up (its arrival, or the moment it left the
//   queue), whoever decided it and however fast: an unknown user, a wrong password and a refused
//   key all look the same on the wire.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/ssh/events.hpp"
#include "protocols/ssh/layer.hpp"
#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/wire.hpp"

namespace wharf::ssh {

using Clock = std::chrono::steady_clock;  // also declared by engine.hpp; the same type
using TimePoint = Clock::time_point;

/// The publickey signature algorithms a server accepts by default: every algorithm
/// signature.hpp offers except the SHA-1 "ssh-rsa" (ssh-ed25519, ecdsa-sha2-nistp256/384/521,
/// rsa-sha2-512, rsa-sha2-256).
[[nodiscard]] std::vector<std::string> default_publickey_algorithms();

/// The bytes a publickey signature covers (RFC 4252 §7): string session_id, byte 50, string user,
/// string service, string "publickey", boolean TRUE, string algorithm, string key blob. The
/// client signs exactly what the server verifies.
[[nodiscard]] Bytes publickey_signed_data(ByteView session_id, std::string_view user,
                                          std::string_view service, std::string_view algorithm,
                                          ByteView key_blob);

struct ServerAuthConfig {
    /// Sent once as USERAUTH_BANNER before the first answer; empty: no banner.
    std::string banner;
    /// Failed attempts (see the header comment) before the session ends; at least 1.
    unsigned max_attempts = 6;
    /// The earliest a failure answer goes out after its request was taken up.
    std::chrono::milliseconds failure_delay{300};
    /// Signature algorithms accepted for publickey, advertised as server-sig-algs. Each must be
    /// one signature.hpp knows.
    std::vector<std::string> publickey_algorithms = default_publickey_algorithms();
    /// Longer user names end the session with ILLEGAL_USER_NAME; must lie in 64..256.
    std::size_t max_user_name_length = 256;
    /// Requests held while another is being decided; at least 1.
    std::size_t max_queued_requests = 8;
};

/// The driver's answer to one AuthRequest.
struct AuthDecision {
    enum class Outcome {
        accept,   ///< authentication complete (publickey query: the key is acceptable, PK_OK)
        partial,  ///< this method passed, more are needed: FAILURE with partial success
        reject,   ///< FAILURE (delayed)
        prompt,   ///< keyboard-interactive only: send `prompts` as USERAUTH_INFO_REQUEST
    };
    Outcome outcome = Outcome::reject;
    /// For partial and reject: the methods the client may try next ("none" is dropped). The
    /// layer reuses the last list for failures it decides itself.
    std::vector<std::string> methods_that_can_continue;
    /// For prompt: text (non-empty, RFC 4256 §3.2) and echo, in order. May be empty.
    std::vector<std::pair<std::string, bool>> prompts;
    /// For prompt: the INFO_REQUEST instruction.
    std::string instruction;
    /// Why, for AuthFailed (never sent to the client).
    std::string reason;

    static AuthDecision accept() { return {Outcome::accept, {}, {}, {}, {}}; }
    static AuthDecision partial(std::vector<std::string> methods) {
        return {Outcome::partial, std::move(methods), {}, {}, {}};
    }
    static AuthDecision reject(std::vector<std::string> methods, std::string reason = {}) {
        return {Outcome::reject, std::move(methods), {}, {}, std::move(reason)};
    }
    static AuthDecision prompt(std::vector<std::pair<std::string, bool>> prompts,
                               std::string instruction = {}) {
        return {Outcome::prompt, {}, std::move(prompts), std::move(instruction), {}};
    }
};

class ServerAuth {
public:
    /// session_id is the exchange hash of the first key exchange (signatures cover it); `out`
    /// must outlive the layer. Throws std::invalid_argument for an empty session id or a config
    /// outside the documented ranges.
    ServerAuth(ServerAuthConfig config, Bytes session_id, LayerOutput& out);
    /// Wipes secrets still held (queued passwords).
    ~ServerAuth();
    ServerAuth(const ServerAuth&) = delete;
    ServerAuth& operator=(const ServerAuth&) = delete;

    /// One payload from the client: SERVICE_REQUEST, USERAUTH_REQUEST or USERAUTH_INFO_RESPONSE.
    /// After success USERAUTH_REQUEST and INFO_RESPONSE are ignored (RFC 4252 §5.1). Throws
    /// ProtocolError for anything out of place, DecodeError for malformed payloads.
    void handle(ByteView payload, TimePoint now);

    /// The driver's answer to AuthRequest `request_id`. An id that is not the one awaited
    /// (stale, unknown, already answered) is ignored. Throws std::invalid_argument for a prompt
    /// outside keyboard-interactive or an empty prompt text (a driver bug), ProtocolError when
    /// this answer ends the session.
    void decide(std::uint64_t request_id, AuthDecision decision, TimePoint now);

    /// When a held failure is due; nullopt when none is held.
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    /// Sends held failures that are due and takes up queued requests. Throws ProtocolError when
    /// the due failure is the one that exceeds max_attempts.
    void on_timeout(TimePoint now);

    /// EXT_INFO with "server-sig-algs" (RFC 8308 §3.1) listing publickey_algorithms; the engine
    /// sends it after its first NEWKEYS when the client offered ext-info-c.
    [[nodiscard]] ExtInfo server_sig_algs_ext_info() const;

    [[nodiscard]] bool authenticated() const noexcept { return m_phase == Phase::authenticated; }
    /// The user being authenticated (empty before the first USERAUTH_REQUEST); after success,
    /// the authenticated user.
    [[nodiscard]] const std::string& user() const noexcept { return m_user; }
    [[nodiscard]] unsigned failed_attempts() const noexcept { return m_failures; }

private:
    // A USERAUTH_REQUEST taken apart; the method fields are filled for the method it names.
    struct Request {
        std::string user;
        std::string service;
        std::string method;
        bool flag = false;      ///< password: change request; publickey: has a signature
        std::string password;   ///< secret: wiped once handed over
        std::string algorithm;  ///< publickey
        Bytes key_blob;         ///< publickey
        Bytes signature;        ///< publickey
    };

    enum class Phase { awaiting_service_request, authenticating, authenticated };
    enum class Step { idle, awaiting_decision, awaiting_info_response, holding_failure };

    struct HeldFailure {
        Bytes payload;
        TimePoint due;
        bool disconnect = false;  ///< max_attempts reached: disconnect instead
    };

    void on_service_request(ByteView payload);
    static Request parse_request(ByteView payload);
    static void read_method_fields(Request& request, ByteView method_data);
    void on_userauth_request(ByteView payload);
    void on_info_response(ByteView payload, TimePoint now);
    void check_user_and_service(const Request& request);
    void take_up(Request request, TimePoint now);
    void take_up_publickey(Request& request);
    void ask_driver(AuthRequest request);
    void succeed();
    void partial_success(const std::string& reason);
    void fail(bool counted, const std::string& reason);
    void send_answer(Bytes payload);
    void settle(TimePoint now);

    ServerAuthConfig m_config;
    Bytes m_session_id;
    LayerOutput& m_out;

    Phase m_phase = Phase::awaiting_service_request;
    Step m_step = Step::idle;
    std::string m_user;
    std::string m_service;
    bool m_banner_sent = false;
    unsigned m_failures = 0;
    std::vector<std::string> m_chain;    ///< methods that passed, for AuthSucceeded
    std::vector<std::string> m_methods;  ///< the driver's last methods list
    std::deque<Request> m_queue;

    // The request being answered.
    std::uint64_t m_next_id = 1;
    std::uint64_t m_current_id = 0;
    AuthRequest::Method m_method = AuthRequest::Method::none;
    std::string m_method_name;      ///< as sent (printable), for AuthFailed and the chain
    bool m_signed = false;          ///< publickey: signed request (not a query)
    std::string m_algorithm;        ///< publickey: echoed in PK_OK
    Bytes m_key_blob;               ///< publickey: echoed in PK_OK
    bool m_answered_prompts = false;  ///< keyboard-interactive: the decision is about responses
    std::size_t m_prompt_count = 0;   ///< keyboard-interactive: prompts in the outstanding request
    TimePoint m_started{};          ///< when the request was taken up, for the failure delay
    std::optional<HeldFailure> m_held;
};

}  // namespace wharf::ssh
