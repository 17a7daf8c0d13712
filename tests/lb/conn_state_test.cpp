// IPVS connection states and the active/inactive counters the lc/wlc/sed/nq schedulers and
// max_conns see (ip_vs_proto_tcp.c tcp_states, ip_vs_conn.c ip_vs_bind_dest/ip_vs_unbind_dest).
#include <gtest/gtest.h>

#include <string>

#include "common/packet_builder.hpp"
#include "sessim/lb/balancer.hpp"

namespace sessim::lb {
namespace {

using S = ipvs_state;
constexpr std::uint8_t SYN = tcp_flags::syn, ACK = tcp_flags::ack, FIN = tcp_flags::fin | tcp_flags::ack,
                       RST = tcp_flags::rst, SYNACK = tcp_flags::syn | tcp_flags::ack;

TEST(IpvsState, TableFollowsTheKernel) {
  // NAT: both directions seen.
  S s = ipvs_next_state(S::none, ipvs_dir::input, SYN);
  EXPECT_EQ(s, S::syn_recv);
  s = ipvs_next_state(s, ipvs_dir::output, SYNACK);  // SYN takes precedence over ACK
  EXPECT_EQ(s, S::syn_recv);
  s = ipvs_next_state(s, ipvs_dir::input, ACK);
  EXPECT_EQ(s, S::established);
  EXPECT_EQ(ipvs_next_state(s, ipvs_dir::input, FIN), S::close_wait);   // client FIN first
  EXPECT_EQ(ipvs_next_state(s, ipvs_dir::output, FIN), S::fin_wait);    // server FIN first
  EXPECT_EQ(ipvs_next_state(S::close_wait, ipvs_dir::output, FIN), S::time_wait);
  EXPECT_EQ(ipvs_next_state(S::fin_wait, ipvs_dir::input, FIN), S::time_wait);
  EXPECT_EQ(ipvs_next_state(s, ipvs_dir::input, RST | ACK), S::close);  // RST beats every other flag
  EXPECT_EQ(ipvs_next_state(S::none, ipvs_dir::input, ACK), S::close);  // no SYN: not a connection
  // DR/TUN: input only. A client FIN in ESTABLISHED goes to FIN_WAIT, not CLOSE_WAIT.
  EXPECT_EQ(ipvs_next_state(S::established, ipvs_dir::input_only, FIN), S::fin_wait);
  EXPECT_EQ(ipvs_next_state(S::syn_recv, ipvs_dir::input_only, RST), S::syn_recv);  // a RST in SYN_RECV is ignored
  EXPECT_EQ(ipvs_next_state(S::syn_recv, ipvs_dir::input, RST), S::syn_recv);
  EXPECT_EQ(ipvs_next_state(S::established, ipvs_dir::input, 0), S::close);  // no flag at all
  const ipvs_timeouts to;
  EXPECT_EQ(to.of(S::established), seconds(900));
  EXPECT_EQ(to.of(S::syn_recv), seconds(60));
  EXPECT_EQ(to.of(S::time_wait), seconds(120));
  EXPECT_EQ(to.of(S::close), seconds(10));
  EXPECT_EQ(to.of(S::udp), seconds(300));
}

virtual_server_spec two(std::string sched, forwarding f = forwarding::nat) {
  virtual_server_spec vs;
  vs.vip = ip_addr::v4(0xc000020au);  // 192.0.2.10, the packet builder's server
  vs.port = 80;
  vs.scheduler = std::move(sched);
  vs.fwd = f;
  vs.reals.push_back({ip_addr::v4(0x0a00000bu), 80, 1, 0});
  vs.reals.push_back({ip_addr::v4(0x0a00000cu), 80, 1, 0});
  return vs;
}

/// One client connection: its packets go through `b` as the replay would hand them.
struct client {
  test::tcp_conv conv;
  connection c;
  client(std::uint64_t id, std::uint16_t port) : conv(1000, 5000, port, 80) {
    c.id = id;
    c.key = conv.c2s;
  }
  std::string send(balancer& b, bool from_server, std::uint8_t flags, double t) {
    packet_view p = conv.pkt(from_server, flags, 0, t);
    b.on_packet(p, from_server ? 1 : 0, c, p.ts);
    return c.backend;
  }
};

TEST(IpvsCounts, LeastConnectionCountsInactiveAsIpvs) {
  balancer b(two("lc"), {}, 1);
  b.begin(0);
  client a(1, 40001), x(2, 40002), y(3, 40003);
  // a: SYN only -> SYN_RECV, inactive on .11 (overhead 1); x goes to .12 (overhead 0).
  EXPECT_EQ(a.send(b, false, SYN, 1), "10.0.0.11:80");
  EXPECT_EQ(b.conns_of(0, seconds(1)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  EXPECT_EQ(x.send(b, false, SYN, 1.1), "10.0.0.12:80");
  // a completes its handshake: ESTABLISHED, active (overhead 256 + 0) against x's 1.
  a.send(b, true, SYNACK, 1.2);
  a.send(b, false, ACK, 1.3);
  EXPECT_EQ(b.conns_of(0, seconds(1.3)), (std::pair<std::uint32_t, std::uint32_t>{1, 0}));
  EXPECT_EQ(y.send(b, false, SYN, 1.4), "10.0.0.12:80");  // 1 < 256
  EXPECT_EQ(b.conns_of(1, seconds(1.4)), (std::pair<std::uint32_t, std::uint32_t>{0, 2}));
  // a closes: TIME_WAIT, inactive for 120 s after its last packet, then gone.
  a.send(b, false, FIN, 2);
  a.send(b, true, FIN, 2.1);
  a.send(b, false, ACK, 2.2);
  EXPECT_EQ(b.conns_of(0, seconds(2.2)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  // x and y never got past SYN_RECV: expired 60 s after their SYN (time only moves forward).
  EXPECT_EQ(b.conns_of(1, seconds(61.0)), (std::pair<std::uint32_t, std::uint32_t>{0, 2}));
  EXPECT_EQ(b.conns_of(1, seconds(61.2)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  EXPECT_EQ(b.conns_of(1, seconds(61.5)), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
  EXPECT_EQ(b.conns_of(0, seconds(122.1)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  EXPECT_EQ(b.conns_of(0, seconds(122.3)), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
}

TEST(IpvsCounts, WeightedLeastConnectionUsesActiveTimes256PlusInactive) {
  auto vs = two("wlc");
  vs.reals[1].weight = 3;
  balancer b(vs, {}, 1);
  b.begin(0);
  // Both empty: the first server wins the tie (0*3 > 0*1 is false).
  client c1(1, 41001);
  EXPECT_EQ(c1.send(b, false, SYN, 1), "10.0.0.11:80");
  c1.send(b, true, SYNACK, 1.01);
  c1.send(b, false, ACK, 1.02);  // .11: 256/1; .12: 0/3
  client c2(2, 41002);
  EXPECT_EQ(c2.send(b, false, SYN, 2), "10.0.0.12:80");
  // .11 = 256/1, .12 = 1/3 (one inactive): .12 again, and again until 3*inactive exceeds 256.
  int to12 = 0;
  for (std::uint16_t k = 0; k < 100; ++k) {
    client c(10 + k, static_cast<std::uint16_t>(42000 + k));
    if (c.send(b, false, SYN, 3) == "10.0.0.12:80") ++to12;
  }
  // .12 takes new SYN_RECV entries while (1 + n) * 1 <= 256 * 3, i.e. all 100 here.
  EXPECT_EQ(to12, 100);
}

TEST(IpvsCounts, ShortestExpectedDelayAndNeverQueueIgnoreInactive) {
  // sed and nq count active connections only (ip_vs_sed_dest_overhead = activeconns + 1).
  for (const char* name : {"sed", "nq"}) {
    balancer b(two(name), {}, 1);
    b.begin(0);
    std::string seq;
    for (std::uint16_t k = 0; k < 4; ++k) {
      client c(1 + k, static_cast<std::uint16_t>(43000 + k));
      seq += c.send(b, false, SYN, 1 + 0.1 * k) == "10.0.0.11:80" ? "a" : "b";
    }
    EXPECT_EQ(seq, "aaaa") << name;  // SYN_RECV entries are inactive: .11 stays "idle"
    EXPECT_EQ(b.conns_of(0, seconds(2)), (std::pair<std::uint32_t, std::uint32_t>{0, 4})) << name;
  }
  // nq: a server with no active connection wins at once even if another has a lower (active+1)/weight.
  auto d = std::vector<dest_state>(2);
  d[0].weight = 10; d[0].active = 1; d[0].inactive = 0;
  d[1].weight = 1; d[1].active = 0; d[1].inactive = 50;
  nq_scheduler nq;
  sed_scheduler sed;
  EXPECT_EQ(nq.pick(d, ip_addr::v4(1u), 1), 1u);   // an idle server (no active) wins at once
  EXPECT_EQ(sed.pick(d, ip_addr::v4(1u), 1), 0u);  // (1+1)/10 < (0+1)/1; the 50 inactive do not count
  d[0].weight = 1;                                 // (1+1)/1 > (0+1)/1
  EXPECT_EQ(sed.pick(d, ip_addr::v4(1u), 1), 1u);
  lc_scheduler lc;                                 // lc counts them: 1*256 + 0 > 0*256 + 50
  EXPECT_EQ(lc.pick(d, ip_addr::v4(1u), 1), 1u);
  d[1].inactive = 300;                             // 256 < 300
  EXPECT_EQ(lc.pick(d, ip_addr::v4(1u), 1), 0u);
}

TEST(IpvsCounts, UdpEntriesAreInactive) {
  auto vs = two("lc");
  vs.proto = 17;
  vs.port = 53;
  vs.vip = ip_addr::v4(0xc0000235u);  // the packet builder's UDP server
  balancer b(vs, {}, 1);
  b.begin(0);
  connection c;
  c.id = 1;
  packet_view p = test::udp(false, 1, 1);
  c.key = p.key;
  b.on_packet(p, 0, c, p.ts);
  EXPECT_EQ(b.conns_of(0, seconds(1)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  EXPECT_EQ(b.conns_of(0, seconds(301)), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));  // udp timeout 300 s
}

TEST(IpvsCounts, DirectRoutingSeesOnlyInputAndStillEstablishes) {
  balancer b(two("lc", forwarding::dr), {}, 1);
  b.begin(0);
  client a(1, 44001);
  a.send(b, false, SYN, 1);
  a.send(b, false, ACK, 1.1);  // INPUT-ONLY: SYN_RECV + ACK -> ESTABLISHED
  EXPECT_EQ(b.conns_of(0, seconds(1.1)), (std::pair<std::uint32_t, std::uint32_t>{1, 0}));
  a.send(b, false, FIN, 2);    // FIN_WAIT (inactive, 120 s)
  EXPECT_EQ(b.conns_of(0, seconds(2)), (std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  EXPECT_EQ(b.conns_of(0, seconds(122)), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
}

TEST(IpvsCounts, MaxConnsCountsActivePlusInactiveWithHysteresis) {
  auto vs = two("rr");
  vs.reals[0].max_conns = 4;  // overloaded at 4 entries, back below 3 (4 * 3/4)
  balancer b(vs, {}, 1);
  b.begin(0);
  std::string seq;
  std::uint16_t port = 45000;
  auto syn_at = [&](double t) {
    client c(port, port);
    ++port;
    return c.send(b, false, SYN, t) == "10.0.0.11:80" ? 'a' : 'b';
  };
  for (int k = 0; k < 10; ++k) seq += syn_at(1 + 0.01 * k);
  EXPECT_EQ(seq, "ababababbb");  // four SYN_RECV entries on .11 overload it
  // The entries expire 60 s later (SYN_RECV): at 61.05 s two of .11's four are gone (2 * 4 < 12).
  seq.clear();
  for (int k = 0; k < 4; ++k) seq += syn_at(61.035 + 0.001 * k);
  EXPECT_EQ(seq, "abab");
}

}  // namespace
}  // namespace sessim::lb
