// The one-pass idle-timeout sweep (include/sessim/sim/idle_sweep.hpp, `sessim sweep`): every point
// it computes from a reference replay's idle gaps equals a separate replay with that value —
// broken, broken_by_cause and peak_sessions — on random traces with idle gaps (library level, many
// configurations and keys, fallback and one-pass cases), on the bundled traces/ and on traces made
// by sessim-tracegen (through cli::run_sweep, against its replays-only mode).
//
// Under ASan/UBSan (common/sanitized.hpp) each configuration runs on one of the seeds, and each
// trace with one of the option sets, in rotation: every configuration, key, seed, trace and option
// set still runs once, without the 3-4x repetition that made these tests most of the sanitizer
// run's time. The normal build runs every combination.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli/sweep_command.hpp"
#include "common/packet_builder.hpp"
#include "common/sanitized.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/idle_sweep.hpp"
#include "sessim/sim/keepalive.hpp"
#include "sessim/sim/replay.hpp"

namespace {

using namespace sessim;

struct vec_source {
  const std::vector<packet_view>& v;
  std::size_t i = 0;
  bool next(packet_view& p, skip_reason& why) {
    if (i >= v.size()) return false;
    p = v[i++];
    why = skip_reason::none;
    return true;
  }
};

/// A random trace: TCP (handshake or mid-stream, data, FIN/RST/nothing, port reuse), UDP and ICMP
/// echo flows whose gaps range from milliseconds to over an hour.
std::vector<packet_view> random_trace(std::uint64_t seed, int conns, bool tcp_only = false) {
  std::mt19937_64 rng(seed);
  auto U = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto gap = [&] {
    const double r = U(0, 1);
    if (r < 0.45) return U(0.01, 3);
    if (r < 0.7) return U(10, 150);
    if (r < 0.88) return U(200, 900);
    return U(1000, 5000);
  };
  std::vector<packet_view> out;
  for (int c = 0; c < conns; ++c) {
    double t = c < conns / 8 ? U(0, 4) : U(0, 3000);
    const double kind = tcp_only ? 0 : U(0, 1);
    const ip_addr client = ip_addr::v4(0x0a000000u + static_cast<std::uint32_t>(c) + 2);
    if (kind < 0.7) {
      test::tcp_conv conv(static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                          static_cast<std::uint16_t>(20000 + c), U(0, 1) < 0.5 ? 443 : 22);
      conv.c2s.src = client;
      const int rounds = !tcp_only && U(0, 1) < 0.15 ? 2 : 1;  // port reuse: the same tuple again after the close
      for (int round = 0; round < rounds; ++round) {
        if (round > 0) {
          t += gap();
          conv.cseq += 100000;
        }
        const bool handshake = round > 0 || U(0, 1) < 0.75;
        if (handshake) {
          out.push_back(conv.syn(t));
          if (!tcp_only && U(0, 1) < 0.1) out.push_back(conv.syn(t += U(1, 4)));  // SYN retransmitted
          out.push_back(conv.synack(t += U(0.001, 0.05)));
          out.push_back(conv.ack(false, t += U(0.001, 0.05)));
        }
        const int steps = 1 + static_cast<int>(U(0, 10));
        for (int s = 0; s < steps; ++s) {
          t += gap();
          const bool srv = U(0, 1) < 0.4;
          out.push_back(conv.data(srv, 1 + static_cast<std::uint32_t>(U(0, 1400)), t));
          if (U(0, 1) < 0.7) out.push_back(conv.ack(!srv, t += U(0.001, 0.2)));
        }
        const double end = U(0, 1);
        if (end < 0.45) {
          out.push_back(conv.fin(false, t += U(0.01, 2)));
          out.push_back(conv.ack(true, t += U(0.001, 0.05)));
          if (U(0, 1) < 0.3) t += gap();  // in CLOSE_WAIT for a while
          out.push_back(conv.fin(true, t += U(0.01, 1)));
          out.push_back(conv.ack(false, t += U(0.001, 0.05)));
        } else if (end < 0.6) {
          out.push_back(conv.rst(U(0, 1) < 0.5, t += gap()));
        }
      }
    } else if (kind < 0.9) {
      const int steps = 1 + static_cast<int>(U(0, 8));
      for (int s = 0; s < steps; ++s) {
        packet_view p = test::udp(false, t);
        p.key.src = client;
        p.key.sport = static_cast<std::uint16_t>(30000 + c);
        out.push_back(p);
        if (U(0, 1) < 0.8) {
          packet_view q = p;
          q.key = p.key.reversed();
          q.ts = p.ts + seconds(U(0.001, 3));
          out.push_back(q);
          t = std::max(t, static_cast<double>(q.ts) / 1e9);
        }
        t += gap();
      }
    } else {
      const int steps = 1 + static_cast<int>(U(0, 5));
      for (int s = 0; s < steps; ++s) {
        packet_view p = test::icmp_echo(false, t, static_cast<std::uint16_t>(100 + c));
        p.key.src = client;
        if (U(0, 1) < 0.9) out.push_back(p);
        packet_view q = test::icmp_echo(true, t + U(0.001, 0.1), static_cast<std::uint16_t>(100 + c));
        q.key.dst = client;
        out.push_back(q);
        t += gap();
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const packet_view& a, const packet_view& b) { return a.ts < b.ts; });
  for (std::size_t i = 0; i < out.size(); ++i) out[i].frame = i + 1;
  return out;
}

run_summary replay_once(const std::vector<packet_view>& pk, const device_config& cfg, replay_observer* obs,
                        replay_sink& sink, const keepalive_spec& ka) {
  topology topo;
  topo.devices.push_back(device_spec{"fw", cfg});
  replay_options o;
  o.observer = obs;
  replay r(std::move(topo), o);
  vec_source src{pk};
  if (ka.enabled()) {
    keepalive_source<vec_source> ks(src, ka);
    return r.run(ks, sink);
  }
  return r.run(src, sink);
}

struct tally {
  int points = 0, one_pass = 0;
  int resim = 0;  ///< one_pass points with some flows re-simulated (idle_resim())
  std::map<std::string, int> why;  ///< replayed points by reason
};

void expect_equal(const idle_sweep_point& x, const run_summary& s, const std::string& at) {
  EXPECT_EQ(x.broken, s.broken) << at;
  EXPECT_EQ(x.broken_by_cause, s.broken_by_cause) << at;
  EXPECT_EQ(x.peak_sessions, s.peak_sessions) << at;
}

/// Sweeps `key` over `values` as `sessim sweep` does (one reference per comparison class; with
/// `resim`, the flows the model cannot follow re-simulated in one filtered pass) and checks every
/// point the model calls exact against its own replay.
void check_sweep(const std::vector<packet_view>& pk, const device_config& base, const std::string& key,
                 const std::vector<double>& values, const keepalive_spec& ka, tally& tl, const std::string& label,
                 bool resim = true) {
  const timeout_slot slot = *idle_sweep_slot(key);
  const sim_time top = seconds(*std::max_element(values.begin(), values.end()));
  std::map<std::vector<bool>, std::vector<sim_time>> groups;
  std::set<sim_time> low;
  for (double v : values) {
    const auto c = idle_sweep_class(slot, seconds(v), base);
    if (c != idle_sweep_class(slot, top, base) && idle_sweep_low_class(slot, seconds(v), base)) {
      low.insert(seconds(v));
      groups[idle_sweep_class(slot, top, base)].push_back(seconds(v));
    } else {
      groups[c].push_back(seconds(v));
    }
  }
  for (auto& [cls, vs] : groups) {
    const sim_time vref = *std::max_element(vs.begin(), vs.end());
    const sim_time vmin = *std::min_element(vs.begin(), vs.end());
    device_config cref = base;
    cref.set_timeout(slot, vref);
    idle_recorder rec(slot, cref, vmin);
    const run_summary ref = replay_once(pk, cref, &rec, rec, ka);
    rec.finish(ref);
    const idle_sweep_point self = rec.evaluate(vref);
    if (self.exact) expect_equal(self, ref, label + " reference " + format_seconds(vref));
    std::vector<idle_resim_lane> lanes;
    std::vector<sim_time> lane_v;
    auto replay_at = [&](sim_time v) {
      device_config cv = base;
      cv.set_timeout(slot, v);
      replay_sink null_sink;
      return replay_once(pk, cv, nullptr, null_sink, ka);
    };
    auto at = [&](sim_time v, const std::string& how) {
      return label + " " + key + "=" + format_seconds(v) + " (reference " + format_seconds(vref) + how + ")";
    };
    for (sim_time v : vs) {
      if (v == vref) continue;
      ++tl.points;
      const idle_sweep_point x = rec.evaluate(v, low.count(v) > 0);
      if (!x.exact && resim && !x.resimulate.empty()) {
        device_config cv = base;
        cv.set_timeout(slot, v);
        topology t;
        t.devices.push_back(device_spec{"fw", cv});
        lanes.push_back(idle_resim_lane{std::move(t), x.resimulate, nullptr, {}, {}});
        lane_v.push_back(v);
        continue;
      }
      if (!x.exact) {
        ++tl.why[key + ": " + x.why];
        continue;
      }
      ++tl.one_pass;
      expect_equal(x, replay_at(v), at(v, ""));
    }
    if (lanes.empty()) continue;
    vec_source src{pk};
    if (ka.enabled()) {
      keepalive_source<vec_source> ks(src, ka);
      idle_resim(ks, lanes, slot, replay_options{});
    } else {
      idle_resim(src, lanes, slot, replay_options{});
    }
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      const sim_time v = lane_v[i];
      if (!lanes[i].why.empty()) {
        ++tl.why[key + ": " + lanes[i].why];
        continue;
      }
      const idle_sweep_point x = rec.combine(v, low.count(v) > 0, *lanes[i].rec, lanes[i].summary);
      if (!x.exact) {
        ++tl.why[key + ": " + x.why];
        continue;
      }
      ++tl.one_pass;
      ++tl.resim;
      expect_equal(x, replay_at(v), at(v, ", " + std::to_string(lanes[i].keys.size()) + " flow(s) re-simulated"));
    }
  }
}

struct cfg_case {
  std::string name;
  device_config cfg;
  keepalive_spec ka;
};

std::vector<cfg_case> configs() {
  std::vector<cfg_case> v;
  device_config linux_cfg = find_preset("linux").make();
  v.push_back({"linux", linux_cfg, {}});
  device_config strict = linux_cfg;
  apply_setting(strict, "tcp.loose", "0");
  v.push_back({"linux loose=0", strict, {}});
  device_config rst = strict;
  apply_setting(rst, "policy.rst_on_expiry", "1");
  v.push_back({"linux loose=0 rst_on_expiry", rst, {}});
  v.push_back({"pf", find_preset("pf").make(), {}});
  v.push_back({"f5", find_preset("f5").make(), {}});
  v.push_back({"linux loose=0 keepalive client:120s", strict, keepalive_spec::parse("client:120s")});
  device_config small = strict;
  apply_setting(small, "table.capacity", "12");
  v.push_back({"linux loose=0 capacity 12", small, {}});
  return v;
}

const std::vector<std::pair<std::string, std::vector<double>>> keys = {
    {"tcp.established", {30, 60, 120, 300, 600, 1800, 3600}},
    {"tcp.unacknowledged", {20, 60, 120, 300, 900}},
    {"tcp.close_wait", {5, 30, 60, 200, 1000}},
    {"tcp.time_wait", {1, 5, 60, 120}},
    {"tcp.syn_recv", {1, 10, 60}},
    {"tcp.max_retrans", {30, 300, 1000}},
    {"udp.timeout", {1, 5, 20, 60, 200}},
    {"udp.stream", {10, 60, 120, 600, 3000}},
    {"icmp.timeout", {1, 5, 30, 120, 600}},
};

TEST(idle_sweep, one_pass_points_equal_separate_replays_on_random_traces) {
  tally total;
  std::map<std::string, tally> by_cfg;
  std::map<std::string, int> strict_why;
  const std::vector<std::uint64_t> seeds = {1, 2, 3, 4};
  const std::vector<cfg_case> cfgs = configs();
  for (std::size_t si = 0; si < seeds.size(); ++si) {
    const std::uint64_t seed = seeds[si];
    const std::vector<packet_view> pk = random_trace(seed, 90);
    for (std::size_t ci = 0; ci < cfgs.size(); ++ci) {
      if (!test::runs(ci, seeds.size(), si)) continue;  // sanitized: configuration ci on seed ci % 4 only
      const cfg_case& c = cfgs[ci];
      for (const auto& [key, values] : keys) {
        tally t;
        check_sweep(pk, c.cfg, key, values, c.ka, t, "seed " + std::to_string(seed) + ", " + c.name);
        total.points += t.points;
        total.one_pass += t.one_pass;
        by_cfg[c.name].points += t.points;
        by_cfg[c.name].one_pass += t.one_pass;
        for (const auto& [w, n] : t.why) (c.name == "linux loose=0" ? strict_why : total.why)[w] += n;
      }
    }
  }
  for (const auto& [name, t] : by_cfg) std::printf("  %-40s %4d of %4d points one-pass\n", name.c_str(), t.one_pass, t.points);
  for (const auto& [w, n] : strict_why) std::printf("  replayed (linux loose=0): %3d  %s\n", n, w.c_str());
  if (std::getenv("SESSIM_IDLE_SWEEP_VERBOSE"))
    for (const auto& [w, n] : total.why) std::printf("  replayed: %3d  %s\n", n, w.c_str());
  // Both kinds occur. UDP and ICMP flows that resume after a gap, port reuse and pickup
  // (tcp.loose=1) re-create sessions: such values are replayed.
  EXPECT_GT(total.one_pass, total.points / 5);
  EXPECT_LT(total.one_pass, total.points);
  EXPECT_EQ(by_cfg["linux loose=0 capacity 12"].one_pass, 0);  // a full table: always replayed
  for (const char* c : {"linux loose=0", "linux loose=0 rst_on_expiry", "pf", "f5", "linux loose=0 keepalive client:120s"})
    EXPECT_GT(by_cfg[c].one_pass, by_cfg[c].points / 5) << c;
}

TEST(idle_sweep, tcp_that_resumes_after_gaps_is_one_pass) {
  // TCP only, no port reuse: with a device that drops mid-stream packets without a session, every
  // value is computed from the gaps, and equals its replay.
  tally t;
  std::vector<cfg_case> cfgs;
  for (const auto& c : configs())
    if (c.name != "linux" && c.name.find("capacity") == std::string::npos) cfgs.push_back(c);
  const std::vector<std::uint64_t> seeds = {11, 12, 13};
  for (std::size_t si = 0; si < seeds.size(); ++si) {
    const std::uint64_t seed = seeds[si];
    const std::vector<packet_view> pk = random_trace(seed, 150, true);
    for (std::size_t ci = 0; ci < cfgs.size(); ++ci) {
      if (!test::runs(ci, seeds.size(), si)) continue;  // sanitized: configuration ci on seed ci % 3 only
      const cfg_case& c = cfgs[ci];
      for (const char* key : {"tcp.established", "tcp.close_wait", "tcp.unacknowledged"})
        for (const auto& [k, values] : keys)
          if (k == key) check_sweep(pk, c.cfg, key, values, c.ka, t, "tcp-only seed " + std::to_string(seed) + ", " + c.name);
    }
  }
  std::printf("  tcp-only: %d of %d points one-pass\n", t.one_pass, t.points);
  for (const auto& [w, n] : t.why) std::printf("  replayed: %3d  %s\n", n, w.c_str());
  EXPECT_GT(t.one_pass, t.points * 3 / 4);
}

TEST(idle_sweep, re_simulated_flows_equal_replays_under_pickup) {
  // tcp.loose=1 (the linux default), UDP and ICMP flows that resume after an expiry, port reuse:
  // after a cut gap the value's world creates sessions the reference never had. The model leaves
  // those flows out and one filtered pass replays them at each value (idle_resim()); every such
  // point equals its own replay, and nearly every point of a sweep is now one-pass.
  tally with, without;
  std::vector<cfg_case> cfgs;
  for (const auto& c : configs())
    if (c.name == "linux" || c.name == "f5") cfgs.push_back(c);
  device_config rst = find_preset("linux").make();
  apply_setting(rst, "policy.rst_on_expiry", "1");
  cfgs.push_back({"linux rst_on_expiry", rst, {}});
  cfgs.push_back({"linux keepalive client:200s", find_preset("linux").make(), keepalive_spec::parse("client:200s")});
  const std::vector<std::uint64_t> seeds = {21, 22, 23, 24};
  for (std::size_t si = 0; si < seeds.size(); ++si) {
    const std::uint64_t seed = seeds[si];
    const std::vector<packet_view> pk = random_trace(seed, 110);
    for (std::size_t ci = 0; ci < cfgs.size(); ++ci) {
      if (!test::runs(ci, seeds.size(), si)) continue;  // sanitized: configuration ci on seed ci % 4 only
      const cfg_case& c = cfgs[ci];
      for (const auto& [key, values] : keys) {
        const std::string label = "seed " + std::to_string(seed) + ", " + c.name;
        check_sweep(pk, c.cfg, key, values, c.ka, with, label, true);
        check_sweep(pk, c.cfg, key, values, c.ka, without, label, false);
      }
    }
  }
  std::printf("  with re-simulation: %d of %d points one-pass (%d with re-simulated flows); without: %d\n", with.one_pass,
              with.points, with.resim, without.one_pass);
  for (const auto& [w, n] : with.why) std::printf("  replayed: %3d  %s\n", n, w.c_str());
  EXPECT_GT(with.resim, with.points / 4);
  EXPECT_EQ(with.one_pass, with.points);  // random traces: no fragments, no ICMP errors, no full table
  EXPECT_LT(without.one_pass, with.points * 3 / 4);
}

namespace {
/// An ICMP port unreachable from `q`'s destination, quoting `q`.
packet_view unreachable(const packet_view& q, double t) {
  packet_view e;
  e.ts = seconds(t);
  e.key.src = q.key.dst;
  e.key.dst = q.key.src;
  e.key.proto = 1;
  e.icmp_type = 3;
  e.icmp_code = 3;
  e.icmp_error = true;
  e.has_inner = true;
  e.inner = q.key;
  e.l4_len = 36;
  e.ip_len = 56;
  return e;
}
}  // namespace

TEST(idle_sweep, re_simulation_gives_up_on_icmp_errors_and_fragments) {
  // A DNS-like UDP flow silent for 100 s: at udp.timeout=10 its next packet creates a new session
  // (re-simulated); at 200 (the reference) it is the same session.
  auto trace = [](int extra) {
    std::vector<packet_view> v = {test::udp(false, 0), test::udp(true, 0.1), test::udp(false, 100), test::udp(true, 100.2)};
    packet_view other = test::udp(false, 50);
    other.key.sport = 4000;
    v.push_back(other);
    if (extra == 1) v.push_back(unreachable(test::udp(false, 0), 100.5));  // quotes the re-simulated flow
    if (extra == 2) {  // a (complete, one-piece) fragmented datagram of another flow
      packet_view f = other;
      f.ts = seconds(60);
      f.fragment = true;
      f.frag_id = 9;
      f.frag_offset = 0;
      f.frag_end = f.l4_len;
      f.udp_len = static_cast<std::uint16_t>(f.l4_len);
      v.push_back(f);
    }
    std::stable_sort(v.begin(), v.end(), [](const packet_view& a, const packet_view& b) { return a.ts < b.ts; });
    for (std::size_t i = 0; i < v.size(); ++i) v[i].frame = i + 1;
    return v;
  };
  const device_config base = find_preset("linux").make();
  for (int extra : {0, 1, 2}) {
    const std::vector<packet_view> pk = trace(extra);
    device_config cref = base, cv = base;
    cref.set_timeout(timeout_slot::udp_unreplied, seconds(200));
    cv.set_timeout(timeout_slot::udp_unreplied, seconds(10));
    idle_recorder rec(timeout_slot::udp_unreplied, cref, seconds(10));
    const run_summary ref = replay_once(pk, cref, &rec, rec, {});
    rec.finish(ref);
    const idle_sweep_point x = rec.evaluate(seconds(10));
    ASSERT_FALSE(x.exact) << extra;
    EXPECT_NE(x.why.find("create the session again"), std::string::npos) << x.why;
    if (extra == 2) {  // the recorder saw the fragment: no flow list, a full replay
      EXPECT_TRUE(x.resimulate.empty());
      EXPECT_TRUE(rec.saw_fragments());
      continue;
    }
    ASSERT_EQ(x.resimulate.size(), 1u) << extra;
    topology t;
    t.devices.push_back(device_spec{"fw", cv});
    std::vector<idle_resim_lane> lanes;
    lanes.push_back(idle_resim_lane{t, x.resimulate, nullptr, {}, {}});
    vec_source src{pk};
    idle_resim(src, lanes, timeout_slot::udp_unreplied, replay_options{});
    if (extra == 1) {
      EXPECT_NE(lanes[0].why.find("ICMP error"), std::string::npos) << lanes[0].why;
      continue;
    }
    ASSERT_TRUE(lanes[0].why.empty()) << lanes[0].why;
    const idle_sweep_point y = rec.combine(seconds(10), false, *lanes[0].rec, lanes[0].summary);
    ASSERT_TRUE(y.exact) << y.why;
    replay_sink null_sink;
    expect_equal(y, replay_once(pk, cv, nullptr, null_sink, {}), "udp.timeout=10");
  }
}

// ---- through `sessim sweep` (cli::run_sweep) ----------------------------------------------------

struct cli_tally {
  int points = 0, one_pass = 0, resimulated = 0;
  std::map<std::string, int> why;  ///< replayed points by reason
};

void check_cli(const std::string& trace, const std::vector<std::string>& sets, const std::string& param,
               const std::vector<std::string>& values, cli_tally& tl, const std::string& keepalive = "") {
  cli::sweep_options o;
  o.run.trace = trace;
  o.run.sets = sets;
  o.run.keepalive = keepalive;
  o.param = param;
  o.values = values;
  o.threads = 1;
  o.method = "auto";
  const auto fast = cli::run_sweep(o);
  o.method = "replays";
  const auto slow = cli::run_sweep(o);
  ASSERT_EQ(fast.size(), slow.size());
  std::string label = trace;
  for (const auto& s : sets) label += " --set " + s;
  if (!keepalive.empty()) label += " --keepalive " + keepalive;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ++tl.points;
    if (fast[i].one_pass && !fast[i].reference) ++tl.one_pass;
    if (fast[i].resimulated) ++tl.resimulated;
    if (!fast[i].one_pass) ++tl.why[fast[i].why.empty() ? "(not a one-pass key)" : fast[i].why];
    EXPECT_FALSE(slow[i].one_pass);
    const std::string at = label + " " + param + "=" + values[i] + (fast[i].one_pass ? " (one-pass)" : " (replayed)");
    EXPECT_EQ(fast[i].summary.broken, slow[i].summary.broken) << at;
    EXPECT_EQ(fast[i].summary.broken_by_cause, slow[i].summary.broken_by_cause) << at;
    EXPECT_EQ(fast[i].summary.peak_sessions, slow[i].summary.peak_sessions) << at;
    EXPECT_EQ(fast[i].summary.frames, slow[i].summary.frames) << at;
    EXPECT_EQ(fast[i].summary.connections, slow[i].summary.connections) << at;
  }
}

