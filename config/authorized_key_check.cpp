#include "config/detail/password_format.hpp"
#include "protocols/ssh/key_file.hpp"

namespace wharf::config::detail {

std::optional<std::string> authorized_key_problem(std::string_view line) {
    try {
        (void)ssh::parse_openssh_public_key_line(line);
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string("not a valid authorized_keys line: ") + e.what();
    }
}

}  // namespace wharf::config::detail
