#include "daemon/sftp/sftp_filesystem.hpp"

#include "daemon/logging/log.hpp"
#include "daemon/sftp/conversions.hpp"
#include "daemon/vfs/path.hpp"

#include <boost/asio/post.hpp>
#include <botan/hash.h>
#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <utility>
#include <vector>
#include <exception>
#include <map>
#include <span>

namespace wharf::daemon {

namespace conv = sftp_vfs;
using sftp::Error;
using sftp::FsHandle;
using HookKind = config::HookEvent;
template <class T>
using Done = sftp::Filesystem::Done<T>;

namespace {

using Clock = std::chrono::steady_clock;

// Copies and hashes move data through the pool in pieces of this size.
constexpr std::size_t kChunk = 256 * 1024;
// check-file (filexfer-extensions draft): blocks smaller than this are refused.
constexpr std::uint32_t kMinHashBlock = 256;

// One open file or directory of the session.
struct OpenFile {
    vfs::FileHandle file;
    vfs::DirectoryHandle directory;
    bool is_directory = false;
    std::string path;     // normalised virtual path, for logs and hooks
    bool upload = false;  // opened for writing: an upload, else a download
    std::atomic<std::uint64_t> bytes{0};
    // Why the upload is not committed. Set by write work and read by the close, which only
    // runs once every request on the file is done (see the queue below): never concurrently.
    std::optional<sftp::Failure> first_write_failure;
    Clock::time_point opened = Clock::now();
    // Executor thread only. Requests on one file run one after another, in the order they
    // came, and are answered in that order: appends must land in order, and OpenSSH 9.2's
    // clients truncate an in-place download at the first reply that overtook another.
    unsigned busy = 0;                     // queued or running
    std::function<void()> when_idle;       // a close waiting for busy to reach 0
    std::vector<std::function<std::function<void()>()>> queue;  // pool side -> reply side
    bool running = false;
    // BLOCK ranges this handle holds (offset, length; 0 = to the end). Touched only by work on
    // the pool, which runs one request of a file at a time.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> locks;
};

bool ranges_overlap(std::pair<std::uint64_t, std::uint64_t> a, std::pair<std::uint64_t, std::uint64_t> b) {
    const auto end = [](std::pair<std::uint64_t, std::uint64_t> r) {
        return r.second == 0 || r.first + r.second < r.first ? UINT64_MAX : r.first + r.second;
    };
    return a.first < end(b) && b.first < end(a);
}

sftp::Result<void> set_lock(int fd, short type, std::uint64_t offset, std::uint64_t length) {
    struct flock range {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    range.l_start = static_cast<off_t>(offset);
    range.l_len = static_cast<off_t>(length);
    if (::fcntl(fd, F_OFD_SETLK, &range) == 0) return {};
    if (errno == EAGAIN || errno == EACCES) return Error::lock_conflict;
    return sftp::Failure{Error::failure, std::generic_category().message(errno)};
}

std::span<std::byte> writable_bytes(ssh::Bytes& bytes) {
    return std::as_writable_bytes(std::span<std::uint8_t>(bytes));
}

std::span<const std::byte> readable_bytes(const ssh::Bytes& bytes, std::size_t size) {
    return std::as_bytes(std::span<const std::uint8_t>(bytes.data(), size));
}

const char* botan_hash_name(sftp::HashAlgorithm algorithm) {
    switch (algorithm) {
        case sftp::HashAlgorithm::md5: return "MD5";
        case sftp::HashAlgorithm::sha1: return "SHA-1";
        case sftp::HashAlgorithm::sha256: return "SHA-256";
        case sftp::HashAlgorithm::sha512: return "SHA-512";
    }
    return "SHA-256";
}

// Reads [offset, offset + length) of `source` (length 0: to the end) and hands each piece to
// `sink`, which returns false to stop with its own error stored by the caller.
template <class Sink>
sftp::Result<void> stream_range(const vfs::FileHandle& source, std::uint64_t offset, std::uint64_t length,
                                Sink sink) {
    ssh::Bytes buffer(kChunk);
    std::uint64_t left = length;
    while (length == 0 || left > 0) {
        const std::size_t want = length == 0 ? kChunk : static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
        const auto n = source.read(offset, writable_bytes(buffer).first(want));
        if (!n) {
            if (n.error() == vfs::Errc::eof) break;
            return conv::failure_from(n.error());
        }
        if (*n == 0) break;
        if (auto r = sink(readable_bytes(buffer, *n)); !r) return r;
        offset += *n;
        if (length != 0) left -= *n;
    }
    return {};
}

}  // namespace

struct SftpFilesystem::Session : std::enable_shared_from_this<Session> {
    std::shared_ptr<const UserFiles> files;
    std::function<void()> after_completion;  // cleared when the SftpFilesystem goes
    std::map<FsHandle, std::shared_ptr<OpenFile>> open_files;
    FsHandle next_handle = 1;

