// One function per request and extension the client engine issues: build the packet for the
// negotiated version and say which reply carries the value.
#include "protocols/sftp/client_engine.hpp"

#include <stdexcept>
#include <utility>

namespace wharf::sftp {

namespace {

// The v3/v4 pflags for a v5+ open mode, the inverse of open_mode_from_pflags(). Throws
// std::invalid_argument for what pflags cannot say.
std::uint32_t pflags_for(OpenMode mode, std::uint32_t version) {
    constexpr std::uint32_t kExpressibleAccess = ace4::read_data | ace4::write_data |
                                                 ace4::append_data | ace4::read_attributes |
                                                 ace4::write_attributes;
    const std::uint32_t expressible_flags = open_flags::access_disposition |
                                            open_flags::append_data |
                                            (version >= 4 ? open_flags::text_mode : 0);
    if ((mode.desired_access & ~kExpressibleAccess) != 0 || (mode.flags & ~expressible_flags) != 0) {
        throw std::invalid_argument("sftp client: OPEN access or flags need version 5");
    }
    std::uint32_t result = 0;
    if ((mode.desired_access & ace4::read_data) != 0) result |= pflags::read;
    if ((mode.desired_access & (ace4::write_data | ace4::append_data)) != 0) {
        result |= pflags::write;
    }
    if ((mode.flags & open_flags::append_data) != 0) result |= pflags::append;
    if ((mode.flags & open_flags::text_mode) != 0) result |= pflags::text;
    switch (mode.flags & open_flags::access_disposition) {
        case open_flags::create_new: return result | pflags::creat | pflags::excl;
        case open_flags::create_truncate: return result | pflags::creat | pflags::trunc;
        case open_flags::open_existing: return result;
        case open_flags::open_or_create: return result | pflags::creat;
        case open_flags::truncate_existing: return result | pflags::trunc;
        default: throw std::invalid_argument("sftp client: OPEN disposition is not 0..4");
    }
}

void require_version(std::uint32_t version, bool allowed, const char* what) {
    if (!allowed) {
        throw std::invalid_argument(std::string("sftp client: ") + what +
                                    " is not available in version " + std::to_string(version));
    }
}

ssh::Bytes take_data(Reply& reply, std::uint32_t) { return std::move(std::get<Data>(reply).data); }

std::string take_handle(Reply& reply, std::uint32_t) {
    return std::move(std::get<Handle>(reply).handle);
}

FileAttributes take_attrs(Reply& reply, std::uint32_t) {
    return std::move(std::get<Attrs>(reply).attrs);
}

std::vector<NameEntry> take_entries(Reply& reply, std::uint32_t) {
    return std::move(std::get<Name>(reply).entries);
}

}  // namespace

std::uint32_t ClientEngine::stat_flags() const noexcept {
    switch (encoding_version()) {
        case 3: return 0;
        case 4: return attr::defined_v4 & ~attr::extended;
        case 5: return attr::defined_v5 & ~attr::extended;
        default: return attr::defined_v6 & ~attr::extended;
    }
}

// ---- files ------------------------------------------------------------------------------------------

std::uint32_t ClientEngine::open(std::string path, OpenMode mode, FileAttributes attrs,
                                 Done<std::string> done) {
    check_ready();
    const std::uint32_t v = encoding_version();
    Open message{0, std::move(path), 0, 0, 0, std::move(attrs)};
    if (v >= 5) {
        message.desired_access = mode.desired_access;
        message.flags = mode.flags;
    } else {
        message.pflags = pflags_for(mode, v);
    }
    return send_expecting<std::string>(std::move(message), PacketType::handle, std::move(done),
                                       take_handle);
}

std::uint32_t ClientEngine::close(std::string handle, Done<void> done) {
    check_ready();
    return send_expecting_status(Close{0, std::move(handle)}, std::move(done));
}

std::uint32_t ClientEngine::read(std::string handle, std::uint64_t offset, std::uint32_t length,
                                 Done<ssh::Bytes> done) {
    check_ready();
    return send_expecting<ssh::Bytes>(Read{0, std::move(handle), offset, length},
                                      PacketType::data, std::move(done), take_data);
}

std::uint32_t ClientEngine::write(std::string handle, std::uint64_t offset, ssh::Bytes data,
                                  Done<void> done) {
    check_ready();
    return send_expecting_status(Write{0, std::move(handle), offset, std::move(data)},
                                 std::move(done));
}

// ---- attributes ---------------------------------------------------------------------------------

std::uint32_t ClientEngine::stat(std::string path, Done<FileAttributes> done) {
    check_ready();
    return send_expecting<FileAttributes>(Stat{0, std::move(path), stat_flags()},
                                          PacketType::attrs, std::move(done), take_attrs);
}

std::uint32_t ClientEngine::lstat(std::string path, Done<FileAttributes> done) {
    check_ready();
    return send_expecting<FileAttributes>(Lstat{0, std::move(path), stat_flags()},
                                          PacketType::attrs, std::move(done), take_attrs);
}

std::uint32_t ClientEngine::fstat(std::string handle, Done<FileAttributes> done) {
    check_ready();
    return send_expecting<FileAttributes>(Fstat{0, std::move(handle), stat_flags()},
                                          PacketType::attrs, std::move(done), take_attrs);
}

std::uint32_t ClientEngine::setstat(std::string path, FileAttributes attrs, Done<void> done) {
    check_ready();
    return send_expecting_status(Setstat{0, std::move(path), std::move(attrs)}, std::move(done));
}

std::uint32_t ClientEngine::fsetstat(std::string handle, FileAttributes attrs, Done<void> done) {
    check_ready();
    return send_expecting_status(Fsetstat{0, std::move(handle), std::move(attrs)},
                                 std::move(done));
}

// ---- directories ----------------------------------------------------------------------------------

std::uint32_t ClientEngine::opendir(std::string path, Done<std::string> done) {
    check_ready();
    return send_expecting<std::string>(Opendir{0, std::move(path)}, PacketType::handle,
                                       std::move(done), take_handle);
}

std::uint32_t ClientEngine::readdir(std::string handle, Done<std::vector<NameEntry>> done) {
    check_ready();
    return send_expecting<std::vector<NameEntry>>(Readdir{0, std::move(handle)}, PacketType::name,
                                                  std::move(done), take_entries);
}

std::uint32_t ClientEngine::remove(std::string path, Done<void> done) {
    check_ready();
    return send_expecting_status(Remove{0, std::move(path)}, std::move(done));
}

std::uint32_t ClientEngine::mkdir(std::string path, FileAttributes attrs, Done<void> done) {
    check_ready();
    return send_expecting_status(Mkdir{0, std::move(path), std::move(attrs)}, std::move(done));
}

std::uint32_t ClientEngine::rmdir(std::string path, Done<void> done) {
    check_ready();
    return send_expecting_status(Rmdir{0, std::move(path)}, std::move(done));
}

// ---- paths and links ------------------------------------------------------------------------------

std::uint32_t ClientEngine::realpath(std::string path, Done<NameEntry> done,
                                     std::optional<std::uint8_t> control) {
    check_ready();
    if (control) require_version(encoding_version(), encoding_version() >= 6, "REALPATH control");
    return send_expecting_one_name(Realpath{0, std::move(path), control, {}}, std::move(done));
}

std::uint32_t ClientEngine::rename(std::string old_path, std::string new_path,
                                   std::uint32_t flags, Done<void> done) {
    check_ready();
    if (flags != 0) require_version(encoding_version(), encoding_version() >= 5, "RENAME flags");
    return send_expecting_status(Rename{0, std::move(old_path), std::move(new_path), flags},
                                 std::move(done));
}

std::uint32_t ClientEngine::readlink(std::string path, Done<std::string> done) {
    check_ready();
    auto take_target = [done = std::move(done)](ClientResult<NameEntry> result) {
        if (!result) return done(result.failure());
        done(std::move(result.value().filename));
    };
    return send_expecting_one_name(Readlink{0, std::move(path)}, std::move(take_target));
}

std::uint32_t ClientEngine::symlink(std::string link_path, std::string target_path,
                                    Done<void> done) {
    check_ready();
    if (encoding_version() >= 6) {
        return link(std::move(link_path), std::move(target_path), true, std::move(done));
    }
    // The codec writes v3 in OpenSSH's order (target, link); swapping the fields puts them on
    // the wire in the draft's (link, target).
    const bool swap = encoding_version() == 3 &&
                      m_config.v3_symlink_order == ClientConfig::SymlinkOrder::draft;
    if (swap) std::swap(link_path, target_path);
    return send_expecting_status(Symlink{0, std::move(link_path), std::move(target_path)},
                                 std::move(done));
}

std::uint32_t ClientEngine::link(std::string new_link_path, std::string existing_path,
                                 bool symbolic, Done<void> done) {
    check_ready();
    require_version(encoding_version(), encoding_version() >= 6, "LINK");
    return send_expecting_status(
        Link{0, std::move(new_link_path), std::move(existing_path), symbolic}, std::move(done));
}

// ---- extensions -----------------------------------------------------------------------------------

std::uint32_t ClientEngine::posix_rename(std::string old_path, std::string new_path,
                                         Done<void> done) {
    return extended(PosixRename{std::move(old_path), std::move(new_path)}, std::move(done));
}

std::uint32_t ClientEngine::statvfs(std::string path, Done<StatvfsReply> done) {
    return extended_query<StatvfsReply>(Statvfs{std::move(path)}, std::move(done));
}

std::uint32_t ClientEngine::fstatvfs(std::string handle, Done<StatvfsReply> done) {
    return extended_query<StatvfsReply>(Fstatvfs{std::move(handle)}, std::move(done));
}

std::uint32_t ClientEngine::hardlink(std::string old_path, std::string new_path,
                                     Done<void> done) {
    return extended(Hardlink{std::move(old_path), std::move(new_path)}, std::move(done));
}

std::uint32_t ClientEngine::fsync(std::string handle, Done<void> done) {
    return extended(Fsync{std::move(handle)}, std::move(done));
}

std::uint32_t ClientEngine::copy_data(CopyData request, Done<void> done) {
    return extended(request, std::move(done));
}

std::uint32_t ClientEngine::check_file(CheckFileName request, Done<CheckFileReply> done) {
    return extended_query<CheckFileReply>(request, std::move(done));
}

std::uint32_t ClientEngine::check_file(CheckFileHandle request, Done<CheckFileReply> done) {
    return extended_query<CheckFileReply>(request, std::move(done));
}

std::uint32_t ClientEngine::space_available(std::string path,
                                            Done<SpaceAvailableReply> done) {
    return extended_query<SpaceAvailableReply>(SpaceAvailable{std::move(path)},
                                                         std::move(done));
}

std::uint32_t ClientEngine::limits(Done<LimitsReply> done) {
    return extended_query<LimitsReply>(Limits{}, std::move(done));
}

std::uint32_t ClientEngine::home_directory(std::string username, Done<std::string> done) {
    check_ready();
    auto take_path = [done = std::move(done)](ClientResult<NameEntry> result) {
        if (!result) return done(result.failure());
        done(std::move(result.value().filename));
    };
    return send_expecting_one_name(make_extended(0, HomeDirectory{std::move(username)},
                                                 encoding_version()),
                                   std::move(take_path));
}

}  // namespace wharf::sftp
