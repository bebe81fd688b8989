// Pipelined transfers (see client_engine_transfer.hpp). Each transfer is a small object kept
// alive by the completions it has handed to the engine (shared_from_this), so it lives exactly
// as long as a request of its own is in flight.
#include "protocols/sftp/client_engine_transfer.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

namespace {

using Done = ClientEngine::Done<std::uint64_t>;
constexpr std::uint64_t kNoEnd = std::numeric_limits<std::uint64_t>::max();

TransferOptions checked(const ClientEngine& engine, TransferOptions options) {
    if (options.max_requests == 0 || options.request_size == 0) {
        throw std::invalid_argument("sftp transfer: max_requests and request_size must be > 0");
    }
    if (!engine.ready() && !engine.failed()) {
        throw std::logic_error("sftp transfer: started before SSH_FXP_VERSION");
    }
    options.request_size = std::min(options.request_size, engine.max_data_length());
    return options;
}

// What the two directions share: the handle, the in-flight count, the first failure, and the
// close that ends it all.
class Transfer {
protected:
    Transfer(ClientEngine& engine, TransferOptions options, Done done)
        : m_engine(engine), m_options(options), m_done(std::move(done)) {}

    void remember(const ClientFailure& failure) {
        if (!m_failure) m_failure = failure;
    }

    // Once nothing is in flight: close the handle and report. Runs once.
    void finish_when_drained(std::shared_ptr<Transfer> self, std::uint64_t bytes) {
        if (m_in_flight > 0 || m_finished) return;
        m_finished = true;
        m_engine.close(m_handle, [self = std::move(self), bytes](ClientResult<void> closed) {
            if (self->m_failure) return self->m_done(*self->m_failure);
            if (!closed) return self->m_done(closed.failure());
            self->m_done(bytes);
        });
    }

    ClientEngine& m_engine;
    TransferOptions m_options;
    Done m_done;
    std::string m_handle;
    std::size_t m_in_flight = 0;
    std::optional<ClientFailure> m_failure;
    bool m_finished = false;
};

class Download final : public Transfer, public std::enable_shared_from_this<Download> {
public:
    Download(ClientEngine& engine, TransferOptions options, ByteRange range, DownloadSink sink,
             Done done)
        : Transfer(engine, options, std::move(done)),
          m_sink(std::move(sink)),
          m_start(range.offset),
          m_range_end(range.length && *range.length <= kNoEnd - range.offset
                          ? range.offset + *range.length
                          : kNoEnd),
          m_next_offset(range.offset),
          m_window(static_cast<std::uint64_t>(options.max_requests) * options.request_size) {}

    void start(std::string path) {
        m_engine.open(std::move(path), open_for_reading(), {},
                      [self = shared_from_this()](ClientResult<std::string> opened) {
                          if (!opened) return self->m_done(opened.failure());
                          self->m_handle = std::move(opened.value());
                          self->request_more();
                      });
    }

private:
    void request_more() {
        while (!m_failure && !m_eof_at && m_next_offset < m_range_end &&
               m_in_flight < m_options.max_requests && within_window(m_next_offset)) {
            const std::uint64_t offset = m_next_offset;
            const auto length = static_cast<std::uint32_t>(
                std::min<std::uint64_t>(m_options.request_size, m_range_end - offset));
            m_next_offset += length;
            read_range(offset, length);
        }
        // With nothing in flight the loop above would have asked for more unless the range is
        // done, the file ended or something failed.
        if (m_in_flight == 0) check_and_finish();
    }

    [[nodiscard]] bool within_window(std::uint64_t offset) const {
        return m_awaited.empty() || offset - *m_awaited.begin() < m_window;
    }

    void read_range(std::uint64_t offset, std::uint32_t length) {
        ++m_in_flight;
        m_awaited.insert(offset);
        m_engine.read(m_handle, offset, length,
                      [self = shared_from_this(), offset, length](ClientResult<ssh::Bytes> data) {
                          --self->m_in_flight;
                          self->m_awaited.erase(offset);
                          self->on_data(offset, length, data);
                          self->request_more();
                      });
    }

    void on_data(std::uint64_t offset, std::uint32_t length, ClientResult<ssh::Bytes>& result) {
        if (!result) {
            if (result.error() == StatusCode::eof) return note_eof(offset);
            return remember(result.failure());
        }
        const ssh::Bytes& data = result.value();
        if (data.size() > length) {
            return remember({StatusCode::bad_message, "the server sent more data than asked"});
        }
        // An empty DATA says nothing more is there, like EOF; re-asking would loop forever.
        if (data.empty()) return note_eof(offset);
        if (m_failure) return;
        if (!m_sink(offset, ssh::ByteView(data))) {
            return remember({StatusCode::failure, "local write failed"});
        }
        m_received += data.size();
        m_end = std::max(m_end, offset + data.size());
        if (data.size() < length) {
            read_range(offset + data.size(), length - static_cast<std::uint32_t>(data.size()));
        }
    }

    void note_eof(std::uint64_t offset) { m_eof_at = std::min(m_eof_at.value_or(offset), offset); }

