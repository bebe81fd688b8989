// One struct per SFTP packet, named after the draft message (SSH_FXP_OPEN -> Open), with the
// packet type as `kType`. Each struct encodes and decodes the fields after the type byte
// (request id first, where there is one) for a given protocol version 3..6:
//
//   void encode(ssh::Writer&, std::uint32_t version) const;
//   static T decode(ssh::Reader&, std::uint32_t version);   // throws ssh::DecodeError
//
// decode() reads exactly the structure; the codec (codec.hpp) rejects trailing bytes and adds
// the request id to errors. Fields a version lacks are ignored by encode() and left at their
// defaults by decode(). Sections: v3 = -02, v6 = -13.
#pragma once

#include "protocols/sftp/attributes.hpp"
#include "protocols/sftp/constants.hpp"
#include "protocols/sftp/status.hpp"
#include "protocols/ssh/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wharf::sftp {

#define WHARF_SFTP_CODEC_MEMBERS(Name, packet_type)                 \
    static constexpr PacketType kType = PacketType::packet_type;    \
    void encode(ssh::Writer& out, std::uint32_t version) const;     \
    static Name decode(ssh::Reader& in, std::uint32_t version);     \
    bool operator==(const Name&) const = default;

// ---------------------------------------------------------------------------------------------
// Version exchange (-13 section 5). No request id.

struct Init {
    std::uint32_t version = kMaxVersion;
    std::vector<ExtensionPair> extensions;  // v3 allows them; nobody sends any in practice
    WHARF_SFTP_CODEC_MEMBERS(Init, init)
};

struct Version {
    std::uint32_t version = 3;
    std::vector<ExtensionPair> extensions;  // see extensions.hpp for the typed payloads
    WHARF_SFTP_CODEC_MEMBERS(Version, version)
};

// ---------------------------------------------------------------------------------------------
// Requests

// v3/v4 carry `pflags` (pflags::*); v5+ carry `desired_access` (ace4::*) and `flags`
// (open_flags::*). See open_mode_from_pflags() to treat both alike.
struct Open {
    std::uint32_t request_id = 0;
    std::string filename;
    std::uint32_t pflags = 0;          // v3, v4
    std::uint32_t desired_access = 0;  // v5+
    std::uint32_t flags = 0;           // v5+
    FileAttributes attrs;
    WHARF_SFTP_CODEC_MEMBERS(Open, open)
};

struct Close {
    std::uint32_t request_id = 0;
    std::string handle;
    WHARF_SFTP_CODEC_MEMBERS(Close, close)
};

struct Read {
    std::uint32_t request_id = 0;
    std::string handle;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;  // a wish, not an allocation: the server caps what it reads
    WHARF_SFTP_CODEC_MEMBERS(Read, read)
};

struct Write {
    std::uint32_t request_id = 0;
    std::string handle;
    std::uint64_t offset = 0;
    ssh::Bytes data;
    WHARF_SFTP_CODEC_MEMBERS(Write, write)
};

// STAT, LSTAT: v4+ add `flags`, the attributes the client is interested in (a hint).
struct Lstat {
    std::uint32_t request_id = 0;
    std::string path;
    std::uint32_t flags = 0;  // v4+
    WHARF_SFTP_CODEC_MEMBERS(Lstat, lstat)
};

struct Fstat {
    std::uint32_t request_id = 0;
    std::string handle;
    std::uint32_t flags = 0;  // v4+
    WHARF_SFTP_CODEC_MEMBERS(Fstat, fstat)
};

struct Setstat {
    std::uint32_t request_id = 0;
    std::string path;
    FileAttributes attrs;
    WHARF_SFTP_CODEC_MEMBERS(Setstat, setstat)
};

struct Fsetstat {
    std::uint32_t request_id = 0;
    std::string handle;
    FileAttributes attrs;
    WHARF_SFTP_CODEC_MEMBERS(Fsetstat, fsetstat)
};

struct Opendir {
    std::uint32_t request_id = 0;
    std::string path;
    WHARF_SFTP_CODEC_MEMBERS(Opendir, opendir)
};

struct Readdir {
    std::uint32_t request_id = 0;
    std::string handle;
    WHARF_SFTP_CODEC_MEMBERS(Readdir, readdir)
};

struct Remove {
    std::uint32_t request_id = 0;
    std::string filename;
    WHARF_SFTP_CODEC_MEMBERS(Remove, remove)
};

struct Mkdir {
    std::uint32_t request_id = 0;
    std::string path;
    FileAttributes attrs;
    WHARF_SFTP_CODEC_MEMBERS(Mkdir, mkdir)
};

struct Rmdir {
    std::uint32_t request_id = 0;
    std::string path;
    WHARF_SFTP_CODEC_MEMBERS(Rmdir, rmdir)
};

// v6 adds an optional control byte (realpath_control::*) and, only after it, optional
// compose paths (-13 section 8.9). Before v6 both stay empty.
struct Realpath {
    std::uint32_t request_id = 0;
    std::string path;
    std::optional<std::uint8_t> control;  // v6
    std::vector<std::string> compose;     // v6, only with control
    WHARF_SFTP_CODEC_MEMBERS(Realpath, realpath)
};

