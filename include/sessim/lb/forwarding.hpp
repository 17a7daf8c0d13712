#pragma once
/// forwarding: what a packet looks like on the server side of the balancer — DNAT to the real
/// server (nat; replies get their source rewritten back, here shown as the server sent them),
/// a new destination MAC (dr), or an IP-in-IP header in front (tun, `overhead` bytes; packets
/// whose encapsulated size exceeds the MTU are counted). IPv4 is rewritten; IPv6 is passed as is.
#include <cstdint>
#include <cstring>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/lb/virtual_server.hpp"

namespace sessim::lb {

/// How the balancer changed one packet (given to the sink before it is delivered).
struct rewrite {
  forwarding mode = forwarding::nat;
  int dir = 0;              ///< 0: client to server, 1: reply
  bool local = false;       ///< ended at the balancer (delayed binding: before the backend is chosen)
  ip_addr vip, rip;
  std::uint16_t vport = 0, rport = 0;
  std::uint32_t overhead = 20;  ///< tun: encapsulation bytes
};

namespace detail {
inline std::uint32_t sum16(const std::uint8_t* p, std::size_t n) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  return s;
}
inline std::uint16_t fold(std::uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}
/// RFC 1624 incremental update of a checksum at `ck` for `old` → `now` (n bytes, even).
inline void csum_update(std::uint8_t* ck, const std::uint8_t* old, const std::uint8_t* now, std::size_t n) {
  std::uint32_t s = static_cast<std::uint16_t>(~((ck[0] << 8) | ck[1]));
  for (std::size_t i = 0; i < n; i += 2) {
    s += static_cast<std::uint16_t>(~((old[i] << 8) | old[i + 1]));
    s += static_cast<std::uint16_t>((now[i] << 8) | now[i + 1]);
  }
  const std::uint16_t r = static_cast<std::uint16_t>(~fold(s));
  ck[0] = r >> 8;
  ck[1] = r & 0xff;
}
inline void ip_header_checksum(std::uint8_t* ip, std::size_t ihl) {
  ip[10] = ip[11] = 0;
  const std::uint16_t c = static_cast<std::uint16_t>(~fold(sum16(ip, ihl)));
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
}
}  // namespace detail

/**
 * The server-side bytes of a captured frame. `frame`/`caplen` are the captured bytes, `p` their
 * decoded view. Returns the new frame and sets `wire_len` (the original length adjusted).
 */
inline std::vector<std::uint8_t> apply_rewrite(const rewrite& r, const packet_view& p, const std::uint8_t* frame,
                                               std::uint32_t caplen, std::uint32_t& wire_len) {
  std::vector<std::uint8_t> out(frame, frame + caplen);
  wire_len = std::max(wire_len, caplen);
  const std::size_t l3 = p.l3_offset;
  if (r.local || l3 + 20 > caplen || p.key.src.v6 || (out[l3] >> 4) != 4) return out;
  std::uint8_t* ip = out.data() + l3;
  const std::size_t ihl = (ip[0] & 0x0f) * 4u;
  switch (r.mode) {
    case forwarding::dr:
      if (l3 >= 14) {  // Ethernet: the real server's MAC (02:00 + its IPv4 address)
        const std::uint8_t mac[6] = {0x02, 0x00, r.rip.b[0], r.rip.b[1], r.rip.b[2], r.rip.b[3]};
        std::memcpy(out.data() + (r.dir == 0 ? 0 : 6), mac, 6);
      }
      return out;
    case forwarding::nat: {
      std::uint8_t* addr = ip + (r.dir == 0 ? 16 : 12);
      std::uint8_t old_addr[4], new_addr[4] = {r.rip.b[0], r.rip.b[1], r.rip.b[2], r.rip.b[3]};
      std::memcpy(old_addr, addr, 4);
      std::memcpy(addr, new_addr, 4);
      detail::ip_header_checksum(ip, ihl);
      std::uint8_t* l4 = ip + ihl;
      const std::size_t l4cap = caplen > l3 + ihl ? caplen - l3 - ihl : 0;
      const std::size_t ck_off = p.is_tcp() ? 16 : p.is_udp() ? 6 : 0;
      if (!ck_off || l4cap < ck_off + 2 || p.fragment) return out;
      std::uint8_t* port = l4 + (r.dir == 0 ? 2 : 0);
      std::uint8_t old_port[2] = {port[0], port[1]};
      std::uint8_t new_port[2] = {static_cast<std::uint8_t>(r.rport >> 8), static_cast<std::uint8_t>(r.rport & 0xff)};
      port[0] = new_port[0];
      port[1] = new_port[1];
      std::uint8_t* ck = l4 + ck_off;
      if (p.is_udp() && ck[0] == 0 && ck[1] == 0) return out;  // no UDP checksum
      detail::csum_update(ck, old_addr, new_addr, 4);
      detail::csum_update(ck, old_port, new_port, 2);
      return out;
    }
    case forwarding::tun: {
      std::uint8_t outer[20] = {0x45, ip[1], 0, 0, 0, 0, static_cast<std::uint8_t>(ip[6] & 0x40), 0, 64, 4, 0, 0};
      const std::uint32_t total = p.ip_len + 20;
      outer[2] = static_cast<std::uint8_t>(total >> 8);
      outer[3] = static_cast<std::uint8_t>(total & 0xff);
      std::memcpy(outer + 12, r.vip.b.data(), 4);
      std::memcpy(outer + 16, r.rip.b.data(), 4);
      detail::ip_header_checksum(outer, 20);
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(l3), outer, outer + 20);
      wire_len += 20;
      return out;
    }
  }
  return out;
}

}  // namespace sessim::lb