    const vfs::UserFilesystem& fs() const { return *files->fs; }
    const std::string& user() const { return files->session.user; }
    std::uint64_t conn() const { return files->session.connection_id; }

    void after() {
        if (after_completion) after_completion();
    }

    std::string normalized(const std::string& path) const {
        auto result = vfs::normalize_path(path, fs().home());
        return result ? std::move(*result) : path;
    }

    HookContext hook(HookKind event, const std::string& path, const std::string& target = {}) const {
        HookContext context = files->hook_context(event, "sftp", normalized(path));
        if (!target.empty()) context.target_path = normalized(target);
        return context;
    }

    // Runs `work` (returning sftp::Result<R>) on the disk pool, then `on_done` and after() on the
    // session's executor. A refusal by the VFS is logged here, once for every kind of request.
    template <class R, class Work, class OnDone>
    void submit(const char* op, std::string path, Work work, OnDone on_done) {
        files->pool->submit(
            files->session.executor,
            [work = std::move(work)]() mutable { return guarded<R>(work); },
            [self = shared_from_this(), op, path = std::move(path), on_done = std::move(on_done)](
                sftp::Result<R> result) mutable {
                self->note_denied(op, path, result);
                on_done(std::move(result));
                self->after();
            });
    }

    // Work must not throw on a pool thread (DiskPool would terminate).
    template <class R, class Work>
    static sftp::Result<R> guarded(Work& work) noexcept {
        try {
            return work();
        } catch (const std::exception& e) {
            return sftp::Failure{Error::failure, e.what()};
        } catch (...) {
            return Error::failure;
        }
    }

    template <class R>
    void note_denied(const char* op, const std::string& path, const sftp::Result<R>& result) const {
        if (!result && result.error() == Error::permission_denied) {
            log::warn("sftp.denied").conn(conn()).user(user()).field("op", op).path(normalized(path));
        }
    }

    template <class T, class Work>
    void run(const char* op, std::string path, Done<T> done, Work work) {
        submit<T>(op, std::move(path), std::move(work), std::move(done));
    }

    // run() on an open file: in order behind the file's earlier requests (see OpenFile), and
    // the file stays open (a CLOSE waits) until the work is done.
    template <class T, class Work>
    void run_on(const char* op, const std::shared_ptr<OpenFile>& file, Done<T> done, Work work) {
        ++file->busy;
        file->queue.push_back([self = shared_from_this(), file, op, done = std::move(done),
                               work = std::move(work)]() mutable -> std::function<void()> {
            sftp::Result<T> result = guarded<T>(work);
            return [self, file, op, done = std::move(done), result = std::move(result)]() mutable {
                self->note_denied(op, file->path, result);
                done(std::move(result));
                self->idle(file);
                self->after();
            };
        });
        start_queue(file);
    }

    // One pool task runs everything queued on the file so far and posts each reply as soon
    // as its work is done; the replies arrive in order since one thread posts them all.
    void start_queue(const std::shared_ptr<OpenFile>& file) {
        if (file->running || file->queue.empty()) return;
        file->running = true;
        files->pool->submit(
            files->session.executor,
            [jobs = std::exchange(file->queue, {}), executor = files->session.executor]() mutable {
                for (auto& job : jobs) boost::asio::post(executor, job());
            },
            [self = shared_from_this(), file] {
                file->running = false;
                self->start_queue(file);
            });
    }

    void idle(const std::shared_ptr<OpenFile>& file) {
        if (--file->busy == 0 && file->when_idle) {
            auto next = std::move(file->when_idle);
            file->when_idle = nullptr;
            next();
        }
    }

