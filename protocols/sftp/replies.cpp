// Encode/decode of the SFTP reply packets (server to client).
#include "protocols/sftp/detail/field_readers.hpp"
#include "protocols/sftp/packets.hpp"

namespace wharf::sftp {

void Status::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).uint32(code).string(message).string(language);
    if (version >= 5) out.raw(ssh::ByteView(error_data));
}

Status Status::decode(ssh::Reader& in, std::uint32_t version) {
    Status m;
    m.request_id = in.uint32("request-id");
    m.code = in.uint32("status code");
    // v3: some servers send the bare code, or the message without a language tag.
    if (version == 3 && in.at_end()) return m;
    m.message = in.text("error message");
    if (version == 3 && in.at_end()) return m;
    m.language = in.text("language tag");
    if (version >= 5) m.error_data = detail::rest_bytes(in);
    return m;
}

Status Status::make(std::uint32_t request_id, std::uint32_t version, StatusCode code) {
    const StatusCode sent = status_for(version, code);
    Status m;
    m.request_id = request_id;
    m.code = static_cast<std::uint32_t>(sent);
    m.message = std::string(status_message(m.code));
    m.language = "en";
    return m;
}

void Handle::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).string(handle);
}

Handle Handle::decode(ssh::Reader& in, std::uint32_t) {
    Handle m;
    m.request_id = in.uint32("request-id");
    m.handle = detail::read_handle(in);
    return m;
}

void Data::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).string(ssh::ByteView(data));
    if (version >= 6 && end_of_file) out.boolean(*end_of_file);
}

Data Data::decode(ssh::Reader& in, std::uint32_t version) {
    Data m;
    m.request_id = in.uint32("request-id");
    m.data = detail::read_bytes(in, "data");
    if (version >= 6 && !in.at_end()) m.end_of_file = in.boolean("end-of-file");
    return m;
}

void Name::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id).uint32(static_cast<std::uint32_t>(entries.size()));
    for (const auto& entry : entries) {
        out.string(entry.filename);
        if (version == 3) out.string(entry.longname);
        entry.attrs.encode(out, version);
    }
    if (version >= 6 && end_of_list) out.boolean(*end_of_list);
}

Name Name::decode(ssh::Reader& in, std::uint32_t version) {
    Name m;
    m.request_id = in.uint32("request-id");
    // Smallest entry: empty filename (4), v3 empty longname (4), attrs flags (4), v4+ type (1).
    const std::size_t min_entry = version == 3 ? 12 : 9;
    const std::uint32_t count = detail::read_count(in, "count", min_entry);
    m.entries.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        NameEntry entry;
        entry.filename = in.text("filename");
        if (version == 3) entry.longname = in.text("longname");
        entry.attrs = FileAttributes::decode(in, version);
        m.entries.push_back(std::move(entry));
    }
    if (version >= 6 && !in.at_end()) m.end_of_list = in.boolean("end-of-list");
    return m;
}

void Attrs::encode(ssh::Writer& out, std::uint32_t version) const {
    out.uint32(request_id);
    attrs.encode(out, version);
}

Attrs Attrs::decode(ssh::Reader& in, std::uint32_t version) {
    Attrs m;
    m.request_id = in.uint32("request-id");
    m.attrs = FileAttributes::decode(in, version);
    return m;
}

void ExtendedReply::encode(ssh::Writer& out, std::uint32_t) const {
    out.uint32(request_id).raw(ssh::ByteView(data));
}

ExtendedReply ExtendedReply::decode(ssh::Reader& in, std::uint32_t) {
    ExtendedReply m;
    m.request_id = in.uint32("request-id");
    m.data = detail::rest_bytes(in);
    return m;
}

}  // namespace wharf::sftp
