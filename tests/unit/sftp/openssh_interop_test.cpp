// Packets recorded from Debian 12's OpenSSH 9.2p1 `sftp` client (vectors/README.md): every
// one must decode as a v3 request, and the typed payloads must make sense.
#include "protocols/sftp/extensions.hpp"
#include "sftp_test_util.hpp"

#include <fstream>
#include <set>

using namespace sftp_test;

namespace {

std::vector<sftp::Request> recorded_requests() {
    std::ifstream file(std::string(WHARF_SOURCE_DIR) +
                       "/tests/unit/sftp/vectors/openssh_sftp_client.hex");
    REQUIRE(file);
    sftp::PacketReader reader;
    std::vector<sftp::Request> out;
    for (std::string line; std::getline(file, line);) {
        reader.feed(ssh::ByteView(hex(line)));
        auto packet = reader.next();
        REQUIRE(packet.has_value());
        REQUIRE(reader.buffered() == 0);
        INFO(line);
        out.push_back(sftp::decode_request(*packet, 3));  // throws on anything we misread
    }
    return out;
}

}  // namespace

TEST_CASE("every packet OpenSSH's sftp client sent decodes", "[sftp][interop]") {
    const auto requests = recorded_requests();
    REQUIRE(requests.size() >= 20);
    CHECK(std::get<sftp::Init>(requests.front()) == sftp::Init{3, {}});

    std::set<std::string> extended_names;
    bool saw_symlink = false;
    bool saw_open_write = false;
    for (const auto& request : requests) {
        if (const auto* ext = std::get_if<sftp::Extended>(&request)) {
            extended_names.insert(ext->name);
            if (ext->name == sftp::PosixRename::kName) {
                CHECK(sftp::parse_extended<sftp::PosixRename>(*ext, 3) ==
                      sftp::PosixRename{"/up.txt", "/moved.txt"});
            } else if (ext->name == sftp::Hardlink::kName) {
                CHECK(sftp::parse_extended<sftp::Hardlink>(*ext, 3) ==
                      sftp::Hardlink{"/f.txt", "/hard"});
            } else if (ext->name == sftp::UsersGroupsById::kName) {
                const auto ids = sftp::parse_extended<sftp::UsersGroupsById>(*ext, 3);
                CHECK(ids.uids == std::vector<std::uint32_t>{1000});
            } else if (ext->name == sftp::Statvfs::kName) {
                CHECK(sftp::parse_extended<sftp::Statvfs>(*ext, 3).path == "/");
            } else if (ext->name == sftp::Limits::kName) {
                (void)sftp::parse_extended<sftp::Limits>(*ext, 3);
            }
        }
        if (const auto* symlink = std::get_if<sftp::Symlink>(&request)) {
            // `ln -s /f.txt /link`: OpenSSH sends (target, link); we read the fields right.
            CHECK(symlink->target_path == "/f.txt");
            CHECK(symlink->link_path == "/link");
            saw_symlink = true;
        }
        if (const auto* open = std::get_if<sftp::Open>(&request);
            open && (open->pflags & sftp::pflags::write) != 0) {
            CHECK(open->filename == "/up.txt");
            CHECK((open->pflags & sftp::pflags::creat) != 0);
            CHECK(open->attrs.permissions.has_value());
            saw_open_write = true;
        }
    }
    CHECK(saw_symlink);
    CHECK(saw_open_write);
    CHECK(extended_names.count("posix-rename@openssh.com") == 1);
    CHECK(extended_names.count("hardlink@openssh.com") == 1);
    CHECK(extended_names.count("statvfs@openssh.com") == 1);
    CHECK(extended_names.count("users-groups-by-id@openssh.com") == 1);
}

TEST_CASE("recorded packets re-encode to the same bytes", "[sftp][interop]") {
    std::ifstream file(std::string(WHARF_SOURCE_DIR) +
                       "/tests/unit/sftp/vectors/openssh_sftp_client.hex");
    REQUIRE(file);
    for (std::string line; std::getline(file, line);) {
        const ssh::Bytes wire = hex(line);
        const auto request = sftp::decode_request(unframe(wire), 3);
        sftp::PacketWriter writer;
        writer.write(request, 3);
        CHECK(to_hex(writer.take()) == to_hex(wire));
    }
}
