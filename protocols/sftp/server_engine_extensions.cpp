// ServerEngine: what VERSION announces, version-select, and the SSH_FXP_EXTENDED requests:
// one table row per extension (name, handler, writes?) like sftp-server's extended_handlers[],
// one handle_<extension> per row, each making one Filesystem call.
#include "protocols/sftp/server_engine.hpp"

#include "protocols/sftp/detail/server_capabilities.hpp"
#include "protocols/sftp/detail/server_engine_completion.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace wharf::sftp {

namespace {

// check-file's algorithms in our order of preference, and what VERSION lists.
constexpr std::string_view kCheckFileAlgorithms = "md5,sha1,sha256,sha512";
// The draft's smallest block size; 0 means one hash over the whole range.
constexpr std::uint32_t kMinCheckFileBlockSize = 256;
// Type, request id, "check-file", the algorithm name: around the hashes in the reply.
constexpr std::uint64_t kCheckFileReplyOverhead = 64;

std::size_t digest_size(HashAlgorithm algorithm) {
    switch (algorithm) {
        case HashAlgorithm::md5: return 16;
        case HashAlgorithm::sha1: return 20;
        case HashAlgorithm::sha256: return 32;
        case HashAlgorithm::sha512: return 64;
    }
    return 64;
}

// The first algorithm of the client's comma-separated list that we have.
std::optional<HashAlgorithm> first_known_algorithm(std::string_view list) {
    while (!list.empty()) {
        const std::size_t comma = std::min(list.find(','), list.size());
        if (const auto known = hash_algorithm_from_name(list.substr(0, comma))) return known;
        list.remove_prefix(std::min(comma + 1, list.size()));
    }
    return std::nullopt;
}

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return a * b;
}

SpaceAvailableReply space_from_statvfs(const StatvfsReply& vfs) {
    const std::uint64_t unit = vfs.frsize != 0 ? vfs.frsize : vfs.bsize;
    SpaceAvailableReply reply;
    reply.bytes_on_device = saturating_product(vfs.blocks, unit);
    reply.unused_bytes_on_device = saturating_product(vfs.bfree, unit);
    // statvfs knows no per-user total; what the user may still fill is f_bavail (which the
    // file system may have clamped to the user's quota).
    reply.bytes_available_to_user = reply.bytes_on_device;
    reply.unused_bytes_available_to_user = saturating_product(vfs.bavail, unit);
    reply.bytes_per_allocation_unit =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(unit, 0xffffffffU));
    return reply;
}

std::vector<std::string> offered_versions(std::uint32_t max_version) {
    std::vector<std::string> versions;
    for (std::uint32_t v = kMinVersion; v <= max_version; ++v) {
        versions.push_back(std::to_string(v));
    }
    return versions;
}

}  // namespace

// In the order the extensions are announced: OpenSSH's, then the filexfer-extensions ones.
using E = ServerEngine;
const E::ExtensionHandler E::kExtensions[] = {
    {PosixRename::kName, &E::call_extension<PosixRename, &E::handle_posix_rename>, true},
    {Statvfs::kName, &E::call_extension<Statvfs, &E::handle_statvfs>, false},
    {Fstatvfs::kName, &E::call_extension<Fstatvfs, &E::handle_fstatvfs>, false},
    {Hardlink::kName, &E::call_extension<Hardlink, &E::handle_hardlink>, true},
    {Fsync::kName, &E::call_extension<Fsync, &E::handle_fsync>, true},
    {Lsetstat::kName, &E::call_extension<Lsetstat, &E::handle_lsetstat>, true},
    {Limits::kName, &E::call_extension<Limits, &E::handle_limits>, false},
    {ExpandPath::kName, &E::call_extension<ExpandPath, &E::handle_expand_path>, false},
    {CopyData::kName, &E::call_extension<CopyData, &E::handle_copy_data>, true},
    {HomeDirectory::kName, &E::call_extension<HomeDirectory, &E::handle_home_directory>, false},
    {UsersGroupsById::kName,
     &E::call_extension<UsersGroupsById, &E::handle_users_groups_by_id>, false},
    {CheckFileHandle::kName,
     &E::call_extension<CheckFileHandle, &E::handle_check_file_handle>, false},
    {CheckFileName::kName, &E::call_extension<CheckFileName, &E::handle_check_file_name>, false},
    {SpaceAvailable::kName, &E::call_extension<SpaceAvailable, &E::handle_space_available>,
     false},
    {CopyFile::kName, &E::call_extension<CopyFile, &E::handle_copy_file>, true},
};

std::vector<std::string> ServerEngine::extension_names() {
    std::vector<std::string> names;
    for (const auto& row : kExtensions) names.emplace_back(row.name);
    return names;
}