    void when_idle(const std::shared_ptr<OpenFile>& file, std::function<void()> action) {
        if (file->busy == 0) {
            action();
        } else {
            file->when_idle = std::move(action);
        }
    }

    std::shared_ptr<OpenFile> find(FsHandle handle, std::optional<bool> directory) const {
        const auto it = open_files.find(handle);
        if (it == open_files.end()) return nullptr;
        if (directory && it->second->is_directory != *directory) return nullptr;
        return it->second;
    }

    // Runs the event's pre hook, if any, before `start(done)`; a veto answers
    // PERMISSION_DENIED with the hook's message.
    template <class T, class Start>
    void with_pre_hook(HookContext context, Done<T> done, Start start) {
        if (!files->hooks || !files->hooks->has_pre(context.event)) {
            start(std::move(done));
            return;
        }
        files->hooks->run_pre(
            std::move(context), files->session.executor,
            [self = shared_from_this(), done = std::move(done), start = std::move(start)](HookVerdict verdict) mutable {
                if (verdict.allowed) {
                    start(std::move(done));
                } else {
                    done(sftp::Failure{Error::permission_denied, std::move(verdict.message)});
                }
                self->after();
            });
    }

    // `done`, after a log line for the change and its post hook.
    template <class T>
    Done<T> audited(HookContext context, const char* event, Done<T> done) {
        return [self = shared_from_this(), context = std::move(context), event,
                done = std::move(done)](sftp::Result<T> result) mutable {
            context.status = result ? "ok" : std::string(conv::error_name(result.error()));
            {
                log::Event line(result ? log::Level::info : log::Level::warn, event);
                line.conn(self->conn()).user(self->user()).path(context.path);
                if (!context.target_path.empty()) line.field("target", context.target_path);
                line.status(context.status);
                if (!result && !result.message().empty()) line.field("message", result.message());
            }
            if (self->files->hooks) self->files->hooks->run_post(context);
            done(std::move(result));
        };
    }

    // A change of the tree: pre hook, the VFS call on the pool, log line and post hook.
    template <class Work>
    void change(HookContext context, const char* event, Done<void> done, Work work) {
        const std::string path = context.path;
        auto finish = audited(context, event, std::move(done));
        with_pre_hook<void>(std::move(context), std::move(finish),
                            [self = shared_from_this(), event, path, work = std::move(work)](Done<void> d) mutable {
                                self->run<void>(event, path, std::move(d), std::move(work));
                            });
    }

    FsHandle add(std::shared_ptr<OpenFile> file) {
        const FsHandle handle = next_handle++;
        open_files.emplace(handle, std::move(file));
        return handle;
    }

    // The end of a transfer: its log line and post hook.
    void transfer_done(const OpenFile& file, const std::string& status) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - file.opened).count();
        const std::uint64_t bytes = file.bytes.load();
        log::Event(status == "ok" ? log::Level::info : log::Level::warn,
                   file.upload ? "sftp.upload.done" : "sftp.download.done")
            .conn(conn()).user(user()).path(file.path).bytes(bytes).ms(static_cast<std::int64_t>(ms)).status(status);
        if (files->hooks) {
            HookContext context = hook(file.upload ? HookKind::upload : HookKind::download, file.path);
            context.bytes = bytes;
            context.status = status;
            files->hooks->run_post(std::move(context));
        }
    }

    // Closes (committing an atomic upload) once no work runs on the file.
    void close_file(const std::shared_ptr<OpenFile>& file, Done<void> done) {
        when_idle(file, [self = shared_from_this(), file, done = std::move(done)]() mutable {
            self->submit<void>(
                "close", file->path,
                [file]() -> sftp::Result<void> {
                    // A file with a hole where a write failed must not appear under its name.
                    if (file->first_write_failure && file->file.is_atomic_upload()) {
                        file->file.abort();
                        return *file->first_write_failure;
                    }
                    return conv::result_from(file->file.close());
                },
                [self, file, done = std::move(done)](sftp::Result<void> result) mutable {
                    std::string status = result ? "ok" : std::string(conv::error_name(result.error()));
                    if (result && file->first_write_failure) status = "write_failed";
                    self->transfer_done(*file, status);
                    done(std::move(result));
                });
        });
    }

