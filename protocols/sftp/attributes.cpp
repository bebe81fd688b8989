#include "protocols/sftp/attributes.hpp"

#include <algorithm>
#include <limits>

namespace wharf::sftp {

namespace {

constexpr std::uint32_t kMaxNanoseconds = 999'999'999;

std::uint32_t defined_flags(std::uint32_t version) noexcept {
    switch (version) {
        case 3:
            return attr::defined_v3;
        case 4:
            return attr::defined_v4;
        case 5:
            return attr::defined_v5;
        default:
            return attr::defined_v6;
    }
}

// v3 times are uint32 seconds; clamp instead of wrapping so a 1969 or post-2106 time reads as
// the nearest representable one rather than a random date.
std::uint32_t v3_seconds(std::int64_t seconds) noexcept {
    return static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(seconds, 0, std::numeric_limits<std::uint32_t>::max()));
}

std::string to_text(ssh::ByteView bytes) { return std::string(bytes.begin(), bytes.end()); }

void write_time(ssh::Writer& out, const std::optional<FileTime>& time, bool subseconds) {
    if (!time) {
        return;
    }
    out.uint64(static_cast<std::uint64_t>(time->seconds));
    if (subseconds) {
        out.uint32(time->nanoseconds.value_or(0));
    }
}

std::optional<FileTime> read_time(ssh::Reader& in, bool present, bool subseconds,
                                  std::string_view field, std::string_view nano_field) {
    if (!present) {
        return std::nullopt;
    }
    FileTime time{static_cast<std::int64_t>(in.uint64(field)), std::nullopt};
    if (subseconds) {
        const std::uint32_t nanos = in.uint32(nano_field);
        if (nanos > kMaxNanoseconds) {
            throw ssh::DecodeError(in.message_name(), std::string(nano_field),
                                   "nanoseconds above 999999999");
        }
        time.nanoseconds = nanos;
    }
    return time;
}

std::vector<ExtensionPair> read_extended(ssh::Reader& in) {
    const std::uint32_t count = in.uint32("attrs extended-count");
    // Each pair is at least two empty strings (8 bytes): refuse counts the data cannot hold
    // before looping, so the message names the real problem.
    if (count > in.remaining() / 8) {
        throw ssh::DecodeError(in.message_name(), "attrs extended-count",
                               "count " + std::to_string(count) + " exceeds the bytes left");
    }
    std::vector<ExtensionPair> pairs;
    pairs.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string name = in.text("attrs extended-type");
        std::string data = in.text("attrs extended-data");
        pairs.push_back({std::move(name), std::move(data)});
    }
    return pairs;
}

