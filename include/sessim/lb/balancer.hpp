#pragma once
/// balancer: one virtual server at run time. It binds each new connection to the VIP to a real
/// server (scheduler, persistence, L7 rules with delayed binding), keeps later packets on it,
/// knows when real servers really fail and when the health check notices, and says what the
/// packet looks like on the server side. Packets to a dead real server are dropped
/// (`backend-down`). Connection counts follow IPVS: a connection is active from binding to close.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "sessim/core/packet.hpp"
#include "sessim/lb/forwarding.hpp"
#include "sessim/lb/health_check.hpp"
#include "sessim/lb/report.hpp"
#include "sessim/lb/schedulers/all.hpp"
#include "sessim/lb/virtual_server.hpp"
#include "sessim/report/connection.hpp"

namespace sessim::lb {

/// What the balancer does with one packet.
struct lb_outcome {
  enum class kind : std::uint8_t { pass, forward, drop } k = kind::pass;
  rewrite rw;          ///< when forward
  std::string hint;    ///< when drop: the fix hint for the connection
};

/// One virtual server at run time.
class balancer {
 public:
  static constexpr std::size_t unbound = static_cast<std::size_t>(-2);

  balancer(virtual_server_spec vs, const std::vector<server_event_spec>& events, std::uint64_t seed)
      : vs_(std::move(vs)), seed_(seed) {
    for (const auto& e : events)
      for (std::size_t i = 0; i < vs_.reals.size(); ++i)
        if (e.ip == vs_.reals[i].ip && e.port == vs_.reals[i].port &&
            (e.virtual_server.empty() || e.virtual_server == vs_.name))
          ev_.push_back({i, e.at, e.up});
    stats_.resize(vs_.reals.size() + 1);
    for (std::size_t i = 0; i < vs_.reals.size(); ++i) {
      stats_[i].name = vs_.reals[i].name();
      stats_[i].weight = vs_.reals[i].weight;
    }
    if (vs_.sorry) { stats_.back().name = vs_.sorry->name(); stats_.back().sorry = true; }
    std::vector<std::size_t> all;
    for (std::size_t i = 0; i < vs_.reals.size(); ++i) all.push_back(i);
    pools_.push_back(make_pool(all));
    for (const auto& r : vs_.rules) pools_.push_back(make_pool(r.pool));
  }

  /// The virtual server's settings.
  const virtual_server_spec& spec() const { return vs_; }

  /// The run starts at t0 (health checks run at t0 + k*interval; events are relative to t0).
  void begin(sim_time t0) {
    t0_ = t0;
    tl_.assign(vs_.reals.size(), {});
    for (std::size_t i = 0; i < vs_.reals.size(); ++i) {
      std::vector<std::pair<sim_time, bool>> e;
      for (const auto& x : ev_) if (x.real == i) e.emplace_back(t0 + x.at, x.up);
      tl_[i] = health_timeline::build(vs_.health, t0, e);
      for (std::size_t k = 0; k < tl_[i].changes.size(); ++k) {
        const auto& c = tl_[i].changes[k];
        health_event_report h;
        h.server = vs_.reals[i].name();
        h.up = c.up;
        h.at = c.truth_at;
        h.detected = c.detected();
        h.detected_at = c.detected_at;
        h.delay = c.detected() ? c.detected_at - c.truth_at : -1;
        health_.push_back(h);
        health_of_.push_back({i, k});
        if (c.detected()) churn_pending_.push_back({c.detected_at, i, c.up});
      }
    }
    std::stable_sort(churn_pending_.begin(), churn_pending_.end(), [](auto& a, auto& b) { return a.at < b.at; });
  }

  /// True when the connection is to this virtual server.
  bool matches(const connection& c) const {
    return c.key.proto == vs_.proto && c.key.dst == vs_.vip && c.key.dport == vs_.port;
  }

