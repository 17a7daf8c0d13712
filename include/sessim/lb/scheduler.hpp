#pragma once
/// scheduler: the interface of IPVS-style schedulers. A scheduler sees the real servers of a
/// pool in configuration order with their weight, connection counts and availability, and picks
/// one for a new connection (or none).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/core/flow_key.hpp"

namespace sessim::lb {

/// What a scheduler knows about one real server.
struct dest_state {
  std::uint32_t weight = 1;
  std::uint32_t active = 0;     ///< active connections
  std::uint32_t inactive = 0;   ///< inactive connections (IPVS: entries not ESTABLISHED, until they expire)
  bool available = true;        ///< in service (health check up); weight 0 is still "available" but draining
  bool overloaded = false;      ///< active >= max connections
  ip_addr ip;
  std::uint16_t port = 0;
  /// IPVS's is_unavailable(): not in service, weight 0 or overloaded.
  bool unusable() const { return !available || weight == 0 || overloaded; }
};

/// Returned when no real server can take the connection.
inline constexpr std::size_t no_dest = static_cast<std::size_t>(-1);

/** The usable server with the smallest overhead(d) / weight, compared as IPVS does
 *  (loh * dw > doh * lw: no division, ties go to the first in list order); with
 *  `weighted = false` the overheads alone are compared (lc). The loop of ip_vs_lc/wlc/sed/nq. */
template <class Overhead>
std::size_t least_loaded(std::span<const dest_state> d, Overhead&& overhead, bool weighted) {
  std::size_t least = no_dest;
  std::uint64_t loh = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i].unusable()) continue;
    const std::uint64_t doh = overhead(d[i]);
    if (least == no_dest || (weighted ? loh * d[i].weight > doh * d[least].weight : doh < loh)) {
      least = i;
      loh = doh;
    }
  }
  return least;
}

/// A scheduler. `pick` may keep state (rr position, wrr current weight).
class scheduler {
 public:
  virtual ~scheduler() = default;
  /// The scheduler's name ("wlc").
  virtual std::string_view name() const = 0;
  /// Chooses a real server for a new connection from `client` (source address and port).
  virtual std::size_t pick(std::span<const dest_state> d, const ip_addr& client, std::uint16_t cport) = 0;
  /// The set of usable servers or their weights changed (hash tables are rebuilt).
  virtual void rebuild(std::span<const dest_state> /*d*/) {}
  /// Hash schedulers: the real server a lookup slot maps to (for remap shares), else empty.
  virtual std::vector<std::size_t> table() const { return {}; }
};

/// 32-bit Fibonacci hash, the kernel's hash_32().
inline constexpr std::uint32_t hash_32(std::uint32_t v, unsigned bits) {
  return static_cast<std::uint32_t>(v * 0x61C88647u) >> (32 - bits);
}

/// An address folded to 32 bits (IPv4: the address; IPv6: XOR of the four words), host order.
inline std::uint32_t addr_fold(const ip_addr& a) {
  if (!a.v6) return (std::uint32_t{a.b[0]} << 24) | (std::uint32_t{a.b[1]} << 16) | (std::uint32_t{a.b[2]} << 8) | a.b[3];
  std::uint32_t r = 0;
  for (int i = 0; i < 16; i += 4)
    r ^= (std::uint32_t{a.b[i]} << 24) | (std::uint32_t{a.b[i + 1]} << 16) | (std::uint32_t{a.b[i + 2]} << 8) | a.b[i + 3];
  return r;
}

/// The scheduler names, in documentation order.
inline constexpr std::string_view scheduler_names[] = {"rr", "wrr", "lc", "wlc", "sh", "dh", "sed", "nq", "mh"};

}  // namespace sessim::lb
