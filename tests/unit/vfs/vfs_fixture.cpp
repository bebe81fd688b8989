#include "vfs_fixture.hpp"

#include "daemon/vfs/posix.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace wharf::vfs::test {

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "wharf-vfs-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = fs::path(buffer.data());
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void write_file(const fs::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::span<const std::byte> bytes(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string read_all(const FileHandle& handle) {
    std::string content;
    std::byte buffer[4096];
    for (std::uint64_t offset = 0;;) {
        auto n = handle.read(offset, buffer);
        if (!n) break;
        content.append(reinterpret_cast<const char*>(buffer), *n);
        offset += *n;
    }
    return content;
}

Result<void> write_text(FileHandle& handle, std::uint64_t offset, std::string_view text) {
    return handle.write(offset, bytes(text));
}

const char* strategy_name(ResolveStrategy strategy) {
    switch (strategy) {
    case ResolveStrategy::automatic: return "automatic";
    case ResolveStrategy::openat2: return "openat2";
    case ResolveStrategy::walk: return "walk";
    }
    return "?";
}

unsigned umask_now() {
    return process_umask();
}

std::string with_nul(std::string_view a, std::string_view b) {
    std::string text(a);
    text += '\0';
    text += b;
    return text;
}

Sandbox::Sandbox(ResolveStrategy resolve)
    : outside(temp.path() / "outside"),
      root(temp.path() / "root"),
      shared(temp.path() / "shared"),
      ro(temp.path() / "ro"),
      strategy(resolve) {
    fs::create_directories(outside / "dir");
    fs::create_directories(root / "pub" / "sub");
    fs::create_directories(shared);
    fs::create_directories(ro);
    write_file(outside / "secret.txt", "TOP SECRET");
    write_file(root / "pub" / "file.txt", "public");
    write_file(shared / "doc.txt", "shared doc");
    write_file(ro / "readme.txt", "read only");
    policy.mounts = {{"/", root, false}, {"/shared", shared, false}, {"/ro", ro, true}};
    open_filesystem();
}

UserFilesystem& Sandbox::open_filesystem(std::shared_ptr<QuotaTracker> quota) {
    policy.mounts = {{"/", root, false}, {"/shared", shared, false}, {"/ro", ro, true}};
    m_filesystems.push_back(std::make_unique<UserFilesystem>(policy, std::move(quota),
                                                             FilesystemOptions{strategy}));
    return *m_filesystems.back();
}

std::map<std::string, std::string> Sandbox::outside_state() const {
    std::map<std::string, std::string> state;
    auto describe = [](const fs::path& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) return std::string("?");
        std::string text = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                           std::to_string(st.st_mtim.tv_sec) + "." +
                           std::to_string(st.st_mtim.tv_nsec);
        if (S_ISREG(st.st_mode)) text += ":" + read_file(path);
        return text;
    };
    for (const auto& entry : fs::directory_iterator(temp.path())) {
        state["T/" + entry.path().filename().string()] = "present";
    }
    state["outside"] = describe(outside);
    for (const auto& entry : fs::recursive_directory_iterator(outside)) {
        state[fs::relative(entry.path(), outside).string()] = describe(entry.path());
    }
    return state;
}

}  // namespace wharf::vfs::test
