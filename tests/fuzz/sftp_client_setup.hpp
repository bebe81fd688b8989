// The SFTP client fuzz_sftp_client.cpp drives, shared with make_corpus.cpp so the seeds it
// records issue the same requests, with the same ids, as the harness does.
//
// Input: byte 0 configures the engine and the transfers, byte 1 holds the number of requests
// (low 4 bits) and the upload size in thousands of bytes (high 4 bits), the next that-many bytes
// pick the requests (low 5 bits the kind, high 3 bits a parameter), and everything after is what
// the server sends: VERSION, then replies. The requests go out once VERSION is in (or the engine
// failed), as a real client issues them.
#pragma once

#include "protocols/sftp/client_engine.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace wharf::fuzz {

struct SftpClientScript {
    sftp::ClientConfig config;
    sftp::TransferOptions transfer;
    std::size_t upload_size = 0;
    std::vector<std::uint8_t> ops;
    ssh::ByteView server;  // the server's bytes
};

inline SftpClientScript parse_sftp_client_script(ssh::ByteView input) {
    static constexpr std::size_t kOutstanding[] = {1, 2, 8, 64};
    static constexpr std::size_t kInFlight[] = {1, 3, 16, 64};
    static constexpr std::uint32_t kRequestSize[] = {1, 100, 4096, 32768};
    const std::uint8_t config = input.size() > 0 ? input[0] : 0;
    const std::uint8_t counts = input.size() > 1 ? input[1] : 0;
    SftpClientScript script;
    script.config.max_version = 3 + (config & 3u);
    script.config.max_outstanding = kOutstanding[(config >> 2) & 3u];
    script.transfer.max_requests = kInFlight[(config >> 4) & 3u];
    script.transfer.request_size = kRequestSize[(config >> 6) & 3u];
    script.upload_size = static_cast<std::size_t>(counts >> 4) * 1000;
    const std::size_t header = std::min<std::size_t>(input.size(), 2 + (counts & 15u));
    for (std::size_t i = 2; i < header; ++i) script.ops.push_back(input[i]);
    script.server = input.subspan(header);
    return script;
}

// The kinds of request an op byte picks (low 5 bits). Handles are the server engine's ("0" is
// what the first OPEN or OPENDIR gets), so a recorded session means something.
enum SftpClientOp : std::uint8_t {
    op_open_read, op_open_write, op_close, op_read, op_write, op_stat, op_lstat, op_fstat,
    op_setstat, op_fsetstat, op_opendir, op_readdir, op_remove, op_mkdir, op_rmdir, op_realpath,
    op_rename, op_readlink, op_symlink, op_link, op_posix_rename, op_statvfs, op_fstatvfs,
    op_fsync, op_copy_data, op_check_file_name, op_check_file_handle, op_space_available,
    op_limits, op_home_directory, op_download, op_upload,
};

inline std::uint8_t sftp_client_op(SftpClientOp kind, std::uint8_t parameter = 0) {
    return static_cast<std::uint8_t>(kind | (parameter << 5));
}

// Counts each request's completions: exactly one is the contract.
class CompletionLedger {
public:
    template <class T>
    sftp::ClientEngine::Done<T> expect() {
        const std::size_t slot = m_counts.size();
        m_counts.push_back(0);
        return [this, slot](const sftp::ClientResult<T>&) {
            if (++m_counts[slot] > 1) m_broken = "a request completed twice";
        };
    }
    // The last request was refused before it was issued (std::invalid_argument: not in this
    // version), so no completion is owed.
    void withdraw_last() { m_counts.back() = 1; }

    [[nodiscard]] std::size_t expected() const noexcept { return m_counts.size(); }
    [[nodiscard]] bool all_completed_once() const {
        return std::all_of(m_counts.begin(), m_counts.end(), [](int n) { return n == 1; });
    }
    [[nodiscard]] const std::optional<std::string>& broken() const noexcept { return m_broken; }

private:
    std::vector<int> m_counts;
    std::optional<std::string> m_broken;
};

