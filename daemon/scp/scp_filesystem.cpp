#include "daemon/scp/scp_filesystem.hpp"

#include "daemon/logging/log.hpp"
#include "daemon/vfs/path.hpp"

#include <sys/stat.h>

#include <array>
#include <map>
#include <utility>

namespace wharf::daemon {

using scp::Error;

scp::Failure scp_failure_from(std::error_code error) {
    if (error.category() != vfs::vfs_category()) return {Error::io_error, error.message()};
    switch (static_cast<vfs::Errc>(error.value())) {
    case vfs::Errc::no_such_file: return {Error::no_such_file, {}};
    case vfs::Errc::permission_denied: return {Error::permission_denied, {}};
    case vfs::Errc::exists: return {Error::file_exists, {}};
    case vfs::Errc::not_a_directory: return {Error::not_a_directory, {}};
    case vfs::Errc::is_a_directory: return {Error::is_a_directory, {}};
    case vfs::Errc::not_empty: return {Error::io_error, "Directory not empty"};
    case vfs::Errc::quota_exceeded: return {Error::quota_exceeded, {}};
    case vfs::Errc::no_space: return {Error::no_space, {}};
    case vfs::Errc::invalid_name: return {Error::invalid_name, "Invalid file name"};
    case vfs::Errc::read_only: return {Error::read_only, "Read-only folder"};
    case vfs::Errc::cross_mount: return {Error::permission_denied, {}};
    case vfs::Errc::loop: return {Error::invalid_name, "Too many levels of symbolic links"};
    case vfs::Errc::bad_handle: return {Error::io_error, {}};
    case vfs::Errc::eof: return {Error::io_error, {}};
    case vfs::Errc::io_error: return {Error::io_error, {}};
    case vfs::Errc::unsupported: return {Error::io_error, "Operation not supported"};
    case vfs::Errc::invalid_argument: return {Error::invalid_name, {}};
    }
    return {Error::io_error, {}};
}

std::string_view scp_error_name(Error error) noexcept {
    switch (error) {
    case Error::no_such_file: return "no_such_file";
    case Error::permission_denied: return "permission_denied";
    case Error::not_a_directory: return "not_a_directory";
    case Error::is_a_directory: return "is_a_directory";
    case Error::file_exists: return "file_exists";
    case Error::quota_exceeded: return "quota_exceeded";
    case Error::no_space: return "no_space";
    case Error::read_only: return "read_only";
    case Error::invalid_name: return "invalid_name";
    case Error::io_error: return "io_error";
    }
    return "io_error";
}

namespace {

scp::Result<void> result_from(const vfs::Result<void>& result) {
    if (!result) return scp_failure_from(result.error());
    return {};
}

scp::FileInfo info_from(const vfs::Attributes& attributes) {
    scp::FileInfo info;
    info.type = attributes.is_directory() ? scp::FileType::directory
                : attributes.is_regular() ? scp::FileType::regular
                                          : scp::FileType::other;
    info.size = attributes.size;
    info.mode = attributes.permissions();
    info.times = scp::FileTimes{attributes.mtime.seconds, attributes.atime.seconds};
    return info;
}

// Directory listings are read in batches; a listing larger than this is refused rather than
// held in memory whole (the source keeps one directory's names per open level).
constexpr std::size_t kMaxListedNames = 1'000'000;

}  // namespace

// Open files live here, shared with the pool work that uses them. The engines wait for each
// completion, so at most one operation runs on a file; but an engine destroyed mid-write
// releases its file while that write still runs, and a handle must not be closed under a
// running call: the discard then waits for it.
struct ScpFilesystem::State : std::enable_shared_from_this<State> {
    struct OpenFile {
        vfs::FileHandle handle;
        int in_flight = 0;               // pool calls running on the handle (executor-side count)
        bool discard_when_idle = false;  // released while a call ran
    };

    std::shared_ptr<const UserFiles> files;
    std::map<scp::FileId, std::shared_ptr<OpenFile>> open_files;
    scp::FileId next_id = 1;
    bool closed = false;  // the ScpFilesystem is gone: files opened from now on are dropped

    const vfs::UserFilesystem& fs() const { return *files->fs; }

    // Runs `work` (returning scp::Result<T>) on the pool and `done` on the session's executor.
    template <class T, class Work>
    void run(Work work, Done<T> done) {
        files->pool->submit(
            files->session.executor,
            [work = std::move(work)]() mutable -> scp::Result<T> {
                try {
                    return work();
                } catch (const std::exception& e) {
                    return scp::Failure{Error::io_error, e.what()};
                } catch (...) {
                    return Error::io_error;
                }
            },
            [self = shared_from_this(), done = std::move(done)](scp::Result<T> result) mutable {
                done(std::move(result));
            });
    }