const std::vector<std::pair<std::string, std::vector<std::string>>> cli_keys = {
    {"tcp.established", {"10", "60", "300", "600", "1200", "3600", "4201", "7200"}},
    {"tcp.unacknowledged", {"100", "300", "400", "401"}},
    {"tcp.time_wait", {"10", "29", "31", "120"}},
    {"tcp.close_wait", {"5", "25", "27", "60"}},
    {"udp.timeout", {"5", "30", "46", "120"}},
    {"udp.stream", {"2", "30", "120"}},
    {"icmp.timeout", {"0.5", "5", "30"}},
    {"fw:tcp.established", {"60", "600", "3600"}},
};

TEST(idle_sweep_cli, equals_replays_on_the_bundled_traces) {
  cli_tally t;
  const std::string dir = std::string(SESSIM_SOURCE_DIR) + "/traces";
  std::vector<std::string> traces;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".pcap" && e.path().filename() != "corrupt.pcap") traces.push_back(e.path().string());
  std::sort(traces.begin(), traces.end());
  ASSERT_GT(traces.size(), 10u);
  const std::vector<std::vector<std::string>> set_cases = {
      {}, {"tcp.loose=0"}, {"tcp.loose=0", "policy.rst_on_expiry=1"}};
  for (std::size_t ti = 0; ti < traces.size(); ++ti)
    for (std::size_t si = 0; si < set_cases.size(); ++si) {
      if (!test::runs(ti, set_cases.size(), si)) continue;  // sanitized: trace ti with option set ti % 3 only
      for (const auto& [k, vs] : cli_keys) check_cli(traces[ti], set_cases[si], k, vs, t);
    }
  check_cli(dir + "/idle-demo.pcap", {"tcp.loose=0", "tcp.established=600"}, "tcp.established", {"60", "300", "600", "3600"}, t,
            "client:300s");
  std::printf("  bundled traces: %d of %d points one-pass (not counting references), %d with re-simulated flows\n",
              t.one_pass, t.points, t.resimulated);
  for (const auto& [w, n] : t.why) std::printf("  replayed: %4d  %s\n", n, w.c_str());
  EXPECT_GT(t.one_pass, 50);
}

