// `wharf sftp` commands that set attributes (chmod, chown, chgrp, touch, setstat) and that ask
// the server to do the work (hash via check-file, cp via copy-file or copy-data, df via
// statvfs@openssh.com or space-available).
#include <botan/hash.h>
#include <botan/hex.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>

#include "daemon/cli/sftp_commands.hpp"

namespace wharf::cli {

namespace {

using sftp::StatusCode;

template <class T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "2024-03-01", "2024-03-01T12:30", "2024-03-01 12:30:45Z", "2024-03-01T12:30:45+02:00": UTC
// unless an offset is given.
std::optional<std::int64_t> parse_iso8601(std::string_view text) {
    std::tm tm{};
    const std::string copy(text);
    const char* rest = ::strptime(copy.c_str(), "%Y-%m-%d", &tm);
    if (rest == nullptr) return std::nullopt;
    if (*rest == 'T' || *rest == ' ') {
        const char* time = ::strptime(rest + 1, "%H:%M", &tm);
        if (time == nullptr) return std::nullopt;
        rest = time;
        if (*rest == ':') {
            time = ::strptime(rest + 1, "%S", &tm);
            if (time == nullptr) return std::nullopt;
            rest = time;
        }
    }
    std::int64_t offset = 0;
    if (*rest == 'Z') {
        ++rest;
    } else if (*rest == '+' || *rest == '-') {
        const int sign = *rest == '-' ? -1 : 1;
        std::string hhmm(rest + 1);
        if (hhmm.size() == 5 && hhmm[2] == ':') hhmm.erase(2, 1);
        const auto zone = hhmm.size() == 4 ? parse_number<std::uint32_t>(hhmm) : std::nullopt;
        if (!zone || *zone % 100 >= 60) return std::nullopt;
        offset = sign * static_cast<std::int64_t>((*zone / 100) * 3600 + (*zone % 100) * 60);
        rest += std::strlen(rest);
    }
    if (*rest != '\0') return std::nullopt;
    return static_cast<std::int64_t>(::timegm(&tm)) - offset;
}

// Seconds since 1970 as a number, or an ISO 8601 date and time. UsageError otherwise.
std::int64_t parse_time(std::string_view command, std::string_view text) {
    if (const auto seconds = parse_number<std::int64_t>(text)) return *seconds;
    if (const auto seconds = parse_iso8601(text)) return *seconds;
    throw UsageError(fmt::format("{}: not a time (seconds since 1970 or ISO 8601): {}", command, text));
}

std::uint32_t parse_mode(std::string_view command, std::string_view text) {
    const auto mode = text.size() <= 4 ? parse_number<std::uint32_t>(text, 8) : std::nullopt;
    if (!mode) throw UsageError(fmt::format("{}: not an octal mode: {}", command, text));
    return *mode;
}

sftp::FileTime file_time(std::int64_t seconds) { return sftp::FileTime{seconds, std::nullopt}; }

// ---- setting attributes -------------------------------------------------------------------

// What a setstat asks to change, before the version's rules are applied.
struct Changes {
    std::optional<std::uint64_t> size = {};
    std::optional<std::uint32_t> permissions = {};
    std::optional<std::string> owner = {};  // v3: numeric ids; v4+: names
    std::optional<std::string> group = {};
    std::optional<std::int64_t> atime = {};
    std::optional<std::int64_t> mtime = {};
};

std::uint32_t numeric_id(std::string_view operation, std::string_view what, const std::string& text) {
    const auto id = parse_number<std::uint32_t>(text);
    if (!id) throw UsageError(fmt::format("{}: SFTP v3 sets a numeric {}, not {}", operation, what, text));
    return *id;
}

// The ATTRS for `changes`. v3 carries uid and gid together and atime and mtime together, and
// v4+ servers may read an empty owner or group as "none" rather than "unchanged", so a
// change of one half fetches the other from a stat first.
sftp::FileAttributes attributes_for(SftpContext& context, const std::string& path, const Changes& changes,
                                    const std::string& operation) {
    const std::uint32_t version = *context.engine().version();
    const bool half_owner = changes.owner.has_value() != changes.group.has_value();
    const bool half_time = version == 3 && changes.atime.has_value() != changes.mtime.has_value();
    std::optional<sftp::FileAttributes> current;
    if (half_owner || half_time) {
        current = checked(context.session().call<sftp::FileAttributes>(
                              [&](auto done) { context.engine().stat(path, std::move(done)); }),
                          operation);
    }
    sftp::FileAttributes attrs;
    attrs.size = changes.size;
    attrs.permissions = changes.permissions;
    if (changes.owner || changes.group) {
        if (version == 3) {
            if (half_owner && !current->uid_gid) {
                fail(operation, StatusCode::op_unsupported, "the server did not say the current uid and gid");
            }
            const auto ids = current ? *current->uid_gid : sftp::UidGid{};
            attrs.uid_gid = sftp::UidGid{changes.owner ? numeric_id(operation, "uid", *changes.owner) : ids.uid,
                                         changes.group ? numeric_id(operation, "gid", *changes.group) : ids.gid};
        } else {
            const auto names = current && current->owner_group ? *current->owner_group : sftp::OwnerGroup{};
            attrs.owner_group =
                sftp::OwnerGroup{changes.owner.value_or(names.owner), changes.group.value_or(names.group)};
        }
    }
    if (changes.atime) attrs.atime = file_time(*changes.atime);
    if (changes.mtime) attrs.mtime = file_time(*changes.mtime);
    if (half_time) {
        const auto& other = changes.atime ? current->mtime : current->atime;
        if (!other) fail(operation, StatusCode::op_unsupported, "the server did not say the current times");
        (changes.atime ? attrs.mtime : attrs.atime) = *other;
    }
    return attrs;
}

void set_attributes(SftpContext& context, const std::string& path, const Changes& changes,
                    const std::string& operation) {
    const auto attrs = attributes_for(context, path, changes, operation);
    checked(context.session().call<void>([&](auto done) { context.engine().setstat(path, attrs, std::move(done)); }),
            operation);
}

void run_chmod(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[1]);
    set_attributes(context, path, Changes{.permissions = parse_mode("chmod", args.positional[0])}, "chmod " + path);
}

void run_chown(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[1]);
    set_attributes(context, path, Changes{.owner = args.positional[0]}, "chown " + path);
}

