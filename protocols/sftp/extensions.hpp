// Typed payloads of the SFTP extensions wharf knows: the SSH_FXP_EXTENDED requests and
// EXTENDED_REPLY bodies of openssh PROTOCOL section 4 and draft-ietf-secsh-filexfer-extensions
// (copy-data, home-directory, check-file, space-available, copy-file), and the VERSION
// extensions of -13 section 5 (newline, supported, supported2, versions, vendor-id) plus
// version-select. Each struct reads and writes the bytes after the extension name:
//
//   void encode(ssh::Writer&, std::uint32_t version) const;
//   static T decode(ssh::Reader&, std::uint32_t version);   // version matters for ATTRS only
//
// and the helpers at the bottom wrap them into Extended / ExtendedReply / ExtensionPair.
#pragma once

#include "protocols/sftp/attributes.hpp"
#include "protocols/sftp/decode_error.hpp"
#include "protocols/sftp/packets.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::sftp {

#define WHARF_SFTP_EXTENSION_MEMBERS(Type)                          \
    void encode(ssh::Writer& out, std::uint32_t version) const;     \
    static Type decode(ssh::Reader& in, std::uint32_t version);     \
    bool operator==(const Type&) const = default;

// Requests: the wire name is kName ------------------------------------------------------------

struct PosixRename {  // reply: STATUS
    static constexpr std::string_view kName = "posix-rename@openssh.com";
    std::string old_path, new_path;
    WHARF_SFTP_EXTENSION_MEMBERS(PosixRename)
};

struct Statvfs {  // reply: StatvfsReply
    static constexpr std::string_view kName = "statvfs@openssh.com";
    std::string path;
    WHARF_SFTP_EXTENSION_MEMBERS(Statvfs)
};

struct Fstatvfs {  // reply: StatvfsReply
    static constexpr std::string_view kName = "fstatvfs@openssh.com";
    std::string handle;
    WHARF_SFTP_EXTENSION_MEMBERS(Fstatvfs)
};

struct Hardlink {  // reply: STATUS
    static constexpr std::string_view kName = "hardlink@openssh.com";
    std::string old_path, new_path;
    WHARF_SFTP_EXTENSION_MEMBERS(Hardlink)
};

struct Fsync {  // reply: STATUS
    static constexpr std::string_view kName = "fsync@openssh.com";
    std::string handle;
    WHARF_SFTP_EXTENSION_MEMBERS(Fsync)
};

struct Lsetstat {  // reply: STATUS; attrs in the negotiated version's ATTRS format
    static constexpr std::string_view kName = "lsetstat@openssh.com";
    std::string path;
    FileAttributes attrs;
    WHARF_SFTP_EXTENSION_MEMBERS(Lsetstat)
};

struct Limits {  // no fields; reply: LimitsReply
    static constexpr std::string_view kName = "limits@openssh.com";
    WHARF_SFTP_EXTENSION_MEMBERS(Limits)
};

struct ExpandPath {  // reply: NAME, as for REALPATH
    static constexpr std::string_view kName = "expand-path@openssh.com";
    std::string path;
    WHARF_SFTP_EXTENSION_MEMBERS(ExpandPath)
};

struct CopyData {  // reply: STATUS
    static constexpr std::string_view kName = "copy-data";
    std::string read_handle;
    std::uint64_t read_offset = 0;
    std::uint64_t read_length = 0;  // 0 = until EOF
    std::string write_handle;
    std::uint64_t write_offset = 0;
    WHARF_SFTP_EXTENSION_MEMBERS(CopyData)
};

struct HomeDirectory {  // reply: NAME with one entry
    static constexpr std::string_view kName = "home-directory";
    std::string username;  // empty = the current user
    WHARF_SFTP_EXTENSION_MEMBERS(HomeDirectory)
};

struct UsersGroupsById {  // reply: UsersGroupsByIdReply
    static constexpr std::string_view kName = "users-groups-by-id@openssh.com";
    std::vector<std::uint32_t> uids, gids;  // each sent as a string of packed uint32s
    WHARF_SFTP_EXTENSION_MEMBERS(UsersGroupsById)
};

