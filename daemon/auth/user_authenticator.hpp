// SSH authentication policy from the configured users: which methods a user may use (their
// auth_methods chains), whether a credential is theirs, and from where they may log in.
// One per connection; the protocol side (prompts, PK_OK, delays, attempt limits) is
// ssh::ServerAuth's. Password hashes are verified by the caller off the event loop.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "protocols/ssh/auth_server.hpp"
#include "protocols/ssh/authorized_keys.hpp"
#include "protocols/ssh/events.hpp"

namespace wharf::auth {

/// Live authenticated sessions per user, for users[].max_sessions. Shared by all connections.
class SessionCounter {
public:
    /// Counts a session for `user` unless that would exceed `limit` (0: unlimited).
    bool try_add(const std::string& user, unsigned limit);
    void remove(const std::string& user);
    unsigned count(const std::string& user) const;

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, unsigned> m_counts;
};

class UserAuthenticator {
public:
    UserAuthenticator(std::shared_ptr<const config::Config> config, std::string remote_address,
                      SessionCounter& sessions);
    ~UserAuthenticator();
    UserAuthenticator(const UserAuthenticator&) = delete;
    UserAuthenticator& operator=(const UserAuthenticator&) = delete;

    /// The stored hash to check this request's password against, when it carries one
    /// (password, or keyboard-interactive answers). An empty hash means "no such password":
    /// the caller still spends a dummy verification so timing reveals nothing.
    std::optional<std::string> password_hash_to_check(const ssh::AuthRequest& request) const;

    /// The decision for `request`; `password_matches` is the caller's verification result
    /// for requests password_hash_to_check() named.
    ssh::AuthDecision decide(const ssh::AuthRequest& request, bool password_matches);

    /// The user once a decision accepted them (counted in SessionCounter until destruction).
    const std::string& authenticated_user() const { return m_authenticated_user; }

private:
    const config::User* usable_user(const std::string& name, std::string& reason) const;
    bool key_authorized(const config::User& user, const ssh::AuthRequest& request, std::string& reason);
    std::vector<std::string> next_methods(const config::User& user) const;
    ssh::AuthDecision method_passed(const config::User& user, config::AuthMethod method);
    bool chain_allows(const config::User& user, config::AuthMethod method) const;

    std::shared_ptr<const config::Config> m_config;
    std::string m_remote;
    SessionCounter& m_sessions;
    std::string m_user;  ///< whose chain m_completed belongs to
    std::set<config::AuthMethod> m_completed;
    std::optional<std::vector<ssh::AuthorizedKey>> m_keys;  ///< loaded on first use
    std::string m_authenticated_user;
};

}  // namespace wharf::auth
