#include "protocols/scp/filesystem.hpp"

namespace wharf::scp {

std::string_view error_text(Error error) noexcept {
    switch (error) {
    case Error::no_such_file: return "No such file or directory";
    case Error::permission_denied: return "Permission denied";
    case Error::not_a_directory: return "Not a directory";
    case Error::is_a_directory: return "Is a directory";
    case Error::file_exists: return "File exists";
    case Error::quota_exceeded: return "Disk quota exceeded";
    case Error::no_space: return "No space left on device";
    case Error::read_only: return "Read-only file system";
    case Error::invalid_name: return "Invalid argument";
    case Error::io_error: return "Input/output error";
    }
    return "Input/output error";
}

}  // namespace wharf::scp
