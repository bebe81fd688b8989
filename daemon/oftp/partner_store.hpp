// Files and durable state of the OFTP station, per partner: received files into the inbox
// (restartable, committed with fsync + rename), outbox files out (restartable), files sent and
// waiting for their EERP/NERP, end-to-end responses waiting to be sent, and the ledger of
// received files for duplicate detection.
//
// Every call blocks on the disk: the session driver runs them on the disk pool, never on an
// event loop. A PartnerStore and the files it opens are used by one session at a time (the
// daemon allows one session per partner), so they need no locks; distinct partners share
// nothing but the state root.
//
// Layout under <state_root>/<partner name>/ (created 0700 on first use):
//   incoming/<key>.part   data received so far      incoming/<key>.state   its restart point
//   outgoing/<key>.state  what we offered and how far we sent (the SFID to offer again)
//   sent/<key>            outbox files sent, kept until their EERP/NERP arrives (+ .state)
//   failed/<key>          outbox files a NERP refused
//   responses/<n>.resp    EERP/NERP waiting for a session with the partner
//   received.ledger       originator, destination, DSN, date and time of committed files
// State files are replaced by write-to-temp, fsync, rename: a crash leaves the old or the new.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocols/oftp/session.hpp"

namespace wharf::daemon {

/// Why a file is refused (SFNA/EFNA reason) and the text we say with it (2.0 sends it).
struct FileRefusal {
    oftp::SfnaReason reason = oftp::SfnaReason::unspecified;
    bool retry = false;
    std::string text;
};

/// A file being received: opened by PartnerStore::open_incoming after the SFID was accepted.
/// Records of F files are stored back to back, records of V files each followed by '\n', U and
/// T files octet for octet.
class IncomingFile {
public:
    virtual ~IncomingFile() = default;

    /// SFPAACNT to answer: records (F/V) or KiB blocks (U/T) safely stored from an earlier
    /// attempt, at most what the speaker offered; 0 for a new file.
    [[nodiscard]] virtual std::uint64_t restart_position() const = 0;
    /// V files restarted: the octets of the virtual file before the restart record (the
    /// engine's accept_file(restart_units)); nullopt otherwise.
    [[nodiscard]] virtual std::optional<std::uint64_t> restart_units() const = 0;

    /// Appends one FileData event's content. `record_ends`: offsets in `data` where a record
    /// ended (F/V). Throws std::system_error on a disk error.
    virtual void append(std::span<const std::uint8_t> data, std::span<const std::size_t> record_ends) = 0;
    /// Makes what was appended durable (fsync) and records the restart point, when the
    /// partner's checkpoint interval (bytes or buffers) has passed since the last one.
    virtual void checkpoint_if_due() = 0;

    /// The file is complete and its counts were accepted: fsync, rename into the inbox under
    /// the naming template and overwrite policy, fsync the directory, add it to the ledger,
    /// drop the restart state. Returns the final path. Throws std::system_error (or
    /// std::runtime_error for a name the policy forbids) and then leaves the partial file in
    /// place for a later attempt.
    virtual std::filesystem::path commit() = 0;
    /// The session broke mid-file: make what arrived durable and keep it for a restart.
    virtual void keep_for_restart() = 0;
    /// The file was refused at its end (EFNA): drop the partial file and its state.
    virtual void discard() = 0;

    /// Stored so far (restart base included), for logs.
    [[nodiscard]] virtual std::uint64_t bytes_stored() const = 0;
    [[nodiscard]] virtual std::uint64_t records_stored() const = 0;
};

/// A file being sent: from the outbox, or named on `wharf oftp send`'s command line.
class OutgoingFile {
public:
    virtual ~OutgoingFile() = default;

    /// The SFID to offer: the same DSN, date and time as the interrupted attempt when there was
    /// one, with SFIDREST set to how far that attempt got (0 for a new file or without restart).
    [[nodiscard]] virtual const oftp::Sfid& sfid() const = 0;
    [[nodiscard]] virtual const std::filesystem::path& source() const = 0;

    /// Positions the source at the listener's SFPAACNT (records for F/V, KiB blocks for U/T).
    /// Returns the octets of the virtual file before that point (V: what set_restart_units
    /// wants). Throws std::system_error.
    virtual std::uint64_t seek(std::uint64_t restart_position) = 0;
    /// Reads the next pieces, about `max_bytes` in all: U/T one piece of octets; F/V one piece
    /// per record (F records are SFIDLRECL octets, the last may be shorter only if the file
    /// size is not a multiple; V records are the file's lines without their '\n'). An empty
    /// result means the end of the file. Records every so often how far we got (for
    /// SFIDREST after a break). Throws std::system_error, or std::runtime_error for a V line
    /// longer than SFIDLRECL.
    virtual std::vector<std::vector<std::uint8_t>> read(std::size_t max_bytes) = 0;

    /// EFPA came: the file is delivered to the partner's station. Outbox files move to sent/
    /// (waiting for the EERP); files named on the command line stay where they are. The
    /// outgoing state is dropped either way and the file is remembered for the EERP match.
    virtual void delivered() = 0;
    /// SFNA/EFNA came or the session broke. keep_restart_point (a break, or a refusal with
    /// retry): the state stays for the next attempt. Otherwise (refused for good) the state is
    /// dropped and an outbox file moves to failed/.
    virtual void not_delivered(bool keep_restart_point) = 0;

