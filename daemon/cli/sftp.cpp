// `wharf sftp`: SFTP commands against an SSH server (wharfd or OpenSSH) over the sans-I/O
// client engine, one-shot (`wharf sftp get USER@HOST:REMOTE LOCAL`) or from a batch file
// (`-b FILE USER@HOST`). Exit codes: 0 all done; 1 an operation failed (the message names it
// and the SSH_FX status); 2 usage; 255 connection or authentication trouble.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "daemon/cli/commands.hpp"
#include "daemon/cli/sftp_commands.hpp"
#include "daemon/cli/sftp_options.hpp"

namespace wharf::cli {

int sftp_client(std::span<const std::string_view> args) {
    const auto options = parse_sftp_options(args);
    if (!options) return sftp_usage();
    if (!options->command.empty()) {
        try {  // usage errors before connecting
            (void)parse_command_args(*find_command(options->command[0]),
                                     std::span<const std::string>(options->command).subspan(1));
        } catch (const UsageError& e) {
            fmt::print(stderr, "wharf sftp: {}\n", e.what());
            return 2;
        }
    }
    std::ifstream batch_file;
    if (options->batch_file && *options->batch_file != "-") {
        batch_file.open(*options->batch_file);
        if (!batch_file) {
            fmt::print(stderr, "wharf sftp: cannot read {}\n", *options->batch_file);
            return 2;
        }
    }
    try {
        SshClient client(options->ssh);
        client.connect();
        SftpSession session(client, options->engine);
        SftpContext context(session, *options);
        if (options->batch_file) {
            run_batch(context, batch_file.is_open() ? batch_file : std::cin, *options->batch_file);
        } else {
            run_command(context, options->command);
        }
        client.disconnect();
        return 0;
    } catch (const UsageError& e) {
        fmt::print(stderr, "wharf sftp: {}\n", e.what());
        return 2;
    } catch (const OperationFailed& e) {
        fmt::print(stderr, "wharf sftp: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wharf sftp: {}\n", e.what());
        return 255;
    }
}

}  // namespace wharf::cli
