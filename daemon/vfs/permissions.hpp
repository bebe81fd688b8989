// Per-path permission lookup: the longest rule whose path is a component-wise prefix of
// the queried virtual path decides.
#pragma once

#include "daemon/vfs/policy.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace wharf::vfs {

class PermissionTable {
public:
    PermissionTable() = default;
    /// Rule paths are normalised; of two rules for the same path the later one wins.
    /// Throws std::system_error (Errc::invalid_name) for a rule path that is not valid.
    explicit PermissionTable(const std::vector<PermissionRule>& rules);

    /// Permissions at `path`, a normalised absolute virtual path.
    PermissionSet at(std::string_view path) const;
    bool allows(std::string_view path, PermissionSet needed) const {
        return at(path).contains_all(needed);
    }
    bool empty() const noexcept { return m_rules.empty(); }

private:
    struct Rule {
        std::string path;
        PermissionSet permissions;
    };
    std::vector<Rule> m_rules;  // longest path first
};

}  // namespace wharf::vfs
