// The server engine's version negotiation, VERSION extensions, version-select, and one v6
// exchange written byte by byte from draft-ietf-secsh-filexfer-13.
#include "sftp/server_session.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
using sftp::StatusCode;
using sftp_test::code;
using sftp_test::hex;
using sftp_test::Session;

std::vector<std::string> names_of(const std::vector<sftp::ExtensionPair>& pairs) {
    std::vector<std::string> names;
    for (const auto& p : pairs) names.push_back(p.name);
    return names;
}

const sftp::ExtensionPair* find(const std::vector<sftp::ExtensionPair>& pairs,
                                const std::string& name) {
    const auto it = std::find_if(pairs.begin(), pairs.end(),
                                 [&](const sftp::ExtensionPair& p) { return p.name == name; });
    return it == pairs.end() ? nullptr : &*it;
}

sftp::ServerConfig with_max(std::uint32_t max) {
    sftp::ServerConfig config;
    config.max_version = max;
    return config;
}

const std::vector<std::string> kEveryVersionExtensions = {
    "posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
    "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
    "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
    "users-groups-by-id@openssh.com", "check-file", "space-available", "copy-file"};

const std::vector<std::string> kExtendedRequests = {
    "posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
    "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
    "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
    "users-groups-by-id@openssh.com", "check-file-handle", "check-file-name",
    "space-available", "copy-file", "version-select"};

}  // namespace

TEST_CASE("server engine versions: the lower of the client's and ours wins", "[sftp_server]") {
    struct Case {
        std::uint32_t ours, client, expected;
    };
    for (const Case c : {Case{6, 3, 3}, Case{6, 4, 4}, Case{6, 5, 5}, Case{6, 6, 6},
                         Case{6, 7, 6}, Case{4, 6, 4}, Case{5, 6, 5}, Case{3, 6, 3}}) {
        CAPTURE(c.ours, c.client);
        Session s(with_max(c.ours), c.client);
        CHECK(s.greeting.version == c.expected);
        CHECK(s.engine->version() == c.expected);
    }
    CHECK(sftp::ServerConfig{}.max_version == 6);
}

TEST_CASE("server engine versions: what VERSION announces", "[sftp_server]") {
    SECTION("offering only v3: OpenSSH's extensions and the draft's, nothing v4+") {
        Session s(with_max(3), 3);
        CHECK(names_of(s.greeting.extensions) == kEveryVersionExtensions);
        CHECK(find(s.greeting.extensions, "statvfs@openssh.com")->data == "2");
        CHECK(find(s.greeting.extensions, "posix-rename@openssh.com")->data == "1");
        CHECK(find(s.greeting.extensions, "check-file")->data == "md5,sha1,sha256,sha512");
    }
    SECTION("offering v6 to a v3 client: everything, so version-select can be used") {
        sftp::ServerConfig config;
        config.product_version = "1.2.3";
        config.product_build_number = 42;
        config.max_read_length = 65536;
        Session s(config, 3);
        CHECK(s.greeting.version == 3);
        std::vector<std::string> expected = kEveryVersionExtensions;
        for (const char* name : {"newline", "versions", "vendor-id", "supported", "supported2"}) {
            expected.emplace_back(name);
        }
        CHECK(names_of(s.greeting.extensions) == expected);
        const auto& pairs = s.greeting.extensions;
        CHECK(sftp::parse_version_extension<sftp::NewlineExtension>(*find(pairs, "newline"))
                  .separator == "\n");
        CHECK(sftp::parse_version_extension<sftp::VersionsExtension>(*find(pairs, "versions"))
                  .versions == std::vector<std::string>{"3", "4", "5", "6"});
        CHECK(find(pairs, "versions")->data == "3,4,5,6");
        const auto vendor =
            sftp::parse_version_extension<sftp::VendorIdExtension>(*find(pairs, "vendor-id"));
        CHECK(vendor == sftp::VendorIdExtension{"wharf", "wharf", "1.2.3", 42});

        const auto supported2 =
            sftp::parse_version_extension<sftp::Supported2Extension>(*find(pairs, "supported2"));
        namespace of = sftp::open_flags;
        CHECK(supported2.open_flags == (of::access_disposition | of::append_data |
                                        of::append_data_atomic | of::text_mode | of::nofollow));
        CHECK(supported2.attribute_mask ==
              (sftp::attr::size | sftp::attr::permissions | sftp::attr::accesstime |
               sftp::attr::modifytime | sftp::attr::subsecond_times | sftp::attr::ownergroup));
        CHECK(supported2.attribute_bits == 0);
        CHECK(supported2.max_read_size == 65536);
        CHECK(supported2.open_block_vector == 0x0001);
        CHECK(supported2.block_vector == 0x0c01);
        CHECK(supported2.attrib_extension_names.empty());
        CHECK(supported2.extension_names == kExtendedRequests);

        const auto supported =
            sftp::parse_version_extension<sftp::SupportedExtension>(*find(pairs, "supported"));
        CHECK(supported.open_flags == supported2.open_flags);
        CHECK(supported.extension_names == kExtendedRequests);
    }
    SECTION("offering v4: newline, versions and vendor-id; no supported lists") {
        Session s(with_max(4), 4);
        CHECK(find(s.greeting.extensions, "supported") == nullptr);
        CHECK(find(s.greeting.extensions, "supported2") == nullptr);
        CHECK(find(s.greeting.extensions, "versions")->data == "3,4");
    }
    SECTION("offering v5: the v5 supported list only") {
        Session s(with_max(5), 5);
        CHECK(find(s.greeting.extensions, "supported") != nullptr);
        CHECK(find(s.greeting.extensions, "supported2") == nullptr);
    }
    SECTION("a CRLF server") {
        sftp::ServerConfig config;
        config.newline = "\r\n";
        Session s(config, 6);
        CHECK(find(s.greeting.extensions, "newline")->data == "\r\n");
    }
}

