// Server-side user authentication: parse, check, ask the driver, answer. The order of a request's
// life is the order of this file: arrival (handle), parsing and the per-session checks, taking
// it up (take_up: the layer's own checks, then AuthRequest), the driver's decision (decide), and
// the answer, which settle() releases when its failure delay has passed.
#include "protocols/ssh/auth_server.hpp"

#include <botan/mem_ops.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "protocols/ssh/detail/auth_common.hpp"
#include "protocols/ssh/detail/key_types.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/key.hpp"
#include "protocols/ssh/signature.hpp"

namespace wharf::ssh {

namespace {

using detail::wipe;
constexpr std::string_view k_userauth_service = detail::userauth_service;
constexpr std::string_view k_connection_service = detail::connection_service;

// Wipes a buffer on every way out of a scope, exceptions included.
class WipeOnExit {
public:
    explicit WipeOnExit(Bytes& secret) : m_secret(secret) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() { wipe(m_secret); }

private:
    Bytes& m_secret;
};

std::string join(const std::vector<std::string>& names, std::string_view separator) {
    std::string out;
    for (const auto& name : names) {
        if (!out.empty()) out += separator;
        out += name;
    }
    return out;
}

// RFC 4252 §5 says user names are UTF-8. We also refuse control characters: a name is printed
// in logs and matched against configured users, and no configured user has a newline in it.
bool acceptable_user_name(std::string_view name) {
    std::size_t i = 0;
    while (i < name.size()) {
        const auto lead = static_cast<unsigned char>(name[i]);
        if (lead < 0x20 || lead == 0x7f) return false;
        std::size_t length = 1;
        std::uint32_t code = lead;
        if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            code = lead & 0x07U;
        } else if (lead >= 0xe0) {
            length = 3;
            code = lead & 0x0fU;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
            code = lead & 0x1fU;
        } else if (lead >= 0x80) {
            return false;  // a continuation byte, an overlong lead (c0, c1) or beyond f4
        }
        if (i + length > name.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(name[i + k]);
            if ((next & 0xc0U) != 0x80U) return false;
            code = (code << 6U) | (next & 0x3fU);
        }
        const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
        if (overlong || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
        i += length;
    }
    return !name.empty();
}

// "none" MUST NOT be listed as a method that can continue (RFC 4252 §5.2).
std::vector<std::string> without_none(std::vector<std::string> methods) {
    std::erase(methods, std::string("none"));
    return methods;
}

AuthRequest::Method method_kind(std::string_view name) {
    if (name == "password") return AuthRequest::Method::password;
    if (name == "publickey") return AuthRequest::Method::publickey;
    if (name == "keyboard-interactive") return AuthRequest::Method::keyboard_interactive;
    return AuthRequest::Method::none;  // "none" itself, and unknown methods (never asked about)
}

}  // namespace

std::vector<std::string> default_publickey_algorithms() {
    std::vector<std::string> out;
    for (const KeyType type : all_key_types()) {
        for (const std::string_view algorithm : signature_algorithms_for(type)) {
            if (algorithm != "ssh-rsa") out.emplace_back(algorithm);  // SHA-1: opt-in only
        }
    }
    return out;
}

Bytes publickey_signed_data(ByteView session_id, std::string_view user, std::string_view service,
                            std::string_view algorithm, ByteView key_blob) {
    return Writer{}
        .string(session_id)
        .byte(msg::userauth_request)
        .string(user)
        .string(service)
        .string(std::string_view("publickey"))
        .boolean(true)
        .string(algorithm)
        .string(key_blob)
        .take();
}

ServerAuth::ServerAuth(ServerAuthConfig config, Bytes session_id, LayerOutput& out)
    : m_config(std::move(config)),
      m_session_id(std::move(session_id)),
      m_out(out),
      // Until the driver has named a list, failures the layer decides itself offer every
      // method it implements: the same list for every user, so it reveals nothing.
      m_methods{"publickey", "keyboard-interactive", "password"} {
    if (m_session_id.empty()) throw std::invalid_argument("ServerAuth needs the session identifier");
    if (m_config.max_attempts == 0) throw std::invalid_argument("max_attempts must be at least 1");
    if (m_config.max_user_name_length < 64 || m_config.max_user_name_length > 256) {
        throw std::invalid_argument("max_user_name_length must lie in 64..256");
    }
    if (m_config.max_queued_requests == 0) throw std::invalid_argument("max_queued_requests must be at least 1");
    if (m_config.failure_delay.count() < 0) throw std::invalid_argument("failure_delay must not be negative");
    for (const auto& algorithm : m_config.publickey_algorithms) {
        if (!host_key_algorithm_key_type(algorithm)) {
            throw std::invalid_argument("unknown publickey algorithm '" + algorithm + "'");
        }
    }
}

ServerAuth::~ServerAuth() {
    for (auto& request : m_queue) wipe(request.password);
}

// ---- arrival -------------------------------------------------------------------------------

void ServerAuth::handle(ByteView payload, TimePoint now) {
    const std::uint8_t number = message_number(payload);
    if (m_phase == Phase::authenticated) {
        // RFC 4252 §5.1 and §5.3: authentication messages after SUCCESS are silently ignored.
        if (number == msg::userauth_request || number == msg::userauth_info_response) return;
        throw ProtocolError(DisconnectReason::protocol_error,
                            "message " + std::to_string(number) + " after authentication completed");
    }
    switch (number) {
    case msg::service_request:
        on_service_request(payload);
        return;
    case msg::userauth_request:
        on_userauth_request(payload);
        break;
    case msg::userauth_info_response:
        on_info_response(payload, now);
        break;
    default:
        // Includes 51-53 and 60: those only travel from server to client (RFC 4252 §6).
        throw ProtocolError(DisconnectReason::protocol_error,
                            "unexpected message " + std::to_string(number) + " during user authentication");
    }
    settle(now);
}

void ServerAuth::on_service_request(ByteView payload) {
    if (m_phase != Phase::awaiting_service_request) {
        throw ProtocolError(DisconnectReason::protocol_error, "second SERVICE_REQUEST");
    }
    const auto request = ServiceRequest::decode(payload);
    if (request.service != k_userauth_service) {
        throw ProtocolError(DisconnectReason::service_not_available,
                            "service '" + detail::printable(request.service) + "' not available");
    }
    m_phase = Phase::authenticating;
    m_out.send(ServiceAccept{request.service}.encode());
}

ServerAuth::Request ServerAuth::parse_request(ByteView payload) {
    UserauthRequest message = UserauthRequest::decode(payload);
    const WipeOnExit wipe_data(message.method_data);  // may hold a password
    Request request;
    request.user = std::move(message.user);
    request.service = std::move(message.service);
    request.method = std::move(message.method);
    try {
        read_method_fields(request, message.method_data);
    } catch (...) {
        wipe(request.password);  // a password followed by garbage is still a password
        throw;
    }
    return request;
}

void ServerAuth::read_method_fields(Request& request, ByteView method_data) {
    Reader data("USERAUTH_REQUEST " + detail::printable(request.method), method_data);
    if (request.method == "none") {
        data.expect_end();
    } else if (request.method == "password") {
        request.flag = data.boolean("change password");
        request.password = data.text("password");
        if (request.flag) {
            std::string new_password = data.text("new password");
            wipe(new_password);
        }
        data.expect_end();
    } else if (request.method == "publickey") {
        request.flag = data.boolean("has signature");
        request.algorithm = data.text("public key algorithm name");
        const ByteView blob = data.string("public key blob");
        request.key_blob.assign(blob.begin(), blob.end());
        if (request.flag) {
            const ByteView signature = data.string("signature");
            request.signature.assign(signature.begin(), signature.end());
        }
        data.expect_end();
    } else if (request.method == "keyboard-interactive") {
        data.text("language tag");  // deprecated (RFC 4256 §3.1); we have one language
        data.text("submethods");    // a hint the driver's policy does not use
        data.expect_end();
    }
    // Any other method is refused whatever it carries, so its fields are not read.
}

void ServerAuth::on_userauth_request(ByteView payload) {
    if (m_phase == Phase::awaiting_service_request) {
        throw ProtocolError(DisconnectReason::protocol_error, "USERAUTH_REQUEST before SERVICE_REQUEST ssh-userauth");
    }
    Request request = parse_request(payload);
    try {
        check_user_and_service(request);
        if (m_queue.size() >= m_config.max_queued_requests) {
            throw ProtocolError(DisconnectReason::protocol_error,
                                "more than " + std::to_string(m_config.max_queued_requests) +
                                    " authentication requests waiting for an answer");
        }
    } catch (...) {
        wipe(request.password);
        throw;
    }
    if (m_step == Step::awaiting_info_response) {
        // RFC 4252 §5: a new request aborts keyboard-interactive, and no FAILURE is sent for it.
        m_step = Step::idle;
    }
    m_queue.push_back(std::move(request));  // settle() takes it up when nothing else is pending
}

void ServerAuth::check_user_and_service(const Request& request) {
    if (request.user.size() > m_config.max_user_name_length) {
        throw ProtocolError(DisconnectReason::illegal_user_name,
                            "user name of " + std::to_string(request.user.size()) + " bytes exceeds the limit of " +
                                std::to_string(m_config.max_user_name_length));
    }
    if (!acceptable_user_name(request.user)) {
        throw ProtocolError(DisconnectReason::illegal_user_name,
                            "user name '" + detail::printable(request.user) +
                                "' is empty, not UTF-8 or holds control characters");
    }
    if (request.service != k_connection_service) {
        throw ProtocolError(DisconnectReason::service_not_available,
                            "service '" + detail::printable(request.service) + "' not available");
    }
    if (m_user.empty()) {
        m_user = request.user;
        m_service = request.service;
    } else if (request.user != m_user || request.service != m_service) {
        throw ProtocolError(DisconnectReason::protocol_error,
                            "change of user name or service not allowed: (" + detail::printable(m_user) + "," +
                                m_service + ") -> (" + detail::printable(request.user) + "," +
                                detail::printable(request.service) + ")");
    }
}

void ServerAuth::on_info_response(ByteView payload, TimePoint now) {
    if (m_step != Step::awaiting_info_response) {
        throw ProtocolError(DisconnectReason::protocol_error, "USERAUTH_INFO_RESPONSE without an INFO_REQUEST");
    }
    auto response = UserauthInfoResponse::decode(payload);
    m_started = now;
    if (response.responses.size() != m_prompt_count) {
        for (auto& secret : response.responses) wipe(secret);
        // RFC 4256 §3.4: the server MUST answer a count mismatch with a failure.
        fail(true, std::to_string(response.responses.size()) + " responses to " +
                       std::to_string(m_prompt_count) + " prompts");
        return;
    }
    m_answered_prompts = true;
    AuthRequest request;
    request.method = AuthRequest::Method::keyboard_interactive;
    request.responses = std::move(response.responses);  // the strings move, no copy is left
    ask_driver(std::move(request));
}

// ---- taking a request up ---------------------------------------------------------------------

void ServerAuth::take_up(Request request, TimePoint now) {
    m_started = now;
    m_method = method_kind(request.method);
    m_method_name = detail::printable(request.method);
    m_signed = false;
    m_answered_prompts = false;
    if (request.method == "none" || request.method == "keyboard-interactive") {
        AuthRequest question;
        question.method = m_method;
        ask_driver(std::move(question));
    } else if (request.method == "password") {
        if (request.flag) {
            wipe(request.password);
            fail(true, "password change requested; not supported");
            return;
        }
        AuthRequest question;
        question.method = AuthRequest::Method::password;
        question.password = request.password;
        wipe(request.password);
        ask_driver(std::move(question));
    } else if (request.method == "publickey") {
        take_up_publickey(request);
    } else {
        fail(true, "unsupported method");
    }
}

void ServerAuth::take_up_publickey(Request& request) {
    m_signed = request.flag;
    m_algorithm = request.algorithm;
    m_key_blob = request.key_blob;
    const auto& allowed = m_config.publickey_algorithms;
    if (std::find(allowed.begin(), allowed.end(), request.algorithm) == allowed.end()) {
        fail(m_signed, "signature algorithm '" + detail::printable(request.algorithm) + "' not accepted");
        return;
    }
    std::optional<PublicKey> key;
    try {
        key = PublicKey::from_blob(request.key_blob);
    } catch (const std::exception& e) {
        fail(m_signed, std::string("unusable public key: ") + e.what());
        return;
    }
    if (host_key_algorithm_key_type(request.algorithm) != key->type()) {
        fail(m_signed, "algorithm " + request.algorithm + " does not fit a " + std::string(key->type_name()) + " key");
        return;
    }
    // The signature is checked before the driver hears of the request: a key the driver would
    // accept must not be usable without its private half.
    if (m_signed && !verify(*key, request.algorithm, request.signature,
                            publickey_signed_data(m_session_id, request.user, request.service,
                                                  request.algorithm, request.key_blob))) {
        fail(true, "signature check failed (" + request.algorithm + " " + key->fingerprint_sha256() + ")");
        return;
    }
    AuthRequest question;
    question.method = AuthRequest::Method::publickey;
    question.public_key_algorithm = request.algorithm;
    question.public_key_blob = request.key_blob;
    question.has_signature = m_signed;
    ask_driver(std::move(question));
}

void ServerAuth::ask_driver(AuthRequest request) {
    request.id = m_current_id = m_next_id++;
    request.user = m_user;
    m_step = Step::awaiting_decision;
    // The event gets a copy; ours is wiped. Emitting comes last, so a driver that decides from
    // inside emit() finds the layer in its final state.
    Event event{request};
    wipe(request.password);
    for (auto& secret : request.responses) wipe(secret);
    m_out.emit(std::move(event));
}

// ---- decisions and answers -----------------------------------------------------------------

void ServerAuth::decide(std::uint64_t request_id, AuthDecision decision, TimePoint now) {
    if (m_phase != Phase::authenticating || m_step != Step::awaiting_decision || request_id != m_current_id) {
        return;  // stale: answered already, aborted, or never ours
    }
    using Outcome = AuthDecision::Outcome;
    if (decision.outcome == Outcome::prompt) {
        if (m_method != AuthRequest::Method::keyboard_interactive) {
            throw std::invalid_argument("prompts are a keyboard-interactive answer, not " + m_method_name);
        }
        for (const auto& prompt : decision.prompts) {
            if (prompt.first.empty()) throw std::invalid_argument("empty prompt text (RFC 4256 §3.2)");
        }
    }
    if (decision.outcome == Outcome::partial || decision.outcome == Outcome::reject) {
        m_methods = without_none(std::move(decision.methods_that_can_continue));
    }
    const bool query = m_method == AuthRequest::Method::publickey && !m_signed;
    switch (decision.outcome) {
    case Outcome::accept:
    case Outcome::partial:
        if (query) {
            // A query only asks "would this key do?": PK_OK is the yes, whatever comes after.
            m_step = Step::idle;
            send_answer(UserauthPkOk{m_algorithm, m_key_blob}.encode());
        } else if (decision.outcome == Outcome::accept) {
            succeed();
        } else {
            partial_success(decision.reason);
        }
        break;
    case Outcome::reject: {
        using Method = AuthRequest::Method;
        const bool counted = m_method == Method::password || (m_method == Method::publickey && m_signed) ||
                             (m_method == Method::keyboard_interactive && m_answered_prompts);
        fail(counted, decision.reason.empty() ? "rejected" : decision.reason);
        break;
    }
    case Outcome::prompt: {
        UserauthInfoRequest request;
        request.instruction = std::move(decision.instruction);
        for (auto& [text, echo] : decision.prompts) request.prompts.push_back({std::move(text), echo});
        m_prompt_count = request.prompts.size();
        m_step = Step::awaiting_info_response;
        send_answer(request.encode());
        break;
    }
    }
    settle(now);
}

void ServerAuth::succeed() {
    m_chain.push_back(m_method_name);
    m_phase = Phase::authenticated;
    m_step = Step::idle;
    for (auto& request : m_queue) wipe(request.password);
    m_queue.clear();  // requests after the one that succeeded are ignored (RFC 4252 §5.1)
    send_answer(UserauthSuccess{}.encode());
    m_out.emit(AuthSucceeded{m_user, join(m_chain, "+")});
}

void ServerAuth::partial_success(const std::string& reason) {
    m_chain.push_back(m_method_name);
    m_step = Step::idle;
    // Partial success is not a failure to hide: the client proved something, so no delay.
    send_answer(UserauthFailure{m_methods, true}.encode());
    m_out.emit(AuthFailed{m_user, m_method_name, reason.empty() ? "more methods required" : reason, true});
}

void ServerAuth::fail(bool counted, const std::string& reason) {
    Bytes answer = UserauthFailure{m_methods, false}.encode();
    if (counted) ++m_failures;
    if (m_method_name == "none") {
        // The answer to "none" is the method list every client asks for first; like OpenSSH we
        // do not slow it down.
        m_step = Step::idle;
        send_answer(std::move(answer));
    } else {
        m_held = HeldFailure{std::move(answer), m_started + m_config.failure_delay,
                             counted && m_failures >= m_config.max_attempts};
        m_step = Step::holding_failure;
    }
    // Last, so a driver reacting to the event finds the layer in its final state.
    if (counted) m_out.emit(AuthFailed{m_user, m_method_name, reason, false});
}

void ServerAuth::send_answer(Bytes payload) {
    if (!m_banner_sent) {
        m_banner_sent = true;
        if (!m_config.banner.empty()) m_out.send(UserauthBanner{m_config.banner, ""}.encode());
    }
    m_out.send(std::move(payload));
}

// Releases a held failure once due, then takes up queued requests while nothing is pending.
// Every input ends here, so the queue never stalls behind an answer that went out.
void ServerAuth::settle(TimePoint now) {
    for (;;) {
        if (m_step == Step::holding_failure) {
            if (now < m_held->due) return;
            HeldFailure held = std::move(*m_held);
            m_held.reset();
            m_step = Step::idle;
            if (held.disconnect) {
                throw ProtocolError(DisconnectReason::no_more_auth_methods_available,
                                    "too many authentication failures for " + detail::printable(m_user));
            }
            send_answer(std::move(held.payload));
        }
        if (m_phase != Phase::authenticating || m_step != Step::idle || m_queue.empty()) return;
        Request next = std::move(m_queue.front());
        wipe(m_queue.front().password);
        m_queue.pop_front();
        take_up(std::move(next), now);
    }
}

std::optional<TimePoint> ServerAuth::next_deadline() const {
    if (m_held) return m_held->due;
    return std::nullopt;
}

void ServerAuth::on_timeout(TimePoint now) {
    if (m_phase == Phase::authenticating) settle(now);
}

ExtInfo ServerAuth::server_sig_algs_ext_info() const {
    ExtInfo info;
    info.extensions.emplace_back("server-sig-algs", join(m_config.publickey_algorithms, ","));
    return info;
}

}  // namespace wharf::ssh
