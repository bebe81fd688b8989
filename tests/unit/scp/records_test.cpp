#include "protocols/scp/glob.hpp"
#include "protocols/scp/records.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <variant>

namespace scp = wharf::scp;
using namespace std::string_literals;

namespace {

std::string malformed(std::string_view line) {
    const auto record = scp::parse_record(line);
    INFO(line);
    REQUIRE(std::holds_alternative<scp::MalformedRecord>(record));
    return std::get<scp::MalformedRecord>(record).message;
}

}  // namespace

TEST_CASE("scp records: C, D, E and T parse", "[scp][records]") {
    const auto file = std::get<scp::FileRecord>(scp::parse_record("C0644 12345 report 2024.csv"));
    CHECK(file.mode == 0644);
    CHECK(file.size == 12345);
    CHECK(file.name == "report 2024.csv");
    const auto dir = std::get<scp::DirectoryRecord>(scp::parse_record("D4755 0 sub"));
    CHECK(dir.mode == 04755);
    CHECK(dir.name == "sub");
    CHECK(std::holds_alternative<scp::EndRecord>(scp::parse_record("E")));
    const auto times = std::get<scp::TimesRecord>(scp::parse_record("T1700000000 0 1600000000 999999"));
    CHECK(times.times == scp::FileTimes{1700000000, 1600000000});
    const auto size = std::get<scp::FileRecord>(scp::parse_record("C0600 9223372036854775807 big"));
    CHECK(size.size == 9223372036854775807ULL);
}

TEST_CASE("scp records: error lines", "[scp][records]") {
    const auto warning = std::get<scp::ErrorRecord>(scp::parse_record("\x01scp: x: No such file or directory"));
    CHECK_FALSE(warning.fatal);
    CHECK(warning.message == "scp: x: No such file or directory");
    CHECK(std::get<scp::ErrorRecord>(scp::parse_record("\x02gone")).fatal);
}

TEST_CASE("scp records: malformed records name what is wrong", "[scp][records]") {
    CHECK(malformed("") == "protocol error: unexpected <newline>");
    CHECK(malformed("X") == "protocol error: expected control record");
    CHECK(malformed("C064 1 x") == "protocol error: bad mode");
    CHECK(malformed("C0648 1 x") == "protocol error: bad mode");
    CHECK(malformed("C06441 1 x") == "protocol error: mode not delimited");
    CHECK(malformed("C0644 x y") == "protocol error: size not present");
    CHECK(malformed("C0644 -1 y") == "protocol error: size not present");
    CHECK(malformed("C0644 12x y") == "protocol error: size not delimited");
    CHECK(malformed("C0644 99999999999999999999 y") == "protocol error: size out of range");
    CHECK(malformed("C0644 9223372036854775808 y") == "protocol error: size out of range");
    CHECK(malformed("T1 0 2") == "protocol error: atime.sec not delimited");
    CHECK(malformed("T1 1000000 2 0") == "protocol error: mtime.usec not delimited");
    CHECK(malformed("Tx 0 2 0") == "protocol error: mtime.sec not present");
    CHECK(malformed("T1 0 2 0 ") == "protocol error: atime.usec not delimited");
    CHECK(malformed("Ex") == "protocol error: unexpected data after E");
}

TEST_CASE("scp records: names must be one path component", "[scp][records]") {
    for (const char* name : {"..", ".", "a/b", "/etc/passwd", "../x", ""}) {
        INFO(name);
        CHECK(malformed("C0644 1 "s + name) == "error: unexpected filename: "s + name);
        CHECK(malformed("D0755 0 "s + name) == "error: unexpected filename: "s + name);
    }
    CHECK(std::holds_alternative<scp::FileRecord>(scp::parse_record("C0644 1 ..x")));
}

TEST_CASE("scp records: encoding", "[scp][records]") {
    CHECK(scp::encode_file_record(0100644, 5, "a b") == "C0644 5 a b\n");
    CHECK(scp::encode_file_record(04755, 0, "x") == "C4755 0 x\n");
    CHECK(scp::encode_directory_record(040700, "d") == "D0700 0 d\n");
    CHECK(scp::encode_end_record() == "E\n");
    CHECK(scp::encode_times_record({1700000000, 1600000000}) == "T1700000000 0 1600000000 0\n");
    CHECK(scp::encode_times_record({-5, 3}) == "T0 0 3 0\n");
    CHECK(scp::encode_error_record("x: Permission denied", false) == "\x01scp: x: Permission denied\n");
    CHECK(scp::encode_error_record("two\nlines", true) == "\x02scp: two lines\n");
    CHECK(scp::encode_error_record(std::string(5000, 'a'), false).size() < scp::kMaxControlLine);
}

TEST_CASE("scp glob: * and ? within a name, dot files need a literal dot", "[scp][glob]") {
    CHECK(scp::glob_matches("*.txt", "a.txt"));
    CHECK(scp::glob_matches("*.txt", ".txt") == false);
    CHECK_FALSE(scp::glob_matches("*.txt", ".hidden.txt"));
    CHECK(scp::glob_matches(".*", ".hidden"));
    CHECK(scp::glob_matches("a?c", "abc"));
    CHECK_FALSE(scp::glob_matches("a?c", "ac"));
    CHECK(scp::glob_matches("*", "anything"));
    CHECK(scp::glob_matches("a*b*c", "aXXbYYc"));
    CHECK_FALSE(scp::glob_matches("a*b*c", "aXXbYY"));
    CHECK(scp::glob_matches("\\*.txt", "*.txt"));
    CHECK_FALSE(scp::glob_matches("\\*.txt", "a.txt"));
    CHECK(scp::glob_matches(std::string(100, '*') + "b", std::string(10000, 'a') + "b"));
    CHECK(scp::has_wildcards("a*"));
    CHECK(scp::has_wildcards("?"));
    CHECK_FALSE(scp::has_wildcards("a\\*"));
    CHECK_FALSE(scp::has_wildcards("plain"));
    CHECK(scp::unescape_pattern("a\\*b\\\\c") == "a*b\\c");
}