void run_chgrp(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[1]);
    set_attributes(context, path, Changes{.group = args.positional[0]}, "chgrp " + path);
}

// Sets atime and mtime (now, -m EPOCH or -d ISO8601), creating an empty file if there is none.
void run_touch(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto path = context.remote(args.positional[0]);
    const std::string operation = "touch " + path;
    std::int64_t when = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (const auto epoch = args.value("-m")) {
        const auto seconds = parse_number<std::int64_t>(*epoch);
        if (!seconds) throw UsageError("touch: -m takes seconds since 1970, not " + *epoch);
        when = *seconds;
    }
    if (const auto date = args.value("-d")) {
        const auto seconds = parse_iso8601(*date);
        if (!seconds) throw UsageError("touch: -d takes an ISO 8601 date, not " + *date);
        when = *seconds;
    }
    const auto exists =
        context.session().call<sftp::FileAttributes>([&](auto done) { engine.stat(path, std::move(done)); });
    if (!exists && !is_missing(exists.error())) checked(exists, operation);
    if (!exists) {
        const sftp::OpenMode create{sftp::ace4::write_data | sftp::ace4::write_attributes,
                                    sftp::open_flags::open_or_create};
        const auto handle = checked(context.session().call<std::string>(
                                        [&](auto done) { engine.open(path, create, {}, std::move(done)); }),
                                    operation);
        checked(context.session().call<void>([&](auto done) { engine.close(handle, std::move(done)); }), operation);
    }
    set_attributes(context, path, Changes{.atime = when, .mtime = when}, operation);
}

