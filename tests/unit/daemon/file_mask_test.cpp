// File masks for `wharf sftp`: wildcards, sets, escapes, case folding, lists of masks.
#include <catch2/catch.hpp>

#include "daemon/cli/file_mask.hpp"

#include <chrono>
#include <string>

using wharf::cli::FileMasks;
using wharf::cli::has_wildcards;
using wharf::cli::mask_matches;
using wharf::cli::split_masks;
using wharf::cli::unescape_mask;

TEST_CASE("literal masks match only the same name", "[daemon][file_mask]") {
    CHECK(mask_matches("invoice.edi", "invoice.edi"));
    CHECK_FALSE(mask_matches("invoice.edi", "invoice.ed"));
    CHECK_FALSE(mask_matches("invoice.edi", "invoice.edix"));
    CHECK_FALSE(mask_matches("invoice.edi", "Invoice.edi"));
    CHECK(mask_matches("", ""));
    CHECK_FALSE(mask_matches("", "a"));
    CHECK_FALSE(mask_matches("a", ""));
}

TEST_CASE("* matches any run of characters, ? exactly one", "[daemon][file_mask]") {
    CHECK(mask_matches("*", ""));
    CHECK(mask_matches("*", "anything.at.all"));
    CHECK(mask_matches("*.edi", "a.edi"));
    CHECK(mask_matches("*.edi", ".edi"));
    CHECK_FALSE(mask_matches("*.edi", "a.edi.bak"));
    CHECK(mask_matches("INV*2024*.txt", "INV-march-2024-final.txt"));
    CHECK_FALSE(mask_matches("INV*2024*.txt", "INV-march-2023-final.txt"));
    CHECK(mask_matches("a*b*c", "abc"));
    CHECK(mask_matches("a*b*c", "aXbYbZc"));
    CHECK_FALSE(mask_matches("a*b*c", "aXbYbZ"));
    CHECK(mask_matches("**", "x"));
    CHECK(mask_matches("a**", "a"));
    CHECK(mask_matches("INV??.txt", "INV01.txt"));
    CHECK_FALSE(mask_matches("INV??.txt", "INV1.txt"));
    CHECK_FALSE(mask_matches("INV??.txt", "INV001.txt"));
    CHECK(mask_matches("?*", "x"));
    CHECK_FALSE(mask_matches("?*", ""));
    // The match must backtrack past a first candidate: "*aab" against "aaab".
    CHECK(mask_matches("*aab", "aaab"));
    CHECK(mask_matches("*a?c*", "xxabyabc"));
}

TEST_CASE("a star matches dot files too; hiding them is the caller's business", "[daemon][file_mask]") {
    CHECK(mask_matches("*", ".profile"));
    CHECK(mask_matches(".*", ".profile"));
    CHECK_FALSE(mask_matches(".*", "profile"));
}

TEST_CASE("no wildcard crosses a '/'", "[daemon][file_mask]") {
    CHECK_FALSE(mask_matches("*", "in/a.edi"));
    CHECK_FALSE(mask_matches("in?a.edi", "in/a.edi"));
    CHECK_FALSE(mask_matches("in[/]a", "in/a"));
    CHECK_FALSE(mask_matches("in[!x]a", "in/a"));
    CHECK(mask_matches("in/*.edi", "in/a.edi"));  // a literal '/' is just a character
}

TEST_CASE("sets: members, ranges, negation, ']' and '-' as members", "[daemon][file_mask]") {
    CHECK(mask_matches("[abc].x", "b.x"));
    CHECK_FALSE(mask_matches("[abc].x", "d.x"));
    CHECK(mask_matches("[0-9][0-9].xml", "42.xml"));
    CHECK_FALSE(mask_matches("[0-9][0-9].xml", "4a.xml"));
    CHECK(mask_matches("[a-cx-z]", "y"));
    CHECK_FALSE(mask_matches("[a-cx-z]", "m"));
    CHECK(mask_matches("[!0-9]*", "report1"));
    CHECK_FALSE(mask_matches("[!0-9]*", "1report"));
    CHECK(mask_matches("[^0-9]*", "report1"));
    CHECK_FALSE(mask_matches("[^0-9]*", "1report"));
    CHECK(mask_matches("[]]", "]"));
    CHECK(mask_matches("[]a]", "a"));
    CHECK_FALSE(mask_matches("[]a]", "b"));
    CHECK(mask_matches("[!]]", "x"));
    CHECK_FALSE(mask_matches("[!]]", "]"));
    CHECK(mask_matches("[a-]", "-"));
    CHECK(mask_matches("[-a]", "-"));
    CHECK_FALSE(mask_matches("[a-]", "b"));
    CHECK_FALSE(mask_matches("[z-a]", "m"));  // an empty range takes nothing
    CHECK(mask_matches("*[0-9]", "file7"));
    CHECK_FALSE(mask_matches("*[0-9]", "file7x"));
}