// Every version: OpenSSH's extensions with its version strings, then check-file (the data
// lists the algorithms, our reading of the filexfer-extensions draft; the requests are named
// check-file-handle and check-file-name in supported/supported2), space-available and
// copy-file. Offering v4+: newline, versions, vendor-id, and supported (v5) / supported2 (v6)
// so a client that starts at 3 and uses version-select learns them too.
std::vector<ExtensionPair> ServerEngine::version_extensions(const ServerConfig& config) {
    std::vector<ExtensionPair> pairs = openssh_server_extensions();
    pairs.push_back({"check-file", std::string(kCheckFileAlgorithms)});
    pairs.push_back({std::string(SpaceAvailable::kName), "1"});
    pairs.push_back({std::string(CopyFile::kName), "1"});
    if (config.max_version < 4) return pairs;

    if (config.announce_newline) {
        pairs.push_back(make_version_extension(NewlineExtension{config.newline}));
    }
    pairs.push_back(
        make_version_extension(VersionsExtension{offered_versions(config.max_version)}));
    pairs.push_back(make_version_extension(
        VendorIdExtension{"wharf", "wharf", config.product_version, config.product_build_number}));

    std::vector<std::string> names = extension_names();
    names.emplace_back(VersionSelect::kName);
    const std::uint32_t read_size =
        std::min(config.max_read_length, config.max_packet_length - 64);  // as the engine caps
    if (config.max_version >= 5) {
        SupportedExtension supported;
        supported.attribute_mask = detail::kSettableAttributes;
        supported.open_flags = detail::kHonouredOpenFlags;
        supported.access_mask = detail::kHonouredAccess;
        supported.max_read_size = read_size;
        supported.extension_names = names;
        pairs.push_back(make_version_extension(supported));
    }
    if (config.max_version >= 6) {
        Supported2Extension supported2;
        supported2.attribute_mask = detail::kSettableAttributes;
        supported2.open_flags = detail::kHonouredOpenFlags;
        supported2.access_mask = detail::kHonouredAccess;
        supported2.max_read_size = read_size;
        supported2.open_block_vector = detail::kOpenBlockVector;
        supported2.block_vector = detail::kBlockVector;
        supported2.extension_names = names;
        pairs.push_back(make_version_extension(supported2));
    }
    return pairs;
}

// Valid only as the first request and only for a version "versions" listed; anything else
// closes the channel (-13 5.5). The OK goes out in the new version.
void ServerEngine::handle_version_select(const Extended& m) {
    std::vector<std::uint32_t> offered;
    if (m_config.max_version >= 4) {
        for (std::uint32_t v = kMinVersion; v <= m_config.max_version; ++v) offered.push_back(v);
    }
    std::optional<std::uint32_t> selected;
    try {
        selected = select_version(parse_extended<VersionSelect>(m, *m_version), offered);
    } catch (const DecodeError&) {
        selected.reset();
    }
    if (!selected) {
        fail("invalid version-select");
        return;
    }
    m_version = *selected;
    send_status(m.request_id, StatusCode::ok);
}

void ServerEngine::handle_extended(Extended& m) {
    const auto row = std::find_if(std::begin(kExtensions), std::end(kExtensions),
                                  [&](const ExtensionHandler& h) { return h.name == m.name; });
    if (row == std::end(kExtensions)) {
        send_status(m.request_id, StatusCode::op_unsupported);
        return;
    }
    if (m_config.read_only && row->writes) {
        send_status(m.request_id, StatusCode::permission_denied);
        return;
    }
    try {
        (this->*row->handle)(m);
    } catch (const DecodeError& e) {
        send_status(m.request_id, e.status());  // a malformed payload: BAD_MESSAGE
    }
}

// ---------------------------------------------------------------------------------------------
// openssh PROTOCOL section 4

// rename(2): replaces an existing target atomically.
void ServerEngine::handle_posix_rename(std::uint32_t id, PosixRename& m) {
    m_fs.rename(id, std::move(m.old_path), std::move(m.new_path),
                rename_flags::overwrite | rename_flags::atomic, reply_status(id));
}

void ServerEngine::handle_statvfs(std::uint32_t id, Statvfs& m) {
    m_fs.statvfs(id, std::move(m.path), reply_extended<StatvfsReply>(id));
}