TEST_CASE("server engine versions: a configuration whose VERSION cannot fit is refused",
          "[sftp_server]") {
    sftp_test::FakeFs fs;
    sftp::ServerConfig config;
    config.max_packet_length = 512;
    CHECK_THROWS_AS(sftp::ServerEngine(fs, config), std::invalid_argument);
    config.max_version = 7;
    CHECK_THROWS_AS(sftp::ServerEngine(fs, config), std::invalid_argument);
    config = {};
    config.newline = "";
    CHECK_THROWS_AS(sftp::ServerEngine(fs, config), std::invalid_argument);
}

TEST_CASE("server engine versions: version-select as the first request", "[sftp_server]") {
    Session s({}, 3);
    SECTION("a listed version switches at once; the OK comes in the new version") {
        s.send(sftp::make_extended(1, sftp::VersionSelect{"6"}, 3));
        CHECK(s.engine->version() == 6U);
        s.version = 6;
        CHECK(s.status(1) == code(StatusCode::ok));
        s.fs.add_file("/f", "x");
        s.send(sftp::Link{2, "/l", "/f", true});  // v6 only
        CHECK(s.status(2) == code(StatusCode::ok));
        SECTION("a second version-select closes the channel") {
            s.send(sftp::make_extended(3, sftp::VersionSelect{"5"}, 6));
            CHECK(s.engine->failed());
        }
    }
    SECTION("down to 4") {
        s.send(sftp::make_extended(1, sftp::VersionSelect{"4"}, 3));
        CHECK(s.engine->version() == 4U);
    }
    SECTION("a version we did not list closes the channel") {
        s.send(sftp::make_extended(1, sftp::VersionSelect{"7"}, 3));
        CHECK(s.engine->failed());
        CHECK(s.replies().empty());
    }
    SECTION("garbage closes the channel") {
        s.send(sftp::Extended{1, "version-select", ssh::Bytes{0, 0}});
        CHECK(s.engine->failed());
    }
    SECTION("after another request it closes the channel") {
        s.send(sftp::Stat{1, "/", 0});
        CHECK(std::get<sftp::Attrs>(s.one()).request_id == 1);
        s.send(sftp::make_extended(2, sftp::VersionSelect{"6"}, 3));
        CHECK(s.engine->failed());
        CHECK(s.engine->version() == 3U);
    }
}

TEST_CASE("server engine versions: version-select without a versions list closes the channel",
          "[sftp_server]") {
    Session s(with_max(3), 3);
    s.send(sftp::make_extended(1, sftp::VersionSelect{"3"}, 3));
    CHECK(s.engine->failed());
}

// Written from -13 sections 4, 5, 7, 8.5 and 9.1, not from our encoder.
TEST_CASE("server engine versions: a v6 exchange byte by byte", "[sftp_server]") {
    Session s({}, 0);
    s.fs.add_file("/f", "hello");
    s.fs.nodes["/d"] = sftp_test::Node{sftp_test::Node::dir, {}, {}, 0755, 1700000000};
    s.fs.add_file("/d/x", "");

    // uint32 length 5, byte SSH_FXP_INIT, uint32 version 6
    s.engine->receive(ssh::ByteView(hex("00000005 01 00000006")));
    const ssh::Bytes version = s.output();
    // uint32 length, byte SSH_FXP_VERSION, uint32 6, then the first extension-pair:
    // string "posix-rename@openssh.com", string "1"
    REQUIRE(version.size() > 40);
    CHECK(sftp_test::to_hex(ssh::Bytes(version.begin() + 4, version.begin() + 13)) ==
          "020000000600000018");
    CHECK(std::string(version.begin() + 13, version.begin() + 37) == "posix-rename@openssh.com");
    CHECK(sftp_test::to_hex(ssh::Bytes(version.begin() + 37, version.begin() + 42)) ==
          "0000000131");

    // SSH_FXP_STAT (17), id 2, path "/f", flags wanting everything
    s.engine->receive(ssh::ByteView(hex("0000000f 11 00000002 00000002 2f66 000001ad")));
    CHECK(sftp_test::to_hex(s.output()) ==
          sftp_test::to_hex(hex("0000003d 69 00000002"  // length 61, SSH_FXP_ATTRS, id 2
                                "000001ad"              // SIZE|PERMISSIONS|ACCESSTIME|
                                                        // MODIFYTIME|OWNERGROUP|SUBSECOND_TIMES
                                "01"                    // SSH_FILEXFER_TYPE_REGULAR
                                "0000000000000005"      // size
                                "00000004 31303030"     // owner "1000" (no name known)
                                "00000003 313030"       // group "100"
                                "000001a4"              // permissions 0644, no S_IFMT bits
                                "000000006553f100 00000000"     // atime 1700000000.0
                                "000000006553f100 000001f4")));  // mtime 1700000000.000000500

    // SSH_FXP_RMDIR (15), id 3, "/d": not empty
    s.engine->receive(ssh::ByteView(hex("0000000b 0f 00000003 00000002 2f64")));
    CHECK(sftp_test::to_hex(s.output()) ==
          sftp_test::to_hex(hex("00000026 65 00000003"  // length 38, SSH_FXP_STATUS, id 3
                                "00000012"              // SSH_FX_DIR_NOT_EMPTY
                                "00000013 4469726563746f7279206e6f7420656d707479"  // message
                                "00000002 656e")));                                // "en"
}