// check-file-handle and check-file-name share one layout; reply: CheckFileReply.
struct CheckFileHandle {
    static constexpr std::string_view kName = "check-file-handle";
    std::string handle;
    std::string hash_algorithms;  // comma-separated, e.g. "sha256,md5"
    std::uint64_t start_offset = 0;
    std::uint64_t length = 0;      // 0 = to the end of the file
    std::uint32_t block_size = 0;  // 0 = one hash over the whole range
    WHARF_SFTP_EXTENSION_MEMBERS(CheckFileHandle)
};

struct CheckFileName {
    static constexpr std::string_view kName = "check-file-name";
    std::string filename;
    std::string hash_algorithms;
    std::uint64_t start_offset = 0;
    std::uint64_t length = 0;
    std::uint32_t block_size = 0;
    WHARF_SFTP_EXTENSION_MEMBERS(CheckFileName)
};

struct SpaceAvailable {  // reply: SpaceAvailableReply
    static constexpr std::string_view kName = "space-available";
    std::string path;
    WHARF_SFTP_EXTENSION_MEMBERS(SpaceAvailable)
};

struct CopyFile {  // reply: STATUS
    static constexpr std::string_view kName = "copy-file";
    std::string source, destination;
    bool overwrite_destination = false;
    WHARF_SFTP_EXTENSION_MEMBERS(CopyFile)
};

// Must be the client's first request (-13 section 5.5); see select_version().
struct VersionSelect {
    static constexpr std::string_view kName = "version-select";
    std::string version;  // "3".."6" from the server's "versions" list
    WHARF_SFTP_EXTENSION_MEMBERS(VersionSelect)
};

// EXTENDED_REPLY bodies ----------------------------------------------------------------------

struct StatvfsReply {
    std::uint64_t bsize = 0, frsize = 0, blocks = 0, bfree = 0, bavail = 0, files = 0,
                  ffree = 0, favail = 0, fsid = 0, flag = 0, namemax = 0;
    WHARF_SFTP_EXTENSION_MEMBERS(StatvfsReply)
};

struct LimitsReply {
    std::uint64_t max_packet_length = 0, max_read_length = 0, max_write_length = 0,
                  max_open_handles = 0;  // 0 = no limit of our own
    WHARF_SFTP_EXTENSION_MEMBERS(LimitsReply)
};

struct UsersGroupsByIdReply {
    std::vector<std::string> user_names, group_names;  // "" where an id has no name
    WHARF_SFTP_EXTENSION_MEMBERS(UsersGroupsByIdReply)
};

struct CheckFileReply {
    std::string hash_algorithm;  // the one the server used
    ssh::Bytes hashes;           // concatenated, to the end of the packet
    WHARF_SFTP_EXTENSION_MEMBERS(CheckFileReply)
};

struct SpaceAvailableReply {
    std::uint64_t bytes_on_device = 0, unused_bytes_on_device = 0, bytes_available_to_user = 0,
                  unused_bytes_available_to_user = 0;
    std::uint32_t bytes_per_allocation_unit = 0;
    WHARF_SFTP_EXTENSION_MEMBERS(SpaceAvailableReply)
};

// VERSION extension data ----------------------------------------------------------------------

struct NewlineExtension {  // v4+: the server's text-mode line separator
    static constexpr std::string_view kName = "newline";
    std::string separator = "\n";
    WHARF_SFTP_EXTENSION_MEMBERS(NewlineExtension)
};

struct SupportedExtension {  // v5 "supported"
    static constexpr std::string_view kName = "supported";
    std::uint32_t attribute_mask = 0, attribute_bits = 0, open_flags = 0, access_mask = 0,
                  max_read_size = 0;
    std::vector<std::string> extension_names;  // run to the end of the data
    WHARF_SFTP_EXTENSION_MEMBERS(SupportedExtension)
};

