#include "protocols/scp/detail/source.hpp"

#include "protocols/scp/glob.hpp"
#include "protocols/scp/records.hpp"

#include <algorithm>
#include <utility>

namespace wharf::scp::detail {

namespace {

std::string describe(std::string_view path, std::string_view what) {
    return std::string(path) + ": " + std::string(what);
}

std::string strip_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

constexpr std::string_view kRefused = "refused by the client";

}  // namespace

Source::~Source() { on_abandon(); }

void Source::on_abandon() {
    if (m_download && m_download->file) {
        fs().release(*m_download->file);
        m_download->file.reset();
    }
}

void Source::on_start() {}  // the client speaks first: its sink opens with \0

bool Source::step() {
    if (m_awaiting != Awaiting::nothing) return step_response();
    if (m_streaming) return step_streaming();
    return step_next_path();
}

// ---- the client's answers ------------------------------------------------------------------

bool Source::step_response() {
    const auto available = input();
    if (available.empty()) {
        if (!input_ended()) return false;
        note_error();  // the client left while we waited for it
        on_abandon();
        if (m_download) end_download(false, "connection lost");
        finish();
        return false;
    }
    const std::uint8_t status = available[0];
    if (status == 0) {
        consume_input(1);
        on_response(true);
        return true;
    }
    std::string line;
    switch (take_line(line)) {
    case LineStatus::need_more:
        if (!input_ended()) return false;
        break;  // an unterminated error line at EOF is still an error
    case LineStatus::too_long:
    case LineStatus::complete:
        break;
    }
    note_error();
    if (status == 1 && !line.empty()) {
        on_response(false);
        return true;
    }
    // \x02, or anything else: OpenSSH's response() gives up on these too.
    on_abandon();
    if (m_download) end_download(false, line.empty() ? "connection lost" : line.substr(1));
    finish();
    return false;
}

void Source::on_response(bool ok) {
    const Awaiting answered = std::exchange(m_awaiting, Awaiting::nothing);
    switch (answered) {
    case Awaiting::nothing:
    case Awaiting::first_ack:
        return;
    case Awaiting::file_times:
        if (ok) return send_file_record();
        on_abandon();
        return end_download(false, std::string(kRefused));
    case Awaiting::file_record:
        if (ok) {
            m_streaming = true;
            return;
        }
        on_abandon();
        return end_download(false, std::string(kRefused));
    case Awaiting::file_status: {
        const auto& failure = m_download->read_failure;
        if (failure) return end_download(*failure);
        return end_download(ok, ok ? std::string() : std::string(kRefused));
    }
    case Awaiting::directory_times:
        if (ok) return send_directory_record();
        m_entering.reset();
        return;
    case Awaiting::directory_record:
        if (ok) m_frames.push_back(std::move(*m_entering));
        m_entering.reset();
        return;
    case Awaiting::end_record:
        m_frames.pop_back();
        return;
    }
}

// ---- what to send next ---------------------------------------------------------------------

bool Source::step_next_path() {
    if (!m_frames.empty()) {
        Frame& frame = m_frames.back();
        if (frame.next < frame.names.size()) {
            send_path(join_path(frame.path, frame.names[frame.next++]));
            return true;
        }
        send(encode_end_record());
        m_awaiting = Awaiting::end_record;
        return true;
    }
    if (!m_queued.empty()) {
        std::string path = std::move(m_queued.front());
        m_queued.pop_front();
        send_path(std::move(path));
        return true;
    }
    return step_next_argument();
}

// A shell would have expanded wildcards in the last component before scp ran; we do the same
// for `*` and `?` (a path that exists under its literal name is taken as it is). Wildcards in
// directory components are not expanded.
bool Source::step_next_argument() {
    const auto& arguments = command().paths;
    if (m_next_argument == arguments.size()) {
        finish();
        return false;
    }
    const ShellWord& argument = arguments[m_next_argument++];
    std::string literal = strip_trailing_slashes(argument.text);
    std::string pattern = strip_trailing_slashes(argument.pattern);
    const auto slash = pattern.rfind('/');
    const bool expandable = has_wildcards(last_component(pattern)) &&
                            (slash == std::string::npos || !has_wildcards(pattern.substr(0, slash)));
    if (expandable) {
        expand_argument(std::move(literal), std::move(pattern));
    } else {
        send_path(std::move(literal));
    }
    return true;
}

void Source::expand_argument(std::string literal, std::string pattern) {
    fs().stat(literal, completion<FileInfo>([this, literal, pattern](Result<FileInfo> info) {
        if (info || info.failure().error != Error::no_such_file) return on_stat(literal, std::move(info));
        const auto slash = pattern.rfind('/');
        const std::string directory =
            slash == std::string::npos ? "." : (slash == 0 ? "/" : unescape_pattern(pattern.substr(0, slash)));
        fs().list_directory(directory, completion<std::vector<std::string>>(
                                           [this, directory, pattern, literal](Result<std::vector<std::string>> names) {
                                               on_matches(directory, pattern, literal, std::move(names));
                                           }));
    }));
}

void Source::on_matches(const std::string& directory, const std::string& pattern, const std::string& literal,
                        Result<std::vector<std::string>> names) {
    std::vector<std::string> matches;
    if (names) {
        const auto wanted = last_component(pattern);
        for (auto& name : names.value()) {
            if (glob_matches(wanted, name)) matches.push_back(std::move(name));
        }
    }
    if (matches.empty()) return send_warning(describe(literal, error_text(Error::no_such_file)));
    std::sort(matches.begin(), matches.end());
    const bool relative = pattern.find('/') == std::string::npos;
    for (auto& name : matches) m_queued.push_back(relative ? std::move(name) : join_path(directory, name));
}

void Source::send_path(std::string path) {
    fs().stat(path, completion<FileInfo>([this, path](Result<FileInfo> info) { on_stat(path, std::move(info)); }));
}

void Source::on_stat(std::string path, Result<FileInfo> info) {
    if (!info) return send_warning(describe(path, info.failure().text()));
    // A newline would end the record early and let the name speak protocol.
    if (last_component(path).find('\n') != std::string_view::npos) {
        return send_warning(describe(path, "name contains a newline"));
    }
    switch (info.value().type) {
    case FileType::directory:
        if (!command().recursive) return send_warning(describe(path, "not a regular file"));
        fs().list_directory(path, completion<std::vector<std::string>>(
                                      [this, path, attributes = info.value()](Result<std::vector<std::string>> names) {
                                          on_listed(path, attributes, std::move(names));
                                      }));
        return;
    case FileType::regular:
        emit(TransferStarted{Direction::source, path, info.value().size});
        m_download = Download{path, std::nullopt, {}, 0, std::nullopt};
        fs().open_for_reading(path, completion<OpenedFile>([this, path](Result<OpenedFile> opened) {
                                  on_opened(path, std::move(opened));
                              }));
        return;
    case FileType::other:
        return send_warning(describe(path, "not a regular file"));
    }
}

void Source::on_listed(std::string path, FileInfo info, Result<std::vector<std::string>> names) {
    if (!names) return send_warning(describe(path, names.failure().text()));
    std::sort(names.value().begin(), names.value().end());  // a stable order for the client and tests
    m_entering = Frame{std::move(path), std::move(names.value()), 0};
    m_entering_info = info;
    if (command().preserve) {
        send(encode_times_record(info.times));
        m_awaiting = Awaiting::directory_times;
        return;
    }
    send_directory_record();
}

void Source::send_directory_record() {
    send(encode_directory_record(m_entering_info->mode, last_component(m_entering->path)));
    m_awaiting = Awaiting::directory_record;
}

void Source::on_opened(std::string path, Result<OpenedFile> opened) {
    if (!opened) {
        send_warning(describe(path, opened.failure().text()));
        return end_download(opened.failure());
    }
    m_download->file = opened.value().id;
    m_download->info = opened.value().info;
    if (m_download->info.type != FileType::regular) {
        on_abandon();
        send_warning(describe(path, "not a regular file"));
        return end_download(false, "not a regular file");
    }
    if (command().preserve) {
        send(encode_times_record(m_download->info.times));
        m_awaiting = Awaiting::file_times;
        return;
    }
    send_file_record();
}

void Source::send_file_record() {
    const Download& download = *m_download;
    send(encode_file_record(download.info.mode, download.info.size, last_component(download.path)));
    m_awaiting = Awaiting::file_record;
}

// ---- file data -----------------------------------------------------------------------------

// Exactly the announced size goes out: if the file shrinks or a read fails, the rest is zeros
// and an error line replaces the final \0 (OpenSSH does the same to stay in step).
bool Source::step_streaming() {
    if (buffered_output() >= limits().max_buffered_output) return false;
    Download& download = *m_download;
    if (download.sent == download.info.size) {
        m_streaming = false;
        on_abandon();  // reading is done: release the file
        if (download.read_failure) {
            send_warning(describe(download.path, download.read_failure->text()));
        } else {
            send_ok();
        }
        m_awaiting = Awaiting::file_status;
        return true;
    }
    const auto wanted = static_cast<std::size_t>(
        std::min<std::uint64_t>(download.info.size - download.sent, limits().io_chunk));
    if (download.read_failure) {
        send(Bytes(wanted, 0));
        download.sent += wanted;
        return true;
    }
    fs().read(*download.file, download.sent, wanted, completion<Bytes>([this, wanted](Result<Bytes> data) {
        Download& current = *m_download;
        if (!data) {
            current.read_failure = data.failure();
            return;
        }
        if (data.value().empty()) {
            current.read_failure = Failure{Error::io_error, "file shrank while being sent"};
            return;
        }
        const auto n = std::min(data.value().size(), wanted);
        send(std::span<const std::uint8_t>(data.value()).first(n));
        current.sent += n;
    }));
    return true;
}

void Source::end_download(bool ok, std::string error, std::optional<Error> code) {
    emit(TransferFinished{Direction::source, m_download->path, m_download->sent, ok, std::move(error), code});
    m_download.reset();
}

}  // namespace wharf::scp::detail
