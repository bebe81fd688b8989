#include "vfs_fixture.hpp"

#include "daemon/vfs/permissions.hpp"

#include <catch2/catch.hpp>

#include <sys/statvfs.h>

namespace vfs = wharf::vfs;
namespace fs = std::filesystem;
using vfs::Errc;
using vfs::Permission;
using vfs::PermissionSet;
using vfs::test::Sandbox;

TEST_CASE("PermissionSet is a small bit set", "[vfs][permissions]") {
    PermissionSet set{Permission::list, Permission::download};
    CHECK(set.contains(Permission::list));
    CHECK_FALSE(set.contains(Permission::upload));
    CHECK(set.contains_all({Permission::download}));
    CHECK_FALSE(set.contains_all({Permission::download, Permission::upload}));
    set.add(Permission::upload).remove(Permission::list);
    CHECK(set == PermissionSet{Permission::download, Permission::upload});
    CHECK(PermissionSet::all().contains(Permission::chtimes));
    CHECK(PermissionSet::none().empty());
    CHECK(PermissionSet::from_bits(0xffffffffu) == PermissionSet::all());
    // Same bit layout as config::Permission (list = 1 << 0, ..., chtimes = 1 << 10).
    CHECK(PermissionSet::from_bits(1u << 4).contains(Permission::remove));
    CHECK(vfs::permission_name(Permission::overwrite) == "overwrite");
    CHECK(vfs::permission_from_name("delete") == Permission::remove);
    CHECK(vfs::permission_from_name("chtimes") == Permission::chtimes);
    CHECK_FALSE(vfs::permission_from_name("everything"));
}

TEST_CASE("longest matching rule wins and sub-paths inherit", "[vfs][permissions]") {
    const vfs::PermissionTable table({
        {"/", {Permission::list, Permission::download}},
        {"/a", {Permission::list, Permission::upload}},
        {"/a/b/", {Permission::remove}},
        {"/a/b", {Permission::mkdir}},  // same path as the previous rule: the later one wins
    });
    CHECK(table.at("/") == PermissionSet{Permission::list, Permission::download});
    CHECK(table.at("/x/y") == PermissionSet{Permission::list, Permission::download});
    CHECK(table.at("/a") == PermissionSet{Permission::list, Permission::upload});
    CHECK(table.at("/a/c/d") == PermissionSet{Permission::list, Permission::upload});
    CHECK(table.at("/a/b") == PermissionSet{Permission::mkdir});
    CHECK(table.at("/a/b/deep/er") == PermissionSet{Permission::mkdir});
    CHECK(table.at("/ab") == PermissionSet{Permission::list, Permission::download});
    CHECK(table.at("/a/bc") == PermissionSet{Permission::list, Permission::upload});
}

TEST_CASE("no rules allow everything; rules without '/' leave other paths open", "[vfs][permissions]") {
    const vfs::PermissionTable none;
    CHECK(none.at("/anything") == PermissionSet::all());
    const vfs::PermissionTable partial({{"/in", {Permission::upload}}});
    CHECK(partial.at("/out") == PermissionSet::all());
    CHECK(partial.at("/in/x") == PermissionSet{Permission::upload});
    const std::vector<vfs::PermissionRule> bad{{"relative", {}}};
    CHECK_THROWS_AS(vfs::PermissionTable(bad), std::system_error);
}

