// Topologies: sync races at the exact boundary, each sync mode under loss, owner redirect
// accounting, failover, ECMP determinism — through the library API, without files.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"

using namespace sessim;
using test::tcp_conv;

namespace {

using vec_source = test::vector_source;

struct collect : replay_sink {
  std::vector<connection> conns;
  std::vector<std::tuple<std::uint64_t, std::string, verdict>> rows;
  void on_connection(const connection& c) override { conns.push_back(c); }
  void on_verdict(const packet_view& p, std::string_view d, verdict v, std::string_view) override {
    rows.emplace_back(p.frame, std::string(d), v);
  }
};

device_spec dev(const char* name, std::initializer_list<std::pair<const char*, const char*>> sets = {}) {
  device_spec d{name, find_preset("linux").make()};
  apply_setting(d.config, "tcp.be_liberal", "1");
  for (auto& [k, v] : sets) apply_setting(d.config, k, v);
  return d;
}

/// fw1 carries client→server, fw2 server→client, one sync group.
topology asym(sync_spec g) {
  topology t;
  t.devices = {dev("fw1"), dev("fw2")};
  path_spec out;
  out.match.direction = path_direction::client_to_server;
  out.devices = {0};
  path_spec back;
  back.match.direction = path_direction::server_to_client;
  back.devices = {1};
  t.paths = {out, back};
  g.members = {0, 1};
  t.groups = {g};
  return t;
}

/// A handshake whose SYN/ACK comes `rtt` after the SYN, then data and a clean close.
std::vector<packet_view> conversation(double rtt, std::uint16_t port = 40000, double t0 = 0) {
  tcp_conv c(1000, 9000, port, 443);
  return {c.syn(t0),
          c.synack(t0 + rtt),
          c.ack(false, t0 + rtt + 0.050),
          c.data(false, 100, t0 + rtt + 0.060),
          c.data(true, 500, t0 + 2 * rtt + 0.120),
          c.ack(false, t0 + 2 * rtt + 0.180)};
}

run_summary run(topology t, std::vector<packet_view> pkts, collect& out) {
  vec_source src{std::move(pkts)};
  replay_options o;
  o.log.cold_start = true;
  replay r(std::move(t), o);
  return r.run(src, out);
}

}  // namespace

TEST(sync_race, boundary_is_exact_to_the_nanosecond) {
  // SYN/ACK reaches fw2 exactly 5 ms after the SYN. A sync arriving at the same nanosecond is in
  // time (it was sent first); one nanosecond later loses the race, by exactly 1 ns.
  for (sim_time lat : {seconds(0.005), seconds(0.005) + 1}) {
    sync_spec g;
    g.latency.a = lat;
    collect out;
    run_summary s = run(asym(g), conversation(0.005), out);
    ASSERT_EQ(out.conns.size(), 1u);
    const connection& c = out.conns[0];
    if (lat == seconds(0.005)) {
      EXPECT_FALSE(c.broken) << cause_name(c.brk.cause);
      EXPECT_EQ(s.broken, 0u);
    } else {
      ASSERT_TRUE(c.broken);
      EXPECT_EQ(c.brk.cause, break_cause::sync_race);
      EXPECT_EQ(c.brk.frame, 2u);
      EXPECT_EQ(c.brk.device, "fw2");
      EXPECT_EQ(c.brk.race_margin, 1);
      EXPECT_EQ(c.brk.sync_latency_below, seconds(0.005));
      EXPECT_EQ(c.brk.exp, experience::blackhole);
    }
  }
}

TEST(sync_modes, notrack_loses_messages_for_good) {
  sync_spec g;
  g.latency.a = seconds(0.001);
  g.loss = 1.0;
  collect out;
  run_summary s = run(asym(g), conversation(0.010), out);
  ASSERT_TRUE(out.conns[0].broken);
  EXPECT_EQ(out.conns[0].brk.cause, break_cause::sync_race);
  EXPECT_TRUE(out.conns[0].brk.sync_lost);
  EXPECT_EQ(s.devices[0].sync.sync_lost, s.devices[0].sync.sync_sent);
  EXPECT_EQ(s.devices[1].sync.sync_received, 0u);
}

