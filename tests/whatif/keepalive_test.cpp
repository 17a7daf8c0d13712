// keepalive_source: which synthetic packets are merged into a stream, when, with which sequence
// numbers; and that a replay fed with them keeps a session a timeout would otherwise expire.
#include <gtest/gtest.h>

#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/keepalive.hpp"
#include "sessim/sim/lockstep.hpp"
#include "sessim/sim/replay.hpp"

namespace sessim {
namespace {

/// A packet source over a vector.
struct vec_source {
  std::vector<packet_view> v;
  std::size_t i = 0;
  bool next(packet_view& p, skip_reason& why) {
    if (i == v.size()) return false;
    p = v[i++];
    why = skip_reason::none;
    return true;
  }
};

std::vector<packet_view> drain(vec_source& src, keepalive_spec spec, keepalive_stats* st = nullptr) {
  keepalive_source<vec_source> ks(src, spec);
  std::vector<packet_view> out;
  packet_view p;
  skip_reason why;
  while (ks.next(p, why)) out.push_back(p);
  if (st) *st = ks.stats();
  return out;
}

/// Handshake at 0, data both ways at 1, then quiet until `resume`, then FIN exchange.
std::vector<packet_view> quiet_conversation(test::tcp_conv& c, double resume) {
  return {c.syn(0), c.synack(0.01), c.ack(false, 0.02), c.data(false, 100, 1), c.data(true, 200, 1.01),
          c.ack(false, 1.02), c.data(false, 10, resume), c.ack(true, resume + 0.01), c.fin(false, resume + 1),
          c.fin(true, resume + 1.01), c.ack(false, resume + 1.02)};
}

keepalive_spec spec(keepalive_side side, double interval) {
  keepalive_spec k;
  k.side = side;
  k.interval = seconds(interval);
  return k;
}

TEST(keepalive, parse) {
  keepalive_spec k = keepalive_spec::parse("client:300s");
  EXPECT_EQ(k.side, keepalive_side::client);
  EXPECT_EQ(k.interval, seconds(300));
  EXPECT_EQ(keepalive_spec::parse("both:5m").interval, seconds(300));
  EXPECT_EQ(keepalive_spec::parse("server:90").side, keepalive_side::server);
  EXPECT_EQ(keepalive_spec::parse("server:1.5h").interval, seconds(5400));
  EXPECT_EQ(keepalive_spec::parse("client:300s").str(), "client:300s");
  EXPECT_THROW(keepalive_spec::parse("client"), usage_error);
  EXPECT_THROW(keepalive_spec::parse("peer:30"), usage_error);
  EXPECT_THROW(keepalive_spec::parse("client:0"), usage_error);
  EXPECT_THROW(keepalive_spec::parse("client:soon"), usage_error);
  EXPECT_THROW(keepalive_spec::parse("client:-5"), usage_error);
}

TEST(keepalive, client_probes_every_interval_of_idle_time_and_peer_answers_1ms_later) {
  test::tcp_conv c;
  vec_source src{quiet_conversation(c, 1000), 0};
  keepalive_stats st;
  auto out = drain(src, spec(keepalive_side::client, 300), &st);
  // Idle from 1.02: probes at 301.02, 601.021, 901.022 (each 300 s after the previous answer).
  std::vector<packet_view> syn;
  for (const auto& p : out)
    if (p.synthetic) syn.push_back(p);
  ASSERT_EQ(syn.size(), 6u);
  EXPECT_EQ(st.probes, 3u);
  EXPECT_EQ(st.answers, 3u);
  EXPECT_EQ(st.connections, 1u);
  const sim_time expect_t[] = {seconds(301.02), seconds(301.021), seconds(601.021), seconds(601.022),
                               seconds(901.022), seconds(901.023)};
  for (std::size_t i = 0; i < syn.size(); ++i) {
    EXPECT_EQ(syn[i].ts, expect_t[i]) << i;
    EXPECT_EQ(syn[i].frame, 0u);
    EXPECT_EQ(syn[i].flags, tcp_flags::ack);
    EXPECT_EQ(syn[i].payload_len, 0u);
    const bool probe = i % 2 == 0;
    EXPECT_EQ(syn[i].key, probe ? c.c2s : c.c2s.reversed()) << i;
    // Client next seq = 1000 + 1 (SYN) + 100 = 1101; server next seq = 5000 + 1 + 200 = 5201.
    EXPECT_EQ(syn[i].seq, probe ? 1100u : 5201u) << i;
    EXPECT_EQ(syn[i].ack, probe ? 5201u : 1101u) << i;
    EXPECT_EQ(syn[i].win, 64240);
  }
  // Trace frames keep their numbers and order; the merged stream is in time order.
  std::uint64_t last_frame = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) {
      EXPECT_LE(out[i - 1].ts, out[i].ts);
    }
    if (!out[i].synthetic) {
      EXPECT_EQ(out[i].frame, last_frame + 1);
      last_frame = out[i].frame;
    }
  }
  EXPECT_EQ(last_frame, 11u);
}

