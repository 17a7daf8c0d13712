#pragma once
/// TCP sequence-number arithmetic modulo 2^32 (RFC 793 / RFC 1982 style).
#include <cstdint>

namespace sessim::tcp {

/// a is before b in sequence space.
constexpr bool before(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) < 0;
}
/// a is after b in sequence space.
constexpr bool after(std::uint32_t a, std::uint32_t b) noexcept { return before(b, a); }

}  // namespace sessim::tcp
