#pragma once
/// forwarding: what a packet looks like on the server side of the balancer — DNAT to the real
/// server (nat; replies get their source rewritten back, here shown as the server sent them),
/// a new destination MAC (dr), or an outer header in front (tun: IPIP, GUE or GRE to the real
/// server, `overhead` bytes; the outer family is the real server's). IPv4 and IPv6 alike.
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
  std::uint32_t overhead = 20;  ///< tun: encapsulation bytes (the outer IP header plus the tunnel header)
  tunnel_type tun = tunnel_type::ipip;  ///< tun: encapsulation
  std::uint16_t tun_port = 6080;        ///< tun gue: outer UDP destination port
  bool tun_csum = false;                ///< tun gre: checksum field present
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
inline void ip_header_checksum(std::uint8_t* ip, std::size_t ihl);
inline void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xff);
}
/// The outer header of a tunnelled packet: IP (the real server's family) + GUE/GRE header.
inline std::vector<std::uint8_t> tunnel_header(const rewrite& r, const std::uint8_t* inner, std::uint32_t inner_len,
                                               bool inner_v6, std::uint16_t flow_hash) {
  const bool v6 = r.rip.v6;
  const std::uint32_t iph = v6 ? 40 : 20;
  const std::uint32_t extra = r.overhead > iph ? r.overhead - iph : 0;
  std::vector<std::uint8_t> h(iph + extra, 0);
  const std::uint8_t inner_proto = inner_v6 ? 41 : 4;
  const std::uint8_t proto = r.tun == tunnel_type::gue ? 17 : r.tun == tunnel_type::gre ? 47 : inner_proto;
  const std::uint32_t total = inner_len + iph + extra;
  if (v6) {
    h[0] = 0x60;
    put16(h.data() + 4, total - 40);
    h[6] = proto;
    h[7] = 64;
    std::memcpy(h.data() + 8, r.vip.b.data(), 16);  // an IPv4 VIP has no IPv6 source: left 0 (see docs)
    if (!r.vip.v6) std::memset(h.data() + 8, 0, 16);
    std::memcpy(h.data() + 24, r.rip.b.data(), 16);
  } else {
    h[0] = 0x45;
    h[1] = inner_v6 ? 0 : inner[1];
    put16(h.data() + 2, total);
    h[6] = inner_v6 ? 0x40 : static_cast<std::uint8_t>(inner[6] & 0x40);  // DF copied from the inner header
    h[8] = 64;
    h[9] = proto;
    if (!r.vip.v6) std::memcpy(h.data() + 12, r.vip.b.data(), 4);
    std::memcpy(h.data() + 16, r.rip.b.data(), 4);
    ip_header_checksum(h.data(), 20);
  }
  std::uint8_t* t = h.data() + iph;
  if (r.tun == tunnel_type::gue && extra >= 12) {
    put16(t, 49152u + (flow_hash & 0x3fff));  // source port from the inner flow, as udp_flow_src_port
    put16(t + 2, r.tun_port);
    put16(t + 4, total - iph);
    t[9] = inner_proto;  // GUE variant 0, no options: the inner protocol
  } else if (r.tun == tunnel_type::gre && extra >= 4) {
    if (r.tun_csum) t[0] = 0x80;
    put16(t + 2, inner_v6 ? 0x86dd : 0x0800);
  }
  return h;
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
 * decoded view. Returns the new frame and sets `wire_len` (the original length adjusted). NAT
 * checksums are updated incrementally (RFC 1624), so a frame the capture cut stays consistent.
 */
inline std::vector<std::uint8_t> apply_rewrite(const rewrite& r, const packet_view& p, const std::uint8_t* frame,
                                               std::uint32_t caplen, std::uint32_t& wire_len) {
  std::vector<std::uint8_t> out(frame, frame + caplen);
  wire_len = std::max(wire_len, caplen);
  const std::size_t l3 = p.l3_offset;
  if (r.local || l3 + 20 > caplen) return out;
  const unsigned ver = out[l3] >> 4;
  const bool v6 = ver == 6;
  if ((ver != 4 && !v6) || (v6 && l3 + 40 > caplen)) return out;
  std::uint8_t* ip = out.data() + l3;
  const std::size_t l4_off = v6 ? (p.ip_len >= p.l4_len ? p.ip_len - p.l4_len : 40) : (ip[0] & 0x0f) * 4u;
  const std::size_t alen = v6 ? 16 : 4;
  switch (r.mode) {
    case forwarding::dr:
      if (l3 >= 14) {  // Ethernet: the real server's MAC (02:00 + the last four bytes of its address)
        const std::size_t o = r.rip.v6 ? 12 : 0;
        const std::uint8_t mac[6] = {0x02, 0x00, r.rip.b[o], r.rip.b[o + 1], r.rip.b[o + 2], r.rip.b[o + 3]};
        std::memcpy(out.data() + (r.dir == 0 ? 0 : 6), mac, 6);
      }
      return out;
    case forwarding::nat: {
      if (r.rip.v6 != v6) return out;  // NAT keeps the family (the scenario refuses mixed ones)
      std::uint8_t* addr = ip + (v6 ? (r.dir == 0 ? 24 : 8) : (r.dir == 0 ? 16 : 12));
      std::uint8_t old_addr[16], new_addr[16];
      std::memcpy(old_addr, addr, alen);
      std::memcpy(new_addr, r.rip.b.data(), alen);
      std::memcpy(addr, new_addr, alen);
      if (!v6) detail::ip_header_checksum(ip, l4_off);
      std::uint8_t* l4 = ip + l4_off;
      const std::size_t l4cap = caplen > l3 + l4_off ? caplen - l3 - l4_off : 0;
      const std::size_t ck_off = p.is_tcp() ? 16 : p.is_udp() ? 6 : 0;
      if (!ck_off || l4cap < ck_off + 2 || !p.l4_header) return out;
      std::uint8_t* port = l4 + (r.dir == 0 ? 2 : 0);
      std::uint8_t old_port[2] = {port[0], port[1]};
      std::uint8_t new_port[2] = {static_cast<std::uint8_t>(r.rport >> 8), static_cast<std::uint8_t>(r.rport & 0xff)};
      port[0] = new_port[0];
      port[1] = new_port[1];
      std::uint8_t* ck = l4 + ck_off;
      if (p.is_udp() && !v6 && ck[0] == 0 && ck[1] == 0) return out;  // no UDP checksum (IPv4 only)
      detail::csum_update(ck, old_addr, new_addr, alen);
      detail::csum_update(ck, old_port, new_port, 2);
      return out;
    }
    case forwarding::tun: {
      if (r.dir == 1) return out;  // the real server answers the client directly, from the VIP
      const std::uint32_t inner_len = p.ip_len;
      const std::uint16_t h = static_cast<std::uint16_t>(p.key.sport * 31u + p.key.dport + p.key.src.b[alen - 1]);
      auto outer = detail::tunnel_header(r, ip, inner_len, v6, h);
      // The link header's protocol field follows the outer family (Ethernet, VLAN, SLL: the two
      // bytes before the IP header).
      if (l3 >= 2 && r.rip.v6 != v6) {
        std::uint8_t* et = out.data() + l3 - 2;
        const unsigned cur = (et[0] << 8) | et[1];
        if (cur == 0x0800 || cur == 0x86dd) detail::put16(et, r.rip.v6 ? 0x86dd : 0x0800);
      }
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(l3), outer.begin(), outer.end());
      wire_len += static_cast<std::uint32_t>(outer.size());
      return out;
    }
  }
  return out;
}

}  // namespace sessim::lb
