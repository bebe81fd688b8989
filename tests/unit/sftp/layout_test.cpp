// Byte layouts written by hand from the drafts, field by field, checked both ways.
#include "protocols/sftp/extensions.hpp"
#include "sftp_test_util.hpp"

#include <fstream>
#include <sstream>

using namespace sftp_test;

namespace {

// Prepends the uint32 length to a hand-written "type byte + body".
ssh::Bytes framed(std::string_view type_and_body) {
    const ssh::Bytes inner = hex(type_and_body);
    ssh::Writer out;
    out.uint32(static_cast<std::uint32_t>(inner.size())).raw(ssh::ByteView(inner));
    return out.take();
}

template <class Message>
void check_layout(const Message& message, std::uint32_t version, const ssh::Bytes& wire) {
    CHECK(to_hex(sftp::encode_packet(message, version)) == to_hex(wire));
    const sftp::Packet packet = unframe(wire);
    if constexpr (std::is_same_v<Message, sftp::Version> || std::is_same_v<Message, sftp::Status> ||
                  std::is_same_v<Message, sftp::Name> || std::is_same_v<Message, sftp::Attrs>) {
        CHECK(std::get<Message>(sftp::decode_reply(packet, version)) == message);
    } else {
        CHECK(std::get<Message>(sftp::decode_request(packet, version)) == message);
    }
}

}  // namespace

TEST_CASE("INIT and VERSION layouts", "[sftp][layout]") {
    // -02 section 4: uint32 length, byte SSH_FXP_INIT, uint32 version.
    check_layout(sftp::Init{3, {}}, 3, hex("00000005 01 00000003"));
    check_layout(sftp::Version{6, {{"newline", "\r\n"}}}, 6,
                 hex("00000016 02 00000006"
                     "00000007 6e65776c696e65"   // "newline"
                     "00000002 0d0a"));          // CRLF
}

TEST_CASE("our VERSION with OpenSSH's extensions equals sftp-server's bytes", "[sftp][layout]") {
    // Recorded from Debian 12's /usr/lib/openssh/sftp-server (OpenSSH 9.2p1) answering a
    // v3 INIT; see vectors/README.md.
    std::ifstream file(std::string(WHARF_SOURCE_DIR) +
                       "/tests/unit/sftp/vectors/openssh_sftp_server_version.hex");
    REQUIRE(file);
    std::stringstream text;
    text << file.rdbuf();
    const ssh::Bytes recorded = hex(text.str());
    const sftp::Version ours{3, sftp::openssh_server_extensions()};
    CHECK(to_hex(sftp::encode_packet(ours, 3)) == to_hex(recorded));
    CHECK(std::get<sftp::Version>(sftp::decode_reply(unframe(recorded), 3)) == ours);
}

TEST_CASE("OPEN v3 pflags vs v5 desired-access and flags", "[sftp][layout]") {
    sftp::Open v3{1, "/a", sftp::pflags::write | sftp::pflags::creat | sftp::pflags::trunc, 0, 0,
                  {}};
    v3.attrs.permissions = 0644;
    check_layout(v3, 3,
                 framed("03 00000001 00000002 2f61"  // id, filename "/a"
                        "0000001a"                   // WRITE|CREAT|TRUNC
                        "00000004 000001a4"));       // attrs: PERMISSIONS, 0644

    sftp::Open v5{1, "/a", 0, sftp::ace4::write_data, sftp::open_flags::create_truncate, {}};
    v5.attrs.type = sftp::FileType::regular;
    check_layout(v5, 5,
                 framed("03 00000001 00000002 2f61"
                        "00000002"       // desired-access ACE4_WRITE_DATA
                        "00000001"       // flags SSH_FXF_CREATE_TRUNCATE
                        "00000000 01"));  // attrs: no flags, type REGULAR

    CHECK(sftp::open_mode(v3, 3) ==
          sftp::OpenMode{sftp::ace4::write_data | sftp::ace4::write_attributes,
                         sftp::open_flags::create_truncate});
    CHECK(sftp::open_mode(v5, 5) == sftp::OpenMode{sftp::ace4::write_data, 1});
}

TEST_CASE("SYMLINK v3 uses OpenSSH's order, v4 the draft's", "[sftp][layout]") {
    const sftp::Symlink symlink{2, "L", "T"};
    check_layout(symlink, 3, framed("14 00000002 00000001 54 00000001 4c"));  // target, link
    check_layout(symlink, 4, framed("14 00000002 00000001 4c 00000001 54"));  // link, target
}

