#include "protocols/sftp/extensions.hpp"

#include "protocols/sftp/detail/field_readers.hpp"

#include <charconv>

namespace wharf::sftp {

using detail::read_count;
using detail::read_handle;

namespace {

void write_uint16(ssh::Writer& out, std::uint16_t value) {
    out.byte(static_cast<std::uint8_t>(value >> 8)).byte(static_cast<std::uint8_t>(value));
}

std::uint16_t read_uint16(ssh::Reader& in, std::string_view field) {
    const ssh::ByteView two = in.raw(2, field);
    return static_cast<std::uint16_t>((two[0] << 8) | two[1]);
}

// A string holding packed values (users-groups-by-id): decoded with its own bounded Reader.
std::vector<std::uint32_t> read_id_list(ssh::Reader& in, std::string_view field) {
    const ssh::ByteView packed = in.string(field);
    if (packed.size() % 4 != 0) {
        throw ssh::DecodeError(in.message_name(), std::string(field),
                               "length " + std::to_string(packed.size()) + " not a multiple of 4");
    }
    ssh::Reader ids(in.message_name(), packed);
    std::vector<std::uint32_t> out;
    out.reserve(packed.size() / 4);
    while (!ids.at_end()) out.push_back(ids.uint32(field));
    return out;
}

void write_id_list(ssh::Writer& out, const std::vector<std::uint32_t>& ids) {
    ssh::Writer packed;
    for (const std::uint32_t id : ids) packed.uint32(id);
    out.string(ssh::ByteView(packed.bytes()));
}

std::vector<std::string> read_name_list(ssh::Reader& in, std::string_view field) {
    ssh::Reader names(in.message_name(), in.string(field));
    std::vector<std::string> out;
    while (!names.at_end()) out.push_back(names.text(field));
    return out;
}

void write_name_list(ssh::Writer& out, const std::vector<std::string>& names) {
    ssh::Writer packed;
    for (const auto& name : names) packed.string(name);
    out.string(ssh::ByteView(packed.bytes()));
}

std::vector<std::string> read_counted_strings(ssh::Reader& in, std::string_view field) {
    const std::uint32_t count = read_count(in, field, 4);
    std::vector<std::string> out;
    out.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) out.push_back(in.text(field));
    return out;
}

void write_counted_strings(ssh::Writer& out, const std::vector<std::string>& strings) {
    out.uint32(static_cast<std::uint32_t>(strings.size()));
    for (const auto& s : strings) out.string(s);
}

}  // namespace

// Requests ------------------------------------------------------------------------------------

void PosixRename::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(old_path).string(new_path);
}
PosixRename PosixRename::decode(ssh::Reader& in, std::uint32_t) {
    PosixRename m;
    m.old_path = in.text("oldpath");
    m.new_path = in.text("newpath");
    return m;
}

void Statvfs::encode(ssh::Writer& out, std::uint32_t) const { out.string(path); }
Statvfs Statvfs::decode(ssh::Reader& in, std::uint32_t) { return {in.text("path")}; }

void Fstatvfs::encode(ssh::Writer& out, std::uint32_t) const { out.string(handle); }
Fstatvfs Fstatvfs::decode(ssh::Reader& in, std::uint32_t) { return {read_handle(in)}; }

void Hardlink::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(old_path).string(new_path);
}
Hardlink Hardlink::decode(ssh::Reader& in, std::uint32_t) {
    Hardlink m;
    m.old_path = in.text("oldpath");
    m.new_path = in.text("newpath");
    return m;
}

void Fsync::encode(ssh::Writer& out, std::uint32_t) const { out.string(handle); }
Fsync Fsync::decode(ssh::Reader& in, std::uint32_t) { return {read_handle(in)}; }

void Lsetstat::encode(ssh::Writer& out, std::uint32_t version) const {
    out.string(path);
    attrs.encode(out, version);
}
Lsetstat Lsetstat::decode(ssh::Reader& in, std::uint32_t version) {
    Lsetstat m;
    m.path = in.text("path");
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

void Limits::encode(ssh::Writer&, std::uint32_t) const {}
Limits Limits::decode(ssh::Reader&, std::uint32_t) { return {}; }

void ExpandPath::encode(ssh::Writer& out, std::uint32_t) const { out.string(path); }
ExpandPath ExpandPath::decode(ssh::Reader& in, std::uint32_t) { return {in.text("path")}; }

void CopyData::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(read_handle).uint64(read_offset).uint64(read_length).string(write_handle).uint64(
        write_offset);
}
CopyData CopyData::decode(ssh::Reader& in, std::uint32_t) {
    CopyData m;
    m.read_handle = detail::read_handle(in, "read-from-handle");
    m.read_offset = in.uint64("read-from-offset");
    m.read_length = in.uint64("read-data-length");
    m.write_handle = detail::read_handle(in, "write-to-handle");
    m.write_offset = in.uint64("write-to-offset");
    return m;
}

