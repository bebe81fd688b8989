// `wharf sftp` listing and file operations: ls, stat, rm, mkdir, rmdir, mv.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "daemon/cli/sftp_commands.hpp"
#include "daemon/cli/sftp_listing.hpp"

namespace wharf::cli {

namespace {

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
    if (a.owner_group) fmt::print("owner: {}\ngroup: {}\n", a.owner_group->owner, a.owner_group->group);
    print_time("atime", a.atime);
    print_time("mtime", a.mtime);
    print_time("createtime", a.createtime);
    print_time("ctime", a.ctime);
    if (a.link_count) fmt::print("link_count: {}\n", *a.link_count);
    if (a.mime_type) fmt::print("mime_type: {}\n", *a.mime_type);
}

// "drwxr-xr-x" for a v4+ entry that has no ls -l line of its own.
std::string mode_string(const sftp::FileAttributes& a) {
    const auto type = a.file_type().value_or(sftp::FileType::unknown);
    std::string text = type == sftp::FileType::directory ? "d" : type == sftp::FileType::symlink ? "l" : "-";
    const std::uint32_t mode = a.permissions.value_or(0);
    for (int shift = 6; shift >= 0; shift -= 3) {
        text += (mode >> shift) & 4 ? 'r' : '-';
        text += (mode >> shift) & 2 ? 'w' : '-';
        text += (mode >> shift) & 1 ? 'x' : '-';
    }
    return text;
}

void run_ls(SftpContext& context, const CommandArgs& args) {
    const bool long_format = args.has("-l");
    const auto path = context.remote(args.positional.empty() ? "." : args.positional[0]);
    for (const auto& entry : list_directory(context, path)) {
        if (!long_format) {
            fmt::print("{}\n", entry.filename);
        } else if (!entry.longname.empty()) {
            fmt::print("{}\n", entry.longname);
        } else {
            const auto& a = entry.attrs;
            fmt::print("{} {:>10} {:>12} {}\n", mode_string(a), a.size.value_or(0),
                       a.mtime ? a.mtime->seconds : 0, entry.filename);
        }
    }
}

void run_stat(SftpContext& context, const CommandArgs& args) {
    auto& engine = context.engine();
    const auto path = context.remote(args.positional[0]);
    const auto attrs = checked(
        context.session().call<sftp::FileAttributes>([&](auto done) { engine.stat(path, std::move(done)); }),
        "stat " + path);
    print_attributes(*engine.version(), attrs);
}

void run_rm(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    checked(context.session().call<void>([&](auto done) { context.engine().remove(path, std::move(done)); }),
            "rm " + path);
}

void run_mkdir(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    checked(context.session().call<void>([&](auto done) { context.engine().mkdir(path, {}, std::move(done)); }),
            "mkdir " + path);
}

void run_rmdir(SftpContext& context, const CommandArgs& args) {
    const auto path = context.remote(args.positional[0]);
    checked(context.session().call<void>([&](auto done) { context.engine().rmdir(path, std::move(done)); }),
            "rmdir " + path);
}

void run_mv(SftpContext& context, const CommandArgs& args) {
    const auto from = context.remote(args.positional[0]);
    const auto to = context.remote(args.positional[1]);
    checked(context.session().call<void>([&](auto done) { context.engine().rename(from, to, 0, std::move(done)); }),
            "mv " + from);
}

const std::array kCommands{
    CommandSpec{"ls", "ls [-l] [REMOTE]", {"-l"}, {}, 0, 1, run_ls},
    CommandSpec{"stat", "stat REMOTE", {}, {}, 1, 1, run_stat},
    CommandSpec{"rm", "rm REMOTE", {}, {}, 1, 1, run_rm},
    CommandSpec{"mkdir", "mkdir REMOTE", {}, {}, 1, 1, run_mkdir},
    CommandSpec{"rmdir", "rmdir REMOTE", {}, {}, 1, 1, run_rmdir},
    CommandSpec{"mv", "mv OLD NEW", {}, {}, 2, 2, run_mv},
};

}  // namespace

std::span<const CommandSpec> file_commands() { return kCommands; }

}  // namespace wharf::cli
