// Schedulers against IPVS's definitions, health-check timing, L7 parsing, forwarding rewrites.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "sessim/lb/forwarding.hpp"
#include "sessim/lb/health_check.hpp"
#include "sessim/lb/l7.hpp"
#include "sessim/lb/schedulers/all.hpp"

namespace sessim::lb {
namespace {

std::vector<dest_state> dests(std::vector<std::uint32_t> w) {
  std::vector<dest_state> d(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    d[i].weight = w[i];
    d[i].ip = ip_addr::v4(0x0a000000u + static_cast<std::uint32_t>(i) + 1);
    d[i].port = 80;
  }
  return d;
}
const ip_addr client = ip_addr::v4(0xc6336401u);

TEST(Scheduler, RoundRobinOrderSkipsDrainingServer) {
  auto d = dests({1, 0, 1});
  rr_scheduler s;
  std::string seq;
  for (int i = 0; i < 4; ++i) seq += std::to_string(s.pick(d, client, 1));
  EXPECT_EQ(seq, "0202");
}

TEST(Scheduler, WeightedRoundRobinSequenceAndRatios) {
  auto d = dests({3, 2, 1});
  wrr_scheduler s;
  std::string seq;
  for (int i = 0; i < 12; ++i) seq += std::to_string(s.pick(d, client, 1));
  EXPECT_EQ(seq, "010120010120");  // cw 2: A B; cw 1: A B C; cw 3: A; ...
}

TEST(Scheduler, LeastConnectionFamiliesOnCraftedLoads) {
  auto d = dests({1, 3, 1});
  d[0].active = 2; d[1].active = 4; d[2].active = 3;
  lc_scheduler lc; wlc_scheduler wlc; sed_scheduler sed; nq_scheduler nq;
  EXPECT_EQ(lc.pick(d, client, 1), 0u);   // 2 < 3 < 4
  EXPECT_EQ(wlc.pick(d, client, 1), 1u);  // 4/3 < 2/1
  EXPECT_EQ(sed.pick(d, client, 1), 1u);  // 5/3 < 3/1
  d[2].active = 0;
  EXPECT_EQ(nq.pick(d, client, 1), 2u);   // an idle server wins at once
  EXPECT_EQ(sed.pick(d, client, 1), 2u);  // 1/1 < 5/3
}

TEST(Scheduler, SourceAndDestinationHashingAreStable) {
  auto d = dests({1, 1, 1, 1});
  sh_scheduler sh;
  const std::size_t a = sh.pick(d, client, 1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sh.pick(d, client, static_cast<std::uint16_t>(i)), a);
  EXPECT_EQ(a, (hash_32(0xc6336401u, 8)) % 4);  // buckets round robin with weight 1
  dh_scheduler dh;
  dh.set_destination(ip_addr::v4(0xcb00710au));
  EXPECT_EQ(dh.pick(d, client, 1), dh_scheduler::bucket(ip_addr::v4(0xcb00710au)) % 4);
}

TEST(Scheduler, MaglevTableAndMinimalRemap) {
  auto d = dests({1, 1, 1, 1});
  mh_scheduler a(1);
  a.rebuild(d);
  auto ta = a.table();
  ASSERT_EQ(ta.size(), 65537u);
  std::map<std::size_t, std::size_t> per;
  for (auto x : ta) ++per[x];
  for (auto& [k, v] : per) EXPECT_NEAR(static_cast<double>(v) / 65537.0, 0.25, 0.01);
  auto d5 = dests({1, 1, 1, 1, 1});
  mh_scheduler b(1);
  b.rebuild(d5);
  auto tb = b.table();
  std::size_t moved = 0;
  for (std::size_t s = 0; s < ta.size(); ++s) moved += ta[s] != tb[s];
  EXPECT_NEAR(static_cast<double>(moved) / 65537.0, 0.2, 0.03);  // ~1/N move to the new server
}

TEST(HealthCheck, DetectionDelayIsExact) {
  health_spec h;
  h.kind = health_kind::tcp;
  h.interval = seconds(5); h.timeout = seconds(2); h.fall = 3; h.rise = 2;
  EXPECT_EQ(detect_down_at(h, 0, seconds(20)), seconds(32));      // checks 20, 25, 30 fail; +2 s
  EXPECT_EQ(detect_down_at(h, 0, seconds(20.5)), seconds(37));    // checks 25, 30, 35
  EXPECT_EQ(detect_up_at(h, 0, seconds(41)), seconds(50));        // checks 45, 50 succeed
  auto tl = health_timeline::build(h, 0, {{seconds(20), false}});
  EXPECT_TRUE(tl.seen_up(seconds(31.9)));
  EXPECT_FALSE(tl.seen_up(seconds(32)));
  EXPECT_FALSE(tl.up(seconds(20)));
}

TEST(L7, HttpHostPathAndTruncation) {
  std::string req = "GET /api/v1 HTTP/1.1\r\nHost: API.example.com:80\r\nX-Canary: 1\r\n\r\n";
  auto f = parse_payload(reinterpret_cast<const std::uint8_t*>(req.data()), req.size(), req.size());
  EXPECT_EQ(f.status, l7_status::http);
  EXPECT_EQ(f.host.view(), "api.example.com");
  EXPECT_EQ(f.path.view(), "/api/v1");
  EXPECT_EQ(f.header.view(), "x-canary: 1");
  auto cut = parse_payload(reinterpret_cast<const std::uint8_t*>(req.data()), 30, req.size());
  EXPECT_EQ(cut.status, l7_status::cut);
  std::string bad = "GET /x HTTP/9\r\n\r\n";
  EXPECT_EQ(parse_payload(reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size(), bad.size()).status,
            l7_status::malformed);
  std::string nocolon = "GET / HTTP/1.0\r\nHost example\r\n\r\n";
  EXPECT_EQ(parse_payload(reinterpret_cast<const std::uint8_t*>(nocolon.data()), nocolon.size(), nocolon.size()).status,
            l7_status::malformed);
}

TEST(L7, TlsSniAndCutClientHello) {
  const std::string sni = "www.example.com";
  std::vector<std::uint8_t> ext = {0, 0, 0, static_cast<std::uint8_t>(sni.size() + 5), 0,
                                   static_cast<std::uint8_t>(sni.size() + 3), 0, 0, static_cast<std::uint8_t>(sni.size())};
  ext.insert(ext.end(), sni.begin(), sni.end());
  std::vector<std::uint8_t> body = {3, 3};
  body.resize(2 + 32, 0);
  body.insert(body.end(), {0, 0, 2, 0x13, 1, 1, 0, 0, static_cast<std::uint8_t>(ext.size())});
  body.insert(body.end(), ext.begin(), ext.end());
  std::vector<std::uint8_t> rec = {0x16, 3, 1, 0, static_cast<std::uint8_t>(body.size() + 4), 1, 0, 0,
                                   static_cast<std::uint8_t>(body.size())};
  rec.insert(rec.end(), body.begin(), body.end());
  auto f = parse_payload(rec.data(), rec.size(), rec.size());
  EXPECT_EQ(f.status, l7_status::tls);
  EXPECT_EQ(f.host.view(), "www.example.com");
  EXPECT_EQ(parse_payload(rec.data(), 60, rec.size()).status, l7_status::cut);
}

TEST(Forwarding, NatRewritesDestinationAndKeepsChecksumsValid) {
  // Ethernet + IPv4 + TCP SYN 198.51.100.1:40000 -> 203.0.113.10:443 (checksums filled below).
  std::vector<std::uint8_t> f(14 + 20 + 20, 0);
  f[12] = 0x08;
  std::uint8_t* ip = f.data() + 14;
  const std::uint8_t iph[20] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 1, 203, 0, 113, 10};
  std::copy(iph, iph + 20, ip);
  detail::ip_header_checksum(ip, 20);
  std::uint8_t* tcp = ip + 20;
  tcp[0] = 40000 >> 8; tcp[1] = 40000 & 0xff; tcp[2] = 1; tcp[3] = 0xbb; tcp[12] = 0x50; tcp[13] = 0x02;
  auto tcp_sum = [](const std::uint8_t* ipp) {
    std::uint32_t s = detail::sum16(ipp + 12, 8) + 6 + 20 + detail::sum16(ipp + 20, 20);
    return detail::fold(s);
  };
  std::uint16_t c = static_cast<std::uint16_t>(~tcp_sum(ip));
  tcp[16] = c >> 8; tcp[17] = c & 0xff;
  packet_view p;
  p.l3_offset = 14; p.ip_len = 40; p.key.proto = 6;
  rewrite r;
  r.mode = forwarding::nat; r.rip = ip_addr::v4(0x0a00000cu); r.rport = 8443;
  std::uint32_t wire = 54;
  auto out = apply_rewrite(r, p, f.data(), 54, wire);
  EXPECT_EQ(out[14 + 16], 10); EXPECT_EQ(out[14 + 19], 12);
  EXPECT_EQ((out[34 + 2] << 8) | out[34 + 3], 8443);
  EXPECT_EQ(detail::fold(detail::sum16(out.data() + 14, 20)), 0xffff);  // IP header checksum valid
  EXPECT_EQ(tcp_sum(out.data() + 14), 0xffff);                           // TCP checksum valid
  r.mode = forwarding::tun;
  wire = 54;
  auto t = apply_rewrite(r, p, f.data(), 54, wire);
  EXPECT_EQ(t.size(), 74u);
  EXPECT_EQ(wire, 74u);
  EXPECT_EQ(t[14 + 9], 4);   // IPIP
  EXPECT_EQ(t[14 + 3], 60);  // outer total length 40 + 20
  r.mode = forwarding::dr;
  wire = 54;
  auto m = apply_rewrite(r, p, f.data(), 54, wire);
  EXPECT_EQ(m[0], 0x02); EXPECT_EQ(m[5], 12); EXPECT_EQ(m.size(), 54u);
}

}  // namespace
}  // namespace sessim::lb
