#pragma once
/// synth: builds the frames a device injects (RSTs) with valid IP and TCP checksums, framed in
/// the link type of the trace they are written beside.
#include <cstdint>
#include <vector>

#include "sessim/core/flow_key.hpp"

namespace sessim {

namespace detail {
inline std::uint32_t csum_add(std::uint32_t sum, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
  return sum;
}
inline std::uint16_t csum_fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}
inline void put16(std::uint8_t* p, std::uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
inline void put32(std::uint8_t* p, std::uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
}  // namespace detail

/// An IPv4/IPv6 TCP segment with no payload (`flags`, seq, ack), checksums filled in.
inline std::vector<std::uint8_t> build_tcp_ip(const flow_key& k, std::uint8_t flags, std::uint32_t seq,
                                              std::uint32_t ack) {
  using namespace detail;
  const bool v6 = k.src.v6;
  const std::size_t iplen = v6 ? 40 : 20;
  std::vector<std::uint8_t> b(iplen + 20, 0);
  std::uint8_t* t = b.data() + iplen;
  put16(t, k.sport); put16(t + 2, k.dport); put32(t + 4, seq); put32(t + 8, ack);
  t[12] = 5 << 4; t[13] = flags; put16(t + 14, 0);
  std::uint32_t sum = 0;
  if (v6) {
    b[0] = 0x60; put16(b.data() + 4, 20); b[6] = 6; b[7] = 64;
    std::copy(k.src.b.begin(), k.src.b.end(), b.begin() + 8);
    std::copy(k.dst.b.begin(), k.dst.b.end(), b.begin() + 24);
    sum = csum_add(sum, b.data() + 8, 32);
  } else {
    b[0] = 0x45; put16(b.data() + 2, 40); b[6] = 0x40; b[8] = 64; b[9] = 6;
    std::copy(k.src.b.begin(), k.src.b.begin() + 4, b.begin() + 12);
    std::copy(k.dst.b.begin(), k.dst.b.begin() + 4, b.begin() + 16);
    put16(b.data() + 10, csum_fold(csum_add(0, b.data(), 20)));
    sum = csum_add(sum, b.data() + 12, 8);
  }
  sum += 6 + 20;
  put16(t + 16, csum_fold(csum_add(sum, t, 20)));
  return b;
}

/// Prepends the link-layer header of `linktype` to an IP packet; empty when not supported.
inline std::vector<std::uint8_t> frame_for_linktype(int linktype, const std::vector<std::uint8_t>& ip, bool v6) {
  std::vector<std::uint8_t> f;
  switch (linktype) {
    case 1: {  // Ethernet: locally administered MACs mark device-made frames
      const std::uint8_t hdr[14] = {0x02, 0, 0, 0x5e, 0x55, 0x02, 0x02, 0, 0, 0x5e, 0x55, 0x01,
                                    static_cast<std::uint8_t>(v6 ? 0x86 : 0x08),
                                    static_cast<std::uint8_t>(v6 ? 0xdd : 0x00)};
      f.assign(hdr, hdr + 14);
      break;
    }
    case 12: case 101: case 228: case 229: break;
    case 0: {  // BSD NULL, host byte order (little endian here)
      std::uint32_t af = v6 ? 30 : 2;
      f = {static_cast<std::uint8_t>(af), 0, 0, 0};
      break;
    }
    case 108: f = {0, 0, 0, static_cast<std::uint8_t>(v6 ? 30 : 2)}; break;
    case 113: {
      f.assign(16, 0);
      f[1] = 4;  // sent by us
      f[14] = v6 ? 0x86 : 0x08; f[15] = v6 ? 0xdd : 0x00;
      break;
    }
    case 276: {
      f.assign(20, 0);
      f[0] = v6 ? 0x86 : 0x08; f[1] = v6 ? 0xdd : 0x00;
      f[10] = 1; f[11] = 4;
      break;
    }
    default: return {};
  }
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

}  // namespace sessim
