// An in-memory sftp::Filesystem for the server engine tests: a map of paths to nodes, whose
// completions run at once or, with `defer`, when a test calls complete(i) (to answer pipelined
// requests out of order). `denied` makes operations on a path fail with a message, as a
// daemon hook would.
#pragma once

#include "protocols/sftp/filesystem.hpp"

#include <botan/hash.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sftp_test {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
using sftp::Error;
using sftp::FsHandle;
using sftp::Result;

// Paths are used as given, except "." (and relative paths) which are under `home`.
struct Node {
    enum Kind { file, dir, link } kind = file;
    ssh::Bytes data;
    std::string target;  // links
    std::uint32_t mode = 0644;
    std::int64_t mtime = 1700000000;
};

class FakeFs : public sftp::Filesystem {
public:
    std::map<std::string, Node> nodes{{"/", Node{Node::dir, {}, {}, 0755, 1700000000}}};
    bool defer = false;
    std::vector<std::function<void()>> queued;  // deferred completions, in call order
    std::vector<std::uint32_t> calls;           // request ids, in call order
    std::map<std::string, sftp::Failure> denied;  // path -> the failure every operation gets
    std::string home = "/";
    std::map<std::string, std::string> other_homes{{"bob", "/home/bob"}};
    std::map<std::uint32_t, std::string> user_names{{1000, "alice"}};
    std::map<std::uint32_t, std::string> group_names{{100, "staff"}};
    sftp::StatvfsReply vfs{4096, 4096, 1000, 600, 500, 100, 50, 40, 7, 0, 255};
    std::vector<sftp::OpenMode> open_modes;  // as the engine passed them
    std::size_t fsyncs = 0;
    // Files never grow past this (a quota): keeps fuzzed offsets from allocating gigabytes.
    std::uint64_t max_file_size = 1 << 20;

    void add_file(const std::string& path, std::string_view text) {
        nodes[path] = Node{Node::file, ssh::Bytes(text.begin(), text.end()), {}, 0644, 1700000000};
    }
    std::string text(const std::string& path) const {
        const ssh::Bytes& d = nodes.at(path).data;
        return std::string(d.begin(), d.end());
    }
    void complete(std::size_t index) {
        auto f = std::move(queued.at(index));
        f();
    }

