#pragma once
/// Small helpers of the trace generator: byte buffers, big-endian stores, the Internet checksum,
/// a seeded random stream and the `--opt KEY=VALUE` table.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/core/error.hpp"
#include "sessim/core/time.hpp"

namespace sessim::tracegen {

/// A packet or header under construction.
using bytes = std::vector<std::uint8_t>;

/// Stores a 16-bit value in network byte order.
inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
/// Stores a 32-bit value in network byte order.
inline void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
/// Appends a 16-bit value in network byte order.
inline void push16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
/// Appends a 32-bit value in network byte order.
inline void push32(bytes& b, std::uint32_t v) {
  push16(b, static_cast<std::uint16_t>(v >> 16));
  push16(b, static_cast<std::uint16_t>(v));
}
/// Appends the bytes of a string (no terminator).
inline void push_str(bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

/// Adds bytes to a one's-complement accumulator (RFC 1071); odd length pads with a zero byte.
inline std::uint64_t csum_add(std::uint64_t acc, const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) acc += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (i < n) acc += static_cast<std::uint32_t>(p[i] << 8);
  return acc;
}
/// Folds an accumulator to the 16-bit checksum to store (complemented).
inline std::uint16_t csum_fold(std::uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc & 0xffff);
}

/// Deterministic random stream (splitmix64) derived from (seed, stable stream name).
class rng {
 public:
  /// A stream for component `name` under the global seed.
  rng(std::uint64_t seed, std::string_view name) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a of the name
    for (char c : name) h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ULL;
    state_ = seed * 0x9e3779b97f4a7c15ULL ^ h;
    next();
  }
  /// Next 64 random bits.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (n > 0).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }
  /// Uniform in [lo, hi].
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  /// 32 random bits.
  std::uint32_t u32() { return static_cast<std::uint32_t>(next() >> 32); }
  /// An ephemeral port as Linux picks them (32768..60999).
  std::uint16_t ephemeral_port() { return static_cast<std::uint16_t>(range(32768, 60999)); }
  /// n random bytes.
  bytes fill(std::size_t n) {
    bytes b(n);
    for (std::size_t i = 0; i < n; i += 8) {
      std::uint64_t v = next();
      for (std::size_t j = 0; j < 8 && i + j < n; ++j) b[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
    return b;
  }

 private:
  std::uint64_t state_ = 0;
};

/// The `--opt KEY=VALUE` table of one run; typed getters throw usage_error on bad values.
class options {
 public:
  /// Adds one KEY=VALUE argument; a repeated key is a usage error.
  void add(std::string_view kv);
  /// True when the key was given.
  bool has(const std::string& key) const { return kv_.count(key) != 0; }
  /// An unsigned integer in [lo, hi] (decimal, or hex with 0x).
  std::uint64_t u64(const std::string& key, std::uint64_t def, std::uint64_t lo, std::uint64_t hi) const;
  /// A duration in seconds (decimal fraction allowed) in [lo, hi], as nanoseconds.
  sim_time secs(const std::string& key, double def, double lo, double hi) const;
  /// One of a fixed set of words.
  std::string word(const std::string& key, const std::string& def,
                   const std::vector<std::string>& allowed) const;
  /// Throws usage_error naming the first key not in `accepted`.
  void check_keys(std::string_view scenario, const std::vector<std::string>& accepted) const;

 private:
  std::map<std::string, std::string> kv_;
};

}  // namespace sessim::tracegen
