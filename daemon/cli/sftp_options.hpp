// `wharf sftp` options: what comes before the command (connection, authentication, host key,
// engine and transfer defaults, output) and the words of the command itself. Parsing only;
// sftp.cpp connects and runs.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/cli/ssh_client.hpp"
#include "protocols/sftp/client_engine.hpp"
#include "protocols/sftp/client_engine_transfer.hpp"

namespace wharf::cli {

// Transfer defaults every put/get/mirror starts from; a command's own flags override them.
struct TransferDefaults {
    sftp::TransferOptions pipeline;  // --requests, --request-size
    std::size_t simultaneous = 4;    // --parallel: files in flight at once in queues and mirrors
    bool json = false;               // --json: one JSON result line per file on stdout
    bool sha256 = false;             // --sha256: the JSON line carries the file's SHA-256
    bool progress = true;            // --no-progress: never draw progress (only ever on a TTY)
};

struct SftpOptions {
    SshClientOptions ssh;
    sftp::ClientConfig engine;
    TransferDefaults transfer;
    std::optional<std::string> batch_file;  // -b FILE ("-" for stdin)
    // The command and its words with USER@HOST taken out (and a USER@HOST:PATH argument
    // replaced by its PATH); empty in batch mode.
    std::vector<std::string> command;
};

// nullopt after printing what is wrong (the caller prints the usage and exits 2).
[[nodiscard]] std::optional<SftpOptions> parse_sftp_options(std::span<const std::string_view> args);

// Prints the synopsis to stderr; returns 2.
int sftp_usage();

}  // namespace wharf::cli
