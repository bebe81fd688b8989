#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/hooks/hook_runner.hpp"
#include "daemon/logging/log.hpp"
#include "support/temp_dir.hpp"

namespace net = boost::asio;
using wharf::config::HookCommand;
using wharf::config::HookEvent;
using wharf::daemon::HookContext;
using wharf::daemon::HookRunner;
using wharf::daemon::HookVerdict;
using wharf::test::TempDir;
using namespace std::chrono_literals;

namespace {

struct RestoreStderrLogging {
    ~RestoreStderrLogging() { wharf::log::configure({}); }
};

// A scratch directory with a debug log file, for hooks and the lines they cause.
struct HookFixture {
    TempDir dir;
    RestoreStderrLogging restore;
    HookFixture() { wharf::log::configure({wharf::config::LogLevel::debug, wharf::config::LogFormat::json, log_file()}); }

    std::filesystem::path log_file() const { return dir / "wharf.log"; }

    // A `#!/bin/sh` hook script: the daemon executes it directly; the kernel picks the interpreter.
    std::string script(std::string_view name, std::string_view body) const {
        const auto file = dir.write(name, "#!/bin/sh\n" + std::string(body) + "\n");
        std::filesystem::permissions(file, std::filesystem::perms::owner_all);
        return file.string();
    }

    std::string log_text() const {
        std::ifstream in(log_file());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
};

std::shared_ptr<const wharf::config::Config> with_hook(HookEvent event, std::optional<HookCommand> pre,
                                                       std::optional<HookCommand> post = std::nullopt) {
    auto config = std::make_shared<wharf::config::Config>();
    config->hooks.at(static_cast<std::size_t>(event)) = {std::move(pre), std::move(post)};
    return config;
}

HookCommand command(std::string path, std::vector<std::string> args = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return HookCommand{std::move(path), std::move(args), timeout};
}

HookContext upload_context() {
    HookContext context;
    context.event = HookEvent::upload;
    context.protocol = "sftp";
    context.user = "alice";
    context.remote = "192.0.2.7:50022";
    context.path = "/in/report.csv";
    context.real_path = "/srv/alice/in/report.csv";
    return context;
}

struct PreResult {
    HookVerdict verdict;
    std::thread::id delivered_on;
    std::chrono::milliseconds elapsed;
};

// Runs the pre hook with an io_context standing in for a session's worker loop.
PreResult run_pre(const HookRunner& runner, HookContext context) {
    net::io_context io;
    auto work = net::make_work_guard(io);
    std::optional<PreResult> result;
    const auto started = std::chrono::steady_clock::now();
    runner.run_pre(std::move(context), io.get_executor(), [&](HookVerdict verdict) {
        result = PreResult{std::move(verdict), std::this_thread::get_id(),
                           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)};
        work.reset();
    });
    io.run_for(20s);
    REQUIRE(result);
    return *result;
}

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Gone, or a zombie waiting for whoever inherited it: either way no longer running.
bool not_running(pid_t pid) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

}  // namespace

TEST_CASE("without a pre hook the operation is allowed at once", "[hooks]") {
    const HookRunner runner(with_hook(HookEvent::upload, std::nullopt));
    CHECK_FALSE(runner.has_pre(HookEvent::upload));
    CHECK_FALSE(runner.has_post(HookEvent::upload));
    const auto result = run_pre(runner, upload_context());
    CHECK(result.verdict.allowed);
    CHECK(result.delivered_on == std::this_thread::get_id());
}

TEST_CASE("a pre hook exiting 0 allows, on the caller's executor", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(HookEvent::upload, command(fixture.script("allow", "exit 0"))));
    CHECK(runner.has_pre(HookEvent::upload));
    const auto result = run_pre(runner, upload_context());
    CHECK(result.verdict.allowed);
    CHECK(result.delivered_on == std::this_thread::get_id());
    CHECK(fixture.log_text().find(R"("event":"hook.pre.allow")") != std::string::npos);
}

