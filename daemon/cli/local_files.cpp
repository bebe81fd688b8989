// Local-file helpers for `wharf sftp` transfers (see local_files.hpp).
#include "daemon/cli/local_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace wharf::cli {

namespace {

LocalInfo info_from(const struct ::stat& st) {
    LocalInfo info;
    if (S_ISREG(st.st_mode)) info.kind = LocalInfo::Kind::regular;
    else if (S_ISDIR(st.st_mode)) info.kind = LocalInfo::Kind::directory;
    else if (S_ISLNK(st.st_mode)) info.kind = LocalInfo::Kind::symlink;
    info.size = static_cast<std::uint64_t>(st.st_size);
    info.permissions = st.st_mode & 07777;
    info.atime = {st.st_atim.tv_sec, static_cast<std::uint32_t>(st.st_atim.tv_nsec)};
    info.mtime = {st.st_mtim.tv_sec, static_cast<std::uint32_t>(st.st_mtim.tv_nsec)};
    return info;
}

std::string_view as_chars(ssh::ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

ssh::Bytes as_bytes(std::string_view text) { return ssh::Bytes(text.begin(), text.end()); }

void walk(const std::string& root, const std::string& relative, std::vector<LocalTreeEntry>& out) {
    const std::string directory = relative.empty() ? root : join_path(root, relative);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
    if (!dir) throw std::runtime_error("cannot read " + directory + ": " + std::strerror(errno));
    std::vector<std::string> names;
    while (const auto* entry = ::readdir(dir.get())) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const std::string child = relative.empty() ? name : join_path(relative, name);
        const auto info = local_stat(join_path(root, child), /*follow=*/false);
        if (!info) continue;  // gone since readdir
        out.push_back({child, *info});
        if (info->kind == LocalInfo::Kind::directory) walk(root, child, out);
    }
}

}  // namespace

std::optional<LocalInfo> local_stat(const std::string& path, bool follow) {
    struct ::stat st {};
    const int rc = follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (rc != 0) return std::nullopt;
    return info_from(st);
}

vfs::UniqueFd open_local(const std::string& path, int flags, unsigned mode) {
    return vfs::UniqueFd(::open(path.c_str(), flags | O_CLOEXEC, mode));
}

bool write_all_at(int fd, std::uint64_t offset, std::string_view data) {
    std::size_t written = 0;
    while (written < data.size()) {
        const auto n = ::pwrite(fd, data.data() + written, data.size() - written,
                                static_cast<off_t>(offset + written));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        written += static_cast<std::size_t>(n);
    }
    return true;
}

sftp::UploadSource file_source(int fd, std::uint64_t offset, std::optional<std::uint64_t> limit) {
    return [fd, position = offset, left = limit](std::size_t max) mutable -> std::optional<ssh::Bytes> {
        const std::size_t wanted = left ? static_cast<std::size_t>(std::min<std::uint64_t>(max, *left)) : max;
        ssh::Bytes chunk(wanted);
        std::size_t filled = 0;
        while (filled < wanted) {
            const auto n = ::pread(fd, chunk.data() + filled, wanted - filled, static_cast<off_t>(position + filled));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return std::nullopt;
            if (n == 0) break;
            filled += static_cast<std::size_t>(n);
        }
        chunk.resize(filled);
        position += filled;
        if (left) *left -= filled;
        return chunk;
    };
}

bool set_local_times_and_mode(const std::string& path, LocalTime atime, LocalTime mtime,
                              std::optional<std::uint32_t> permissions) {
    const struct ::timespec times[2] = {{atime.seconds, atime.nanoseconds}, {mtime.seconds, mtime.nanoseconds}};
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return false;
    return !permissions || ::chmod(path.c_str(), *permissions & 07777) == 0;
}

bool make_local_directories(const std::string& path) {
    for (std::size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
        const std::string prefix = path.substr(0, at);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return false;
        if (at == std::string::npos) break;
    }
    const auto info = local_stat(path);
    if (info && info->kind == LocalInfo::Kind::directory) return true;
    errno = ENOTDIR;
    return false;
}

