// Hands a pre hook's verdict back to the caller's executor from the hook thread without
// outliving that executor's io_context.
//
// A plain post() could reach an io_context already destroyed (a server shutting down while a
// hook still runs). Instead the caller's completion and executor are held by a service of
// the caller's own execution context: delivery posts while that context is alive, and when
// it shuts down first, the service destroys what it holds there, as Asio destroys its own
// pending handlers, and later deliveries find nothing to do.
#pragma once

#include "daemon/hooks/hook_runner.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace wharf::daemon {

class VerdictMailbox final : public boost::asio::execution_context::service {
public:
    using Completion = std::function<void(HookVerdict)>;
    struct Held;  // shared between the service and the letters it gave out

    /// A claim on one held completion; deliver() at most once, from any thread.
    class Letter {
    public:
        void deliver(HookVerdict verdict) const;

    private:
        friend class VerdictMailbox;
        Letter(std::shared_ptr<Held> held, std::uint64_t id) : m_held(std::move(held)), m_id(id) {}
        std::shared_ptr<Held> m_held;
        std::uint64_t m_id;
    };

    static boost::asio::execution_context::id id;

    explicit VerdictMailbox(boost::asio::execution_context& context);

    /// The mailbox of the execution context `executor` belongs to.
    static VerdictMailbox& of(const boost::asio::any_io_executor& executor);

    /// Keeps `done` until the letter is delivered (then posted to `executor`) or the context
    /// shuts down (then destroyed).
    Letter hold(boost::asio::any_io_executor executor, Completion done);

private:
    void shutdown() override;

    std::shared_ptr<Held> m_held;
};

}  // namespace wharf::daemon