TEST_CASE("a pre hook exiting non-zero denies with its first stdout line", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(
        HookEvent::upload, command(fixture.script("deny", "echo \"quota exceeded for $WHARF_USER\"\necho more\nexit 3"))));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == "quota exceeded for alice");
    const auto log = fixture.log_text();
    CHECK(log.find(R"("event":"hook.pre.deny","proto":"sftp","user":"alice","remote":"192.0.2.7:50022",)"
                   R"("path":"/in/report.csv","hook":"upload","exit_status":3,"message":"quota exceeded for alice")") !=
          std::string::npos);
    CHECK(log.find("hook.failed") == std::string::npos);  // it ran and decided: no failure
}

TEST_CASE("a silent refusal gets a default message", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(HookEvent::upload, command(fixture.script("silent", "exit 1"))));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == "upload refused by hook");
}

TEST_CASE("a hanging pre hook is killed at its timeout and denies", "[hooks]") {
    HookFixture fixture;
    const auto pid_file = fixture.dir / "sleeper.pid";
    // The sleep runs in the background, as a grandchild: killing the process group gets it too.
    const HookRunner runner(with_hook(
        HookEvent::upload,
        command(fixture.script("hang", "sleep 30 &\necho $! > \"$1\"\nwait"), {pid_file.string()}, 1s)));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == "upload refused: hook timed out");
    CHECK(result.elapsed >= 900ms);
    CHECK(result.elapsed < 10s);
    const auto log = fixture.log_text();
    CHECK(log.find(R"("event":"hook.failed")") != std::string::npos);
    CHECK(log.find(R"("phase":"pre")") != std::string::npos);
    CHECK(log.find("timed out after 1000 ms") != std::string::npos);
    CHECK(log.find(R"("event":"hook.pre.deny")") != std::string::npos);
    const auto pids = lines_of(pid_file);
    REQUIRE(pids.size() == 1);
    const auto sleeper = static_cast<pid_t>(std::stoi(pids.front()));
    CHECK(eventually([&] { return not_running(sleeper); }, 5s));
}

TEST_CASE("hooks get a clean environment with the WHARF_ variables", "[hooks]") {
    HookFixture fixture;
    const auto out = fixture.dir / "env.txt";
    const HookRunner runner(with_hook(HookEvent::upload, command(fixture.script("env", "env > \"$1\""), {out.string()})));
    auto context = upload_context();
    context.bytes = 1234;
    context.status = "ok";
    REQUIRE(run_pre(runner, context).verdict.allowed);
    const auto lines = lines_of(out);
    const auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
    CHECK(has("PATH=/usr/bin:/bin"));
    CHECK(has("WHARF_EVENT=upload"));
    CHECK(has("WHARF_PROTOCOL=sftp"));
    CHECK(has("WHARF_USER=alice"));
    CHECK(has("WHARF_REMOTE=192.0.2.7:50022"));
    CHECK(has("WHARF_PATH=/in/report.csv"));
    CHECK(has("WHARF_REAL_PATH=/srv/alice/in/report.csv"));
    CHECK(has("WHARF_BYTES=1234"));
    CHECK(has("WHARF_STATUS=ok"));
    for (const auto& line : lines) {
        INFO(line);
        CHECK(line.rfind("WHARF_TARGET_PATH", 0) == std::string::npos);  // unset fields are left out
        CHECK(line.rfind("HOME=", 0) == std::string::npos);               // nothing of the daemon's own
    }
}

TEST_CASE("arguments reach the hook verbatim, without a shell", "[hooks]") {
    HookFixture fixture;
    const auto out = fixture.dir / "args.txt";
    const HookRunner runner(with_hook(
        HookEvent::remove,
        command(fixture.script("args", "printf '%s\\n' \"$@\" > \"$1\""), {out.string(), "two words", "$HOME; rm -rf /", "*"})));
    auto context = upload_context();
    context.event = HookEvent::remove;
    REQUIRE(run_pre(runner, context).verdict.allowed);
    CHECK(lines_of(out) == std::vector<std::string>{out.string(), "two words", "$HOME; rm -rf /", "*"});
}

