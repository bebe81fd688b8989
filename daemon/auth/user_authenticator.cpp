#include "daemon/auth/user_authenticator.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "protocols/ssh/address_match.hpp"

namespace wharf::auth {

namespace {

using Method = ssh::AuthRequest::Method;

// What an unknown or refused user is told: the same list a typical user sees, so the answer
// does not reveal whether the account exists.
const std::vector<std::string> decoy_methods{"publickey", "password", "keyboard-interactive"};

std::optional<config::AuthMethod> config_method(Method method) {
    switch (method) {
        case Method::password: return config::AuthMethod::password;
        case Method::publickey: return config::AuthMethod::publickey;
        case Method::keyboard_interactive: return config::AuthMethod::keyboard_interactive;
        case Method::none: return std::nullopt;
    }
    return std::nullopt;
}

std::string chain_text(const std::set<config::AuthMethod>& methods) {
    std::string text;
    for (const auto m : methods) text += (text.empty() ? "" : "+") + std::string(config::auth_method_name(m));
    return text;
}

}  // namespace

bool SessionCounter::try_add(const std::string& user, unsigned limit) {
    std::lock_guard lock(m_mutex);
    auto& count = m_counts[user];
    if (limit != 0 && count >= limit) return false;
    ++count;
    return true;
}

void SessionCounter::remove(const std::string& user) {
    std::lock_guard lock(m_mutex);
    const auto it = m_counts.find(user);
    if (it == m_counts.end()) return;
    if (--it->second == 0) m_counts.erase(it);
}

unsigned SessionCounter::count(const std::string& user) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_counts.find(user);
    return it == m_counts.end() ? 0 : it->second;
}

UserAuthenticator::UserAuthenticator(std::shared_ptr<const config::Config> config, std::string remote_address,
                                     SessionCounter& sessions)
    : m_config(std::move(config)), m_remote(std::move(remote_address)), m_sessions(sessions) {}

UserAuthenticator::~UserAuthenticator() {
    if (!m_authenticated_user.empty()) m_sessions.remove(m_authenticated_user);
}

const config::User* UserAuthenticator::usable_user(const std::string& name, std::string& reason) const {
    const auto* user = m_config->find_user(name);
    if (!user) reason = "unknown user";
    else if (user->disabled) reason = "account disabled";
    else if (!user->address_allowed(m_remote)) reason = "address " + m_remote + " not allowed";
    else return user;
    return nullptr;
}

std::optional<std::string> UserAuthenticator::password_hash_to_check(const ssh::AuthRequest& request) const {
    const bool carries_password = request.method == Method::password ||
                                  (request.method == Method::keyboard_interactive && !request.responses.empty());
    if (!carries_password) return std::nullopt;
    const auto* user = m_config->find_user(request.user);
    return user ? user->password_hash : std::string();
}

bool UserAuthenticator::chain_allows(const config::User& user, config::AuthMethod method) const {
    return std::any_of(user.auth_methods.begin(), user.auth_methods.end(), [&](const config::AuthChain& chain) {
        const bool has_method = std::find(chain.begin(), chain.end(), method) != chain.end();
        const bool has_completed = std::all_of(m_completed.begin(), m_completed.end(), [&](auto done) {
            return std::find(chain.begin(), chain.end(), done) != chain.end();
        });
        return has_method && has_completed;
    });
}

// Methods still to do in every chain that contains what is already done. Before any method
// has passed, every user (and every unknown name) is offered the same list, so the answer
// says nothing about which accounts exist or how they are configured.
std::vector<std::string> UserAuthenticator::next_methods(const config::User& user) const {
    if (m_completed.empty()) return decoy_methods;
    std::vector<std::string> methods;
    for (const auto& chain : user.auth_methods) {
        const bool fits = std::all_of(m_completed.begin(), m_completed.end(), [&](auto done) {
            return std::find(chain.begin(), chain.end(), done) != chain.end();
        });
        if (!fits) continue;
        for (const auto method : chain) {
            const std::string name(config::auth_method_name(method));
            if (!m_completed.contains(method) && std::find(methods.begin(), methods.end(), name) == methods.end()) {
                methods.push_back(name);
            }
        }
    }
    return methods;
}

