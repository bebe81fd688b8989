// Pipelined file transfers over a ClientEngine with many READ/WRITE requests in flight, shaped
// like OpenSSH's do_download/do_upload. Still sans-I/O: local bytes come from an UploadSource
// and go to a DownloadSink the caller supplies.
//
// Download (of a whole file or a range): OPEN for reading, READs of `request_size` at
// increasing offsets while fewer than `max_requests` are in flight and the next offset lies
// less than max_requests x request_size beyond the lowest one still awaited (so a sink that
// puts data back in order never holds more than that). A short DATA re-requests the rest of
// its range (the server may cap what it reads); EOF at an offset stops new reads past it;
// requests already out still complete. Replies land at their own offsets in any order, so the
// sink writes positionally. The transfer is complete when nothing is in flight and either an
// EOF was seen or the range's end was reached. Bytes received must then be contiguous from
// the start up to the first EOF (else the file changed under us).
//
// Upload: OPEN (see UploadMode), then WRITEs of up to `request_size` bytes read in order from
// the source at increasing offsets, at most `max_requests` in flight, then CLOSE.
//
// Either way the first failure (the server's STATUS, CONNECTION_LOST, or the local side's)
// stops new requests; the ones in flight are waited for, the handle is closed, and `done`
// gets that failure. On success `done` gets the bytes transferred, after CLOSE succeeded.
#pragma once

#include "protocols/sftp/client_engine.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace wharf::sftp {

struct TransferOptions {
    std::size_t max_requests = 64;       // READ/WRITE requests in flight (OpenSSH: 64)
    std::uint32_t request_size = 32768;  // bytes per request (OpenSSH: 32768), capped to what
                                         // one packet carries
};

// Receives downloaded bytes at their (remote file) offset; false if they could not be stored
// (the transfer then fails with SSH_FX_FAILURE "local write failed").
using DownloadSink = std::function<bool(std::uint64_t offset, ssh::ByteView data)>;

// Hands over the next upload bytes in order: at most `max_length`, empty at the end of the
// input, nullopt if reading failed (the transfer then fails with SSH_FX_FAILURE "local read
// failed").
using UploadSource = std::function<std::optional<ssh::Bytes>(std::size_t max_length)>;

// The part of a remote file a download fetches: from `offset`, at most `length` bytes (to the
// end of the file without one). A file that ends inside the range is no failure: `done` gets
// the bytes there were.
struct ByteRange {
    std::uint64_t offset = 0;
    std::optional<std::uint64_t> length;
};

// How an upload opens the remote file and where its bytes go.
enum class UploadMode {
    // Create or truncate; bytes from offset 0.
    replace,
    // Create if missing, never truncate; bytes from the given offset on (upload_range, resume).
    at_offset,
    // Create if missing; APPEND_DATA (v3 SSH_FXF_APPEND), so the server puts every WRITE at
    // the end whatever its offset (-13 8.1.1.3). The offsets sent still start at the size
    // FSTAT reports after OPEN, so a server that ignores the flag appends too.
    append,
};

// Start a transfer on a ready() engine; they complete through the engine's receive(), like any
// request. The engine must outlive the transfer (it does if it is driven to idle()).
// Throws std::invalid_argument for max_requests or request_size of 0, std::logic_error
// before ready().
void download(ClientEngine& engine, std::string remote_path, DownloadSink sink,
              TransferOptions options, ClientEngine::Done<std::uint64_t> done);
// Bytes `range` of the remote file; the sink sees remote offsets (range.offset first).
void download_range(ClientEngine& engine, std::string remote_path, ByteRange range,
                    DownloadSink sink, TransferOptions options,
                    ClientEngine::Done<std::uint64_t> done);

// `create_attrs` go with the OPEN (permissions for a new file, typically).
void upload(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done);
// The source's bytes written from `offset` on into the remote file, created if missing and
// never truncated (what resume needs: the bytes before `offset` stay as they are).
void upload_range(ClientEngine& engine, std::string remote_path, std::uint64_t offset,
                  UploadSource source, TransferOptions options, FileAttributes create_attrs,
                  ClientEngine::Done<std::uint64_t> done);
// The source's bytes appended to the remote file (created if missing).
void append(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done);

// The OPEN mode each UploadMode uses (write access, create, the disposition and flags above).
[[nodiscard]] OpenMode upload_open_mode(UploadMode mode) noexcept;

}  // namespace wharf::sftp
