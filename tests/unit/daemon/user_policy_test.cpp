// A configured user, bound to the virtual filesystem, gets exactly the tree and rights the
// YAML describes.
#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "daemon/server/user_policy.hpp"
#include "daemon/vfs/filesystem.hpp"
#include "support/temp_dir.hpp"

using wharf::test::TempDir;
namespace vfs = wharf::vfs;

namespace {

constexpr const char* yaml = R"(users:
  - name: kim
    password: "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    root: home
    home: /inbox
    virtual_folders:
      - {path: /reference, source: reference, read_only: true}
    permissions:
      /: [list, download]
      /inbox: ["*"]
    quota: {bytes: 10, files: 5}
)";

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

}  // namespace

TEST_CASE("config users map onto VFS policies", "[daemon][vfs]") {
    TempDir dir;
    dir.mkdir("home/inbox");
    dir.write("reference/manual.txt", "read me");
    const auto config = wharf::config::load_text(yaml, "t.yaml", dir.path());
    const auto policy = wharf::daemon::user_policy(config->users.at(0));
    REQUIRE(policy.mounts.size() == 2);
    CHECK(policy.home == "/inbox");
    CHECK(policy.permissions.at(1).permissions == vfs::PermissionSet::all());
    CHECK(policy.permissions.at(0).permissions == vfs::PermissionSet{vfs::Permission::list, vfs::Permission::download});

    vfs::QuotaRegistry quotas;
    const vfs::UserFilesystem fs(policy, quotas.tracker_for("kim", policy));
    CHECK(fs.stat("/reference/manual.txt").value().size == 7);

    // Uploads are allowed in /inbox (relative paths start at home), not in "/".
    auto upload = fs.open("report.txt", {.write = true, .create = true, .truncate = true});
    REQUIRE(upload);
    CHECK(upload.value().write(0, bytes_of("12345")));
    // The quota (10 bytes) is enforced on the write itself.
    CHECK(upload.value().write(5, bytes_of("6789012")).error() == vfs::Errc::quota_exceeded);
    CHECK(upload.value().close());
    CHECK(fs.stat("/inbox/report.txt").value().size == 5);
    CHECK(fs.open("/top.txt", {.write = true, .create = true}).error() == vfs::Errc::permission_denied);
    // The read-only folder refuses changes even though nothing else forbids them.
    CHECK(fs.remove("/reference/manual.txt").error() == vfs::Errc::read_only);
}

TEST_CASE("restrict_to_home confines a user to home while paths still show from the root", "[daemon][vfs]") {
    TempDir dir;
    dir.mkdir("home/inbox/sub");
    dir.write("home/top.txt", "top");
    dir.write("reference/manual.txt", "read me");
    const std::string restricted = R"(users:
  - name: kim
    password: "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    root: home
    home: /inbox
    restrict_to_home: true
    virtual_folders:
      - {path: /reference, source: reference, read_only: true}
    permissions:
      /: [list, download]
      /inbox/sub: [list]
)";
    const auto config = wharf::config::load_text(restricted, "t.yaml", dir.path());
    CHECK(config->users.at(0).restrict_to_home);
    const auto policy = wharf::daemon::user_policy(config->users.at(0));
    const vfs::UserFilesystem fs(policy);

    CHECK(fs.realpath(".").value() == "/inbox");
    CHECK(fs.open("new.txt", {.write = true, .create = true}));                 // home: everything
    CHECK(fs.make_directory("/inbox/made"));
    CHECK(fs.stat("/inbox/sub").has_value());                                   // its own rule: list only
    CHECK(fs.make_directory("/inbox/sub/x").error() == vfs::Errc::permission_denied);
    // Outside home nothing is allowed, whatever the user's rules said there.
    CHECK(fs.stat("/top.txt").error() == vfs::Errc::permission_denied);
    CHECK(fs.open("../top.txt", {.read = true}).error() == vfs::Errc::permission_denied);
    CHECK(fs.stat("/reference/manual.txt").error() == vfs::Errc::permission_denied);
    CHECK(fs.open_directory("/").error() == vfs::Errc::permission_denied);
}