ssh::AuthDecision UserAuthenticator::method_passed(const config::User& user, config::AuthMethod method) {
    m_completed.insert(method);
    const bool complete = std::any_of(user.auth_methods.begin(), user.auth_methods.end(), [&](const auto& chain) {
        return std::all_of(chain.begin(), chain.end(), [&](auto m) { return m_completed.contains(m); });
    });
    if (!complete) return ssh::AuthDecision::partial(next_methods(user));
    if (!m_sessions.try_add(user.name, user.max_sessions)) {
        m_completed.clear();
        return ssh::AuthDecision::reject(next_methods(user), "max_sessions reached");
    }
    m_authenticated_user = user.name;
    auto decision = ssh::AuthDecision::accept();
    decision.reason = chain_text(m_completed);
    return decision;
}

bool UserAuthenticator::key_authorized(const config::User& user, const ssh::AuthRequest& request, std::string& reason) {
    if (!m_keys) {
        std::string text;
        for (const auto& line : user.authorized_keys) text += line + "\n";
        if (!user.authorized_keys_file.empty()) {
            std::ifstream in(user.authorized_keys_file);  // small, and read once per connection
            std::stringstream file;
            file << in.rdbuf();
            text += file.str();
        }
        std::vector<ssh::AuthorizedKeysError> skipped;  // sshd's rule: a bad line spoils only itself
        m_keys = ssh::parse_authorized_keys(text, &skipped);
    }
    const auto now = std::chrono::system_clock::now();
    for (const auto& entry : *m_keys) {
        if (entry.key.blob() != request.public_key_blob) continue;
        if (entry.options.cert_authority) {
            reason = "certificate authority keys are not accepted as user keys";
            return false;
        }
        if (entry.options.from && !ssh::match_from_patterns(*entry.options.from, m_remote)) {
            reason = "key not allowed from " + m_remote;
            return false;
        }
        if (entry.options.expiry_time && *entry.options.expiry_time < now) {
            reason = "key expired";
            return false;
        }
        return true;
    }
    reason = "key not authorized";
    return false;
}

ssh::AuthDecision UserAuthenticator::decide(const ssh::AuthRequest& request, bool password_matches) {
    if (request.user != m_user) {  // a new user name starts over (RFC 4252 §5)
        m_user = request.user;
        m_completed.clear();
    }
    std::string reason;
    const auto* user = usable_user(request.user, reason);
    if (!user) {
        if (request.method == Method::keyboard_interactive && request.responses.empty()) {
            return ssh::AuthDecision::prompt({{"Password: ", false}});  // as for a real user
        }
        return ssh::AuthDecision::reject(decoy_methods, reason);
    }
    const auto method = config_method(request.method);
    if (!method) return ssh::AuthDecision::reject(next_methods(*user), "none");
    if (!chain_allows(*user, *method)) {
        return ssh::AuthDecision::reject(next_methods(*user), std::string(config::auth_method_name(*method)) +
                                                                  " not allowed here for this user");
    }
    switch (*method) {
        case config::AuthMethod::publickey: {
            if (!key_authorized(*user, request, reason)) return ssh::AuthDecision::reject(next_methods(*user), reason);
            if (!request.has_signature) return ssh::AuthDecision::accept();  // query: PK_OK
            return method_passed(*user, *method);
        }
        case config::AuthMethod::keyboard_interactive:
            if (request.responses.empty()) return ssh::AuthDecision::prompt({{"Password: ", false}});
            [[fallthrough]];
        case config::AuthMethod::password:
            if (!password_matches) return ssh::AuthDecision::reject(next_methods(*user), "wrong password");
            return method_passed(*user, *method);
    }
    return ssh::AuthDecision::reject(next_methods(*user), "unsupported method");
}

}  // namespace wharf::auth
