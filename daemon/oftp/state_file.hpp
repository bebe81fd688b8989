// Durable small state files of the OFTP partner store, and the POSIX steps that make files
// durable. Internal to daemon/oftp (partner_store*.cpp, incoming_file.cpp, outgoing_file.cpp).
//
// A state file is UTF-8 text, one "key value" line per entry: the key is [a-z0-9_.]+, one
// space, then the value up to the end of the line. In values '\' and every octet below 0x20
// are written as "\xHH", so a value may hold any octets (spaces included, leading or trailing)
// and a line never breaks inside one. Binary fields (EERP/NERP hash and signature) are hex.
// A file is replaced by write to "<name>.tmp", fsync, rename, fsync of the directory: a crash
// leaves the old content or the new one, never a mix.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/oftp/session.hpp"

namespace wharf::daemon {

/// The entries of one state file, in the order they were set.
class StateRecord {
public:
    /// Sets `key` (replacing an earlier value). Throws std::invalid_argument for a key outside
    /// [a-z0-9_.]+.
    void set(std::string_view key, std::string_view value);
    void set(std::string_view key, std::uint64_t value);

    /// The value, or nullptr when the key is absent.
    [[nodiscard]] const std::string* find(std::string_view key) const;
    /// The value; std::runtime_error naming the key when absent.
    [[nodiscard]] const std::string& text(std::string_view key) const;
    /// The value as a decimal number; std::runtime_error when absent or not a number.
    [[nodiscard]] std::uint64_t number(std::string_view key) const;

    [[nodiscard]] std::string serialize() const;
    /// Reads what serialize() wrote; `origin` names the file in errors (std::runtime_error).
    [[nodiscard]] static StateRecord parse(std::string_view text, const std::filesystem::path& origin);

private:
    std::vector<std::pair<std::string, std::string>> m_entries;
};

/// Replaces `path` durably with `record`. Throws std::system_error.
void write_state_file(const std::filesystem::path& path, const StateRecord& record);
/// The record in `path`; nullopt when the file does not exist. Throws std::system_error for
/// other read errors, std::runtime_error for a malformed file.
[[nodiscard]] std::optional<StateRecord> read_state_file(const std::filesystem::path& path);

// --- Serialisation of the protocol values we keep ---------------------------------------------

/// Every SFID field, under keys "<prefix>dsn", "<prefix>date", ...
void put_sfid(StateRecord& record, std::string_view prefix, const oftp::Sfid& sfid);
/// Throws std::runtime_error for a missing or malformed field.
[[nodiscard]] oftp::Sfid get_sfid(const StateRecord& record, std::string_view prefix);

/// An EERP or NERP with every field ("kind" eerp|nerp; hash and signature as hex).
void put_end_response(StateRecord& record, const oftp::EndResponse& response);
[[nodiscard]] oftp::EndResponse get_end_response(const StateRecord& record);

// --- Durable file-system steps -----------------------------------------------------------------

/// Throws std::system_error(err) whose message names what failed and the path.
[[noreturn]] void throw_errno(int err, std::string_view what, const std::filesystem::path& path);

/// mkdir -p with `mode` for each directory created (the umask still applies). Existing
/// directories are left as they are; a non-directory in the way is ENOTDIR. Throws
/// std::system_error.
void make_directories(const std::filesystem::path& path, mode_t mode);
/// fsync of a directory, so that the names created or removed in it survive a crash.
void fsync_directory(const std::filesystem::path& directory);
void fsync_directory(int directory_fd, const std::filesystem::path& for_errors);
/// Writes all of `data` at `offset` (retrying short writes and EINTR). Throws std::system_error.
void write_all_at(int fd, const void* data, std::size_t size, std::uint64_t offset,
                  const std::filesystem::path& for_errors);
/// Unlinks `path` and fsyncs its directory; a missing file is not an error.
void remove_durably(const std::filesystem::path& path);
/// Renames `from` to `to` (replacing it), copying when they are on different file systems
/// (copy to a hidden temp beside `to`, fsync, rename, unlink `from`); fsyncs both directories.
void move_durably(const std::filesystem::path& from, const std::filesystem::path& to);
/// Copies the whole of `source_fd` into `target_fd` (both at offset 0) and fsyncs the target.
void copy_contents(int source_fd, int target_fd, const std::filesystem::path& for_errors);

/// 16 lower-case hex digits from getrandom(2), for temporary names.
[[nodiscard]] std::string random_suffix();
/// A short name for a file in the state tree: `label` with every character outside
/// [A-Za-z0-9._-] as '_' and no leading '.', cut to 48 characters, then '-' and the 16 hex
/// digits of a 64-bit FNV-1a hash of `identity` (the label alone could collide).
[[nodiscard]] std::string state_key(std::string_view label, std::string_view identity);

}  // namespace wharf::daemon
