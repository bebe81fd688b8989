// One OFTP connection in wharfd or `wharf oftp send`: an OftpStream, an oftp::Session and the
// partner's PartnerStore, in Beast's do_x/on_x shape. The session decides the protocol; this
// driver answers its events with policy (who may log in, which files we take), disk work (on
// the disk pool, never on the event loop) and logs.
//
//   auto connection = OftpConnection::create(stream, std::move(setup));
//   connection->start();   // on the stream's executor
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/oftp/oftp_stream.hpp"
#include "daemon/oftp/partner_store.hpp"

namespace wharf::vfs {
class DiskPool;
}

namespace wharf::daemon {

class HookRunner;

/// Partners in a session right now: OFTP allows one session per partner here, so a partner's
/// files and state are touched by one session at a time. Thread-safe.
class ActivePartners {
public:
    class Claim;
    /// nullptr when the partner is already in a session.
    [[nodiscard]] std::unique_ptr<Claim> claim(const std::string& partner);
    [[nodiscard]] bool is_active(const std::string& partner);

private:
    void release(const std::string& partner);
    std::mutex m_mutex;
    std::set<std::string> m_active;
};

class ActivePartners::Claim {
public:
    Claim(ActivePartners& owner, std::string partner) : m_owner(owner), m_partner(std::move(partner)) {}
    ~Claim() { m_owner.release(m_partner); }
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;

private:
    ActivePartners& m_owner;
    std::string m_partner;
};

/// What the initiator side sends: files named on the command line, and/or the outbox.
struct OftpCall {
    config::Partner partner;  ///< whom we call (the CLI's --to builds one on the fly)
    std::vector<std::pair<std::filesystem::path, SendOptions>> files;
    bool send_outbox = true;
};

/// How a file we offered ended, for `wharf oftp send`'s report and exit code.
struct SentFileOutcome {
    std::filesystem::path source;
    std::string dataset_name;
    bool delivered = false;          ///< EFPA
    std::string refusal;             ///< SFNA/EFNA reason, or why it was not offered
    std::optional<bool> end_to_end;  ///< EERP (true) or NERP (false) arrived in this session
    std::uint64_t bytes = 0;
    std::uint64_t restart_offset = 0;
};

struct OftpConnectionResult {
    bool established = false;  ///< both SSIDs exchanged
    bool normal_end = false;   ///< ESID 00 either way
    std::string end;           ///< "ESID 04 invalid password (by peer)", "connection lost: ..."
    std::vector<SentFileOutcome> sent;
    unsigned files_received = 0;
    unsigned responses_received = 0;
};

struct OftpConnectionSetup {
    std::shared_ptr<const config::Config> config;  ///< must have an oftp section
    vfs::DiskPool* disk_pool = nullptr;
    ActivePartners* active_partners = nullptr;
    std::shared_ptr<const HookRunner> hooks;     ///< may be null (the CLI runs no hooks)
    std::shared_ptr<const TlsContext> tls;       ///< responder over TLS: the per-partner certificate check
    std::optional<OftpCall> call;                ///< set: we are the initiator
    std::uint64_t conn_id = 0;
    std::string proto = "oftp";                  ///< "oftp" or "oftps" in logs
    std::function<void(const OftpConnectionResult&)> on_finished;  ///< on the stream's executor
};

class OftpConnection {
public:
    static std::shared_ptr<OftpConnection> create(std::shared_ptr<OftpStream> stream, OftpConnectionSetup setup);
    virtual ~OftpConnection() = default;

    /// Starts the stream and the session. On the stream's executor.
    virtual void start() = 0;
    /// Shutdown: finish the file in progress, offer and take no new ones, end the session.
    /// Thread-safe.
    virtual void request_stop() = 0;
    /// Grace is over: ESID 05 and close. Thread-safe.
    virtual void close_now() = 0;
};

/// Our SSID values for a session with `partner` (nullptr: the station's defaults, before a
/// responder knows who calls).
oftp::SessionConfig oftp_session_config(oftp::SessionRole role, const config::OftpSettings& station,
                                        const config::Partner* partner);

}  // namespace wharf::daemon