    // The session ended with the file open: an upload is not committed.
    void abort_file(const std::shared_ptr<OpenFile>& file) {
        when_idle(file, [self = shared_from_this(), file] {
            if (file->is_directory) {
                file->directory.close();
                return;
            }
            self->files->pool->submit(self->files->session.executor, [file] { file->file.abort(); },
                                      [self, file] { self->transfer_done(*file, "aborted"); });
        });
    }
};

SftpFilesystem::SftpFilesystem(std::shared_ptr<const UserFiles> files, std::function<void()> after_completion)
    : m_session(std::make_shared<Session>()) {
    m_session->files = std::move(files);
    m_session->after_completion = std::move(after_completion);
}

SftpFilesystem::~SftpFilesystem() {
    m_session->after_completion = nullptr;
    for (auto& [handle, file] : m_session->open_files) m_session->abort_file(file);
    m_session->open_files.clear();
}

// ---------------------------------------------------------------------------------------------
// Files

void SftpFilesystem::open(std::uint32_t, std::string path, sftp::OpenMode mode, sftp::FileAttributes attrs,
                          Done<FsHandle> done) {
    const auto request = conv::open_flags_from(mode);
    if (request.error) {
        done(*request.error);
        return;
    }
    const bool upload = request.flags.write;
    const std::uint32_t create_mode = attrs.permissions ? (*attrs.permissions & 0777) : 0644;
    auto& s = *m_session;
    HookContext context = s.hook(upload ? HookKind::upload : HookKind::download, path);
    s.with_pre_hook<FsHandle>(
        std::move(context), std::move(done),
        [self = m_session, path = std::move(path), flags = request.flags, create_mode, upload](Done<FsHandle> reply) {
            auto file = std::make_shared<OpenFile>();
            file->path = self->normalized(path);
            file->upload = upload;
            self->submit<bool>(
                "open", path,
                [self, file, path, flags, create_mode]() -> sftp::Result<bool> {
                    auto handle = self->fs().open(path, flags, create_mode);
                    if (!handle) return conv::failure_from(handle.error());
                    file->file = std::move(*handle);
                    return true;
                },
                [self, file, upload, done = std::move(reply)](sftp::Result<bool> result) {
                    log::Event(result ? log::Level::info : log::Level::warn, "sftp.open")
                        .conn(self->conn()).user(self->user()).path(file->path)
                        .field("mode", upload ? "write" : "read")
                        .status(result ? "ok" : conv::error_name(result.error()));
                    if (!result) {
                        done(result.failure());
                        return;
                    }
                    file->opened = Clock::now();
                    done(self->add(file));
                });
        });
}

void SftpFilesystem::close(std::uint32_t, FsHandle handle, Done<void> done) {
    auto& s = *m_session;
    auto file = s.find(handle, std::nullopt);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    s.open_files.erase(handle);
    if (file->is_directory) {
        s.when_idle(file, [file, done = std::move(done)] {
            file->directory.close();
            done(sftp::Result<void>());
        });
        return;
    }
    s.close_file(file, std::move(done));
}

void SftpFilesystem::read(std::uint32_t, FsHandle handle, std::uint64_t offset, std::uint32_t length,
                          Done<ssh::Bytes> done) {
    auto file = m_session->find(handle, false);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    m_session->run_on<ssh::Bytes>("read", file, std::move(done), [file, offset, length]() -> sftp::Result<ssh::Bytes> {
        ssh::Bytes data(length);
        const auto n = file->file.read(offset, writable_bytes(data));
        if (!n) return conv::failure_from(n.error());
        data.resize(*n);
        file->bytes += *n;
        return data;
    });
}

void SftpFilesystem::write(std::uint32_t, FsHandle handle, std::uint64_t offset, ssh::Bytes data,
                           Done<void> done) {
    auto file = m_session->find(handle, false);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    auto work = [file, offset, data = std::move(data)]() {
        auto result = conv::result_from(file->file.write(offset, readable_bytes(data, data.size())));
        if (result) {
            file->bytes += data.size();
        } else {
            if (!file->first_write_failure) file->first_write_failure = result.failure();
        }
        return result;
    };
    m_session->run_on<void>("write", file, std::move(done), std::move(work));
}

