#include "protocols/sftp/filesystem.hpp"

#include <utility>

namespace wharf::sftp {

StatusCode status_for_error(Error error, std::uint32_t version) noexcept {
    // The closest code in the newest version; status_for() walks it down to what `version`
    // defines, so this table never needs a per-version column.
    StatusCode code = StatusCode::failure;
    switch (error) {
        case Error::eof: code = StatusCode::eof; break;
        case Error::no_such_file: code = StatusCode::no_such_file; break;
        case Error::no_such_path: code = StatusCode::no_such_path; break;
        case Error::permission_denied: code = StatusCode::permission_denied; break;
        case Error::failure: code = StatusCode::failure; break;
        case Error::bad_message: code = StatusCode::bad_message; break;
        case Error::no_connection: code = StatusCode::no_connection; break;
        case Error::connection_lost: code = StatusCode::connection_lost; break;
        case Error::op_unsupported: code = StatusCode::op_unsupported; break;
        case Error::invalid_handle: code = StatusCode::invalid_handle; break;
        case Error::file_exists: code = StatusCode::file_already_exists; break;
        case Error::write_protect: code = StatusCode::write_protect; break;
        case Error::no_space: code = StatusCode::no_space_on_filesystem; break;
        case Error::quota: code = StatusCode::quota_exceeded; break;
        case Error::dir_not_empty: code = StatusCode::dir_not_empty; break;
        case Error::not_a_directory: code = StatusCode::not_a_directory; break;
        case Error::is_a_directory: code = StatusCode::file_is_a_directory; break;
        case Error::invalid_filename: code = StatusCode::invalid_filename; break;
        case Error::link_loop: code = StatusCode::link_loop; break;
        case Error::invalid_parameter: code = StatusCode::invalid_parameter; break;
        case Error::lock_conflict: code = StatusCode::lock_conflict; break;
    }
    return status_for(version, code);
}

namespace {
constexpr std::pair<HashAlgorithm, std::string_view> kHashNames[] = {
    {HashAlgorithm::md5, "md5"},
    {HashAlgorithm::sha1, "sha1"},
    {HashAlgorithm::sha256, "sha256"},
    {HashAlgorithm::sha512, "sha512"},
};
}  // namespace

std::string_view hash_algorithm_name(HashAlgorithm algorithm) noexcept {
    for (const auto& [value, name] : kHashNames) {
        if (value == algorithm) return name;
    }
    return "";
}

std::optional<HashAlgorithm> hash_algorithm_from_name(std::string_view name) noexcept {
    for (const auto& [value, known] : kHashNames) {
        if (known == name) return value;
    }
    return std::nullopt;
}

}  // namespace wharf::sftp