  /// Handles one packet of a connection to the VIP arriving at the balancer at t.
  lb_outcome on_packet(const packet_view& p, int dir, connection& c, sim_time t) {
    lb_outcome out;
    auto it = conns_.find(c.id);
    if (it == conns_.end()) {
      if (dir == 1) return out;  // a reply of a connection the balancer never saw
      entry e;
      e.dest = unbound;
      it = conns_.emplace(c.id, e).first;
      ++vs_stats_.connections;
      if (vs_.rules.empty() || p.payload_len > 0 || !p.is_tcp()) bind(it->second, p, c, t);
    } else if (it->second.dest == unbound && dir == 0 && p.payload_len > 0) {
      bind(it->second, p, c, t);
    }
    entry& e = it->second;
    out.rw.mode = vs_.fwd;
    out.rw.dir = dir;
    out.rw.vip = vs_.vip;
    out.rw.vport = vs_.port;
    out.rw.overhead = vs_.tun_overhead;
    if (e.dest == unbound) {  // delayed binding: the balancer answers the handshake itself
      out.k = lb_outcome::kind::forward;
      out.rw.local = true;
      return out;
    }
    if (e.dest == no_dest) {
      out.k = lb_outcome::kind::drop;
      out.hint = "no real server was available and no sorry server is configured: add a sorry server or capacity";
      return out;
    }
    const bool sorry = e.dest == vs_.reals.size();
    const real_server_spec& rs = sorry ? *vs_.sorry : vs_.reals[e.dest];
    auto& st = stats_[e.dest];
    if (!sorry && !tl_[e.dest].up(t)) {
      out.k = lb_outcome::kind::drop;
      if (!e.counted) {
        e.counted = true;
        const health_change* f = tl_[e.dest].failure_at(t);
        health_event_report* h = f ? health_for(e.dest, f) : nullptr;
        if (e.to_dead) {
          const sim_time since = e.bound_at - f->truth_at;
          const sim_time bound = vs_.health.fall ? (since - vs_.health.timeout) / static_cast<sim_time>(vs_.health.fall) : -1;
          if (bound > 0) {
            out.hint = fmt::format("scheduled to {} {:.3f} s after it failed, before the health check noticed: "
                                   "health.interval < {:.3f} s (fall {}, timeout {:.3f} s) would have marked it down in time",
                                   rs.name(), to_seconds(since), to_seconds(bound), vs_.health.fall, to_seconds(vs_.health.timeout));
            if (h && (h->interval_below < 0 || bound < h->interval_below)) h->interval_below = bound;
          } else {
            out.hint = fmt::format("scheduled to {} {:.3f} s after it failed, within the check timeout: no interval "
                                   "saves it; lower health.timeout or let clients retry", rs.name(), to_seconds(since));
          }
        } else {
          if (h) ++h->live_broken;
          out.hint = fmt::format("{} failed under this open connection: no health check saves it; clients must "
                                 "reconnect (the scheduler moves new connections after detection)", rs.name());
        }
      }
      return out;
    }
    ++st.packets;
    st.bytes += p.wire_len;
    out.k = lb_outcome::kind::forward;
    out.rw.rip = rs.ip;
    out.rw.rport = rs.port;
    if (vs_.fwd == forwarding::tun && dir == 0) {
      vs_stats_.tun_bytes += vs_.tun_overhead;
      const std::uint32_t sz = p.ip_len + vs_.tun_overhead;
      vs_stats_.tun_largest = std::max(vs_stats_.tun_largest, sz);
      if (sz > vs_.mtu) ++vs_stats_.tun_over_mtu;
    }
    if (!e.closed && c.closed()) release(e);
    return out;
  }

  /// The connection ended (or the trace did).
  void on_connection_end(const connection& c) {
    auto it = conns_.find(c.id);
    if (it == conns_.end()) return;
    release(it->second);
    conns_.erase(it);
  }

  /// The report (flushes churn up to `end`).
  virtual_server_report report(sim_time end) {
    process_churn(end);
    virtual_server_report r = vs_stats_;
    r.name = vs_.name;
    r.device = vs_.device;
    r.scheduler = std::string(pools_[0].sched->name());
    r.forwarding = forwarding_name(vs_.fwd);
    r.tun_overhead = vs_.fwd == forwarding::tun ? vs_.tun_overhead : 0;
    r.mtu = vs_.mtu;
    r.reals.assign(stats_.begin(), stats_.begin() + static_cast<std::ptrdiff_t>(vs_.reals.size()));
    if (vs_.sorry) r.reals.push_back(stats_.back());
    r.health = health_;
    r.churn = churn_;
    return r;
  }