    void open(std::uint32_t id, std::string path, sftp::OpenMode mode, sftp::FileAttributes,
              Done<FsHandle> done) override {
        calls.push_back(id);
        open_modes.push_back(mode);
        if (refused(path, done)) return;
        namespace of = sftp::open_flags;
        const auto disposition = mode.flags & of::access_disposition;
        const std::string target = follow(path);
        auto it = nodes.find(target);
        const bool exists = it != nodes.end();
        if (!exists && (disposition == of::open_existing || disposition == of::truncate_existing)) {
            return finish(done, Error::no_such_file);
        }
        if (exists && disposition == of::create_new) return finish(done, Error::file_exists);
        if (exists && it->second.kind == Node::dir) return finish(done, Error::is_a_directory);
        if (!exists) {
            add_file(target, "");
            it = nodes.find(target);
        }
        if (disposition == of::create_truncate || disposition == of::truncate_existing) {
            it->second.data.clear();
        }
        const bool append = (mode.flags & (of::append_data | of::append_data_atomic)) != 0;
        finish(done, open_handle(it->first, append));
    }
    void close(std::uint32_t id, FsHandle h, Done<void> done) override {
        calls.push_back(id);
        std::erase_if(locks, [h](const Lock& l) { return l.handle == h; });
        finish(done, m_open.erase(h) ? Result<void>() : Result<void>(Error::invalid_handle));
    }
    void read(std::uint32_t id, FsHandle h, std::uint64_t offset, std::uint32_t length,
              Done<ssh::Bytes> done) override {
        calls.push_back(id);
        const Node* node = open_node(h);
        if (node == nullptr) return finish(done, Error::no_such_file);
        if (offset >= node->data.size()) return finish(done, Error::eof);
        finish(done, slice(node->data, offset, length));
    }
    void write(std::uint32_t id, FsHandle h, std::uint64_t offset, ssh::Bytes data,
               Done<void> done) override {
        calls.push_back(id);
        Node* node = open_node(h);
        if (node == nullptr) return finish(done, Error::no_such_file);
        if (m_open.at(h).append) offset = node->data.size();  // ignored (-13 8.1.1.3)
        if (!fits(offset, data.size())) return finish(done, Error::quota);
        put(node->data, offset, data);
        finish(done, Result<void>());
    }
    void stat(std::uint32_t id, std::string path, bool follow_link,
              Done<sftp::FileAttributes> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(follow_link ? follow(path) : absolute(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        finish(done, attrs_of(it->second));
    }
    void fstat(std::uint32_t id, FsHandle h, Done<sftp::FileAttributes> done) override {
        calls.push_back(id);
        const Node* node = open_node(h);
        if (node == nullptr) return finish(done, Error::no_such_file);
        finish(done, attrs_of(*node));
    }
    void setstat(std::uint32_t id, std::string path, sftp::FileAttributes a,
                 Done<void> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(follow(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        finish(done, apply(it->second, a));
    }
    void fsetstat(std::uint32_t id, FsHandle h, sftp::FileAttributes a, Done<void> done) override {
        calls.push_back(id);
        Node* node = open_node(h);
        if (node == nullptr) return finish(done, Error::no_such_file);
        finish(done, apply(*node, a));
    }
    void opendir(std::uint32_t id, std::string path, Done<FsHandle> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(follow(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind != Node::dir) return finish(done, Error::not_a_directory);
        finish(done, open_handle(it->first, false));
    }
    // Everything in the first batch, then end of directory.
    void readdir(std::uint32_t id, FsHandle h, Done<std::vector<sftp::DirEntry>> done) override {
        calls.push_back(id);
        OpenFile& dir = m_open.at(h);
        if (dir.listed) return finish(done, Error::eof);
        dir.listed = true;
        std::vector<sftp::DirEntry> entries;
        const std::string prefix = dir.path == "/" ? "/" : dir.path + "/";
        for (const auto& [path, node] : nodes) {
            if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0 ||
                path.find('/', prefix.size()) != std::string::npos) {
                continue;
            }
            sftp::DirEntry entry{path.substr(prefix.size()), attrs_of(node), "", ""};
            if (node.kind == Node::file) {
                entry.owner = "alice";
                entry.group = "staff";
            } else {
                entry.attrs.link_count = 3;
            }
            entries.push_back(std::move(entry));
        }
        finish(done, std::move(entries));
    }
    void remove(std::uint32_t id, std::string path, Done<void> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(absolute(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind == Node::dir) return finish(done, Error::is_a_directory);
        nodes.erase(it);
        finish(done, Result<void>());
    }
    void mkdir(std::uint32_t id, std::string path, sftp::FileAttributes, Done<void> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        if (nodes.count(absolute(path)) != 0) return finish(done, Error::file_exists);
        nodes[absolute(path)] = Node{Node::dir, {}, {}, 0755, 1600000000};
        finish(done, Result<void>());
    }
    void rmdir(std::uint32_t id, std::string path, Done<void> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(absolute(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind != Node::dir) return finish(done, Error::not_a_directory);
        const auto next = std::next(it);
        if (next != nodes.end() && next->first.rfind(it->first + "/", 0) == 0) {
            return finish(done, Error::dir_not_empty);
        }
        nodes.erase(it);
        finish(done, Result<void>());
    }
    // "." is the home; relative paths are under it; otherwise the path as given.
    void realpath(std::uint32_t id, std::string path, Done<std::string> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        finish(done, absolute(path));
    }
    void rename(std::uint32_t id, std::string from, std::string to, std::uint32_t flags,
                Done<void> done) override {
        calls.push_back(id);
        if (refused(from, done) || refused(to, done)) return;
        const auto it = nodes.find(absolute(from));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        const bool overwrite = (flags & sftp::rename_flags::overwrite) != 0;
        if (nodes.count(absolute(to)) != 0 && !overwrite) return finish(done, Error::file_exists);
        last_rename_flags = flags;
        Node moved = it->second;
        nodes.erase(it);
        nodes[absolute(to)] = std::move(moved);
        finish(done, Result<void>());
    }
    void readlink(std::uint32_t id, std::string path, Done<std::string> done) override {
        calls.push_back(id);
        const auto it = nodes.find(absolute(path));
        if (it == nodes.end() || it->second.kind != Node::link) {
            return finish(done, Error::invalid_parameter);
        }
        finish(done, it->second.target);
    }
    void symlink(std::uint32_t id, std::string link_path, std::string target,
                 Done<void> done) override {
        calls.push_back(id);
        if (refused(link_path, done)) return;
        if (nodes.count(absolute(link_path)) != 0) return finish(done, Error::file_exists);
        nodes[absolute(link_path)] = Node{Node::link, {}, target, 0777, 1700000000};
        finish(done, Result<void>());
    }

    // A hard link: a second name with the same contents (a copy here; nothing in the tests
    // writes through both names).
    void link(std::uint32_t id, std::string existing, std::string new_path,
              Done<void> done) override {
        calls.push_back(id);
        if (refused(new_path, done)) return;
        const auto it = nodes.find(absolute(existing));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind == Node::dir) return finish(done, Error::permission_denied);
        if (nodes.count(absolute(new_path)) != 0) return finish(done, Error::file_exists);
        nodes[absolute(new_path)] = it->second;
        finish(done, Result<void>());
    }
    void lsetstat(std::uint32_t id, std::string path, sftp::FileAttributes a,
                  Done<void> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        const auto it = nodes.find(absolute(path));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        finish(done, apply(it->second, a));
    }
    void statvfs(std::uint32_t id, std::string path, Done<sftp::StatvfsReply> done) override {
        calls.push_back(id);
        if (refused(path, done)) return;
        if (nodes.count(follow(path)) == 0) return finish(done, Error::no_such_file);
        finish(done, vfs);
    }
    void fstatvfs(std::uint32_t id, FsHandle h, Done<sftp::StatvfsReply> done) override {
        calls.push_back(id);
        if (m_open.count(h) == 0) return finish(done, Error::invalid_handle);
        finish(done, vfs);
    }
    void fsync(std::uint32_t id, FsHandle h, Done<void> done) override {
        calls.push_back(id);
        if (m_open.count(h) == 0) return finish(done, Error::invalid_handle);
        ++fsyncs;
        finish(done, Result<void>());
    }
    void copy_data(std::uint32_t id, FsHandle source, std::uint64_t source_offset,
                   std::uint64_t length, FsHandle destination, std::uint64_t destination_offset,
                   Done<void> done) override {
        calls.push_back(id);
        const std::string& from = m_open.at(source).path;
        const std::string& to = m_open.at(destination).path;
        if (open_node(source) == nullptr || open_node(destination) == nullptr) {
            return finish(done, Error::no_such_file);
        }
        const ssh::Bytes& data = nodes.at(from).data;
        const std::uint64_t available =
            source_offset < data.size() ? data.size() - source_offset : 0;
        const std::uint64_t n = length == 0 ? available : std::min(length, available);
        if (from == to && source_offset < destination_offset + n &&
            destination_offset < source_offset + n) {
            return finish(done, Error::invalid_parameter);
        }
        const ssh::Bytes copied = slice(data, source_offset, n);
        if (!fits(destination_offset, copied.size())) return finish(done, Error::quota);
        put(nodes.at(to).data, destination_offset, copied);
        finish(done, Result<void>());
    }
    void copy_file(std::uint32_t id, std::string source, std::string destination,
                   bool overwrite, Done<void> done) override {
        calls.push_back(id);
        if (refused(destination, done)) return;
        const auto it = nodes.find(follow(source));
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind != Node::file) return finish(done, Error::is_a_directory);
        if (nodes.count(absolute(destination)) != 0 && !overwrite) {
            return finish(done, Error::file_exists);
        }
        nodes[absolute(destination)] = it->second;
        finish(done, Result<void>());
    }
    void hash(std::uint32_t id, HashRequest request, Done<ssh::Bytes> done) override {
        calls.push_back(id);
        std::string path;
        if (const auto* handle = std::get_if<FsHandle>(&request.file)) {
            path = m_open.at(*handle).path;
        } else {
            path = follow(std::get<std::string>(request.file));
            if (refused(path, done)) return;
        }
        if (nodes.count(path) == 0) return finish(done, Error::no_such_file);
        const ssh::Bytes& data = nodes.at(path).data;
        const std::uint64_t available =
            request.start_offset < data.size() ? data.size() - request.start_offset : 0;
        const std::uint64_t n =
            request.length == 0 ? available : std::min(request.length, available);
        const ssh::Bytes range = slice(data, request.start_offset, n);
        static constexpr const char* kBotanNames[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
        auto hasher = Botan::HashFunction::create_or_throw(
            kBotanNames[static_cast<int>(request.algorithm)]);
        const std::size_t block = request.block_size == 0 ? range.size() : request.block_size;
        ssh::Bytes out;
        std::size_t at = 0;
        do {
            const std::size_t len = std::min(block, range.size() - at);
            hasher->update(range.data() + at, len);
            const auto digest = hasher->final();
            out.insert(out.end(), digest.begin(), digest.end());
            at += len;
        } while (at < range.size());
        finish(done, std::move(out));
    }
    void home_directory(std::uint32_t id, std::string user, Done<std::string> done) override {
        calls.push_back(id);
        if (user.empty()) return finish(done, home);
        const auto it = other_homes.find(user);
        if (it == other_homes.end()) return finish(done, Error::no_such_file);
        finish(done, it->second);
    }
    void names_for_ids(std::uint32_t id, std::vector<std::uint32_t> uids,
                       std::vector<std::uint32_t> gids,
                       Done<sftp::UsersGroupsByIdReply> done) override {
        calls.push_back(id);
        sftp::UsersGroupsByIdReply reply;
        const auto name = [](const std::map<std::uint32_t, std::string>& names, std::uint32_t n) {
            const auto it = names.find(n);
            return it == names.end() ? std::string() : it->second;
        };
        for (const auto uid : uids) reply.user_names.push_back(name(user_names, uid));
        for (const auto gid : gids) reply.group_names.push_back(name(group_names, gid));
        finish(done, std::move(reply));
    }
    // Byte ranges per file; any overlap with a granted lock conflicts (-13 8.8.1), whoever
    // holds it; UNBLOCK must name a granted range exactly.
    void lock(std::uint32_t id, FsHandle h, std::uint64_t offset, std::uint64_t length,
              std::uint32_t mask, Done<void> done) override {
        calls.push_back(id);
        const std::string& path = m_open.at(h).path;
        const std::uint64_t end = length == 0 ? UINT64_MAX : offset + length;
        for (const Lock& l : locks) {
            const std::uint64_t l_end = l.length == 0 ? UINT64_MAX : l.offset + l.length;
            if (l.path == path && offset < l_end && l.offset < end) {
                return finish(done, Error::lock_conflict);
            }
        }
        locks.push_back(Lock{h, path, offset, length, mask});
        finish(done, Result<void>());
    }
    void unlock(std::uint32_t id, FsHandle h, std::uint64_t offset, std::uint64_t length,
                Done<void> done) override {
        calls.push_back(id);
        const auto it = std::find_if(locks.begin(), locks.end(), [&](const Lock& l) {
            return l.handle == h && l.offset == offset && l.length == length;
        });
        if (it == locks.end()) return finish(done, Error::invalid_parameter);
        locks.erase(it);
        finish(done, Result<void>());
    }

    struct Lock {
        FsHandle handle;
        std::string path;
        std::uint64_t offset, length;
        std::uint32_t mask;
    };
    std::vector<Lock> locks;
    std::uint32_t last_rename_flags = 0;

private:
    struct OpenFile {
        std::string path;
        bool append = false;
        bool listed = false;
    };

    template <class T>
    void finish(const Done<T>& done, std::type_identity_t<Result<T>> result) {
        if (defer) {
            queued.push_back([done, result]() { done(result); });
        } else {
            done(std::move(result));
        }
    }
    // The denial a hook would give for `path`, if any (then `done` has been called).
    template <class T>
    bool refused(const std::string& path, const Done<T>& done) {
        const auto it = denied.find(absolute(path));
        if (it == denied.end()) return false;
        finish(done, it->second);
        return true;
    }
    std::string absolute(const std::string& path) const {
        if (path == "." || path.empty()) return home;
        if (path.front() == '/') return path;
        return (home == "/" ? "/" : home + "/") + path;
    }
    // The path with a final symlink followed (one level).
    std::string follow(const std::string& path) const {
        const auto it = nodes.find(absolute(path));
        return it != nodes.end() && it->second.kind == Node::link ? it->second.target
                                                                  : absolute(path);
    }
    static ssh::Bytes slice(const ssh::Bytes& data, std::uint64_t offset, std::uint64_t length) {
        if (offset >= data.size()) return {};
        const auto end = std::min<std::uint64_t>(data.size(), offset + length);
        return ssh::Bytes(data.begin() + static_cast<std::ptrdiff_t>(offset),
                          data.begin() + static_cast<std::ptrdiff_t>(end));
    }
    static void put(ssh::Bytes& file, std::uint64_t offset, const ssh::Bytes& data) {
        if (file.size() < offset + data.size()) file.resize(offset + data.size());
        std::copy(data.begin(), data.end(), file.begin() + static_cast<std::ptrdiff_t>(offset));
    }
    Result<void> apply(Node& node, const sftp::FileAttributes& a) const {
        if (a.size && !fits(*a.size, 0)) return Error::quota;
        if (a.permissions) node.mode = *a.permissions & 07777;
        if (a.size) node.data.resize(*a.size);
        if (a.mtime) node.mtime = a.mtime->seconds;
        return {};
    }
    bool fits(std::uint64_t offset, std::uint64_t size) const {
        return offset <= max_file_size && size <= max_file_size - offset;
    }
    // The node an open handle names; nullptr once it was removed or renamed away.
    Node* open_node(FsHandle h) {
        const auto it = nodes.find(m_open.at(h).path);
        return it == nodes.end() ? nullptr : &it->second;
    }
    FsHandle open_handle(const std::string& path, bool append) {
        m_open[++m_next] = OpenFile{path, append, false};
        return m_next;
    }
    static sftp::FileAttributes attrs_of(const Node& node) {
        static constexpr std::uint32_t kTypeBits[] = {0100000, 040000, 0120000};
        sftp::FileAttributes a;
        a.size = node.kind == Node::dir ? 4096 : node.data.size();
        a.uid_gid = sftp::UidGid{1000, 100};
        a.permissions = kTypeBits[node.kind] | node.mode;
        a.atime = sftp::FileTime{node.mtime, std::nullopt};
        a.mtime = sftp::FileTime{node.mtime, 500};
        return a;
    }

    std::map<FsHandle, OpenFile> m_open;
    FsHandle m_next = 0;
};

}  // namespace sftp_test
