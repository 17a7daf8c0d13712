// The balancer: persistence, binding, backend-down with detection, draining.
#include <gtest/gtest.h>

#include "sessim/lb/balancer.hpp"

namespace sessim::lb {
namespace {

virtual_server_spec vs4(std::string sched) {
  virtual_server_spec vs;
  vs.vip = ip_addr::v4(0xcb00710au);
  vs.port = 443;
  vs.scheduler = std::move(sched);
  for (std::uint32_t i = 0; i < 4; ++i) vs.reals.push_back({ip_addr::v4(0x0a00000bu + i), 443, 1, 0});
  vs.health.kind = health_kind::tcp;
  return vs;
}

connection conn(std::uint64_t id, std::uint32_t client, std::uint16_t cport) {
  connection c;
  c.id = id;
  c.key.proto = 6;
  c.key.src = ip_addr::v4(client);
  c.key.sport = cport;
  c.key.dst = ip_addr::v4(0xcb00710au);
  c.key.dport = 443;
  return c;
}

packet_view syn(const connection& c, std::uint64_t frame) {
  packet_view p;
  p.frame = frame;
  p.key = c.key;
  p.flags = tcp_flags::syn;
  return p;
}

TEST(Balancer, PersistenceKeepsClientNetworkOnOneServer) {
  auto vs = vs4("rr");
  vs.persistence = seconds(300);
  vs.persistence_prefix = 24;
  balancer b(vs, {}, 1);
  b.begin(0);
  std::string first;
  for (std::uint64_t i = 1; i <= 6; ++i) {
    connection c = conn(i, 0xc6336400u + static_cast<std::uint32_t>(i), static_cast<std::uint16_t>(40000 + i));
    ASSERT_EQ(b.on_packet(syn(c, i), 0, c, seconds(static_cast<double>(i))).k, lb_outcome::kind::forward);
    if (i == 1) first = c.backend;
    EXPECT_EQ(c.backend, first);  // same /24: same real server, although rr
  }
  // After the template expires rr moves on.
  connection late = conn(9, 0xc6336401u, 50000);
  b.on_packet(syn(late, 9), 0, late, seconds(400));
  EXPECT_NE(late.backend, first);
}

TEST(Balancer, DeadServerBeforeDetectionIsBackendDown) {
  auto vs = vs4("rr");
  server_event_spec ev;
  ev.at = seconds(20);
  ev.ip = vs.reals[0].ip;
  ev.port = 443;
  balancer b(vs, {ev}, 1);
  b.begin(0);
  // rr: connections at 21 s cycle through 0,1,2,3: the one on 10.0.0.11 is dropped.
  int dropped = 0;
  for (std::uint64_t i = 1; i <= 4; ++i) {
    connection c = conn(i, 0xc6336400u + static_cast<std::uint32_t>(i), 40000);
    if (b.on_packet(syn(c, i), 0, c, seconds(21)).k == lb_outcome::kind::drop) ++dropped;
  }
  EXPECT_EQ(dropped, 1);
  // After detection (32 s) nothing goes to it.
  for (std::uint64_t i = 5; i <= 12; ++i) {
    connection c = conn(i, 0xc6336400u + static_cast<std::uint32_t>(i), 40000);
    EXPECT_EQ(b.on_packet(syn(c, i), 0, c, seconds(33)).k, lb_outcome::kind::forward);
    EXPECT_NE(c.backend, "10.0.0.11:443");
  }
  auto r = b.report(seconds(60));
  ASSERT_EQ(r.health.size(), 1u);
  EXPECT_EQ(r.health[0].delay, seconds(12));
  EXPECT_EQ(r.health[0].new_to_dead, 1u);
  ASSERT_EQ(r.churn.size(), 1u);
}

TEST(Balancer, DrainingServerGetsNoNewConnections) {
  auto vs = vs4("wlc");
  vs.reals[2].weight = 0;
  balancer b(vs, {}, 1);
  b.begin(0);
  for (std::uint64_t i = 1; i <= 20; ++i) {
    connection c = conn(i, 0xc6336400u + static_cast<std::uint32_t>(i), 40000);
    b.on_packet(syn(c, i), 0, c, seconds(1));
    EXPECT_NE(c.backend, "10.0.0.13:443");
  }
}

}  // namespace
}  // namespace sessim::lb
