// Forwarding rewrites for IPv6 (nat, dr, tun), the tunnel types (ipip, gue, gre) with their
// exact overhead, mixed-family tunnels, and the MTU effect of encapsulation.
#include <gtest/gtest.h>

#include <vector>

#include "sessim/lb/balancer.hpp"
#include "sessim/lb/forwarding.hpp"

namespace sessim::lb {
namespace {

ip_addr v6(std::initializer_list<std::uint8_t> tail) {
  std::uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
  std::size_t i = 16 - tail.size();
  for (auto x : tail) b[i++] = x;
  return ip_addr::v6addr(b);
}

/// One's-complement sum of the TCP checksum over an IPv6 pseudo header and the segment.
std::uint16_t tcp6_sum(const std::uint8_t* ip, std::uint32_t tcp_len) {
  std::uint32_t s = detail::sum16(ip + 8, 32) + 6 + tcp_len + detail::sum16(ip + 40, tcp_len);
  return detail::fold(s);
}

/// Ethernet + IPv6 + 20-byte TCP SYN from [2001:db8::1]:40000 to [2001:db8::ff:10]:443, checksum valid.
std::vector<std::uint8_t> syn6(packet_view& p) {
  std::vector<std::uint8_t> f(14 + 40 + 20, 0);
  f[12] = 0x86; f[13] = 0xdd;
  std::uint8_t* ip = f.data() + 14;
  ip[0] = 0x60; ip[5] = 20; ip[6] = 6; ip[7] = 64;
  const ip_addr src = v6({0x01}), dst = v6({0xff, 0x00, 0x10});
  std::copy(src.b.begin(), src.b.end(), ip + 8);
  std::copy(dst.b.begin(), dst.b.end(), ip + 24);
  std::uint8_t* tcp = ip + 40;
  tcp[0] = 40000 >> 8; tcp[1] = 40000 & 0xff; tcp[2] = 1; tcp[3] = 0xbb; tcp[12] = 0x50; tcp[13] = 0x02;
  const std::uint16_t c = static_cast<std::uint16_t>(~tcp6_sum(ip, 20));
  tcp[16] = c >> 8; tcp[17] = c & 0xff;
  p = packet_view{};
  p.l3_offset = 14; p.ip_len = 60; p.l4_len = 20; p.key.proto = 6;
  p.key.src = src; p.key.dst = dst; p.key.sport = 40000; p.key.dport = 443;
  return f;
}

/// Ethernet + IPv4 (DF) + 20-byte TCP SYN.
std::vector<std::uint8_t> syn4(packet_view& p) {
  std::vector<std::uint8_t> f(14 + 20 + 20, 0);
  f[12] = 0x08;
  const std::uint8_t iph[20] = {0x45, 0x10, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 1, 203, 0, 113, 10};
  std::copy(iph, iph + 20, f.data() + 14);
  detail::ip_header_checksum(f.data() + 14, 20);
  p = packet_view{};
  p.l3_offset = 14; p.ip_len = 40; p.l4_len = 20; p.key.proto = 6; p.df = true;
  p.key.src = ip_addr::v4(0xc6336401u); p.key.dst = ip_addr::v4(0xcb00710au);
  return f;
}

TEST(Forwarding, TunnelOverheadPerTypeAndFamily) {
  EXPECT_EQ(tunnel_overhead(tunnel_type::ipip, false, false), 20u);
  EXPECT_EQ(tunnel_overhead(tunnel_type::ipip, true, false), 40u);
  EXPECT_EQ(tunnel_overhead(tunnel_type::gue, false, false), 32u);  // 20 + UDP 8 + GUE 4
  EXPECT_EQ(tunnel_overhead(tunnel_type::gue, true, false), 52u);
  EXPECT_EQ(tunnel_overhead(tunnel_type::gre, false, false), 24u);  // 20 + GRE 4
  EXPECT_EQ(tunnel_overhead(tunnel_type::gre, false, true), 28u);   // + checksum and reserved
  EXPECT_EQ(tunnel_overhead(tunnel_type::gre, true, false), 44u);
  virtual_server_spec vs;
  vs.tun_type = tunnel_type::gue;
  EXPECT_EQ(vs.encap_bytes(ip_addr::v4(1u)), 32u);
  EXPECT_EQ(vs.encap_bytes(v6({1})), 52u);
  vs.tun_overhead = 36;  // an explicit figure wins
  EXPECT_EQ(vs.encap_bytes(v6({1})), 36u);
}

TEST(Forwarding, NatRewritesIpv6BothWaysWithValidChecksums) {
  packet_view p;
  auto f = syn6(p);
  rewrite r;
  r.mode = forwarding::nat;
  r.rip = v6({0x01, 0x00, 0x12});
  r.rport = 8443;
  std::uint32_t wire = 74;
  auto out = apply_rewrite(r, p, f.data(), 74, wire);
  ASSERT_EQ(out.size(), 74u);
  EXPECT_TRUE(std::equal(r.rip.b.begin(), r.rip.b.end(), out.begin() + 14 + 24));  // destination
  EXPECT_EQ((out[54 + 2] << 8) | out[54 + 3], 8443);
  EXPECT_EQ(tcp6_sum(out.data() + 14, 20), 0xffff);
  // A reply on the server side, as the real server sent it: its source is the RIP.
  r.dir = 1;
  wire = 74;
  auto back = apply_rewrite(r, p, f.data(), 74, wire);
  EXPECT_TRUE(std::equal(r.rip.b.begin(), r.rip.b.end(), back.begin() + 14 + 8));
  EXPECT_EQ((back[54] << 8) | back[55], 8443);
  EXPECT_EQ(tcp6_sum(back.data() + 14, 20), 0xffff);
}

TEST(Forwarding, DirectRoutingIpv6UsesTheLastFourAddressBytesInTheMac) {
  packet_view p;
  auto f = syn6(p);
  rewrite r;
  r.mode = forwarding::dr;
  r.rip = v6({0x0a, 0x0b, 0x0c, 0x0d});
  std::uint32_t wire = 74;
  auto out = apply_rewrite(r, p, f.data(), 74, wire);
  const std::uint8_t mac[6] = {0x02, 0x00, 0x0a, 0x0b, 0x0c, 0x0d};
  EXPECT_TRUE(std::equal(mac, mac + 6, out.begin()));
  EXPECT_TRUE(std::equal(out.begin() + 14, out.end(), f.begin() + 14));  // IP untouched
}

TEST(Forwarding, TunnelHeadersIpipGueGreAndMixedFamilies) {
  packet_view p;
  auto f6 = syn6(p);
  rewrite r;
  r.mode = forwarding::tun;
  r.vip = p.key.dst;
  r.rip = v6({0x12});
  // IPv6 in IPv6 (ipip type): 40-byte outer header, next header 41.
  r.overhead = tunnel_overhead(tunnel_type::ipip, true, false);
  std::uint32_t wire = 74;
  auto t = apply_rewrite(r, p, f6.data(), 74, wire);
  ASSERT_EQ(t.size(), 114u);
  EXPECT_EQ(wire, 114u);
  EXPECT_EQ(t[14] >> 4, 6);
  EXPECT_EQ((t[14 + 4] << 8) | t[14 + 5], 60);  // payload length = the inner packet
  EXPECT_EQ(t[14 + 6], 41);
  EXPECT_TRUE(std::equal(r.rip.b.begin(), r.rip.b.end(), t.begin() + 14 + 24));
  EXPECT_TRUE(std::equal(f6.begin() + 14, f6.end(), t.begin() + 54));  // inner unchanged

  // IPv4 in GUE over IPv4: 20 + 8 + 4; UDP to port 6080; GUE carries protocol 4; DF copied.
  auto f4 = syn4(p);
  r.vip = p.key.dst;
  r.rip = ip_addr::v4(0x0a00000cu);
  r.tun = tunnel_type::gue;
  r.overhead = tunnel_overhead(tunnel_type::gue, false, false);
  wire = 54;
  auto g = apply_rewrite(r, p, f4.data(), 54, wire);
  ASSERT_EQ(g.size(), 86u);
  EXPECT_EQ(wire, 86u);
  const std::uint8_t* o = g.data() + 14;
  EXPECT_EQ((o[2] << 8) | o[3], 72);  // 40 + 32
  EXPECT_EQ(o[6] & 0x40, 0x40);
  EXPECT_EQ(o[9], 17);
  EXPECT_EQ(detail::fold(detail::sum16(o, 20)), 0xffff);
  EXPECT_EQ((o[20 + 2] << 8) | o[20 + 3], 6080);
  EXPECT_EQ((o[20 + 4] << 8) | o[20 + 5], 52);  // UDP length: 8 + 4 + 40
  EXPECT_EQ(o[28], 0);   // GUE version 0, no options
  EXPECT_EQ(o[29], 4);   // inner protocol IPv4
  EXPECT_EQ(o[32], 0x45);

  // GRE with checksum flag: 20 + 8, protocol 47, GRE type 0x0800.
  r.tun = tunnel_type::gre;
  r.tun_csum = true;
  r.overhead = tunnel_overhead(tunnel_type::gre, false, true);
  wire = 54;
  auto e = apply_rewrite(r, p, f4.data(), 54, wire);
  ASSERT_EQ(e.size(), 82u);
  EXPECT_EQ(e[14 + 9], 47);
  EXPECT_EQ(e[34], 0x80);
  EXPECT_EQ((e[36] << 8) | e[37], 0x0800);

  // IPv4 client packet to an IPv6 real server (tun crosses families): outer IPv6, next header 4,
  // and the Ethernet type follows the outer header.
  r.tun = tunnel_type::ipip;
  r.tun_csum = false;
  r.rip = v6({0x12});
  r.overhead = tunnel_overhead(tunnel_type::ipip, true, false);
  wire = 54;
  auto m = apply_rewrite(r, p, f4.data(), 54, wire);
  ASSERT_EQ(m.size(), 94u);
  EXPECT_EQ((m[12] << 8) | m[13], 0x86dd);
  EXPECT_EQ(m[14] >> 4, 6);
  EXPECT_EQ(m[14 + 6], 4);
  EXPECT_EQ(m[54], 0x45);

  // A reply goes from the real server straight to the client: nothing to encapsulate.
  r.dir = 1;
  wire = 54;
  auto reply = apply_rewrite(r, p, f4.data(), 54, wire);
  EXPECT_EQ(reply, f4);
  EXPECT_EQ(wire, 54u);
}

TEST(Forwarding, TunnelMtuDfDroppedOrFragmented) {
  virtual_server_spec vs;
  vs.vip = ip_addr::v4(0xcb00710au);
  vs.port = 443;
  vs.scheduler = "rr";
  vs.fwd = forwarding::tun;
  vs.tun_type = tunnel_type::gue;  // 32 bytes over IPv4
  vs.mtu = 1500;
  vs.reals.push_back({ip_addr::v4(0x0a00000bu), 443, 1, 0});
  balancer b(vs, {}, 1);
  b.begin(0);
  connection c;
  c.id = 1;
  c.key.proto = 6;
  c.key.src = ip_addr::v4(0xc6336401u);
  c.key.sport = 40000;
  c.key.dst = vs.vip;
  c.key.dport = 443;
  auto pkt = [&](std::uint32_t ip_len, bool df, std::uint8_t flags, std::uint64_t frame) {
    packet_view p;
    p.frame = frame;
    p.key = c.key;
    p.flags = flags;
    p.ip_len = ip_len;
    p.l4_len = ip_len - 20;
    p.payload_len = ip_len - 40;
    p.df = df;
    return p;
  };
  EXPECT_EQ(b.on_packet(pkt(40, true, tcp_flags::syn, 1), 0, c, seconds(1)).rw.overhead, 32u);
  b.on_packet(pkt(1468, true, tcp_flags::ack, 2), 0, c, seconds(2));   // 1500: fits exactly
  b.on_packet(pkt(1500, true, tcp_flags::ack, 3), 0, c, seconds(3));   // 1532 with DF: dropped + ICMP
  b.on_packet(pkt(1500, false, tcp_flags::ack, 4), 0, c, seconds(4));  // 1532 without DF: fragmented
  b.on_packet(pkt(1500, true, tcp_flags::ack, 5), 1, c, seconds(5));   // a reply: not encapsulated
  auto r = b.report(seconds(10));
  EXPECT_EQ(r.tun_type, "gue");
  EXPECT_EQ(r.tun_overhead, 32u);
  EXPECT_EQ(r.tun_bytes, 4u * 32u);
  EXPECT_EQ(r.tun_over_mtu, 2u);
  EXPECT_EQ(r.tun_df_dropped, 1u);
  EXPECT_EQ(r.tun_fragmented, 1u);
  EXPECT_EQ(r.tun_icmp_mtu, 1468u);
  EXPECT_EQ(r.tun_mtu_connections, 1u);
  EXPECT_EQ(r.tun_largest, 1532u);
  ASSERT_EQ(r.tun_df_frames.size(), 1u);
  EXPECT_EQ(r.tun_df_frames[0], 3u);
}

}  // namespace
}  // namespace sessim::lb
