#include "daemon/hooks/verdict_mailbox.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <utility>

namespace wharf::daemon {

namespace net = boost::asio;

struct VerdictMailbox::Held {
    struct Entry {
        net::any_io_executor executor;
        Completion done;
    };
    std::mutex mutex;
    bool open = true;  ///< false once the context has shut down
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, Entry> entries;
};

net::execution_context::id VerdictMailbox::id;

VerdictMailbox::VerdictMailbox(net::execution_context& context)
    : net::execution_context::service(context), m_held(std::make_shared<Held>()) {}

VerdictMailbox& VerdictMailbox::of(const net::any_io_executor& executor) {
    return net::use_service<VerdictMailbox>(net::query(executor, net::execution::context));
}

VerdictMailbox::Letter VerdictMailbox::hold(net::any_io_executor executor, Completion done) {
    std::lock_guard lock(m_held->mutex);
    const auto id_of_letter = m_held->next_id++;
    m_held->entries.emplace(id_of_letter, Held::Entry{std::move(executor), std::move(done)});
    return Letter(m_held, id_of_letter);
}

void VerdictMailbox::Letter::deliver(HookVerdict verdict) const {
    // The post happens under the lock: shutdown() takes it too, so the context cannot go away
    // between the check and the post.
    std::lock_guard lock(m_held->mutex);
    if (!m_held->open) return;
    const auto it = m_held->entries.find(m_id);
    if (it == m_held->entries.end()) return;
    auto entry = std::move(it->second);
    m_held->entries.erase(it);
    net::post(entry.executor, [done = std::move(entry.done), verdict = std::move(verdict)]() mutable {
        done(std::move(verdict));
    });
}

void VerdictMailbox::shutdown() {
    std::map<std::uint64_t, Held::Entry> abandoned;
    {
        std::lock_guard lock(m_held->mutex);
        m_held->open = false;
        abandoned.swap(m_held->entries);
    }
    // Destroyed here, outside the lock: a completion may own a session whose destructor
    // closes sockets on this very context.
}

}  // namespace wharf::daemon