bool any_nanoseconds(const FileAttributes& a) noexcept {
    for (const auto* t : {&a.atime, &a.createtime, &a.mtime, &a.ctime}) {
        if (*t && (*t)->nanoseconds) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::uint32_t FileAttributes::flags_for(std::uint32_t version) const noexcept {
    std::uint32_t flags = 0;
    const auto set_if = [&flags](bool present, std::uint32_t bit) {
        if (present) {
            flags |= bit;
        }
    };
    set_if(size.has_value(), attr::size);
    set_if(permissions.has_value(), attr::permissions);
    set_if(!extended.empty(), attr::extended);
    if (version == 3) {
        set_if(uid_gid.has_value(), attr::uidgid);
        set_if(atime && mtime, attr::acmodtime);
        return flags;
    }
    set_if(owner_group.has_value(), attr::ownergroup);
    set_if(atime.has_value(), attr::accesstime);
    set_if(createtime.has_value(), attr::createtime);
    set_if(mtime.has_value(), attr::modifytime);
    set_if(acl.has_value(), attr::acl);
    if (version >= 5) {
        set_if(attrib_bits.has_value(), attr::bits);
    }
    if (version >= 6) {
        set_if(allocation_size.has_value(), attr::allocation_size);
        set_if(ctime.has_value(), attr::ctime);
        set_if(text_hint.has_value(), attr::text_hint);
        set_if(mime_type.has_value(), attr::mime_type);
        set_if(link_count.has_value(), attr::link_count);
        set_if(untranslated_name.has_value(), attr::untranslated_name);
    }
    const bool has_time = atime || createtime || mtime || (version >= 6 && ctime);
    set_if(has_time && any_nanoseconds(*this), attr::subsecond_times);
    return flags;
}

void FileAttributes::encode(ssh::Writer& out, std::uint32_t version) const {
    const std::uint32_t flags = flags_for(version);
    out.uint32(flags);
    if (version == 3) {
        if (size) out.uint64(*size);
        if (uid_gid) out.uint32(uid_gid->uid).uint32(uid_gid->gid);
        if (permissions) out.uint32(*permissions);
        if ((flags & attr::acmodtime) != 0) {
            out.uint32(v3_seconds(atime->seconds)).uint32(v3_seconds(mtime->seconds));
        }
    } else {
        const bool subseconds = (flags & attr::subsecond_times) != 0;
        out.byte(static_cast<std::uint8_t>(file_type().value_or(FileType::unknown)));
        if (size) out.uint64(*size);
        if (version >= 6 && allocation_size) out.uint64(*allocation_size);
        if (owner_group) out.string(owner_group->owner).string(owner_group->group);
        if (permissions) out.uint32(*permissions);
        write_time(out, atime, subseconds);
        write_time(out, createtime, subseconds);
        write_time(out, mtime, subseconds);
        if (version >= 6) write_time(out, ctime, subseconds);
        if (acl) out.string(ssh::ByteView(*acl));
        if (version >= 5 && attrib_bits) {
            out.uint32(*attrib_bits);
            if (version >= 6) out.uint32(attrib_bits_valid.value_or(0xffffffffU));
        }
        if (version >= 6) {
            if (text_hint) out.byte(*text_hint);
            if (mime_type) out.string(*mime_type);
            if (link_count) out.uint32(*link_count);
            if (untranslated_name) out.string(*untranslated_name);
        }
    }
    if (!extended.empty()) {
        out.uint32(static_cast<std::uint32_t>(extended.size()));
        for (const auto& pair : extended) {
            out.string(pair.name).string(pair.data);
        }
    }
}

FileAttributes FileAttributes::decode(ssh::Reader& in, std::uint32_t version) {
    const std::uint32_t flags = in.uint32("attrs flags");
    const std::uint32_t unknown = flags & ~defined_flags(version);
    if (unknown != 0) {
        throw ssh::DecodeError(in.message_name(), "attrs flags",
                               "bits " + std::to_string(unknown) + " undefined in version " +
                                   std::to_string(version));
    }
    const auto has = [flags](std::uint32_t bit) { return (flags & bit) != 0; };
    FileAttributes a;
    if (version == 3) {
        if (has(attr::size)) a.size = in.uint64("attrs size");
        if (has(attr::uidgid)) {
            const std::uint32_t uid = in.uint32("attrs uid");
            a.uid_gid = UidGid{uid, in.uint32("attrs gid")};
        }
        if (has(attr::permissions)) a.permissions = in.uint32("attrs permissions");
        if (has(attr::acmodtime)) {
            a.atime = FileTime{in.uint32("attrs atime"), std::nullopt};
            a.mtime = FileTime{in.uint32("attrs mtime"), std::nullopt};
        }
    } else {
        const bool subseconds = has(attr::subsecond_times);
        a.type = static_cast<FileType>(in.byte("attrs type"));
        if (has(attr::size)) a.size = in.uint64("attrs size");
        if (has(attr::allocation_size)) a.allocation_size = in.uint64("attrs allocation-size");
        if (has(attr::ownergroup)) {
            std::string owner = in.text("attrs owner");
            a.owner_group = OwnerGroup{std::move(owner), in.text("attrs group")};
        }
        if (has(attr::permissions)) a.permissions = in.uint32("attrs permissions");
        a.atime = read_time(in, has(attr::accesstime), subseconds, "attrs atime",
                            "attrs atime-nseconds");
        a.createtime = read_time(in, has(attr::createtime), subseconds, "attrs createtime",
                                 "attrs createtime-nseconds");
        a.mtime = read_time(in, has(attr::modifytime), subseconds, "attrs mtime",
                            "attrs mtime-nseconds");
        a.ctime = read_time(in, has(attr::ctime), subseconds, "attrs ctime",
                            "attrs ctime-nseconds");
        if (has(attr::acl)) {
            const ssh::ByteView acl = in.string("attrs acl");
            a.acl = ssh::Bytes(acl.begin(), acl.end());
        }
        if (has(attr::bits)) {
            a.attrib_bits = in.uint32("attrs attrib-bits");
            if (version >= 6) a.attrib_bits_valid = in.uint32("attrs attrib-bits-valid");
        }
        if (has(attr::text_hint)) a.text_hint = in.byte("attrs text-hint");
        if (has(attr::mime_type)) a.mime_type = to_text(in.string("attrs mime-type"));
        if (has(attr::link_count)) a.link_count = in.uint32("attrs link-count");
        if (has(attr::untranslated_name)) {
            a.untranslated_name = to_text(in.string("attrs untranslated-name"));
        }
    }
    if (has(attr::extended)) a.extended = read_extended(in);
    return a;
}

std::optional<FileType> FileAttributes::file_type() const noexcept {
    if (type) return type;
    if (permissions && (*permissions & 0170000U) != 0) return file_type_from_mode(*permissions);
    return std::nullopt;
}

FileType file_type_from_mode(std::uint32_t mode) noexcept {
    switch (mode & 0170000U) {
        case 0100000U: return FileType::regular;
        case 0040000U: return FileType::directory;
        case 0120000U: return FileType::symlink;
        case 0140000U: return FileType::socket;
        case 0020000U: return FileType::char_device;
        case 0060000U: return FileType::block_device;
        case 0010000U: return FileType::fifo;
        default: return FileType::unknown;
    }
}

std::uint32_t mode_type_bits(FileType type) noexcept {
    switch (type) {
        case FileType::regular: return 0100000U;
        case FileType::directory: return 0040000U;
        case FileType::symlink: return 0120000U;
        case FileType::socket: return 0140000U;
        case FileType::char_device: return 0020000U;
        case FileType::block_device: return 0060000U;
        case FileType::fifo: return 0010000U;
        default: return 0;
    }
}

}  // namespace wharf::sftp
