#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "diagnostics_util.hpp"
#include "support/temp_dir.hpp"

using wharf::config::ConfigError;
using wharf::config::Diagnostic;
using wharf::config::HookEvent;
using wharf::config::load_text;
using wharf::test::TempDir;
using wharf::test::dump;
using wharf::test::errors_of;
using wharf::test::has_error;

namespace {

std::filesystem::path write_executable(const TempDir& dir, std::string_view name) {
    const auto file = dir.write(name, "#!/bin/sh\nexit 0\n");
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    return file;
}

}  // namespace

TEST_CASE("hook event names round-trip, with delete for remove", "[config][hooks]") {
    for (std::size_t index = 0; index < wharf::config::hook_event_count; ++index) {
        const auto event = static_cast<HookEvent>(index);
        const auto name = wharf::config::hook_event_name(event);
        CHECK(wharf::config::hook_event_from_name(name) == event);
    }
    CHECK(wharf::config::hook_event_name(HookEvent::remove) == "delete");
    CHECK(wharf::config::hook_event_from_name("delete") == HookEvent::remove);
    CHECK_FALSE(wharf::config::hook_event_from_name("remove"));
    CHECK_FALSE(wharf::config::hook_event_from_name("Upload"));
}

TEST_CASE("hooks take a bare path or a command mapping", "[config][hooks]") {
    TempDir dir;
    const auto check = write_executable(dir, "check-upload");
    const auto notify = write_executable(dir, "notify");
    const auto config = load_text("hooks:\n"
                                  "  upload:\n"
                                  "    pre: " + check.string() + "\n"
                                  "    post:\n"
                                  "      command: " + notify.string() + "\n"
                                  "      args: [--queue, incoming]\n"
                                  "      timeout: 10s\n"
                                  "  delete: {post: " + notify.string() + "}\n"
                                  "  login: {pre: {command: " + check.string() + ", args: single}}\n",
                                  "hooks.yaml", dir.path());

    const auto& upload = config->hooks_for(HookEvent::upload);
    REQUIRE(upload.pre);
    CHECK(upload.pre->command == check);
    CHECK(upload.pre->args.empty());
    CHECK(upload.pre->timeout == std::chrono::seconds(30));
    REQUIRE(upload.post);
    CHECK(upload.post->command == notify);
    CHECK(upload.post->args == std::vector<std::string>{"--queue", "incoming"});
    CHECK(upload.post->timeout == std::chrono::seconds(10));

    const auto& remove = config->hooks_for(HookEvent::remove);
    CHECK_FALSE(remove.pre);
    REQUIRE(remove.post);
    CHECK(remove.post->command == notify);

    const auto& login = config->hooks_for(HookEvent::login);
    REQUIRE(login.pre);
    CHECK(login.pre->args == std::vector<std::string>{"single"});

    CHECK_FALSE(config->hooks_for(HookEvent::download).pre);
    CHECK_FALSE(config->hooks_for(HookEvent::download).post);
}

TEST_CASE("every hook event name is a `hooks:` key", "[config][hooks]") {
    TempDir dir;
    const auto exe = write_executable(dir, "hook").string();
    std::string yaml = "hooks:\n";
    for (std::size_t index = 0; index < wharf::config::hook_event_count; ++index) {
        yaml += fmt::format("  {}: {{post: {}}}\n", wharf::config::hook_event_name(static_cast<HookEvent>(index)), exe);
    }
    const auto config = load_text(yaml, "hooks.yaml", dir.path());
    for (const auto& hooks : config->hooks) {
        REQUIRE(hooks.post);
        CHECK(hooks.post->command == exe);
    }
}

TEST_CASE("a configuration without hooks has none", "[config][hooks]") {
    TempDir dir;
    const auto config = load_text("server:\n  workers: 1\n", "hooks.yaml", dir.path());
    for (const auto& hooks : config->hooks) {
        CHECK_FALSE(hooks.pre);
        CHECK_FALSE(hooks.post);
    }
}

TEST_CASE("hook mistakes are reported where they stand", "[config][hooks]") {
    TempDir dir;
    const auto exe = write_executable(dir, "hook").string();
    const auto not_executable = dir.write("not-exec", "#!/bin/sh\n");
    std::filesystem::permissions(not_executable, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto errors = errors_of(dir, "hooks:\n"                                            // 1
                                       "  uplaod:\n"                                         // 2
                                       "    pre: " + exe + "\n"                              // 3
                                       "  upload:\n"                                         // 4
                                       "    pre: relative/script\n"                          // 5
                                       "  download:\n"                                       // 6
                                       "    pre: " + (dir / "missing").string() + "\n"       // 7
                                       "    post: " + not_executable.string() + "\n"         // 8
                                       "  delete:\n"                                         // 9
                                       "    pre:\n"                                          // 10
                                       "      command: " + exe + "\n"                        // 11
                                       "      timeout: 0s\n"                                 // 12
                                       "      argz: [a]\n"                                   // 13
                                       "  rename:\n"                                         // 14
                                       "    post:\n"                                         // 15
                                       "      command: " + exe + "\n"                        // 16
                                       "      timeout: 2h\n"                                 // 17
                                       "    pr: " + exe + "\n"                               // 18
                                       "  mkdir:\n"                                          // 19
                                       "    post:\n"                                         // 20
                                       "      args: [x]\n"                                   // 21
                                       "  rmdir: {}\n"                                       // 22
                                       "  setstat:\n"                                        // 23
                                       "    post: [" + exe + "]\n"                           // 24
                                       "  symlink:\n"                                        // 25
                                       "    post: {command: " + dir.path().string() + "}\n"  // 26
                                       "  login:\n"                                          // 27
                                       "    pre: {command: " + exe + ", timeout: soon}\n");  // 28
    INFO(dump(errors));
    CHECK(has_error(errors, 2, 3, "hooks: unknown key 'uplaod' (did you mean 'upload'?)"));
    CHECK(has_error(errors, 5, 10, "hooks.upload.pre: 'relative/script' is not an absolute path"));
    CHECK(has_error(errors, 7, 10, "hooks.download.pre: '" + (dir / "missing").string() + "' does not exist"));
    CHECK(has_error(errors, 8, 11, "hooks.download.post: '" + not_executable.string() + "' is not executable"));
    CHECK(has_error(errors, 12, 16, "hooks.delete.pre.timeout: must be more than 0 and at most 1h"));
    CHECK(has_error(errors, 13, 7, "hooks.delete.pre: unknown key 'argz' (did you mean 'args'?)"));
    CHECK(has_error(errors, 17, 16, "hooks.rename.post.timeout: must be more than 0 and at most 1h"));
    CHECK(has_error(errors, 18, 5, "hooks.rename: unknown key 'pr' (did you mean 'pre'?)"));
    CHECK(has_error(errors, 21, 7, "hooks.mkdir.post: missing required key 'command'"));
    CHECK(has_error(errors, 22, 10, "hooks.rmdir: needs a pre or a post hook"));
    CHECK(has_error(errors, 24, 11, "hooks.setstat.post: expected the path of an executable or a mapping"));
    CHECK(has_error(errors, 26, 21, "is not a regular file"));
    CHECK(has_error(errors, 28, 31 + static_cast<int>(exe.size()), "not a duration"));
    CHECK(errors.size() == 13);
}
