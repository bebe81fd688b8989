// `wharf sftp` transfers: put and get of single files, several files, remote masks and whole
// trees (-r), each file through one TransferQueue so at most --parallel files move at once
// over the one SFTP session, each file pipelined by the engine.
//
// A command runs in two steps. Planning (blocking requests, one at a time) expands sources,
// creates directories, and decides per file where it goes, from which offset, and whether the
// overwrite policy lets it go at all. Running starts every file through the queue and drives
// the session until all are reported. Symbolic links inside a tree are never followed (a link
// may lead out of the tree or loop); they are skipped with a note on stderr. A source named
// on the command line is followed like any path.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>

#include "daemon/cli/file_mask.hpp"
#include "daemon/cli/local_files.hpp"
#include "daemon/cli/sftp_commands.hpp"
#include "daemon/cli/sftp_listing.hpp"
#include "daemon/cli/sftp_report.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"
#include "protocols/sftp/client_transfer_queue.hpp"

namespace wharf::cli {

namespace {

enum class Direction { get, put };
enum class Overwrite { always, never, newer, skip };

std::string_view op_name(Direction d) { return d == Direction::get ? "get" : "put"; }

// Everything a put or get was asked to do, from the global defaults and its own flags.
struct TransferFlags {
    Direction direction = Direction::get;
    bool append = false;
    bool resume = false;
    bool preserve = false;
    bool text = false;
    bool recursive = false;
    std::optional<std::uint64_t> offset;
    std::optional<std::uint64_t> limit;
    Overwrite overwrite = Overwrite::always;
    std::string remote_newline;
    FileMasks masks;
    std::size_t parallel = 4;
    sftp::TransferOptions pipeline;
    bool json = false;
    bool sha256 = false;
    bool progress = true;
};

std::uint64_t number_flag(const CommandArgs& args, std::string_view flag, std::string_view op) {
    const auto text = *args.value(flag);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        throw UsageError(fmt::format("{}: {} needs a number, not {}", op, flag, text));
    }
    return value;
}

Overwrite overwrite_flag(const CommandArgs& args, std::string_view op) {
    const auto text = args.value("--overwrite").value_or("always");
    if (text == "always") return Overwrite::always;
    if (text == "never") return Overwrite::never;
    if (text == "newer") return Overwrite::newer;
    if (text == "skip") return Overwrite::skip;
    throw UsageError(fmt::format("{}: --overwrite takes always, never, newer or skip, not {}", op, text));
}

// The server's newline convention for text mode: --remote-newline, else the v4+ "newline"
// extension, else LF (OpenSSH's v3 server announces none and is a Unix server).
std::string remote_newline(SftpContext& context, const CommandArgs& args, std::string_view op) {
    if (const auto flag = args.value("--remote-newline")) {
        if (*flag == "crlf") return "\r\n";
        if (*flag == "lf") return "\n";
        if (*flag == "cr") return "\r";
        throw UsageError(fmt::format("{}: --remote-newline takes crlf, lf or cr, not {}", op, *flag));
    }
    const auto& announced = context.engine().server()->newline;
    if (announced && !announced->empty() && announced->size() <= 2) return *announced;
    return "\n";
}

TransferFlags parse_flags(SftpContext& context, const CommandArgs& args, Direction direction) {
    const auto op = op_name(direction);
    const auto& defaults = context.options().transfer;
    TransferFlags flags;
    flags.direction = direction;
    flags.append = args.has("-a");
    flags.resume = args.has("--resume");
    flags.preserve = args.has("-p");
    flags.text = args.has("--text");
    flags.recursive = args.has("-r");
    if (args.value("--offset")) flags.offset = number_flag(args, "--offset", op);
    if (args.value("--limit")) flags.limit = number_flag(args, "--limit", op);
    flags.overwrite = overwrite_flag(args, op);
    flags.parallel = defaults.simultaneous;
    if (args.value("--parallel")) {
        flags.parallel = number_flag(args, "--parallel", op);
        if (flags.parallel == 0) throw UsageError(fmt::format("{}: --parallel must be at least 1", op));
    }
    flags.pipeline = defaults.pipeline;
    flags.json = defaults.json;
    flags.sha256 = defaults.sha256;
    flags.progress = defaults.progress;
    if (flags.text && (flags.resume || flags.offset)) {
        // Converted text has other offsets than the file it came from: a byte position in one
        // says nothing about the other.
        throw UsageError(fmt::format("{}: --text cannot be combined with --resume or --offset", op));
    }
    if (flags.append && (flags.resume || flags.offset)) {
        throw UsageError(fmt::format("{}: -a cannot be combined with --resume or --offset", op));
    }
    if (flags.resume && flags.offset) {
        throw UsageError(fmt::format("{}: --resume and --offset each set the start; give one", op));
    }
    flags.masks = FileMasks(args.all("--mask"), args.all("--exclude"), args.has("-i"));
    flags.remote_newline = flags.text ? remote_newline(context, args, op) : "\n";
    return flags;
}

// Servers announcing limits@openssh.com (wharfd, OpenSSH) say how much one READ returns and
// one WRITE may carry, and how many handles may be open; requests larger than that would come
// back short or be refused, and more files at once than handles would fail.
void fit_to_server(SftpContext& context, TransferFlags& flags) {
    auto& engine = context.engine();
    if (!engine.server()->has_extension(sftp::Limits::kName)) return;
    const auto limits = context.session().call<sftp::LimitsReply>([&](auto done) { engine.limits(std::move(done)); });
    if (!limits) return;
    const std::uint64_t limit = flags.direction == Direction::get ? limits.value().max_read_length
                                                                  : limits.value().max_write_length;
    if (limit > 0 && limit < flags.pipeline.request_size) flags.pipeline.request_size = static_cast<std::uint32_t>(limit);
    const std::uint64_t handles = limits.value().max_open_handles;
    if (handles > 0 && handles < flags.parallel) flags.parallel = static_cast<std::size_t>(handles);
}

// ---- the plan ---------------------------------------------------------------------------------

// The pieces of a download that arrived, in remote offsets. Replies land out of order, so a
// failure can leave holes; only the run without a gap from the start may be kept for --resume
// (which continues from the .part's size). Pieces beyond that run are few: downloads never
// read more than requests x request size ahead of the lowest offset still awaited.
class ReceivedExtent {
public:
    explicit ReceivedExtent(std::uint64_t start) : m_contiguous_end(start) {}

