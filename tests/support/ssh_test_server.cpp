// wharfd with stand-in channel handlers, so SSH interop tests can exercise channels before
// the SFTP and SCP handlers exist: subsystem "echo", and exec commands "echo", "source N"
// (sends N bytes) and "sink" (counts what arrives, prints the count). Same config, same
// Server, same SSH service as wharfd; only the handlers differ. Never installed.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "config/loader.hpp"
#include "daemon/listeners/ssh_service.hpp"
#include "daemon/logging/log.hpp"

namespace {

using namespace wharf::daemon;

class Echo final : public ChannelHandler {
public:
    explicit Echo(ChannelContext& context) : m_context(context) {}
    void on_data(ByteSpan data) override {
        m_pending.insert(m_pending.end(), data.begin(), data.end());
        m_received += data.size();
        pump();
    }
    void on_eof() override {
        m_eof = true;
        pump();
    }
    void on_writable() override { pump(); }

private:
    // Writes what the window allows and only then frees our window: the peer can never have
    // more in flight than one window of unechoed bytes.
    void pump() {
        if (!m_pending.empty()) {
            const auto written = m_context.write(m_pending);
            m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(written));
            m_context.consume(written);
        }
        if (m_eof && m_pending.empty() && !m_done) {
            m_done = true;
            m_context.exit(0);
        }
    }
    ChannelContext& m_context;
    std::vector<std::uint8_t> m_pending;
    std::size_t m_received = 0;
    bool m_eof = false;
    bool m_done = false;
};

class Source final : public ChannelHandler {
public:
    Source(ChannelContext& context, std::uint64_t total) : m_context(context), m_left(total) {}
    void on_start() override { pump(); }
    void on_data(ByteSpan data) override { m_context.consume(data.size()); }
    void on_eof() override {}
    void on_writable() override { pump(); }

private:
    void pump() {
        std::array<std::uint8_t, 32768> block{};
        for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>('a' + i % 26);
        while (m_left > 0) {
            const auto chunk = std::min<std::uint64_t>(m_left, block.size());
            const auto written = m_context.write(ByteSpan(block.data(), chunk));
            m_left -= written;
            if (written < chunk) return;  // window full: on_writable() resumes
        }
        if (!m_done) {
            m_done = true;
            m_context.exit(0);
        }
    }
    ChannelContext& m_context;
    std::uint64_t m_left;
    bool m_done = false;
};

class Sink final : public ChannelHandler {
public:
    explicit Sink(ChannelContext& context) : m_context(context) {}
    void on_data(ByteSpan data) override {
        m_count += data.size();
        m_context.consume(data.size());
    }
    void on_eof() override {
        const auto line = fmt::format("{}\n", m_count);
        m_context.write(ByteSpan(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()));
        m_context.exit(0);
    }

private:
    ChannelContext& m_context;
    std::uint64_t m_count = 0;
};

std::unique_ptr<ChannelHandler> exec_handler(ChannelContext& context, const std::string& command) {
    if (command == "echo") return std::make_unique<Echo>(context);
    if (command == "sink") return std::make_unique<Sink>(context);
    if (command.starts_with("source ")) {
        std::uint64_t total = 0;
        const auto digits = std::string_view(command).substr(7);
        if (std::from_chars(digits.data(), digits.data() + digits.size(), total).ec == std::errc{}) {
            return std::make_unique<Source>(context, total);
        }
    }
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || std::string_view(argv[1]) != "--config") {
        fmt::print(stderr, "usage: ssh_test_server --config FILE\n");
        return 2;
    }
    try {
        const auto config = wharf::config::load_file(argv[2]);
        wharf::log::configure(config->server.log);
        Server server(argv[2], config);
        auto handlers = std::make_shared<ChannelHandlers>();
        handlers->subsystems["echo"] = [](ChannelContext& context, const ChannelSessionInfo&, const std::string&) {
            return std::make_unique<Echo>(context);
        };
        handlers->exec = [](ChannelContext& context, const ChannelSessionInfo&, const std::string& command) {
            return exec_handler(context, command);
        };
        server.add_service(make_ssh_service(server, std::move(handlers)));
        return server.run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "ssh_test_server: {}\n", e.what());
        return 1;
    }
}
