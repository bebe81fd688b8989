// File mask matching (see file_mask.hpp). Iterative with one backtrack point for the last `*`,
// so a hostile mask costs O(mask x name), never exponential time.
#include "daemon/cli/file_mask.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace wharf::cli {

namespace {

char fold(char c, bool ignore_case) {
    return ignore_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches `c` against the set starting after '[' at mask[at]; returns the index after ']', or
// nullopt if the set is unclosed (then '[' is a literal).
std::optional<std::size_t> match_set(std::string_view mask, std::size_t at, char c, bool ignore_case, bool& matched) {
    bool negate = false;
    if (at < mask.size() && (mask[at] == '!' || mask[at] == '^')) {
        negate = true;
        ++at;
    }
    bool found = false;
    bool first = true;
    c = fold(c, ignore_case);
    while (at < mask.size() && (mask[at] != ']' || first)) {
        first = false;
        char low = mask[at];
        if (low == '\\' && at + 1 < mask.size()) low = mask[++at];
        char high = low;
        if (at + 2 < mask.size() && mask[at + 1] == '-' && mask[at + 2] != ']') {
            high = mask[at + 2];
            if (high == '\\' && at + 3 < mask.size()) high = mask[++at + 2];
            at += 2;
        }
        ++at;
        if (ignore_case) {
            const char fl = fold(low, true), fh = fold(high, true);
            const char ul = static_cast<char>(std::toupper(static_cast<unsigned char>(low)));
            const char uh = static_cast<char>(std::toupper(static_cast<unsigned char>(high)));
            if ((c >= fl && c <= fh) || (std::toupper(static_cast<unsigned char>(c)) >= ul &&
                                         std::toupper(static_cast<unsigned char>(c)) <= uh)) {
                found = true;
            }
        } else if (c >= low && c <= high) {
            found = true;
        }
    }
    if (at >= mask.size()) return std::nullopt;
    matched = found != negate;
    return at + 1;
}

}  // namespace

bool mask_matches(std::string_view mask, std::string_view name, bool ignore_case) {
    std::size_t m = 0, n = 0;
    std::optional<std::size_t> star_mask, star_name;
    while (n < name.size()) {
        bool advanced = false;
        if (m < mask.size()) {
            const char token = mask[m];
            if (token == '*') {
                star_mask = ++m;
                star_name = n;
                continue;
            }
            if (token == '?' && name[n] != '/') {
                ++m, ++n;
                advanced = true;
            } else if (token == '[') {
                bool matched = false;
                const auto after = match_set(mask, m + 1, name[n], ignore_case, matched);
                if (!after) {
                    if (name[n] == '[') ++m, ++n, advanced = true;
                } else if (matched && name[n] != '/') {
                    m = *after, ++n;
                    advanced = true;
                }
            } else {
                char literal = token;
                std::size_t width = 1;
                if (token == '\\' && m + 1 < mask.size()) literal = mask[m + 1], width = 2;
                if (fold(literal, ignore_case) == fold(name[n], ignore_case)) {
                    m += width, ++n;
                    advanced = true;
                }
            }
        }
        if (advanced) continue;
        // Backtrack: let the last `*` swallow one more character (never a '/').
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
        } else if (text[i] == '*' || text[i] == '?' || text[i] == '[') {
            return true;
        }
    }
    return false;
}

std::vector<std::string> split_masks(std::string_view text, char delimiter) {
    std::vector<std::string> masks;
    while (!text.empty()) {
        const auto end = text.find(delimiter);
        const auto piece = text.substr(0, end);
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
