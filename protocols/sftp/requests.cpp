// Encode/decode of the SFTP request packets (client to server).
#include "protocols/sftp/detail/field_readers.hpp"
#include "protocols/sftp/packets.hpp"

namespace wharf::sftp {

using detail::read_bytes;
using detail::read_handle;

namespace {

std::vector<ExtensionPair> read_extension_pairs(ssh::Reader& in) {
    std::vector<ExtensionPair> pairs;
    while (!in.at_end()) {  // the pairs run to the end of the packet; each read is bounded
        std::string name = in.text("extension-name");
        pairs.push_back({std::move(name), in.text("extension-data")});
    }
    return pairs;
}

void write_extension_pairs(ssh::Writer& out, const std::vector<ExtensionPair>& pairs) {
    for (const auto& pair : pairs) {
        out.string(pair.name).string(pair.data);
    }
}

}  // namespace

// Init / Version ------------------------------------------------------------------------------

void Init::encode(ssh::Writer& out, std::uint32_t /*version*/) const {
    out.uint32(version);
    write_extension_pairs(out, extensions);
}

Init Init::decode(ssh::Reader& in, std::uint32_t /*version*/) {
    Init m;
    m.version = in.uint32("version");
    m.extensions = read_extension_pairs(in);
    return m;
}

void Version::encode(ssh::Writer& out, std::uint32_t /*version*/) const {
    out.uint32(version);
    write_extension_pairs(out, extensions);
}

Version Version::decode(ssh::Reader& in, std::uint32_t /*version*/) {
    Version m;
    m.version = in.uint32("version");
    m.extensions = read_extension_pairs(in);
    return m;
}

// Files ---------------------------------------------------------------------------------------

void Open::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(filename);
    if (version >= 5) {
        out.uint32(desired_access).uint32(flags);
    } else {
        out.uint32(pflags);
    }
    attrs.encode(out, version);
}

Open Open::decode(ssh::Reader& in, std::uint32_t version) {
    Open m;
    m.request_id = in.uint32("request-id");
    m.filename = in.text("filename");
    if (version >= 5) {
        m.desired_access = in.uint32("desired-access");
        m.flags = in.uint32("flags");
    } else {
        m.pflags = in.uint32("pflags");
    }
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

void Close::encode(ssh::Writer& out, std::uint32_t) const { out.uint32(request_id).string(handle); }

Close Close::decode(ssh::Reader& in, std::uint32_t) {
    Close m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    return m;
}

void Read::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle).uint64(offset).uint32(length);
}

Read Read::decode(ssh::Reader& in, std::uint32_t) {
    Read m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    m.offset = in.uint64("offset");
    m.length = in.uint32("length");
    return m;
}

void Write::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle).uint64(offset).string(ssh::ByteView(data));
}

Write Write::decode(ssh::Reader& in, std::uint32_t) {
    Write m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    m.offset = in.uint64("offset");
    m.data = read_bytes(in, "data");
    return m;
}

// Attributes ----------------------------------------------------------------------------------

void Lstat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(path);
    if (version >= 4) out.uint32(flags);
}

Lstat Lstat::decode(ssh::Reader& in, std::uint32_t version) {
    Lstat m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    if (version >= 4) m.flags = in.uint32("flags");
    return m;
}

void Stat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(path);
    if (version >= 4) out.uint32(flags);
}

Stat Stat::decode(ssh::Reader& in, std::uint32_t version) {
    Stat m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    if (version >= 4) m.flags = in.uint32("flags");
    return m;
}

void Fstat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(handle);
    if (version >= 4) out.uint32(flags);
}

Fstat Fstat::decode(ssh::Reader& in, std::uint32_t version) {
    Fstat m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    if (version >= 4) m.flags = in.uint32("flags");
    return m;
}

void Setstat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(path);
    attrs.encode(out, version);
}

Setstat Setstat::decode(ssh::Reader& in, std::uint32_t version) {
    Setstat m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

void Fsetstat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(handle);
    attrs.encode(out, version);
}

Fsetstat Fsetstat::decode(ssh::Reader& in, std::uint32_t version) {
    Fsetstat m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

// Directories ---------------------------------------------------------------------------------

void Opendir::encode(ssh::Writer& out, std::uint32_t) const { out.uint32(request_id).string(path); }

Opendir Opendir::decode(ssh::Reader& in, std::uint32_t) {
    Opendir m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    return m;
}

void Readdir::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle);
}

Readdir Readdir::decode(ssh::Reader& in, std::uint32_t) {
    Readdir m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    return m;
}

void Remove::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(filename);
}

Remove Remove::decode(ssh::Reader& in, std::uint32_t) {
    Remove m;
    m.request_id = in.uint32("request-id");
    m.filename = in.text("filename");
    return m;
}

void Mkdir::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(path);
    attrs.encode(out, version);
}

