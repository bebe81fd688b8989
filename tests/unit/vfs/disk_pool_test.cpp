#include "daemon/vfs/disk_pool.hpp"

#include "vfs_fixture.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace vfs = wharf::vfs;
namespace net = boost::asio;
using vfs::Errc;

TEST_CASE("completions run on the io_context thread, work on pool threads", "[vfs][disk_pool]") {
    net::io_context io;
    vfs::DiskPool pool(3);
    const auto io_thread = std::this_thread::get_id();
    std::mutex mutex;
    std::set<std::thread::id> work_threads;
    std::atomic<int> completed{0};
    int sum = 0;  // touched only by completions: no lock, as on a connection's context
    constexpr int jobs = 500;
    for (int i = 0; i < jobs; ++i) {
        pool.submit(
            io.get_executor(),
            [&, i] {
                // Catch2 assertions are not thread-safe: record here, check on this thread.
                const std::lock_guard lock(mutex);
                work_threads.insert(std::this_thread::get_id());
                return i;
            },
            [&](int value) {
                CHECK(std::this_thread::get_id() == io_thread);
                sum += value;
                ++completed;
            });
    }
    io.run();  // returns only once every completion ran: the pool holds work guards
    CHECK(completed == jobs);
    CHECK(sum == jobs * (jobs - 1) / 2);
    CHECK(work_threads.size() >= 1);
    CHECK(work_threads.size() <= 3);
    CHECK(work_threads.count(io_thread) == 0);
}

TEST_CASE("void work and Result-returning work", "[vfs][disk_pool]") {
    net::io_context io;
    vfs::DiskPool pool(1);
    bool void_done = false;
    pool.submit(io.get_executor(), [] {}, [&] { void_done = true; });
    std::error_code thrown;
    pool.submit(
        io.get_executor(),
        []() -> vfs::Result<int> { throw std::bad_alloc(); },
        [&](vfs::Result<int> result) { thrown = result.error(); });
    io.run();
    CHECK(void_done);
    CHECK(thrown == Errc::io_error);
}

TEST_CASE("co_await pool.run from a coroutine", "[vfs][disk_pool]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    vfs::test::Sandbox box(strategy);
    const auto& v = box.vfs();
    net::io_context io;
    vfs::DiskPool pool(2);
    const auto io_thread = std::this_thread::get_id();
    std::string content;
    std::error_code missing;
    bool finished = false;
    auto session = [&]() -> net::awaitable<void> {
        auto executor = co_await net::this_coro::executor;
        auto file = co_await pool.run(executor, [&] { return v.open("/pub/file.txt", {.read = true}); },
                                      net::use_awaitable);
        CHECK(std::this_thread::get_id() == io_thread);
        REQUIRE(file);
        content = co_await pool.run(executor, [&] { return vfs::test::read_all(*file); },
                                    net::use_awaitable);
        auto attributes = co_await pool.run(executor, [&] { return v.stat("/nope"); },
                                            net::use_awaitable);
        missing = attributes.error();
        co_await pool.run(executor, [] {}, net::use_awaitable);
        finished = true;
    };
    net::co_spawn(io, session(), net::detached);
    io.run();
    CHECK(finished);
    CHECK(content == "public");
    CHECK(missing == Errc::no_such_file);
}