TEST_CASE("operations check the permission they need", "[vfs][permissions]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    INFO("resolver " << vfs::test::strategy_name(strategy));
    Sandbox box(strategy);
    box.policy.permissions = {
        {"/", {Permission::list}},
        {"/pub", {Permission::list, Permission::download}},
        {"/in", {Permission::list, Permission::upload, Permission::mkdir}},
        {"/in/edit", PermissionSet::all()},
    };
    fs::create_directories(box.root / "in" / "edit");
    vfs::test::write_file(box.root / "in" / "old.txt", "old");
    vfs::test::write_file(box.root / "in" / "edit" / "e.txt", "e");
    auto& v = box.open_filesystem();

    CHECK(v.stat("/pub/file.txt"));
    CHECK(v.open("/pub/file.txt", {.read = true}));
    CHECK(v.open("/in/old.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.open("/pub/new.txt", {.write = true, .create = true}).error() == Errc::permission_denied);

    // upload: new files yes, existing files need overwrite.
    auto created = v.open("/in/new.txt", {.write = true, .create = true});
    REQUIRE(created);
    CHECK(created->close());
    CHECK(v.open("/in/old.txt", {.write = true, .create = true, .truncate = true}).error() ==
          Errc::permission_denied);
    CHECK(v.open("/in/old.txt", {.write = true}).error() == Errc::permission_denied);
    CHECK(v.open("/in/old.txt", {.write = true, .create = true, .exclusive = true}).error() ==
          Errc::exists);
    CHECK(v.make_directory("/in/d"));
    CHECK(v.remove_directory("/in/d").error() == Errc::permission_denied);
    CHECK(v.remove("/in/old.txt").error() == Errc::permission_denied);
    CHECK(v.rename("/in/old.txt", "/in/edit/moved.txt").error() == Errc::permission_denied);
    CHECK(v.symlink("old.txt", "/in/link").error() == Errc::permission_denied);
    CHECK(v.set_attributes("/in/old.txt", {.mode = 0600}).error() == Errc::permission_denied);
    CHECK(v.set_attributes("/in/old.txt", {.mtime = vfs::Timestamp{1, 0}}).error() ==
          Errc::permission_denied);

    // Inside /in/edit everything is allowed, but not the "/in" parent of a rename target.
    CHECK(v.open("/in/edit/e.txt", {.write = true, .truncate = true}));
    CHECK(v.rename("/in/edit/e.txt", "/in/edit/f.txt"));
    CHECK(v.rename("/in/edit/f.txt", "/in/f.txt").error() == Errc::permission_denied);
    CHECK(v.remove("/in/edit/f.txt"));
    CHECK(v.open("/in/edit/g.txt", {.read = true, .write = true, .create = true}));

    // list at "/" lets stat and readdir work there; without list nothing is visible.
    box.policy.permissions = {{"/", {Permission::download}}};
    auto& hidden = box.open_filesystem();
    CHECK(hidden.stat("/pub/file.txt").error() == Errc::permission_denied);
    CHECK(hidden.lstat("/pub").error() == Errc::permission_denied);
    CHECK(hidden.open_directory("/").error() == Errc::permission_denied);
    CHECK(hidden.readlink("/pub").error() == Errc::permission_denied);
    CHECK(hidden.open("/pub/file.txt", {.read = true}));
}

TEST_CASE("rename over an existing target needs overwrite there", "[vfs][permissions]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    box.policy.permissions = {{"/", {Permission::list, Permission::rename}},
                              {"/pub/file.txt", {Permission::list, Permission::rename, Permission::overwrite}}};
    vfs::test::write_file(box.root / "a.txt", "a");
    vfs::test::write_file(box.root / "b.txt", "b");
    auto& v = box.open_filesystem();
    CHECK(v.rename("/a.txt", "/b.txt").error() == Errc::permission_denied);
    CHECK(v.rename("/a.txt", "/c.txt"));
    CHECK(v.rename("/c.txt", "/pub/file.txt"));
    CHECK(vfs::test::read_file(box.root / "pub" / "file.txt") == "a");
}

TEST_CASE("a symlink does not lend one path's rights to another", "[vfs][permissions]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    INFO("resolver " << vfs::test::strategy_name(strategy));
    Sandbox box(strategy);
    fs::create_directories(box.root / "private");
    vfs::test::write_file(box.root / "private" / "payroll.txt", "salaries");
    fs::create_symlink("../private/payroll.txt", box.root / "pub" / "alias.txt");
    fs::create_symlink("../private", box.root / "pub" / "door");
    box.policy.permissions = {{"/", PermissionSet::all()}, {"/private", PermissionSet::none()}};
    auto& v = box.open_filesystem();
    CHECK(v.open("/pub/alias.txt", {.read = true}).error() == Errc::permission_denied);
    CHECK(v.stat("/pub/alias.txt").error() == Errc::permission_denied);
    CHECK(v.open_directory("/pub/door").error() == Errc::permission_denied);
    CHECK(v.make_directory("/pub/door/x").error() == Errc::permission_denied);
    CHECK(v.remove("/pub/door/payroll.txt").error() == Errc::permission_denied);
    CHECK(v.set_attributes("/pub/alias.txt", {.size = 0}).error() == Errc::permission_denied);
    CHECK(vfs::test::read_file(box.root / "private" / "payroll.txt") == "salaries");
    CHECK_FALSE(fs::exists(box.root / "private" / "x"));
    // The link itself is a name in /pub: it may be listed and read as a link.
    CHECK(v.lstat("/pub/alias.txt"));
    CHECK(v.readlink("/pub/alias.txt").value() == "../private/payroll.txt");
}

TEST_CASE("read-only mounts refuse every change with read_only", "[vfs][permissions]") {
    const auto strategy = GENERATE(vfs::ResolveStrategy::openat2, vfs::ResolveStrategy::walk);
    Sandbox box(strategy);
    auto& v = box.vfs();
    CHECK(v.open("/ro/readme.txt", {.read = true}));
    CHECK(v.open("/ro/readme.txt", {.write = true}).error() == Errc::read_only);
    CHECK(v.open("/ro/new.txt", {.write = true, .create = true}).error() == Errc::read_only);
    CHECK(v.open("/ro/readme.txt", {.append = true}).error() == Errc::read_only);
    CHECK(v.make_directory("/ro/d").error() == Errc::read_only);
    CHECK(v.remove("/ro/readme.txt").error() == Errc::read_only);
    CHECK(v.rename("/ro/readme.txt", "/ro/x.txt").error() == Errc::read_only);
    CHECK(v.symlink("readme.txt", "/ro/l").error() == Errc::read_only);
    CHECK(v.link("/ro/readme.txt", "/ro/h").error() == Errc::read_only);
    CHECK(v.set_attributes("/ro/readme.txt", {.mode = 0600}).error() == Errc::read_only);
    CHECK(v.set_attributes("/ro/readme.txt", {.size = 1}).error() == Errc::read_only);
    CHECK(v.statvfs("/ro").value().flags & ST_RDONLY);
    CHECK(vfs::test::read_file(box.ro / "readme.txt") == "read only");
    fs::create_directories(box.ro / "empty");
    CHECK(v.remove_directory("/ro/empty").error() == Errc::read_only);
}
