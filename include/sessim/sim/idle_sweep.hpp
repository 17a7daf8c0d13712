#pragma once
/// idle_sweep: the points of a sweep of one idle timeout, computed from a single reference replay.
///
/// The reference replay runs with the largest value of the sweep (Vref). An idle_recorder watches
/// it (as replay_observer and replay_sink) and keeps, for every session the device had, its
/// refreshes, the idle gaps spent in the swept timeout's slot S and the packets of its key after
/// a gap that could make a difference. For a smaller value V the session's life in a replay with
/// V is the same as in the reference up to the first S-gap >= V ("a packet at exactly
/// last_refresh + timeout finds its session gone"); there it expires at last_refresh + V. What
/// happens then is read off the recorded packets of its key:
///   - the connection breaks with rst-on-expiry (the device sends RSTs), or with idle-timeout at
///     the first later packet that the device drops for want of a session, or not at all;
///   - once the reference's own session is gone as well, both replays agree again.
/// peak_sessions is a sweep line over the session lifetimes with the shortened ends.
///
/// evaluate() says when it cannot be sure (exact = false, with the reason); the caller then replays
/// that value. It is never sure when, after such an expiry, a packet would create a session again
/// (pickup, a SYN, UDP), another connection or an ICMP error depends on the lost session, a
/// fragment copies a verdict, or the TCP "remaining time" rule of conntrack could decide
/// differently; and not at all when the reference ever had a full table. Only one device, no
/// sync, paths, events, redirect or balancers (the caller checks the topology), and every value
/// must choose the same TCP timer slots as Vref (same comparison class, see idle_sweep_class()),
/// or be of the low class of a TCP state's timeout (idle_sweep_low_class()), where the recorder
/// knows which slot each refresh would choose.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "sessim/device/session_device.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/report/connection.hpp"
#include "sessim/report/summary.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/tcp/conntrack_tcp.hpp"

namespace sessim {

/// The timeout slot of a sweep key ("tcp.established" → tcp_established), if it is one.
inline std::optional<timeout_slot> idle_sweep_slot(std::string_view key) {
  for (std::size_t i = 0; i < timeout_slot_count; ++i)
    if (key == timeout_key(static_cast<timeout_slot>(i))) return static_cast<timeout_slot>(i);
  return std::nullopt;
}

/** The comparison class of value `v` for slot `s` under `cfg`: conntrack chooses a TCP session's
 *  timer by comparing timeouts (a state's timeout against tcp.max_retrans and
 *  tcp.unacknowledged, and the other way round). Two values with the same class make the same
 *  choices everywhere, so one replay can stand for both. Non-TCP slots have one class. */
inline std::vector<bool> idle_sweep_class(timeout_slot s, sim_time v, const device_config& cfg) {
  std::vector<bool> c;
  const auto T = [&](timeout_slot x) { return cfg.timeout(x); };
  const auto idx = static_cast<std::size_t>(s);
  const std::size_t mr = static_cast<std::size_t>(timeout_slot::tcp_max_retrans);
  const std::size_t ua = static_cast<std::size_t>(timeout_slot::tcp_unacknowledged);
  if (idx < mr) {  // a TCP state's own timeout
    c.push_back(v > T(timeout_slot::tcp_max_retrans));
    c.push_back(v > T(timeout_slot::tcp_unacknowledged));
  } else if (idx == mr) {
    for (std::size_t x = 0; x < mr; ++x) c.push_back(T(static_cast<timeout_slot>(x)) > v);
    c.push_back(v > T(timeout_slot::tcp_unacknowledged));
  } else if (idx == ua) {
    for (std::size_t x = 0; x < ua; ++x) c.push_back(T(static_cast<timeout_slot>(x)) > v);
  }
  return c;
}

/** True when `v` is in the low class of `s`: `s` is a TCP state's timeout and `v` is at most
 *  tcp.max_retrans and tcp.unacknowledged, so no timer override applies at `v` (conntrack picks
 *  the state's own timer, or tcp.close for a RST). Such values can be computed from a reference
 *  of any class: the recorder notes what each refresh would pick at them. */
inline bool idle_sweep_low_class(timeout_slot s, sim_time v, const device_config& cfg) {
  return static_cast<std::size_t>(s) < static_cast<std::size_t>(timeout_slot::tcp_max_retrans) &&
         v <= cfg.timeout(timeout_slot::tcp_max_retrans) && v <= cfg.timeout(timeout_slot::tcp_unacknowledged);
}

/// One point computed from the reference replay.
struct idle_sweep_point {
  bool exact = false;  ///< false: replay this value (why says what stood in the way)
  std::string why;
  std::uint64_t broken = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(break_cause::count_)> broken_by_cause{};
  std::size_t peak_sessions = 0;
};

/** Watches the reference replay (attach it as replay_options::observer and as the sink) and
 *  computes the sweep's points from it. `s`: the swept slot; `cfg`: the reference's device
 *  configuration (timeout of `s` = Vref); `vmin`: the smallest value of the sweep (gaps shorter
 *  than it are not kept). Single-threaded: used from the replay's thread only. */
class idle_recorder final : public replay_sink, public replay_observer {
 public:
  idle_recorder(timeout_slot s, device_config cfg, sim_time vmin) : s_(s), cfg_(std::move(cfg)), vmin_(vmin) {}

