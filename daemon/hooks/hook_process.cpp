#include "daemon/hooks/hook_process.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <system_error>

namespace wharf::daemon {

namespace net = boost::asio;

namespace {

// How often exit is polled when pidfd_open is unavailable (kernels before 5.3, seccomp).
constexpr auto exit_poll_interval = std::chrono::milliseconds(50);
// Output still in a pipe when the child has exited is read up to this much: a grandchild
// that inherited the pipe and keeps writing must not hold us here.
constexpr std::size_t max_drain_bytes = 64 * 1024;

void check(int result, const char* what) {
    if (result != 0) throw std::system_error(result, std::system_category(), what);
}

struct Pipe {
    vfs::UniqueFd read_end;
    vfs::UniqueFd write_end;
};

// Both ends close on exec; the child gets the write end as stdout/stderr through dup2, which
// clears that flag on the copy.
Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe2");
    return Pipe{vfs::UniqueFd(fds[0]), vfs::UniqueFd(fds[1])};
}

class SpawnFileActions {
public:
    SpawnFileActions() { check(::posix_spawn_file_actions_init(&m_actions), "posix_spawn_file_actions_init"); }
    ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&m_actions); }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &m_actions; }

private:
    posix_spawn_file_actions_t m_actions;
};

class SpawnAttributes {
public:
    SpawnAttributes() { check(::posix_spawnattr_init(&m_attributes), "posix_spawnattr_init"); }
    ~SpawnAttributes() { ::posix_spawnattr_destroy(&m_attributes); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* get() { return &m_attributes; }

private:
    posix_spawnattr_t m_attributes;
};

// stdin from /dev/null, stdout and stderr into our pipes, nothing else: Asio opens sockets
// without O_CLOEXEC, so every descriptor above stderr is closed in the child, or a hook would
// hold client connections and listening sockets open.
void route_descriptors(SpawnFileActions& actions, int stdout_fd, int stderr_fd) {
    check(::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
    check(::posix_spawn_file_actions_adddup2(actions.get(), stdout_fd, STDOUT_FILENO), "posix_spawn_file_actions_adddup2");
    check(::posix_spawn_file_actions_adddup2(actions.get(), stderr_fd, STDERR_FILENO), "posix_spawn_file_actions_adddup2");
    check(::posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1),
          "posix_spawn_file_actions_addclosefrom_np");
}

// Its own process group (so a timeout kills what the hook started too), no blocked signals
// and default dispositions: the daemon ignores SIGPIPE and its hook thread blocks everything,
// and exec would pass both on.
void isolate(SpawnAttributes& attributes) {
    check(::posix_spawnattr_setflags(attributes.get(),
                                     POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
          "posix_spawnattr_setflags");
    check(::posix_spawnattr_setpgroup(attributes.get(), 0), "posix_spawnattr_setpgroup");
    sigset_t none;
    sigemptyset(&none);
    check(::posix_spawnattr_setsigmask(attributes.get(), &none), "posix_spawnattr_setsigmask");
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    check(::posix_spawnattr_setsigdefault(attributes.get(), &all), "posix_spawnattr_setsigdefault");
}

// argv/envp for posix_spawn: pointers into `strings`, null-terminated.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const auto& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

void HookProcess::OutputPipe::take(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size && !line_complete; ++i) {
        if (data[i] == '\n' || first_line.size() >= HookOutcome::max_line_bytes) {
            line_complete = true;
        } else {
            first_line.push_back(data[i]);
        }
    }
}

HookProcess::HookProcess(net::io_context& io, Finished finished)
    : m_io(io), m_finished(std::move(finished)), m_pidfd(io), m_poll_timer(io), m_deadline(io), m_stdout(io),
      m_stderr(io), m_started(std::chrono::steady_clock::now()) {}

std::shared_ptr<HookProcess> HookProcess::start(net::io_context& io, const HookLaunch& launch, Finished finished) {
    auto process = std::make_shared<HookProcess>(io, std::move(finished));
    try {
        process->spawn(launch);
    } catch (const std::exception& e) {  // std::system_error from us, boost's from Asio
        HookOutcome outcome;
        outcome.ending = HookOutcome::Ending::not_started;
        outcome.error = e.what();
        // Posted: the caller may still be setting up around start().
        net::post(io, [process, outcome = std::move(outcome)]() mutable { process->complete(std::move(outcome)); });
        return process;
    }
    process->watch_exit();
    process->read(process->m_stdout);
    process->read(process->m_stderr);
    process->m_deadline.expires_after(launch.timeout);
    process->m_deadline.async_wait([process](const boost::system::error_code& ec) { process->on_timeout(ec); });
    return process;
}

void HookProcess::spawn(const HookLaunch& launch) {
    auto out = make_pipe();
    auto err = make_pipe();
    // Our ends are watched before the child exists, so nothing can fail once it does.
    m_stdout.descriptor.assign(out.read_end.release());
    m_stdout.descriptor.non_blocking(true);
    m_stderr.descriptor.assign(err.read_end.release());
    m_stderr.descriptor.non_blocking(true);

    SpawnFileActions actions;
    route_descriptors(actions, out.write_end.get(), err.write_end.get());
    SpawnAttributes attributes;
    isolate(attributes);
    std::vector<std::string> argv_strings{launch.command.string()};
    argv_strings.insert(argv_strings.end(), launch.args.begin(), launch.args.end());
    const auto argv = c_strings(argv_strings);
    const auto envp = c_strings(launch.environment);
    pid_t pid = -1;
    check(::posix_spawn(&pid, launch.command.c_str(), actions.get(), attributes.get(), argv.data(), envp.data()),
          launch.command.c_str());
    m_pid = pid;
    // `out` and `err` close their write ends here: EOF then comes when the child's copies close.
}

void HookProcess::watch_exit() {
    if (!m_pidfd.is_open() && !m_poll_exit) {
        vfs::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0)));
        boost::system::error_code ec;
        if (pidfd) m_pidfd.assign(pidfd.get(), ec);
        if (pidfd && !ec) {
            pidfd.release();
        } else {
            m_poll_exit = true;
        }
    }
    auto self = shared_from_this();
    if (!m_poll_exit) {
        // A pidfd turns readable when the process exits.
        m_pidfd.async_wait(net::posix::stream_descriptor::wait_read,
                           [self](const boost::system::error_code& ec) { self->on_exit_ready(ec); });
    } else {
        m_poll_timer.expires_after(exit_poll_interval);
        m_poll_timer.async_wait([self](const boost::system::error_code& ec) { self->on_exit_ready(ec); });
    }
}

