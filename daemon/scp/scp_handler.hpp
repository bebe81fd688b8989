// The channel handler of an `scp -t` / `scp -f` exec request: feeds the channel to an
// scp::Engine over the user's files, writes what it produces, logs each transfer
// (scp.upload.done / scp.download.done) and runs post hooks, then exits with scp's status.
#pragma once

#include "daemon/files/user_files.hpp"
#include "daemon/listeners/channel_handler.hpp"
#include "daemon/scp/scp_filesystem.hpp"
#include "protocols/scp/command.hpp"
#include "protocols/scp/engine.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace wharf::daemon {

class ScpHandler final : public ChannelHandler {
public:
    ScpHandler(ChannelContext& context, std::shared_ptr<const UserFiles> files, const scp::Command& command);
    ~ScpHandler() override;
    ScpHandler(const ScpHandler&) = delete;
    ScpHandler& operator=(const ScpHandler&) = delete;

    void on_start() override;
    void on_data(ByteSpan data) override;
    void on_eof() override;
    void on_writable() override;
    void on_close() override;

private:
    using Clock = std::chrono::steady_clock;

    struct Transfer {
        scp::Direction direction;
        std::string path;
        Clock::time_point started;
    };

    void drive();
    void on_event(const scp::TransferStarted& started);
    void on_event(const scp::TransferFinished& finished);
    void report(const Transfer& transfer, std::uint64_t bytes, const std::string& status, const std::string& error);
    void end_session(const char* reason, bool channel_open);

    ChannelContext& m_context;
    std::shared_ptr<const UserFiles> m_files;
    scp::Direction m_direction;
    ScpFilesystem m_fs;
    std::unique_ptr<scp::Engine> m_engine;  // after m_fs: destroyed first, releasing its files
    std::optional<Transfer> m_transfer;     // the file in flight, for a log line if the channel goes
    Clock::time_point m_started = Clock::now();
    bool m_driving = false;
    bool m_exited = false;
};

}  // namespace wharf::daemon
