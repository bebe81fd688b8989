// ServerEngine: READ and WRITE on handles opened with SSH_FXF_TEXT (v4) / SSH_FXF_TEXT_MODE
// (v5+). -13 8.1.1.3: offsets are ignored, and parallel requests must work, which the draft
// allows by serialising them. So each text handle keeps one position in the file's own bytes,
// shared by reads and writes like a C stream's, and runs its READ/WRITE requests one at a
// time in arrival order. Reads translate the server's newline to the wire's, writes back.
//
// A READ asks the file system for few enough bytes that the translation cannot exceed the
// client's length, and a separator cut at the end of a full read is left for the next one.
// A separator split across two WRITEs is not joined: each WRITE is translated on its own.
#include "protocols/sftp/server_engine.hpp"

#include "protocols/sftp/detail/server_engine_completion.hpp"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

namespace wharf::sftp {

namespace {

struct Translation {
    ssh::Bytes out;
    std::size_t consumed = 0;  // input bytes the output stands for
};

bool starts_with_at(ssh::ByteView in, std::size_t at, std::string_view text) {
    const std::size_t n = std::min(in.size() - at, text.size());
    return std::equal(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n),
                      in.begin() + static_cast<std::ptrdiff_t>(at));
}

// Replaces each `from` in `in` by `to`, stopping before the output would pass `limit`. With
// `hold_partial`, a trailing piece of `from` is left unconsumed (the rest may follow).
Translation translate(ssh::ByteView in, std::string_view from, std::string_view to,
                      std::size_t limit, bool hold_partial) {
    Translation t;
    std::size_t at = 0;
    while (at < in.size()) {
        const bool partial = in.size() - at < from.size();
        if (starts_with_at(in, at, from)) {
            if (!partial) {
                if (t.out.size() + to.size() > limit) break;
                t.out.insert(t.out.end(), to.begin(), to.end());
                at += from.size();
                continue;
            }
            if (hold_partial) break;
        }
        if (t.out.size() + 1 > limit) break;
        t.out.push_back(in[at++]);
    }
    t.consumed = at;
    return t;
}

std::uint32_t text_request_id(const std::variant<Read, Write>& request) {
    return std::visit([](const auto& m) { return m.request_id; }, request);
}

}  // namespace

std::string ServerEngine::wire_newline() const {
    return m_config.announce_newline ? m_config.newline : std::string("\r\n");
}

void ServerEngine::queue_text_request(const std::string& key, OpenHandle& handle,
                                      TextRequest request) {
    if (!handle.text_busy) {
        start_text_request(key, handle, std::move(request));
        return;
    }
    // Counted as outstanding, so queued requests (WRITE data) are bounded like issued ones.
    ++m_outstanding;
    handle.text_queue.push_back(std::move(request));
}

void ServerEngine::start_text_request(const std::string& key, OpenHandle& handle,
                                      TextRequest request) {
    handle.text_busy = true;
    if (auto* read = std::get_if<Read>(&request)) {
        text_read(key, handle, *read);
    } else {
        text_write(key, handle, std::get<Write>(request));
    }
}

void ServerEngine::finish_text_request(const std::string& key) {
    const auto it = m_handles.find(key);
    if (it == m_handles.end()) return;  // closed meanwhile; CLOSE answered the queue
    OpenHandle& handle = it->second;
    handle.text_busy = false;
    if (handle.text_queue.empty()) return;
    TextRequest next = std::move(handle.text_queue.front());
    handle.text_queue.pop_front();
    --m_outstanding;
    start_text_request(key, handle, std::move(next));
}

// CLOSE invalidates the handle at once (-13 8.1.3): what still waits gets INVALID_HANDLE.
void ServerEngine::drop_text_queue(OpenHandle& handle) {
    for (const TextRequest& request : handle.text_queue) {
        --m_outstanding;
        send_status(text_request_id(request), StatusCode::invalid_handle);
    }
    handle.text_queue.clear();
}

void ServerEngine::text_read(const std::string& key, OpenHandle& handle, const Read& m) {
    const std::uint32_t id = m.request_id;
    const std::uint32_t length = std::min(m.length, m_config.max_read_length);
    const std::string from = m_config.newline;
    const std::string to = wire_newline();
    // If every byte began a separator the output would grow by to/from; ask for no more.
    std::uint32_t file_length = length;
    if (to.size() > from.size()) {
        file_length = static_cast<std::uint32_t>(
            std::max<std::uint64_t>(1, std::uint64_t{length} * from.size() / to.size()));
    }
    m_fs.read(id, handle.fs, handle.text_position, file_length,
              settle<ssh::Bytes>(id, [this, id, key, length, file_length, from,
                                      to](Result<ssh::Bytes>& r) {
                  if (!r) {
                      send_failure(id, r.failure());
                  } else if (r.value().empty()) {
                      send_status(id, StatusCode::eof);
                  } else {
                      const ssh::ByteView data(r.value());
                      // A short read is the end of the file: nothing more can complete a
                      // separator cut there.
                      const bool full = data.size() >= file_length;
                      Translation t = translate(data, from, to, length, full);
                      if (t.consumed == 0) t = translate(data, from, to, length, false);
                      if (t.consumed == 0) {
                          // Only possible when `length` is shorter than one separator.
                          send_error(id, Error::invalid_parameter);
                      } else {
                          const auto it = m_handles.find(key);
                          if (it != m_handles.end()) it->second.text_position += t.consumed;
                          m_out.write(Data{id, std::move(t.out), std::nullopt}, *m_version);
                      }
                  }
                  finish_text_request(key);
              }));
}

void ServerEngine::text_write(const std::string& key, OpenHandle& handle, Write& m) {
    const std::uint32_t id = m.request_id;
    Translation t = translate(ssh::ByteView(m.data), wire_newline(), m_config.newline,
                              std::numeric_limits<std::size_t>::max(), false);
    const std::uint64_t size = t.out.size();
    m_fs.write(id, handle.fs, handle.text_position, std::move(t.out),
               settle<void>(id, [this, id, key, size](Result<void>& r) {
                   if (r) {
                       const auto it = m_handles.find(key);
                       if (it != m_handles.end()) it->second.text_position += size;
                       send_status(id, StatusCode::ok);
                   } else {
                       send_failure(id, r.failure());
                   }
                   finish_text_request(key);
               }));
}

}  // namespace wharf::sftp
