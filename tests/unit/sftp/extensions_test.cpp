#include "protocols/sftp/extensions.hpp"
#include "sftp_test_util.hpp"

using namespace sftp_test;

namespace {

template <class Payload>
void check_request(const Payload& payload, std::uint32_t version) {
    const sftp::Extended request = sftp::make_extended(42, payload, version);
    CHECK(request.name == Payload::kName);
    // Through the packet layer and back.
    const auto decoded = std::get<sftp::Extended>(
        sftp::decode_request(unframe(sftp::encode_packet(request, version)), version));
    CHECK(sftp::parse_extended<Payload>(decoded, version) == payload);
    // Every strict prefix of a fixed-layout payload fails, naming the request id.
    for (std::size_t n = 0; n < request.data.size(); ++n) {
        sftp::Extended cut = request;
        cut.data.resize(n);
        try {
            (void)sftp::parse_extended<Payload>(cut, version);
            FAIL("prefix " << n << " decoded");
        } catch (const sftp::DecodeError& error) {
            CHECK(error.request_id() == 42u);
        }
    }
    sftp::Extended longer = request;
    longer.data.push_back(0);
    CHECK_THROWS_AS(sftp::parse_extended<Payload>(longer, version), sftp::DecodeError);
}

template <class Payload>
void check_reply(const Payload& payload, bool open_ended = false) {
    const sftp::ExtendedReply reply = sftp::make_extended_reply(7, payload, 3);
    const auto decoded =
        std::get<sftp::ExtendedReply>(sftp::decode_reply(unframe(sftp::encode_packet(reply, 3)), 3));
    CHECK(sftp::parse_extended_reply<Payload>(decoded, 3) == payload);
    if (open_ended) return;  // its last field runs to the end of the packet
    sftp::ExtendedReply cut = reply;
    cut.data.pop_back();
    CHECK_THROWS_AS(sftp::parse_extended_reply<Payload>(cut, 3), sftp::DecodeError);
}

}  // namespace

TEST_CASE("OpenSSH extension requests round-trip", "[sftp][extensions]") {
    check_request(sftp::PosixRename{"/a", "/b"}, 3);
    check_request(sftp::Statvfs{"/"}, 3);
    check_request(sftp::Fstatvfs{"h"}, 3);
    check_request(sftp::Hardlink{"/a", "/b"}, 3);
    check_request(sftp::Fsync{"h"}, 3);
    for (std::uint32_t v = 3; v <= 6; ++v) check_request(sftp::Lsetstat{"/l", full_attributes(v)}, v);
    check_request(sftp::ExpandPath{"~/x"}, 3);
    check_request(sftp::CopyData{"r", 1, 2, "w", 3}, 3);
    check_request(sftp::HomeDirectory{"alice"}, 3);
    check_request(sftp::UsersGroupsById{{0, 1000}, {100}}, 3);
    check_request(sftp::CheckFileHandle{"h", "sha256,md5", 0, 0, 0}, 6);
    check_request(sftp::CheckFileName{"/f", "sha1", 10, 20, 4096}, 6);
    check_request(sftp::SpaceAvailable{"/"}, 6);
    check_request(sftp::CopyFile{"/a", "/b", true}, 6);
    check_request(sftp::VersionSelect{"6"}, 3);
    // limits@openssh.com has no payload; anything after the name is trailing garbage.
    CHECK(sftp::make_extended(1, sftp::Limits{}, 3).data.empty());
    CHECK_THROWS_AS(sftp::parse_extended<sftp::Limits>(sftp::Extended{1, "limits@openssh.com", {0}}, 3),
                    sftp::DecodeError);
}

TEST_CASE("extension replies round-trip", "[sftp][extensions]") {
    check_reply(sftp::StatvfsReply{4096, 4096, 100, 50, 40, 1000, 500, 400, 0x1234, 1, 255});
    check_reply(sftp::LimitsReply{262144, 261120, 261120, 0});
    check_reply(sftp::UsersGroupsByIdReply{{"root", ""}, {"wheel"}});
    check_reply(sftp::CheckFileReply{"sha256", ssh::Bytes(32, 1)}, true);
    check_reply(sftp::SpaceAvailableReply{1, 2, 3, 4, 512});
}

TEST_CASE("statvfs and limits reply layouts", "[sftp][extensions]") {
    const auto limits = sftp::make_extended_reply(3, sftp::LimitsReply{34000, 32768, 32768, 0}, 3);
    CHECK(to_hex(sftp::encode_packet(limits, 3)) ==
          to_hex(hex("00000025 c9 00000003"
                     "00000000000084d0 0000000000008000 0000000000008000 0000000000000000")));
    // users-groups-by-id: ids packed as uint32s inside one string each.
    const auto ids = sftp::make_extended(4, sftp::UsersGroupsById{{0, 1}, {}}, 3);
    CHECK(to_hex(ids.data) == "00000008" "00000000" "00000001" "00000000");
    CHECK_THROWS_AS(sftp::parse_extended<sftp::UsersGroupsById>(
                        sftp::Extended{4, "users-groups-by-id@openssh.com", hex("00000003 000000 00000000")}, 3),
                    sftp::DecodeError);
}

TEST_CASE("VERSION extensions", "[sftp][extensions]") {
    const auto newline = sftp::make_version_extension(sftp::NewlineExtension{"\r\n"});
    CHECK(newline == sftp::ExtensionPair{"newline", "\r\n"});
    CHECK(sftp::parse_version_extension<sftp::NewlineExtension>(newline).separator == "\r\n");

    const auto versions = sftp::make_version_extension(sftp::VersionsExtension{{"3", "4", "5", "6"}});
    CHECK(versions.data == "3,4,5,6");
    CHECK(sftp::parse_version_extension<sftp::VersionsExtension>(versions).versions.size() == 4);

    const sftp::SupportedExtension supported{0x1fd, 0xfff, 0x3f, 0x1ff, 32768, {"copy-file"}};
    CHECK(sftp::parse_version_extension<sftp::SupportedExtension>(
              sftp::make_version_extension(supported)) == supported);

    const sftp::Supported2Extension supported2{0xffff, 0xfff, 0xffff, 0x1ff, 0, 1, 0x0c01,
                                               {"x@example.com"}, {"check-file-handle"}};
    const auto pair2 = sftp::make_version_extension(supported2);
    CHECK(sftp::parse_version_extension<sftp::Supported2Extension>(pair2) == supported2);
    auto huge = pair2;
    huge.data.replace(24, 4, std::string("\xff\xff\xff\xff", 4));  // attrib-extension-count
    CHECK_THROWS_AS(sftp::parse_version_extension<sftp::Supported2Extension>(huge),
                    sftp::DecodeError);

    const sftp::VendorIdExtension vendor{"wharf", "wharfd", "0.1.0", 1};
    CHECK(sftp::parse_version_extension<sftp::VendorIdExtension>(
              sftp::make_version_extension(vendor)) == vendor);
}

TEST_CASE("version-select", "[sftp][extensions]") {
    const std::vector<std::uint32_t> offered{3, 4, 5, 6};
    CHECK(sftp::select_version(sftp::VersionSelect{"6"}, offered) == 6u);
    CHECK(sftp::select_version(sftp::VersionSelect{"3"}, offered) == 3u);
    CHECK_FALSE(sftp::select_version(sftp::VersionSelect{"2"}, offered).has_value());
    CHECK_FALSE(sftp::select_version(sftp::VersionSelect{"6x"}, offered).has_value());
    CHECK_FALSE(sftp::select_version(sftp::VersionSelect{""}, offered).has_value());
}
