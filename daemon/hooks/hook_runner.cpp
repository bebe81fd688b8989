#include "daemon/hooks/hook_runner.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include "daemon/hooks/hook_service.hpp"
#include "daemon/hooks/verdict_mailbox.hpp"
#include "daemon/logging/log.hpp"

namespace wharf::daemon {

namespace net = boost::asio;

namespace {

// Hooks find the usual tools without inheriting the daemon's environment (which may carry
// credentials or LD_* variables).
constexpr const char* hook_path = "PATH=/usr/bin:/bin";

std::vector<std::string> hook_environment(const HookContext& context) {
    std::vector<std::string> environment{hook_path,
                                         fmt::format("WHARF_EVENT={}", config::hook_event_name(context.event))};
    const auto add = [&](std::string_view name, const std::string& value) {
        if (!value.empty()) environment.push_back(fmt::format("{}={}", name, value));
    };
    add("WHARF_PROTOCOL", context.protocol);
    add("WHARF_USER", context.user);
    add("WHARF_REMOTE", context.remote);
    add("WHARF_PATH", context.path);
    add("WHARF_TARGET_PATH", context.target_path);
    add("WHARF_REAL_PATH", context.real_path);
    if (context.bytes) environment.push_back(fmt::format("WHARF_BYTES={}", *context.bytes));
    add("WHARF_STATUS", context.status);
    return environment;
}

HookLaunch launch_for(const config::HookCommand& hook, const HookContext& context) {
    return HookLaunch{hook.command, hook.args, hook_environment(context), hook.timeout};
}

// Why a hook did not run to a clean exit, for hook.failed; empty when it did.
std::string failure_reason(const HookOutcome& outcome, std::chrono::milliseconds timeout) {
    switch (outcome.ending) {
        case HookOutcome::Ending::exited:
            return outcome.exit_status == 0 ? std::string() : fmt::format("exited with status {}", outcome.exit_status);
        case HookOutcome::Ending::killed_by_signal: return fmt::format("killed by signal {}", outcome.signal);
        case HookOutcome::Ending::timed_out: return fmt::format("timed out after {} ms and was killed", timeout.count());
        case HookOutcome::Ending::stopped: return "killed: the daemon is exiting";
        case HookOutcome::Ending::not_started: return "could not be started: " + outcome.error;
        case HookOutcome::Ending::lost: return "exit status lost: " + outcome.error;
    }
    return "?";
}

// The context's standard log fields, leaving out those an event does not have (a login has
// no path).
log::Event& describe(log::Event& line, const HookContext& context) {
    if (!context.protocol.empty()) line.proto(context.protocol);
    if (!context.user.empty()) line.user(context.user);
    if (!context.remote.empty()) line.remote(context.remote);
    if (!context.path.empty()) line.path(context.path);
    return line.field("hook", config::hook_event_name(context.event));
}

void log_failure(const HookContext& context, std::string_view phase, const config::HookCommand& hook,
                 const HookOutcome& outcome, const std::string& reason) {
    auto line = log::warn("hook.failed");
    describe(line, context).field("phase", phase).field("command", hook.command.string()).field("reason", reason)
        .ms(outcome.elapsed.count());
    if (!outcome.first_stderr_line.empty()) line.field("stderr", outcome.first_stderr_line);
}

// What the client is told when a pre hook says no, or could not say yes.
std::string denial_message(const HookContext& context, const HookOutcome& outcome) {
    const auto event = config::hook_event_name(context.event);
    switch (outcome.ending) {
        case HookOutcome::Ending::exited:
            if (!outcome.first_stdout_line.empty()) return outcome.first_stdout_line;
            return fmt::format("{} refused by hook", event);
        case HookOutcome::Ending::timed_out: return fmt::format("{} refused: hook timed out", event);
        case HookOutcome::Ending::killed_by_signal:
        case HookOutcome::Ending::stopped: return fmt::format("{} refused: hook was killed", event);
        case HookOutcome::Ending::not_started: return fmt::format("{} refused: hook could not be started", event);
        case HookOutcome::Ending::lost: return fmt::format("{} refused: hook failed", event);
    }
    return fmt::format("{} refused by hook", event);
}

// A pre hook's outcome as a verdict: only a clean exit 0 allows. Logs the denial.
HookVerdict judge_pre(const HookContext& context, const config::HookCommand& hook, const HookOutcome& outcome) {
    if (outcome.succeeded()) {
        auto line = log::debug("hook.pre.allow");
        describe(line, context).ms(outcome.elapsed.count());
        return HookVerdict{};
    }
    const bool decided = outcome.ending == HookOutcome::Ending::exited;
    if (!decided) log_failure(context, "pre", hook, outcome, failure_reason(outcome, hook.timeout));
    HookVerdict verdict{false, denial_message(context, outcome)};
    auto line = log::warn("hook.pre.deny");
    describe(line, context);
    if (decided) line.field("exit_status", outcome.exit_status);  // otherwise hook.failed says why
    line.field("message", verdict.message).ms(outcome.elapsed.count());
    return verdict;
}

void judge_post(const HookContext& context, const config::HookCommand& hook, const HookOutcome& outcome) {
    if (outcome.succeeded()) {
        auto line = log::debug("hook.post.done");
        describe(line, context).ms(outcome.elapsed.count());
        return;
    }
    log_failure(context, "post", hook, outcome, failure_reason(outcome, hook.timeout));
}

}  // namespace

struct HookRunner::Impl {
    std::shared_ptr<const config::Config> config;
};

HookRunner::HookRunner(std::shared_ptr<const config::Config> config)
    : m_impl(std::make_shared<Impl>(Impl{std::move(config)})) {}

HookRunner::~HookRunner() = default;

bool HookRunner::has_pre(config::HookEvent event) const {
    return m_impl->config && m_impl->config->hooks_for(event).pre.has_value();
}

bool HookRunner::has_post(config::HookEvent event) const {
    return m_impl->config && m_impl->config->hooks_for(event).post.has_value();
}

void HookRunner::run_pre(HookContext event, const net::any_io_executor& executor,
                         std::function<void(HookVerdict)> done) const {
    if (!has_pre(event.event)) {
        net::post(executor, [done = std::move(done)] { done(HookVerdict{}); });
        return;
    }
    const auto& hook = *m_impl->config->hooks_for(event.event).pre;
    auto letter = VerdictMailbox::of(executor).hold(executor, std::move(done));
    auto launch = launch_for(hook, event);
    HookService::instance().run(std::move(launch), [event = std::move(event), hook, letter](HookOutcome outcome) {
        letter.deliver(judge_pre(event, hook, outcome));
    });
}

void HookRunner::run_post(HookContext event) const {
    if (!has_post(event.event)) return;
    const auto& hook = *m_impl->config->hooks_for(event.event).post;
    auto launch = launch_for(hook, event);
    HookService::instance().run(std::move(launch), [event = std::move(event), hook](HookOutcome outcome) {
        judge_post(event, hook, outcome);
    });
}

}  // namespace wharf::daemon
