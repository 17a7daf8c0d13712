// Device policies: no-session drop/pickup/reject, SYN-only creation, RST on expiry, table-full
// behaviours, UDP stream rule, ICMP request/reply/error handling, warm start.
#include <gtest/gtest.h>

#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/policy/presets/all.hpp"

using namespace sessim;
using test::tcp_conv;

namespace {

device_config cfg(std::initializer_list<std::pair<const char*, const char*>> sets, const char* preset = "linux") {
  device_config c = find_preset(preset).make();
  for (auto& [k, v] : sets) apply_setting(c, k, v);
  return c;
}

decision feed(session_device& d, const packet_view& p, std::vector<session_end>* ends = nullptr, bool warm = false) {
  auto on = [&](const session_end& e) { if (ends) ends->push_back(e); };
  d.expire_until(p.ts, on);
  return d.process(p, p.ts, warm, on);
}

}  // namespace

TEST(policy, no_session_drop_pickup_reject) {
  {
    tcp_conv c;
    session_device d("fw", cfg({{"policy.no_session", "drop"}}));
    decision r = feed(d, c.data(false, 10, 0));
    EXPECT_EQ(r.v, verdict::drop);
    EXPECT_EQ(r.why, reason::no_session);
  }
  {
    tcp_conv c;
    session_device d("fw", cfg({{"policy.no_session", "pickup"}}));
    decision r = feed(d, c.data(false, 10, 0));
    EXPECT_EQ(r.v, verdict::forward);
    EXPECT_EQ(r.why, reason::pickup);
  }
  {
    tcp_conv c;
    session_device d("fw", cfg({{"policy.no_session", "reject"}}));
    decision r = feed(d, c.data(false, 10, 0));
    EXPECT_EQ(r.v, verdict::reject);
    EXPECT_TRUE(r.reject_rst);
    r = feed(d, c.rst(true, 1));  // never answer a RST with a RST
    EXPECT_EQ(r.v, verdict::drop);
  }
}

TEST(policy, syn_only_creation_like_pf_flags_S_SA) {
  tcp_conv c;
  session_device d("fw", cfg({{"policy.syn_only", "1"}, {"policy.no_session", "pickup"}}));
  EXPECT_EQ(feed(d, c.data(false, 10, 0)).v, verdict::drop);
  tcp_conv c2(1, 2, 40100);
  EXPECT_EQ(feed(d, c2.syn(1)).why, reason::new_session);
}

// nftables "ct state new tcp flags & (fin|syn|rst|ack) != syn drop" (ct-oracle --new-requires-syn):
// conntrack calls every packet in the original direction NEW until a reply was seen, so a client
// RST after an unanswered SYN is dropped by the rule (conntrack has already killed the entry);
// pf's flags S/SA (scope create) only filters the packet that creates the state.
TEST(policy, syn_only_unreplied_filters_ct_state_new_like_nftables) {
  {
    tcp_conv c;
    session_device d("fw", cfg({{"policy.syn_only", "1"}}));
    EXPECT_EQ(feed(d, c.syn(0)).v, verdict::forward);
    EXPECT_EQ(feed(d, c.syn(1)).v, verdict::forward);  // retransmitted SYN: NEW, a bare SYN
    const decision r = feed(d, c.pkt(false, tcp_flags::rst, 0, 2));
    EXPECT_EQ(r.v, verdict::drop);
    EXPECT_EQ(r.why, reason::no_session);
    EXPECT_EQ(d.sessions(), 0u);  // killed by conntrack (RST before any reply) all the same
    EXPECT_EQ(d.stats().killed, 1u);
  }
  {
    tcp_conv c(1, 2, 40100);  // replied: ESTABLISHED, not filtered
    session_device d("fw", cfg({{"policy.syn_only", "1"}}));
    feed(d, c.syn(0));
    EXPECT_EQ(feed(d, c.synack(0.1)).v, verdict::forward);
    EXPECT_EQ(feed(d, c.ack(false, 0.2)).v, verdict::forward);
    EXPECT_EQ(feed(d, c.data(false, 10, 0.3)).v, verdict::forward);
    EXPECT_EQ(feed(d, c.rst(false, 0.4)).v, verdict::forward);
  }
  {
    tcp_conv c(1, 2, 40200);  // scope create (pf): the state exists, the RST passes
    session_device d("fw", cfg({{"policy.syn_only", "1"}, {"policy.syn_only_scope", "create"}}));
    feed(d, c.syn(0));
    EXPECT_EQ(feed(d, c.pkt(false, tcp_flags::rst, 0, 1)).v, verdict::forward);
  }
  {
    tcp_conv c(1, 2, 40300);  // without policy.syn_only the scope changes nothing
    session_device d("fw", cfg({}));
    feed(d, c.syn(0));
    EXPECT_EQ(feed(d, c.pkt(false, tcp_flags::rst, 0, 1)).v, verdict::forward);
  }
}

TEST(policy, rst_on_expiry_injects_rsts_with_tracked_sequence_numbers) {
  tcp_conv c(1000, 5000);
  session_device d("fw", cfg({{"policy.rst_on_expiry", "1"}, {"tcp.established", "60"}}));
  std::vector<session_end> ends;
  feed(d, c.syn(0), &ends);
  feed(d, c.synack(0.1), &ends);
  feed(d, c.ack(false, 0.2), &ends);
  feed(d, c.data(false, 100, 1), &ends);
  feed(d, c.ack(true, 1.1), &ends);
  d.expire_until(seconds(200), [&](const session_end& e) { ends.push_back(e); });
  ASSERT_EQ(ends.size(), 1u);
  const session_end& e = ends[0];
  EXPECT_TRUE(e.rst);
  EXPECT_EQ(e.at, seconds(1.1) + seconds(60));
  EXPECT_EQ(e.rst_to_client.key, c.c2s.reversed());
  EXPECT_EQ(e.rst_to_client.seq, 5001u);   // server's next sequence number
  EXPECT_EQ(e.rst_to_server.seq, 1101u);   // client's next sequence number
  EXPECT_EQ(d.stats().rst_injected, 2u);
}

