// Thin Result-returning wrappers over the POSIX calls several vfs files share. Internal
// to daemon/vfs.
#pragma once

#include "daemon/vfs/result.hpp"

#include <sys/stat.h>

#include <string>

namespace wharf::vfs {

/// "/proc/self/fd/N": reaches the very inode behind `fd`, even an O_PATH one, for calls
/// (chmod, utimensat, truncate) that have no fd form accepting O_PATH.
std::string proc_fd_path(int fd);

/// Where the kernel says `fd` lives (readlink of proc_fd_path). For comparisons only:
/// never shown to users.
Result<std::string> fd_real_path(int fd);

Result<struct stat> stat_fd(int fd);
/// lstat of `name` in `dirfd` (no symlink following).
Result<struct stat> stat_at(int dirfd, const std::string& name);

/// Target of the symlink `name` in `dirfd`; name "" reads the link an O_PATH fd holds.
Result<std::string> read_link(int dirfd, const char* name);

/// The process umask, read from /proc/self/status without changing it (umask(2) cannot
/// read without writing); 022 when that is unavailable.
unsigned process_umask();

/// 16 lower-case hex digits from getrandom(2), for temporary names.
std::string random_token();

}  // namespace wharf::vfs