TEST(sync_modes, ftfw_resends_until_delivered) {
  sync_spec g;
  g.mode = sync_mode::ftfw;
  g.latency.a = seconds(0.001);
  g.loss = 0.5;
  g.resend = seconds(0.001);
  collect out;
  run_summary s = run(asym(g), conversation(0.050), out);
  EXPECT_FALSE(out.conns[0].broken) << cause_name(out.conns[0].brk.cause);
  EXPECT_GT(s.devices[0].sync.sync_retransmitted + s.devices[1].sync.sync_retransmitted, 0u);
  EXPECT_EQ(s.devices[0].sync.sync_sent - s.devices[0].sync.sync_lost, s.devices[1].sync.sync_received);
}

TEST(sync_modes, alarm_refresh_repairs_a_lost_message) {
  // Everything is lost except what the periodic refresh re-sends: with loss 0 the refresh is a
  // second copy; the session reaches the peer either way before a late reply.
  sync_spec g;
  g.mode = sync_mode::alarm;
  g.latency.a = seconds(0.001);
  g.refresh = seconds(0.5);
  collect out;
  auto pkts = conversation(0.7);
  run_summary s = run(asym(g), pkts, out);
  EXPECT_FALSE(out.conns[0].broken);
  EXPECT_GT(s.devices[0].sync.sync_sent, 2u);  // events plus refreshes
}

TEST(sync_modes, pfsync_batches_until_max_delay) {
  sync_spec g;
  g.mode = sync_mode::pfsync;
  g.latency.a = seconds(0.001);
  g.max_delay = seconds(1);
  g.batch = 128;
  collect out;
  run(asym(g), conversation(0.010), out);
  ASSERT_TRUE(out.conns[0].broken);  // the insert waits in the batch for up to 1 s
  EXPECT_EQ(out.conns[0].brk.cause, break_cause::sync_race);
  EXPECT_EQ(out.conns[0].brk.race_margin, seconds(1) + seconds(0.001) - seconds(0.010));

  g.defer = true;  // defer: the insert is sent at once and the first packet held until it arrives
  topology lenient = asym(g);
  for (auto& d : lenient.devices) apply_setting(d.config, "tcp.strict_states", "0");  // pf-like tracking
  collect out2;
  run(lenient, conversation(0.010), out2);
  EXPECT_FALSE(out2.conns[0].broken) << cause_name(out2.conns[0].brk.cause);
}

TEST(sync_modes, ipvs_syncs_after_threshold_packets) {
  sync_spec g;
  g.mode = sync_mode::ipvs;
  g.latency.a = seconds(0.001);
  g.threshold = 3;
  collect out;
  run(asym(g), conversation(0.010), out);
  ASSERT_TRUE(out.conns[0].broken);  // the SYN/ACK is packet 2: nothing synced yet
  EXPECT_EQ(out.conns[0].brk.cause, break_cause::sync_race);
  EXPECT_EQ(out.conns[0].brk.frame, 2u);
}

TEST(redirect, owner_redirect_saves_the_race_and_counts_bytes) {
  sync_spec g;
  g.latency.a = seconds(0.010);  // far too slow
  topology t = asym(g);
  t.redirect.method = redirect_method::tunnel;
  t.redirect.group = 0;
  t.redirect.latency = seconds(0.0002);
  t.redirect.overhead_bytes = 50;
  t.redirect.ownership = ownership_rule::hash;
  auto pkts = conversation(0.005);
  collect out;
  run_summary s = run(t, pkts, out);
  ASSERT_EQ(out.conns.size(), 1u);
  const connection& c = out.conns[0];
  EXPECT_FALSE(c.broken) << cause_name(c.brk.cause);
  // Exactly the packets that reached the non-owner were redirected, with 50 bytes each added.
  std::uint64_t frames = 0, bytes = 0;
  for (const auto& [f, d, v] : out.rows)
    if (v == verdict::redirect) {
      ++frames;
      bytes += pkts[f - 1].wire_len + 50;
    }
  EXPECT_GT(frames, 0u);
  EXPECT_EQ(c.redirected, frames);
  EXPECT_EQ(c.redirect_bytes, bytes);
  EXPECT_EQ(c.added_latency, static_cast<sim_time>(frames) * seconds(0.0002));
  EXPECT_EQ(s.devices[0].sync.redirected_pkts + s.devices[1].sync.redirected_pkts, frames);
}