struct Supported2Extension {  // v6 "supported2"
    static constexpr std::string_view kName = "supported2";
    std::uint32_t attribute_mask = 0, attribute_bits = 0, open_flags = 0, access_mask = 0,
                  max_read_size = 0;
    std::uint16_t open_block_vector = 1, block_vector = 1;  // bit 0 = "no locking", always
    std::vector<std::string> attrib_extension_names, extension_names;
    WHARF_SFTP_EXTENSION_MEMBERS(Supported2Extension)
};

struct VersionsExtension {  // "versions": "3,4,5,6"
    static constexpr std::string_view kName = "versions";
    std::vector<std::string> versions;
    WHARF_SFTP_EXTENSION_MEMBERS(VersionsExtension)
};

struct VendorIdExtension {
    static constexpr std::string_view kName = "vendor-id";
    std::string vendor_name, product_name, product_version;
    std::uint64_t product_build_number = 0;
    WHARF_SFTP_EXTENSION_MEMBERS(VendorIdExtension)
};

#undef WHARF_SFTP_EXTENSION_MEMBERS

// Wrapping ----------------------------------------------------------------------------------------

namespace detail {
// Runs decode over `data`, requires it consumed and turns errors into sftp::DecodeError.
template <class Payload>
Payload decode_payload(std::string_view what, ssh::ByteView data, std::uint32_t version,
                       std::optional<std::uint32_t> request_id) {
    try {
        ssh::Reader in(what, data);
        Payload payload = Payload::decode(in, version);
        in.expect_end();
        return payload;
    } catch (const ssh::DecodeError& error) {
        throw DecodeError(error, request_id);
    }
}

template <class Payload>
ssh::Bytes encode_payload(const Payload& payload, std::uint32_t version) {
    ssh::Writer out;
    payload.encode(out, version);
    return out.take();
}
}  // namespace detail

// An EXTENDED request carrying `payload` under its kName.
template <class Payload>
[[nodiscard]] Extended make_extended(std::uint32_t request_id, const Payload& payload,
                                     std::uint32_t version) {
    return Extended{request_id, std::string(Payload::kName),
                    detail::encode_payload(payload, version)};
}

// The payload of `request`, whose name the caller has matched against Payload::kName.
// Throws sftp::DecodeError (BAD_MESSAGE, with the request id).
template <class Payload>
[[nodiscard]] Payload parse_extended(const Extended& request, std::uint32_t version) {
    return detail::decode_payload<Payload>(request.name, ssh::ByteView(request.data), version,
                                           request.request_id);
}

template <class Payload>
[[nodiscard]] ExtendedReply make_extended_reply(std::uint32_t request_id, const Payload& payload,
                                                std::uint32_t version) {
    return ExtendedReply{request_id, detail::encode_payload(payload, version)};
}

template <class Payload>
[[nodiscard]] Payload parse_extended_reply(const ExtendedReply& reply, std::uint32_t version) {
    return detail::decode_payload<Payload>("SSH_FXP_EXTENDED_REPLY", ssh::ByteView(reply.data),
                                           version, reply.request_id);
}

// A VERSION extension pair carrying `payload` under its kName, and back.
template <class Payload>
[[nodiscard]] ExtensionPair make_version_extension(const Payload& payload) {
    const ssh::Bytes data = detail::encode_payload(payload, kMaxVersion);
    return ExtensionPair{std::string(Payload::kName), std::string(data.begin(), data.end())};
}

template <class Payload>
[[nodiscard]] Payload parse_version_extension(const ExtensionPair& pair) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(pair.data.data());
    return detail::decode_payload<Payload>(pair.name, ssh::ByteView(bytes, pair.data.size()),
                                           kMaxVersion, std::nullopt);
}

// The extensions OpenSSH 9.2's sftp-server announces in VERSION, name and version "1"/"2",
// in its order (recorded in tests/unit/sftp/vectors/openssh_sftp_server_version.hex).
[[nodiscard]] std::vector<ExtensionPair> openssh_server_extensions();

// The version a valid version-select switches to: one of `offered` (what our "versions"
// extension listed). nullopt means the request must fail and the channel close (-13 5.5).
[[nodiscard]] std::optional<std::uint32_t> select_version(const VersionSelect& request,
                                                          std::span<const std::uint32_t> offered);

}  // namespace wharf::sftp