  // ---- replay_sink ---------------------------------------------------------------------------
  void on_connection(const connection& c) override {
    conn_info& ci = conn(c.id);
    ci.emitted = true;
    pending_emit_.push_back(c.id);  // emitted at the current push: its time comes with its packet
    ci.broken = c.broken;
    if (c.broken) {
      ci.brk_time = c.brk.time;
      ci.cause = c.brk.cause;
    }
  }

  // ---- replay_observer -----------------------------------------------------------------------
  void on_decision(std::size_t, const packet_view& p, const connection& c, const decision& d, sim_time t,
                   session_device& dev) override {
    ++seq_;
    for (std::uint64_t id : pending_emit_) conn(id).emit_time = t;
    pending_emit_.clear();
    conn_info& ci = conn(c.id);
    ci.warm = c.warm;
    if (!p.l4_header) ci.fragment = true;
    const icmp_kind ik = classify_icmp(p);
    if (ik == icmp_kind::error) {  // looks up the quoted session: part of that key's story
      flow_key qk;
      if (quoted_tracking_key(p, qk)) {
        auto it = live_.find(qk);
        if (it != live_.end()) {
          episode& e = eps_[it->second];
          e.log.push_back(entry{t, c.id, e.state, f_foreign});
        }
      }
      return;
    }
    const std::uint8_t flags = classify(p, c, ik) | (c.dev.empty() || c.dev[0].had_session ? f_had_session : 0);
    if (pending_end_ != npos) {  // this packet ended the session (kill, reopen)
      episode& e = eps_[pending_end_];
      e.log.push_back(entry{t, c.id, e.state, flags});
      finish_episode(e);
      pending_end_ = npos;
    } else if (std::size_t ei = live_episode(ci, p); ei != npos) {
      episode& e = eps_[ei];
      // conntrack's "remaining time" rule for FIN/RST outside the window reads the deadline
      if (p.is_tcp() && p.l4_header && (p.flags & (tcp_flags::fin | tcp_flags::rst)) && d.v != verdict::forward)
        sensitive_.push_back(sens{t, e.t_r, e.deadline - t, e.slot, e.low});
      e.log.push_back(entry{t, c.id, e.state, flags});
      timeout_slot slot;
      sim_time deadline;
      if (d.tracked) {
        slot = d.slot;
        deadline = d.deadline;
        if (p.is_tcp()) e.state = d.tcp_state;
      } else {
        session_snapshot snap;  // dropped, or not asked: the session may have been refreshed all the same
        if (!p.l4_header || !dev.snapshot(e.key, snap)) return;
        slot = snap.slot;
        deadline = snap.deadline;
        if (p.is_tcp()) e.state = static_cast<std::uint8_t>(snap.l4.tcp.state);
      }
      e.log.back().state = e.state;
      if (deadline != e.deadline || slot != e.slot) {  // refreshed: a new interval
        close_interval(e, t - e.t_r);
        e.t_r = t;
        e.deadline = deadline;
        e.slot = slot;
        e.low = low_slot(p, slot, e.state, d);
        e.iv_first = static_cast<std::uint32_t>(e.log.size() - 1);
        if (!e.kept) {
          entry last = e.log.back();
          e.log.clear();
          e.log.push_back(last);
          e.iv_first = 0;
        }
      }
      return;
    }
    if (d.tracked) {  // a new session
      const flow_key k = tracking_key(p);
      episode e;
      e.key = k;
      e.t0 = t;
      e.seq0 = seq_;
      e.proto = k.proto;
      e.state = p.is_tcp() ? d.tcp_state : 0;
      e.t_r = t;
      e.deadline = d.deadline;
      e.slot = d.slot;
      e.low = low_slot(p, d.slot, e.state, d);
      e.alive = true;
      e.log.reserve(4);
      e.log.push_back(entry{t, c.id, e.state, flags});
      eps_.push_back(std::move(e));
      live_[k] = eps_.size() - 1;
      ci.live_ep = eps_.size();
      return;
    }
    // No session before or after: did the device insert one and take it out again (a TCP packet
    // that created a session and was then found invalid, or killed it at once)? That counts for
    // the table's peak.
    if (p.is_tcp() && p.l4_header && tcp::valid_flag_combination(p.flags)) {
      const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
      const bool warm = c.warm && !(c.dev.empty() || c.dev[0].had_session) && !bare_syn;
      const bool pickup = tcp::creates_session(p.flags, true) && cfg_.no_session == no_session_policy::pickup && !cfg_.syn_only;
      if (bare_syn || warm || pickup) transient_.push_back(point{t, seq_});
    }
  }

