#include "protocols/scp/detail/sink.hpp"

#include <algorithm>
#include <utility>

namespace wharf::scp::detail {

namespace {

std::string describe(std::string_view path, const Failure& failure) {
    return std::string(path) + ": " + std::string(failure.text());
}

}  // namespace

Sink::~Sink() { on_abandon(); }

void Sink::on_abandon() {
    if (m_upload && m_upload->file) {
        fs().release(*m_upload->file);
        m_upload->file.reset();
    }
}

// OpenSSH's sink checks -d first (failing before its first \0), then stats the target once
// to learn whether names are placed inside it.
void Sink::on_start() {
    const std::string& target = command().paths.front().text;
    fs().stat(target, completion<FileInfo>([this](Result<FileInfo> info) { on_target(std::move(info)); }));
}

void Sink::on_target(Result<FileInfo> target) {
    const std::string& path = command().paths.front().text;
    const bool is_directory = target && target.value().type == FileType::directory;
    if (command().target_must_be_directory && !is_directory) {
        return fail(target ? describe(path, Failure{Error::not_a_directory, {}}) : describe(path, target.failure()));
    }
    m_levels.push_back(Level{path, is_directory, {}});
    send_ok();
    m_state = State::records;
}

bool Sink::step() {
    switch (m_state) {
    case State::checking_target: return false;
    case State::records: return step_records();
    case State::data: return step_data();
    case State::data_status: return step_data_status();
    case State::done: return false;
    }
    return false;
}

// ---- records ----------------------------------------------------------------------------

bool Sink::step_records() {
    std::string line;
    switch (take_line(line)) {
    case LineStatus::need_more:
        if (!input_ended()) return false;
        // EOF between records is how a client says it is done (inside a D as well).
        if (!input().empty()) note_error();
        m_state = State::done;
        finish();
        return false;
    case LineStatus::too_long:
        fail("protocol error: control record too long");
        return false;
    case LineStatus::complete:
        break;
    }
    return std::visit([this](auto&& record) { return on_record(std::move(record)); }, parse_record(line));
}

bool Sink::on_record(MalformedRecord record) {
    fail(record.message);
    return false;
}

// The client's own error (it could not read a file): noted, and the transfer goes on, or
// ends if it was fatal. It is not answered.
bool Sink::on_record(ErrorRecord record) {
    note_error();
    if (record.fatal) {
        m_state = State::done;
        finish();
        return false;
    }
    return true;
}

bool Sink::on_record(TimesRecord record) {
    m_pending_times = record.times;
    send_ok();
    return true;
}

bool Sink::on_record(EndRecord) {
    send_ok();
    if (m_levels.size() == 1) {  // E at the top closes the session, as OpenSSH's sink returns
        m_state = State::done;
        finish();
        return false;
    }
    Level level = std::move(m_levels.back());
    m_levels.pop_back();
    if (level.at_end.mode || level.at_end.times) {
        // OpenSSH ignores failures here too: the files inside arrived, and the directory
        // itself was answered when it was entered.
        fs().set_attributes(level.path, level.at_end, completion<void>([](Result<void>) {}));
    }
    return true;
}

bool Sink::on_record(DirectoryRecord record) {
    if (!command().recursive) {
        fail("protocol error: received directory without -r");
        return false;
    }
    std::string path = destination_of(record.name);
    auto times = std::exchange(m_pending_times, std::nullopt);
    fs().stat(path, completion<FileInfo>([this, path, mode = record.mode, times](Result<FileInfo> existing) mutable {
        on_directory_stat(std::move(path), mode, times, std::move(existing));
    }));
    return true;
}

void Sink::on_directory_stat(std::string path, std::uint32_t mode, std::optional<FileTimes> times,
                             Result<FileInfo> existing) {
    const std::uint32_t permissions = mode & 07777;
    if (existing) {
        if (existing.value().type != FileType::directory) {
            return send_warning(describe(path, Failure{Error::not_a_directory, {}}));
        }
        AttributeChanges at_end{command().preserve ? std::optional(permissions) : std::nullopt, times};
        return enter_directory(std::move(path), at_end);
    }
    if (existing.failure().error != Error::no_such_file) return send_warning(describe(path, existing.failure()));
    // Created writable for us whatever the record says, so the files inside can be written
    // (OpenSSH's "copying from a read-only directory"); -p restores the mode at E.
    AttributeChanges at_end{command().preserve ? std::optional(permissions) : std::nullopt, times};
    fs().make_directory(path, permissions | 0700,
                        completion<void>([this, path, at_end](Result<void> made) mutable {
                            if (!made) return send_warning(describe(path, made.failure()));
                            enter_directory(std::move(path), at_end);
                        }));
}

void Sink::enter_directory(std::string path, AttributeChanges at_end) {
    m_levels.push_back(Level{std::move(path), true, at_end});
    send_ok();
}

bool Sink::on_record(FileRecord record) {
    Upload upload;
    upload.path = destination_of(record.name);
    // Without -p the set-id and sticky bits go (OpenSSH masks 07000); the umask applies.
    upload.mode = record.mode & (command().preserve ? 07777u : 0777u);
    upload.size = record.size;
    upload.times = std::exchange(m_pending_times, std::nullopt);
    emit(TransferStarted{Direction::sink, upload.path, upload.size});
    m_upload = std::move(upload);
    fs().create_file(m_upload->path, m_upload->mode & 0777,
                     completion<FileId>([this](Result<FileId> file) { on_file_created(std::move(file)); }));
    return true;
}

void Sink::on_file_created(Result<FileId> file) {
    if (!file) {
        // The client sends no data after an error answer to its C record.
        send_warning(describe(m_upload->path, file.failure()));
        return end_upload(file.failure());
    }
    m_upload->file = file.value();
    send_ok();
    m_state = State::data;
}

// ---- file data ----------------------------------------------------------------------------

bool Sink::step_data() {
    Upload& upload = *m_upload;
    if (upload.received == upload.size) {
        m_state = State::data_status;
        return true;
    }
    const auto available = input();
    if (available.empty()) {
        if (input_ended()) lose_connection();
        return false;
    }
    const auto remaining = upload.size - upload.received;
    const auto n = static_cast<std::size_t>(
        std::min<std::uint64_t>({available.size(), remaining, limits().io_chunk}));
    const std::uint64_t offset = upload.received;
    upload.received += n;
    if (upload.write_failure) {  // keep reading to stay in step with the client
        consume_input(n);
        return true;
    }
    Bytes chunk(available.begin(), available.begin() + static_cast<std::ptrdiff_t>(n));
    drop_input(n);  // counted as consumed only once written: the window waits for the disk
    fs().write(*upload.file, offset, std::move(chunk), completion<void>([this, n](Result<void> written) {
        count_consumed(n);
        if (!written) m_upload->write_failure = written.failure();
    }));
    return true;
}

bool Sink::step_data_status() {
    const auto available = input();
    if (available.empty()) {
        if (input_ended()) lose_connection();
        return false;
    }
    const std::uint8_t status = available[0];
    if (status == 0) {
        consume_input(1);
        finish_upload();
        return true;
    }
    // The client could not read all of its file (\x01), or gave up (\x02 or garbage, which
    // OpenSSH also treats as fatal). What we received is incomplete: discard it.
    std::string line;
    switch (take_line(line)) {
    case LineStatus::need_more:
        if (input_ended()) lose_connection();
        return false;
    case LineStatus::too_long:
        fail("protocol error: status line too long");
        return false;
    case LineStatus::complete:
        break;
    }
    note_error();
    on_abandon();
    // A lone '\n' as the status byte leaves `line` empty.
    const std::string message = line.empty() ? std::string() : line.substr(1);
    end_upload(false, message.empty() ? "aborted by the client" : message);
    if (status != 1) {
        m_state = State::done;
        finish();
        return false;
    }
    send_ok();  // as OpenSSH: the client already reported this file's failure
    return true;
}

void Sink::finish_upload() {
    Upload& upload = *m_upload;
    if (upload.write_failure) {
        on_abandon();
        const Failure failure = *upload.write_failure;
        send_warning(describe(upload.path, failure));
        return end_upload(failure);
    }
    const FileId file = *upload.file;
    upload.file.reset();  // commit() releases it either way
    fs().commit(file, completion<void>([this](Result<void> committed) { on_committed(std::move(committed)); }));
}

void Sink::on_committed(Result<void> committed) {
    Upload& upload = *m_upload;
    if (!committed) {
        send_warning(describe(upload.path, committed.failure()));
        return end_upload(committed.failure());
    }
    AttributeChanges changes{command().preserve ? std::optional(upload.mode) : std::nullopt, upload.times};
    if (!changes.mode && !changes.times) {
        send_ok();
        return end_upload(true, {});
    }
    // As OpenSSH after close(): the file stays; a refused chmod/utimes is reported.
    fs().set_attributes(upload.path, changes, completion<void>([this](Result<void> set) {
        if (set) {
            send_ok();
        } else {
            send_warning(m_upload->path + ": set times: " + std::string(set.failure().text()));
        }
        end_upload(true, {});
    }));
}

void Sink::end_upload(bool ok, std::string error, std::optional<Error> code) {
    emit(TransferFinished{Direction::sink, m_upload->path, m_upload->received, ok, std::move(error), code});
    m_upload.reset();
    if (m_state != State::done) m_state = State::records;
}

// EOF inside a file: nothing can be answered any more.
void Sink::lose_connection() {
    note_error();
    on_abandon();
    m_state = State::done;
    end_upload(false, "connection lost");
    finish();
}

std::string Sink::destination_of(const std::string& name) const {
    const Level& level = m_levels.back();
    return level.is_directory ? join_path(level.path, name) : level.path;
}

}  // namespace wharf::scp::detail