 private:
  struct event_ref { std::size_t real; sim_time at; bool up; };
  struct churn_ev { sim_time at; std::size_t real; bool up; };
  struct entry {
    std::size_t dest = unbound;
    sim_time bound_at = 0;
    bool to_dead = false, counted = false, closed = false;
  };
  struct pool {
    std::vector<std::size_t> members;
    std::unique_ptr<scheduler> sched;
    std::vector<bool> sig;
  };
  struct persist { std::size_t dest; sim_time expires; };

  pool make_pool(const std::vector<std::size_t>& members) {
    pool p;
    p.members = members;
    p.sched = make_scheduler(vs_.scheduler, seed_);
    if (auto* dh = dynamic_cast<dh_scheduler*>(p.sched.get())) dh->set_destination(vs_.vip);
    return p;
  }

  std::vector<dest_state> states(const pool& pl, sim_time t, const std::vector<bool>* avail = nullptr) const {
    std::vector<dest_state> d;
    for (std::size_t k = 0; k < pl.members.size(); ++k) {
      const std::size_t i = pl.members[k];
      dest_state s;
      s.weight = vs_.reals[i].weight;
      s.active = static_cast<std::uint32_t>(active_.size() > i ? active_[i] : 0);
      s.available = avail ? (*avail)[i] : tl_[i].seen_up(t);
      s.overloaded = vs_.reals[i].max_conns && s.active >= vs_.reals[i].max_conns;
      s.ip = vs_.reals[i].ip;
      s.port = vs_.reals[i].port;
      d.push_back(s);
    }
    return d;
  }

  /// Applies the health-check changes detected up to t: scheduler rebuilds and churn shares.
  void process_churn(sim_time t) {
    while (churn_next_ < churn_pending_.size() && churn_pending_[churn_next_].at <= t) {
      const churn_ev ev = churn_pending_[churn_next_++];
      std::vector<bool> before(vs_.reals.size()), after(vs_.reals.size());
      for (std::size_t i = 0; i < vs_.reals.size(); ++i) {
        before[i] = tl_[i].seen_up(ev.at - 1);
        after[i] = tl_[i].seen_up(ev.at);
      }
      churn_report cr;
      cr.at = ev.at;
      cr.what = fmt::format("{} {}", ev.up ? "up" : "down", vs_.reals[ev.real].name());
      for (auto& [id, e] : conns_)
        if (e.dest != unbound && e.dest != no_dest && !e.closed) {
          ++cr.live;
          if (e.dest == ev.real) ++cr.live_on_server;
        }
      pool& pl = pools_[0];
      auto db = states(pl, ev.at, &before), da = states(pl, ev.at, &after);
      pl.sched->rebuild(db);
      auto tb = pl.sched->table();
      pl.sched->rebuild(da);
      auto ta = pl.sched->table();
      if (!tb.empty() && tb.size() == ta.size()) {
        std::size_t moved = 0;
        for (std::size_t s = 0; s < tb.size(); ++s) moved += tb[s] != ta[s];
        cr.hashed = true;
        cr.share = static_cast<double>(moved) / static_cast<double>(tb.size());
      } else {
        cr.share = ev.up || cr.live == 0 ? 0.0 : static_cast<double>(cr.live_on_server) / static_cast<double>(cr.live);
      }
      churn_.push_back(cr);
      for (std::size_t k = 1; k < pools_.size(); ++k) pools_[k].sched->rebuild(states(pools_[k], ev.at, &after));
    }
  }

  health_event_report* health_for(std::size_t real, const health_change* f) {
    for (std::size_t k = 0; k < health_of_.size(); ++k)
      if (health_of_[k].first == real && &tl_[real].changes[health_of_[k].second] == f) return &health_[k];
    return nullptr;
  }