TEST(policy, table_full_drop_new) {
  session_device d("fw", cfg({{"table.capacity", "2"}, {"table.full", "drop-new"}}));
  for (int i = 0; i < 2; ++i) {
    tcp_conv c(1, 2, static_cast<std::uint16_t>(40000 + i));
    EXPECT_EQ(feed(d, c.syn(i)).v, verdict::forward);
  }
  tcp_conv c(1, 2, 41000);
  decision r = feed(d, c.syn(3));
  EXPECT_EQ(r.v, verdict::drop);
  EXPECT_EQ(r.why, reason::table_full);
}

TEST(policy, table_full_early_drop_evicts_unassured_only) {
  session_device d("fw", cfg({{"table.capacity", "2"}, {"table.full", "early-drop"}}));
  // One assured connection and one SYN-only: the SYN-only one is evicted.
  tcp_conv a(1, 2, 40000);
  feed(d, a.syn(0)); feed(d, a.synack(0.1)); feed(d, a.ack(false, 0.2));
  tcp_conv b(1, 2, 40001);
  feed(d, b.syn(1));
  std::vector<session_end> ends;
  tcp_conv n(1, 2, 40002);
  decision r = feed(d, n.syn(2), &ends);
  EXPECT_EQ(r.v, verdict::forward);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].kind, session_end_kind::evicted);
  EXPECT_EQ(ends[0].orig.sport, 40001);
}

TEST(policy, table_full_lru_evicts_least_recent) {
  session_device d("fw", cfg({{"table.capacity", "2"}, {"table.full", "lru"}}));
  tcp_conv a(1, 2, 40000), b(1, 2, 40001), n(1, 2, 40002);
  feed(d, a.syn(0));
  feed(d, b.syn(1));
  std::vector<session_end> ends;
  feed(d, n.syn(2), &ends);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].orig.sport, 40000);
}

TEST(policy, udp_unreplied_replied_stream) {
  session_device d("fw", cfg({}));
  EXPECT_EQ(feed(d, test::udp(false, 0)).why, reason::new_session);
  EXPECT_EQ(feed(d, test::udp(true, 0.5)).v, verdict::forward);
  // Replied, but within 2 s of creation: still the 30 s timeout.
  feed(d, test::udp(false, 1.0));
  d.expire_until(seconds(31), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 0u);

  session_device d2("fw", cfg({}));
  feed(d2, test::udp(false, 0));
  feed(d2, test::udp(true, 0.5));
  feed(d2, test::udp(false, 2.5));  // after 2 s with a reply seen: stream, 120 s
  d2.expire_until(seconds(100), [](const session_end&) {});
  EXPECT_EQ(d2.sessions(), 1u);
  d2.expire_until(seconds(122.5), [](const session_end&) {});
  EXPECT_EQ(d2.sessions(), 0u);
}

TEST(policy, icmp_reply_needs_request_and_errors_are_related) {
  session_device d("fw", cfg({}));
  decision r = feed(d, test::icmp_echo(true, 0));
  EXPECT_EQ(r.v, verdict::drop);
  EXPECT_EQ(r.why, reason::icmp_no_request);
  EXPECT_EQ(feed(d, test::icmp_echo(false, 1)).why, reason::new_session);
  EXPECT_EQ(feed(d, test::icmp_echo(true, 1.01)).why, reason::established);
  // A port unreachable quoting a live UDP flow is related; one quoting nothing is dropped.
  feed(d, test::udp(false, 2));
  packet_view err;
  err.ts = seconds(2.1);
  err.key.src = ip_addr::v4(0xc0000235);
  err.key.dst = ip_addr::v4(0x0a010005);
  err.key.proto = 1;
  err.icmp_type = 3;
  err.icmp_code = 3;
  err.icmp_error = true;
  err.has_inner = true;
  err.inner = test::udp(false, 0).key;
  EXPECT_EQ(feed(d, err).why, reason::related);
  err.inner.sport = 1;
  EXPECT_EQ(feed(d, err).why, reason::icmp_no_session);
}

TEST(policy, warm_start_assumes_established) {
  tcp_conv c;
  session_device d("fw", cfg({{"tcp.loose", "0"}}));
  decision r = feed(d, c.data(false, 10, 0), nullptr, true);
  EXPECT_EQ(r.v, verdict::forward);
  EXPECT_EQ(r.why, reason::warm_start);
  EXPECT_EQ(feed(d, c.ack(true, 0.1)).v, verdict::forward);
}

TEST(policy, bad_values_are_rejected_with_the_key) {
  device_config c = find_preset("linux").make();
  EXPECT_THROW(apply_setting(c, "tcp.establishd", "5"), config_error);
  EXPECT_THROW(apply_setting(c, "tcp.established", "abc"), config_error);
  EXPECT_THROW(apply_setting(c, "tcp.established", "-1"), config_error);
  EXPECT_THROW(apply_setting(c, "tcp.loose", "2"), config_error);
  try {
    apply_setting(c, "tcp.established", "x");
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("tcp.established"), std::string::npos);
  }
  apply_setting(c, "tcp.established", "1.5");
  EXPECT_EQ(c.timeout(timeout_slot::tcp_established), seconds(1.5));
  apply_setting(c, "tcp.established", "2h");
  EXPECT_EQ(c.timeout(timeout_slot::tcp_established), seconds(7200));
}
