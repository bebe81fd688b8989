// Shared test scaffolding: a temporary directory per test and a sandbox tree with an
// "outside" that no operation may ever reach.
#pragma once

#include "daemon/vfs/filesystem.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::vfs::test {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const noexcept { return m_path; }

private:
    fs::path m_path;
};

void write_file(const fs::path& path, std::string_view content);
std::string read_file(const fs::path& path);
std::span<const std::byte> bytes(std::string_view text);

/// Reads a whole file through a handle.
std::string read_all(const FileHandle& handle);
/// Writes text at offset through a handle.
Result<void> write_text(FileHandle& handle, std::uint64_t offset, std::string_view text);

const char* strategy_name(ResolveStrategy strategy);

/// The process umask (without changing it).
unsigned umask_now();

/// a + NUL + b.
std::string with_nul(std::string_view a, std::string_view b);

/// The tree every filesystem test runs in:
///   T/outside/secret.txt   "TOP SECRET"   never reachable by any virtual path
///   T/outside/dir/         (empty)
///   T/root/                mounted at "/"
///   T/root/pub/file.txt    "public"
///   T/root/pub/sub/
///   T/shared/doc.txt       "shared doc"  mounted at "/shared"
///   T/ro/readme.txt        "read only"   mounted read-only at "/ro"
class Sandbox {
public:
    explicit Sandbox(ResolveStrategy strategy);

    /// (Re)builds the filesystem from `policy` (mounts are always the three above). Earlier
    /// filesystems stay alive, so references to them remain valid.
    UserFilesystem& open_filesystem(std::shared_ptr<QuotaTracker> quota = nullptr);
    UserFilesystem& vfs() { return *m_filesystems.back(); }

    /// Everything below T/outside plus the names directly in T: type, mode, size, content.
    std::map<std::string, std::string> outside_state() const;

    TempDir temp;
    fs::path outside;
    fs::path root;
    fs::path shared;
    fs::path ro;
    ResolveStrategy strategy;
    UserPolicy policy;

private:
    std::vector<std::unique_ptr<UserFilesystem>> m_filesystems;  // the last one is current
};

}  // namespace wharf::vfs::test

/// Opens a test body that runs once per resolver (openat2, then the user-space walk) in a
/// fresh Sandbox `box`, with `v` its filesystem and `outside_before` the state of
/// everything outside the user's tree, to compare at the end.
#define WHARF_BOTH_RESOLVERS()                                                              \
    ::wharf::vfs::test::Sandbox box(                                                        \
        GENERATE(::wharf::vfs::ResolveStrategy::openat2, ::wharf::vfs::ResolveStrategy::walk)); \
    INFO("resolver " << ::wharf::vfs::test::strategy_name(box.strategy));                   \
    const auto outside_before = box.outside_state();                                        \
    auto& v = box.vfs();                                                                    \
    static_cast<void>(v)