inline void issue_sftp_client_op(sftp::ClientEngine& engine, const SftpClientScript& script,
                                 std::uint8_t op, CompletionLedger& ledger) {
    const std::uint8_t parameter = op >> 5;
    const std::uint32_t version = engine.version().value_or(script.config.max_version);
    sftp::FileAttributes mode;
    mode.permissions = 0600;
    switch (static_cast<SftpClientOp>(op & 31u)) {
        case op_open_read:
            engine.open("/f", sftp::open_for_reading(), {}, ledger.expect<std::string>());
            break;
        case op_open_write:
            engine.open("/up", sftp::open_for_writing(), mode, ledger.expect<std::string>());
            break;
        case op_close: engine.close("0", ledger.expect<void>()); break;
        case op_read:
            engine.read("0", parameter * 4u, 1u + parameter * 1000u, ledger.expect<ssh::Bytes>());
            break;
        case op_write:
            engine.write("0", parameter * 3u, ssh::Bytes(1u + parameter * 50u, 0x61), ledger.expect<void>());
            break;
        case op_stat: engine.stat(parameter & 1 ? "/l" : "/f", ledger.expect<sftp::FileAttributes>()); break;
        case op_lstat: engine.lstat("/l", ledger.expect<sftp::FileAttributes>()); break;
        case op_fstat: engine.fstat("0", ledger.expect<sftp::FileAttributes>()); break;
        case op_setstat: engine.setstat("/f", mode, ledger.expect<void>()); break;
        case op_fsetstat: engine.fsetstat("0", mode, ledger.expect<void>()); break;
        case op_opendir: engine.opendir(parameter & 1 ? "/home/alice" : "/", ledger.expect<std::string>()); break;
        case op_readdir: engine.readdir(std::to_string(parameter & 3), ledger.expect<std::vector<sftp::NameEntry>>()); break;
        case op_remove: engine.remove("/up", ledger.expect<void>()); break;
        case op_mkdir: engine.mkdir("/d", {}, ledger.expect<void>()); break;
        case op_rmdir: engine.rmdir("/d", ledger.expect<void>()); break;
        case op_realpath: {
            auto done = ledger.expect<sftp::NameEntry>();
            if (parameter & 1) {
                engine.realpath(".", std::move(done), sftp::realpath_control::stat_if);
            } else {
                engine.realpath(".", std::move(done));
            }
            break;
        }
        case op_rename: engine.rename("/up", "/up2", parameter & 3, ledger.expect<void>()); break;
        case op_readlink: engine.readlink("/l", ledger.expect<std::string>()); break;
        case op_symlink: engine.symlink("/s", "/f", ledger.expect<void>()); break;
        case op_link:
            if (version >= 6) {
                engine.link("/hard", "/f", parameter & 1, ledger.expect<void>());
            } else {
                engine.hardlink("/f", "/hard", ledger.expect<void>());
            }
            break;
        case op_posix_rename: engine.posix_rename("/up", "/up3", ledger.expect<void>()); break;
        case op_statvfs: engine.statvfs("/", ledger.expect<sftp::StatvfsReply>()); break;
        case op_fstatvfs: engine.fstatvfs("0", ledger.expect<sftp::StatvfsReply>()); break;
        case op_fsync: engine.fsync("0", ledger.expect<void>()); break;
        case op_copy_data: engine.copy_data({"0", 0, parameter, "0", 6}, ledger.expect<void>()); break;
        case op_check_file_name:
            engine.check_file(sftp::CheckFileName{"/f", "sha256,md5", 0, 0, parameter * 4u},
                              ledger.expect<sftp::CheckFileReply>());
            break;
        case op_check_file_handle:
            engine.check_file(sftp::CheckFileHandle{"0", "md5", 0, 0, 0}, ledger.expect<sftp::CheckFileReply>());
            break;
        case op_space_available: engine.space_available("/", ledger.expect<sftp::SpaceAvailableReply>()); break;
        case op_limits: engine.limits(ledger.expect<sftp::LimitsReply>()); break;
        case op_home_directory: engine.home_directory("", ledger.expect<std::string>()); break;
        case op_download: {
            // parameter 1: the local side fails to store the second piece; 2, 3: byte ranges.
            auto sink = [fail = parameter == 1, pieces = 0](std::uint64_t, ssh::ByteView) mutable {
                return !(fail && ++pieces == 2);
            };
            auto done = ledger.expect<std::uint64_t>();
            if (parameter == 2) {
                sftp::download_range(engine, "/f", {3, 5}, sink, script.transfer, std::move(done));
            } else if (parameter == 3) {
                sftp::download_range(engine, "/f", {4, std::nullopt}, sink, script.transfer, std::move(done));
            } else {
                sftp::download(engine, "/f", sink, script.transfer, std::move(done));
            }
            break;
        }
        case op_upload: {
            // parameter 1: the local side fails to read after the first piece; 2: from offset 2
            // on (resume); 3: append.
            auto source = [left = script.upload_size, fail = parameter == 1,
                           pieces = 0](std::size_t max) mutable -> std::optional<ssh::Bytes> {
                if (fail && ++pieces == 2) return std::nullopt;
                const std::size_t n = std::min(max, left);
                left -= n;
                return ssh::Bytes(n, 0x62);
            };
            auto done = ledger.expect<std::uint64_t>();
            if (parameter == 2) {
                sftp::upload_range(engine, "/up", 2, source, script.transfer, mode, std::move(done));
            } else if (parameter == 3) {
                sftp::append(engine, "/up", source, script.transfer, mode, std::move(done));
            } else {
                sftp::upload(engine, "/up", source, script.transfer, mode, std::move(done));
            }
            break;
        }
    }
}