void HomeDirectory::encode(ssh::Writer& out, std::uint32_t) const { out.string(username); }
HomeDirectory HomeDirectory::decode(ssh::Reader& in, std::uint32_t) {
    return {in.text("username")};
}

void UsersGroupsById::encode(ssh::Writer& out, std::uint32_t) const {
    write_id_list(out, uids);
    write_id_list(out, gids);
}
UsersGroupsById UsersGroupsById::decode(ssh::Reader& in, std::uint32_t) {
    UsersGroupsById m;
    m.uids = read_id_list(in, "uids");
    m.gids = read_id_list(in, "gids");
    return m;
}

void CheckFileHandle::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(handle).string(hash_algorithms).uint64(start_offset).uint64(length).uint32(
        block_size);
}
CheckFileHandle CheckFileHandle::decode(ssh::Reader& in, std::uint32_t) {
    CheckFileHandle m;
    m.handle = read_handle(in);
    m.hash_algorithms = in.text("hash-algorithm-list");
    m.start_offset = in.uint64("start-offset");
    m.length = in.uint64("length");
    m.block_size = in.uint32("block-size");
    return m;
}

void CheckFileName::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(filename).string(hash_algorithms).uint64(start_offset).uint64(length).uint32(
        block_size);
}
CheckFileName CheckFileName::decode(ssh::Reader& in, std::uint32_t) {
    CheckFileName m;
    m.filename = in.text("filename");
    m.hash_algorithms = in.text("hash-algorithm-list");
    m.start_offset = in.uint64("start-offset");
    m.length = in.uint64("length");
    m.block_size = in.uint32("block-size");
    return m;
}

void SpaceAvailable::encode(ssh::Writer& out, std::uint32_t) const { out.string(path); }
SpaceAvailable SpaceAvailable::decode(ssh::Reader& in, std::uint32_t) {
    return {in.text("path")};
}

void CopyFile::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(source).string(destination).boolean(overwrite_destination);
}
CopyFile CopyFile::decode(ssh::Reader& in, std::uint32_t) {
    CopyFile m;
    m.source = in.text("source");
    m.destination = in.text("destination");
    m.overwrite_destination = in.boolean("overwrite-destination");
    return m;
}

void VersionSelect::encode(ssh::Writer& out, std::uint32_t) const { out.string(version); }
VersionSelect VersionSelect::decode(ssh::Reader& in, std::uint32_t) {
    return {in.text("version-from-list")};
}

// Replies -------------------------------------------------------------------------------------

void StatvfsReply::encode(ssh::Writer& out, std::uint32_t) const {
    for (const std::uint64_t v :
         {bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax}) {
        out.uint64(v);
    }
}
StatvfsReply StatvfsReply::decode(ssh::Reader& in, std::uint32_t) {
    StatvfsReply m;
    for (std::uint64_t* v : {&m.bsize, &m.frsize, &m.blocks, &m.bfree, &m.bavail, &m.files,
                             &m.ffree, &m.favail, &m.fsid, &m.flag, &m.namemax}) {
        *v = in.uint64("statvfs field");
    }
    return m;
}

void LimitsReply::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint64(max_packet_length).uint64(max_read_length).uint64(max_write_length).uint64(
        max_open_handles);
}
LimitsReply LimitsReply::decode(ssh::Reader& in, std::uint32_t) {
    LimitsReply m;
    m.max_packet_length = in.uint64("max-packet-length");
    m.max_read_length = in.uint64("max-read-length");
    m.max_write_length = in.uint64("max-write-length");
    m.max_open_handles = in.uint64("max-open-handles");
    return m;
}

void UsersGroupsByIdReply::encode(ssh::Writer& out, std::uint32_t) const {
    write_name_list(out, user_names);
    write_name_list(out, group_names);
}
UsersGroupsByIdReply UsersGroupsByIdReply::decode(ssh::Reader& in, std::uint32_t) {
    UsersGroupsByIdReply m;
    m.user_names = read_name_list(in, "usernames");
    m.group_names = read_name_list(in, "groupnames");
    return m;
}

void CheckFileReply::encode(ssh::Writer& out, std::uint32_t) const {
    out.string("check-file").string(hash_algorithm).raw(ssh::ByteView(hashes));
}
CheckFileReply CheckFileReply::decode(ssh::Reader& in, std::uint32_t) {
    if (in.text("reply name") != "check-file") {
        throw ssh::DecodeError(in.message_name(), "reply name", "not \"check-file\"");
    }
    CheckFileReply m;
    m.hash_algorithm = in.text("hash-algo-used");
    m.hashes = detail::rest_bytes(in);
    return m;
}

void SpaceAvailableReply::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint64(bytes_on_device).uint64(unused_bytes_on_device).uint64(bytes_available_to_user);
    out.uint64(unused_bytes_available_to_user).uint32(bytes_per_allocation_unit);
}
SpaceAvailableReply SpaceAvailableReply::decode(ssh::Reader& in, std::uint32_t) {
    SpaceAvailableReply m;
    m.bytes_on_device = in.uint64("bytes-on-device");
    m.unused_bytes_on_device = in.uint64("unused-bytes-on-device");
    m.bytes_available_to_user = in.uint64("bytes-available-to-user");
    m.unused_bytes_available_to_user = in.uint64("unused-bytes-available-to-user");
    m.bytes_per_allocation_unit = in.uint32("bytes-per-allocation-unit");
    return m;
}