    // run() for a call on an open file, counted so that a discard waits for it.
    template <class T, class Work>
    void run_on(const std::shared_ptr<OpenFile>& file, Work work, Done<T> done) {
        ++file->in_flight;
        run<T>(std::move(work), [self = shared_from_this(), file, done = std::move(done)](scp::Result<T> result) {
            if (--file->in_flight == 0 && file->discard_when_idle) self->discard(file);
            done(std::move(result));
        });
    }

    // Closes a file on the pool, discarding an upload; nothing waits for it.
    void discard(std::shared_ptr<OpenFile> file) {
        if (file->in_flight > 0) {
            file->discard_when_idle = true;
            return;
        }
        files->pool->submit(
            files->session.executor, [file = std::move(file)] { file->handle.abort(); }, [] {});
    }

    std::optional<scp::FileId> adopt(vfs::FileHandle handle) {
        auto file = std::make_shared<OpenFile>(OpenFile{std::move(handle)});
        if (closed) {
            discard(std::move(file));
            return std::nullopt;
        }
        const auto id = next_id++;
        open_files.emplace(id, std::move(file));
        return id;
    }

    std::shared_ptr<OpenFile> find(scp::FileId id) const {
        const auto it = open_files.find(id);
        return it == open_files.end() ? nullptr : it->second;
    }

    // Runs the pre hook of `event` for `path`; `then` runs (on the executor) only if it allows.
    template <class T, class Then>
    void with_pre_hook(config::HookEvent event, const std::string& path, Done<T> done, Then then) {
        const auto& hooks = files->hooks;
        if (!hooks || !hooks->has_pre(event)) return then(std::move(done));
        hooks->run_pre(files->hook_context(event, "scp", normalized(path)), files->session.executor,
                       [self = shared_from_this(), done = std::move(done), then = std::move(then)](
                           HookVerdict verdict) mutable {
                           if (!verdict.allowed) {
                               std::string message = verdict.message.empty() ? "Denied by policy" : verdict.message;
                               return done(scp::Failure{Error::permission_denied, std::move(message)});
                           }
                           then(std::move(done));
                       });
    }

    // A change of the tree (mkdir, times and modes under -p): pre hook, the VFS call, then a
    // log line and the post hook with the outcome, as SFTP does for the same events.
    template <class Work>
    void change(config::HookEvent event, const char* log_event, const std::string& path, Done<void> done, Work work) {
        auto audited = [self = shared_from_this(), event, log_event, path = normalized(path),
                        done = std::move(done)](scp::Result<void> result) mutable {
            const std::string status = result ? "ok" : std::string(scp_error_name(result.failure().error));
            log::Event(result ? log::Level::info : log::Level::warn, log_event)
                .conn(self->files->session.connection_id).user(self->files->session.user).path(path).status(status);
            if (self->files->hooks) {
                HookContext context = self->files->hook_context(event, "scp", path);
                context.status = status;
                self->files->hooks->run_post(std::move(context));
            }
            done(std::move(result));
        };
        with_pre_hook<void>(event, path, std::move(audited),
                            [self = shared_from_this(), work = std::move(work)](Done<void> next) mutable {
                                self->run<void>(std::move(work), std::move(next));
                            });
    }

