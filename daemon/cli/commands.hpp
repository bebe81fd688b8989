// Operator commands shared by the `wharfd` and `wharf` executables. Each returns an exit code
// and writes its results to stdout and its errors to stderr.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace wharf::cli {

/// Loads and validates a configuration; prints every problem as file:line:col.
int check_config(const std::filesystem::path& file);

/// `wharf passwd [--stdin]`: reads a password (twice on a terminal) and prints its argon2id hash.
int passwd(std::span<const std::string_view> args);

/// `wharf keygen -t ed25519|ecdsa|ecdsa-384|ecdsa-521|rsa [-b bits] [-C comment] -f FILE`.
int keygen(std::span<const std::string_view> args);

/// `wharf exec [options] USER@HOST COMMAND...`: runs a command over SSH; returns its status.
int exec(std::span<const std::string_view> args);

/// `wharf sftp [options] COMMAND USER@HOST ARGS...`: one SFTP operation (put, get, ls, stat,
/// rm, mkdir, rmdir, mv); 0 on success, 1 when the server refused it, 255 on connection errors.
int sftp_client(std::span<const std::string_view> args);

/// `wharf oftp send ...`: one OFTP session as initiator offering the named files; 0 when every
/// file was delivered, 1 when one was refused or not sent, 255 when no session came up.
int oftp_client(std::span<const std::string_view> args);

/// Prepares a demo directory (config, data, credentials) and returns the config to run.
std::filesystem::path prepare_demo(const std::filesystem::path& dir);

}  // namespace wharf::cli
