#include "config/detail/password_format.hpp"
#include "protocols/ssh/authorized_keys.hpp"

namespace wharf::config::detail {

std::optional<std::string> authorized_key_problem(std::string_view line) {
    try {
        (void)ssh::parse_authorized_key_line(line);
        return std::nullopt;
    } catch (const ssh::AuthorizedKeysError& e) {
        return e.reason();
    }
}

}  // namespace wharf::config::detail