TEST_CASE("escapes make wildcards literal, also inside sets", "[daemon][file_mask]") {
    CHECK(mask_matches(R"(a\*b)", "a*b"));
    CHECK_FALSE(mask_matches(R"(a\*b)", "axb"));
    CHECK(mask_matches(R"(\?)", "?"));
    CHECK_FALSE(mask_matches(R"(\?)", "x"));
    CHECK(mask_matches(R"(\[x])", "[x]"));
    CHECK(mask_matches(R"([\]])", "]"));
    CHECK(mask_matches(R"([\!a])", "!"));
    CHECK(mask_matches(R"([a\-c])", "-"));
    CHECK_FALSE(mask_matches(R"([a\-c])", "b"));
    CHECK(mask_matches(R"([\a-\c])", "b"));
    CHECK(mask_matches("a\\", "a\\"));  // a trailing backslash is itself
}

TEST_CASE("an unclosed '[' is a literal", "[daemon][file_mask]") {
    CHECK(mask_matches("a[b", "a[b"));
    CHECK_FALSE(mask_matches("a[b", "ab"));
    CHECK(mask_matches("*[", "x["));
    CHECK(mask_matches("[]", "[]"));
    CHECK(mask_matches("[!]", "[!]"));
    CHECK(mask_matches("[a-", "[a-"));
}

TEST_CASE("ignoring case folds names, literals and sets", "[daemon][file_mask]") {
    CHECK(mask_matches("*.EDI", "a.edi", true));
    CHECK(mask_matches("*.edi", "A.EDI", true));
    CHECK_FALSE(mask_matches("*.edi", "A.EDI", false));
    CHECK(mask_matches("inv?.TXT", "INVx.txt", true));
    CHECK(mask_matches("[a-c]*", "Bravo", true));
    CHECK(mask_matches("[A-C]*", "bravo", true));
    CHECK_FALSE(mask_matches("[A-C]*", "bravo", false));
    CHECK(mask_matches("[xyz]", "Y", true));
    CHECK_FALSE(mask_matches("[!xyz]", "Y", true));
    CHECK(mask_matches("[!xyz]", "Y", false));
    CHECK(mask_matches("[!a-c]", "D", true));
    CHECK_FALSE(mask_matches("[!a-c]", "C", true));
}

TEST_CASE("ignoring case never widens a range beyond its two cases", "[daemon][file_mask]") {
    // [0-Z] holds digits, ":;<=>?@" and A-Z; folding its bounds would make it 0-z and take
    // '[', '_' and '`' as well.
    for (const char* outside : {"_", "[", "`", "^"}) {
        INFO(outside);
        CHECK_FALSE(mask_matches("[0-Z]", outside, true));
        CHECK_FALSE(mask_matches("[0-Z]", outside, false));
    }
    CHECK(mask_matches("[0-Z]", "q", true));
    CHECK_FALSE(mask_matches("[0-Z]", "q", false));
    CHECK(mask_matches("[0-Z]", "@", true));
    // [A-z] holds A-Z, "[\]^_`" and a-z: folding it to a-z would lose '_'.
    CHECK(mask_matches("[A-z]", "_", true));
    CHECK(mask_matches("[A-z]", "_", false));
    // [Z-a] holds "Z[\]^_`a": ignoring case it also takes 'z' and 'A', but not 'b' or 'm'.
    CHECK(mask_matches("[Z-a]", "z", true));
    CHECK(mask_matches("[Z-a]", "A", true));
    CHECK_FALSE(mask_matches("[Z-a]", "b", true));
    CHECK_FALSE(mask_matches("[Z-a]", "m", true));
    CHECK_FALSE(mask_matches("[Z-a]", "z", false));
}

