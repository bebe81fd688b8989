// Client-side user authentication: the layer picks the next method from the server's list and
// answers 60-series messages for the method in progress. Order in this file: setup, the message
// switch, the handlers for each answer, then how the next method is chosen and sent.
#include "protocols/ssh/auth_client.hpp"

#include <botan/mem_ops.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "protocols/ssh/auth_server.hpp"
#include "protocols/ssh/detail/auth_common.hpp"
#include "protocols/ssh/detail/key_types.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/signature.hpp"

namespace wharf::ssh {

namespace {

using detail::wipe;
constexpr std::string_view k_userauth_service = detail::userauth_service;
constexpr std::string_view k_connection_service = detail::connection_service;

std::string join(const std::vector<std::string>& names, std::string_view separator) {
    std::string out;
    for (const auto& name : names) {
        if (!out.empty()) out += separator;
        out += name;
    }
    return out;
}

std::vector<std::string> split(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        out.emplace_back(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return out;
}

[[noreturn]] void unexpected(std::uint8_t number, std::string_view when) {
    throw ProtocolError(DisconnectReason::protocol_error,
                        "unexpected message " + std::to_string(number) + " " + std::string(when));
}

}  // namespace

ClientAuth::ClientAuth(ClientAuthConfig config, Bytes session_id, LayerOutput& out,
                       Botan::RandomNumberGenerator& rng)
    : m_config(std::move(config)), m_session_id(std::move(session_id)), m_out(out), m_rng(rng) {
    if (m_session_id.empty()) throw std::invalid_argument("ClientAuth needs the session identifier");
}

ClientAuth::~ClientAuth() {
    if (m_config.password) wipe(*m_config.password);
}

void ClientAuth::start(TimePoint) {
    if (m_state != State::created) throw std::logic_error("ClientAuth::start called twice");
    m_state = State::awaiting_service_accept;
    m_out.send(ServiceRequest{std::string(k_userauth_service)}.encode());
}

void ClientAuth::on_ext_info(const ExtInfo& info) {
    for (const auto& [name, value] : info.extensions) {
        if (name == "server-sig-algs") m_server_sig_algs = split(value);
    }
}

// ---- answers from the server -----------------------------------------------------------------

void ClientAuth::handle(ByteView payload, TimePoint) {
    const std::uint8_t number = message_number(payload);
    if (m_state == State::authenticated) return;  // nothing after SUCCESS concerns authentication
    const bool request_outstanding = m_state == State::awaiting_answer || m_state == State::awaiting_pk_ok ||
                                     m_state == State::awaiting_info_request;
    switch (number) {
    case msg::service_accept: {
        if (m_state != State::awaiting_service_accept) unexpected(number, "(SERVICE_ACCEPT not expected)");
        const auto accept = ServiceAccept::decode(payload);
        if (accept.service != k_userauth_service) {
            const auto service = detail::printable(accept.service);
            throw ProtocolError(DisconnectReason::protocol_error, "server accepted '" + service + "', not ssh-userauth");
        }
        // "none" asks for the method list (RFC 4252 §5.2); a server may also just let us in.
        send_request("none", {});
        m_state = State::awaiting_answer;
        return;
    }
    case msg::userauth_banner:
        // Allowed any time before success (RFC 4252 §5.4).
        m_out.emit(BannerReceived{UserauthBanner::decode(payload).message});
        return;
    case msg::userauth_success: {
        if (!request_outstanding) unexpected(number, "(USERAUTH_SUCCESS without a request)");
        UserauthSuccess::decode(payload);
        m_chain.push_back(m_method);
        m_state = State::authenticated;
        m_out.emit(AuthSucceeded{m_config.user, join(m_chain, "+")});
        return;
    }
    case msg::userauth_failure:
        if (!request_outstanding) unexpected(number, "(USERAUTH_FAILURE without a request)");
        on_failure(UserauthFailure::decode(payload));
        return;
    case msg::userauth_pk_ok:  // == msg::userauth_info_request: the method in progress decides
        if (m_state == State::awaiting_pk_ok) return on_pk_ok(payload);
        if (m_state == State::awaiting_info_request) return on_info_request(payload);
        unexpected(number, "(neither a publickey query nor keyboard-interactive is in progress)");
    default:
        unexpected(number, "during user authentication");
    }
}

void ClientAuth::on_failure(const UserauthFailure& failure) {
    m_offered = failure.methods_that_can_continue;
    if (failure.partial_success) {
        // A factor passed; the next ones are new questions, so methods tried before may be
        // worth another go, but not the one that just passed.
        m_chain.push_back(m_method);
        if (m_method != "keyboard-interactive") m_kbd_tried = false;
        if (m_method != "password") m_password_tried = false;
    } else if (m_method != "none") {
        ++m_failures;
    }
    m_out.emit(AuthRejected{failure.methods_that_can_continue, failure.partial_success});
    try_next_method();
}

void ClientAuth::on_pk_ok(ByteView payload) {
    const auto ok = UserauthPkOk::decode(payload);
    const PrivateKey& key = m_config.keys[m_key];
    if (ok.algorithm != m_algorithm || ok.key_blob != key.public_key().blob()) {
        throw ProtocolError(DisconnectReason::protocol_error, "USERAUTH_PK_OK names another key or algorithm");
    }
    const Bytes& blob = key.public_key().blob();
    const Bytes signature =
        sign(key, m_algorithm,
             publickey_signed_data(m_session_id, m_config.user, k_connection_service, m_algorithm, blob), m_rng);
    send_request("publickey", Writer{}.boolean(true).string(m_algorithm).string(blob).string(signature).take());
    m_state = State::awaiting_answer;
}

void ClientAuth::on_info_request(ByteView payload) {
    auto request = UserauthInfoRequest::decode(payload);
    std::vector<std::string> responses;
    if (request.prompts.empty()) {
        // RFC 4256 §3.4: zero prompts still need a (zero-length) response.
        send_info_response(responses);
        return;
    }
    if (m_config.password && !m_auto_answered && request.prompts.size() == 1 && !request.prompts.front().echo) {
        // One hidden question is the password prompt of PAM and friends. Answer it once only:
        // a second such round is something else (a one-time code) and goes to the driver. The
        // password method would repeat the same secret, so it counts as tried.
        m_auto_answered = true;
        m_password_tried = true;
        responses.push_back(*m_config.password);
        send_info_response(responses);
        return;
    }
    PromptsReceived event{std::move(request.name), std::move(request.instruction), {}};
    for (auto& prompt : request.prompts) event.prompts.emplace_back(std::move(prompt.text), prompt.echo);
    m_prompt_count = event.prompts.size();
    m_state = State::awaiting_prompt_answers;
    m_out.emit(std::move(event));
}

void ClientAuth::answer_prompts(std::vector<std::string> responses, TimePoint) {
    if (m_state != State::awaiting_prompt_answers) {
        for (auto& response : responses) wipe(response);
        throw std::logic_error("answer_prompts without pending keyboard-interactive prompts");
    }
    if (responses.size() != m_prompt_count) {
        for (auto& response : responses) wipe(response);
        throw std::invalid_argument(std::to_string(responses.size()) + " answers to " +
                                    std::to_string(m_prompt_count) + " prompts");
    }
    send_info_response(responses);
}

void ClientAuth::send_info_response(std::vector<std::string>& responses) {
    UserauthInfoResponse message{std::move(responses)};
    m_out.send(message.encode());
    for (auto& response : message.responses) wipe(response);
    m_state = State::awaiting_info_request;
}

// ---- choosing and sending the next method --------------------------------------------------

// OpenSSH's order (PreferredAuthentications): publickey, keyboard-interactive, password.
void ClientAuth::try_next_method() {
    if (offered("publickey") && m_next_key < m_config.keys.size()) {
        try_key(m_next_key++);
        return;
    }
    if (offered("keyboard-interactive") && m_config.try_keyboard_interactive && !m_kbd_tried) {
        m_kbd_tried = true;
        m_auto_answered = false;
        // language tag (deprecated, empty) and submethods (none preferred): RFC 4256 §3.1.
        send_request("keyboard-interactive", Writer{}.string(std::string_view()).string(std::string_view()).take());
        m_state = State::awaiting_info_request;
        return;
    }
    if (offered("password") && m_config.password && !m_password_tried) {
        m_password_tried = true;
        send_request("password", Writer{}.boolean(false).string(*m_config.password).take());
        m_state = State::awaiting_answer;
        return;
    }
    throw ProtocolError(DisconnectReason::no_more_auth_methods_available, no_method_left());
}

void ClientAuth::try_key(std::size_t index) {
    const PrivateKey& key = m_config.keys[index];
    m_key = index;
    m_algorithm = algorithm_for(key);
    // The query costs no signature and, for a key that is refused, no private-key operation.
    send_request("publickey", Writer{}.boolean(false).string(m_algorithm).string(key.public_key().blob()).take());
    m_state = State::awaiting_pk_ok;
}

void ClientAuth::send_request(const std::string& method, Bytes method_data) {
    m_method = method;
    UserauthRequest request{m_config.user, std::string(k_connection_service), method, std::move(method_data)};
    m_out.send(request.encode());
    wipe(request.method_data);  // may hold the password
}

std::string ClientAuth::algorithm_for(const PrivateKey& key) const {
    if (key.type() != KeyType::rsa) return std::string(signature_algorithms_for(key.type()).front());
    if (m_server_sig_algs) {
        const auto& listed = *m_server_sig_algs;
        for (const std::string_view preferred : {"rsa-sha2-512", "rsa-sha2-256"}) {
            if (std::find(listed.begin(), listed.end(), preferred) != listed.end()) return std::string(preferred);
        }
    }
    // No server-sig-algs, or one without rsa-sha2: RFC 8332 §3.3 lets us fall back to ssh-rsa.
    return "ssh-rsa";
}

bool ClientAuth::offered(std::string_view method) const {
    return std::find(m_offered.begin(), m_offered.end(), method) != m_offered.end();
}

std::string ClientAuth::no_method_left() const {
    std::string text = "authentication failed for user '" + detail::printable(m_config.user) + "' after " +
                       std::to_string(m_failures) + " refusal(s): the server accepts '" +
                       detail::printable(join(m_offered, ",")) + "'";
    std::vector<std::string> ours;
    if (!m_config.keys.empty()) ours.push_back("publickey (" + std::to_string(m_config.keys.size()) + " keys)");
    if (m_config.try_keyboard_interactive) ours.emplace_back("keyboard-interactive");
    if (m_config.password) ours.emplace_back("password");
    text += ", we have " + (ours.empty() ? std::string("no credentials") : join(ours, ", "));
    if (!m_chain.empty()) text += "; passed so far: " + join(m_chain, "+");
    return text;
}

}  // namespace wharf::ssh