void HookProcess::on_exit_ready(const boost::system::error_code& ec) {
    if (m_reaped) return;
    if (ec && !m_poll_exit) {
        boost::system::error_code ignored;
        m_pidfd.close(ignored);  // the pidfd failed us: poll instead
        m_poll_exit = true;
    }
    int status = 0;
    pid_t result = 0;
    do {
        result = ::waitpid(m_pid, &status, WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result == 0) return watch_exit();  // a spurious wake-up, or the next poll
    m_reaped = true;
    HookOutcome outcome;
    if (result < 0) {
        outcome.ending = HookOutcome::Ending::lost;
        outcome.error = "waitpid: " + std::system_category().message(errno);
    } else {
        outcome = outcome_of(status);
    }
    // Posted, so read completions the reactor has already queued (the hook's last words,
    // written just before it exited) are handled first; complete() then reads what is left.
    net::post(m_io, [self = shared_from_this(), outcome = std::move(outcome)]() mutable {
        self->complete(std::move(outcome));
    });
}

HookOutcome HookProcess::outcome_of(int wait_status) const {
    HookOutcome outcome;
    if (WIFEXITED(wait_status)) {
        outcome.ending = HookOutcome::Ending::exited;
        outcome.exit_status = WEXITSTATUS(wait_status);
    } else if (m_killed_for != HookOutcome::Ending::exited) {
        outcome.ending = m_killed_for;
        outcome.signal = WTERMSIG(wait_status);
    } else {
        outcome.ending = HookOutcome::Ending::killed_by_signal;
        outcome.signal = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    }
    return outcome;
}

void HookProcess::read(OutputPipe& pipe) {
    pipe.descriptor.async_read_some(
        net::buffer(pipe.buffer), [self = shared_from_this(), &pipe](const boost::system::error_code& ec, std::size_t n) {
            if (ec || self->m_finished == nullptr) return;  // EOF, or closed by complete()
            pipe.take(pipe.buffer.data(), n);
            self->read(pipe);
        });
}

void HookProcess::drain(OutputPipe& pipe) {
    for (std::size_t drained = 0; pipe.descriptor.is_open() && drained < max_drain_bytes;) {
        boost::system::error_code ec;
        const auto n = pipe.descriptor.read_some(net::buffer(pipe.buffer), ec);
        if (ec) break;  // would_block or EOF: nothing more for now
        pipe.take(pipe.buffer.data(), n);
        drained += n;
    }
}

void HookProcess::on_timeout(const boost::system::error_code& ec) {
    if (ec || m_reaped) return;
    m_killed_for = HookOutcome::Ending::timed_out;
    kill_group();
}

void HookProcess::stop() {
    if (m_reaped || m_pid <= 0) return;
    m_killed_for = HookOutcome::Ending::stopped;
    kill_group();
}

void HookProcess::kill_group() {
    if (m_reaped || m_pid <= 0) return;
    // Not reaped yet, so the group id (the child's pid) cannot have been reused.
    if (::kill(-m_pid, SIGKILL) != 0) ::kill(m_pid, SIGKILL);
}

void HookProcess::complete(HookOutcome outcome) {
    if (m_finished == nullptr) return;
    m_reaped = true;
    drain(m_stdout);
    drain(m_stderr);
    boost::system::error_code ignored;
    m_deadline.cancel();
    m_poll_timer.cancel();
    m_pidfd.close(ignored);
    m_stdout.descriptor.close(ignored);
    m_stderr.descriptor.close(ignored);
    const auto trim = [](std::string line) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        return line;
    };
    outcome.first_stdout_line = trim(std::move(m_stdout.first_line));
    outcome.first_stderr_line = trim(std::move(m_stderr.first_line));
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_started);
    auto finished = std::exchange(m_finished, nullptr);
    finished(std::move(outcome));
}

}  // namespace wharf::daemon