TEST_CASE("bytes above 127 compare as themselves and are not case-folded", "[daemon][file_mask]") {
    CHECK(mask_matches("caf\xc3\xa9.txt", "caf\xc3\xa9.txt", true));
    CHECK_FALSE(mask_matches("caf\xc3\xa9.txt", "caf\xc3\x89.txt", true));
    CHECK(mask_matches("caf??.txt", "caf\xc3\xa9.txt"));
    CHECK(mask_matches("[\x80-\xff]*", "\xc3\xa9"));
    CHECK_FALSE(mask_matches("[\x80-\xff]*", "e"));
}

TEST_CASE("a hostile mask costs polynomial time", "[daemon][file_mask]") {
    const std::string name(5000, 'a');
    const std::string mask = std::string(50, '*') + std::string(40, 'a') + "b";
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(mask_matches(mask, name));
    CHECK(mask_matches(std::string(50, '*') + "a", name));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("has_wildcards sees unescaped *, ? and closed sets", "[daemon][file_mask]") {
    CHECK(has_wildcards("*.edi"));
    CHECK(has_wildcards("INV?.txt"));
    CHECK(has_wildcards("[0-9].xml"));
    CHECK_FALSE(has_wildcards("plain.txt"));
    CHECK_FALSE(has_wildcards(""));
    CHECK_FALSE(has_wildcards(R"(a\*b)"));
    CHECK_FALSE(has_wildcards(R"(a\?b\[c])"));
    CHECK_FALSE(has_wildcards("a[b"));  // unclosed: a literal
    CHECK(has_wildcards(R"(a\\*)"));    // an escaped backslash, then a star
}

TEST_CASE("unescape_mask gives the name a mask without wildcards stands for", "[daemon][file_mask]") {
    CHECK(unescape_mask(R"(a\*b)") == "a*b");
    CHECK(unescape_mask(R"(\[x\])") == "[x]");
    CHECK(unescape_mask(R"(a\\b)") == R"(a\b)");
    CHECK(unescape_mask("a\\") == "a\\");
    CHECK(unescape_mask("plain") == "plain");
    // Whatever unescape_mask returns, the mask matches it.
    for (const char* mask : {R"(a\*b)", R"(\[x\])", "plain", R"(q\?)"}) CHECK(mask_matches(mask, unescape_mask(mask)));
}

TEST_CASE("split_masks splits on ';', trims blanks, drops empty pieces", "[daemon][file_mask]") {
    using V = std::vector<std::string>;
    CHECK(split_masks("*.edi;*.x12") == V{"*.edi", "*.x12"});
    CHECK(split_masks("*.edi; *.x12 ;\t*.xml") == V{"*.edi", "*.x12", "*.xml"});
    CHECK(split_masks(";;*.edi;;") == V{"*.edi"});
    CHECK(split_masks("") == V{});
    CHECK(split_masks(" ; ") == V{});
    CHECK(split_masks("a,b", ',') == V{"a", "b"});
    CHECK(split_masks("one") == V{"one"});
}

TEST_CASE("FileMasks: any include, no exclude", "[daemon][file_mask]") {
    const FileMasks everything;
    CHECK(everything.selects_everything());
    CHECK(everything.matches("anything"));
    CHECK(everything.matches(".hidden"));

    const FileMasks edi({"*.edi", "*.x12"}, {"test*"}, false);
    CHECK_FALSE(edi.selects_everything());
    CHECK(edi.matches("order.edi"));
    CHECK(edi.matches("order.x12"));
    CHECK_FALSE(edi.matches("order.xml"));
    CHECK_FALSE(edi.matches("test.edi"));
    CHECK_FALSE(edi.matches("ORDER.EDI"));

    const FileMasks folded({"*.edi"}, {"TEST*"}, true);
    CHECK(folded.ignore_case());
    CHECK(folded.matches("ORDER.EDI"));
    CHECK_FALSE(folded.matches("test.edi"));

    const FileMasks only_exclude({}, {"*.tmp", "*.part"}, false);
    CHECK_FALSE(only_exclude.selects_everything());
    CHECK(only_exclude.matches("a.edi"));
    CHECK_FALSE(only_exclude.matches("a.part"));
}