void SftpFilesystem::fstat(std::uint32_t, FsHandle handle, Done<sftp::FileAttributes> done) {
    auto file = m_session->find(handle, std::nullopt);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    m_session->run_on<sftp::FileAttributes>("fstat", file, std::move(done),
                                            [self = m_session, file]() -> sftp::Result<sftp::FileAttributes> {
                                                auto attrs = file->is_directory ? self->fs().stat(file->path)
                                                                                : file->file.stat();
                                                if (!attrs) return conv::failure_from(attrs.error());
                                                return conv::attributes_from(*attrs);
                                            });
}

void SftpFilesystem::fsetstat(std::uint32_t, FsHandle handle, sftp::FileAttributes attrs, Done<void> done) {
    auto& s = *m_session;
    auto file = s.find(handle, std::nullopt);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    auto request = conv::changes_from(attrs);
    if (request.error) {
        done(*request.error);
        return;
    }
    HookContext context = s.hook(HookKind::setstat, file->path);
    auto finish = s.audited(context, "sftp.setstat", std::move(done));
    s.with_pre_hook<void>(std::move(context), std::move(finish),
                          [self = m_session, file, changes = request.changes](Done<void> d) {
                              self->run_on<void>("fsetstat", file, std::move(d), [self, file, changes] {
                                  // A directory handle has no descriptor of ours to change.
                                  return conv::result_from(file->is_directory
                                                               ? self->fs().set_attributes(file->path, changes)
                                                               : self->fs().set_attributes(file->file, changes));
                              });
                          });
}

void SftpFilesystem::fsync(std::uint32_t, FsHandle handle, Done<void> done) {
    auto file = m_session->find(handle, false);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    m_session->run_on<void>("fsync", file, std::move(done), [file] { return conv::result_from(file->file.sync()); });
}

void SftpFilesystem::fstatvfs(std::uint32_t, FsHandle handle, Done<sftp::StatvfsReply> done) {
    auto file = m_session->find(handle, std::nullopt);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    m_session->run_on<sftp::StatvfsReply>("fstatvfs", file, std::move(done),
                                          [self = m_session, file]() -> sftp::Result<sftp::StatvfsReply> {
                                              auto stats = self->fs().statvfs(file->path);
                                              if (!stats) return conv::failure_from(stats.error());
                                              return conv::statvfs_from(*stats);
                                          });
}

void SftpFilesystem::copy_data(std::uint32_t, FsHandle source, std::uint64_t source_offset, std::uint64_t length,
                               FsHandle destination, std::uint64_t destination_offset, Done<void> done) {
    auto& s = *m_session;
    auto from = s.find(source, false);
    auto to = s.find(destination, false);
    if (!from || !to) {
        done(Error::invalid_handle);
        return;
    }
    // Copying a range onto itself shifted would read what it has just written.
    if (source == destination && length != 0 && source_offset < destination_offset + length &&
        destination_offset < source_offset + length) {
        done(sftp::Failure{Error::invalid_parameter, "Source and destination ranges overlap"});
        return;
    }
    ++to->busy;  // the destination stays open too; run_on holds the source
    s.run_on<void>("copy-data", from, [self = m_session, to, done = std::move(done)](sftp::Result<void> r) mutable {
        done(std::move(r));
        self->idle(to);
    }, [from, to, source_offset, length, destination_offset]() {
        std::uint64_t at = destination_offset;
        return stream_range(from->file, source_offset, length, [&](std::span<const std::byte> piece) {
            auto written = conv::result_from(to->file.write(at, piece));
            at += piece.size();
            if (written) to->bytes += piece.size();
            return written;
        });
    });
}

void SftpFilesystem::lock(std::uint32_t, FsHandle handle, std::uint64_t offset, std::uint64_t length,
                          std::uint32_t mask, Done<void> done) {
    auto file = m_session->find(handle, false);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    // Open file description locks: owned by this handle, not by the process, so two sessions
    // of the daemon exclude each other as two processes would. Blocking others' reads needs
    // an exclusive lock; blocking only writes or deletes, a shared one. A handle's own
    // overlapping request is refused too (-13 8.8.1), where the kernel would merge it.
    const short type = (mask & sftp::open_flags::block_read) != 0 ? F_WRLCK : F_RDLCK;
    m_session->run_on<void>("block", file, std::move(done), [file, offset, length, type]() -> sftp::Result<void> {
        const std::pair range{offset, length};
        for (const auto& held : file->locks) {
            if (ranges_overlap(held, range)) return Error::lock_conflict;
        }
        auto locked = set_lock(file->file.native_handle(), type, offset, length);
        if (locked) file->locks.push_back(range);
        return locked;
    });
}