// setstat REMOTE key=value...: size, mode (octal), owner, group (v3: uid, gid numbers; uid=
// and gid= are accepted too), atime, mtime (seconds or ISO 8601).
void run_setstat(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    Changes changes;
    for (std::size_t i = 1; i < args.positional.size(); ++i) {
        const std::string_view word = args.positional[i];
        const auto eq = word.find('=');
        if (eq == std::string_view::npos) throw UsageError(fmt::format("setstat: expected key=value, not {}", word));
        const std::string_view key = word.substr(0, eq);
        const std::string value(word.substr(eq + 1));
        if (key == "size") {
            changes.size = parse_number<std::uint64_t>(value);
            if (!changes.size) throw UsageError("setstat: size takes a number of bytes, not " + value);
        } else if (key == "mode" || key == "permissions") {
            changes.permissions = parse_mode("setstat", value);
        } else if (key == "owner" || key == "uid") {
            changes.owner = value;
        } else if (key == "group" || key == "gid") {
            changes.group = value;
        } else if (key == "atime") {
            changes.atime = parse_time("setstat", value);
        } else if (key == "mtime") {
            changes.mtime = parse_time("setstat", value);
        } else {
            throw UsageError(fmt::format("setstat: unknown key {} (size, mode, owner, group, atime, mtime)", key));
        }
    }
    set_attributes(context, path, changes, "setstat " + path);
}

// ---- work done by the server --------------------------------------------------------------------

// check-file's names for the algorithms, and Botan's.
struct HashName {
    std::string_view wire;
    std::string_view botan;
};
constexpr std::array kHashes{HashName{"md5", "MD5"}, HashName{"sha1", "SHA-1"}, HashName{"sha256", "SHA-256"},
                             HashName{"sha512", "SHA-512"}};

std::string local_hash(std::string_view botan_name, const std::string& path, const std::string& operation) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw OperationFailed(operation + ": cannot read " + path + ": " + std::strerror(errno));
    const auto hash = Botan::HashFunction::create_or_throw(std::string(botan_name));
    std::array<char, 65536> buffer{};
    while (file) {
        file.read(buffer.data(), buffer.size());
        hash->update(reinterpret_cast<const std::uint8_t*>(buffer.data()), static_cast<std::size_t>(file.gcount()));
    }
    if (file.bad()) throw OperationFailed(operation + ": cannot read " + path);
    return Botan::hex_encode(hash->final(), false);
}

// hash [-a ALG] REMOTE [LOCAL]: the server hashes the file (check-file-name) and we print it
// like sha256sum does; with LOCAL, a different hash of the local file fails the command.
void run_hash(SftpContext& context, const CommandArgs& args) {
    const std::string algorithm = args.value("-a").value_or("sha256");
    const auto* name =
        std::find_if(kHashes.begin(), kHashes.end(), [&](const HashName& h) { return h.wire == algorithm; });
    if (name == kHashes.end()) throw UsageError("hash: -a takes md5, sha1, sha256 or sha512, not " + algorithm);
    const auto path = context.remote(args.positional[0]);
    const std::string operation = "hash " + path;
    sftp::CheckFileName request;
    request.filename = path;
    request.hash_algorithms = algorithm;
    const auto reply = checked(context.session().call<sftp::CheckFileReply>(
                                   [&](auto done) { context.engine().check_file(request, std::move(done)); }),
                               operation);
    const auto digest_size = Botan::HashFunction::create_or_throw(std::string(name->botan))->output_length();
    if (reply.hash_algorithm != algorithm || reply.hashes.size() != digest_size) {
        fail(operation, StatusCode::bad_message,
             fmt::format("asked for one {} hash, got {} bytes of {}", algorithm, reply.hashes.size(),
                         reply.hash_algorithm));
    }
    const std::string remote_hex = Botan::hex_encode(reply.hashes.data(), reply.hashes.size(), false);
    fmt::print("{}  {}\n", remote_hex, path);
    if (args.positional.size() < 2) return;
    const auto& local = args.positional[1];
    if (local_hash(name->botan, local, operation) != remote_hex) {
        throw OperationFailed(operation + ": differs from " + local);
    }
    fmt::print("{}: same {} as {}\n", path, algorithm, local);
}

