#pragma once
/// Flow keys: IPv4/IPv6 addresses, the directional 5-tuple with VLAN, and its hash.
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>

#include <fmt/compile.h>
#include <fmt/format.h>

namespace sessim {

/// An IPv4 or IPv6 address; IPv4 is stored in the first 4 bytes, the rest zero.
struct ip_addr {
  std::array<std::uint8_t, 16> b{};
  bool v6 = false;

  /// Builds an IPv4 address from four bytes in network order.
  static ip_addr v4(const std::uint8_t* p) {
    ip_addr a;
    std::memcpy(a.b.data(), p, 4);
    return a;
  }
  /// Builds an IPv4 address from a host-order integer.
  static ip_addr v4(std::uint32_t host) {
    ip_addr a;
    a.b[0] = host >> 24; a.b[1] = host >> 16; a.b[2] = host >> 8; a.b[3] = host;
    return a;
  }
  /// Builds an IPv6 address from sixteen bytes in network order.
  static ip_addr v6addr(const std::uint8_t* p) {
    ip_addr a;
    std::memcpy(a.b.data(), p, 16);
    a.v6 = true;
    return a;
  }
  /// Equality as two 8-byte words (the defaulted form compiles to a memcmp call).
  friend bool operator==(const ip_addr& x, const ip_addr& y) noexcept {
    std::uint64_t x0, x1, y0, y1;
    std::memcpy(&x0, x.b.data(), 8); std::memcpy(&x1, x.b.data() + 8, 8);
    std::memcpy(&y0, y.b.data(), 8); std::memcpy(&y1, y.b.data() + 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0 && x.v6 == y.v6;
  }
  friend auto operator<=>(const ip_addr&, const ip_addr&) = default;

  /// Text form: dotted quad, or RFC 5952 IPv6 (longest zero run compressed).
  std::string str() const {
    if (!v6) return fmt::format(FMT_COMPILE("{}.{}.{}.{}"), b[0], b[1], b[2], b[3]);
    std::uint16_t w[8];
    for (int i = 0; i < 8; ++i) w[i] = static_cast<std::uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
      if (w[i] != 0) { ++i; continue; }
      int j = i;
      while (j < 8 && w[j] == 0) ++j;
      if (j - i > bestlen && j - i >= 2) { best = i; bestlen = j - i; }
      i = j;
    }
    std::string s;
    for (int i = 0; i < 8; ++i) {
      if (i == best) { s += "::"; i += bestlen - 1; continue; }
      if (!s.empty() && s.back() != ':') s += ':';
      s += fmt::format(FMT_COMPILE("{:x}"), w[i]);
    }
    return s;
  }
};

/// IP protocol numbers sessim knows by name.
enum class ip_proto : std::uint8_t { icmp = 1, tcp = 6, udp = 17, icmpv6 = 58 };

/// Protocol name for reports ("tcp", "udp", "icmp", or the number).
inline std::string proto_name(std::uint8_t p) {
  switch (p) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "icmp6";
    default: return fmt::format("ip-{}", p);
  }
}

/// A directional flow key: source, destination, ports (ICMP: echo id in both), protocol, VLAN.
struct flow_key {
  ip_addr src, dst;
  std::uint16_t sport = 0, dport = 0;
  std::uint8_t proto = 0;
  std::uint16_t vlan = 0;  ///< outermost 802.1Q VID (0 when untagged or not part of the key)

  /// The same flow seen from the other side.
  flow_key reversed() const {
    flow_key k = *this;
    std::swap(k.src, k.dst);
    std::swap(k.sport, k.dport);
    return k;
  }
  friend bool operator==(const flow_key& x, const flow_key& y) noexcept {
    return x.sport == y.sport && x.dport == y.dport && x.proto == y.proto && x.vlan == y.vlan &&
           x.src == y.src && x.dst == y.dst;
  }
  friend auto operator<=>(const flow_key&, const flow_key&) = default;

  /// True when `y` is this flow seen from the other side (without building the reversed key).
  bool is_reverse_of(const flow_key& y) const noexcept {
    return sport == y.dport && dport == y.sport && proto == y.proto && vlan == y.vlan && src == y.dst &&
           dst == y.src;
  }
  /// Same flow in either direction.
  bool same_flow(const flow_key& y) const noexcept { return *this == y || is_reverse_of(y); }

