// Remote directory listings (see sftp_listing.hpp).
#include "daemon/cli/sftp_listing.hpp"

#include <algorithm>

namespace wharf::cli {

std::vector<sftp::NameEntry> list_directory(SftpContext& context, const std::string& path) {
    auto& session = context.session();
    auto& engine = context.engine();
    const auto handle = checked(session.call<std::string>([&](auto done) { engine.opendir(path, std::move(done)); }),
                                "opendir " + path);
    std::vector<sftp::NameEntry> entries;
    while (true) {
        auto batch = session.call<std::vector<sftp::NameEntry>>([&](auto done) { engine.readdir(handle, std::move(done)); });
        if (!batch && batch.error() == sftp::StatusCode::eof) break;
        for (auto& entry : checked(std::move(batch), "readdir " + path)) entries.push_back(std::move(entry));
    }
    checked(session.call<void>([&](auto done) { engine.close(handle, std::move(done)); }), "close " + path);
    std::erase_if(entries, [](const sftp::NameEntry& e) { return e.filename == "." || e.filename == ".."; });
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.filename < b.filename; });
    return entries;
}

RemoteMatches remote_matches(SftpContext& context, const std::string& pattern, const FileMasks& masks) {
    const auto slash = pattern.rfind('/');
    std::string directory = slash == std::string::npos ? "." : pattern.substr(0, slash == 0 ? 1 : slash);
    const std::string last = slash == std::string::npos ? pattern : pattern.substr(slash + 1);
    RemoteMatches matches{directory, {}};
    if (has_wildcards(last)) {
        for (auto& entry : list_directory(context, directory)) {
            if (mask_matches(last, entry.filename, masks.ignore_case()) && masks.matches(entry.filename)) {
                matches.entries.push_back(std::move(entry));
            }
        }
        return matches;
    }
    if (!masks.matches(last)) return matches;
    auto& engine = context.engine();
    auto attrs = checked(context.session().call<sftp::FileAttributes>(
                             [&](auto done) { engine.stat(pattern, std::move(done)); }),
                         "stat " + pattern);
    sftp::NameEntry entry;
    entry.filename = last;
    entry.attrs = std::move(attrs);
    matches.entries.push_back(std::move(entry));
    return matches;
}

}  // namespace wharf::cli