void ServerEngine::handle_fstatvfs(std::uint32_t id, Fstatvfs& m) {
    const OpenHandle* handle = find_handle(id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    m_fs.fstatvfs(id, handle->fs, reply_extended<StatvfsReply>(id));
}

void ServerEngine::handle_hardlink(std::uint32_t id, Hardlink& m) {
    m_fs.link(id, std::move(m.old_path), std::move(m.new_path), reply_status(id));
}

void ServerEngine::handle_fsync(std::uint32_t id, Fsync& m) {
    const OpenHandle* handle = find_handle(id, m.handle, false);
    if (handle == nullptr) return;
    m_fs.fsync(id, handle->fs, reply_status(id));
}

void ServerEngine::handle_lsetstat(std::uint32_t id, Lsetstat& m) {
    if (refuse_unsettable(id, m.attrs)) return;
    m_fs.lsetstat(id, std::move(m.path), std::move(m.attrs), reply_status(id));
}

void ServerEngine::handle_limits(std::uint32_t id, Limits&) {
    const LimitsReply limits{m_config.max_packet_length, m_config.max_read_length,
                             m_config.max_write_length, m_config.max_handles};
    m_out.write(make_extended_reply(id, limits, *m_version), *m_version);
}

// "~" and "~/x" are the user's home, "~name/x" another user's (which the file system may
// refuse); then the result is canonicalised like REALPATH, as sftp-server does.
void ServerEngine::handle_expand_path(std::uint32_t id, ExpandPath& m) {
    if (m.path.empty() || m.path.front() != '~') {
        m_fs.realpath(id, std::move(m.path), reply_name(id));
        return;
    }
    const std::size_t slash = std::min(m.path.find('/'), m.path.size());
    std::string user = m.path.substr(1, slash - 1);
    std::string rest = m.path.substr(std::min(slash + 1, m.path.size()));
    m_fs.home_directory(id, std::move(user),
                        completion<std::string>(id, [this, id, rest](Result<std::string>& home) {
                            std::string path = home.value();
                            if (!rest.empty()) path += (path.ends_with('/') ? "" : "/") + rest;
                            m_fs.realpath(id, std::move(path), reply_name(id));
                        }));
}

// ---------------------------------------------------------------------------------------------
// draft-ietf-secsh-filexfer-extensions (copy-data and home-directory also in openssh PROTOCOL)

void ServerEngine::handle_copy_data(std::uint32_t id, CopyData& m) {
    const OpenHandle* source = find_handle(id, m.read_handle, false);
    if (source == nullptr) return;
    const OpenHandle* destination = find_handle(id, m.write_handle, false);
    if (destination == nullptr) return;
    m_fs.copy_data(id, source->fs, m.read_offset, m.read_length, destination->fs, m.write_offset,
                   reply_status(id));
}

void ServerEngine::handle_home_directory(std::uint32_t id, HomeDirectory& m) {
    m_fs.home_directory(id, std::move(m.username), reply_name(id));
}

void ServerEngine::handle_users_groups_by_id(std::uint32_t id, UsersGroupsById& m) {
    m_fs.names_for_ids(id, std::move(m.uids), std::move(m.gids),
                       reply_extended<UsersGroupsByIdReply>(id));
}

void ServerEngine::handle_check_file_handle(std::uint32_t id, CheckFileHandle& m) {
    const OpenHandle* handle = find_handle(id, m.handle, false);
    if (handle == nullptr) return;
    check_file(id, {handle->fs, HashAlgorithm::md5, m.start_offset, m.length, m.block_size},
               m.hash_algorithms);
}

void ServerEngine::handle_check_file_name(std::uint32_t id, CheckFileName& m) {
    check_file(id,
               {std::move(m.filename), HashAlgorithm::md5, m.start_offset, m.length, m.block_size},
               m.hash_algorithms);
}

// The first of the client's algorithms we have (none: OP_UNSUPPORTED); a block size of 0
// (one hash) or at least 256; and, when the range is known, no more hashes than one reply
// holds (else INVALID_PARAMETER, BAD_MESSAGE before v6). The reply is
// "check-file", the algorithm used, and the hashes back to back.
void ServerEngine::check_file(std::uint32_t id, Filesystem::HashRequest request,
                              const std::string& algorithms) {
    const std::optional<HashAlgorithm> algorithm = first_known_algorithm(algorithms);
    if (!algorithm) {
        send_status(id, StatusCode::op_unsupported);
        return;
    }
    if (request.block_size != 0 && request.block_size < kMinCheckFileBlockSize) {
        send_error(id, Error::invalid_parameter);
        return;
    }
    if (request.block_size != 0 && request.length != 0) {
        const std::uint64_t blocks =
            request.length / request.block_size + (request.length % request.block_size != 0);
        const std::uint64_t room = m_config.max_packet_length - kCheckFileReplyOverhead;
        if (blocks > room / digest_size(*algorithm)) {
            send_error(id, Error::invalid_parameter);
            return;
        }
    }
    request.algorithm = *algorithm;
    m_fs.hash(id, std::move(request),
              completion<ssh::Bytes>(id, [this, id, algorithm](Result<ssh::Bytes>& r) {
                  const CheckFileReply reply{std::string(hash_algorithm_name(*algorithm)),
                                             std::move(r.value())};
                  m_out.write(make_extended_reply(id, reply, *m_version), *m_version);
              }));
}

void ServerEngine::handle_space_available(std::uint32_t id, SpaceAvailable& m) {
    m_fs.statvfs(id, std::move(m.path),
                 completion<StatvfsReply>(id, [this, id](Result<StatvfsReply>& r) {
                     m_out.write(make_extended_reply(id, space_from_statvfs(r.value()), *m_version),
                                 *m_version);
                 }));
}

void ServerEngine::handle_copy_file(std::uint32_t id, CopyFile& m) {
    m_fs.copy_file(id, std::move(m.source), std::move(m.destination), m.overwrite_destination,
                   reply_status(id));
}

}  // namespace wharf::sftp
