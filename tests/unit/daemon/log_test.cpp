#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/logging/log.hpp"
#include "support/temp_dir.hpp"

namespace wlog = wharf::log;
using wharf::test::TempDir;

namespace {

std::vector<std::string> lines_of(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

struct RestoreStderrLogging {
    ~RestoreStderrLogging() { wlog::configure({}); }
};

}  // namespace

TEST_CASE("JSON lines carry the standard fields in order", "[log]") {
    TempDir dir;
    RestoreStderrLogging restore;
    wlog::configure({wharf::config::LogLevel::info, wharf::config::LogFormat::json, dir / "wharf.log"});
    wlog::info("sftp.upload.done").conn(42).proto("sftp").remote("127.0.0.1:5555").user("alice").path("/in/a \"b\".txt")
        .bytes(1048576).ms(12).status("ok").field("retry", false);
    wlog::debug("hidden.at.info");
    wlog::warn("weird\nname").field("text", std::string_view("tab\there\x01"));
    const auto lines = lines_of(dir / "wharf.log");
    REQUIRE(lines.size() == 2);
    const auto& line = lines[0];
    CHECK(line.rfind(R"({"ts":")", 0) == 0);
    CHECK(line.find(R"("level":"info","event":"sftp.upload.done","conn":42,"proto":"sftp","remote":"127.0.0.1:5555",)"
                    R"("user":"alice","path":"/in/a \"b\".txt","bytes":1048576,"ms":12,"status":"ok","retry":false})") !=
          std::string::npos);
    // ts is RFC 3339 UTC with milliseconds.
    const auto ts = line.substr(7, 24);
    CHECK(ts.size() == 24);
    CHECK(ts[4] == '-');
    CHECK(ts[10] == 'T');
    CHECK(ts[19] == '.');
    CHECK(ts[23] == 'Z');
    CHECK(lines[1].find(R"("event":"weird\nname","text":"tab\there\u0001")") != std::string::npos);
}

TEST_CASE("text format is key=value with quoting where needed", "[log]") {
    TempDir dir;
    RestoreStderrLogging restore;
    wlog::configure({wharf::config::LogLevel::debug, wharf::config::LogFormat::text, dir / "wharf.log"});
    wlog::debug("ssh.kex").conn(7).field("cipher", "aes128-gcm@openssh.com").field("banner", "two words");
    const auto lines = lines_of(dir / "wharf.log");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find(" debug ssh.kex conn=7 cipher=aes128-gcm@openssh.com banner=\"two words\"") != std::string::npos);
}

TEST_CASE("reconfiguring reopens the file, so rotation by rename works", "[log]") {
    TempDir dir;
    RestoreStderrLogging restore;
    const wharf::config::LogSettings settings{wharf::config::LogLevel::info, wharf::config::LogFormat::json, dir / "w.log"};
    wlog::configure(settings);
    wlog::info("before.rotation");
    std::filesystem::rename(dir / "w.log", dir / "w.log.1");
    wlog::configure(settings);
    wlog::info("after.rotation");
    CHECK(lines_of(dir / "w.log.1").size() == 1);
    REQUIRE(lines_of(dir / "w.log").size() == 1);
    CHECK(lines_of(dir / "w.log")[0].find("after.rotation") != std::string::npos);
}

TEST_CASE("an unopenable log file leaves the previous sink in place", "[log]") {
    TempDir dir;
    RestoreStderrLogging restore;
    wlog::configure({wharf::config::LogLevel::info, wharf::config::LogFormat::json, dir / "ok.log"});
    CHECK_THROWS(wlog::configure({wharf::config::LogLevel::info, wharf::config::LogFormat::json,
                                 dir / "ok.log" / "x.log"}));
    wlog::info("still.here");
    CHECK(lines_of(dir / "ok.log").size() == 1);
}

TEST_CASE("json_escape handles quotes, controls and UTF-8", "[log]") {
    CHECK(wlog::json_escape("plain") == "plain");
    CHECK(wlog::json_escape("a\"b\\c") == "a\\\"b\\\\c");
    CHECK(wlog::json_escape("\r\n\t") == "\\r\\n\\t");
    CHECK(wlog::json_escape(std::string_view("\0\x1f\x7f", 3)) == "\\u0000\\u001f\\u007f");
    CHECK(wlog::json_escape("h\xc3\xa9") == "h\xc3\xa9");
}
