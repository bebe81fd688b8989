#include "daemon/sftp/conversions.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <vector>

namespace wharf::daemon::sftp_vfs {

using sftp::Error;

sftp::Failure failure_from(std::error_code error) {
    if (error.category() != vfs::vfs_category()) return {Error::failure, error.message()};
    switch (static_cast<vfs::Errc>(error.value())) {
        case vfs::Errc::no_such_file: return {Error::no_such_file, {}};
        case vfs::Errc::permission_denied: return {Error::permission_denied, {}};
        case vfs::Errc::exists: return {Error::file_exists, {}};
        case vfs::Errc::not_a_directory: return {Error::not_a_directory, {}};
        case vfs::Errc::is_a_directory: return {Error::is_a_directory, {}};
        case vfs::Errc::not_empty: return {Error::dir_not_empty, {}};
        case vfs::Errc::quota_exceeded: return {Error::quota, {}};
        case vfs::Errc::no_space: return {Error::no_space, {}};
        case vfs::Errc::invalid_name: return {Error::invalid_filename, {}};
        case vfs::Errc::read_only: return {Error::write_protect, "Read-only folder"};
        case vfs::Errc::cross_mount:
            return {Error::permission_denied, "Cannot move or link between different folders"};
        case vfs::Errc::loop: return {Error::link_loop, {}};
        case vfs::Errc::bad_handle: return {Error::invalid_handle, {}};
        case vfs::Errc::eof: return {Error::eof, {}};
        case vfs::Errc::io_error: return {Error::failure, {}};
        case vfs::Errc::unsupported: return {Error::op_unsupported, {}};
        case vfs::Errc::invalid_argument: return {Error::invalid_parameter, {}};
    }
    return {Error::failure, {}};
}

sftp::Result<void> result_from(const vfs::Result<void>& result) {
    if (result) return {};
    return failure_from(result.error());
}

std::string_view error_name(Error error) noexcept {
    switch (error) {
        case Error::eof: return "eof";
        case Error::no_such_file: return "no_such_file";
        case Error::no_such_path: return "no_such_path";
        case Error::permission_denied: return "permission_denied";
        case Error::failure: return "failure";
        case Error::bad_message: return "bad_message";
        case Error::no_connection: return "no_connection";
        case Error::connection_lost: return "connection_lost";
        case Error::op_unsupported: return "op_unsupported";
        case Error::invalid_handle: return "invalid_handle";
        case Error::file_exists: return "file_exists";
        case Error::write_protect: return "write_protect";
        case Error::no_space: return "no_space";
        case Error::quota: return "quota_exceeded";
        case Error::dir_not_empty: return "dir_not_empty";
        case Error::not_a_directory: return "not_a_directory";
        case Error::is_a_directory: return "is_a_directory";
        case Error::invalid_filename: return "invalid_filename";
        case Error::link_loop: return "link_loop";
        case Error::invalid_parameter: return "invalid_parameter";
        case Error::lock_conflict: return "lock_conflict";
    }
    return "failure";
}

namespace {

// getpwuid/getgrgid read /etc files (or NSS) on every call; listings ask for the same few ids
// thousands of times. Names do not change while we run often enough to matter.
class NameCache {
public:
    template <class Lookup>
    std::string get(std::uint32_t id, Lookup lookup) {
        const std::lock_guard lock(m_mutex);
        if (const auto it = m_names.find(id); it != m_names.end()) return it->second;
        std::string name = lookup(id);
        m_names.emplace(id, name);
        return name;
    }

private:
    std::mutex m_mutex;
    std::map<std::uint32_t, std::string> m_names;
};

std::vector<char> lookup_buffer() {
    return std::vector<char>(16384);
}

std::optional<std::uint32_t> uid_of(const std::string& name) {
    passwd entry{};
    passwd* found = nullptr;
    auto buffer = lookup_buffer();
    if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    return found->pw_uid;
}

std::optional<std::uint32_t> gid_of(const std::string& name) {
    group entry{};
    group* found = nullptr;
    auto buffer = lookup_buffer();
    if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    return found->gr_gid;
}

// "user@domain" names the user; the domain part is ignored (we only know local names).
std::string local_part(const std::string& name) {
    return name.substr(0, name.find('@'));
}

sftp::FileTime file_time(const vfs::Timestamp& t) {
    return sftp::FileTime{t.seconds, t.nanoseconds};
}

vfs::Timestamp timestamp(const sftp::FileTime& t) {
    return vfs::Timestamp{t.seconds, t.nanoseconds.value_or(0)};
}

}  // namespace

std::string user_name(std::uint32_t uid) {
    static NameCache cache;
    return cache.get(uid, [](std::uint32_t id) -> std::string {
        passwd entry{};
        passwd* found = nullptr;
        auto buffer = lookup_buffer();
        if (getpwuid_r(id, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return {};
        return found->pw_name;
    });
}

std::string group_name(std::uint32_t gid) {
    static NameCache cache;
    return cache.get(gid, [](std::uint32_t id) -> std::string {
        group entry{};
        group* found = nullptr;
        auto buffer = lookup_buffer();
        if (getgrgid_r(id, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return {};
        return found->gr_name;
    });
}

sftp::FileAttributes attributes_from(const vfs::Attributes& a) {
    sftp::FileAttributes out;
    out.type = sftp::file_type_from_mode(a.mode);
    out.size = a.size;
    out.uid_gid = sftp::UidGid{a.uid, a.gid};
    std::string owner = user_name(a.uid);
    std::string group = group_name(a.gid);
    out.owner_group = sftp::OwnerGroup{owner.empty() ? std::to_string(a.uid) : std::move(owner),
                                       group.empty() ? std::to_string(a.gid) : std::move(group)};
    out.permissions = a.mode;
    out.atime = file_time(a.atime);
    out.mtime = file_time(a.mtime);
    out.ctime = file_time(a.ctime);
    out.link_count = static_cast<std::uint32_t>(std::min<std::uint64_t>(a.link_count, UINT32_MAX));
    return out;
}

ChangeRequest changes_from(const sftp::FileAttributes& a) {
    ChangeRequest request;
    vfs::AttributeChanges& c = request.changes;
    c.size = a.size;
    if (a.permissions) c.mode = *a.permissions & 07777;
    if (a.uid_gid) {
        c.uid = a.uid_gid->uid;
        c.gid = a.uid_gid->gid;
    }
    if (a.owner_group) {
        if (!a.owner_group->owner.empty()) {
            c.uid = uid_of(local_part(a.owner_group->owner));
            if (!c.uid) request.error = sftp::Failure{Error::invalid_parameter, "Unknown owner"};
        }
        if (!a.owner_group->group.empty()) {
            c.gid = gid_of(local_part(a.owner_group->group));
            if (!c.gid) request.error = sftp::Failure{Error::invalid_parameter, "Unknown group"};
        }
    }
    if (a.atime) c.atime = timestamp(*a.atime);
    if (a.mtime) c.mtime = timestamp(*a.mtime);
    return request;
}

OpenRequest open_flags_from(const sftp::OpenMode& mode) {
    namespace of = sftp::open_flags;
    namespace ace = sftp::ace4;
    OpenRequest request;
    vfs::OpenFlags& f = request.flags;
    f.read = (mode.desired_access & ace::read_data) != 0;
    f.append = (mode.flags & (of::append_data | of::append_data_atomic)) != 0 ||
               ((mode.desired_access & ace::append_data) != 0 && (mode.desired_access & ace::write_data) == 0);
    f.write = f.append || (mode.desired_access & ace::write_data) != 0;
    switch (mode.flags & of::access_disposition) {
        case of::create_new: f.create = true; f.exclusive = true; break;
        case of::create_truncate: f.create = true; f.truncate = true; break;
        case of::open_existing: break;
        case of::open_or_create: f.create = true; break;
        case of::truncate_existing: f.truncate = true; break;
        default:
            request.error = sftp::Failure{Error::invalid_parameter, "Unknown open disposition"};
            return request;
    }
    if ((f.create || f.truncate) && !f.write) {
        // Creating or emptying a file is writing to it, whatever the access mask says.
        f.write = true;
    }
    if ((mode.flags & of::delete_on_close) != 0) {
        request.error = sftp::Failure{Error::op_unsupported, "Delete-on-close is not supported"};
    } else if (!f.read && !f.write) {
        request.error = sftp::Failure{Error::invalid_parameter, "Open needs read or write access"};
    }
    return request;
}

sftp::StatvfsReply statvfs_from(const vfs::FilesystemStats& s) {
    sftp::StatvfsReply out;
    out.bsize = s.block_size;
    out.frsize = s.fragment_size;
    out.blocks = s.blocks;
    out.bfree = s.blocks_free;
    out.bavail = s.blocks_available;
    out.files = s.files;
    out.ffree = s.files_free;
    out.favail = s.files_available;
    out.fsid = s.filesystem_id;
    out.flag = s.flags;
    out.namemax = s.name_max;
    return out;
}

}  // namespace wharf::daemon::sftp_vfs