void SftpFilesystem::unlock(std::uint32_t, FsHandle handle, std::uint64_t offset, std::uint64_t length,
                            Done<void> done) {
    auto file = m_session->find(handle, false);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    // Only a range exactly as it was blocked may be unblocked (-13 8.8.2): the engine answers
    // invalid_parameter with NO_MATCHING_BYTE_RANGE_LOCK.
    m_session->run_on<void>("unblock", file, std::move(done), [file, offset, length]() -> sftp::Result<void> {
        const auto held = std::find(file->locks.begin(), file->locks.end(), std::pair{offset, length});
        if (held == file->locks.end()) return Error::invalid_parameter;
        auto unlocked = set_lock(file->file.native_handle(), F_UNLCK, offset, length);
        if (unlocked) file->locks.erase(held);
        return unlocked;
    });
}

// ---------------------------------------------------------------------------------------------
// Directories

void SftpFilesystem::opendir(std::uint32_t, std::string path, Done<FsHandle> done) {
    auto file = std::make_shared<OpenFile>();
    file->is_directory = true;
    file->path = m_session->normalized(path);
    m_session->submit<bool>(
        "opendir", path,
        [self = m_session, file, path]() -> sftp::Result<bool> {
            auto listing = self->fs().open_directory(path);
            if (!listing) return conv::failure_from(listing.error());
            file->directory = std::move(*listing);
            return true;
        },
        [self = m_session, file, done = std::move(done)](sftp::Result<bool> result) {
            if (!result) {
                done(result.failure());
                return;
            }
            done(self->add(file));
        });
}

void SftpFilesystem::readdir(std::uint32_t, FsHandle handle, Done<std::vector<sftp::DirEntry>> done) {
    auto file = m_session->find(handle, true);
    if (!file) {
        done(Error::invalid_handle);
        return;
    }
    const std::size_t batch = m_session->files->config->sftp.readdir_batch;
    m_session->run_on<std::vector<sftp::DirEntry>>(
        "readdir", file, std::move(done), [file, batch]() -> sftp::Result<std::vector<sftp::DirEntry>> {
            auto entries = file->directory.read(batch);
            if (!entries) return conv::failure_from(entries.error());
            std::vector<sftp::DirEntry> out;
            out.reserve(entries->size());
            for (auto& entry : *entries) {
                sftp::DirEntry item;
                item.name = std::move(entry.name);
                item.attrs = conv::attributes_from(entry.attributes);
                item.owner = conv::user_name(entry.attributes.uid);
                item.group = conv::group_name(entry.attributes.gid);
                out.push_back(std::move(item));
            }
            return out;
        });
}

void SftpFilesystem::mkdir(std::uint32_t, std::string path, sftp::FileAttributes attrs, Done<void> done) {
    const std::uint32_t mode = attrs.permissions ? (*attrs.permissions & 07777) : 0755;
    m_session->change(m_session->hook(HookKind::mkdir, path), "sftp.mkdir", std::move(done),
                      [self = m_session, path, mode] { return conv::result_from(self->fs().make_directory(path, mode)); });
}

void SftpFilesystem::rmdir(std::uint32_t, std::string path, Done<void> done) {
    m_session->change(m_session->hook(HookKind::rmdir, path), "sftp.rmdir", std::move(done),
                      [self = m_session, path] { return conv::result_from(self->fs().remove_directory(path)); });
}

// ---------------------------------------------------------------------------------------------
// Names

void SftpFilesystem::stat(std::uint32_t, std::string path, bool follow, Done<sftp::FileAttributes> done) {
    m_session->run<sftp::FileAttributes>(follow ? "stat" : "lstat", path, std::move(done),
                                         [self = m_session, path, follow]() -> sftp::Result<sftp::FileAttributes> {
                                             auto attrs = follow ? self->fs().stat(path) : self->fs().lstat(path);
                                             if (!attrs) return conv::failure_from(attrs.error());
                                             return conv::attributes_from(*attrs);
                                         });
}