  void on_session_end(std::size_t, const session_end& e) override {
    auto it = live_.find(e.orig);
    if (it == live_.end()) return;
    episode& ep = eps_[it->second];
    const std::size_t ei = it->second;
    live_.erase(it);
    ep.alive = false;
    switch (e.kind) {
      case session_end_kind::expired:
        close_interval(ep, e.at - ep.t_r);
        ep.end = end_kind::expired;
        ep.end_t = e.at;
        finish_episode(ep);
        break;
      case session_end_kind::killed:
      case session_end_kind::reopened:
        close_interval(ep, e.at - ep.t_r);
        ep.end = end_kind::packet;
        ep.end_t = e.at;
        ep.end_seq = seq_ + 1;  // the packet being processed (its on_decision comes next)
        pending_end_ = ei;
        break;
      case session_end_kind::evicted:
        pressure_ = true;
        break;
    }
  }

  /// After the run: the reference's totals.
  void finish(const run_summary& r) {
    ref_ = r;
    for (auto& [k, ei] : live_) {
      episode& e = eps_[ei];
      close_interval(e, r.last_ts - e.t_r);
      e.end = end_kind::alive;
      e.alive = false;
      finish_episode(e);
    }
    live_.clear();
    for (const auto& d : r.devices)
      if (d.stats.evicted || d.stats.table_full_drops || d.stats.synced_in) pressure_ = true;
    if (r.devices.size() != 1) pressure_ = true;
  }

