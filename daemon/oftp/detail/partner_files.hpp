// Internal to the partner store (partner_store.cpp, incoming_file.cpp, outgoing_file.cpp): the
// directories of one partner's state, the ledger of received files, and the factories of the
// IncomingFile and OutgoingFile implementations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "config/config.hpp"
#include "daemon/oftp/partner_store.hpp"

namespace wharf::daemon::detail {

/// <state_root>/<partner>/ and its sub-directories, created 0700 on first use.
class PartnerPaths {
public:
    explicit PartnerPaths(std::filesystem::path root) : m_root(std::move(root)) {}

    [[nodiscard]] const std::filesystem::path& root() const { return m_root; }
    /// The sub-directory ("incoming", "outgoing", "sent", "failed", "responses"), created
    /// (with the root) when missing. Throws std::system_error.
    [[nodiscard]] std::filesystem::path ensure(const char* sub) const;
    /// The same path without creating anything.
    [[nodiscard]] std::filesystem::path path(const char* sub) const { return m_root / sub; }

private:
    std::filesystem::path m_root;
};

/// received.ledger: one line per committed file (originator, destination, DSN, date, time),
/// appended and fsynced. Read once, then kept in memory: the store is used by one session at a
/// time, and every append goes through this object.
class ReceivedLedger {
public:
    explicit ReceivedLedger(std::filesystem::path file) : m_file(std::move(file)) {}

    /// Whether a file with this originator, DSN, date and time was committed before (the
    /// destination does not count: the same file sent to two of our SFIDs is still one file).
    [[nodiscard]] bool contains(const oftp::Sfid& sfid);
    /// Appends the file and fsyncs the ledger. Throws std::system_error.
    void record(const oftp::Sfid& sfid);

private:
    void load();

    std::filesystem::path m_file;
    std::optional<std::set<std::string>> m_seen;
};

/// Our SFIDORIG: oftp.sfid, or the SSID when no SFID is configured.
[[nodiscard]] std::string station_sfid(const config::OftpSettings& station);

struct IncomingSetup {
    std::string partner_name;  ///< for log lines
    oftp::Sfid sfid;
    bool restart_agreed = false;
    config::OftpCheckpoint checkpoint;
    std::filesystem::path incoming_dir;  ///< state .../incoming, existing
    std::filesystem::path inbox;
    std::string inbox_relative;          ///< inbox_name() of the file
    config::OverwritePolicy overwrite = config::OverwritePolicy::rename;
    std::shared_ptr<ReceivedLedger> ledger;
};
/// PartnerStore::open_incoming after the paths are known (incoming_file.cpp).
[[nodiscard]] std::unique_ptr<IncomingFile> open_incoming_file(IncomingSetup setup);

/// Whether `relative` names nothing yet under `inbox` (no symlink followed below it): false
/// when something exists there or a directory on the way is a symlink or not a directory.
[[nodiscard]] bool inbox_name_free(const std::filesystem::path& inbox, const std::string& relative);

struct OutgoingSetup {
    std::filesystem::path source;
    SendOptions options;
    bool restart_agreed = false;
    oftp::ProtocolLevel level = oftp::ProtocolLevel::v2_0;
    std::string destination;  ///< SFIDDEST: the partner's SFID
    std::string originator;   ///< SFIDORIG: ours
    bool from_outbox = false;
    PartnerPaths paths;
};
/// PartnerStore::open_outgoing (outgoing_file.cpp).
[[nodiscard]] std::unique_ptr<OutgoingFile> open_outgoing_file(OutgoingSetup setup);

/// The SFIDDSN for `options.dataset_name` or, when empty, the file name of `source`.
/// Throws std::invalid_argument for an explicit name OFTP cannot carry.
[[nodiscard]] std::string dataset_name_for(const std::filesystem::path& source, const std::string& explicit_name);

}  // namespace wharf::daemon::detail