TEST(idle_sweep_cli, equals_replays_on_generated_traces) {
  const std::string tmp = ::testing::TempDir() + "/idle_sweep";
  std::filesystem::create_directories(tmp);
  auto gen = [&](const std::string& name, const std::string& opts) {
    const std::string out = tmp + "/" + name + ".pcap";
    const std::string cmd = std::string("'") + SESSIM_TRACEGEN + "' " + name.substr(0, name.find('.')) + " '" + out + "' " + opts +
                            " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return out;
  };
  cli_tally t;
  const std::vector<std::pair<std::string, std::string>> gens = {
      {"handshake.g1", "--opt gap=200"},   {"handshake.g2", "--opt gap=4000"}, {"midstream.g1", "--opt gap=700"},
      {"close-wait.g1", "--opt gap=90"},   {"port-reuse.g1", "--opt gap=45"},  {"udp.g1", "--opt gap=150"},
      {"bench.small", "--opt packets=20000 --opt conns=2000 --opt concurrent=300 --opt rate=200"},
  };
  const std::vector<std::vector<std::string>> set_cases = {{}, {"tcp.loose=0"}, {"policy.rst_on_expiry=1"}};
  for (std::size_t gi = 0; gi < gens.size(); ++gi) {
    const auto& [name, opts] = gens[gi];
    const std::string tr = gen(name, opts);
    for (std::size_t si = 0; si < set_cases.size(); ++si) {
      if (!test::runs(gi, set_cases.size(), si)) continue;  // sanitized: trace gi with option set gi % 3 only
      const auto& sets = set_cases[si];
      check_cli(tr, sets, "tcp.established", {"0.5", "1", "2", "5", "30", "100", "300", "1000", "5000"}, t);
      check_cli(tr, sets, "tcp.close_wait", {"1", "10", "60", "100"}, t);
      check_cli(tr, sets, "udp.timeout", {"1", "10", "100", "200"}, t);
    }
  }
  std::printf("  generated traces: %d of %d points one-pass (not counting references), %d with re-simulated flows\n",
              t.one_pass, t.points, t.resimulated);
  EXPECT_GT(t.one_pass, 30);
  EXPECT_GT(t.resimulated, 5);
}

