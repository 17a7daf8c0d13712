// GRE as nf_conntrack_proto_gre.c tracks it, and UDP-Lite as nf_conntrack_udplite_packet does (version 0: the tuple is the address pair, as the
// generic tracker's): gre.timeout (nf_conntrack_gre_timeout, 30 s) until a reply has been seen
// *before* the packet (IPS_SEEN_REPLY is set after the protocol handler), then gre.stream
// (nf_conntrack_gre_timeout_stream, 180 s) and ASSURED. Only visible through ICMP errors quoting
// the flow: RELATED while the entry lives, INVALID after.
#include <gtest/gtest.h>

#include "sessim/device/session_device.hpp"
#include "sessim/policy/presets/all.hpp"

using namespace sessim;

namespace {

const ip_addr C = ip_addr::v4(0xc0000240), S = ip_addr::v4(0xc6336440), R = ip_addr::v4(0xc63364fe);

packet_view gre(const ip_addr& src, const ip_addr& dst, double t, std::uint8_t proto = 47) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = src;
  p.key.dst = dst;
  p.key.proto = proto;
  p.l4_len = 4 + 28;
  p.ip_len = 20 + p.l4_len;
  return p;
}

/// A version 1 (PPTP) GRE packet carrying PPP (kind 1) or another protocol (kind 2).
packet_view gre1(const ip_addr& src, const ip_addr& dst, double t, std::uint16_t call, std::uint8_t kind = 1) {
  packet_view p = gre(src, dst, t);
  p.gre.kind = kind;
  p.gre.call = call;
  return p;
}

/// A destination unreachable from a router to the quoted packet's source.
packet_view error_about(const packet_view& q, double t) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = R;
  p.key.dst = q.key.src;
  p.key.proto = 1;
  p.icmp_type = 3;
  p.icmp_code = 2;
  p.icmp_error = true;
  p.has_inner = true;
  p.inner = q.key;
  p.inner_gre = q.gre;
  p.l4_len = 8 + 28;
  p.ip_len = 20 + p.l4_len;
  return p;
}

struct fixture {
  session_device d;
  explicit fixture(bool track) : d("fw", make(track)) {}
  static device_config make(bool track) {
    device_config c = find_preset("linux").make();
    apply_setting(c, "gre.track", track ? "1" : "0");
    apply_setting(c, "udplite.track", track ? "1" : "0");
    return c;
  }
  decision feed(const packet_view& p) {
    auto on = [](const session_end&) {};
    d.expire_until(p.ts, on);
    return d.process(p, p.ts, false, on);
  }
  /// Is an ICMP error quoting `q` at time t RELATED?
  bool related(const packet_view& q, double t) { return feed(error_about(q, t)).why == reason::related; }
};

}  // namespace

TEST(gre_tracking, unreplied_flow_lives_gre_timeout) {
  fixture f(true);
  const packet_view g = gre(C, S, 0);
  const decision d = f.feed(g);
  EXPECT_EQ(d.why, reason::new_session);
  EXPECT_EQ(d.slot, timeout_slot::gre_unreplied);
  EXPECT_TRUE(f.related(g, 29.5));
  EXPECT_FALSE(f.related(g, 30.5));
}

// gre_pkt_to_tuple(): version 1 carrying PPP is keyed by the call id (destination key; the
// source key is 0 without the PPTP helper's keymap), so a call's two directions with non-zero
// call ids are two unreplied entries, and two calls on one address pair two entries; version 1
// carrying another protocol has no tuple (INVALID, also when an ICMP error quotes it).
TEST(gre_tracking, version_1_keyed_by_call_id) {
  fixture f(true);
  const packet_view c2s = gre1(C, S, 0, 0x1111), s2c = gre1(S, C, 0.01, 0x2222);
  EXPECT_EQ(f.feed(c2s).why, reason::new_session);
  EXPECT_EQ(f.feed(s2c).why, reason::new_session);  // not the reply of c2s
  const decision again = f.feed(gre1(C, S, 0.02, 0x1111));
  EXPECT_EQ(again.why, reason::established);
  EXPECT_EQ(again.slot, timeout_slot::gre_unreplied);  // never replied: 30 s, not 180 s
  EXPECT_TRUE(f.related(c2s, 20));
  EXPECT_FALSE(f.related(c2s, 45));
  // call ids 0 both ways: one entry, replied
  const ip_addr C2 = ip_addr::v4(0xc0000241);
  f.feed(gre1(C2, S, 1, 0));
  EXPECT_EQ(f.feed(gre1(S, C2, 1.01, 0)).dir, 1);
  EXPECT_EQ(f.feed(gre1(C2, S, 1.02, 0)).slot, timeout_slot::gre_stream);
  // two calls on one address pair
  const ip_addr C4 = ip_addr::v4(0xc0000242);
  const packet_view a = gre1(C4, S, 3, 0x5001), b = gre1(C4, S, 25, 0x5002);
  f.feed(a);
  f.feed(b);
  EXPECT_FALSE(f.related(a, 40));
  EXPECT_TRUE(f.related(b, 40.01));
  // not PPP: no tuple
  const packet_view x = gre1(ip_addr::v4(0xc0000243), S, 2, 0x3333, 2);
  const decision dx = f.feed(x);
  EXPECT_EQ(dx.v, verdict::drop);
  EXPECT_EQ(dx.why, reason::invalid_new);
  EXPECT_FALSE(f.related(x, 2.01));
}