void SftpFilesystem::setstat(std::uint32_t, std::string path, sftp::FileAttributes attrs, Done<void> done) {
    auto request = conv::changes_from(attrs);
    if (request.error) {
        done(*request.error);
        return;
    }
    m_session->change(m_session->hook(HookKind::setstat, path), "sftp.setstat", std::move(done),
                      [self = m_session, path, changes = request.changes] {
                          return conv::result_from(self->fs().set_attributes(path, changes));
                      });
}

void SftpFilesystem::lsetstat(std::uint32_t, std::string path, sftp::FileAttributes attrs, Done<void> done) {
    auto request = conv::changes_from(attrs);
    if (request.error) {
        done(*request.error);
        return;
    }
    m_session->change(m_session->hook(HookKind::setstat, path), "sftp.setstat", std::move(done),
                      [self = m_session, path, changes = request.changes]() -> sftp::Result<void> {
                          auto current = self->fs().lstat(path);
                          if (!current) return conv::failure_from(current.error());
                          // Linux has no lchmod, and the VFS changes only what links lead to.
                          if (current->is_symlink()) {
                              return sftp::Failure{Error::op_unsupported,
                                                   "Attributes of a symbolic link cannot be changed"};
                          }
                          return conv::result_from(self->fs().set_attributes(path, changes));
                      });
}

void SftpFilesystem::remove(std::uint32_t, std::string path, Done<void> done) {
    m_session->change(m_session->hook(HookKind::remove, path), "sftp.remove", std::move(done),
                      [self = m_session, path] { return conv::result_from(self->fs().remove(path)); });
}

void SftpFilesystem::rename(std::uint32_t, std::string old_path, std::string new_path, std::uint32_t flags,
                            Done<void> done) {
    // Without OVERWRITE an existing target is an error: v3 (flags 0) as sftp-server does it.
    const auto mode = (flags & sftp::rename_flags::overwrite) != 0 ? vfs::RenameMode::overwrite
                                                                   : vfs::RenameMode::no_overwrite;
    m_session->change(m_session->hook(HookKind::rename, old_path, new_path), "sftp.rename", std::move(done),
                      [self = m_session, old_path, new_path, mode] {
                          return conv::result_from(self->fs().rename(old_path, new_path, mode));
                      });
}

void SftpFilesystem::symlink(std::uint32_t, std::string link_path, std::string target_path, Done<void> done) {
    HookContext context = m_session->hook(HookKind::symlink, link_path);
    context.target_path = target_path;  // stored verbatim, not a path of ours to normalise
    m_session->change(std::move(context), "sftp.symlink", std::move(done), [self = m_session, link_path, target_path] {
        return conv::result_from(self->fs().symlink(target_path, link_path));
    });
}

void SftpFilesystem::link(std::uint32_t, std::string existing_path, std::string new_path, Done<void> done) {
    m_session->change(m_session->hook(HookKind::symlink, new_path, existing_path), "sftp.link", std::move(done),
                      [self = m_session, existing_path, new_path] {
                          return conv::result_from(self->fs().link(existing_path, new_path));
                      });
}

void SftpFilesystem::realpath(std::uint32_t, std::string path, Done<std::string> done) {
    m_session->run<std::string>("realpath", path, std::move(done), [self = m_session, path]() -> sftp::Result<std::string> {
        auto resolved = self->fs().realpath(path);
        if (!resolved) return conv::failure_from(resolved.error());
        return std::move(*resolved);
    });
}

void SftpFilesystem::readlink(std::uint32_t, std::string path, Done<std::string> done) {
    m_session->run<std::string>("readlink", path, std::move(done), [self = m_session, path]() -> sftp::Result<std::string> {
        auto target = self->fs().readlink(path);
        if (!target) return conv::failure_from(target.error());
        return std::move(*target);
    });
}

void SftpFilesystem::statvfs(std::uint32_t, std::string path, Done<sftp::StatvfsReply> done) {
    m_session->run<sftp::StatvfsReply>("statvfs", path, std::move(done),
                                       [self = m_session, path]() -> sftp::Result<sftp::StatvfsReply> {
                                           auto stats = self->fs().statvfs(path);
                                           if (!stats) return conv::failure_from(stats.error());
                                           return conv::statvfs_from(*stats);
                                       });
}