  /** The point for value `v`: at most the reference's value, and of its comparison class, or
   *  (`low`) of the low class of a TCP state's timeout (idle_sweep_low_class()). */
  idle_sweep_point evaluate(sim_time v, bool low = false) const {
    idle_sweep_point out;
    if (pressure_) {
      out.why = "the reference replay had a full table";
      return out;
    }
    if (v > cfg_.timeout(s_)) {
      out.why = "above the reference value";
      return out;
    }
    out.broken = ref_.broken;
    out.broken_by_cause = ref_.broken_by_cause;
    // conntrack's remaining-time rule
    const sim_time ua_r = cfg_.timeout(timeout_slot::tcp_unacknowledged);
    const sim_time ua_v = s_ == timeout_slot::tcp_unacknowledged ? v : ua_r;
    // The timer of a refresh in this world.
    auto tau = [&](timeout_slot ref_slot, timeout_slot low_slot) {
      const timeout_slot x = low ? low_slot : ref_slot;
      return x == s_ ? v : cfg_.timeout(x);
    };
    for (const sens& x : sensitive_) {
      const sim_time rem_v = x.t_r + tau(x.slot, x.low) - x.t;
      const bool a = x.rem >= seconds(120) && x.rem > ua_r, b = rem_v >= seconds(120) && rem_v > ua_v;
      if (a != b) {
        out.why = "a FIN/RST outside the window: conntrack's remaining-time rule";
        return out;
      }
    }
    struct cev {
      std::uint64_t conn;
      sim_time t_exp, end;
      break_cause kind;
    };
    std::vector<cev> cevs;
    std::vector<std::pair<std::size_t, sim_time>> cut;  // episode, its end in this world
    for (std::size_t ei : kept_) {
      const episode& e = eps_[ei];
      const interval* iv = nullptr;
      sim_time tv = 0;
      for (const auto& x : e.ivs) {
        tv = tau(x.slot, x.low);
        const sim_time tr = cfg_.timeout(x.slot);  // the reference's timer
        if (tv > tr) {
          if (x.n >= tr) return inexact(out, "a longer timer than the reference's");
          continue;
        }
        if (x.n >= tv) { iv = &x; break; }
      }
      if (!iv) continue;
      const sim_time t_exp = iv->t_r + tv;
      cut.emplace_back(ei, t_exp);
      // the connection in the log when the session goes, and the session's state then
      std::size_t j = iv->first;
      const entry* before = &e.log[j];
      for (; j < e.log.size() && e.log[j].t < t_exp; ++j)
        if (!(e.log[j].f & f_foreign)) before = &e.log[j];
      const std::uint64_t cid = before->conn;
      const conn_info& ci = conns_.at(cid);
      const bool in_log = !ci.emitted || ci.emit_time >= t_exp;
      bool breaks = false;
      const bool region = j < e.log.size();
      for (std::size_t k = j; k < e.log.size(); ++k) {
        const entry& x = e.log[k];
        if (x.f & f_foreign) return inexact(out, "an ICMP error quotes a session that expired earlier");
        if (x.f & f_frag) return inexact(out, "a fragment after an earlier expiry");
        if (x.f & f_creating) return inexact(out, "a packet would create the session again after an earlier expiry");
        if (x.conn != cid) return inexact(out, "another connection on the tuple after an earlier expiry");
        if (x.f & f_breaking) breaks = true;
      }
      if (region && (!in_log || (ci.warm && !(e.log[j].f & f_had_session))))
        return inexact(out, "a connection that started while the session lived");
      if (ci.fragment && (region || in_log)) return inexact(out, "a fragmented connection");
      if (!in_log) continue;
      break_cause kind = break_cause::none;
      if (cfg_.rst_on_expiry && e.proto == 6) {
        const auto st = static_cast<tcp::ct_state>(before->state);
        if (st == tcp::ct_state::syn_recv || st == tcp::ct_state::established || st == tcp::ct_state::fin_wait ||
            st == tcp::ct_state::close_wait)
          kind = break_cause::rst_on_expiry;
      }
      if (kind == break_cause::none && breaks) kind = break_cause::idle_timeout;
      const sim_time end = e.end == end_kind::alive ? std::numeric_limits<sim_time>::max() : e.end_t;
      cevs.push_back(cev{cid, t_exp, end, kind});
    }
    std::sort(cevs.begin(), cevs.end(),
              [](const cev& a, const cev& b) { return a.conn != b.conn ? a.conn < b.conn : a.t_exp < b.t_exp; });
    for (std::size_t i = 0; i < cevs.size();) {
      std::size_t j = i;
      while (j < cevs.size() && cevs[j].conn == cevs[i].conn) ++j;
      const conn_info& ci = conns_.at(cevs[i].conn);
      bool decided = false;
      break_cause vb = break_cause::none;
      for (std::size_t k = i; k < j; ++k) {
        if (ci.broken && ci.brk_time < cevs[k].t_exp) {
          vb = ci.cause;
          decided = true;
          break;
        }
        if (cevs[k].kind != break_cause::none) {
          vb = cevs[k].kind;
          decided = true;
          break;
        }
        if (ci.broken && ci.brk_time <= cevs[k].end)
          return inexact(out, "the reference broke the connection while it had no session at this value");
      }
      if (!decided && ci.broken) vb = ci.cause;
      if (ci.broken) {
        --out.broken;
        --out.broken_by_cause[static_cast<std::size_t>(ci.cause)];
      }
      if (vb != break_cause::none) {
        ++out.broken;
        ++out.broken_by_cause[static_cast<std::size_t>(vb)];
      }
      i = j;
    }
    out.peak_sessions = peak(cut);
    out.exact = true;
    return out;
  }