  std::size_t choose_pool(const packet_view& p, std::uint64_t frame) {
    if (vs_.rules.empty()) return 0;
    const l7_fields& f = p.l7;
    if (f.status == l7_status::cut) {
      ++vs_stats_.l7_cut;
      if (vs_stats_.l7_cut_frames.size() < 8) vs_stats_.l7_cut_frames.push_back(frame);
      return 0;
    }
    if (f.status == l7_status::malformed) { ++vs_stats_.l7_malformed; return 0; }
    for (std::size_t r = 0; r < vs_.rules.size(); ++r) {
      const l7_rule& rule = vs_.rules[r];
      if (!rule.host.empty() && f.host.view() != rule.host) continue;
      if (!rule.path_prefix.empty() && (f.tls || f.path.view().substr(0, rule.path_prefix.size()) != rule.path_prefix)) continue;
      if (!rule.header.empty() && f.header.view().find(rule.header) == std::string_view::npos) continue;
      ++vs_stats_.l7_matched;
      return r + 1;
    }
    ++vs_stats_.l7_default;
    return 0;
  }

  void bind(entry& e, const packet_view& p, connection& c, sim_time t) {
    process_churn(t);
    if (active_.size() < vs_.reals.size() + 1) active_.resize(vs_.reals.size() + 1, 0);
    pool& pl = pools_[choose_pool(p, p.frame)];
    std::size_t dest = no_dest;
    // Persistence: the same (masked) client goes to the same server while the template lives.
    ip_addr masked = c.key.src;
    if (vs_.persistence > 0) {
      int bits = vs_.persistence_prefix;
      for (int i = 0; i < 16; ++i, bits -= 8) {
        if (bits >= 8) continue;
        masked.b[i] &= bits <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits));
      }
      auto pit = persist_.find(masked);
      if (pit != persist_.end() && pit->second.expires > t && pit->second.dest < vs_.reals.size() &&
          tl_[pit->second.dest].seen_up(t) && vs_.reals[pit->second.dest].weight > 0)
        dest = pit->second.dest;
    }
    if (dest == no_dest) {
      auto d = states(pl, t);
      std::vector<bool> sig;
      for (const auto& x : d) sig.push_back(!x.unusable());
      if (sig != pl.sig) { pl.sched->rebuild(d); pl.sig = sig; }
      const std::size_t k = pl.sched->pick(d, c.key.src, c.key.sport);
      if (k != no_dest) dest = pl.members[k];
    }
    if (dest == no_dest && vs_.sorry) {
      dest = vs_.reals.size();
      ++vs_stats_.to_sorry;
    }
    if (dest == no_dest) { ++vs_stats_.unscheduled; e.dest = no_dest; return; }
    if (vs_.persistence > 0 && dest < vs_.reals.size()) persist_[masked] = {dest, t + vs_.persistence};
    e.dest = dest;
    e.bound_at = t;
    auto& st = stats_[dest];
    ++st.connections;
    st.peak_concurrent = std::max<std::uint64_t>(st.peak_concurrent, ++active_[dest]);
    c.backend = dest < vs_.reals.size() ? vs_.reals[dest].name() : vs_.sorry->name();
    if (dest < vs_.reals.size() && !tl_[dest].up(t)) {
      e.to_dead = true;
      if (auto* f = tl_[dest].failure_at(t))
        if (auto* h = health_for(dest, f)) ++h->new_to_dead;
    }
  }

  void release(entry& e) {
    if (e.closed || e.dest == unbound || e.dest == no_dest) return;
    e.closed = true;
    if (active_.size() > e.dest && active_[e.dest]) --active_[e.dest];
  }

  virtual_server_spec vs_;
  std::uint64_t seed_;
  std::vector<event_ref> ev_;
  sim_time t0_ = 0;
  std::vector<health_timeline> tl_;
  std::vector<pool> pools_;
  std::vector<real_server_report> stats_;  ///< per real server, plus the sorry server last
  std::vector<std::uint64_t> active_;
  std::unordered_map<std::uint64_t, entry> conns_;
  std::map<ip_addr, persist> persist_;
  std::vector<health_event_report> health_;
  std::vector<std::pair<std::size_t, std::size_t>> health_of_;
  std::vector<churn_ev> churn_pending_;
  std::size_t churn_next_ = 0;
  std::vector<churn_report> churn_;
  virtual_server_report vs_stats_;
};

}  // namespace sessim::lb
