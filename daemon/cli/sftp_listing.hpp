// Remote directory listings for `wharf sftp`, shared by the listing commands (ls, rm with masks)
// and the transfers (get of a mask, get -r).
#pragma once

#include <string>
#include <vector>

#include "daemon/cli/file_mask.hpp"
#include "daemon/cli/sftp_commands.hpp"

namespace wharf::cli {

// Every entry of the directory `path` except "." and "..", sorted by name. Throws
// OperationFailed ("opendir PATH: SSH_FX_...") when the server refuses.
[[nodiscard]] std::vector<sftp::NameEntry> list_directory(SftpContext& context, const std::string& path);

// A remote path whose last component may be a mask: "/in/*.edi" -> the entries of "/in" that
// match "*.edi" and `masks` (dot files included); a path without wildcards -> that one entry
// if `masks` admit its name (stat'ed, so its attributes are filled; `\*` in it is a literal
// `*`). Entries keep their own file names; the directory part of `pattern` is returned in
// `directory` ("." when `pattern` has no '/'; trailing slashes ignored). Only the last
// component may have wildcards. Throws OperationFailed when the listing or stat fails.
struct RemoteMatches {
    std::string directory;
    std::vector<sftp::NameEntry> entries;
};
[[nodiscard]] RemoteMatches remote_matches(SftpContext& context, const std::string& pattern, const FileMasks& masks);

}  // namespace wharf::cli