  /// Sessions the reference replay had (for tests and statistics).
  std::size_t sessions() const noexcept { return eps_.size(); }
  /// Sessions with at least one idle gap in the swept slot at or above the smallest value.
  std::size_t sessions_with_gaps() const noexcept { return kept_.size(); }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  enum : std::uint8_t { f_creating = 1, f_breaking = 2, f_frag = 4, f_foreign = 8, f_had_session = 16 };
  enum class end_kind : std::uint8_t { alive, expired, packet };

  struct entry {  ///< one packet of the key while the reference had its session
    sim_time t;
    std::uint64_t conn;
    std::uint8_t state;  ///< TCP state after it
    std::uint8_t f;
  };
  struct interval {  ///< an idle gap whose timer the swept value can shorten
    sim_time t_r;    ///< the refresh that started it
    sim_time n;      ///< its length: to the next refresh, the session's end, or the end of the trace
    std::uint32_t first;  ///< log index of the refresh
    timeout_slot slot, low;  ///< the reference's timer slot; the slot at values of the low class
  };
  struct episode {  ///< one session of the reference
    flow_key key;
    sim_time t0 = 0, end_t = 0;
    std::uint64_t seq0 = 0, end_seq = 0;
    sim_time t_r = 0, deadline = 0;  ///< while alive: last refresh and deadline
    timeout_slot slot = timeout_slot::generic, low = timeout_slot::generic;  ///< while alive
    end_kind end = end_kind::alive;
    std::uint8_t proto = 0, state = 0;
    bool kept = false, alive = false;
    std::uint32_t iv_first = 0;
    std::vector<entry> log;
    std::vector<interval> ivs;
  };
  struct conn_info {
    std::size_t live_ep = 0;  ///< episode + 1 of the session its packets last found (a cache)
    bool emitted = false, broken = false, warm = false, fragment = false;
    sim_time emit_time = std::numeric_limits<sim_time>::max();
    sim_time brk_time = 0;
    break_cause cause = break_cause::none;
  };
  struct sens {
    sim_time t, t_r, rem;
    timeout_slot slot, low;
  };
  struct point {
    sim_time t;
    std::uint64_t seq;
  };
  struct key_hash {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  struct key_eq {
    bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a.same_flow(b); }
  };

  static idle_sweep_point& inexact(idle_sweep_point& p, const char* why) {
    p.exact = false;
    p.why = why;
    return p;
  }

  conn_info& conn(std::uint64_t id) {
    if (id >= conns_.size()) conns_.resize(id + 1 + id / 2);
    return conns_[id];
  }

  /// What the packet would do at a device without its session (the value's world after an expiry).
  std::uint8_t classify(const packet_view& p, const connection& c, icmp_kind ik) const {
    if (!p.l4_header) return f_frag;
    bool creating = false, dropped = true;
    if (p.is_tcp()) {
      if (tcp::valid_flag_combination(p.flags)) {
        const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
        creating = bare_syn || (tcp::creates_session(p.flags, true) && cfg_.no_session == no_session_policy::pickup &&
                                !cfg_.syn_only);
      }
    } else if (p.is_icmp()) {
      creating = ik == icmp_kind::request;
      dropped = ik != icmp_kind::untracked;
    } else {
      creating = true;
    }
    if (creating) return f_creating;
    const bool rst = p.is_tcp() && (p.flags & tcp_flags::rst);
    return dropped && !rst && !c.closed_before ? f_breaking : 0;
  }

