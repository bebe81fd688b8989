// `wharf sftp` listing and file operations: ls, stat, lstat, exists, rm, mkdir, rmdir, mv, ln,
// readlink, realpath, and the working directories (cd, pwd, lcd, lpwd) and version. Setting
// attributes and the server-side operations (hash, cp, df) are in sftp_commands_attributes.cpp.
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>

#include "daemon/cli/sftp_commands.hpp"
#include "daemon/cli/sftp_listing.hpp"

namespace wharf::cli {

namespace {

using sftp::StatusCode;

// "dir" + "name" the way remote_matches() split them ("." when the pattern had no '/').
std::string join(const std::string& directory, const std::string& name) {
    if (directory == ".") return name;
    return directory.ends_with('/') ? directory + name : directory + '/' + name;
}

std::string_view last_component(std::string_view path) {
    while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// `path` with the escapes of its last component taken out (and trailing slashes dropped): the
// one name a last component without wildcards stands for, as remote_matches() reads it.
std::string literal_path(std::string_view path) {
    const auto last = last_component(path);
    const auto start = static_cast<std::size_t>(last.data() - path.data());
    return std::string(path.substr(0, start)) + unescape_mask(last);
}

sftp::ClientResult<sftp::FileAttributes> stat_of(SftpContext& context, const std::string& path) {
    return context.session().call<sftp::FileAttributes>(
        [&](auto done) { context.engine().stat(path, std::move(done)); });
}

bool is_directory(const sftp::FileAttributes& attrs) {
    return attrs.file_type() == sftp::FileType::directory;
}

// ---- attributes as text -------------------------------------------------------------------

std::string_view type_name(sftp::FileType type) {
    switch (type) {
        case sftp::FileType::regular: return "regular";
        case sftp::FileType::directory: return "directory";
        case sftp::FileType::symlink: return "symlink";
        case sftp::FileType::special: return "special";
        case sftp::FileType::socket: return "socket";
        case sftp::FileType::char_device: return "char-device";
        case sftp::FileType::block_device: return "block-device";
        case sftp::FileType::fifo: return "fifo";
        case sftp::FileType::unknown: break;
    }
    return "unknown";
}

void print_time(std::string_view key, const std::optional<sftp::FileTime>& time) {
    if (!time) return;
    fmt::print("{}: {}\n", key, time->seconds);
    if (time->nanoseconds) fmt::print("{}_ns: {}\n", key, *time->nanoseconds);
}

// One `key: value` per line, so scripts can pick fields.
void print_attributes(std::uint32_t version, const sftp::FileAttributes& a) {
    fmt::print("version: {}\n", version);
    if (const auto type = a.file_type()) fmt::print("type: {}\n", type_name(*type));
    if (a.size) fmt::print("size: {}\n", *a.size);
    if (a.allocation_size) fmt::print("allocation_size: {}\n", *a.allocation_size);
    if (a.permissions) fmt::print("permissions: {:04o}\n", *a.permissions & 07777);
    if (a.uid_gid) fmt::print("uid: {}\ngid: {}\n", a.uid_gid->uid, a.uid_gid->gid);
    if (a.owner_group) fmt::print("owner: {}\ngroup: {}\n", sftp::printable(a.owner_group->owner), sftp::printable(a.owner_group->group));
    print_time("atime", a.atime);
    print_time("mtime", a.mtime);
    print_time("createtime", a.createtime);
    print_time("ctime", a.ctime);
    if (a.link_count) fmt::print("link_count: {}\n", *a.link_count);
    if (a.mime_type) fmt::print("mime_type: {}\n", *a.mime_type);
}

char type_letter(const sftp::FileAttributes& a) {
    switch (a.file_type().value_or(sftp::FileType::unknown)) {
        case sftp::FileType::directory: return 'd';
        case sftp::FileType::symlink: return 'l';
        case sftp::FileType::char_device: return 'c';
        case sftp::FileType::block_device: return 'b';
        case sftp::FileType::fifo: return 'p';
        case sftp::FileType::socket: return 's';
        default: return '-';
    }
}

// "drwxr-xr-x" for an entry that has no ls -l line of its own (v4+, or a single stat'ed file).
std::string mode_string(const sftp::FileAttributes& a) {
    std::string text(1, type_letter(a));
    const std::uint32_t mode = a.permissions.value_or(0);
    for (int shift = 6; shift >= 0; shift -= 3) {
        text += (mode >> shift) & 4 ? 'r' : '-';
        text += (mode >> shift) & 2 ? 'w' : '-';
        text += (mode >> shift) & 1 ? 'x' : '-';
    }
    return text;
}

// Our own `ls -l` line: mode, owner, group, size, modification time (UTC), name.
std::string long_line(const sftp::FileAttributes& a, std::string_view name) {
    std::string owner = "?", group = "?";
    if (a.owner_group) {
        owner = a.owner_group->owner;
        group = a.owner_group->group;
    } else if (a.uid_gid) {
        owner = std::to_string(a.uid_gid->uid);
        group = std::to_string(a.uid_gid->gid);
    }
    std::string when = "?";
    if (a.mtime) {
        const auto seconds = static_cast<std::time_t>(a.mtime->seconds);
        when = fmt::format("{:%Y-%m-%d %H:%M}", fmt::gmtime(seconds));
    }
    return fmt::format("{} {:<8} {:<8} {:>12} {} {}", mode_string(a), owner, group, a.size.value_or(0), when, name);
}

// ---- listing --------------------------------------------------------------------------------

FileMasks masks_from(const CommandArgs& args) {
    const auto split_all = [&](std::string_view flag) {
        std::vector<std::string> masks;
        for (const auto& text : args.all(flag)) {
            for (auto& mask : split_masks(text)) masks.push_back(std::move(mask));
        }
        return masks;
    };
    return FileMasks(split_all("--mask"), split_all("--exclude"), args.has("-i"));
}

void print_entry(const sftp::NameEntry& entry, bool long_format, std::string_view name) {
    if (!long_format) {
        fmt::print("{}\n", sftp::printable(name));
    } else if (!entry.longname.empty() && name == entry.filename) {
        fmt::print("{}\n", sftp::printable(entry.longname));
    } else {
        fmt::print("{}\n", sftp::printable(long_line(entry.attrs, name)));
    }
}

// REMOTE is a directory (its entries), a directory plus a mask in the last component (the
// matching entries), or anything else (itself, by the name given). Dot files are hidden
// without -a, unless the mask itself asks for them (".*").
void run_ls(SftpContext& context, const CommandArgs& args) {
    const bool long_format = args.has("-l");
    const FileMasks masks = masks_from(args);
    const std::string given = args.positional.empty() ? "." : args.positional[0];
    const std::string path = context.remote(given);
    const std::string_view last = last_component(path);
    const bool masked = has_wildcards(last);

    std::vector<sftp::NameEntry> entries;
    if (masked) {
        entries = remote_matches(context, path, masks).entries;
    } else {
        const auto attrs = checked(stat_of(context, literal_path(path)), "ls " + path);
        if (!is_directory(attrs)) {
            sftp::NameEntry entry;
            entry.attrs = attrs;
            if (masks.matches(last_component(given))) print_entry(entry, long_format, given);
            return;
        }
        entries = list_directory(context, literal_path(path));
        std::erase_if(entries, [&](const sftp::NameEntry& e) { return !masks.matches(e.filename); });
    }
    const bool show_dots = args.has("-a") || (masked && last.starts_with('.'));
    for (const auto& entry : entries) {
        if (show_dots || !entry.filename.starts_with('.')) print_entry(entry, long_format, entry.filename);
    }
}

void run_stat(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    print_attributes(*context.engine().version(), checked(stat_of(context, path), "stat " + path));
}

void run_lstat(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    const auto attrs = checked(context.session().call<sftp::FileAttributes>(
                                   [&](auto done) { context.engine().lstat(path, std::move(done)); }),
                               "lstat " + path);
    print_attributes(*context.engine().version(), attrs);
}

// The name itself, not what a symbolic link points to: a dangling link exists.
void run_exists(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    checked(context.session().call<sftp::FileAttributes>(
                [&](auto done) { context.engine().lstat(path, std::move(done)); }),
            "exists " + path);
    fmt::print("{} exists\n", path);
}

// ---- changing the tree ------------------------------------------------------------------------

void remove_one(SftpContext& context, const std::string& path, bool force) {
    const auto removed =
        context.session().call<void>([&](auto done) { context.engine().remove(path, std::move(done)); });
    if (!removed && force && is_missing(removed.error())) return;
    checked(removed, "rm " + path);
    fmt::print("removed {}\n", path);
}

// A mask in the last component removes every file it matches; directories among the matches
// are left alone (rmdir is for those). -f: a missing file or a mask without matches is fine.
void run_rm(SftpContext& context, const CommandArgs& args) {
    const bool force = args.has("-f");
    for (const auto& word : args.positional) {
        const auto path = context.remote(word);
        if (!has_wildcards(last_component(path))) {
            remove_one(context, literal_path(path), force);
            continue;
        }
        const auto matches = remote_matches(context, path, FileMasks{});
        std::size_t files = 0;
        for (const auto& entry : matches.entries) {
            if (is_directory(entry.attrs)) continue;
            remove_one(context, join(matches.directory, entry.filename), force);
            ++files;
        }
        if (files == 0 && !force) fail("rm " + path, StatusCode::no_such_file, "No file matches");
    }
}

// -p: every missing directory on the way, and no complaint when the directory exists. An
// ancestor the server will not stat (a jail's parents) is taken to exist; if it does not, the
// next MKDIR says so.
void run_mkdir(SftpContext& context, const CommandArgs& args) {
    auto path = context.remote(args.positional[0]);
    while (path.size() > 1 && path.ends_with('/')) path.pop_back();
    const auto make = [&](const std::string& directory) {
        return context.session().call<void>([&](auto done) { context.engine().mkdir(directory, {}, std::move(done)); });
    };
    if (!args.has("-p")) {
        checked(make(path), "mkdir " + path);
        return;
    }
    for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
        const bool last = end == std::string::npos;
        const std::string prefix = path.substr(0, end);
        if (!prefix.empty() && !prefix.ends_with('/')) {
            const auto attrs = stat_of(context, prefix);
            if (attrs && !is_directory(attrs.value())) {
                fail("mkdir " + prefix, StatusCode::not_a_directory, "Not a directory");
            }
            if (!attrs && !is_missing(attrs.error()) && last) checked(attrs, "mkdir " + prefix);
            if (!attrs && is_missing(attrs.error())) checked(make(prefix), "mkdir " + prefix);
        }
        if (last) break;
    }
}

void run_rmdir(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    checked(context.session().call<void>([&](auto done) { context.engine().rmdir(path, std::move(done)); }),
            "rmdir " + path);
}

// Without -f a plain RENAME, which refuses an existing target (v3 servers always do). -f
// replaces the target: RENAME with OVERWRITE from v5 on (the protocol's own way), before that
// posix-rename@openssh.com where announced.
void run_mv(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto from = context.remote(args.positional[0]);
    const auto to = context.remote(args.positional[1]);
    const std::string operation = "mv " + from;
    const auto rename = [&](std::uint32_t flags) {
        checked(context.session().call<void>([&](auto done) { engine.rename(from, to, flags, std::move(done)); }),
                operation);
    };
    if (!args.has("-f")) {
        rename(0);
    } else if (*engine.version() >= 5) {
        rename(sftp::rename_flags::overwrite);
    } else if (engine.server()->has_extension(sftp::PosixRename::kName)) {
        checked(context.session().call<void>([&](auto done) { engine.posix_rename(from, to, std::move(done)); }),
                operation);
    } else {
        fail(operation, StatusCode::op_unsupported,
             "no posix-rename@openssh.com, and RENAME cannot overwrite before SFTP v5");
    }
}

// ln -s TARGET LINK: TARGET is stored as given (a relative target is relative to the link's
// directory). ln TARGET LINK: a hard link, v6 LINK or else hardlink@openssh.com.
void run_ln(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto link = context.remote(args.positional[1]);
    const std::string operation = "ln " + link;
    if (args.has("-s")) {
        const auto& target = args.positional[0];
        checked(context.session().call<void>([&](auto done) { engine.symlink(link, target, std::move(done)); }),
                operation);
        return;
    }
    const auto target = context.remote(args.positional[0]);
    if (*engine.version() >= 6) {
        checked(context.session().call<void>([&](auto done) { engine.link(link, target, false, std::move(done)); }),
                operation);
    } else if (engine.server()->has_extension(sftp::Hardlink::kName)) {
        checked(context.session().call<void>([&](auto done) { engine.hardlink(target, link, std::move(done)); }),
                operation);
    } else {
        fail(operation, StatusCode::op_unsupported, "no hardlink@openssh.com, and LINK needs SFTP v6");
    }
}

void run_readlink(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    fmt::print("{}\n", sftp::printable(checked(context.session().call<std::string>(
                                                 [&](auto done) { context.engine().readlink(path, std::move(done)); }),
                                             "readlink " + path)));
}

std::string real_path(SftpContext& context, const std::string& path, const std::string& operation) {
    return checked(context.session().call<sftp::NameEntry>(
                       [&](auto done) { context.engine().realpath(path, std::move(done)); }),
                   operation)
        .filename;
}

void run_realpath(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    fmt::print("{}\n", real_path(context, path, "realpath " + path));
}

// ---- working directories and the session -----------------------------------------------------

void run_cd(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    const std::string operation = "cd " + path;
    const std::string absolute = real_path(context, path, operation);
    if (!is_directory(checked(stat_of(context, absolute), operation))) {
        fail(operation, StatusCode::not_a_directory, "Not a directory");
    }
    context.set_remote_directory(absolute);
}

void run_pwd(SftpContext& context, const CommandArgs&) {
    const auto& directory = context.remote_directory();
    fmt::print("{}\n", directory.empty() ? real_path(context, ".", "pwd") : directory);
}

// The process's own directory, so every later local path (put, get, hash) starts from it.
void run_lcd(SftpContext&, const CommandArgs& args) {
    const auto& directory = args.positional[0];
    if (::chdir(directory.c_str()) != 0) throw OperationFailed("lcd " + directory + ": " + std::strerror(errno));
}

void run_lpwd(SftpContext&, const CommandArgs&) { fmt::print("{}\n", std::filesystem::current_path().string()); }

bool is_plain_text(std::string_view data) {
    return data.size() <= 64 && std::all_of(data.begin(), data.end(), [](char c) { return c >= ' ' && c <= '~'; });
}

// What VERSION said: "version: N", "vendor: ...", one "extension: NAME [DATA]" per pair and one
// "supported: NAME" per extension name in supported/supported2.
void run_version(SftpContext& context, const CommandArgs&) {
    const auto& server = *context.engine().server();
    fmt::print("version: {}\n", server.version);
    if (server.vendor) {
        const auto& v = *server.vendor;
        fmt::print("vendor: {} {} {} (build {})\n", v.vendor_name, v.product_name, v.product_version,
                   v.product_build_number);
    }
    for (const auto& pair : server.extensions) {
        if (is_plain_text(pair.data)) {
            fmt::print("extension: {} {}\n", pair.name, pair.data);
        } else {
            fmt::print("extension: {}\n", pair.name);
        }
    }
    std::vector<std::string> names;
    if (server.supported) names = server.supported->extension_names;
    if (server.supported2) names = server.supported2->extension_names;
    for (const auto& name : names) fmt::print("supported: {}\n", name);
}

constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();

const std::array kCommands{
    CommandSpec{"ls", "ls [-l] [-a] [-i] [--mask M]... [--exclude M]... [REMOTE]",
                {"-l", "-a", "-i"}, {"--mask", "--exclude"}, 0, 1, run_ls},
    CommandSpec{"stat", "stat REMOTE", {}, {}, 1, 1, run_stat},
    CommandSpec{"lstat", "lstat REMOTE", {}, {}, 1, 1, run_lstat},
    CommandSpec{"exists", "exists REMOTE", {}, {}, 1, 1, run_exists},
    CommandSpec{"rm", "rm [-f] REMOTE...", {"-f"}, {}, 1, kMany, run_rm},
    CommandSpec{"mkdir", "mkdir [-p] REMOTE", {"-p"}, {}, 1, 1, run_mkdir},
    CommandSpec{"rmdir", "rmdir REMOTE", {}, {}, 1, 1, run_rmdir},
    CommandSpec{"mv", "mv [-f] OLD NEW", {"-f"}, {}, 2, 2, run_mv},
    CommandSpec{"ln", "ln [-s] TARGET LINK", {"-s"}, {}, 2, 2, run_ln},
    CommandSpec{"readlink", "readlink REMOTE", {}, {}, 1, 1, run_readlink},
    CommandSpec{"realpath", "realpath REMOTE", {}, {}, 1, 1, run_realpath},
    CommandSpec{"cd", "cd REMOTE", {}, {}, 1, 1, run_cd},
    CommandSpec{"pwd", "pwd", {}, {}, 0, 0, run_pwd},
    CommandSpec{"lcd", "lcd LOCAL", {}, {}, 1, 1, run_lcd},
    CommandSpec{"lpwd", "lpwd", {}, {}, 0, 0, run_lpwd},
    CommandSpec{"version", "version", {}, {}, 0, 0, run_version},
};

}  // namespace

std::span<const CommandSpec> file_commands() { return kCommands; }

}  // namespace wharf::cli
