// File mask matching (see file_mask.hpp). Iterative with one backtrack point for the last `*`,
// so a hostile mask costs O(mask x name), never exponential time: every token other than `*`
// consumes exactly one character, which is what makes resuming at the last `*` enough.
#include "daemon/cli/file_mask.hpp"

#include <algorithm>
#include <optional>

namespace wharf::cli {

namespace {

// ASCII case only: names are bytes, and the C locale keeps this independent of the user's.
unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c; }
unsigned char upper(unsigned char c) { return c >= 'a' && c <= 'z' ? static_cast<unsigned char>(c - 'a' + 'A') : c; }

bool same_char(char a, char b, bool ignore_case) {
    const auto ua = static_cast<unsigned char>(a), ub = static_cast<unsigned char>(b);
    return ignore_case ? lower(ua) == lower(ub) : ua == ub;
}

// Ignoring case, `c` is in [low, high] when either of its cases is: [A-Z] takes 'q', and
// [0-Z] still refuses '_' (folding the bounds instead would widen it to 0-z).
bool in_range(char c, char low, char high, bool ignore_case) {
    const auto lo = static_cast<unsigned char>(low), hi = static_cast<unsigned char>(high);
    const auto within = [&](unsigned char x) { return x >= lo && x <= hi; };
    const auto uc = static_cast<unsigned char>(c);
    return within(uc) || (ignore_case && (within(lower(uc)) || within(upper(uc))));
}

struct SetMatch {
    std::size_t end;  // the index after the closing ']'
    bool matched;
};

// Matches `c` against the set whose body starts at mask[at] (just after '['). nullopt if the
// set is never closed; the caller then treats '[' as a literal. A ']' right after '[' or
// '[!' is a member, `\x` is the member x, and `a-z` is a range unless '-' is last ("[a-]").
std::optional<SetMatch> match_set(std::string_view mask, std::size_t at, char c, bool ignore_case) {
    bool negate = false;
    if (at < mask.size() && (mask[at] == '!' || mask[at] == '^')) {
        negate = true;
        ++at;
    }
    bool found = false;
    for (bool first = true; at < mask.size() && (mask[at] != ']' || first); first = false) {
        char low = mask[at];
        if (low == '\\' && at + 1 < mask.size()) low = mask[++at];
        ++at;
        char high = low;
        if (at + 1 < mask.size() && mask[at] == '-' && mask[at + 1] != ']') {
            ++at;  // past '-'
            high = mask[at];
            if (high == '\\' && at + 1 < mask.size()) high = mask[++at];
            ++at;
        }
        found = found || in_range(c, low, high, ignore_case);
    }
    if (at >= mask.size()) return std::nullopt;
    return SetMatch{at + 1, found != negate};
}

}  // namespace

bool mask_matches(std::string_view mask, std::string_view name, bool ignore_case) {
    std::size_t m = 0, n = 0;
    std::optional<std::size_t> star_mask, star_name;
    while (n < name.size()) {
        const char c = name[n];
        std::optional<std::size_t> next;  // where the mask continues if this token takes c
        if (m < mask.size()) {
            const char token = mask[m];
            if (token == '*') {
                star_mask = ++m;
                star_name = n;
                continue;
            }
            if (token == '?') {
                if (c != '/') next = m + 1;
            } else if (token == '[') {
                if (const auto set = match_set(mask, m + 1, c, ignore_case)) {
                    if (set->matched && c != '/') next = set->end;
                } else if (c == '[') {
                    next = m + 1;
                }
            } else {
                const bool escaped = token == '\\' && m + 1 < mask.size();
                if (same_char(escaped ? mask[m + 1] : token, c, ignore_case)) next = m + (escaped ? 2 : 1);
            }
        }
        if (next) {
            m = *next;
            ++n;
            continue;
        }
        // Let the last `*` swallow one more character (never a '/').
        if (!star_mask || name[*star_name] == '/') return false;
        m = *star_mask;
        n = ++*star_name;
    }
    while (m < mask.size() && mask[m] == '*') ++m;
    return m == mask.size();
}

bool has_wildcards(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i;
        } else if (text[i] == '*' || text[i] == '?') {
            return true;
        } else if (text[i] == '[' && match_set(text, i + 1, 'x', false)) {
            return true;  // an unclosed '[' is a literal
        }
    }
    return false;
}

std::string unescape_mask(std::string_view text) {
    std::string literal;
    literal.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        literal += text[i];
    }
    return literal;
}

std::vector<std::string> split_masks(std::string_view text, char delimiter) {
    std::vector<std::string> masks;
    while (!text.empty()) {
        const auto end = text.find(delimiter);
        auto piece = text.substr(0, end);
        while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\t')) piece.remove_prefix(1);
        while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\t')) piece.remove_suffix(1);
        if (!piece.empty()) masks.emplace_back(piece);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return masks;
}

bool FileMasks::matches(std::string_view name) const {
    const auto hit = [&](const std::string& mask) { return mask_matches(mask, name, m_ignore_case); };
    if (!m_include.empty() && std::none_of(m_include.begin(), m_include.end(), hit)) return false;
    return std::none_of(m_exclude.begin(), m_exclude.end(), hit);
}

}  // namespace wharf::cli