  /// The live episode of the packet's key (npos: none), through the connection's cache.
  std::size_t live_episode(conn_info& ci, const packet_view& p) {
    if (ci.live_ep && eps_[ci.live_ep - 1].alive) return ci.live_ep - 1;
    auto it = live_.find(tracking_key(p));
    if (it == live_.end()) return npos;
    ci.live_ep = it->second + 1;
    return it->second;
  }

  void close_interval(episode& e, sim_time n) {
    if (e.slot != s_ && e.low == e.slot) return;  // the same timer at every value
    if (n < std::min(vmin_, e.low == s_ ? vmin_ : cfg_.timeout(e.low))) return;  // too short to matter
    e.ivs.push_back(interval{e.t_r, n, e.iv_first, e.slot, e.low});
    e.kept = true;
  }

  /** The slot a refresh would have chosen at a value of the low class (the swept TCP state's
   *  timeout at most tcp.max_retrans and tcp.unacknowledged: no override applies, RST → close). */
  timeout_slot low_slot(const packet_view& p, timeout_slot slot, std::uint8_t state, const decision& d) const {
    if (static_cast<std::size_t>(s_) >= static_cast<std::size_t>(timeout_slot::tcp_max_retrans)) return slot;
    if (!p.is_tcp() || d.v != verdict::forward) return slot;  // not a choice (invalid_lower: fixed)
    if (tcp::detail::slot_of(static_cast<tcp::ct_state>(state)) != s_) return slot;
    return (p.flags & tcp_flags::rst) ? timeout_slot::tcp_close : s_;
  }

  void finish_episode(episode& e) {
    if (e.kept) {
      kept_.push_back(static_cast<std::size_t>(&e - eps_.data()));
      e.log.shrink_to_fit();
    } else {
      std::vector<entry>().swap(e.log);
    }
  }

  /// Peak table size when the sessions in `cut` end at the given times instead.
  std::size_t peak(const std::vector<std::pair<std::size_t, sim_time>>& cut) const {
    struct ev {
      sim_time t;
      std::uint64_t seq;
      int type;  // 0 remove, 1 insert, 2 insert and remove at once
    };
    std::vector<ev> evs;
    evs.reserve(eps_.size() * 2 + transient_.size());
    std::size_t ci = 0;
    std::vector<std::pair<std::size_t, sim_time>> c = cut;
    std::sort(c.begin(), c.end());
    for (std::size_t i = 0; i < eps_.size(); ++i) {
      const episode& e = eps_[i];
      evs.push_back(ev{e.t0, e.seq0, 1});
      while (ci < c.size() && c[ci].first < i) ++ci;
      if (ci < c.size() && c[ci].first == i) {
        evs.push_back(ev{c[ci].second, 0, 0});
        continue;
      }
      switch (e.end) {
        case end_kind::alive: break;
        case end_kind::expired: evs.push_back(ev{e.end_t, 0, 0}); break;
        case end_kind::packet: evs.push_back(ev{e.end_t, e.end_seq, 0}); break;
      }
    }
    for (const auto& x : transient_) evs.push_back(ev{x.t, x.seq, 2});
    std::sort(evs.begin(), evs.end(), [](const ev& a, const ev& b) {
      if (a.t != b.t) return a.t < b.t;
      if (a.seq != b.seq) return a.seq < b.seq;
      return a.type < b.type;
    });
    std::size_t n = 0, best = 0;
    for (const auto& x : evs) {
      if (x.type == 0) {
        --n;
      } else {
        best = std::max(best, n + 1);
        if (x.type == 1) ++n;
      }
    }
    return best;
  }

  timeout_slot s_;
  device_config cfg_;
  sim_time vmin_;
  std::unordered_map<flow_key, std::size_t, key_hash, key_eq> live_;  ///< key → its live episode
  std::vector<episode> eps_;
  std::vector<std::size_t> kept_;
  std::vector<conn_info> conns_;
  std::vector<std::uint64_t> pending_emit_;
  std::vector<sens> sensitive_;
  std::vector<point> transient_;
  std::size_t pending_end_ = npos;
  std::uint64_t seq_ = 0;
  bool pressure_ = false;
  run_summary ref_;
};

}  // namespace sessim
