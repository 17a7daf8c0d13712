#pragma once
/// Simulation time: signed 64-bit integer nanoseconds since the epoch of the trace clock.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include <fmt/compile.h>
#include <fmt/format.h>

namespace sessim {

/// A point or span of simulated time in nanoseconds.
using sim_time = std::int64_t;

/// Nanoseconds per second.
inline constexpr sim_time ns_per_s = 1'000'000'000;

/// Converts (possibly fractional) seconds to nanoseconds, rounding to the nearest nanosecond.
constexpr sim_time seconds(double s) noexcept {
  return static_cast<sim_time>(s * 1e9 + (s >= 0 ? 0.5 : -0.5));
}

/// Converts nanoseconds to seconds as a double (for display only).
constexpr double to_seconds(sim_time t) noexcept { return static_cast<double>(t) / 1e9; }

/// Formats a span as seconds with nanosecond precision, trailing zeros trimmed ("12.5", "300").
inline std::string format_seconds(sim_time t) {
  bool neg = t < 0;
  std::uint64_t u = neg ? static_cast<std::uint64_t>(-(t + 1)) + 1 : static_cast<std::uint64_t>(t);
  std::uint64_t whole = u / ns_per_s, frac = u % ns_per_s;
  std::string s = fmt::format(FMT_COMPILE("{}{}"), neg ? "-" : "", whole);
  if (frac != 0) {
    std::string f = fmt::format(FMT_COMPILE("{:09d}"), frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

/// Formats an absolute time relative to a base as seconds with microsecond precision ("12.000345").
inline std::string format_rel_time(sim_time t, sim_time base) {
  sim_time d = t - base;
  bool neg = d < 0;
  std::uint64_t u = neg ? static_cast<std::uint64_t>(-d) : static_cast<std::uint64_t>(d);
  return fmt::format(FMT_COMPILE("{}{}.{:06d}"), neg ? "-" : "", u / ns_per_s, (u % ns_per_s) / 1000);
}

}  // namespace sessim
