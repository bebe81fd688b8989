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
    std::optional<sftp::ClientFailure> failure;
    while (!failure) {
        auto batch = session.call<std::vector<sftp::NameEntry>>(
            [&](auto done) { engine.readdir(handle, std::move(done)); });
        if (!batch) {
            if (batch.error() != sftp::StatusCode::eof) failure = batch.failure();
            break;
        }
        for (auto& entry : batch.value()) entries.push_back(std::move(entry));
    }
    // Closed on a failed READDIR too: a batch file goes on using the session.
    const auto closed = session.call<void>([&](auto done) { engine.close(handle, std::move(done)); });
    if (failure) throw OperationFailed("readdir " + path + ": " + sftp::describe(*failure));
    checked(closed, "close " + path);
    std::erase_if(entries, [](const sftp::NameEntry& e) { return e.filename == "." || e.filename == ".."; });
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.filename < b.filename; });
    return entries;
}

RemoteMatches remote_matches(SftpContext& context, const std::string& pattern, const FileMasks& masks) {
    std::string_view trimmed = pattern;  // "in/" names "in"
    while (trimmed.size() > 1 && trimmed.ends_with('/')) trimmed.remove_suffix(1);
    const auto slash = trimmed.rfind('/');
    std::string directory(slash == std::string_view::npos ? "." : trimmed.substr(0, slash == 0 ? 1 : slash));
    const std::string_view last = slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1);
    RemoteMatches matches{directory, {}};
    if (has_wildcards(last)) {
        for (auto& entry : list_directory(context, directory)) {
            if (mask_matches(last, entry.filename, masks.ignore_case()) && masks.matches(entry.filename)) {
                matches.entries.push_back(std::move(entry));
            }
        }
        return matches;
    }
    // No wildcards: the last component names one entry, its escapes taken out.
    std::string name = unescape_mask(last);
    if (!masks.matches(name)) return matches;
    const std::string path = slash == std::string_view::npos ? name
                             : directory.ends_with('/')      ? directory + name
                                                             : directory + '/' + name;
    auto& engine = context.engine();
    auto attrs = checked(context.session().call<sftp::FileAttributes>(
                             [&](auto done) { engine.stat(path, std::move(done)); }),
                         "stat " + path);
    sftp::NameEntry entry;
    entry.filename = std::move(name);
    entry.attrs = std::move(attrs);
    matches.entries.push_back(std::move(entry));
    return matches;
}

}  // namespace wharf::cli
