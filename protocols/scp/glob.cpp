#include "protocols/scp/glob.hpp"

#include <cstddef>

namespace wharf::scp {

bool has_wildcards(std::string_view pattern) noexcept {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            ++i;
        } else if (pattern[i] == '*' || pattern[i] == '?') {
            return true;
        }
    }
    return false;
}

namespace {

// Iterative matcher with one backtrack point for the last '*' (linear in practice, never
// exponential, whatever the client sends).
bool match_from(std::string_view pattern, std::string_view name) noexcept {
    std::size_t p = 0;
    std::size_t n = 0;
    std::size_t star_p = std::string_view::npos;
    std::size_t star_n = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star_p = p++;
            star_n = n;
            continue;
        }
        if (p < pattern.size()) {
            const bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
            const char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '?') || want == name[n]) {
                p += escaped ? 2 : 1;
                ++n;
                continue;
            }
        }
        if (star_p == std::string_view::npos) return false;
        p = star_p + 1;
        n = ++star_n;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace

bool glob_matches(std::string_view pattern, std::string_view name) noexcept {
    if (!name.empty() && name[0] == '.') {
        const bool literal_dot = (!pattern.empty() && pattern[0] == '.') ||
                                 (pattern.size() > 1 && pattern[0] == '\\' && pattern[1] == '.');
        if (!literal_dot) return false;
    }
    return match_from(pattern, name);
}

std::string unescape_pattern(std::string_view pattern) {
    std::string text;
    text.reserve(pattern.size());
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
        text += pattern[i];
    }
    return text;
}

}  // namespace wharf::scp