inline void issue_sftp_client_ops(sftp::ClientEngine& engine, const SftpClientScript& script,
                                  CompletionLedger& ledger) {
    for (const std::uint8_t op : script.ops) {
        try {
            issue_sftp_client_op(engine, script, op, ledger);
        } catch (const std::invalid_argument&) {
            ledger.withdraw_last();  // our own request, refused for the version: not the server's doing
        }
    }
}

// ---- one run: the script against the server's bytes -----------------------------------------

struct SftpClientOutcome {
    std::optional<std::string> broken;  // the first invariant that did not hold
    std::optional<std::string> failure;  // why the engine ended in failed(), if it did
    std::size_t requests = 0;           // completions owed (requests and transfers)
};

// The length of the first frame in `server` with its length field, or all of it when that
// length is invalid or runs past the end.
inline std::size_t first_frame_size(ssh::ByteView server, std::uint32_t max_packet_length) {
    if (server.size() < 4) return server.size();
    const std::uint32_t length = (std::uint32_t{server[0]} << 24) | (std::uint32_t{server[1]} << 16) |
                                 (std::uint32_t{server[2]} << 8) | std::uint32_t{server[3]};
    if (length == 0 || length > max_packet_length) return server.size();
    return std::min<std::size_t>(server.size(), std::size_t{4} + length);
}

// Whether the stream's framing breaks somewhere (a length of 0 or above the maximum).
inline bool framing_breaks(ssh::ByteView server, std::uint32_t max_packet_length) {
    sftp::PacketReader reader(max_packet_length);
    try {
        reader.feed(server);
        while (reader.next()) {
        }
    } catch (const sftp::FramingError&) {
        return true;
    }
    return false;
}

// Runs `input` (see the top of this file) feeding the server's bytes in pieces of `chunk`
// (VERSION and the replies after it split apart first), then EOF, and checks the engine's
// invariants: nothing escapes receive(), every request it writes decodes, a failed engine writes
// nothing more, broken framing leaves it failed, and every request completes exactly once.
inline SftpClientOutcome run_sftp_client(ssh::ByteView input, std::size_t chunk) {
    const SftpClientScript script = parse_sftp_client_script(input);
    SftpClientOutcome outcome;
    CompletionLedger ledger;  // outlives the engine, whose pending callbacks point at it
    sftp::ClientEngine engine(script.config);
    sftp::PacketReader requests(script.config.max_packet_length);
    const auto broken = [&outcome](std::string what) {
        if (!outcome.broken) outcome.broken = std::move(what);
    };
    // Decodes everything the engine wrote.
    const auto drain = [&] {
        while (auto bytes = engine.take_output()) {
            requests.feed(ssh::ByteView(*bytes));
            try {
                while (auto packet = requests.next()) {
                    (void)sftp::decode_request(*packet, engine.version().value_or(script.config.max_version));
                }
            } catch (const std::exception& e) {
                broken(std::string("the engine wrote a request the codec cannot decode: ") + e.what());
            }
        }
    };
    const auto step = [&](auto&& action) {
        const bool was_failed = engine.failed();
        try {
            action();
        } catch (const std::exception& e) {
            broken(std::string("an exception escaped the engine: ") + e.what());
        }
        if (was_failed && engine.has_output()) broken("a failed engine wrote more");
        drain();
    };

    drain();  // INIT
    bool issued = false;
    const std::size_t version_size = first_frame_size(script.server, script.config.max_packet_length);
    for (const auto part : {script.server.first(version_size), script.server.subspan(version_size)}) {
        for (std::size_t pos = 0; pos < part.size(); pos += chunk) {
            step([&] { engine.receive(part.subspan(pos, std::min(chunk, part.size() - pos))); });
            if (!issued && (engine.ready() || engine.failed())) {
                issued = true;
                step([&] { issue_sftp_client_ops(engine, script, ledger); });
            }
        }
    }
    if (framing_breaks(script.server, script.config.max_packet_length) && !engine.failed()) {
        broken("broken framing did not fail the engine");
    }
    step([&] { engine.receive_eof(); });
    if (!engine.failed() && !engine.idle()) broken("requests outstanding after EOF, yet not failed");
    if (ledger.broken()) broken(*ledger.broken());
    if (!ledger.all_completed_once()) broken("a request never completed");
    outcome.failure = engine.failure();
    outcome.requests = ledger.expected();
    return outcome;
}

}  // namespace wharf::fuzz