void SftpFilesystem::copy_file(std::uint32_t, std::string source, std::string destination, bool overwrite,
                               Done<void> done) {
    m_session->change(
        m_session->hook(HookKind::upload, destination, source), "sftp.copy", std::move(done),
        [self = m_session, source, destination, overwrite]() -> sftp::Result<void> {
            auto attrs = self->fs().stat(source);
            if (!attrs) return conv::failure_from(attrs.error());
            if (!attrs->is_regular()) return sftp::Failure{Error::failure, "Only regular files can be copied"};
            auto from = self->fs().open(source, {.read = true});
            if (!from) return conv::failure_from(from.error());
            auto to = self->fs().open(destination, {.write = true, .create = true, .truncate = true,
                                                    .exclusive = !overwrite},
                                      attrs->permissions());
            if (!to) return conv::failure_from(to.error());
            std::uint64_t at = 0;
            auto copied = stream_range(*from, 0, 0, [&](std::span<const std::byte> piece) {
                auto written = conv::result_from(to->write(at, piece));
                at += piece.size();
                return written;
            });
            if (!copied) {
                to->abort();
                return copied;
            }
            return conv::result_from(to->close());
        });
}

void SftpFilesystem::hash(std::uint32_t, HashRequest request, Done<ssh::Bytes> done) {
    if (request.block_size != 0 && request.block_size < kMinHashBlock) {
        done(sftp::Failure{Error::invalid_parameter, "Block size below 256 bytes"});
        return;
    }
    const auto compute = [request](const vfs::FileHandle& file) -> sftp::Result<ssh::Bytes> {
        auto hash = Botan::HashFunction::create_or_throw(botan_hash_name(request.algorithm));
        ssh::Bytes out;
        std::uint64_t in_block = 0;
        const auto finish_block = [&] {
            const auto digest = hash->final();
            out.insert(out.end(), digest.begin(), digest.end());
            in_block = 0;
        };
        auto streamed = stream_range(file, request.start_offset, request.length, [&](std::span<const std::byte> piece) {
            const auto* bytes = reinterpret_cast<const std::uint8_t*>(piece.data());
            std::size_t left = piece.size();
            while (left > 0) {
                std::size_t take = left;
                if (request.block_size != 0) {
                    take = static_cast<std::size_t>(std::min<std::uint64_t>(left, request.block_size - in_block));
                }
                hash->update(bytes, take);
                bytes += take;
                left -= take;
                in_block += take;
                if (request.block_size != 0 && in_block == request.block_size) finish_block();
            }
            return sftp::Result<void>();
        });
        if (!streamed) return streamed.failure();
        if (in_block > 0 || out.empty()) finish_block();
        return out;
    };
    if (const auto* handle = std::get_if<FsHandle>(&request.file)) {
        auto file = m_session->find(*handle, false);
        if (!file) {
            done(Error::invalid_handle);
            return;
        }
        m_session->run_on<ssh::Bytes>("check-file", file, std::move(done), [file, compute] { return compute(file->file); });
        return;
    }
    const std::string path = std::get<std::string>(request.file);
    m_session->run<ssh::Bytes>("check-file", path, std::move(done),
                               [self = m_session, path, compute]() -> sftp::Result<ssh::Bytes> {
                                   auto file = self->fs().open(path, {.read = true});
                                   if (!file) return conv::failure_from(file.error());
                                   return compute(*file);
                               });
}

void SftpFilesystem::home_directory(std::uint32_t, std::string user, Done<std::string> done) {
    if (!user.empty() && user != m_session->user()) {
        done(sftp::Failure{Error::no_such_file, "No such user"});
        return;
    }
    done(m_session->fs().home());
}

void SftpFilesystem::names_for_ids(std::uint32_t, std::vector<std::uint32_t> uids, std::vector<std::uint32_t> gids,
                                   Done<sftp::UsersGroupsByIdReply> done) {
    // Name service lookups may block (LDAP, NIS): on the pool like everything else.
    m_session->run<sftp::UsersGroupsByIdReply>("users-groups-by-id", {}, std::move(done), [uids, gids] {
        sftp::UsersGroupsByIdReply reply;
        for (const auto uid : uids) reply.user_names.push_back(conv::user_name(uid));
        for (const auto gid : gids) reply.group_names.push_back(conv::group_name(gid));
        return sftp::Result<sftp::UsersGroupsByIdReply>(std::move(reply));
    });
}

}  // namespace wharf::daemon
