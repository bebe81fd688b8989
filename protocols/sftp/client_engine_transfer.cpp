// Pipelined whole-file transfers (see client_engine_transfer.hpp). Each transfer is a small
// object kept alive by the completions it has handed to the engine (shared_from_this), so it
// lives exactly as long as a request of its own is in flight.
#include "protocols/sftp/client_engine_transfer.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

namespace {

using Done = ClientEngine::Done<std::uint64_t>;

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
    Download(ClientEngine& engine, TransferOptions options, DownloadSink sink, Done done)
        : Transfer(engine, options, std::move(done)), m_sink(std::move(sink)) {}

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
        while (!m_failure && !m_eof_at && m_in_flight < m_options.max_requests) {
            const std::uint64_t offset = m_next_offset;
            m_next_offset += m_options.request_size;
            read_range(offset, m_options.request_size);
        }
        if (m_failure || m_eof_at) check_and_finish();
    }

    void read_range(std::uint64_t offset, std::uint32_t length) {
        ++m_in_flight;
        m_engine.read(m_handle, offset, length,
                      [self = shared_from_this(), offset, length](ClientResult<ssh::Bytes> data) {
                          --self->m_in_flight;
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
        m_end = std::max(m_end, offset + data.size());
        if (data.size() < length) {
            read_range(offset + data.size(), length - static_cast<std::uint32_t>(data.size()));
        }
    }

    void note_eof(std::uint64_t offset) { m_eof_at = std::min(m_eof_at.value_or(offset), offset); }

    void check_and_finish() {
        if (m_in_flight > 0 || m_finished) return;
        if (!m_failure && m_eof_at && *m_eof_at != m_end) {
            remember({StatusCode::failure, "the file changed during the download"});
        }
        finish_when_drained(shared_from_this(), m_end);
    }

    DownloadSink m_sink;
    std::uint64_t m_next_offset = 0;
    std::optional<std::uint64_t> m_eof_at;  // the lowest offset answered with EOF
    std::uint64_t m_end = 0;                // the end of the furthest data received
};

class Upload final : public Transfer, public std::enable_shared_from_this<Upload> {
public:
    Upload(ClientEngine& engine, TransferOptions options, UploadSource source, Done done)
        : Transfer(engine, options, std::move(done)), m_source(std::move(source)) {}

    void start(std::string path, FileAttributes attrs) {
        m_engine.open(std::move(path), open_for_writing(), std::move(attrs),
                      [self = shared_from_this()](ClientResult<std::string> opened) {
                          if (!opened) return self->m_done(opened.failure());
                          self->m_handle = std::move(opened.value());
                          self->send_more();
                      });
    }

private:
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
        if (m_failure || m_input_done) finish_when_drained(shared_from_this(), m_offset);
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
    std::uint64_t m_offset = 0;
    bool m_input_done = false;
};

}  // namespace

void download(ClientEngine& engine, std::string remote_path, DownloadSink sink,
              TransferOptions options, ClientEngine::Done<std::uint64_t> done) {
    options = checked(engine, options);
    std::make_shared<Download>(engine, options, std::move(sink), std::move(done))
        ->start(std::move(remote_path));
}

void upload(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done) {
    options = checked(engine, options);
    std::make_shared<Upload>(engine, options, std::move(source), std::move(done))
        ->start(std::move(remote_path), std::move(create_attrs));
}

}  // namespace wharf::sftp