TEST(keepalive, server_side_and_both_take_turns) {
  test::tcp_conv c;
  vec_source src{quiet_conversation(c, 1000), 0};
  auto out = drain(src, spec(keepalive_side::server, 300));
  ASSERT_GE(out.size(), 12u);
  int n = 0;
  for (const auto& p : out)
    if (p.synthetic) {
      EXPECT_EQ(p.key, (n % 2 == 0) ? c.c2s.reversed() : c.c2s);
      EXPECT_EQ(p.seq, (n % 2 == 0) ? 5200u : 1101u);
      ++n;
    }
  EXPECT_EQ(n, 6);

  test::tcp_conv c2;
  vec_source src2{quiet_conversation(c2, 1000), 0};
  out = drain(src2, spec(keepalive_side::both, 300));
  std::vector<flow_key> probers;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].synthetic && out[i].seq + 1 == (out[i].key == c2.c2s ? 1101u : 5201u)) probers.push_back(out[i].key);
  ASSERT_EQ(probers.size(), 3u);
  EXPECT_EQ(probers[0], c2.c2s);
  EXPECT_EQ(probers[1], c2.c2s.reversed());
  EXPECT_EQ(probers[2], c2.c2s);
}

TEST(keepalive, nothing_before_the_handshake_completes_after_fin_or_after_the_trace) {
  test::tcp_conv c;
  // SYN, 1000 s silence, SYN/ACK: not open, no probes.
  vec_source a{{c.syn(0), c.synack(1000), c.ack(false, 1000.01)}, 0};
  auto out = drain(a, spec(keepalive_side::client, 60));
  for (const auto& p : out) EXPECT_FALSE(p.synthetic);

  // FIN from the server, then 1000 s until the client's FIN: closing, no probes.
  test::tcp_conv d;
  vec_source b{{d.syn(0), d.synack(0.01), d.ack(false, 0.02), d.fin(true, 1), d.ack(false, 1.01), d.fin(false, 1001),
                d.ack(true, 1001.01)}, 0};
  out = drain(b, spec(keepalive_side::client, 60));
  for (const auto& p : out) EXPECT_FALSE(p.synthetic);

  // Open connection at the end of the trace: nothing after the last frame.
  test::tcp_conv e;
  vec_source t{{e.syn(0), e.synack(0.01), e.ack(false, 0.02), e.data(false, 5, 100)}, 0};
  out = drain(t, spec(keepalive_side::client, 30));
  ASSERT_FALSE(out.empty());
  EXPECT_FALSE(out.back().synthetic);
  EXPECT_EQ(out.back().frame, 4u);
  int n = 0;
  for (const auto& p : out) n += p.synthetic;
  EXPECT_EQ(n, 6);  // probes at 30.02, 60.021, 90.022 and their answers, all before t = 100
}

TEST(keepalive, a_side_with_unacknowledged_data_holds_its_probe) {
  test::tcp_conv c;
  // The client's 50 bytes at t=1 are not acknowledged until t=1000.
  std::vector<packet_view> v = {c.syn(0), c.synack(0.01), c.ack(false, 0.02), c.data(false, 50, 1)};
  v.push_back(c.ack(true, 1000));
  vec_source src{v, 0};
  keepalive_stats st;
  auto out = drain(src, spec(keepalive_side::client, 300), &st);
  for (const auto& p : out) EXPECT_FALSE(p.synthetic);
  EXPECT_EQ(st.held_back, 3u);  // at 301, 601, 901
  EXPECT_EQ(st.probes, 0u);
}

TEST(keepalive, a_trace_frame_at_the_due_time_goes_first_and_cancels_the_probe) {
  test::tcp_conv c;
  std::vector<packet_view> v = {c.syn(0), c.synack(0.01), c.ack(false, 0.02), c.data(false, 5, 300.02),
                                c.ack(true, 300.03)};
  vec_source src{v, 0};
  auto out = drain(src, spec(keepalive_side::client, 300));
  for (const auto& p : out) EXPECT_FALSE(p.synthetic);
  EXPECT_EQ(out.size(), 5u);
}

TEST(keepalive, port_reuse_starts_a_new_connection) {
  test::tcp_conv c;
  std::vector<packet_view> v = {c.syn(0), c.synack(0.01), c.ack(false, 0.02), c.rst(false, 1)};
  test::tcp_conv c2(90000, 7000);  // same tuple, new ISNs
  c2.frame = 4;
  for (auto p : {c2.syn(2), c2.synack(2.01), c2.ack(false, 2.02), c2.data(false, 5, 200)}) v.push_back(p);
  vec_source src{v, 0};
  auto out = drain(src, spec(keepalive_side::client, 100));
  int n = 0;
  for (const auto& p : out)
    if (p.synthetic) {
      ++n;
      EXPECT_GT(p.ts, seconds(100));
      if (p.key == c.c2s) {
        EXPECT_EQ(p.seq, 90000u);  // the new connection's next seq − 1
      }
    }
  EXPECT_EQ(n, 2);  // one probe at 102.02 and its answer
}