std::vector<LocalTreeEntry> walk_local_tree(const std::string& root) {
    std::vector<LocalTreeEntry> entries;
    walk(root, "", entries);
    return entries;
}

std::string base_name(std::string_view path) {
    while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos || path.size() == 1) return std::string(path);
    return std::string(path.substr(slash + 1));
}

std::string join_path(std::string_view directory, std::string_view name) {
    if (directory.empty()) return std::string(name);
    std::string joined(directory);
    if (!joined.ends_with('/')) joined += '/';
    joined += name;
    return joined;
}

std::optional<std::string> sha256_of_file(const std::string& path) {
    const auto fd = open_local(path, O_RDONLY);
    if (!fd) return std::nullopt;
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    std::vector<std::uint8_t> buffer(1 << 16);
    while (true) {
        const auto n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        hash->update(buffer.data(), static_cast<std::size_t>(n));
    }
    return Botan::hex_encode(hash->final(), false);
}

// ---- newlines ---------------------------------------------------------------------------------

NewlineConverter::NewlineConverter(std::string from, std::string to) : m_from(std::move(from)), m_to(std::move(to)) {
    if (m_from.empty() || m_from.size() > 2) throw std::invalid_argument("newline sequences are 1 or 2 bytes");
}

std::string NewlineConverter::convert(std::string_view in, bool last) {
    std::string text = std::exchange(m_pending, {});
    text.append(in);
    if (identity()) return text;
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t i = 0;
    while (i < text.size()) {
        const std::string_view rest = std::string_view(text).substr(i);
        if (rest.starts_with(m_from)) {
            out += m_to;
            i += m_from.size();
        } else if (!last && rest.size() < m_from.size() && std::string_view(m_from).starts_with(rest)) {
            m_pending = rest;  // maybe the start of a newline the next chunk completes
            break;
        } else {
            out += text[i++];
        }
    }
    return out;
}

sftp::UploadSource converting_source(sftp::UploadSource raw, NewlineConverter converter) {
    return [raw = std::move(raw), converter = std::move(converter), ready = std::string(),
            input_done = false](std::size_t max) mutable -> std::optional<ssh::Bytes> {
        while (ready.size() < max && !input_done) {
            auto chunk = raw(max);
            if (!chunk) return std::nullopt;
            input_done = chunk->empty();
            ready += converter.convert(as_chars(ssh::ByteView(*chunk)), input_done);
        }
        const std::size_t n = std::min(max, ready.size());
        ssh::Bytes out = as_bytes(std::string_view(ready).substr(0, n));
        ready.erase(0, n);
        return out;
    };
}

OrderedTextWriter::OrderedTextWriter(int fd, std::uint64_t remote_start, std::uint64_t local_offset,
                                     NewlineConverter converter, std::size_t max_buffered)
    : m_fd(fd),
      m_next_remote(remote_start),
      m_local_start(local_offset),
      m_local_offset(local_offset),
      m_converter(std::move(converter)),
      m_max_buffered(max_buffered) {}

bool OrderedTextWriter::accept(std::uint64_t remote_offset, ssh::ByteView data) {
    if (remote_offset != m_next_remote) {
        m_buffered += data.size();
        // The engine never reads further ahead than this; more would be a bug, not a reason
        // to grow without bound.
        if (m_buffered > m_max_buffered) return false;
        m_pieces.emplace(remote_offset, std::string(as_chars(data)));
        return true;
    }
    if (!emit(as_chars(data), false)) return false;
    m_next_remote += data.size();
    for (auto it = m_pieces.find(m_next_remote); it != m_pieces.end(); it = m_pieces.find(m_next_remote)) {
        if (!emit(it->second, false)) return false;
        m_next_remote += it->second.size();
        m_buffered -= it->second.size();
        m_pieces.erase(it);
    }
    return true;
}

bool OrderedTextWriter::finish() { return m_pieces.empty() && emit({}, true); }

bool OrderedTextWriter::emit(std::string_view data, bool last) {
    const std::string converted = m_converter.convert(data, last);
    if (!write_all_at(m_fd, m_local_offset, converted)) return false;
    m_local_offset += converted.size();
    return true;
}

}  // namespace wharf::cli