Mkdir Mkdir::decode(ssh::Reader& in, std::uint32_t version) {
    Mkdir m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

void Rmdir::encode(ssh::Writer& out, std::uint32_t) const { out.uint32(request_id).string(path); }

Rmdir Rmdir::decode(ssh::Reader& in, std::uint32_t) {
    Rmdir m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    return m;
}

// Paths and links -----------------------------------------------------------------------------

void Realpath::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(path);
    if (version >= 6 && control) {
        out.byte(*control);
        for (const auto& part : compose) out.string(part);
    }
}

Realpath Realpath::decode(ssh::Reader& in, std::uint32_t version) {
    Realpath m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("original-path");
    if (version >= 6 && !in.at_end()) {
        m.control = in.byte("control-byte");
        while (!in.at_end()) m.compose.push_back(in.text("compose-path"));
    }
    return m;
}

void Rename::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(old_path).string(new_path);
    if (version >= 5) out.uint32(flags);
}

Rename Rename::decode(ssh::Reader& in, std::uint32_t version) {
    Rename m;
    m.request_id = in.uint32("request-id");
    m.old_path = in.text("oldpath");
    m.new_path = in.text("newpath");
    if (version >= 5) m.flags = in.uint32("flags");
    return m;
}

void Readlink::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(path);
}

Readlink Readlink::decode(ssh::Reader& in, std::uint32_t) {
    Readlink m;
    m.request_id = in.uint32("request-id");
    m.path = in.text("path");
    return m;
}

void Symlink::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id);
    if (version == 3) {
        out.string(target_path).string(link_path);  // OpenSSH order, see packets.hpp
    } else {
        out.string(link_path).string(target_path);
    }
}

Symlink Symlink::decode(ssh::Reader& in, std::uint32_t version) {
    Symlink m;
    m.request_id = in.uint32("request-id");
    if (version == 3) {
        m.target_path = in.text("targetpath");
        m.link_path = in.text("linkpath");
    } else {
        m.link_path = in.text("linkpath");
        m.target_path = in.text("targetpath");
    }
    return m;
}

void Link::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(new_link_path).string(existing_path).boolean(symbolic);
}

Link Link::decode(ssh::Reader& in, std::uint32_t) {
    Link m;
    m.request_id = in.uint32("request-id");
    m.new_link_path = in.text("new-link-path");
    m.existing_path = in.text("existing-path");
    m.symbolic = in.boolean("sym-link");
    return m;
}

// Locks and extensions ------------------------------------------------------------------------

void Block::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle).uint64(offset).uint64(length).uint32(lock_mask);
}

Block Block::decode(ssh::Reader& in, std::uint32_t) {
    Block m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    m.offset = in.uint64("offset");
    m.length = in.uint64("length");
    m.lock_mask = in.uint32("uLockMask");
    return m;
}

void Unblock::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle).uint64(offset).uint64(length);
}

Unblock Unblock::decode(ssh::Reader& in, std::uint32_t) {
    Unblock m;
    m.request_id = in.uint32("request-id");
    m.handle = read_handle(in);
    m.offset = in.uint64("offset");
    m.length = in.uint64("length");
    return m;
}

void Extended::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(name).raw(ssh::ByteView(data));
}

Extended Extended::decode(ssh::Reader& in, std::uint32_t) {
    Extended m;
    m.request_id = in.uint32("request-id");
    m.name = in.text("extended-request");
    m.data = detail::rest_bytes(in);
    return m;
}

// Open modes ----------------------------------------------------------------------------------

OpenMode open_mode_from_pflags(std::uint32_t pf) noexcept {
    OpenMode mode;
    if ((pf & pflags::read) != 0) mode.desired_access |= ace4::read_data | ace4::read_attributes;
    if ((pf & pflags::write) != 0) {
        mode.desired_access |= ace4::write_data | ace4::write_attributes;
    }
    if ((pf & pflags::append) != 0) {
        mode.desired_access |= ace4::append_data;
        mode.flags |= open_flags::append_data;
    }
    if ((pf & pflags::text) != 0) mode.flags |= open_flags::text_mode;
    const bool creat = (pf & pflags::creat) != 0;
    if (creat && (pf & pflags::excl) != 0) {
        mode.flags |= open_flags::create_new;
    } else if (creat && (pf & pflags::trunc) != 0) {
        mode.flags |= open_flags::create_truncate;
    } else if (creat) {
        mode.flags |= open_flags::open_or_create;
    } else if ((pf & pflags::trunc) != 0) {
        mode.flags |= open_flags::truncate_existing;
    } else {
        mode.flags |= open_flags::open_existing;
    }
    return mode;
}

OpenMode open_mode(const Open& open, std::uint32_t version) noexcept {
    return version >= 5 ? OpenMode{open.desired_access, open.flags}
                        : open_mode_from_pflags(open.pflags);
}

}  // namespace wharf::sftp