    std::string normalized(std::string_view path) const {
        auto result = vfs::normalize_path(path, fs().home());
        return result ? std::move(*result) : std::string(path);
    }
};

ScpFilesystem::ScpFilesystem(std::shared_ptr<const UserFiles> files) : m_state(std::make_shared<State>()) {
    m_state->files = std::move(files);
}

ScpFilesystem::~ScpFilesystem() {
    m_state->closed = true;
    for (auto& [id, file] : m_state->open_files) m_state->discard(std::move(file));
    m_state->open_files.clear();
}

std::string ScpFilesystem::normalized(std::string_view path) const { return m_state->normalized(path); }

void ScpFilesystem::stat(std::string path, Done<scp::FileInfo> done) {
    m_state->run<scp::FileInfo>(
        [files = m_state->files, path = std::move(path)]() -> scp::Result<scp::FileInfo> {
            auto attributes = files->fs->stat(path);
            if (!attributes) return scp_failure_from(attributes.error());
            return info_from(*attributes);
        },
        std::move(done));
}

void ScpFilesystem::list_directory(std::string path, Done<std::vector<std::string>> done) {
    m_state->run<std::vector<std::string>>(
        [files = m_state->files, path = std::move(path)]() -> scp::Result<std::vector<std::string>> {
            auto directory = files->fs->open_directory(path);
            if (!directory) return scp_failure_from(directory.error());
            std::vector<std::string> names;
            for (;;) {
                auto batch = directory->read(256);
                if (!batch) {
                    if (batch.error() == vfs::Errc::eof) return names;
                    return scp_failure_from(batch.error());
                }
                for (auto& entry : *batch) names.push_back(std::move(entry.name));
                if (names.size() > kMaxListedNames) return scp::Failure{Error::io_error, "Directory too large"};
            }
        },
        std::move(done));
}

void ScpFilesystem::open_for_reading(std::string path, Done<scp::OpenedFile> done) {
    m_state->with_pre_hook<scp::OpenedFile>(
        config::HookEvent::download, path, std::move(done),
        [state = m_state, path](Done<scp::OpenedFile> allowed) mutable {
            struct Opened {
                vfs::FileHandle handle;
                scp::FileInfo info;
            };
            state->run<std::shared_ptr<Opened>>(
                [files = state->files, path]() -> scp::Result<std::shared_ptr<Opened>> {
                    auto handle = files->fs->open(path, vfs::OpenFlags{.read = true});
                    if (!handle) return scp_failure_from(handle.error());
                    auto attributes = handle->stat();
                    if (!attributes) return scp_failure_from(attributes.error());
                    return std::make_shared<Opened>(Opened{std::move(*handle), info_from(*attributes)});
                },
                [state, allowed = std::move(allowed)](scp::Result<std::shared_ptr<Opened>> opened) mutable {
                    if (!opened) return allowed(opened.failure());
                    const auto id = state->adopt(std::move(opened.value()->handle));
                    if (!id) return;  // the engine is gone
                    allowed(scp::OpenedFile{*id, opened.value()->info});
                });
        });
}

void ScpFilesystem::read(scp::FileId file, std::uint64_t offset, std::size_t max_bytes, Done<scp::Bytes> done) {
    auto open = m_state->find(file);
    if (!open) return done(Error::io_error);
    m_state->run_on<scp::Bytes>(
        open,
        [open, offset, max_bytes]() -> scp::Result<scp::Bytes> {
            scp::Bytes buffer(max_bytes);
            auto n = open->handle.read(offset, std::as_writable_bytes(std::span(buffer)));
            if (!n) {
                if (n.error() == vfs::Errc::eof) return scp::Bytes{};
                return scp_failure_from(n.error());
            }
            buffer.resize(*n);
            return buffer;
        },
        std::move(done));
}

void ScpFilesystem::create_file(std::string path, std::uint32_t mode, Done<scp::FileId> done) {
    m_state->with_pre_hook<scp::FileId>(
        config::HookEvent::upload, path, std::move(done),
        [state = m_state, path, mode](Done<scp::FileId> allowed) mutable {
            state->run<std::shared_ptr<vfs::FileHandle>>(
                [files = state->files, path, mode]() -> scp::Result<std::shared_ptr<vfs::FileHandle>> {
                    auto handle = files->fs->open(path, vfs::OpenFlags{.write = true, .create = true, .truncate = true},
                                                  mode);
                    if (!handle) return scp_failure_from(handle.error());
                    return std::make_shared<vfs::FileHandle>(std::move(*handle));
                },
                [state, allowed = std::move(allowed)](scp::Result<std::shared_ptr<vfs::FileHandle>> opened) mutable {
                    if (!opened) return allowed(opened.failure());
                    const auto id = state->adopt(std::move(*opened.value()));
                    if (!id) return;
                    allowed(*id);
                });
        });
}

void ScpFilesystem::write(scp::FileId file, std::uint64_t offset, scp::Bytes data, Done<void> done) {
    auto open = m_state->find(file);
    if (!open) return done(Error::io_error);
    m_state->run_on<void>(
        open,
        [open, offset, data = std::move(data)]() -> scp::Result<void> {
            return result_from(open->handle.write(offset, std::as_bytes(std::span(data))));
        },
        std::move(done));
}

void ScpFilesystem::commit(scp::FileId file, Done<void> done) {
    auto open = m_state->find(file);
    if (!open) return done(Error::io_error);
    m_state->open_files.erase(file);
    m_state->run_on<void>(
        open, [open]() -> scp::Result<void> { return result_from(open->handle.close()); }, std::move(done));
}

void ScpFilesystem::release(scp::FileId file) {
    auto open = m_state->find(file);
    if (!open) return;
    m_state->open_files.erase(file);
    m_state->discard(std::move(open));
}

void ScpFilesystem::make_directory(std::string path, std::uint32_t mode, Done<void> done) {
    m_state->change(config::HookEvent::mkdir, "scp.mkdir", path, std::move(done),
                    [files = m_state->files, path, mode]() -> scp::Result<void> {
                        return result_from(files->fs->make_directory(path, mode));
                    });
}

void ScpFilesystem::set_attributes(std::string path, scp::AttributeChanges changes, Done<void> done) {
    vfs::AttributeChanges vfs_changes;
    vfs_changes.mode = changes.mode;
    if (changes.times) {
        vfs_changes.mtime = vfs::Timestamp{changes.times->mtime, 0};
        vfs_changes.atime = vfs::Timestamp{changes.times->atime, 0};
    }
    m_state->change(config::HookEvent::setstat, "scp.setstat", path, std::move(done),
                    [files = m_state->files, path, vfs_changes]() -> scp::Result<void> {
                        return result_from(files->fs->set_attributes(path, vfs_changes));
                    });
}

}  // namespace wharf::daemon
