#include "daemon/vfs/path.hpp"

#include <vector>

namespace wharf::vfs {
namespace {

// Applies the components of `path` to `parts`, the components so far.
bool apply_components(std::string_view path, std::vector<std::string_view>& parts) {
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t slash = path.find('/', pos);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        const std::string_view part = path.substr(pos, end - pos);
        if (part.size() > max_name_length) return false;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();  // clamped at the virtual root
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        pos = end + 1;
    }
    return true;
}

}  // namespace

Result<std::string> normalize_path(std::string_view path, std::string_view base) {
    if (path.size() > max_path_length || base.size() > max_path_length ||
        path.find('\0') != std::string_view::npos || base.find('\0') != std::string_view::npos) {
        return Errc::invalid_name;
    }
    std::vector<std::string_view> parts;
    if (!path.starts_with('/') && !apply_components(base, parts)) return Errc::invalid_name;
    if (!apply_components(path, parts)) return Errc::invalid_name;

    std::string result;
    for (const std::string_view part : parts) {
        result += '/';
        result += part;
    }
    if (result.empty()) result = "/";
    if (result.size() > max_path_length) return Errc::invalid_name;
    return result;
}

bool path_is_within(std::string_view path, std::string_view prefix) noexcept {
    if (prefix == "/") return path.starts_with('/');
    if (!path.starts_with(prefix)) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::string_view parent_path(std::string_view normalized) noexcept {
    const std::size_t slash = normalized.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return "/";
    return normalized.substr(0, slash);
}

std::string_view file_name(std::string_view normalized) noexcept {
    const std::size_t slash = normalized.rfind('/');
    return slash == std::string_view::npos ? normalized : normalized.substr(slash + 1);
}

std::string join_path(std::string_view directory, std::string_view name) {
    std::string result(directory);
    if (result.empty() || result.back() != '/') result += '/';
    result += name;
    return result;
}

bool has_trailing_slash(std::string_view raw) noexcept {
    return raw.ends_with('/') || raw.ends_with("/.") || raw.ends_with("/..") || raw == "." ||
           raw == "..";
}

bool is_reserved_name(std::string_view name) noexcept {
    return name.starts_with(upload_temp_prefix);
}

bool has_reserved_component(std::string_view normalized) noexcept {
    std::size_t pos = 0;
    while (pos < normalized.size()) {
        const std::size_t slash = normalized.find('/', pos);
        const std::size_t end = slash == std::string_view::npos ? normalized.size() : slash;
        if (is_reserved_name(normalized.substr(pos, end - pos))) return true;
        pos = end + 1;
    }
    return false;
}

}  // namespace wharf::vfs
