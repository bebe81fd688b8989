// An in-memory scp::Filesystem for the engine tests: a map of normalised paths to nodes, uploads
// held apart until committed (like the VFS's atomic uploads), and knobs for the failures the
// daemon's VFS and hooks produce. Completions run at once or, with `defer`, when a test calls
// complete_next().
#pragma once

#include "protocols/scp/filesystem.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scp_test {

namespace scp = wharf::scp;

struct Node {
    bool directory = false;
    std::string data;
    std::uint32_t mode = 0644;
    scp::FileTimes times{1700000000, 1700000000};
    std::optional<std::uint64_t> claimed_size;  // what stat/fstat report, if not data.size()
};

// "x", "./x", "/x/" and "/x" are all "/x"; "." is "/" (the home is the root here).
inline std::string normalise(std::string_view path) {
    std::string out;
    std::size_t i = 0;
    while (i <= path.size()) {
        const auto slash = path.find('/', i);
        const auto part = path.substr(i, slash == std::string_view::npos ? std::string_view::npos : slash - i);
        if (!part.empty() && part != ".") {
            out += '/';
            out += part;
        }
        if (slash == std::string_view::npos) break;
        i = slash + 1;
    }
    return out.empty() ? "/" : out;
}

inline std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

class FakeFs final : public scp::Filesystem {
public:
    std::map<std::string, Node> nodes{{"/", Node{true, {}, 0755, {}, {}}}};
    std::set<std::string> read_only_dirs;                 // no writes below these
    std::map<std::string, std::string> upload_hook_deny;    // path -> the hook's message
    std::map<std::string, std::string> download_hook_deny;  // path -> the hook's message
    std::optional<std::uint64_t> max_file_size;           // a quota: writes beyond fail
    std::uint32_t umask = 022;
    bool defer = false;
    std::deque<std::function<void()>> queued;
    std::vector<scp::FileId> released;
    std::size_t outstanding_uploads() const { return m_uploads.size(); }
    std::size_t open_reads() const { return m_reads.size(); }

    void add_dir(const std::string& path, std::uint32_t mode = 0755) { nodes[path] = Node{true, {}, mode, {}, {}}; }
    void add_file(const std::string& path, std::string data, std::uint32_t mode = 0644,
                  scp::FileTimes times = {1700000000, 1700000000}) {
        nodes[path] = Node{false, std::move(data), mode, times, {}};
    }
    bool complete_next() {
        if (queued.empty()) return false;
        auto work = std::move(queued.front());
        queued.pop_front();
        work();
        return true;
    }
    void complete_all() {
        while (complete_next()) {
        }
    }

    void stat(std::string path, Done<scp::FileInfo> done) override {
        const auto it = nodes.find(normalise(path));
        if (it == nodes.end()) return answer(std::move(done), scp::Error::no_such_file);
        answer(std::move(done), info_of(it->second));
    }

    void list_directory(std::string path, Done<std::vector<std::string>> done) override {
        const auto dir = normalise(path);
        const auto it = nodes.find(dir);
        if (it == nodes.end()) return answer(std::move(done), scp::Error::no_such_file);
        if (!it->second.directory) return answer(std::move(done), scp::Error::not_a_directory);
        std::vector<std::string> names;
        for (const auto& [name, node] : nodes) {
            if (name != dir && parent_of(name) == dir) names.push_back(name.substr(name.rfind('/') + 1));
        }
        std::reverse(names.begin(), names.end());  // any order: the engine sorts
        answer(std::move(done), std::move(names));
    }

    void open_for_reading(std::string path, Done<scp::OpenedFile> done) override {
        const auto name = normalise(path);
        if (auto deny = download_hook_deny.find(name); deny != download_hook_deny.end()) {
            return answer(std::move(done), scp::Failure{scp::Error::permission_denied, deny->second});
        }
        const auto it = nodes.find(name);
        if (it == nodes.end()) return answer(std::move(done), scp::Error::no_such_file);
        if (it->second.directory) return answer(std::move(done), scp::Error::is_a_directory);
        const auto id = m_next_id++;
        m_reads[id] = name;
        answer(std::move(done), scp::OpenedFile{id, info_of(it->second)});
    }

