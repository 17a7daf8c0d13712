// NAT replies must cross the balancer: a reply whose path skips it breaks the connection with
// cause asymmetric-nat (the client gets it from the real server's address and resets it).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/lb/virtual_server.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"

using namespace sessim;

namespace {

using vec_source = test::vector_source;

struct collect : replay_sink {
  std::vector<connection> conns;
  std::vector<std::tuple<std::uint64_t, std::string, verdict, std::string>> rows;
  void on_connection(const connection& c) override { conns.push_back(c); }
  void on_verdict(const packet_view& p, std::string_view d, verdict v, std::string_view why) override {
    rows.emplace_back(p.frame, std::string(d), v, std::string(why));
  }
};

/// lb1 (ipvs) with virtual server 192.0.2.10:80 -> 10.0.0.11:80; replies via gw1 when `bypass`.
topology lb_topology(lb::forwarding f, bool bypass) {
  topology t;
  t.devices = {{"lb1", find_preset("ipvs").make()}, {"gw1", find_preset("linux").make()}};
  if (bypass) {
    path_spec back;
    back.match.direction = path_direction::server_to_client;
    back.devices = {1};
    path_spec rest;
    rest.devices = {0};
    t.paths = {back, rest};
  } else {
    path_spec all;
    all.devices = {0};
    t.paths = {all};
  }
  auto cfg = std::make_shared<lb::lb_config>();
  lb::virtual_server_spec vs;
  vs.device = "lb1";
  vs.vip = ip_addr::v4(0xc000020au);
  vs.port = 80;
  vs.scheduler = "rr";
  vs.fwd = f;
  vs.reals.push_back({ip_addr::v4(0x0a00000bu), 80, 1, 0});
  cfg->servers.push_back(vs);
  t.lb = cfg;
  return t;
}

std::vector<packet_view> handshake_and_data() {
  test::tcp_conv c;  // 10.1.0.5:40000 -> 192.0.2.10:80
  return {c.syn(1.0), c.synack(1.001), c.ack(false, 1.002), c.data(false, 100, 1.003), c.data(true, 500, 1.004)};
}

TEST(AsymmetricNat, ReplyBypassingTheBalancerBreaksAtTheFirstReply) {
  replay r(lb_topology(lb::forwarding::nat, true), replay_options{});
  vec_source src{handshake_and_data()};
  collect sink;
  const run_summary s = r.run(src, sink);
  ASSERT_EQ(sink.conns.size(), 1u);
  const connection& c = sink.conns[0];
  ASSERT_TRUE(c.broken);
  EXPECT_EQ(c.brk.cause, break_cause::asymmetric_nat);
  EXPECT_EQ(cause_name(c.brk.cause), "asymmetric-nat");
  EXPECT_EQ(c.brk.frame, 2u);  // the SYN/ACK
  EXPECT_EQ(c.brk.dir, 1);
  EXPECT_EQ(c.brk.device, "lb1");
  EXPECT_EQ(c.brk.exp, experience::reset);  // the client stack answers with RST
  EXPECT_EQ(c.brk.fix_key, "forwarding");
  EXPECT_NE(c.brk.hint.find("from 10.0.0.11:80, not the VIP 192.0.2.10:80"), std::string::npos) << c.brk.hint;
  EXPECT_EQ(c.backend, "10.0.0.11:80");
  EXPECT_EQ(s.broken, 1u);
  EXPECT_EQ(s.broken_by_cause[static_cast<std::size_t>(break_cause::asymmetric_nat)], 1u);
  // Both replies are rejected on the balancer's behalf; gw1 never judges them (it would see the
  // RIP-sourced flow, not this one).
  std::vector<std::uint64_t> rejected;
  for (auto& [frame, dev, v, why] : sink.rows) {
    EXPECT_NE(dev, "gw1");
    if (v == verdict::reject) {
      EXPECT_EQ(dev, "lb1");
      EXPECT_EQ(why, "asymmetric-nat");
      rejected.push_back(frame);
    }
  }
  EXPECT_EQ(rejected, (std::vector<std::uint64_t>{2, 5}));
  ASSERT_EQ(s.lb->servers.size(), 1u);
  EXPECT_EQ(s.lb->servers[0].nat_bypass_packets, 2u);
  EXPECT_EQ(s.lb->servers[0].nat_bypass_connections, 1u);
  EXPECT_EQ(s.lb->servers[0].nat_bypass_frames, (std::vector<std::uint64_t>{2}));
}

TEST(AsymmetricNat, RepliesThroughTheBalancerAreFine) {
  replay r(lb_topology(lb::forwarding::nat, false), replay_options{});
  vec_source src{handshake_and_data()};
  collect sink;
  const run_summary s = r.run(src, sink);
  ASSERT_EQ(sink.conns.size(), 1u);
  EXPECT_FALSE(sink.conns[0].broken);
  EXPECT_EQ(s.lb->servers[0].nat_bypass_packets, 0u);
}

TEST(AsymmetricNat, DirectRoutingRepliesBypassByDesign) {
  lb::virtual_server_spec vs;
  vs.vip = ip_addr::v4(0xc000020au);
  vs.port = 80;
  vs.fwd = lb::forwarding::dr;
  vs.reals.push_back({ip_addr::v4(0x0a00000bu), 80, 1, 0});
  lb::balancer b(vs, {}, 1);
  b.begin(0);
  test::tcp_conv conv;
  connection c;
  c.id = 1;
  c.key = conv.c2s;
  const packet_view syn = conv.syn(1);
  b.on_packet(syn, 0, c, syn.ts);
  EXPECT_EQ(b.on_bypass(conv.synack(1.001), c, seconds(1.001)).k, lb::lb_outcome::kind::pass);
  vs.fwd = lb::forwarding::nat;
  lb::balancer n(vs, {}, 1);
  n.begin(0);
  n.on_packet(syn, 0, c, syn.ts);
  EXPECT_EQ(n.on_bypass(conv.synack(1.001), c, seconds(1.001)).k, lb::lb_outcome::kind::drop);
}

}  // namespace