struct Stat {
    std::uint32_t request_id = 0;
    std::string path;
    std::uint32_t flags = 0;  // v4+
    WHARF_SFTP_CODEC_MEMBERS(Stat, stat)
};

struct Rename {
    std::uint32_t request_id = 0;
    std::string old_path;
    std::string new_path;
    std::uint32_t flags = 0;  // v5+ (rename_flags::*)
    WHARF_SFTP_CODEC_MEMBERS(Rename, rename)
};

struct Readlink {
    std::uint32_t request_id = 0;
    std::string path;
    WHARF_SFTP_CODEC_MEMBERS(Readlink, readlink)
};

// v3-v5. The drafts order the fields (linkpath, targetpath), but OpenSSH's sftp-server was
// written with them swapped and, being what every v3 client talks to, kept it (openssh
// PROTOCOL 4.1). So in v3 the wire order is (targetpath, linkpath), as OpenSSH's sftp client
// sends it; v4 and v5 use the draft order. The struct fields always mean the same thing.
struct Symlink {
    std::uint32_t request_id = 0;
    std::string link_path;    // the symlink to create
    std::string target_path;  // what it points at
    WHARF_SFTP_CODEC_MEMBERS(Symlink, symlink)
};

// v6 only (-13 section 8.10).
struct Link {
    std::uint32_t request_id = 0;
    std::string new_link_path;
    std::string existing_path;
    bool symbolic = false;
    WHARF_SFTP_CODEC_MEMBERS(Link, link)
};

// v6 only (-13 section 8.11).
struct Block {
    std::uint32_t request_id = 0;
    std::string handle;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint32_t lock_mask = 0;  // open_flags::block_*
    WHARF_SFTP_CODEC_MEMBERS(Block, block)
};

struct Unblock {
    std::uint32_t request_id = 0;
    std::string handle;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    WHARF_SFTP_CODEC_MEMBERS(Unblock, unblock)
};

// Any extended request; `data` is everything after the name. Typed payloads: extensions.hpp.
struct Extended {
    std::uint32_t request_id = 0;
    std::string name;
    ssh::Bytes data;
    WHARF_SFTP_CODEC_MEMBERS(Extended, extended)
};

// ---------------------------------------------------------------------------------------------
// Replies

// Message and language tag are required from v4 on; v3 servers of old sometimes left them
// out, so v3 decode treats each as optional (empty when absent). v5+ may append
// error-specific data, kept raw in `error_data`; v3/v4 trailing bytes are an error.
struct Status {
    std::uint32_t request_id = 0;
    std::uint32_t code = 0;  // a StatusCode value; peers may send codes we do not know
    std::string message;
    std::string language;
    ssh::Bytes error_data;  // v5+
    WHARF_SFTP_CODEC_MEMBERS(Status, status)

    // A reply with status_for(version, code) and its default English message, language "en".
    static Status make(std::uint32_t request_id, std::uint32_t version, StatusCode code);
};

struct Handle {
    std::uint32_t request_id = 0;
    std::string handle;
    WHARF_SFTP_CODEC_MEMBERS(Handle, handle)
};

struct Data {
    std::uint32_t request_id = 0;
    ssh::Bytes data;
    std::optional<bool> end_of_file;  // v6, optional on the wire
    WHARF_SFTP_CODEC_MEMBERS(Data, data)
};

struct NameEntry {
    std::string filename;
    std::string longname;  // v3 only ("ls -l" line); v4+ have none
    FileAttributes attrs;
    bool operator==(const NameEntry&) const = default;
};

struct Name {
    std::uint32_t request_id = 0;
    std::vector<NameEntry> entries;
    std::optional<bool> end_of_list;  // v6, optional on the wire
    WHARF_SFTP_CODEC_MEMBERS(Name, name)
};

struct Attrs {
    std::uint32_t request_id = 0;
    FileAttributes attrs;
    WHARF_SFTP_CODEC_MEMBERS(Attrs, attrs)
};

// `data` is everything after the request id. Typed payloads: extensions.hpp.
struct ExtendedReply {
    std::uint32_t request_id = 0;
    ssh::Bytes data;
    WHARF_SFTP_CODEC_MEMBERS(ExtendedReply, extended_reply)
};

#undef WHARF_SFTP_CODEC_MEMBERS

// v3/v4 pflags as v5+ desired-access and flags, so an engine handles one form:
// READ -> READ_DATA|READ_ATTRIBUTES, WRITE -> WRITE_DATA|WRITE_ATTRIBUTES,
// APPEND -> APPEND_DATA access and flag, TEXT -> TEXT_MODE, and the disposition
// CREAT|EXCL -> CREATE_NEW, CREAT|TRUNC -> CREATE_TRUNCATE, CREAT -> OPEN_OR_CREATE,
// TRUNC -> TRUNCATE_EXISTING, none -> OPEN_EXISTING.
struct OpenMode {
    std::uint32_t desired_access = 0;
    std::uint32_t flags = 0;
    bool operator==(const OpenMode&) const = default;
};
[[nodiscard]] OpenMode open_mode_from_pflags(std::uint32_t pflags) noexcept;

// The open mode of `open` as decoded in `version`, in v5+ form.
[[nodiscard]] OpenMode open_mode(const Open& open, std::uint32_t version) noexcept;

}  // namespace wharf::sftp