    [[nodiscard]] virtual std::uint64_t bytes_read() const = 0;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
};

/// How a file to send is laid out as a virtual file.
struct SendOptions {
    std::string dataset_name;  ///< empty: from the file name (upper-cased, invalid characters -> '_', max 26)
    oftp::RecordFormat format = oftp::RecordFormat::unstructured;
    std::uint32_t record_length = 0;  ///< F/V: SFIDLRECL (F required, V default 99999 ... see .cpp)
    std::string description;          ///< SFIDDESC (2.0)
    std::string user_data;            ///< SFIDUSER
    /// SFIDDATE/SFIDTIME to use instead of now (re-sending a file under its old identity).
    std::optional<oftp::FileDateTime> stamp;
};

/// A file we sent and whose EERP/NERP arrived.
struct AnsweredFile {
    std::string dataset_name;
    std::filesystem::path kept_at;  ///< sent/ copy (removed after an EERP, moved to failed/ after a NERP); empty for command-line files
    std::filesystem::path source;   ///< where it was sent from
};

/// An EERP/NERP waiting to be sent; `id` names it for response_sent().
struct QueuedResponse {
    std::string id;
    oftp::EndResponse response;
};

class PartnerStore {
public:
    /// `station`: our SSID/SFID and sub-stations (the default destinations); `state_root`:
    /// oftp.state_dir. Creates nothing until used.
    PartnerStore(const config::Partner& partner, const config::OftpSettings& station,
                 std::filesystem::path state_root);
    ~PartnerStore();
    PartnerStore(const PartnerStore&) = delete;
    PartnerStore& operator=(const PartnerStore&) = delete;

    // --- Receiving --------------------------------------------------------------------------
    /// Whether we take this offer: destination among the partner's destinations (default our
    /// SFID and sub-stations), originator among its originators, a format we store (F needs a
    /// record length), no duplicate (detect_duplicates: same originator, DSN, date and time
    /// committed before -> duplicate_file), an inbox to put it in, and a free inbox name when
    /// overwrite is never. nullopt: accept.
    [[nodiscard]] std::optional<FileRefusal> check_offer(const oftp::Sfid& sfid) const;
    /// Opens the partial file for an accepted offer: a restart when `restart_agreed`, the
    /// SFID's restart position is > 0 and an earlier attempt of the same file (originator,
    /// destination, DSN, date, time, format, record length) left a restart point; otherwise a
    /// new file (any old partial one dropped). Throws std::system_error.
    [[nodiscard]] std::unique_ptr<IncomingFile> open_incoming(const oftp::Sfid& sfid, bool restart_agreed,
                                                              const config::OftpCheckpoint& checkpoint);

    // --- Sending ----------------------------------------------------------------------------
    /// Regular files in the outbox, oldest first (by mtime, then name). Hidden files (".x")
    /// and names ending in ".tmp"/".part" are skipped: writers drop files in by rename.
    [[nodiscard]] std::vector<std::filesystem::path> outbox_files() const;
    /// Prepares `source` for sending: a file from the outbox or the command line. The SFID's
    /// destination is the partner's sfid, the originator our station's SFID; date and time are
    /// now (2.0 counter distinguishing files named in the same second), or those of the
    /// interrupted attempt of the same source (same path, size and mtime), whose restart
    /// position is offered when `restart_agreed`. Throws std::system_error, or
    /// std::invalid_argument for a dataset name OFTP cannot carry.
    [[nodiscard]] std::unique_ptr<OutgoingFile> open_outgoing(const std::filesystem::path& source,
                                                              const SendOptions& options, bool restart_agreed,
                                                              oftp::ProtocolLevel level);
    /// An EERP/NERP from the partner: the sent file it answers (matched on DSN, date, time as
    /// sent at `level`, and our SFID as its destination), now settled; nullopt if none matches
    /// (logged by the caller as unmatched).
    [[nodiscard]] std::optional<AnsweredFile> settle(const oftp::EndResponse& response, oftp::ProtocolLevel level);

    // --- End-to-end responses for the partner -----------------------------------------------
    /// Stores an EERP/NERP durably until a session delivers it; returns its id.
    std::string queue_response(const oftp::EndResponse& response);
    [[nodiscard]] std::vector<QueuedResponse> queued_responses() const;
    /// RTR came for it: forget it.
    void response_sent(const std::string& id);

    /// Outbox files or queued responses exist (the caller's reason to call the partner).
    [[nodiscard]] bool has_pending_work() const;

    [[nodiscard]] const config::Partner& partner() const { return m_partner; }

private:
    struct Impl;
    config::Partner m_partner;
    std::unique_ptr<Impl> m_impl;
};

/// "{originator}/{dsn}.{date}{time}" with the SFID's fields filled in (date YYYYMMDD, time
/// HHMMSS, counter 4 digits, partner the partner's name). Characters that cannot appear in a
/// path component ('/', NUL, a leading '.') are replaced by '_' inside each value.
[[nodiscard]] std::string inbox_name(const std::string& naming, const oftp::Sfid& sfid,
                                     const std::string& partner_name);

}  // namespace wharf::daemon
