#include "daemon/vfs/attributes.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

namespace wharf::vfs {
namespace {

Timestamp timestamp_from(const struct timespec& ts) noexcept {
    return {static_cast<std::int64_t>(ts.tv_sec), static_cast<std::uint32_t>(ts.tv_nsec)};
}

}  // namespace

bool Attributes::is_directory() const noexcept { return S_ISDIR(mode); }
bool Attributes::is_regular() const noexcept { return S_ISREG(mode); }
bool Attributes::is_symlink() const noexcept { return S_ISLNK(mode); }

Attributes attributes_from_stat(const struct stat& st) noexcept {
    Attributes a;
    a.size = st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.mode = st.st_mode;
    a.link_count = st.st_nlink;
    a.atime = timestamp_from(st.st_atim);
    a.mtime = timestamp_from(st.st_mtim);
    a.ctime = timestamp_from(st.st_ctim);
    return a;
}

FilesystemStats filesystem_stats_from(const struct statvfs& st) noexcept {
    FilesystemStats s;
    s.block_size = st.f_bsize;
    s.fragment_size = st.f_frsize;
    s.blocks = st.f_blocks;
    s.blocks_free = st.f_bfree;
    s.blocks_available = st.f_bavail;
    s.files = st.f_files;
    s.files_free = st.f_ffree;
    s.files_available = st.f_favail;
    s.filesystem_id = st.f_fsid;
    s.flags = st.f_flag;
    s.name_max = st.f_namemax;
    return s;
}

}  // namespace wharf::vfs