// VERSION extensions --------------------------------------------------------------------------

void NewlineExtension::encode(ssh::Writer& out, std::uint32_t) const {
    out.raw(detail::as_bytes(separator));  // the extension data is the separator itself
}
NewlineExtension NewlineExtension::decode(ssh::Reader& in, std::uint32_t) {
    const ssh::ByteView all = in.rest();
    return {std::string(all.begin(), all.end())};
}

void SupportedExtension::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(attribute_mask).uint32(attribute_bits).uint32(open_flags).uint32(access_mask);
    out.uint32(max_read_size);
    for (const auto& name : extension_names) out.string(name);
}
SupportedExtension SupportedExtension::decode(ssh::Reader& in, std::uint32_t) {
    SupportedExtension m;
    m.attribute_mask = in.uint32("supported-attribute-mask");
    m.attribute_bits = in.uint32("supported-attribute-bits");
    m.open_flags = in.uint32("supported-open-flags");
    m.access_mask = in.uint32("supported-access-mask");
    m.max_read_size = in.uint32("max-read-size");
    while (!in.at_end()) m.extension_names.push_back(in.text("extension-names"));
    return m;
}

void Supported2Extension::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(attribute_mask).uint32(attribute_bits).uint32(open_flags).uint32(access_mask);
    out.uint32(max_read_size);
    write_uint16(out, open_block_vector);
    write_uint16(out, block_vector);
    write_counted_strings(out, attrib_extension_names);
    write_counted_strings(out, extension_names);
}
Supported2Extension Supported2Extension::decode(ssh::Reader& in, std::uint32_t) {
    Supported2Extension m;
    m.attribute_mask = in.uint32("supported-attribute-mask");
    m.attribute_bits = in.uint32("supported-attribute-bits");
    m.open_flags = in.uint32("supported-open-flags");
    m.access_mask = in.uint32("supported-access-mask");
    m.max_read_size = in.uint32("max-read-size");
    m.open_block_vector = read_uint16(in, "supported-open-block-vector");
    m.block_vector = read_uint16(in, "supported-block-vector");
    m.attrib_extension_names = read_counted_strings(in, "attrib-extension-names");
    m.extension_names = read_counted_strings(in, "extension-names");
    return m;
}

void VersionsExtension::encode(ssh::Writer& out, std::uint32_t) const {
    std::string joined;
    for (const auto& v : versions) joined += (joined.empty() ? "" : ",") + v;
    out.raw(detail::as_bytes(joined));  // a bare comma-separated string as the data
}
VersionsExtension VersionsExtension::decode(ssh::Reader& in, std::uint32_t) {
    const ssh::ByteView all = in.rest();
    const std::string text(all.begin(), all.end());
    VersionsExtension m;
    std::size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        const std::size_t comma = text.find(',', start);
        const std::size_t end = comma == std::string::npos ? text.size() : comma;
        m.versions.push_back(text.substr(start, end - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return m;
}

void VendorIdExtension::encode(ssh::Writer& out, std::uint32_t) const {
    out.string(vendor_name).string(product_name).string(product_version).uint64(
        product_build_number);
}
VendorIdExtension VendorIdExtension::decode(ssh::Reader& in, std::uint32_t) {
    VendorIdExtension m;
    m.vendor_name = in.text("vendor-name");
    m.product_name = in.text("product-name");
    m.product_version = in.text("product-version");
    m.product_build_number = in.uint64("product-build-number");
    return m;
}

// Helpers -------------------------------------------------------------------------------------

std::vector<ExtensionPair> openssh_server_extensions() {
    return {{"posix-rename@openssh.com", "1"}, {"statvfs@openssh.com", "2"},
            {"fstatvfs@openssh.com", "2"},     {"hardlink@openssh.com", "1"},
            {"fsync@openssh.com", "1"},        {"lsetstat@openssh.com", "1"},
            {"limits@openssh.com", "1"},       {"expand-path@openssh.com", "1"},
            {"copy-data", "1"},                {"home-directory", "1"},
            {"users-groups-by-id@openssh.com", "1"}};
}

std::optional<std::uint32_t> select_version(const VersionSelect& request,
                                            std::span<const std::uint32_t> offered) {
    std::uint32_t wanted = 0;
    const char* first = request.version.data();
    const char* last = first + request.version.size();
    const auto [end, error] = std::from_chars(first, last, wanted);
    if (error != std::errc{} || end != last || request.version.empty()) return std::nullopt;
    for (const std::uint32_t version : offered) {
        if (version == wanted) return wanted;
    }
    return std::nullopt;
}

}  // namespace wharf::sftp
