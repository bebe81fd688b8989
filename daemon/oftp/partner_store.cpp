#include "daemon/oftp/partner_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <tuple>

#include "daemon/logging/log.hpp"
#include "daemon/oftp/detail/partner_files.hpp"
#include "daemon/oftp/state_file.hpp"
#include "daemon/vfs/unique_fd.hpp"

namespace wharf::daemon {

namespace {

constexpr mode_t kStateDirectoryMode = 0700;
constexpr std::string_view kStateSuffix = ".state";
constexpr std::string_view kResponseSuffix = ".resp";
constexpr std::size_t kResponseIdDigits = 20;

bool is_listed(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> accepted_destinations(const config::Partner& partner, const config::OftpSettings& station) {
    if (!partner.destinations.empty()) return partner.destinations;
    std::vector<std::string> ours{detail::station_sfid(station)};
    ours.insert(ours.end(), station.sub_stations.begin(), station.sub_stations.end());
    return ours;
}

std::string partner_sfid(const config::Partner& partner) { return partner.sfid.empty() ? partner.ssid : partner.sfid; }

std::vector<std::string> accepted_originators(const config::Partner& partner) {
    if (!partner.originators.empty()) return partner.originators;
    return {partner_sfid(partner)};
}

bool ends_with(std::string_view text, std::string_view suffix) { return text.ends_with(suffix); }

// Writers drop files into the outbox by rename; what they are still writing looks like this.
bool is_unfinished_name(std::string_view name) {
    return name.starts_with('.') || ends_with(name, ".tmp") || ends_with(name, ".part");
}

bool is_response_id(std::string_view id) {
    return id.size() == kResponseIdDigits && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The names in `directory` ending in `suffix` (without it), sorted; none when it is missing.
std::vector<std::string> names_with_suffix(const std::filesystem::path& directory, std::string_view suffix) {
    std::vector<std::string> names;
    std::error_code error;
    std::filesystem::directory_iterator entries(directory, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) return names;
        throw std::system_error(error, "list " + directory.string());
    }
    for (const auto& entry : entries) {
        const std::string name = entry.path().filename().string();
        if (name.size() > suffix.size() && ends_with(name, suffix)) names.push_back(name.substr(0, name.size() - suffix.size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

// The file name, date and time fields of an EERP or NERP.
struct ResponseFile {
    std::string dataset_name;
    oftp::FileDateTime stamp;
    std::string destination;
};

ResponseFile response_file(const oftp::EndResponse& response) {
    return std::visit(
        [](const auto& answer) { return ResponseFile{answer.dataset_name, answer.stamp, answer.destination}; }, response);
}

// A placeholder's value as a path component piece (see inbox_name in the header).
std::string path_safe(std::string value) {
    if (value.empty()) return "_";  // an empty value must not leave "" or a leading '.' behind
    for (char& c : value) {
        if (c == '/' || c == '\0') c = '_';
    }
    if (value.front() == '.') value.front() = '_';
    return value;
}

}  // namespace

// --- detail ------------------------------------------------------------------------------------

namespace detail {

std::filesystem::path PartnerPaths::ensure(const char* sub) const {
    std::filesystem::path directory = m_root / sub;
    make_directories(directory, kStateDirectoryMode);
    return directory;
}

std::string station_sfid(const config::OftpSettings& station) { return station.sfid.empty() ? station.ssid : station.sfid; }

namespace {

// Control characters cannot come through the codec; kept out anyway so a line stays a line.
std::string ledger_field(std::string_view value) {
    std::string out(value);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return out;
}

std::string ledger_key(std::string_view originator, std::string_view dsn, std::string_view date, std::string_view time) {
    return std::string(originator) + '\t' + std::string(dsn) + '\t' + std::string(date) + '\t' + std::string(time);
}

std::string ledger_key(const oftp::Sfid& sfid) {
    return ledger_key(ledger_field(sfid.originator), ledger_field(sfid.dataset_name), oftp::date_digits(sfid.stamp),
                      oftp::time_digits(sfid.stamp));
}

}  // namespace

void ReceivedLedger::load() {
    std::set<std::string> seen;
    vfs::UniqueFd fd(::open(m_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd && errno != ENOENT) throw_errno(errno, "open", m_file);
    std::string text;
    if (fd) {
        std::vector<char> chunk(1 << 16);
        for (;;) {
            const ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw_errno(errno, "read", m_file);
            if (got == 0) break;
            text.append(chunk.data(), static_cast<std::size_t>(got));
        }
    }
    std::size_t start = 0;
    // Lines are "originator destination dsn date time", tab-separated. A torn last line (a
    // crash inside an append) has no '\n' and is not counted: that file was not committed.
    for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
        std::vector<std::string_view> fields;
        std::string_view line(text.data() + start, end - start);
        for (std::size_t tab = line.find('\t'); tab != std::string_view::npos; tab = line.find('\t')) {
            fields.push_back(line.substr(0, tab));
            line.remove_prefix(tab + 1);
        }
        fields.push_back(line);
        if (fields.size() == 5) seen.insert(ledger_key(fields[0], fields[2], fields[3], fields[4]));
    }
    m_seen = std::move(seen);
}

bool ReceivedLedger::contains(const oftp::Sfid& sfid) {
    if (!m_seen) load();
    return m_seen->contains(ledger_key(sfid));
}

void ReceivedLedger::record(const oftp::Sfid& sfid) {
    if (!m_seen) load();
    make_directories(m_file.parent_path(), kStateDirectoryMode);
    vfs::UniqueFd fd(::open(m_file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno(errno, "open", m_file);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) throw_errno(errno, "stat", m_file);
    std::string line;
    if (info.st_size > 0) {
        char last = '\n';
        if (::pread(fd.get(), &last, 1, info.st_size - 1) != 1) throw_errno(errno, "read", m_file);
        if (last != '\n') line += '\n';  // end a torn line first
    }
    line += ledger_field(sfid.originator) + '\t' + ledger_field(sfid.destination) + '\t' +
            ledger_field(sfid.dataset_name) + '\t' + oftp::date_digits(sfid.stamp) + '\t' +
            oftp::time_digits(sfid.stamp) + '\n';
    write_all_at(fd.get(), line.data(), line.size(), static_cast<std::uint64_t>(info.st_size), m_file);
    if (::fsync(fd.get()) != 0) throw_errno(errno, "fsync", m_file);
    if (info.st_size == 0) fsync_directory(m_file.parent_path());
    m_seen->insert(ledger_key(sfid));
}

}  // namespace detail

// --- PartnerStore ------------------------------------------------------------------------------

struct PartnerStore::Impl {
    config::OftpSettings station;
    detail::PartnerPaths paths;
    std::shared_ptr<detail::ReceivedLedger> ledger;
};

PartnerStore::PartnerStore(const config::Partner& partner, const config::OftpSettings& station,
                           std::filesystem::path state_root)
    : m_partner(partner) {
    if (partner.name.empty() || partner.name == "." || partner.name == ".." ||
        partner.name.find('/') != std::string::npos) {
        throw std::invalid_argument("partner name '" + partner.name + "' cannot name a state directory");
    }
    std::filesystem::path root = std::move(state_root) / partner.name;
    auto ledger = std::make_shared<detail::ReceivedLedger>(root / "received.ledger");
    m_impl = std::make_unique<Impl>(Impl{station, detail::PartnerPaths(std::move(root)), std::move(ledger)});
}

PartnerStore::~PartnerStore() = default;

std::optional<FileRefusal> PartnerStore::check_offer(const oftp::Sfid& sfid) const {
    using oftp::SfnaReason;
    if (!is_listed(accepted_destinations(m_partner, m_impl->station), sfid.destination)) {
        return FileRefusal{SfnaReason::invalid_destination, false,
                           "destination '" + sfid.destination + "' is not accepted from this partner"};
    }
    if (!is_listed(accepted_originators(m_partner), sfid.originator)) {
        return FileRefusal{SfnaReason::invalid_origin, false,
                           "originator '" + sfid.originator + "' is not accepted from this partner"};
    }
    if (sfid.format == oftp::RecordFormat::fixed && sfid.max_record_length == 0) {
        return FileRefusal{SfnaReason::maximum_record_length_not_supported, false, "F file without a record length"};
    }
    if (m_partner.inbox.empty()) {
        return FileRefusal{SfnaReason::access_method_failure, false, "no inbox for files from this partner"};
    }
    try {
        if (m_partner.detect_duplicates && m_impl->ledger->contains(sfid)) {
            return FileRefusal{SfnaReason::duplicate_file, false, "this file was received before"};
        }
    } catch (const std::system_error& error) {
        return FileRefusal{SfnaReason::access_method_failure, true,
                           std::string("the ledger of received files cannot be read: ") + error.what()};
    }
    if (m_partner.overwrite == config::OverwritePolicy::never &&
        !detail::inbox_name_free(m_partner.inbox, inbox_name(m_partner.inbox_naming, sfid, m_partner.name))) {
        return FileRefusal{SfnaReason::invalid_filename, true, "a file of this name is waiting in the inbox"};
    }
    return std::nullopt;
}

std::unique_ptr<IncomingFile> PartnerStore::open_incoming(const oftp::Sfid& sfid, bool restart_agreed,
                                                          const config::OftpCheckpoint& checkpoint) {
    detail::IncomingSetup setup;
    setup.partner_name = m_partner.name;
    setup.sfid = sfid;
    setup.restart_agreed = restart_agreed;
    setup.checkpoint = checkpoint;
    setup.incoming_dir = m_impl->paths.ensure("incoming");
    setup.inbox = m_partner.inbox;
    setup.inbox_relative = inbox_name(m_partner.inbox_naming, sfid, m_partner.name);
    setup.overwrite = m_partner.overwrite;
    setup.ledger = m_impl->ledger;
    return detail::open_incoming_file(std::move(setup));
}

std::vector<std::filesystem::path> PartnerStore::outbox_files() const {
    if (m_partner.outbox.empty()) return {};
    std::error_code error;
    std::filesystem::directory_iterator entries(m_partner.outbox, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) return {};
        throw std::system_error(error, "list " + m_partner.outbox.string());
    }
    std::vector<std::tuple<std::uint64_t, std::string, std::filesystem::path>> files;
    for (const auto& entry : entries) {
        const std::string name = entry.path().filename().string();
        struct stat info {};
        // lstat: a symlink is not a file dropped in; it could point anywhere.
        if (is_unfinished_name(name) || ::lstat(entry.path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
        const auto mtime = static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000ULL +
                           static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
        files.emplace_back(mtime, name, entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::filesystem::path> paths;
    paths.reserve(files.size());
    for (auto& file : files) paths.push_back(std::move(std::get<2>(file)));
    return paths;
}

std::unique_ptr<OutgoingFile> PartnerStore::open_outgoing(const std::filesystem::path& source,
                                                          const SendOptions& options, bool restart_agreed,
                                                          oftp::ProtocolLevel level) {
    std::error_code error;
    const std::filesystem::path parent = source.has_parent_path() ? source.parent_path() : ".";
    const bool from_outbox = !m_partner.outbox.empty() && std::filesystem::equivalent(parent, m_partner.outbox, error);
    return detail::open_outgoing_file(detail::OutgoingSetup{source, options, restart_agreed, level,
                                                            partner_sfid(m_partner), detail::station_sfid(m_impl->station),
                                                            from_outbox && !error, m_impl->paths});
}

std::optional<AnsweredFile> PartnerStore::settle(const oftp::EndResponse& response, oftp::ProtocolLevel level) {
    const ResponseFile answered = response_file(response);
    if (answered.destination != detail::station_sfid(m_impl->station)) return std::nullopt;
    const std::filesystem::path sent = m_impl->paths.path("sent");
    const oftp::FileDateTime wanted = oftp::as_sent_at(answered.stamp, level);

    // At 1.2/1.3 files of the same second look alike (no counter): the oldest is answered first.
    std::optional<std::tuple<std::string, std::string, StateRecord>> match;  // stamp digits, key, record
    for (const auto& key : names_with_suffix(sent, kStateSuffix)) {
        try {
            auto record = read_state_file(sent / (key + std::string(kStateSuffix)));
            if (!record) continue;
            const oftp::Sfid sfid = get_sfid(*record, "sfid.");
            if (sfid.dataset_name != answered.dataset_name || oftp::as_sent_at(sfid.stamp, level) != wanted) continue;
            std::string order = oftp::date_digits(sfid.stamp) + oftp::time_digits(sfid.stamp);
            if (!match || std::tie(order, key) < std::tie(std::get<0>(*match), std::get<1>(*match))) {
                match.emplace(std::move(order), key, std::move(*record));
            }
        } catch (const std::runtime_error& error) {
            log::error("oftp.sent.unreadable").partner(m_partner.name).path((sent / key).string()).field("error", error.what());
        }
    }
    if (!match) return std::nullopt;

    const auto& [order, key, record] = *match;
    AnsweredFile file{answered.dataset_name, record.text("kept_at"), record.text("source")};
    const std::filesystem::path state = sent / (key + std::string(kStateSuffix));
    if (std::holds_alternative<oftp::Eerp>(response)) {
        if (!file.kept_at.empty()) remove_durably(file.kept_at);
        remove_durably(state);
        return file;
    }
    const std::filesystem::path failed = m_impl->paths.ensure("failed");
    if (!file.kept_at.empty()) {
        const std::filesystem::path moved = failed / file.kept_at.filename();
        struct stat info {};
        if (::lstat(file.kept_at.c_str(), &info) == 0) move_durably(file.kept_at, moved);
        file.kept_at = moved;
    }
    StateRecord refused = record;
    refused.set("kept_at", file.kept_at.string());
    put_end_response(refused, response);
    write_state_file(failed / (key + std::string(kStateSuffix)), refused);
    remove_durably(state);
    return file;
}

std::string PartnerStore::queue_response(const oftp::EndResponse& response) {
    const std::filesystem::path directory = m_impl->paths.ensure("responses");
    const auto ids = names_with_suffix(directory, kResponseSuffix);
    std::uint64_t next = 1;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
        if (is_response_id(*it)) {
            next = std::stoull(*it) + 1;
            break;
        }
    }
    std::string id = std::to_string(next);
    id.insert(0, kResponseIdDigits - id.size(), '0');
    StateRecord record;
    put_end_response(record, response);
    write_state_file(directory / (id + std::string(kResponseSuffix)), record);
    return id;
}

std::vector<QueuedResponse> PartnerStore::queued_responses() const {
    const std::filesystem::path directory = m_impl->paths.path("responses");
    std::vector<QueuedResponse> queued;
    for (const auto& id : names_with_suffix(directory, kResponseSuffix)) {
        if (!is_response_id(id)) continue;
        const std::filesystem::path file = directory / (id + std::string(kResponseSuffix));
        try {
            if (const auto record = read_state_file(file)) queued.push_back({id, get_end_response(*record)});
        } catch (const std::runtime_error& error) {
            // One unreadable file must not hold back the others; it stays for the operator.
            log::error("oftp.response.unreadable").partner(m_partner.name).path(file.string()).field("error", error.what());
        }
    }
    return queued;
}

void PartnerStore::response_sent(const std::string& id) {
    if (!is_response_id(id)) throw std::invalid_argument("not a queued response id: '" + id + "'");
    remove_durably(m_impl->paths.path("responses") / (id + std::string(kResponseSuffix)));
}

bool PartnerStore::has_pending_work() const {
    const auto responses = names_with_suffix(m_impl->paths.path("responses"), kResponseSuffix);
    return std::any_of(responses.begin(), responses.end(), is_response_id) || !outbox_files().empty();
}

// --- Inbox naming ------------------------------------------------------------------------------

std::string inbox_name(const std::string& naming, const oftp::Sfid& sfid, const std::string& partner_name) {
    const auto value_of = [&](std::string_view placeholder) -> std::optional<std::string> {
        if (placeholder == "originator") return sfid.originator;
        if (placeholder == "destination") return sfid.destination;
        if (placeholder == "dsn") return sfid.dataset_name;
        if (placeholder == "date") return oftp::date_digits(sfid.stamp);
        if (placeholder == "time") return oftp::time_digits(sfid.stamp).substr(0, 6);
        if (placeholder == "counter") return oftp::time_digits(sfid.stamp).substr(6, 4);
        if (placeholder == "partner") return partner_name;
        return std::nullopt;
    };
    std::string name;
    for (std::size_t i = 0; i < naming.size(); ++i) {
        const std::size_t close = naming[i] == '{' ? naming.find('}', i) : std::string::npos;
        const auto value = close == std::string::npos ? std::nullopt : value_of(std::string_view(naming).substr(i + 1, close - i - 1));
        if (!value) {
            name += naming[i];  // literal text (config validation leaves no unknown placeholder)
            continue;
        }
        name += path_safe(*value);
        i = close;
    }
    return name;
}

}  // namespace wharf::daemon