TEST(gre_tracking, generic_when_off) {
  fixture f(false);
  const packet_view g = gre(C, S, 0);
  EXPECT_EQ(f.feed(g).slot, timeout_slot::generic);
  EXPECT_TRUE(f.related(g, 30.5));
}

TEST(gre_tracking, the_first_reply_keeps_the_unreplied_timeout) {
  fixture f(true);
  f.feed(gre(C, S, 0));
  const decision r = f.feed(gre(S, C, 1));
  EXPECT_EQ(r.slot, timeout_slot::gre_unreplied);
  EXPECT_TRUE(f.related(gre(C, S, 0), 30.5));
  EXPECT_FALSE(f.related(gre(C, S, 0), 31.5));
}

TEST(gre_tracking, replied_flow_moves_to_the_stream_timeout_and_is_assured) {
  fixture f(true);
  f.feed(gre(C, S, 0));
  f.feed(gre(S, C, 1));
  const decision n = f.feed(gre(C, S, 2));
  EXPECT_EQ(n.slot, timeout_slot::gre_stream);
  session_snapshot snap;
  ASSERT_TRUE(f.d.snapshot(gre(C, S, 0).key, snap));
  EXPECT_TRUE(snap.status & tcp::status::assured);
  EXPECT_TRUE(f.related(gre(S, C, 0), 181.5));
  EXPECT_FALSE(f.related(gre(S, C, 0), 182.5));
}

TEST(gre_tracking, timeouts_follow_the_keys) {
  device_config c = find_preset("linux").make();
  EXPECT_EQ(c.timeout(timeout_slot::gre_unreplied), seconds(30));
  EXPECT_EQ(c.timeout(timeout_slot::gre_stream), seconds(180));
  EXPECT_TRUE(c.gre_tracking);
  apply_setting(c, "gre.timeout", "300");
  apply_setting(c, "gre.stream", "1800");
  EXPECT_EQ(c.timeout(timeout_slot::gre_unreplied), seconds(300));
  EXPECT_EQ(c.timeout(timeout_slot::gre_stream), seconds(1800));
  EXPECT_FALSE(find_preset("pf").make().gre_tracking);
}

// UDP-Lite (ports 0 here): udp.timeout until a reply was seen before the packet, then udp.stream and
// ASSURED at once (nf_conntrack_udplite_packet has no 2 s rule).
TEST(udplite_tracking, udp_timeouts_without_the_two_second_rule) {
  fixture f(true);
  EXPECT_EQ(f.feed(gre(C, S, 0, 136)).slot, timeout_slot::udp_unreplied);
  EXPECT_EQ(f.feed(gre(S, C, 0.5, 136)).slot, timeout_slot::udp_unreplied);
  const decision n = f.feed(gre(C, S, 1, 136));
  EXPECT_EQ(n.slot, timeout_slot::udp_stream);
  session_snapshot snap;
  ASSERT_TRUE(f.d.snapshot(gre(C, S, 0, 136).key, snap));
  EXPECT_TRUE(snap.status & tcp::status::assured);
  EXPECT_TRUE(f.related(gre(C, S, 0, 136), 120.5));
  EXPECT_FALSE(f.related(gre(C, S, 0, 136), 121.5));
}

TEST(udplite_tracking, generic_when_off) {
  fixture f(false);
  EXPECT_EQ(f.feed(gre(C, S, 0, 136)).slot, timeout_slot::generic);
  EXPECT_FALSE(find_preset("pf").make().udplite_tracking);
}
