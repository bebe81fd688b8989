// File masks for `wharf sftp` listings and transfers: `*.edi`, `INV??.txt`, `[0-9]*.xml`,
// several at once (`*.edi;*.x12`), an exclude list, optionally case-insensitive. A mask
// matches a file name (one path component), never a path: `*` and `?` do not cross `/`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wharf::cli {

// `*` any run of characters, `?` one character, `[abc]`, `[a-z]` and `[!a-z]` (or `[^a-z]`) one
// character of (not of) the set, `\x` the character x. An unclosed `[` is a literal `[`. No
// wildcard matches '/'. `*` matches a leading '.' too (hiding dot files is the caller's choice).
// ignore_case folds ASCII letters only, in the name, the literals and the sets: `[a-c]` takes
// 'B', and a range takes a character when either of its cases lies in it.
[[nodiscard]] bool mask_matches(std::string_view mask, std::string_view name, bool ignore_case = false);

// True if `text` has a wildcard that is not escaped: `*`, `?`, or a `[` that opens a closed set.
[[nodiscard]] bool has_wildcards(std::string_view text);

// `text` without its escapes (`a\*b` -> `a*b`): the name a mask without wildcards stands for.
[[nodiscard]] std::string unescape_mask(std::string_view text);

// "*.edi;*.x12" -> {"*.edi", "*.x12"}; blanks around each piece trimmed ("*.edi; *.x12"),
// empty pieces dropped.
[[nodiscard]] std::vector<std::string> split_masks(std::string_view text, char delimiter = ';');

// A name passes if it matches one of `include` (or `include` is empty) and none of `exclude`.
class FileMasks {
public:
    FileMasks() = default;
    FileMasks(std::vector<std::string> include, std::vector<std::string> exclude, bool ignore_case)
        : m_include(std::move(include)), m_exclude(std::move(exclude)), m_ignore_case(ignore_case) {}

    [[nodiscard]] bool matches(std::string_view name) const;
    [[nodiscard]] bool selects_everything() const noexcept { return m_include.empty() && m_exclude.empty(); }
    [[nodiscard]] bool ignore_case() const noexcept { return m_ignore_case; }

private:
    std::vector<std::string> m_include;
    std::vector<std::string> m_exclude;
    bool m_ignore_case = false;
};

}  // namespace wharf::cli
