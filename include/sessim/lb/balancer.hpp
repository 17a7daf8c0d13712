#pragma once
/// balancer: one virtual server at run time. It binds each new connection to the VIP to a real
/// server (scheduler, persistence, L7 rules with delayed binding), keeps later packets on it,
/// knows when real servers really fail and when the health check notices, and says what the
/// packet looks like on the server side. Packets to a dead real server are dropped
/// (`backend-down`); a NAT reply that bypasses the balancer breaks the connection
/// (`asymmetric-nat`). Connection counts follow IPVS (lb/conn_state.hpp): a connection is active
/// while its entry is ESTABLISHED and inactive in any other state, until the entry expires.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "sessim/core/packet.hpp"
#include "sessim/lb/conn_state.hpp"
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

  /// A virtual server; `timeouts` are the IPVS entry timeouts of the device it sits on.
  balancer(virtual_server_spec vs, const std::vector<server_event_spec>& events, std::uint64_t seed,
           ipvs_timeouts timeouts = {})
      : vs_(std::move(vs)), seed_(seed), to_(timeouts) {
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
    active_.assign(vs_.reals.size() + 1, 0);
    inactive_.assign(vs_.reals.size() + 1, 0);
    open_.assign(vs_.reals.size() + 1, 0);
    overload_.assign(vs_.reals.size() + 1, false);
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
      e.id = c.id;
      it = conns_.emplace(c.id, e).first;
      ++vs_stats_.connections;
      if (vs_.rules.empty() || p.payload_len > 0 || !p.is_tcp()) bind(it->second, p, c, t);
    } else if (it->second.dest == unbound && dir == 0 && p.payload_len > 0) {
      bind(it->second, p, c, t);
    }
    entry& e = it->second;
    track_state(e, p, dir, c, t);
    out.rw.mode = vs_.fwd;
    out.rw.dir = dir;
    out.rw.vip = vs_.vip;
    out.rw.vport = vs_.port;
    out.rw.tun = vs_.tun_type;
    out.rw.tun_port = vs_.tun_port;
    out.rw.tun_csum = vs_.tun_csum;
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
    out.rw.overhead = vs_.encap_bytes(rs.ip);
    if (vs_.fwd == forwarding::tun && dir == 0) tunnel_size(e, p, out.rw.overhead);
    if (!e.closed && c.closed()) release(e);
    return out;
  }

  /**
   * A reply of a connection to this virtual server whose path does not cross the balancer's
   * device. In `nat` mode the client gets it from the real server's address, not the VIP: its
   * stack has no socket for that source and answers with RST, while its own connection to the
   * VIP is never answered — a break (`asymmetric-nat`). dr/tun replies bypass by design: pass.
   */
  lb_outcome on_bypass(const packet_view& p, const connection& c, sim_time /*t*/) {
    lb_outcome out;
    if (vs_.fwd != forwarding::nat) return out;
    auto it = conns_.find(c.id);
    if (it == conns_.end() || it->second.dest == unbound || it->second.dest == no_dest) return out;
    entry& e = it->second;
    const real_server_spec& rs = e.dest == vs_.reals.size() ? *vs_.sorry : vs_.reals[e.dest];
    ++vs_stats_.nat_bypass_packets;
    if (!e.bypassed) {
      e.bypassed = true;
      ++vs_stats_.nat_bypass_connections;
      if (vs_stats_.nat_bypass_frames.size() < 8) vs_stats_.nat_bypass_frames.push_back(p.frame);
    }
    out.k = lb_outcome::kind::drop;
    out.hint = fmt::format("the reply bypassed {} and reached the client from {}, not the VIP {}: the client answers it "
                           "with RST and its connection to the VIP is never answered; route the real servers' replies "
                           "via {} (their default gateway), or use forwarding dr/tun, or SNAT the requests (full-NAT)",
                           vs_.device, rs.name(), flow_key::endpoint_str(vs_.vip, vs_.port), vs_.device);
    return out;
  }

  /// The connection ended (or the trace did).
  void on_connection_end(const connection& c) {
    auto it = conns_.find(c.id);
    if (it == conns_.end()) return;
    release(it->second);
    uncount(it->second);
    conns_.erase(it);
  }

  /// IPVS's counters of a real server now (index into the spec's reals; the sorry server last):
  /// active and inactive connections, after expiring the entries due by `t`.
  std::pair<std::uint32_t, std::uint32_t> conns_of(std::size_t real, sim_time t) {
    expire_until(t);
    return {static_cast<std::uint32_t>(active_[real]), static_cast<std::uint32_t>(inactive_[real])};
  }

  /// The report (flushes churn up to `end`).
  virtual_server_report report(sim_time end) {
    process_churn(end);
    virtual_server_report r = vs_stats_;
    r.name = vs_.name;
    r.device = vs_.device;
    r.scheduler = std::string(pools_[0].sched->name());
    r.forwarding = forwarding_name(vs_.fwd);
    r.tun_overhead = 0;
    if (vs_.fwd == forwarding::tun) {
      r.tun_type = tunnel_type_name(vs_.tun_type);
      for (const auto& x : vs_.reals) r.tun_overhead = std::max(r.tun_overhead, vs_.encap_bytes(x.ip));
    }
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
    bool bypassed = false;    ///< a NAT reply bypassed the balancer
    bool mtu_hit = false;     ///< a packet exceeded the MTU after encapsulation
    ipvs_state st = ipvs_state::none;
    bool output_seen = false; ///< a reply crossed the balancer (clears IPVS's NOOUTPUT)
    bool in_counts = false;   ///< counted as active or inactive (bound, not expired)
    bool expired = false;     ///< the IPVS entry expired (or the connection ended): never counted again
    std::uint64_t id = 0;     ///< the connection's id
    bool active = false;      ///< counted as active (else inactive)
    sim_time expires = 0;     ///< when the IPVS entry expires (last packet + its state's timeout)
    sim_time queued_at = -1;  ///< time of its earliest item in the expiry heap (-1: none)
  };
  struct expiry { sim_time at; std::uint64_t id; bool operator>(const expiry& o) const { return at != o.at ? at > o.at : id > o.id; } };
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
      s.active = static_cast<std::uint32_t>(active_[i]);
      s.inactive = static_cast<std::uint32_t>(inactive_[i]);
      s.available = avail ? (*avail)[i] : tl_[i].seen_up(t);
      s.overloaded = overload_[i];
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
    expire_until(t);
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
    st.peak_concurrent = std::max<std::uint64_t>(st.peak_concurrent, ++open_[dest]);
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
    if (open_[e.dest]) --open_[e.dest];
  }

  /// IPVS's per-packet state transition (set_tcp_state) and the entry's counters and timer.
  void track_state(entry& e, const packet_view& p, int dir, const connection& c, sim_time t) {
    if (e.in_counts && e.expires <= t) uncount(e);  // expired before this packet: not counted again
    const bool fresh = e.st == ipvs_state::none && !e.expired;
    if (!p.is_tcp()) {
      e.st = ipvs_state::udp;
    } else if (p.l4_header) {
      ipvs_dir d = dir == 1 ? ipvs_dir::output : ipvs_dir::input;
      if (dir == 1) e.output_seen = true;
      else if (vs_.fwd != forwarding::nat && !e.output_seen) d = ipvs_dir::input_only;
      // A connection already open when the capture started is taken as ESTABLISHED.
      e.st = fresh && c.warm ? ipvs_state::established : ipvs_next_state(e.st, d, p.flags);
    }
    e.expires = t + to_.of(e.st);
    if (e.dest != unbound && e.dest != no_dest && !e.expired) {
      if (!e.in_counts) {
        e.in_counts = true;
        e.active = e.st == ipvs_state::established;
        ++(e.active ? active_ : inactive_)[e.dest];
        // ip_vs_bind_dest: overloaded once active + inactive reach the upper threshold
        const std::uint32_t u = threshold(e.dest);
        if (u && active_[e.dest] + inactive_[e.dest] >= u) overload_[e.dest] = true;
      } else if (e.active != (e.st == ipvs_state::established)) {
        --(e.active ? active_ : inactive_)[e.dest];
        e.active = !e.active;
        ++(e.active ? active_ : inactive_)[e.dest];
      }
      stats_[e.dest].peak_active = std::max(stats_[e.dest].peak_active, active_[e.dest]);
      stats_[e.dest].peak_inactive = std::max(stats_[e.dest].peak_inactive, inactive_[e.dest]);
      // One heap item per entry, re-queued lazily when it pops early; a new item only when the
      // expiry moves earlier (a state with a shorter timeout), so the heap stays O(open entries).
      if (e.queued_at < 0 || e.expires < e.queued_at) {
        heap_.push({e.expires, e.id});
        e.queued_at = e.expires;
      }
    }
  }

  std::uint32_t threshold(std::size_t dest) const {
    return dest < vs_.reals.size() ? vs_.reals[dest].max_conns : vs_.sorry ? vs_.sorry->max_conns : 0;
  }

  /// The entry leaves the counters (it expired, or its connection ended): ip_vs_unbind_dest.
  void uncount(entry& e) {
    if (!e.in_counts) return;
    e.in_counts = false;
    e.expired = true;
    auto& n = e.active ? active_ : inactive_;
    if (n[e.dest]) --n[e.dest];
    // The overload flag clears below 3/4 of the upper threshold (l_threshold 0).
    const std::uint32_t u = threshold(e.dest);
    if (overload_[e.dest] && (!u || (active_[e.dest] + inactive_[e.dest]) * 4 < std::uint64_t{u} * 3)) overload_[e.dest] = false;
  }

  /// Expires the IPVS entries whose timer ran out at or before t.
  void expire_until(sim_time t) {
    while (!heap_.empty() && heap_.top().at <= t) {
      const expiry x = heap_.top();
      heap_.pop();
      auto it = conns_.find(x.id);
      if (it == conns_.end()) continue;
      entry& e = it->second;
      if (!e.in_counts || x.at != e.queued_at) continue;  // gone, or a stale later item
      if (e.expires > x.at) {                              // refreshed since: queue again
        heap_.push({e.expires, e.id});
        e.queued_at = e.expires;
        continue;
      }
      e.queued_at = -1;
      uncount(e);
    }
  }

  /// tun: the encapsulated size against the MTU; DF (or IPv6) means dropped with ICMP
  /// "fragmentation needed" / "packet too big", else the outer packet is fragmented.
  void tunnel_size(entry& e, const packet_view& p, std::uint32_t overhead) {
    vs_stats_.tun_bytes += overhead;
    const std::uint32_t sz = p.ip_len + overhead;
    vs_stats_.tun_largest = std::max(vs_stats_.tun_largest, sz);
    if (sz <= vs_.mtu) return;
    ++vs_stats_.tun_over_mtu;
    if (p.df || p.key.src.v6) {
      ++vs_stats_.tun_df_dropped;
      if (vs_stats_.tun_df_frames.size() < 8) vs_stats_.tun_df_frames.push_back(p.frame);
    } else {
      ++vs_stats_.tun_fragmented;
    }
    vs_stats_.tun_icmp_mtu = vs_.mtu > overhead ? vs_.mtu - overhead : 0;
    if (!e.mtu_hit) { e.mtu_hit = true; ++vs_stats_.tun_mtu_connections; }
  }

  virtual_server_spec vs_;
  std::uint64_t seed_;
  std::vector<event_ref> ev_;
  sim_time t0_ = 0;
  std::vector<health_timeline> tl_;
  std::vector<pool> pools_;
  std::vector<real_server_report> stats_;  ///< per real server, plus the sorry server last
  std::vector<std::uint64_t> active_, inactive_;  ///< IPVS activeconns / inactconns per real server
  std::vector<std::uint64_t> open_;                ///< bound and not closed (peak concurrency)
  std::vector<bool> overload_;                     ///< IP_VS_DEST_F_OVERLOAD per real server
  ipvs_timeouts to_;
  std::priority_queue<expiry, std::vector<expiry>, std::greater<expiry>> heap_;
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