    void read(scp::FileId file, std::uint64_t offset, std::size_t max_bytes, Done<scp::Bytes> done) override {
        const auto& data = nodes.at(m_reads.at(file)).data;
        scp::Bytes out;
        if (offset < data.size()) {
            const auto n = std::min<std::size_t>(max_bytes, data.size() - offset);
            out.assign(data.begin() + static_cast<std::ptrdiff_t>(offset),
                       data.begin() + static_cast<std::ptrdiff_t>(offset + n));
        }
        answer(std::move(done), std::move(out));
    }

    void create_file(std::string path, std::uint32_t mode, Done<scp::FileId> done) override {
        const auto name = normalise(path);
        if (auto deny = upload_hook_deny.find(name); deny != upload_hook_deny.end()) {
            return answer(std::move(done), scp::Failure{scp::Error::permission_denied, deny->second});
        }
        if (auto failure = check_creatable(name)) return answer(std::move(done), *failure);
        if (auto it = nodes.find(name); it != nodes.end() && it->second.directory) {
            return answer(std::move(done), scp::Error::is_a_directory);
        }
        const auto id = m_next_id++;
        m_uploads[id] = Upload{name, {}, mode & ~umask};
        answer(std::move(done), id);
    }

    void write(scp::FileId file, std::uint64_t offset, scp::Bytes data, Done<void> done) override {
        auto& upload = m_uploads.at(file);
        if (max_file_size && offset + data.size() > *max_file_size) {
            return answer(std::move(done), scp::Error::quota_exceeded);
        }
        if (upload.data.size() < offset + data.size()) upload.data.resize(offset + data.size());
        std::copy(data.begin(), data.end(), upload.data.begin() + static_cast<std::ptrdiff_t>(offset));
        answer(std::move(done), scp::Result<void>());
    }

    void commit(scp::FileId file, Done<void> done) override {
        auto upload = std::move(m_uploads.at(file));
        m_uploads.erase(file);
        nodes[upload.path] = Node{false, std::move(upload.data), upload.mode, {1800000000, 1800000000}, {}};
        answer(std::move(done), scp::Result<void>());
    }

    void release(scp::FileId file) override {
        released.push_back(file);
        m_uploads.erase(file);
        m_reads.erase(file);
    }

    void make_directory(std::string path, std::uint32_t mode, Done<void> done) override {
        const auto name = normalise(path);
        if (auto failure = check_creatable(name)) return answer(std::move(done), *failure);
        if (nodes.count(name) != 0) return answer(std::move(done), scp::Error::file_exists);
        nodes[name] = Node{true, {}, mode & ~umask, {1800000000, 1800000000}, {}};
        answer(std::move(done), scp::Result<void>());
    }

    void set_attributes(std::string path, scp::AttributeChanges changes, Done<void> done) override {
        const auto it = nodes.find(normalise(path));
        if (it == nodes.end()) return answer(std::move(done), scp::Error::no_such_file);
        if (changes.mode) it->second.mode = *changes.mode;
        if (changes.times) it->second.times = *changes.times;
        answer(std::move(done), scp::Result<void>());
    }

private:
    struct Upload {
        std::string path;
        std::string data;
        std::uint32_t mode;
    };

    static scp::FileInfo info_of(const Node& node) {
        scp::FileInfo info;
        info.type = node.directory ? scp::FileType::directory : scp::FileType::regular;
        info.size = node.claimed_size.value_or(node.data.size());
        info.mode = node.mode;
        info.times = node.times;
        return info;
    }

    std::optional<scp::Failure> check_creatable(const std::string& name) const {
        for (const auto& dir : read_only_dirs) {
            if (name.rfind(dir + "/", 0) == 0) return scp::Failure{scp::Error::read_only, {}};
        }
        const auto parent = nodes.find(parent_of(name));
        if (parent == nodes.end()) return scp::Failure{scp::Error::no_such_file, {}};
        if (!parent->second.directory) return scp::Failure{scp::Error::not_a_directory, {}};
        return std::nullopt;
    }

    template <class T, class V>
    void answer(Done<T> done, V value) {
        auto run = [done = std::move(done), value = scp::Result<T>(std::move(value))]() mutable {
            done(std::move(value));
        };
        if (defer) {
            queued.push_back(std::move(run));
        } else {
            run();
        }
    }

    scp::FileId m_next_id = 1;
    std::map<scp::FileId, Upload> m_uploads;
    std::map<scp::FileId, std::string> m_reads;
};

}  // namespace scp_test
