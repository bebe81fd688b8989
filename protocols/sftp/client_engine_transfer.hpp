// Whole-file upload and download over a ClientEngine with many READ/WRITE requests in flight,
// shaped like OpenSSH's do_download/do_upload. Still sans-I/O: local bytes come from an
// UploadSource and go to a DownloadSink the caller supplies.
//
// Download: OPEN for reading, READs of `request_size` at increasing offsets while fewer than
// `max_requests` are in flight. A short DATA re-requests the rest of its range (the server may
// cap what it reads); EOF at an offset stops new reads past it; requests already out still
// complete. Replies land at their own offsets in any order, so the sink writes positionally.
// The file is complete when nothing is in flight and an EOF was seen; its size is the offset
// of the first EOF, which must equal the end of the data received (else it changed under us).
//
// Upload: OPEN create/truncate, then WRITEs of up to `request_size` bytes read in order from the
// source, at most `max_requests` in flight, then CLOSE.
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

// Receives downloaded bytes at their offset; false if they could not be stored (the transfer
// then fails with SSH_FX_FAILURE "local write failed").
using DownloadSink = std::function<bool(std::uint64_t offset, ssh::ByteView data)>;

// Hands over the next upload bytes in order: at most `max_length`, empty at the end of the
// input, nullopt if reading failed (the transfer then fails with SSH_FX_FAILURE "local read
// failed").
using UploadSource = std::function<std::optional<ssh::Bytes>(std::size_t max_length)>;

// Start a transfer on a ready() engine; they complete through the engine's receive(), like any
// request. The engine must outlive the transfer (it does if it is driven to idle()).
// Throws std::invalid_argument for max_requests or request_size of 0, std::logic_error
// before ready().
void download(ClientEngine& engine, std::string remote_path, DownloadSink sink,
              TransferOptions options, ClientEngine::Done<std::uint64_t> done);
// `create_attrs` go with the OPEN (permissions for a new file, typically).
void upload(ClientEngine& engine, std::string remote_path, UploadSource source,
            TransferOptions options, FileAttributes create_attrs,
            ClientEngine::Done<std::uint64_t> done);

}  // namespace wharf::sftp