    // Every byte from the start to the end (the first EOF, else the range's end) came exactly
    // once; anything else means the file grew or shrank while we read it.
    void check_and_finish() {
        if (m_in_flight > 0 || m_finished) return;
        if (!m_failure) {
            const std::uint64_t end = m_eof_at ? std::min(*m_eof_at, m_range_end) : m_range_end;
            const bool whole = end >= m_start && m_received == end - m_start &&
                               (m_received == 0 || m_end == end);
            if (!whole) remember({StatusCode::failure, "the file changed during the download"});
        }
        finish_when_drained(shared_from_this(), m_received);
    }

    DownloadSink m_sink;
    const std::uint64_t m_start;
    const std::uint64_t m_range_end;  // kNoEnd for "to the end of the file"
    std::uint64_t m_next_offset;
    const std::uint64_t m_window;     // how far past the lowest awaited offset reads may go
    std::set<std::uint64_t> m_awaited;  // offsets of the READs in flight
    std::optional<std::uint64_t> m_eof_at;  // the lowest offset answered with EOF
    std::uint64_t m_received = 0;
    std::uint64_t m_end = 0;  // the end of the furthest data received
};

class Upload final : public Transfer, public std::enable_shared_from_this<Upload> {
public:
    Upload(ClientEngine& engine, TransferOptions options, UploadSource source, Done done)
        : Transfer(engine, options, std::move(done)), m_source(std::move(source)) {}

    void start(std::string path, FileAttributes attrs, UploadMode mode, std::uint64_t offset) {
        m_offset = m_first_offset = offset;
        m_engine.open(std::move(path), upload_open_mode(mode), std::move(attrs),
                      [self = shared_from_this(), mode](ClientResult<std::string> opened) {
                          if (!opened) return self->m_done(opened.failure());
                          self->m_handle = std::move(opened.value());
                          if (mode == UploadMode::append) return self->start_at_end();
                          self->send_more();
                      });
    }

private:
    void start_at_end() {
        ++m_in_flight;
        m_engine.fstat(m_handle, [self = shared_from_this()](ClientResult<FileAttributes> attrs) {
            --self->m_in_flight;
            if (!attrs) {
                self->remember(attrs.failure());
            } else if (!attrs.value().size) {
                self->remember({StatusCode::failure, "the server did not say how large the file is"});
            } else {
                self->m_offset = self->m_first_offset = *attrs.value().size;
            }
            self->send_more();
        });
    }

    void send_more() {
        while (!m_failure && !m_input_done && m_in_flight < m_options.max_requests) {
            auto chunk = m_source(m_options.request_size);
            if (!chunk) {
                remember({StatusCode::failure, "local read failed"});
            } else if (chunk->empty()) {
                m_input_done = true;
            } else {
                send(std::move(*chunk));
            }
        }
        if (m_failure || m_input_done) {
            finish_when_drained(shared_from_this(), m_offset - m_first_offset);
        }
    }

    void send(ssh::Bytes chunk) {
        const std::uint64_t offset = m_offset;
        m_offset += chunk.size();
        ++m_in_flight;
        m_engine.write(m_handle, offset, std::move(chunk),
                       [self = shared_from_this()](ClientResult<void> written) {
                           --self->m_in_flight;
                           if (!written) self->remember(written.failure());
                           self->send_more();
                       });
    }

    UploadSource m_source;
    std::uint64_t m_first_offset = 0;
    std::uint64_t m_offset = 0;
    bool m_input_done = false;
};

void start_upload(ClientEngine& engine, std::string remote_path, UploadSource source,
                  TransferOptions options, FileAttributes create_attrs, UploadMode mode,
                  std::uint64_t offset, Done done) {
    options = checked(engine, options);
    std::make_shared<Upload>(engine, options, std::move(source), std::move(done))
        ->start(std::move(remote_path), std::move(create_attrs), mode, offset);
}

}  // namespace

OpenMode upload_open_mode(UploadMode mode) noexcept {
    OpenMode open = open_for_writing();
    switch (mode) {
        case UploadMode::replace: break;
        case UploadMode::at_offset: open.flags = open_flags::open_or_create; break;
        case UploadMode::append:
            open.desired_access |= ace4::append_data;
            open.flags = open_flags::open_or_create | open_flags::append_data;
            break;
    }
    return open;
}

void download(ClientEngine& engine, std::string remote_path, DownloadSink sink,
              TransferOptions options, ClientEngine::Done<std::uint64_t> done) {
    download_range(engine, std::move(remote_path), {}, std::move(sink), options, std::move(done));
}

void download_range(ClientEngine& engine, std::string remote_path, ByteRange range,
                    DownloadSink sink, TransferOptions options,
                    ClientEngine::Done<std::uint64_t> done) {
    options = checked(engine, options);
    std::make_shared<Download>(engine, options, range, std::move(sink), std::move(done))
        ->start(std::move(remote_path));
}

void upload(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done) {
    start_upload(engine, std::move(remote_path), std::move(source), options,
                 std::move(create_attrs), UploadMode::replace, 0, std::move(done));
}

void upload_range(ClientEngine& engine, std::string remote_path, std::uint64_t offset,
                  UploadSource source, TransferOptions options, FileAttributes create_attrs,
                  ClientEngine::Done<std::uint64_t> done) {
    start_upload(engine, std::move(remote_path), std::move(source), options,
                 std::move(create_attrs), UploadMode::at_offset, offset, std::move(done));
}

void append(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done) {
    start_upload(engine, std::move(remote_path), std::move(source), options,
                 std::move(create_attrs), UploadMode::append, 0, std::move(done));
}

}  // namespace wharf::sftp