    void add(std::uint64_t offset, std::uint64_t length) {
        if (offset > m_contiguous_end) {
            auto& end = m_ahead[offset];
            end = std::max(end, offset + length);
            return;
        }
        m_contiguous_end = std::max(m_contiguous_end, offset + length);
        for (auto it = m_ahead.begin(); it != m_ahead.end() && it->first <= m_contiguous_end; it = m_ahead.erase(it)) {
            m_contiguous_end = std::max(m_contiguous_end, it->second);
        }
    }
    [[nodiscard]] std::uint64_t contiguous_end() const noexcept { return m_contiguous_end; }

private:
    std::uint64_t m_contiguous_end;
    std::map<std::uint64_t, std::uint64_t> m_ahead;  // offset -> end, beyond the run
};

// One file to move, and afterwards what happened to it.
struct FileJob {
    std::string remote;
    std::string local;
    std::optional<sftp::FileAttributes> remote_attrs;  // get: the source's; put: the target's if known
    std::optional<LocalInfo> local_info;                // put: the source's
    std::uint64_t offset = 0;                           // where in the source the transfer starts
    bool skip = false;                                  // the overwrite policy leaves it alone
    std::optional<sftp::ClientFailure> refused;         // fails without a transfer
    // While and after running.
    vfs::UniqueFd fd;
    std::optional<std::uint64_t> appended_to;  // get -a: LOCAL's size before (for the rollback)
    std::unique_ptr<OrderedTextWriter> text_writer;
    std::uint64_t local_base = 0;             // get: where in the local file `offset` lands
    std::optional<ReceivedExtent> received;  // get: what arrived so far
    std::uint64_t moved = 0;  // bytes that reached the destination
    std::optional<std::size_t> progress_id;  // a progress line while it runs
    TransferRecord record;
    bool done = false;
};

struct TransferRun {
    TransferRun(TransferFlags f, std::FILE* terminal)
        : flags(std::move(f)), progress(progress_wanted(flags.progress), terminal) {}
    TransferFlags flags;
    std::vector<std::unique_ptr<FileJob>> jobs;
    ProgressDisplay progress;
    std::vector<std::string> failures;  // one message per failed file
};

bool is_directory(const sftp::FileAttributes& attrs) {
    return attrs.file_type() == sftp::FileType::directory;
}

std::optional<sftp::FileAttributes> remote_stat(SftpContext& context, const std::string& path) {
    auto result = context.session().call<sftp::FileAttributes>(
        [&](auto done) { context.engine().stat(path, std::move(done)); });
    if (!result) return std::nullopt;
    return std::move(result.value());
}

// mkdir, and fine if it is a directory already (servers say FAILURE or FILE_ALREADY_EXISTS).
void ensure_remote_directory(SftpContext& context, const std::string& path) {
    auto made = context.session().call<void>(
        [&](auto done) { context.engine().mkdir(path, {}, std::move(done)); });
    if (made) return;
    const auto attrs = remote_stat(context, path);
    if (!attrs || !is_directory(*attrs)) checked(std::move(made), "mkdir " + path);
}

void ensure_local_directory(const std::string& path) {
    if (!make_local_directories(path)) {
        throw OperationFailed(fmt::format("get: cannot create directory {}: {}", path, std::strerror(errno)));
    }
}

void note_skipped_link(Direction d, const std::string& path) {
    fmt::print(stderr, "wharf sftp: {}: skipping symbolic link {} (links in a tree are not followed)\n",
               op_name(d), path);
}

// ---- planning a put ---------------------------------------------------------------------------

void add_put_file(TransferRun& run, std::string local, std::string remote, LocalInfo info) {
    auto job = std::make_unique<FileJob>();
    job->local = std::move(local);
    job->remote = std::move(remote);
    job->local_info = info;
    run.jobs.push_back(std::move(job));
}

void plan_put_tree(SftpContext& context, TransferRun& run, const std::string& local_root, const std::string& remote_root) {
    ensure_remote_directory(context, remote_root);
    for (const auto& entry : walk_local_tree(local_root)) {
        const std::string local = join_path(local_root, entry.relative);
        const std::string remote = join_path(remote_root, entry.relative);
        switch (entry.info.kind) {
            case LocalInfo::Kind::directory: ensure_remote_directory(context, remote); break;
            case LocalInfo::Kind::regular:
                if (run.flags.masks.matches(base_name(entry.relative))) add_put_file(run, local, remote, entry.info);
                break;
            case LocalInfo::Kind::symlink: note_skipped_link(Direction::put, local); break;
            case LocalInfo::Kind::other: break;  // devices, sockets, fifos: nothing to send
        }
    }
}

void plan_put(SftpContext& context, TransferRun& run, const CommandArgs& args) {
    const auto& words = args.positional;
    const std::vector<std::string> sources(words.begin(), words.end() - 1);
    const std::string target = context.remote(words.back());
    const auto target_attrs = remote_stat(context, target);
    const bool mirror = run.flags.recursive && sources.size() == 1 && !(target_attrs && is_directory(*target_attrs)) &&
                        local_stat(sources[0]) && local_stat(sources[0])->kind == LocalInfo::Kind::directory;
    const bool into_directory = !mirror && (sources.size() > 1 || target.ends_with('/') ||
                                            (target_attrs && is_directory(*target_attrs)));
    for (const auto& source : sources) {
        const auto info = local_stat(source);
        if (!info) throw OperationFailed(fmt::format("put {}: cannot open: {}", source, std::strerror(errno)));
        const std::string remote = into_directory ? join_path(target, base_name(source)) : target;
        if (info->kind == LocalInfo::Kind::directory) {
            if (!run.flags.recursive) throw OperationFailed(fmt::format("put {}: is a directory (use -r)", source));
            plan_put_tree(context, run, source, remote);
        } else if (run.flags.masks.matches(base_name(source))) {
            add_put_file(run, source, remote, *info);
        }
    }
}

// Resume, overwrite policy and offsets of one put, from the target's attributes.
void decide_put(SftpContext& context, const TransferFlags& flags, FileJob& job) {
    const bool needs_target = flags.resume || flags.overwrite != Overwrite::always;
    if (!needs_target || flags.append) {
        job.offset = flags.offset.value_or(0);
        return;
    }
    job.remote_attrs = remote_stat(context, job.remote);
    const auto& target = job.remote_attrs;
    if (flags.resume) {
        const std::uint64_t there = target && target->size ? *target->size : 0;
        if (there > job.local_info->size) {
            job.refused = sftp::ClientFailure{sftp::StatusCode::failure,
                                              fmt::format("the remote file has {} bytes, more than the {} of {}", there,
                                                          job.local_info->size, job.local)};
        }
        job.offset = there;
        return;
    }
    job.offset = flags.offset.value_or(0);
    if (!target) return;
    if (flags.overwrite == Overwrite::never) {
        job.refused = sftp::ClientFailure{sftp::StatusCode::file_already_exists, "exists; --overwrite never"};
    } else if (flags.overwrite == Overwrite::skip) {
        job.skip = true;
    } else if (flags.overwrite == Overwrite::newer) {
        job.skip = target->mtime && target->mtime->seconds >= job.local_info->mtime.seconds;
    }
}

// ---- planning a get ---------------------------------------------------------------------------

void add_get_file(TransferRun& run, std::string remote, std::string local, sftp::FileAttributes attrs) {
    auto job = std::make_unique<FileJob>();
    job->remote = std::move(remote);
    job->local = std::move(local);
    job->remote_attrs = std::move(attrs);
    run.jobs.push_back(std::move(job));
}

void plan_get_tree(SftpContext& context, TransferRun& run, const std::string& remote_root, const std::string& local_root) {
    ensure_local_directory(local_root);
    for (auto& entry : list_directory(context, remote_root)) {
        const std::string remote = join_path(remote_root, entry.filename);
        const std::string local = join_path(local_root, entry.filename);
        const auto type = entry.attrs.file_type().value_or(sftp::FileType::regular);
        if (type == sftp::FileType::directory) {
            plan_get_tree(context, run, remote, local);
        } else if (type == sftp::FileType::symlink) {
            note_skipped_link(Direction::get, remote);
        } else if (type == sftp::FileType::regular || type == sftp::FileType::unknown) {
            if (run.flags.masks.matches(entry.filename)) add_get_file(run, remote, local, std::move(entry.attrs));
        }
    }
}

void plan_get(SftpContext& context, TransferRun& run, const CommandArgs& args) {
    const auto& words = args.positional;
    const std::string target = words.size() == 1 ? "." : words.back();
    const std::size_t source_count = words.size() == 1 ? 1 : words.size() - 1;
    const auto target_info = local_stat(target);
    const bool target_is_directory = target_info && target_info->kind == LocalInfo::Kind::directory;
    // In a tree the masks choose files inside it, not the tree's own name.
    const FileMasks top_masks = run.flags.recursive ? FileMasks() : run.flags.masks;
    for (std::size_t i = 0; i < source_count; ++i) {
        const std::string source = context.remote(words[i]);
        auto matches = remote_matches(context, source, top_masks);
        const bool several = source_count > 1 || has_wildcards(base_name(source));
        const bool into_directory = several || target_is_directory || target.ends_with('/') || words.size() == 1;
        for (auto& entry : matches.entries) {
            const std::string remote = several ? join_path(matches.directory, entry.filename) : source;
            std::string local = into_directory ? join_path(target, entry.filename) : target;
            if (is_directory(entry.attrs)) {
                if (!run.flags.recursive) throw OperationFailed(fmt::format("get {}: is a directory (use -r)", remote));
                // One tree named alone mirrors into TARGET unless TARGET is an existing directory.
                if (!several && !target_is_directory) local = target;
                plan_get_tree(context, run, remote, local);
            } else if (!run.flags.recursive || run.flags.masks.matches(entry.filename)) {
                add_get_file(run, remote, local, std::move(entry.attrs));
            }
        }
        if (matches.entries.empty() && several) {
            fmt::print(stderr, "wharf sftp: get {}: nothing matches\n", source);
        }
    }
}

std::string part_name(const std::string& local) { return local + ".part"; }

// Resume, overwrite policy and offsets of one get, from the local file.
void decide_get(const TransferFlags& flags, FileJob& job) {
    const auto remote_size = job.remote_attrs->size;
    if (flags.resume) {
        const auto part = local_stat(part_name(job.local));
        job.offset = part ? part->size : 0;
        if (remote_size && job.offset > *remote_size) {
            job.refused = sftp::ClientFailure{
                sftp::StatusCode::failure,
                fmt::format("{} has {} bytes, more than the remote file's {}", part_name(job.local), job.offset, *remote_size)};
        }
        return;
    }
    job.offset = flags.offset.value_or(0);
    if (flags.append || flags.overwrite == Overwrite::always) return;
    const auto existing = local_stat(job.local);
    if (!existing) return;
    if (flags.overwrite == Overwrite::never) {
        job.refused = sftp::ClientFailure{sftp::StatusCode::file_already_exists,
                                          fmt::format("{} exists; --overwrite never", job.local)};
    } else if (flags.overwrite == Overwrite::skip) {
        job.skip = true;
    } else if (flags.overwrite == Overwrite::newer) {
        const auto& mtime = job.remote_attrs->mtime;
        job.skip = !mtime || mtime->seconds <= existing->mtime.seconds;
    }
}

// ---- running a get ----------------------------------------------------------------------------

using JobDone = sftp::TransferQueue::JobDone;

sftp::ClientFailure local_failure(std::string what) {
    return sftp::ClientFailure{sftp::StatusCode::failure, what + ": " + std::strerror(errno)};
}

// Opens where the bytes go: LOCAL.part (continued with --resume), or LOCAL itself with -a.
std::optional<sftp::ClientFailure> open_get_target(const TransferFlags& flags, FileJob& job) {
    if (flags.append) {
        job.fd = open_local(job.local, O_WRONLY | O_CREAT);
        const auto info = job.fd ? local_stat(job.local) : std::nullopt;
        if (!info) return local_failure("cannot open " + job.local);
        job.appended_to = info->size;
        return std::nullopt;
    }
    const std::string part = part_name(job.local);
    job.fd = open_local(part, O_WRONLY | O_CREAT | (flags.resume ? 0 : O_TRUNC));
    if (!job.fd) return local_failure("cannot create " + part);
    return std::nullopt;
}

sftp::DownloadSink get_sink(const std::shared_ptr<TransferRun>& run, FileJob& job, std::uint64_t local_base) {
    const auto& flags = run->flags;
    if (flags.text) {
        const std::size_t window = flags.pipeline.max_requests * flags.pipeline.request_size;
        job.text_writer = std::make_unique<OrderedTextWriter>(job.fd.get(), job.offset, local_base,
                                                              NewlineConverter(flags.remote_newline, "\n"), window);
    }
    return [run, &job, local_base](std::uint64_t offset, ssh::ByteView data) {
        const bool stored = job.text_writer
                                ? job.text_writer->accept(offset, data)
                                : write_all_at(job.fd.get(), local_base + (offset - job.offset),
                                               {reinterpret_cast<const char*>(data.data()), data.size()});
        if (!stored) return false;
        job.received->add(offset, data.size());
        job.moved += data.size();
        if (job.progress_id) run->progress.advance(*job.progress_id, data.size());
        return true;
    };
}

// A failed download keeps LOCAL.part for --resume, cut back to the bytes that arrived without a
// gap; one that would keep nothing (or holds converted text, which cannot be resumed) goes.
// Returns whether something was kept.
bool keep_partial(const FileJob& job) {
    const std::string part = part_name(job.local);
    const std::uint64_t keep =
        job.text_writer || !job.received ? 0 : job.local_base + (job.received->contiguous_end() - job.offset);
    if (keep > 0 && ::truncate(part.c_str(), static_cast<off_t>(keep)) == 0) return true;
    ::unlink(part.c_str());
    return false;
}

// After the download: the .part becomes LOCAL, times and mode follow with -p; a failure keeps
// a .part that holds bytes (for --resume) and removes one that holds none.
sftp::ClientResult<std::uint64_t> finish_get(const TransferFlags& flags, FileJob& job,
                                             sftp::ClientResult<std::uint64_t> result) {
    if (result && job.text_writer && !job.text_writer->finish()) result = local_failure("cannot write " + job.local);
    const int fd = job.fd.release();
    if (::close(fd) != 0 && result) result = local_failure("cannot write " + job.local);
    const std::string part = part_name(job.local);
    if (result && !job.appended_to && ::rename(part.c_str(), job.local.c_str()) != 0) {
        result = local_failure("cannot rename " + part);
    }
    if (result && flags.preserve) {
        const auto& a = *job.remote_attrs;
        const auto time_of = [](const std::optional<sftp::FileTime>& t, LocalTime fallback) {
            return t ? LocalTime{t->seconds, t->nanoseconds.value_or(0)} : fallback;
        };
        const auto now = LocalTime{epoch_us() / 1000000, 0};
        if (!set_local_times_and_mode(job.local, time_of(a.atime, now), time_of(a.mtime, now),
                                      a.permissions ? std::optional(*a.permissions & 07777) : std::nullopt)) {
            result = local_failure("cannot set times and permissions of " + job.local);
        }
    }
    if (result) return result;
    if (job.appended_to) {
        // Undo the partial append: LOCAL is left as it was.
        if (::truncate(job.local.c_str(), static_cast<off_t>(*job.appended_to)) != 0) {
            fmt::print(stderr, "wharf sftp: cannot cut {} back to {} bytes: {}\n", job.local, *job.appended_to,
                       std::strerror(errno));
        }
    } else if (keep_partial(job)) {
        auto failure = result.failure();
        failure.message += fmt::format("; partial download kept in {}; get --resume continues it", part);
        return failure;
    }
    return result;
}

void start_get(SftpContext& context, const std::shared_ptr<TransferRun>& run, FileJob& job, JobDone done) {
    const auto& flags = run->flags;
    if (const auto failure = open_get_target(flags, job)) return done(*failure);
    // Where the first byte goes: after what LOCAL.part already holds (resume), at LOCAL's end
    // (-a), else at 0 (a range is stored as a file of its own).
    const std::uint64_t local_base = job.appended_to ? *job.appended_to : flags.resume ? job.offset : 0;
    job.local_base = local_base;
    job.received.emplace(job.offset);
    sftp::download_range(context.engine(), job.remote, {job.offset, flags.limit}, get_sink(run, job, local_base),
                         flags.pipeline, [run, &job, done = std::move(done)](sftp::ClientResult<std::uint64_t> result) {
                             done(finish_get(run->flags, job, std::move(result)));
                         });
}

// ---- running a put ----------------------------------------------------------------------------

sftp::FileAttributes preserved_attributes(const LocalInfo& info) {
    sftp::FileAttributes attrs;
    attrs.permissions = info.permissions & 07777;
    attrs.atime = sftp::FileTime{info.atime.seconds, info.atime.nanoseconds};
    attrs.mtime = sftp::FileTime{info.mtime.seconds, info.mtime.nanoseconds};
    return attrs;
}

void start_put(SftpContext& context, const std::shared_ptr<TransferRun>& run, FileJob& job, JobDone done) {
    const auto& flags = run->flags;
    job.fd = open_local(job.local, O_RDONLY);
    if (!job.fd) return done(local_failure("cannot open " + job.local));
    sftp::UploadSource source = file_source(job.fd.get(), job.offset, flags.limit);
    // Text travels in binary on the wire, converted here: the TEXT_MODE open flag would make
    // no difference with our server (its text mode sends the newline it announces, which is
    // what we convert to) and OpenSSH's v3 server has no text mode at all.
    if (flags.text) source = converting_source(std::move(source), NewlineConverter("\n", flags.remote_newline));
    source = [run, &job, inner = std::move(source)](std::size_t max) {
        auto chunk = inner(max);
        if (chunk) {
            job.moved += chunk->size();
            if (job.progress_id) run->progress.advance(*job.progress_id, chunk->size());
        }
        return chunk;
    };
    sftp::FileAttributes create;
    create.permissions = job.local_info->permissions & 0777;
    auto& engine = context.engine();
    auto finished = [run, &job, &engine, done = std::move(done)](sftp::ClientResult<std::uint64_t> result) {
        job.fd.reset();
        if (!result || !run->flags.preserve) return done(std::move(result));
        engine.setstat(job.remote, preserved_attributes(*job.local_info),
                       [done, bytes = result.value()](sftp::ClientResult<void> set) {
                           if (!set) return done(set.failure());
                           done(bytes);
                       });
    };
    if (flags.append) {
        sftp::append(engine, job.remote, std::move(source), flags.pipeline, create, std::move(finished));
    } else if (job.offset > 0 || flags.offset) {
        sftp::upload_range(engine, job.remote, job.offset, std::move(source), flags.pipeline, create,
                           std::move(finished));
    } else {
        sftp::upload(engine, job.remote, std::move(source), flags.pipeline, create, std::move(finished));
    }
}

// ---- the queue and the report -----------------------------------------------------------------

void report(TransferRun& run, FileJob& job, const sftp::ClientResult<std::uint64_t>& result) {
    job.done = true;
    if (job.progress_id) run.progress.end(*job.progress_id);
    auto& r = job.record;
    r.end_us = epoch_us();
    const auto op = op_name(run.flags.direction);
    if (!result) {
        r.status = "error";
        r.error = std::string(sftp::status_name(static_cast<std::uint32_t>(result.error())));
        if (r.error->empty()) r.error = fmt::format("SSH_FX_{}", static_cast<std::uint32_t>(result.error()));
        r.message = result.message();
        r.bytes = job.moved;
        run.failures.push_back(fmt::format("{} {}: {}", op, job.remote, sftp::describe(result.failure())));
    } else {
        r.status = job.skip ? "skipped" : "ok";
        r.bytes = result.value();
        if (run.flags.sha256 && !job.skip) r.sha256 = sha256_of_file(job.local);
    }
    if (run.flags.json) {
        fmt::print("{}\n", json_line(r));
        std::fflush(stdout);
    }
}

// What the progress line counts up to: the source's size from the start offset, capped by
// --limit; unknown when the server did not say how large the source is.
std::optional<std::uint64_t> expected_bytes(const TransferFlags& flags, const FileJob& job) {
    const auto size = flags.direction == Direction::get ? job.remote_attrs->size : std::optional(job.local_info->size);
    if (!size) return std::nullopt;
    const std::uint64_t rest = *size > job.offset ? *size - job.offset : 0;
    return flags.limit ? std::min(rest, *flags.limit) : rest;
}

void run_queue(SftpContext& context, const std::shared_ptr<TransferRun>& run) {
    const auto op = std::string(op_name(run->flags.direction));
    sftp::TransferQueue queue(
        run->flags.parallel,
        {[&run](std::size_t i) {
             auto& job = *run->jobs[i];
             job.record.start_us = epoch_us();
             const auto total = expected_bytes(run->flags, job);
             const auto& name = run->flags.direction == Direction::get ? job.remote : job.local;
             if (!job.skip && !job.refused) job.progress_id = run->progress.begin(name, total);
         },
         [&run](std::size_t i, const sftp::ClientResult<std::uint64_t>& result) { report(*run, *run->jobs[i], result); },
         [&run, op](std::size_t i) {
             auto& job = *run->jobs[i];
             job.done = true;
             job.record.status = "cancelled";
             job.record.start_us = job.record.end_us = epoch_us();
             if (run->flags.json) fmt::print("{}\n", json_line(job.record));
         }});
    for (auto& owned : run->jobs) {
        FileJob& job = *owned;
        job.record.op = op;
        job.record.remote = job.remote;
        job.record.local = job.local;
        job.record.offset = job.offset;
        queue.add([&context, run, &job](JobDone done) {
            if (job.refused) return done(*job.refused);
            if (job.skip) return done(std::uint64_t{0});
            if (run->flags.direction == Direction::get) return start_get(context, run, job, std::move(done));
            start_put(context, run, job, std::move(done));
        });
    }
    try {
        queue.run();
        context.session().run_until([&queue] { return queue.finished(); });
    } catch (...) {
        // The connection is gone under running downloads: what they received stays for --resume.
        for (auto& job : run->jobs) {
            if (job->done || !job->fd || run->flags.direction != Direction::get || job->appended_to) continue;
            job->fd.reset();
            if (keep_partial(*job)) {
                fmt::print(stderr, "wharf sftp: get {}: partial download kept in {}; get --resume continues it\n",
                           job->remote, part_name(job->local));
            }
        }
        throw;
    }
}

void run_transfer(SftpContext& context, const CommandArgs& args, Direction direction) {
    auto run = std::make_shared<TransferRun>(parse_flags(context, args, direction), stderr);
    fit_to_server(context, run->flags);
    if (direction == Direction::get) {
        plan_get(context, *run, args);
        for (auto& job : run->jobs) decide_get(run->flags, *job);
    } else {
        plan_put(context, *run, args);
        for (auto& job : run->jobs) decide_put(context, run->flags, *job);
    }
    run_queue(context, run);
    if (run->failures.empty()) return;
    if (run->failures.size() == 1) throw OperationFailed(run->failures.front());
    for (const auto& failure : run->failures) fmt::print(stderr, "wharf sftp: {}\n", failure);
    throw OperationFailed(fmt::format("{}: {} of {} files failed", op_name(direction), run->failures.size(),
                                      run->jobs.size()));
}

void run_put(SftpContext& context, const CommandArgs& args) { run_transfer(context, args, Direction::put); }
void run_get(SftpContext& context, const CommandArgs& args) { run_transfer(context, args, Direction::get); }

const std::vector<std::string_view> kSwitches{"-a", "--resume", "-p", "--text", "-r", "-i"};
const std::vector<std::string_view> kValued{"--offset", "--limit",   "--overwrite", "--remote-newline",
                                            "--mask",   "--exclude", "--parallel"};

const std::array kCommands{
    CommandSpec{"put",
                "put [-a|--resume|--offset N] [--limit N] [--overwrite always|never|newer|skip] [-p] [--text "
                "[--remote-newline crlf|lf|cr]] [-r] [--mask M]... [--exclude M]... [-i] [--parallel N] LOCAL... REMOTE",
                kSwitches, kValued, 2, SIZE_MAX, run_put},
    CommandSpec{"get",
                "get [-a|--resume|--offset N] [--limit N] [--overwrite always|never|newer|skip] [-p] [--text "
                "[--remote-newline crlf|lf|cr]] [-r] [--mask M]... [--exclude M]... [-i] [--parallel N] REMOTE... "
                "[LOCAL]",
                kSwitches, kValued, 1, SIZE_MAX, run_get},
};

}  // namespace

std::span<const CommandSpec> transfer_commands() { return kCommands; }

}  // namespace wharf::cli