TEST(failover, synced_sessions_survive_unsynced_break) {
  topology t;
  t.devices = {dev("fw1", {{"tcp.loose", "0"}}), dev("fw2", {{"tcp.loose", "0"}})};
  path_spec all;
  all.devices = {0};
  all.backup = {1};
  t.paths = {all};
  sync_spec g;
  g.members = {0, 1};
  g.latency.a = seconds(0.5);
  t.groups = {g};
  t.events = {event_spec{seconds(10), 0, false}};
  // A: starts at 0 s (synced by 0.5 s), talks again at 12 s. B: starts at 9.8 s (its sync would
  // arrive at 10.3 s, but fw1 is down at 10 s... the message is already on the wire: it arrives),
  // C: starts at 9.9999 s and its sync leaves after fw1 died? No: sent at 9.9999 s. D: created
  // on fw1 at 10 s exactly — fw1 is already down, so D goes to fw2 directly.
  tcp_conv a(1, 2, 40001), d(1, 2, 40004);
  std::vector<packet_view> pk = {a.syn(0), a.synack(0.01), a.ack(false, 0.02), d.syn(10), d.synack(10.01),
                                 a.data(false, 10, 12), a.ack(true, 12.01), d.ack(false, 12.02)};
  collect out;
  run_summary s = run(t, pk, out);
  ASSERT_EQ(out.conns.size(), 2u);
  for (const auto& c : out.conns) EXPECT_FALSE(c.broken) << c.client() << " " << cause_name(c.brk.cause);
  EXPECT_EQ(s.devices[0].sync.down_events, 1u);

  // Same, but the sync is slower than the time to failure: A never reached fw2.
  t.groups[0].latency.a = seconds(20);
  collect out2;
  run(t, pk, out2);
  ASSERT_EQ(out2.conns.size(), 2u);
  const connection& ca = out2.conns[0].key.sport == 40001 ? out2.conns[0] : out2.conns[1];
  ASSERT_TRUE(ca.broken);
  EXPECT_EQ(ca.brk.cause, break_cause::failover);
  EXPECT_EQ(ca.brk.device, "fw2");
}

TEST(ecmp, deterministic_by_seed_and_per_flow_sticky) {
  auto build = [](std::uint64_t seed) {
    topology t;
    t.devices = {dev("fw1"), dev("fw2")};
    path_spec p;
    p.ecmp = ecmp_mode::per_flow;
    p.ecmp_devices = {0, 1};
    t.paths = {p};
    t.seed = seed;
    return t;
  };
  std::vector<packet_view> pk;
  for (int i = 0; i < 20; ++i) {
    auto c = conversation(0.002, static_cast<std::uint16_t>(41000 + i), i * 0.1);
    pk.insert(pk.end(), c.begin(), c.end());
  }
  std::sort(pk.begin(), pk.end(), [](auto& x, auto& y) { return x.ts < y.ts; });
  collect a, b;
  run(build(7), pk, a);
  run(build(7), pk, b);
  EXPECT_EQ(a.rows, b.rows);
  // per-flow: every packet of one direction of a flow crosses the same device
  std::map<std::pair<std::uint16_t, std::uint16_t>, std::string> seen;
  for (const auto& [f, d, v] : a.rows) {
    auto k = std::make_pair(pk[f - 1].key.sport, pk[f - 1].key.dport);
    auto [it, fresh] = seen.emplace(k, d);
    EXPECT_EQ(it->second, d);
  }
  // both devices are used
  std::set<std::string> used;
  for (const auto& [f, d, v] : a.rows) used.insert(d);
  EXPECT_EQ(used.size(), 2u);
}
