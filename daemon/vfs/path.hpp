// Virtual path normalisation. Pure string work: nothing here touches the disk, so the
// result says nothing about symlinks; resolution beneath a mount (resolver.hpp) handles
// those.
#pragma once

#include "daemon/vfs/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace wharf::vfs {

/// Longest accepted name (one path component), as NAME_MAX.
inline constexpr std::size_t max_name_length = 255;
/// Longest accepted path, before and after normalisation, as PATH_MAX less the NUL.
inline constexpr std::size_t max_path_length = 4095;

/// Prefix of the temporary names atomic uploads write to. Users can neither see nor name
/// such files (Errc::invalid_name).
inline constexpr std::string_view upload_temp_prefix = ".wharf-upload-";

/// Turns `path` into a normalised absolute virtual path ("/" or "/a/b"): a relative path
/// is taken relative to `base` (itself absolute), "." and empty components go, ".." drops
/// the previous component and stops at the root, repeated and trailing slashes go.
/// Errc::invalid_name for a NUL byte, a component longer than max_name_length, or a path
/// longer than max_path_length (the input or the result).
Result<std::string> normalize_path(std::string_view path, std::string_view base = "/");

/// Whether `path` is `prefix` or lies below it, component-wise ("/a" holds "/a/b", not
/// "/ab"). Both must be normalised.
bool path_is_within(std::string_view path, std::string_view prefix) noexcept;

/// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string_view parent_path(std::string_view normalized) noexcept;

/// "/a/b" -> "b"; "/" -> "".
std::string_view file_name(std::string_view normalized) noexcept;

/// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string join_path(std::string_view directory, std::string_view name);

/// Whether a raw path names a directory by its spelling ("x/", "x/.", "x/..").
bool has_trailing_slash(std::string_view raw) noexcept;

/// Whether `name` (one component) is reserved for the filesystem's own use.
bool is_reserved_name(std::string_view name) noexcept;

/// Whether any component of a normalised path is reserved.
bool has_reserved_component(std::string_view normalized) noexcept;

}  // namespace wharf::vfs