TEST_CASE("hooks inherit no descriptors beyond stdin, stdout and stderr", "[hooks]") {
    HookFixture fixture;
    // Opened without O_CLOEXEC, as Asio opens sockets.
    const int leaked = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaked > 2);
    const HookRunner runner(with_hook(
        HookEvent::upload,
        command(fixture.script("fds", "if [ -e /proc/$$/fd/$1 ]; then echo inherited; exit 1; fi\nexit 0"),
                {std::to_string(leaked)})));
    const auto result = run_pre(runner, upload_context());
    ::close(leaked);
    CHECK(result.verdict.message.empty());
    CHECK(result.verdict.allowed);
}

TEST_CASE("a hook flooding its output neither hangs nor floods the message", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(
        HookEvent::upload,
        command(fixture.script("flood", "echo 'too much'\nhead -c 8000000 /dev/zero\nhead -c 8000000 /dev/zero >&2\nexit 4"))));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == "too much");
    CHECK(result.elapsed < 10s);  // well before the hook's own timeout
}

TEST_CASE("the first line is capped", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(
        HookEvent::upload, command(fixture.script("long", "head -c 5000 /dev/zero | tr '\\0' x\nexit 1"))));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == std::string(1024, 'x'));
}

TEST_CASE("a pre hook that cannot be started denies", "[hooks]") {
    HookFixture fixture;
    const auto missing = (fixture.dir / "no-such-hook").string();
    const HookRunner runner(with_hook(HookEvent::upload, command(missing)));
    const auto result = run_pre(runner, upload_context());
    CHECK_FALSE(result.verdict.allowed);
    CHECK(result.verdict.message == "upload refused: hook could not be started");
    const auto log = fixture.log_text();
    CHECK(log.find(R"("event":"hook.failed")") != std::string::npos);
    CHECK(log.find("could not be started") != std::string::npos);
    CHECK(log.find(missing) != std::string::npos);
}

TEST_CASE("post hooks run asynchronously with the outcome", "[hooks]") {
    HookFixture fixture;
    const auto marker = fixture.dir / "marker";
    const HookRunner runner(with_hook(
        HookEvent::upload, std::nullopt,
        command(fixture.script("post", "sleep 1\necho \"$WHARF_STATUS $WHARF_BYTES\" > \"$1\""), {marker.string()})));
    CHECK(runner.has_post(HookEvent::upload));
    auto context = upload_context();
    context.status = "ok";
    context.bytes = 42;
    const auto started = std::chrono::steady_clock::now();
    runner.run_post(context);
    CHECK(std::chrono::steady_clock::now() - started < 500ms);  // the hook sleeps 1 s
    CHECK_FALSE(std::filesystem::exists(marker));
    REQUIRE(eventually([&] { return lines_of(marker) == std::vector<std::string>{"ok 42"}; }));
}

TEST_CASE("a failing post hook is logged with its stderr", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(HookEvent::logout, std::nullopt,
                                      command(fixture.script("post-fail", "echo 'disk full' >&2\nexit 2"))));
    HookContext context;
    context.event = HookEvent::logout;
    context.protocol = "ssh";
    context.user = "bob";
    runner.run_post(context);
    REQUIRE(eventually([&] { return fixture.log_text().find("hook.failed") != std::string::npos; }));
    const auto log = fixture.log_text();
    CHECK(log.find(R"("hook":"logout","phase":"post")") != std::string::npos);
    CHECK(log.find(R"("reason":"exited with status 2")") != std::string::npos);
    CHECK(log.find(R"("stderr":"disk full")") != std::string::npos);
}

TEST_CASE("a verdict for an executor whose context is gone is dropped safely", "[hooks]") {
    HookFixture fixture;
    const HookRunner runner(with_hook(HookEvent::upload, command(fixture.script("slow", "sleep 1"))));
    auto called = std::make_shared<bool>(false);
    {
        net::io_context io;
        runner.run_pre(upload_context(), io.get_executor(), [called](HookVerdict) { *called = true; });
    }  // destroyed while the hook still runs
    CHECK(called.use_count() == 1);  // the held completion went with its context
    REQUIRE(eventually([&] { return fixture.log_text().find("hook.pre.allow") != std::string::npos; }));
    CHECK_FALSE(*called);
}
