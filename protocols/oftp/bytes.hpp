// The byte types every OFTP header uses (the same shapes as ssh::Bytes, without depending on it).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace wharf::oftp {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

}  // namespace wharf::oftp