TEST(idle_sweep_cli, replays_what_it_cannot_compute) {
  // A scenario with a sync group: never one-pass, and says why.
  cli::sweep_options o;
  o.run.scenario = std::string(SESSIM_SOURCE_DIR) + "/sim/scenarios/asym-sync.toml";
  o.param = "tcp.established";
  o.values = {"1", "60"};
  o.threads = 1;
  const auto pts = cli::run_sweep(o);
  for (const auto& p : pts) {
    EXPECT_FALSE(p.one_pass);
    EXPECT_NE(p.why.find("single device"), std::string::npos) << p.why;
  }
  // Not an idle timeout: replays, no reason needed.
  cli::sweep_options c;
  c.run.trace = std::string(SESSIM_SOURCE_DIR) + "/traces/idle-demo.pcap";
  c.param = "table.capacity";
  c.values = {"1", "0"};
  c.threads = 1;
  for (const auto& p : cli::run_sweep(c)) {
    EXPECT_FALSE(p.one_pass);
    EXPECT_TRUE(p.why.empty());
  }
  // tcp.loose=1 (pickup) re-creates sessions after an expiry: those flows are re-simulated on
  // their own, the rest comes from the reference.
  c.param = "tcp.established";
  c.values = {"60", "600", "7200"};
  const auto pk = cli::run_sweep(c);
  EXPECT_TRUE(pk.back().one_pass && pk.back().reference);
  EXPECT_TRUE(pk[1].one_pass && !pk[1].reference);
  EXPECT_GT(pk[1].resimulated, 0u);
  // A fragmented datagram in the trace: no flow re-simulated, the value is replayed.
  c.run.trace = std::string(SESSIM_SOURCE_DIR) + "/traces/fragments.pcap";
  c.param = "udp.timeout";
  c.values = {"0.001", "1000"};
  for (const auto& p : cli::run_sweep(c)) EXPECT_EQ(p.resimulated, 0u);
}

}  // namespace
