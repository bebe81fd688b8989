// An in-memory sftp::Filesystem for the server engine tests: a map of paths to nodes, whose
// completions run at once or, with `defer`, when a test calls complete(i) (to answer pipelined
// requests out of order).
#pragma once

#include "protocols/sftp/filesystem.hpp"

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

// Paths are used as given, except "." which is "/".
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

    void add_file(const std::string& path, std::string_view text) {
        nodes[path] = Node{Node::file, ssh::Bytes(text.begin(), text.end()), {}, 0644, 1700000000};
    }
    void complete(std::size_t index) {
        auto f = std::move(queued.at(index));
        f();
    }

    void open(std::uint32_t id, std::string path, sftp::OpenMode mode, sftp::FileAttributes,
              Done<FsHandle> done) override {
        calls.push_back(id);
        const auto disposition = mode.flags & sftp::open_flags::access_disposition;
        auto it = nodes.find(path);
        if (it == nodes.end()) {
            if (disposition == sftp::open_flags::open_existing) {
                return finish(done, Error::no_such_file);
            }
            add_file(path, "");
        } else if (disposition == sftp::open_flags::create_new) {
            return finish(done, Error::file_exists);
        } else if (it->second.kind == Node::dir) {
            return finish(done, Error::is_a_directory);
        }
        finish(done, open_handle(path));
    }
    void close(std::uint32_t id, FsHandle h, Done<void> done) override {
        calls.push_back(id);
        finish(done, m_open.erase(h) ? Result<void>() : Result<void>(Error::invalid_handle));
    }
    void read(std::uint32_t id, FsHandle h, std::uint64_t offset, std::uint32_t length,
              Done<ssh::Bytes> done) override {
        calls.push_back(id);
        const ssh::Bytes& data = nodes.at(m_open.at(h).path).data;
        if (offset >= data.size()) return finish(done, Error::eof);
        const auto end = std::min<std::uint64_t>(data.size(), offset + length);
        finish(done, ssh::Bytes(data.begin() + static_cast<std::ptrdiff_t>(offset),
                                data.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    void write(std::uint32_t id, FsHandle h, std::uint64_t offset, ssh::Bytes data,
               Done<void> done) override {
        calls.push_back(id);
        ssh::Bytes& file = nodes.at(m_open.at(h).path).data;
        if (file.size() < offset + data.size()) file.resize(offset + data.size());
        std::copy(data.begin(), data.end(), file.begin() + static_cast<std::ptrdiff_t>(offset));
        finish(done, Result<void>());
    }
    void stat(std::uint32_t id, std::string path, bool follow,
              Done<sftp::FileAttributes> done) override {
        calls.push_back(id);
        auto it = nodes.find(path);
        if (follow && it != nodes.end() && it->second.kind == Node::link) {
            it = nodes.find(it->second.target);
        }
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        finish(done, attrs_of(it->second));
    }
    void fstat(std::uint32_t id, FsHandle h, Done<sftp::FileAttributes> done) override {
        calls.push_back(id);
        finish(done, attrs_of(nodes.at(m_open.at(h).path)));
    }
    void setstat(std::uint32_t id, std::string path, sftp::FileAttributes a,
                 Done<void> done) override {
        calls.push_back(id);
        auto it = nodes.find(path);
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (a.permissions) it->second.mode = *a.permissions & 07777;
        finish(done, Result<void>());
    }
    void fsetstat(std::uint32_t id, FsHandle h, sftp::FileAttributes a, Done<void> done) override {
        calls.push_back(id);
        if (a.size) nodes.at(m_open.at(h).path).data.resize(*a.size);
        finish(done, Result<void>());
    }
    void opendir(std::uint32_t id, std::string path, Done<FsHandle> done) override {
        calls.push_back(id);
        const auto it = nodes.find(path);
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind != Node::dir) return finish(done, Error::not_a_directory);
        finish(done, open_handle(path));
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
        const auto it = nodes.find(path);
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind == Node::dir) return finish(done, Error::is_a_directory);
        nodes.erase(it);
        finish(done, Result<void>());
    }
    void mkdir(std::uint32_t id, std::string path, sftp::FileAttributes, Done<void> done) override {
        calls.push_back(id);
        if (nodes.count(path) != 0) return finish(done, Error::file_exists);
        nodes[path] = Node{Node::dir, {}, {}, 0755, 1600000000};
        finish(done, Result<void>());
    }
    void rmdir(std::uint32_t id, std::string path, Done<void> done) override {
        calls.push_back(id);
        const auto it = nodes.find(path);
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (it->second.kind != Node::dir) return finish(done, Error::not_a_directory);
        const auto next = std::next(it);
        if (next != nodes.end() && next->first.rfind(path + "/", 0) == 0) {
            return finish(done, Error::dir_not_empty);
        }
        nodes.erase(it);
        finish(done, Result<void>());
    }
    void realpath(std::uint32_t id, std::string path, Done<std::string> done) override {
        calls.push_back(id);
        finish(done, path == "." ? std::string("/") : path);
    }
    void rename(std::uint32_t id, std::string from, std::string to, std::uint32_t,
                Done<void> done) override {
        calls.push_back(id);
        const auto it = nodes.find(from);
        if (it == nodes.end()) return finish(done, Error::no_such_file);
        if (nodes.count(to) != 0) return finish(done, Error::file_exists);
        nodes[to] = it->second;
        nodes.erase(from);
        finish(done, Result<void>());
    }
    void readlink(std::uint32_t id, std::string path, Done<std::string> done) override {
        calls.push_back(id);
        const auto it = nodes.find(path);
        if (it == nodes.end() || it->second.kind != Node::link) {
            return finish(done, Error::invalid_parameter);
        }
        finish(done, it->second.target);
    }
    void symlink(std::uint32_t id, std::string link_path, std::string target,
                 Done<void> done) override {
        calls.push_back(id);
        if (nodes.count(link_path) != 0) return finish(done, Error::file_exists);
        nodes[link_path] = Node{Node::link, {}, target, 0777, 1700000000};
        finish(done, Result<void>());
    }

private:
    struct OpenFile {
        std::string path;
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
    FsHandle open_handle(const std::string& path) {
        m_open[++m_next] = OpenFile{path};
        return m_next;
    }
    static sftp::FileAttributes attrs_of(const Node& node) {
        static constexpr std::uint32_t kTypeBits[] = {0100000, 040000, 0120000};
        sftp::FileAttributes a;
        a.size = node.kind == Node::dir ? 4096 : node.data.size();
        a.uid_gid = sftp::UidGid{1000, 100};
        a.permissions = kTypeBits[node.kind] | node.mode;
        a.atime = sftp::FileTime{node.mtime, std::nullopt};
        a.mtime = sftp::FileTime{node.mtime, std::nullopt};
        return a;
    }

    std::map<FsHandle, OpenFile> m_open;
    FsHandle m_next = 0;
};

}  // namespace sftp_test