TEST_CASE("NAME v3 with longname vs v4 without", "[sftp][layout]") {
    sftp::Name v3{7, {{"a", "-rw", {}}}, std::nullopt};
    v3.entries[0].attrs.size = 5;
    check_layout(v3, 3,
                 framed("68 00000007 00000001"  // NAME, id 7, count 1
                        "00000001 61"           // filename "a"
                        "00000003 2d7277"       // longname "-rw"
                        "00000001 0000000000000005"));  // attrs SIZE 5

    sftp::Name v4{7, {{"a", "", {}}}, std::nullopt};
    v4.entries[0].attrs.type = sftp::FileType::directory;
    check_layout(v4, 4, framed("68 00000007 00000001 00000001 61 00000000 02"));

    sftp::Name v6 = v4;
    v6.end_of_list = true;
    check_layout(v6, 6, framed("68 00000007 00000001 00000001 61 00000000 02 01"));
}

TEST_CASE("ATTRS v3, v4 and v6 layouts", "[sftp][layout]") {
    sftp::Attrs v3{1, {}};
    v3.attrs.size = 0x10;
    v3.attrs.uid_gid = sftp::UidGid{1000, 1001};
    v3.attrs.permissions = 0100600;
    v3.attrs.atime = sftp::FileTime{0x65000000, std::nullopt};
    v3.attrs.mtime = sftp::FileTime{0x65000001, std::nullopt};
    check_layout(v3, 3,
                 framed("69 00000001 0000000f"   // SIZE|UIDGID|PERMISSIONS|ACMODTIME
                        "0000000000000010"       // size
                        "000003e8 000003e9"      // uid, gid
                        "00008180"               // 0100600
                        "65000000 65000001"));   // atime, mtime

    sftp::Attrs v4{1, {}};
    v4.attrs.type = sftp::FileType::regular;
    v4.attrs.owner_group = sftp::OwnerGroup{"u", "g"};
    v4.attrs.atime = sftp::FileTime{-1, 500000000};
    v4.attrs.mtime = sftp::FileTime{2, 3};
    check_layout(v4, 4,
                 framed("69 00000001 000001a8"  // ACCESSTIME|MODIFYTIME|OWNERGROUP|SUBSECOND
                        "01"                    // type REGULAR
                        "00000001 75 00000001 67"      // owner "u", group "g"
                        "ffffffffffffffff 1dcd6500"    // atime -1 + 0.5 s
                        "0000000000000002 00000003"));  // mtime

    sftp::Attrs v6{1, {}};
    v6.attrs.type = sftp::FileType::directory;
    v6.attrs.allocation_size = 4096;
    v6.attrs.ctime = sftp::FileTime{9, 10};
    v6.attrs.attrib_bits = 1;
    v6.attrs.attrib_bits_valid = 3;
    v6.attrs.link_count = 2;
    check_layout(v6, 6,
                 framed("69 00000001 0000a700"  // ALLOC|CTIME|BITS|LINK_COUNT|SUBSECOND
                        "02"                     // type DIRECTORY
                        "0000000000001000"       // allocation-size
                        "0000000000000009 0000000a"  // ctime with nanoseconds
                        "00000001 00000003"      // attrib-bits, attrib-bits-valid
                        "00000002"));            // link-count
}

TEST_CASE("STATUS layouts; v3 message and language optional on decode", "[sftp][layout]") {
    check_layout(sftp::Status{5, 2, "No such file", "en", {}}, 3,
                 hex("0000001f 65 00000005 00000002"
                     "0000000c 4e6f2073756368206669 6c65"  // "No such file"
                     "00000002 656e"));                    // "en"
    const auto bare = sftp::decode_reply(unframe(hex("00000009 65 00000005 00000001")), 3);
    CHECK(std::get<sftp::Status>(bare) == sftp::Status{5, 1, "", "", {}});
    CHECK_THROWS_AS(sftp::decode_reply(unframe(hex("00000009 65 00000005 00000001")), 4),
                    sftp::DecodeError);
    CHECK(sftp::Status::make(5, 3, sftp::StatusCode::no_such_path) ==
          sftp::Status{5, 2, "No such file", "en", {}});
}