  /// "ip:port" of the source ("[v6]:port" for IPv6).
  std::string src_str() const { return endpoint_str(src, sport); }
  /// "ip:port" of the destination.
  std::string dst_str() const { return endpoint_str(dst, dport); }
  /// Formats one endpoint.
  static std::string endpoint_str(const ip_addr& a, std::uint16_t port) {
    return a.v6 ? fmt::format(FMT_COMPILE("[{}]:{}"), a.str(), port) : fmt::format(FMT_COMPILE("{}:{}"), a.str(), port);
  }
};

namespace detail {
/// One round of hash_key's mixing.
[[gnu::always_inline]] inline std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}
/// hash_key of a key given as its words: the two addresses as native-order 8-byte words, then
/// (sport << 32 | dport << 16 | proto) and (vlan << 1 | src.v6).
[[gnu::always_inline]] inline std::uint64_t hash_words(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0,
                                                       std::uint64_t b1, std::uint64_t ports,
                                                       std::uint64_t vlan_v6) noexcept {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  h = hash_mix(h, a0); h = hash_mix(h, a1); h = hash_mix(h, b0); h = hash_mix(h, b1);
  h = hash_mix(h, ports);
  return hash_mix(h, vlan_v6);
}
}  // namespace detail

/// 64-bit mixing hash of a directional key (deterministic across runs and machines).
inline std::uint64_t hash_key(const flow_key& k) noexcept {
  std::uint64_t a0, a1, b0, b1;
  std::memcpy(&a0, k.src.b.data(), 8); std::memcpy(&a1, k.src.b.data() + 8, 8);
  std::memcpy(&b0, k.dst.b.data(), 8); std::memcpy(&b1, k.dst.b.data() + 8, 8);
  return detail::hash_words(a0, a1, b0, b1,
                            (std::uint64_t{k.sport} << 32) | (std::uint64_t{k.dport} << 16) | k.proto,
                            (std::uint64_t{k.vlan} << 1) | (k.src.v6 ? 1u : 0u));
}

/// Hash that is the same for both directions of a flow.
/// (Same values as hashing the smaller of the key and its reverse in flow_key's ordering, but
/// without building and copying the reversed key.)
inline std::uint64_t hash_bidir(const flow_key& k) noexcept {
  // reversed(k) < k  <=>  (dst, src, dport, sport) < (src, dst, sport, dport)
  //                  <=>  dst < src, or dst == src and dport < sport.
  // Byte-wise (lexicographic) order of the 16 address bytes = order of two big-endian words.
  std::uint64_t a0, a1, b0, b1;  // native order, as hash_key reads them
  std::memcpy(&a0, k.src.b.data(), 8); std::memcpy(&a1, k.src.b.data() + 8, 8);
  std::memcpy(&b0, k.dst.b.data(), 8); std::memcpy(&b1, k.dst.b.data() + 8, 8);
  const std::uint64_t s0 = __builtin_bswap64(a0), d0 = __builtin_bswap64(b0);
  bool rev_less;
  if (d0 != s0) [[likely]] rev_less = d0 < s0;
  else {
    const std::uint64_t s1 = __builtin_bswap64(a1), d1 = __builtin_bswap64(b1);
    if (d1 != s1) rev_less = d1 < s1;
    else if (k.dst.v6 != k.src.v6) rev_less = k.dst.v6 < k.src.v6;
    else rev_less = k.dport < k.sport;
  }
  // hash_key(rev_less ? k.reversed() : k): the reversed key swaps the addresses (with their v6
  // flags) and the ports.
  const std::uint64_t sp = k.sport, dp = k.dport, vlan = std::uint64_t{k.vlan} << 1;
  if (rev_less)
    return detail::hash_words(b0, b1, a0, a1, (dp << 32) | (sp << 16) | k.proto, vlan | (k.dst.v6 ? 1u : 0u));
  return detail::hash_words(a0, a1, b0, b1, (sp << 32) | (dp << 16) | k.proto, vlan | (k.src.v6 ? 1u : 0u));
}

}  // namespace sessim