/// Replays `v` (optionally with keepalives) through one linux device; returns the broken count.
std::uint64_t broken_after(const std::vector<packet_view>& v, double established, const keepalive_spec* ka) {
  device_spec d;
  d.name = "fw";
  d.config = find_preset("linux").make();
  apply_setting(d.config, "tcp.established", std::to_string(established));
  apply_setting(d.config, "tcp.loose", "0");
  replay r({d}, replay_options{});
  replay_sink sink;
  vec_source src{v, 0};
  if (!ka) return r.run(src, sink).broken;
  keepalive_source<vec_source> ks(src, *ka);
  return r.run(ks, sink).broken;
}

TEST(keepalive, replay_with_keepalives_keeps_the_session) {
  test::tcp_conv c;
  const auto v = quiet_conversation(c, 1000);
  EXPECT_EQ(broken_after(v, 600, nullptr), 1u);  // idle 998.98 s > 600
  keepalive_spec k = spec(keepalive_side::client, 300);
  EXPECT_EQ(broken_after(v, 600, &k), 0u);
  k.interval = seconds(599);
  EXPECT_EQ(broken_after(v, 600, &k), 0u);
  k.interval = seconds(600);  // the probe arrives exactly at the expiry: already gone
  EXPECT_EQ(broken_after(v, 600, &k), 1u);
  k.side = keepalive_side::server;
  k.interval = seconds(300);
  EXPECT_EQ(broken_after(v, 600, &k), 0u);
}

TEST(keepalive, frame_has_valid_checksums_and_window) {
  packet_view p;
  p.key.src = ip_addr::v4(0x0a010005);
  p.key.dst = ip_addr::v4(0xc000020a);
  p.key.sport = 40000;
  p.key.dport = 22;
  p.key.proto = 6;
  p.flags = tcp_flags::ack;
  p.seq = 0x01020304;
  p.ack = 0x0a0b0c0d;
  p.win = 502;
  auto f = keepalive_frame(p, 1);
  ASSERT_EQ(f.size(), 54u);
  const std::uint8_t* t = f.data() + 34;
  EXPECT_EQ(t[14] << 8 | t[15], 502);
  // The TCP checksum over the pseudo-header and segment folds to 0xffff.
  std::uint32_t sum = 0;
  for (int i = 26; i < 34; i += 2) sum += f[i] << 8 | f[i + 1];
  sum += 6 + 20;
  for (int i = 0; i < 20; i += 2) sum += t[i] << 8 | t[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
}

TEST(lockstep, results_do_not_depend_on_threads_or_chunk_size) {
  test::tcp_conv c;
  std::vector<packet_view> v = quiet_conversation(c, 1000);
  for (int i = 0; i < 50; ++i) {
    test::tcp_conv x(1000 + i, 9000 + i, static_cast<std::uint16_t>(41000 + i));
    x.frame = v.size();
    for (auto p : {x.syn(2000 + i), x.synack(2000.01 + i), x.ack(false, 2000.02 + i), x.data(false, 5, 2100 + 13.0 * i)})
      v.push_back(p);
  }
  std::sort(v.begin(), v.end(), [](const packet_view& a, const packet_view& b) { return a.ts < b.ts; });
  auto sweep = [&](unsigned threads, std::size_t chunk) {
    std::vector<std::unique_ptr<replay>> rs;
    replay_sink sink;
    std::vector<lockstep_lane> lanes;
    for (double t : {30.0, 60.0, 120.0, 600.0, 7200.0}) {
      device_spec d;
      d.name = "fw";
      d.config = find_preset("linux").make();
      apply_setting(d.config, "tcp.established", std::to_string(t));
      apply_setting(d.config, "tcp.loose", "0");
      rs.push_back(std::make_unique<replay>(std::vector<device_spec>{d}, replay_options{}));
      lanes.push_back({rs.back().get(), &sink, true});
    }
    vec_source src{v, 0};
    std::vector<std::uint64_t> broken;
    for (const auto& s : run_lockstep(src, lanes, lockstep_options{threads, chunk})) broken.push_back(s.broken);
    return broken;
  };
  const auto ref = sweep(1, 4096);
  // The quiet conversation (998.98 s idle) and conversation i (idle 99.98 + 12 i s) break when the
  // timeout is below their gap: 51 at 30 s and 60 s, 1 + 48 at 120 s, 1 + 8 at 600 s, none at 7200 s.
  EXPECT_EQ(ref, (std::vector<std::uint64_t>{51, 51, 49, 9, 0}));
  EXPECT_EQ(sweep(2, 7), ref);
  EXPECT_EQ(sweep(3, 1), ref);
  EXPECT_EQ(sweep(8, 64), ref);
}

}  // namespace
}  // namespace sessim
