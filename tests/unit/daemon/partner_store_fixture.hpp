// Shared by the partner store tests: a station and one partner ("acme") in a temp directory,
// offers, and small file helpers.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "daemon/oftp/partner_store.hpp"
#include "support/temp_dir.hpp"

namespace wharf::test::partner_store {

namespace fs = std::filesystem;
namespace oftp = wharf::oftp;
using wharf::config::OftpCheckpoint;
using wharf::config::OverwritePolicy;
using wharf::daemon::IncomingFile;
using wharf::daemon::PartnerStore;
using wharf::daemon::SendOptions;
using wharf::test::TempDir;

inline constexpr const char* kOurSfid = "O0013000000000WHARF";
inline constexpr const char* kSalesSfid = "O0013000000000WHARFSALES";
inline constexpr const char* kAcme = "O0013000000000ACME";

struct Station {
    TempDir dir;
    wharf::config::OftpSettings station;
    wharf::config::Partner partner;

    Station() {
        station.ssid = kOurSfid;
        station.sfid = kOurSfid;
        station.sub_stations = {kSalesSfid};
        partner.name = "acme";
        partner.ssid = kAcme;
        partner.sfid = kAcme;
        partner.originators = {kAcme};
        partner.destinations = {kOurSfid, kSalesSfid};
        partner.inbox = dir / "inbox";
        partner.outbox = dir.mkdir("outbox");
    }

    [[nodiscard]] PartnerStore store() const { return PartnerStore(partner, station, state_root()); }
    [[nodiscard]] fs::path state_root() const { return dir / "state"; }
    [[nodiscard]] fs::path partner_state(std::string_view sub) const { return state_root() / "acme" / sub; }
};

inline oftp::Sfid offer(std::string dsn, oftp::RecordFormat format = oftp::RecordFormat::unstructured,
                 std::uint32_t record_length = 0) {
    oftp::Sfid sfid;
    sfid.dataset_name = std::move(dsn);
    sfid.stamp = oftp::FileDateTime{2024, 3, 5, 10, 20, 30, 7};
    sfid.destination = kOurSfid;
    sfid.originator = kAcme;
    sfid.format = format;
    sfid.max_record_length = record_length;
    return sfid;
}

inline std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

inline std::string text_of(const std::vector<std::uint8_t>& data) { return {data.begin(), data.end()}; }

inline std::string content(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string pattern(std::size_t size, unsigned seed = 1) {
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
    return text;
}

inline void append(IncomingFile& file, std::string_view data, std::vector<std::size_t> record_ends = {}) {
    const auto octets = bytes(data);
    file.append(octets, record_ends);
    file.checkpoint_if_due();
}

inline std::size_t entries_in(const fs::path& directory) {
    if (!fs::exists(directory)) return 0;
    return static_cast<std::size_t>(std::distance(fs::recursive_directory_iterator(directory), {}));
}

inline OftpCheckpoint every_buffers(std::uint64_t count) { return OftpCheckpoint{count, OftpCheckpoint::Unit::buffers}; }

inline std::string collect(wharf::daemon::OutgoingFile& file, std::size_t max_bytes, std::vector<std::string>* pieces = nullptr) {
    std::string all;
    for (auto chunk = file.read(max_bytes); !chunk.empty(); chunk = file.read(max_bytes)) {
        for (const auto& piece : chunk) {
            if (pieces) pieces->push_back(text_of(piece));
            all += text_of(piece);
        }
    }
    return all;
}

}  // namespace wharf::test::partner_store