// copy-data between two handles; both are closed whatever happens.
void copy_with_handles(SftpContext& context, const std::string& from, const std::string& to,
                       const std::string& operation) {
    auto& engine = context.engine();
    auto& session = context.session();
    const auto source = checked(session.call<std::string>([&](auto done) {
                                    engine.open(from, sftp::open_for_reading(), {}, std::move(done));
                                }),
                                operation);
    const auto close = [&](const std::string& handle) {
        return session.call<void>([&](auto done) { engine.close(handle, std::move(done)); });
    };
    const auto target = session.call<std::string>(
        [&](auto done) { engine.open(to, sftp::open_for_writing(), {}, std::move(done)); });
    if (!target) {
        (void)close(source);
        checked(target, operation + " -> " + to);
    }
    sftp::CopyData request;
    request.read_handle = source;
    request.write_handle = target.value();
    const auto copied = session.call<void>([&](auto done) { engine.copy_data(request, std::move(done)); });
    const auto closed_source = close(source);
    const auto closed_target = close(target.value());
    checked(copied, operation);
    checked(closed_target, operation + " -> " + to);
    checked(closed_source, operation);
}

// cp SRC DST on the server: copy-file where announced (replacing DST), else copy-data.
void run_cp(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto from = context.remote(args.positional[0]);
    const auto to = context.remote(args.positional[1]);
    const std::string operation = "cp " + from;
    if (engine.server()->has_extension(sftp::CopyFile::kName)) {
        const sftp::CopyFile request{from, to, true};
        checked(context.session().call<void>([&](auto done) { engine.extended(request, std::move(done)); }), operation);
    } else if (engine.server()->has_extension(sftp::CopyData::kName)) {
        copy_with_handles(context, from, to, operation);
    } else {
        fail(operation, StatusCode::op_unsupported, "the server announces neither copy-file nor copy-data");
    }
}

std::string human(std::uint64_t bytes) {
    constexpr std::string_view units = "BKMGTPE";
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? std::to_string(bytes) : fmt::format("{:.1f}{}", value, units[unit]);
}

// df [-h] [--space-available] [REMOTE]: total, free and available bytes of the file system
// holding REMOTE, from statvfs@openssh.com where announced, else (or asked) space-available.
void run_df(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto path = context.remote(args.positional.empty() ? "." : args.positional[0]);
    const std::string operation = "df " + path;
    std::uint64_t total = 0, free = 0, available = 0;
    if (!args.has("--space-available") && engine.server()->has_extension(sftp::Statvfs::kName)) {
        const auto s = checked(context.session().call<sftp::StatvfsReply>(
                                   [&](auto done) { engine.statvfs(path, std::move(done)); }),
                               operation);
        const std::uint64_t unit = s.frsize != 0 ? s.frsize : s.bsize;
        total = s.blocks * unit;
        free = s.bfree * unit;
        available = s.bavail * unit;
    } else {
        const auto s = checked(context.session().call<sftp::SpaceAvailableReply>(
                                   [&](auto done) { engine.space_available(path, std::move(done)); }),
                               operation);
        total = s.bytes_on_device;
        free = s.unused_bytes_on_device;
        available = s.unused_bytes_available_to_user;
    }
    const auto show = [&](std::uint64_t bytes) { return args.has("-h") ? human(bytes) : std::to_string(bytes); };
    fmt::print("total: {}\nfree: {}\navailable: {}\n", show(total), show(free), show(available));
}

constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();

const std::array kCommands{
    CommandSpec{"chmod", "chmod MODE REMOTE", {}, {}, 2, 2, run_chmod},
    CommandSpec{"chown", "chown OWNER REMOTE", {}, {}, 2, 2, run_chown},
    CommandSpec{"chgrp", "chgrp GROUP REMOTE", {}, {}, 2, 2, run_chgrp},
    CommandSpec{"touch", "touch [-m EPOCH|-d ISO8601] REMOTE", {}, {"-m", "-d"}, 1, 1, run_touch},
    CommandSpec{"setstat", "setstat REMOTE KEY=VALUE... (size mode owner group atime mtime)", {}, {}, 2, kMany,
                run_setstat},
    CommandSpec{"hash", "hash [-a md5|sha1|sha256|sha512] REMOTE [LOCAL]", {}, {"-a"}, 1, 2, run_hash},
    CommandSpec{"cp", "cp SRC DST", {}, {}, 2, 2, run_cp},
    CommandSpec{"df", "df [-h] [--space-available] [REMOTE]", {"-h", "--space-available"}, {}, 0, 1, run_df},
};

}  // namespace

std::span<const CommandSpec> attribute_commands() { return kCommands; }

}  // namespace wharf::cli
