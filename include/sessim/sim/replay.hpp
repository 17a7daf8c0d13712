#pragma once
/// replay: the discrete-event run of a trace through a topology. Frames arrive in trace order;
/// each is assigned a path (by direction, prefixes, ports or ECMP hash) and arrives at the path's
/// devices at its capture time plus the path's offset. Everything that happens later — delayed
/// arrivals, sync messages, redirected packets, device failures, RSTs on expiry — is an event in
/// one queue ordered by (time, insertion). Before anything happens at time t every device expires
/// the sessions whose deadline is at or before t (a packet at exactly last_refresh + timeout finds
/// its session gone). Results stream to a replay_sink: per-frame verdicts, injected RSTs, and
/// each connection when it ends.
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "sessim/core/assert.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/lb/balancer.hpp"
#include "sessim/report/connection_log.hpp"
#include "sessim/report/summary.hpp"
#include "sessim/sim/event_queue.hpp"
#include "sessim/core/frag_queue.hpp"
#include "sessim/sim/topology.hpp"

namespace sessim {

/// Receives what a replay produces, as it happens.
class replay_sink {
 public:
  virtual ~replay_sink() = default;
  /// A device's verdict on a frame (non-IP frames: verdict forward, reason = skip reason).
  virtual void on_verdict(const packet_view& /*p*/, std::string_view /*device*/, verdict /*v*/,
                          std::string_view /*reason*/) {}
  /// The frame got through every device on its path (at time `t`).
  virtual void on_delivered(const packet_view& /*p*/) {}
  /// A device sent a RST (expiry) at time t.
  virtual void on_injected(sim_time /*t*/, std::string_view /*device*/, const injected_rst& /*r*/,
                           bool /*v6*/) {}
  /// The replay holds this frame (an IP fragment waiting for the rest of its datagram); its
  /// verdict and delivery come later, when a later frame is current.
  virtual void on_held(const packet_view& /*p*/) {}
  /// A load balancer rewrote the frame about to be delivered (server-side view, lb/forwarding.hpp).
  virtual void on_rewrite(const packet_view& /*p*/, const lb::rewrite& /*r*/) {}
  /// A connection ended (or the trace did); called once per connection.
  virtual void on_connection(const connection& /*c*/) {}
  /// A sync message reached `device` (up) at time t and was applied: `snap`'s session was offered
  /// to its table (installed, or its copy updated; an expired or reversed copy is ignored by the
  /// device), or deleted when `remove`.
  virtual void on_sync(sim_time /*t*/, std::string_view /*device*/, const session_snapshot& /*snap*/,
                       bool /*remove*/) {}
};

/** Optional observer of the devices' work, for one-pass analyses (the idle-timeout sweep,
 *  include/sessim/sim/idle_sweep.hpp). Unlike a replay_sink it sees the device itself. A replay
 *  without one (the default) pays one null test per decision. */
class replay_observer {
 public:
  virtual ~replay_observer() = default;
  /// Device `i` decided on `p` (of connection `c`) at time `t`; called after the device's own
  /// work and before the connection log records the decision (so `c` is as before it).
  /// Header-less fragments come here too (`p.l4_header` false: the device was not asked).
  virtual void on_decision(std::size_t /*i*/, const packet_view& /*p*/, const connection& /*c*/,
                           const decision& /*d*/, sim_time /*t*/, session_device& /*dev*/) {}
  /// A session of device `i` ended (before the connection log hears of it).
  virtual void on_session_end(std::size_t /*i*/, const session_end& /*e*/) {}
  /// Read-ahead (replay::run with read_ahead): a packet of connection `c` comes a few frames
  /// later; fetch what on_decision will need for it.
  virtual void prefetch(const connection& /*c*/) noexcept {}
};

/// Replay settings.
struct replay_options {
  connection_log_options log;
  bool read_ahead = false;  ///< run(): read frames ahead and prefetch their table entries
  replay_observer* observer = nullptr;  ///< not owned; null: none
  /// The caller flushes the connection log's idle connections (flush_at()) instead of each
  /// arrival: for a replay that is pushed some flows' frames only (idle_resim(), idle_sweep.hpp)
  bool external_flush = false;
};

/** A replay of one trace through a topology. Use run(source, sink), or begin(sink), push()
 *  every frame, finish() — the push form lets several replays share one pass over a trace. */
class replay {
 public:
  /// A replay of `topo`.
  replay(topology topo, replay_options opt) : topo_(std::move(topo)), opt_(opt), rng_(topo_.seed) {
    std::vector<std::string> names;
    std::vector<device_config> cfgs;
    for (auto& d : topo_.devices) {
      names.push_back(d.name);
      cfgs.push_back(d.config);
      devices_.push_back(std::make_unique<session_device>(d.name, d.config));
    }
    names_ = names;
    up_.assign(devices_.size(), true);
    ever_down_.assign(devices_.size(), false);
    sync_stats_.resize(devices_.size());
    group_of_.assign(devices_.size(), npos);
    for (std::size_t g = 0; g < topo_.groups.size(); ++g)
      for (std::size_t m : topo_.groups[g].members) group_of_[m] = g;
    pf_batches_.resize(devices_.size());
    min_offset_ = 0;
    simple_ = topo_.groups.empty() && topo_.events.empty() && topo_.redirect.method == redirect_method::none;
    for (std::size_t i = 0; i < topo_.paths.size(); ++i) {
      if (i == 0 || topo_.paths[i].offset < min_offset_) min_offset_ = topo_.paths[i].offset;
      if (topo_.paths[i].offset != 0) simple_ = false;
    }
    if (topo_.lb) {  // virtual servers on their devices
      lb_.resize(devices_.size());
      for (const auto& vs : topo_.lb->servers)
        if (auto di = topo_.device_index(vs.device))
          lb_[*di].push_back(std::make_unique<lb::balancer>(vs, topo_.lb->events, topo_.seed,
                                                            lb::ipvs_timeouts::from(topo_.devices[*di].config)));
    }
    single_ = devices_.size() == 1 && simple_ && topo_.paths.empty() && !topo_.lb && !opt_.observer;
    log_ = std::make_unique<connection_log>(std::move(names), std::move(cfgs), opt.log,
                                            [this](const connection& c) { emit(c); });
  }

  /// A replay of devices in series (every packet crosses every device).
  replay(std::vector<device_spec> devices, replay_options opt)
      : replay(topology{std::move(devices), {}, {}, {}, {}, 1, {}}, opt) {}

  /// Runs every frame of `src` (src.next(packet_view&, skip_reason&) → bool) into `sink`.
  /// With `opt.read_ahead`, frames are read ahead of the replay and the table entries they
  /// will need are prefetched (the sink must not look at the source's current raw frame).
  template <class Source>
  run_summary run(Source& src, replay_sink& sink) {
    // A decoder that reassembles (trace_reader) forgets a datagram when this replay does. A source
    // already reading on its own thread (threaded_source) is set by whoever made it.
    if constexpr (requires { src.set_frag_timeout(sim_time{}); }) src.set_frag_timeout(frag_timeout(false));
    begin(sink);
    if (opt_.read_ahead) return run_read_ahead(src);
    packet_view p;
    skip_reason why = skip_reason::none;
    while (src.next(p, why)) push(p, why);
    return finish();
  }

  /// Read-ahead hint, step 1: fetches the log's bucket for hash_bidir(tracking_key(p)) = h.
  void prefetch_buckets_hashed(std::size_t h) noexcept { log_->prefetch_bucket(h); }
  /// Read-ahead hint, step 2 (some packets later): fetches the connection record.
  void prefetch_entries(std::size_t h) noexcept { log_->prefetch_entry(h); }
  /// Read-ahead hint, step 3 (later again): fetches the devices' sessions through the
  /// connection's hints, and the device buckets of a packet whose connection has none.
  const connection* prefetch_sessions(const packet_view& p, std::size_t h) noexcept {
    const connection* c = log_->peek(tracking_key(p), h);
    if (c && opt_.observer) opt_.observer->prefetch(*c);
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      if (c && c->dev[i].hint) {
        const char* e = reinterpret_cast<const char*>(c->dev[i].hint);
        __builtin_prefetch(e);
        __builtin_prefetch(e + 64);
      } else {
        devices_[i]->prefetch_bucket(h);
      }
    }
    return c;
  }

  /// Read-ahead hint, step 4: the first session in the device buckets step 3 fetched, for a
  /// packet whose connection had no hint there. `c`: what step 3 found (pooled, so still
  /// readable; if it was handed out since, its hints are not looked at).
  void prefetch_unhinted(const connection* c, std::size_t h) noexcept {
    const bool hints = c && c->live_;
    for (std::size_t i = 0; i < devices_.size(); ++i)
      if (!hints || !c->dev[i].hint) devices_[i]->prefetch_entry(h);
  }

  /// Starts a run that reports to `sink`.
  void begin(replay_sink& sink) {
    sink_ = &sink;
    summary_ = run_summary{};
    first_ = true;
  }

  /// Feeds the next frame of the trace (frames must come in trace order).
  void push(const packet_view& p, skip_reason why) { push_impl(p, why, connection_log::no_hash); }

  /** For a replay pushed only some flows' frames (replay_options::external_flush): the trace
   *  starts at `t` (its first frame's time, which this replay may not be pushed). Before any push. */
  void start_at(sim_time t) {
    if (!first_) return;
    first_ = false;
    start(t);
  }
  /** With external_flush: what a full replay does at an arrival at `t` before its packet when
   *  `t` is a second or more after the last flush — due events and expiries, then the connection
   *  log's idle flush. Called for every such arrival of the full trace, in order. */
  void flush_at(sim_time t) {
    run_until(t + min_offset_, false);
    advance(t + min_offset_);
    log_->flush_idle(t);
    last_flush_ = t;
    if (t > summary_.last_ts) summary_.last_ts = t;
  }
  /// The time of the trace's last frame, when it was not pushed (before finish()).
  void note_time(sim_time t) {
    if (t > summary_.last_ts) summary_.last_ts = t;
  }

 private:
  /// push(), with `h` = hash_bidir(tracking_key(p)) when the caller computed it already
  /// (read-ahead), else connection_log::no_hash.
  void push_impl(const packet_view& p, skip_reason why, std::size_t h) {
    ++summary_.frames;
    if (first_) {
      first_ = false;
      start(p.ts);
    }
    summary_.last_ts = p.ts;
    if (p.truncated) ++summary_.truncated;
    expire_held_fragments(p.ts);
    if (p.fragment && (why == skip_reason::none || why == skip_reason::ip_fragment)) {
      // nf_defrag: the devices only see whole datagrams. Every fragment is held until its
      // datagram is complete, then judged with it (or dropped after the reassembly timeout).
      run_until(p.ts, true);
      hold_fragment(p);
      return;
    }
    if (why != skip_reason::none) {
      run_until(p.ts, true);
      skipped(p, why);
      return;
    }
    ++summary_.parsed;
    arrive(p, p.ts, h);
  }

  /// The trace's first frame is at `t`.
  void start(sim_time t) {
    trace_start_ = last_flush_ = t;
    summary_.first_ts = t;
    for (const auto& e : topo_.events) events_.schedule(t + e.at, sim_event{ev_device{e.device, e.up}});
    schedule_alarms(t);
    for (auto& v : lb_)
      for (auto& b : v) b->begin(t);
  }

 public:

  /// Ends the run: remaining events, then every connection; returns the totals.
  run_summary finish() {
    run_until(std::numeric_limits<sim_time>::max() - 1, true, summary_.last_ts);
    expire_held_fragments(std::numeric_limits<sim_time>::max());
    log_->finish_all();
    summary_.connections = log_->connections();
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      auto& d = devices_[i];
      device_summary ds;
      ds.name = d->name();
      ds.preset = d->config().preset;
      ds.stats = d->stats();
      ds.peak_sessions = d->peak_sessions();
      ds.sessions_at_end = d->sessions();
      ds.sync = sync_stats_[i];
      if (ds.peak_sessions > summary_.peak_sessions) summary_.peak_sessions = ds.peak_sessions;
      summary_.rsts_injected += ds.stats.rst_injected;
      summary_.devices.push_back(std::move(ds));
    }
    if (!lb_.empty()) {
      auto rep = std::make_shared<lb::lb_report>();
      for (auto& v : lb_)
        for (auto& b : v) rep->servers.push_back(b->report(summary_.last_ts));
      summary_.lb = std::move(rep);
    }
    sink_ = nullptr;
    return summary_;
  }

  /// The devices, in topology order.
  const std::vector<std::unique_ptr<session_device>>& devices() const { return devices_; }
  /// The topology being replayed.
  const topology& topo() const { return topo_; }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Reads the next frame into read-ahead slot s with its hash (s.h, meaningful when s.why is
  /// none): in place when the source keeps its frames (threaded_source), hashed by the source
  /// when it can, else here.
  template <class Source, class Slot>
  static bool read_hashed(Source& src, Slot& s) {
    if constexpr (requires { src.next_ref(s.p, s.why, s.h); }) {
      return src.next_ref(s.p, s.why, s.h);
    } else if constexpr (requires { src.next(s.own, s.why, s.h); }) {
      return src.next(s.own, s.why, s.h);
    } else {
      if (!src.next(s.own, s.why)) return false;
      if (s.why == skip_reason::none) s.h = tracking_hash(s.own);
      return true;
    }
  }

  /// run() with a window of frames read ahead: frame i is pushed after frame i + 4D was read;
  /// its connection log bucket was prefetched when it was read, its connection record D frames
  /// later, its sessions (through the record's hints; else the device buckets) 2D frames later,
  /// and the sessions in those buckets 3D frames later.
  template <class Source>
  run_summary run_read_ahead(Source& src) {
    constexpr std::size_t D = 6, W = 4 * D;
    struct slot {
      packet_view own;                  ///< the frame, when the source copies it out
      const packet_view* p = &own;      ///< the frame (in the source's ring with next_ref)
      skip_reason why = skip_reason::none;
      std::size_t h = connection_log::no_hash;
      const connection* c = nullptr;  ///< its connection as step 3 found it (step 4 looks at its hints)
    };
    if constexpr (requires { Source::retain; })
      static_assert(W <= Source::retain, "the window must fit in what the source keeps");
    std::vector<slot> ring(W);
    for (auto& s : ring) s.p = &s.own;
    std::size_t n = 0;  // frames read
    for (;;) {
      slot& s = ring[n % W];
      if (n >= W) push_impl(*s.p, s.why, s.h);  // frame n - W leaves the window
      if (!read_hashed(src, s)) break;
      if (s.why == skip_reason::none) prefetch_buckets_hashed(s.h);
      else s.h = connection_log::no_hash;
      if (n >= D && ring[(n - D) % W].why == skip_reason::none) prefetch_entries(ring[(n - D) % W].h);
      if (n >= 2 * D) {
        slot& x = ring[(n - 2 * D) % W];
        x.c = x.why == skip_reason::none ? prefetch_sessions(*x.p, x.h) : nullptr;
      }
      if (n >= 3 * D && ring[(n - 3 * D) % W].why == skip_reason::none)
        prefetch_unhinted(ring[(n - 3 * D) % W].c, ring[(n - 3 * D) % W].h);
      ++n;
    }
    for (std::size_t i = n >= W ? n - W + 1 : 0; i < n; ++i) push_impl(*ring[i % W].p, ring[i % W].why, ring[i % W].h);
    return finish();
  }

  // ---- events -------------------------------------------------------------------------------
  /// The devices a packet crosses (inline: no allocation per packet on short paths).
  using route_type = boost::container::small_vector<std::size_t, 4>;
  /// A packet on its way through the topology. `p` is the frame being pushed while it is
  /// processed at once; an arrival that waits in the event queue (a path offset, a redirect)
  /// owns a copy (`own`), so the common path does not copy the packet.
  struct arrival {
    const packet_view* p = nullptr;
    std::shared_ptr<const packet_view> own;  ///< set when the arrival is queued
    conn_ref c;
    int dir = 0;
    std::size_t path = npos;
    std::size_t hop = 0;                  ///< next position on the path
    route_type route;                     ///< resolved devices (filled on first processing)
    sim_time extra = 0;                   ///< latency added so far (redirects)
  };
  struct ev_sync {
    std::size_t group, from, to;
    session_snapshot snap;
    bool remove = false;
    sim_time sent = 0;
    std::uint32_t attempt = 0;
  };
  struct ev_device {
    std::size_t device;
    bool up;
  };
  struct ev_rst {
    std::size_t device;
    injected_rst rst;
    bool v6;
  };
  struct ev_pf_flush {
    std::size_t from;
    std::uint64_t generation;
  };
  struct ev_alarm {
    std::size_t group;
  };
  using sim_event = std::variant<arrival, ev_sync, ev_device, ev_rst, ev_pf_flush, ev_alarm>;

  /// Runs events up to `until` (inclusive or not); expiries first at each event time.
  void run_until(sim_time until, bool inclusive, sim_time expire_to = -1) {
    for (;;) {
      sim_time t = events_.next_time(std::numeric_limits<sim_time>::max());
      if (t == std::numeric_limits<sim_time>::max() || t > until || (!inclusive && t == until)) break;
      auto [when, ev] = events_.pop();
      advance(when);
      std::visit([&](auto& e) { handle(e, when); }, ev);
    }
    if (expire_to >= 0) advance(expire_to);
  }

  void advance(sim_time now) {
    if (now <= advanced_to_) return;
    advanced_to_ = now;
    for (std::size_t i = 0; i < devices_.size(); ++i)
      devices_[i]->expire_until(now, [&](const session_end& e) { on_end(i, e); });
  }

  void handle(arrival& a, sim_time t) { process(a, t); }

  void handle(ev_rst& e, sim_time t) { sink_->on_injected(t, names_[e.device], e.rst, e.v6); }

  void handle(ev_device& e, sim_time) {
    if (!e.up) {
      if (!up_[e.device]) return;
      up_[e.device] = false;
      ever_down_[e.device] = true;
      ++sync_stats_[e.device].down_events;
      sync_stats_[e.device].sessions_lost_down += devices_[e.device]->clear();
      pf_batches_[e.device].items.clear();  // queued updates die with the device
      ++pf_batches_[e.device].generation;
      return;
    }
    if (up_[e.device]) return;
    up_[e.device] = true;
    // Back with an empty table; peers in its sync group send their sessions (bulk resync).
    const std::size_t g = group_of_[e.device];
    if (g == npos) return;
    const sync_spec& grp = topo_.groups[g];
    const sim_time now = advanced_to_;
    for (std::size_t peer : grp.members) {
      if (peer == e.device || !up_[peer]) continue;
      sim_time at = now;
      for (const auto& snap : devices_[peer]->snapshot_all()) {
        at += transmit_time(grp);
        send_one(g, peer, e.device, snap, false, now, at - now);
      }
    }
  }

  void handle(ev_sync& m, sim_time t) {
    auto& pend = pending_[m.to];
    auto it = pend.find(m.snap.orig);
    if (it != pend.end() && it->second.arrival <= t) pend.erase(it);
    if (!up_[m.to]) return;
    ++sync_stats_[m.to].sync_received;
    if (m.remove) {
      devices_[m.to]->remove(m.snap.orig);
      sink_->on_sync(t, names_[m.to], m.snap, true);
      return;
    }
    devices_[m.to]->install(m.snap, t, [&](const session_end& e) { on_end(m.to, e); });
    sink_->on_sync(t, names_[m.to], m.snap, false);
  }

  void handle(ev_pf_flush& f, sim_time t) {
    auto& b = pf_batches_[f.from];
    if (b.generation != f.generation || b.items.empty() || !up_[f.from]) return;
    flush_pfsync(f.from, t);
  }

  void handle(ev_alarm& a, sim_time t) {
    const sync_spec& grp = topo_.groups[a.group];
    for (std::size_t m : grp.members) {
      if (!up_[m]) continue;
      for (const auto& snap : devices_[m]->snapshot_all()) send_to_peers(a.group, m, snap, false, t);
    }
    // Keep refreshing while the trace goes on; the first tick after its last frame is the last.
    if (t <= summary_.last_ts) events_.schedule(t + grp.refresh, sim_event{ev_alarm{a.group}});
  }

  void schedule_alarms(sim_time start) {
    for (std::size_t g = 0; g < topo_.groups.size(); ++g)
      if (topo_.groups[g].mode == sync_mode::alarm && topo_.groups[g].refresh > 0)
        events_.schedule(start + topo_.groups[g].refresh, sim_event{ev_alarm{g}});
  }

  // ---- paths ---------------------------------------------------------------------------------
  static bool in_range(const std::optional<std::pair<std::uint16_t, std::uint16_t>>& r, std::uint16_t v) {
    return !r || (v >= r->first && v <= r->second);
  }
  static bool in_any(const std::vector<ip_prefix>& v, const ip_addr& a) {
    if (v.empty()) return true;
    for (const auto& p : v)
      if (p.contains(a)) return true;
    return false;
  }

  std::size_t choose_path(const packet_view& p, int dir) const {
    for (std::size_t i = 0; i < topo_.paths.size(); ++i) {
      const path_match& m = topo_.paths[i].match;
      if (m.direction == path_direction::client_to_server && dir != 0) continue;
      if (m.direction == path_direction::server_to_client && dir != 1) continue;
      if (m.proto && *m.proto != p.key.proto) continue;
      if (!in_any(m.src, p.key.src) || !in_any(m.dst, p.key.dst)) continue;
      if (!in_range(m.sport, p.key.sport) || !in_range(m.dport, p.key.dport)) continue;
      return i;
    }
    return npos;
  }

  /// The devices a packet crosses now: the path's (or ECMP choice), with failed ones replaced.
  route_type resolve(const arrival& a) {
    route_type route;
    if (a.path == npos) {
      route.reserve(devices_.size());
      for (std::size_t i = 0; i < devices_.size(); ++i) route.push_back(i);
    } else {
      const path_spec& ps = topo_.paths[a.path];
      if (ps.ecmp != ecmp_mode::none && !ps.ecmp_devices.empty()) {
        std::uint64_t h = ps.ecmp == ecmp_mode::per_flow ? hash_key(a.p->key) : a.p->frame * 0x9e3779b97f4a7c15ULL;
        h ^= topo_.seed * 0xc2b2ae3d27d4eb4fULL;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 32;
        // Hash over the members that are up (ECMP removes a failed next hop).
        boost::container::small_vector<std::size_t, 8> alive;
        for (std::size_t d : ps.ecmp_devices)
          if (up_[d]) alive.push_back(d);
        if (!alive.empty()) route.push_back(alive[h % alive.size()]);
        else route.push_back(ps.ecmp_devices[h % ps.ecmp_devices.size()]);
      } else {
        route.assign(ps.devices.begin(), ps.devices.end());
      }
      for (auto& d : route) {
        if (up_[d]) continue;
        for (std::size_t b : ps.backup)
          if (up_[b]) { d = b; break; }
      }
    }
    return route;
  }

  // ---- packets -------------------------------------------------------------------------------
  /// Packet p reaches the topology at time `at` (its capture time, or when its datagram completed).
  void arrive(const packet_view& p, sim_time at, std::size_t h = connection_log::no_hash) {
    if (single_) {
      arrive_single(p, at, h);
      return;
    }
    int dir = 0;
    const sim_time bound = at + min_offset_;
    run_until(bound, false);  // everything strictly before any arrival of this or a later frame
    advance(bound);           // and the expiries due by then
    if (!opt_.external_flush && at - last_flush_ >= seconds(1)) {
      log_->flush_idle(at);
      last_flush_ = at;
    }
    conn_ref c = log_->on_packet_ref(p, trace_start_, dir, h);
    const std::size_t path = choose_path(p, dir);
    const sim_time offset = path == npos ? 0 : topo_.paths[path].offset;
    arrival a{&p, {}, std::move(c), dir, path, 0, {}, 0};
    if (simple_ || offset == min_offset_) {
      run_until(at + offset, true);  // events already due at the arrival time go first
      process(a, at + offset);
    } else {
      keep(a);
      events_.schedule(at + offset, sim_event{std::move(a)});
    }
  }

  /** arrive() + process_route() for a topology of one device on the default path, with no
   *  balancer, sync group, redirect, scheduled device event or observer (single_): the same
   *  steps in the same order, without the arrival record, route resolution and per-hop checks
   *  that only a larger topology needs. No packet waits in the event queue here, so the
   *  connection record is used without a counted reference: nothing hands it out before the
   *  next call into the log. */
  void arrive_single(const packet_view& p, sim_time at, std::size_t h) {
    if (!events_.empty()) run_until(at, false);
    advance(at);
    if (!opt_.external_flush && at - last_flush_ >= seconds(1)) {
      log_->flush_idle(at);
      last_flush_ = at;
    }
    int dir = 0;
    connection& c = log_->on_packet_raw(p, trace_start_, dir, h);
    if (!events_.empty()) run_until(at, true);  // events already due at the arrival time go first
    const decision d = device_decides(0, p, c, at);
    if (d.v != verdict::forward) [[unlikely]] {
      log_->on_decision(c, 0, p, dir, d, explain_drop(c, p, 0, at, d));
      sink_->on_verdict(p, names_[0], d.v, reason_name(d.why));
      ++summary_.frames_dropped;
      return;
    }
    log_->on_decision(c, 0, p, dir, d);
    sink_->on_verdict(p, names_[0], d.v, reason_name(d.why));
    sink_->on_delivered(p);
  }

  /// Device i's decision on packet p of connection c at time t: a non-first fragment follows its
  /// datagram's first one (the device's last verdict for the connection).
  decision device_decides(std::size_t i, const packet_view& p, connection& c, sim_time t) {
    if (!p.l4_header) {
      decision d;
      d.v = c.dev[i].last;
      d.why = reason::fragment;
      return d;
    }
    const bool warm = c.warm && !c.dev[i].had_session;
    return devices_[i]->process(p, t, warm, [&](const session_end& e) { on_end(i, e); }, &c.dev[i].hint);
  }

  /// An arrival about to wait in the event queue gets its own copy of the packet.
  static void keep(arrival& a) {
    if (a.own) return;
    a.own = std::make_shared<const packet_view>(*a.p);
    a.p = a.own.get();
  }

  void skipped(const packet_view& p, skip_reason why) {
    ++summary_.skipped[static_cast<std::size_t>(why)];
    // A malformed IP/L4 header, or a fragment whose datagram can never be reassembled, is dropped
    // by the first device's IP layer; other frames are not seen by the devices.
    const bool dropped = why == skip_reason::bad_ip || why == skip_reason::bad_l4 || why == skip_reason::ip_fragment;
    if (dropped) {
      if (!names_.empty()) sink_->on_verdict(p, names_[0], verdict::drop, skip_reason_name(why));
      ++summary_.frames_dropped;
      return;
    }
    for (const auto& n : names_) sink_->on_verdict(p, n, verdict::forward, skip_reason_name(why));
    sink_->on_delivered(p);
  }

  void process(arrival& a, sim_time t) {
    advance(t);
    process_route(a, t);
  }

  void process_route(arrival& a, sim_time t) {
    connection& c = *a.c;
    lb::rewrite rw;
    if (a.hop == 0 && a.route.empty()) {
      a.route = resolve(a);
      if (a.dir == 1 && !lb_.empty() && !lb_bypass(a, t)) return;  // a NAT reply that skips its balancer
    }
    const packet_view& p = *a.p;
    while (a.hop < a.route.size()) {
      const std::size_t i = a.route[a.hop];
      if (!up_[i]) {
        // Every device that could carry it is down.
        decision d;
        d.v = verdict::drop;
        d.why = reason::no_session;
        break_context ctx;
        ctx.cause = c.dev[i].had_session ? break_cause::failover : break_cause::owner_unreachable;
        log_->on_decision(c, i, p, a.dir, d, ctx);
        sink_->on_verdict(p, names_[i], verdict::drop, "device-down");
        ++summary_.frames_dropped;
        return;
      }
      if (redirect_applies(i)) {
        std::size_t owner = owner_for(i, p);
        if (owner != npos && owner != i && up_[owner]) {
          redirect(a, i, owner, t);
          return;
        }
      }
      if (i < lb_.size() && !lb_[i].empty() && !lb_packet(a, i, t, rw)) return;
      if (p.l4_header && group_of_[i] != npos) apply_defer(a, i, t);
      const decision d = device_decides(i, p, c, t);
      if (opt_.observer) opt_.observer->on_decision(i, p, c, d, t, *devices_[i]);
      break_context ctx;
      if (d.v != verdict::forward) ctx = explain_drop(c, p, i, t, d);
      log_->on_decision(c, i, p, a.dir, d, ctx);
      sink_->on_verdict(p, names_[i], d.v, reason_name(d.why));
      if (d.tracked && group_of_[i] != npos) after_tracked(i, p, c, d, t);
      if (d.v != verdict::forward) {
        ++summary_.frames_dropped;
        return;
      }
      ++a.hop;
    }
    if (rw.vport) sink_->on_rewrite(p, rw);
    sink_->on_delivered(p);
  }

  /// The balancers on device i see the packet: false when one dropped it (backend-down).
  bool lb_packet(arrival& a, std::size_t i, sim_time t, lb::rewrite& rw) {
    connection& c = *a.c;
    for (auto& b : lb_[i]) {
      if (!b->matches(c)) continue;
      lb::lb_outcome o = b->on_packet(*a.p, a.dir, c, t);
      if (o.k == lb::lb_outcome::kind::forward) rw = o.rw;
      if (o.k != lb::lb_outcome::kind::drop) return true;
      decision d;
      d.v = verdict::drop;
      d.why = reason::no_session;
      break_context ctx;
      ctx.cause = break_cause::backend_down;
      const bool was_broken = c.broken;
      log_->on_decision(c, i, *a.p, a.dir, d, ctx);
      if (!was_broken && c.broken && c.brk.cause == break_cause::backend_down) c.brk.hint = o.hint;
      sink_->on_verdict(*a.p, names_[i], verdict::drop, "backend-down");
      ++summary_.frames_dropped;
      return false;
    }
    return true;
  }

  /// A reply whose route skips a balancer that bound its connection: false when that breaks it
  /// (nat: it leaves the real server with the real server's address, so the devices on its path
  /// see another flow and the client rejects it; reported on the balancer's device).
  bool lb_bypass(arrival& a, sim_time t) {
    connection& c = *a.c;
    for (std::size_t i = 0; i < lb_.size(); ++i) {
      if (lb_[i].empty() || std::find(a.route.begin(), a.route.end(), i) != a.route.end()) continue;
      for (auto& b : lb_[i]) {
        if (!b->matches(c)) continue;
        lb::lb_outcome o = b->on_bypass(*a.p, c, t);
        if (o.k != lb::lb_outcome::kind::drop) continue;
        decision d;
        d.v = verdict::reject;
        d.why = reason::no_session;
        break_context ctx;
        ctx.cause = break_cause::asymmetric_nat;
        const bool was_broken = c.broken;
        log_->on_decision(c, i, *a.p, a.dir, d, ctx);
        if (!was_broken && c.broken && c.brk.cause == break_cause::asymmetric_nat) {
          c.brk.hint = o.hint;
          c.brk.fix_key = "forwarding";
        }
        sink_->on_verdict(*a.p, names_[i], verdict::reject, "asymmetric-nat");
        ++summary_.frames_dropped;
        return false;
      }
    }
    return true;
  }

  // ---- held fragments (nf_defrag) ----------------------------------------------------------------
  /// ip4_frag_match / frag_v4_compare_key: addresses, id and protocol (IPv6's
  /// frag_v6_compare_key has no protocol).
  static bool same_datagram(const packet_view& a, const packet_view& b) {
    return a.frag_id == b.frag_id && a.key.src == b.key.src && a.key.dst == b.key.dst && a.key.vlan == b.key.vlan &&
           (a.key.src.v6 || a.key.proto == b.key.proto);
  }

  /// Reassembly timeout of a datagram (topology::reassembly_timeout).
  sim_time frag_timeout(bool v6) const { return topo_.reassembly_timeout(v6); }

  /** Queues fragment p as ip_frag_queue / nf_ct_frag6_queue do. A last fragment whose end
   *  contradicts what was seen, a non-last one beyond a known end, a zero-length one, or one
   *  that overlaps without lying inside one run of what is queued discards the whole datagram; one
   *  that lies inside a run (inet_frag_queue_insert's IPFRAG_DUP) is dropped alone. A non-last
   *  fragment whose end is not a multiple of 8 is cut down to one (IPv6: discards the datagram).
   *  When the datagram is complete it is judged at p's time. */
  void hold_fragment(const packet_view& p) {
    auto it = held_.begin();
    while (it != held_.end() && !same_datagram(it->frags.front(), p)) ++it;
    if (it == held_.end()) {
      const sim_time deadline = p.ts + frag_timeout(p.key.src.v6);
      held_.push_back(held_datagram{deadline, {}, {}});
      if (deadline < held_deadline_) held_deadline_ = deadline;
      it = held_.end() - 1;
    }
    held_datagram& g = *it;
    const frag_insert r = g.q.insert(p.frag_offset, p.frag_end, p.frag_more, p.key.src.v6);
    if (r == frag_insert::dup) {
      skipped(p, skip_reason::ip_fragment);
      return;
    }
    if (r == frag_insert::discard) {
      std::vector<packet_view> frags = std::move(g.frags);
      held_.erase(it);
      for (const auto& f : frags) skipped(f, skip_reason::ip_fragment);
      skipped(p, skip_reason::ip_fragment);
      return;
    }
    sink_->on_held(p);
    g.frags.push_back(p);
    if (!g.q.complete()) return;
    const std::uint32_t total = g.q.len;
    std::vector<packet_view> frags = std::move(g.frags);
    held_.erase(it);
    judge_datagram(frags, total, p.ts);
  }

  /** A complete datagram, judged at time t: the devices see its first fragment's headers with
   *  the whole datagram's L4 length (the reassembled packet); every other fragment follows that
   *  verdict (reason `fragment`). Reported first fragment first, then in arrival order. */
  void judge_datagram(std::vector<packet_view>& frags, std::uint32_t total, sim_time t) {
    std::size_t first = 0;
    while (first < frags.size() && frags[first].frag_offset != 0) ++first;
    SESSIM_ASSERT(first < frags.size());
    if (first == frags.size()) {  // cannot happen: complete coverage includes offset 0
      for (const auto& f : frags) skipped(f, skip_reason::ip_fragment);
      return;
    }
    packet_view r = frags[first];
    const std::uint32_t l4_start = r.frag_end - r.l4_len;  // IPv6: extension headers after the fragment header
    r.l4_len = total - l4_start;
    const packet_view& last = frags.back();  // the completing fragment: the decoder reassembled it
    if (last.reassembled == 1) copy_l4_header(r, last);
    // udp_error() / tcp_error() on the reassembled datagram.
    if (last.reassembled == 2 || (r.is_udp() && (r.udp_len < 8 || r.udp_len > r.l4_len)) ||
        (r.is_tcp() && r.doff > r.l4_len)) {
      skipped(frags[first], skip_reason::bad_l4);
      for (std::size_t i = 0; i < frags.size(); ++i)
        if (i != first) skipped(frags[i], skip_reason::bad_l4);
      return;
    }
    summary_.parsed += frags.size();
    arrive(r, t);
    for (std::size_t i = 0; i < frags.size(); ++i) {
      if (i == first) continue;
      packet_view& f = frags[i];
      f.key = r.key;
      f.l4_header = false;
      f.icmp_type = r.icmp_type;
      f.icmp_code = r.icmp_code;
      f.icmp_error = r.icmp_error;
      f.has_inner = r.has_inner;
      f.inner = r.inner;
      f.inner_icmp_type = r.inner_icmp_type;
      f.inner_icmp_code = r.inner_icmp_code;
      arrive(f, t);
    }
  }

  /// Fragments of datagrams not complete within the reassembly timeout are dropped.
  void expire_held_fragments(sim_time now) {
    if (now < held_deadline_) return;
    sim_time next = std::numeric_limits<sim_time>::max();
    for (auto it = held_.begin(); it != held_.end();) {
      if (now != std::numeric_limits<sim_time>::max() && it->deadline > now) {
        if (it->deadline < next) next = it->deadline;
        ++it;
        continue;
      }
      for (const auto& f : it->frags) skipped(f, skip_reason::ip_fragment);
      it = held_.erase(it);
    }
    held_deadline_ = next;
  }

  // ---- sync ----------------------------------------------------------------------------------
  struct pending_sync {
    sim_time arrival = 0;  ///< when it reaches the member (max: lost)
    sim_time sent = 0;
  };

  /// Why a frame was dropped at member i, when the topology explains it better than the device.
  break_context explain_drop(const connection& c, const packet_view& p, std::size_t i, sim_time t,
                             const decision& d) {
    break_context ctx;
    const std::size_t g = group_of_[i];
    // The device that held the session failed and this one took over without it.
    if (!c.dev[i].had_session || ever_down_[i])
      for (std::size_t m = 0; m < devices_.size(); ++m)
        if (m != i && c.dev[m].had_session && (!up_[m] || ever_down_[m] || ever_down_[i])) {
          ctx.cause = break_cause::failover;
          return ctx;
        }
    // A session create or state update on its way to this member: the packet beat the sync.
    if (g != npos) {
      auto& pend = pending_[i];
      auto it = pend.find(tracking_key(p));
      if (it != pend.end()) {
        ctx.cause = break_cause::sync_race;
        if (!c.broken) ++sync_stats_[i].races;
        ctx.sync_latency_below = t - it->second.sent;
        if (it->second.arrival == std::numeric_limits<sim_time>::max()) ctx.sync_lost = true;
        else ctx.race_margin = it->second.arrival - t;
        return ctx;
      }
    }
    if (d.why != reason::no_session && d.why != reason::invalid_new && d.why != reason::icmp_no_request)
      return ctx;
    if (c.dev[i].had_session) return ctx;  // it had the session itself: idle timeout etc.
    if (g != npos) {
      // A peer holds the session but nothing is on its way: lost, or never sent (yet).
      for (std::size_t m : topo_.groups[g].members)
        if (m != i && c.dev[m].had_session && !c.dev[m].lost) {
          ctx.cause = (ever_down_[i] || !up_[m] || ever_down_[m]) ? break_cause::failover : break_cause::sync_race;
          if (ctx.cause == break_cause::sync_race) {
            if (!c.broken) ++sync_stats_[i].races;
            ctx.sync_lost = true;
          }
          return ctx;
        }
    }
    for (std::size_t m = 0; m < devices_.size(); ++m)
      if (m != i && c.dev[m].had_session && (ever_down_[m] || ever_down_[i])) {
        ctx.cause = break_cause::failover;
        return ctx;
      }
    return ctx;
  }

  /// pfsync defer: the sender holds a new state's first packet until the peer has acknowledged
  /// the insert (or the defer timer fires), so no reply can reach the peer before the insert
  /// unless the insert is slower than the timer. Modelled at the peer: a packet that finds no
  /// session while the insert is on its way within the defer bound gets the insert first.
  void apply_defer(arrival& a, std::size_t i, sim_time t) {
    const sync_spec& grp = topo_.groups[group_of_[i]];
    if (!grp.defer) return;
    const flow_key k = tracking_key(*a.p);
    auto& pend = pending_[i];
    auto it = pend.find(k);
    if (it == pend.end() || it->second.arrival == std::numeric_limits<sim_time>::max()) return;
    if (devices_[i]->has_session(k)) return;
    const sim_time hold = it->second.arrival - it->second.sent;
    if (hold > grp.defer_timeout) return;
    session_snapshot snap;
    bool found = false;
    for (std::size_t m : grp.members)
      if (m != i && up_[m] && devices_[m]->snapshot(k, snap)) { found = true; break; }
    if (!found) return;
    ++sync_stats_[i].deferred;
    a.c->added_latency += hold;
    devices_[i]->install(snap, t, [&](const session_end& e) { on_end(i, e); });
  }

  void after_tracked(std::size_t i, const packet_view& p, const connection& c, const decision& d, sim_time t) {
    const std::size_t g = group_of_[i];
    const sync_spec& grp = topo_.groups[g];
    if (d.created && topo_.redirect.method != redirect_method::none && topo_.redirect.group == g &&
        topo_.redirect.ownership == ownership_rule::first_packet && devices_[i]->owner_of(tracking_key(p)) == 0)
      devices_[i]->set_owner(tracking_key(p), static_cast<std::uint8_t>(i + 1));
    bool send = false;
    switch (grp.mode) {
      case sync_mode::notrack:
      case sync_mode::alarm:
      case sync_mode::ftfw:
      case sync_mode::pfsync: send = d.changed; break;
      case sync_mode::ipvs: {
        const std::uint64_t n = c.pkts[0] + c.pkts[1];
        send = n == grp.threshold || (n > grp.threshold && grp.period && (n - grp.threshold) % grp.period == 0);
        break;
      }
    }
    if (!send) return;
    session_snapshot snap;
    if (!devices_[i]->snapshot(tracking_key(p), snap)) return;
    if (grp.mode == sync_mode::pfsync && !(grp.defer && d.created)) {
      queue_pfsync(i, snap, t);
      return;
    }
    send_to_peers(g, i, snap, false, t);
  }

  sim_time transmit_time(const sync_spec& grp) const {
    if (grp.bandwidth_bps <= 0) return 0;
    return static_cast<sim_time>(static_cast<double>(grp.message_bytes) * 8.0 / grp.bandwidth_bps * 1e9);
  }

  void send_to_peers(std::size_t g, std::size_t from, const session_snapshot& snap, bool remove, sim_time t) {
    if (!up_[from]) return;
    const sync_spec& grp = topo_.groups[g];
    for (std::size_t to : grp.members)
      if (to != from) send_one(g, from, to, snap, remove, t, transmit_time(grp));
  }

  /// One message from `from` to `to`, with the channel's loss, latency and (ftfw) re-sends.
  void send_one(std::size_t g, std::size_t from, std::size_t to, const session_snapshot& snap, bool remove,
                sim_time t, sim_time queueing) {
    const sync_spec& grp = topo_.groups[g];
    sim_time sent = t + queueing;
    // serialise on the sender's link when bandwidth is limited
    if (grp.bandwidth_bps > 0) {
      sim_time& free_at = link_free_[from];
      if (free_at > sent) sent = free_at;
      free_at = sent + transmit_time(grp);
    }
    sim_time at = std::numeric_limits<sim_time>::max();
    sim_time try_at = sent;
    for (std::uint32_t attempt = 0;; ++attempt) {
      ++sync_stats_[from].sync_sent;
      if (attempt > 0) ++sync_stats_[from].sync_retransmitted;
      const bool lost = grp.loss > 0 && latency_model::uniform01(rng_) < grp.loss;
      const sim_time lat = grp.latency.sample(rng_);
      if (!lost) {
        at = try_at + lat;
        break;
      }
      ++sync_stats_[from].sync_lost;
      if (grp.mode != sync_mode::ftfw || attempt >= 16) break;
      try_at += grp.resend;
    }
    if (!remove) {
      auto& slot = pending_[to][snap.orig];
      if (slot.arrival == 0 || at < slot.arrival || slot.arrival == std::numeric_limits<sim_time>::max()) {
        slot.arrival = at;
        slot.sent = t;
      }
    }
    if (at == std::numeric_limits<sim_time>::max()) return;
    events_.schedule(at, sim_event{ev_sync{g, from, to, snap, remove, t, 0}});
  }

  struct pf_batch {
    std::vector<session_snapshot> items;
    sim_time first = 0;  ///< when the oldest queued update was queued
    std::uint64_t generation = 0;
  };

  void queue_pfsync(std::size_t from, const session_snapshot& snap, sim_time t) {
    const sync_spec& grp = topo_.groups[group_of_[from]];
    auto& b = pf_batches_[from];
    for (auto& s : b.items)
      if (s.orig == snap.orig) { s = snap; return; }  // coalesce updates of one state
    b.items.push_back(snap);
    if (b.items.size() == 1) {
      b.first = t;
      events_.schedule(t + grp.max_delay, sim_event{ev_pf_flush{from, b.generation}});
    }
    // Until the batch leaves, the update is expected at flush time plus the nominal latency.
    for (std::size_t to : grp.members) {
      if (to == from) continue;
      auto& slot = pending_[to][snap.orig];
      if (slot.arrival == 0) {
        slot.arrival = b.first + grp.max_delay + grp.latency.a;
        slot.sent = t;
      }
    }
    if (b.items.size() >= grp.batch) flush_pfsync(from, t);
  }

  void flush_pfsync(std::size_t from, sim_time t) {
    const std::size_t g = group_of_[from];
    const sync_spec& grp = topo_.groups[g];
    auto& b = pf_batches_[from];
    // One pfsync packet: lost or delivered as a whole, one latency draw.
    const bool lost = grp.loss > 0 && latency_model::uniform01(rng_) < grp.loss;
    const sim_time lat = grp.latency.sample(rng_);
    for (std::size_t to : grp.members) {
      if (to == from) continue;
      for (const auto& snap : b.items) {
        ++sync_stats_[from].sync_sent;
        auto& slot = pending_[to][snap.orig];
        const sim_time at = lost ? std::numeric_limits<sim_time>::max() : t + lat;
        if (slot.arrival == 0 || slot.arrival >= t || at < slot.arrival) {
          slot.arrival = at;
          if (slot.sent == 0) slot.sent = t;
        }
        if (lost) {
          ++sync_stats_[from].sync_lost;
          continue;
        }
        events_.schedule(t + lat, sim_event{ev_sync{g, from, to, snap, false, t, 0}});
      }
    }
    b.items.clear();
    ++b.generation;
  }

  // ---- owner redirect ------------------------------------------------------------------------
  bool redirect_applies(std::size_t i) const {
    return topo_.redirect.method != redirect_method::none && group_of_[i] == topo_.redirect.group;
  }

  std::size_t owner_for(std::size_t i, const packet_view& p) {
    const sync_spec& grp = topo_.groups[topo_.redirect.group];
    if (topo_.redirect.ownership == ownership_rule::hash) {
      std::uint64_t h = hash_bidir(tracking_key(p)) ^ (topo_.seed * 0x9e3779b97f4a7c15ULL);
      h ^= h >> 31;
      return grp.members[h % grp.members.size()];
    }
    std::uint8_t o = devices_[i]->owner_of(tracking_key(p));
    if (o) return static_cast<std::size_t>(o - 1);
    // Not known here yet: if another member created it, that member is the owner (it has told
    // the group by sync only if the sync arrived; otherwise the packet is handled locally).
    return npos;
  }

  void redirect(arrival& a, std::size_t from, std::size_t owner, sim_time t) {
    const packet_view& p = *a.p;
    const std::uint32_t bytes = p.wire_len + topo_.redirect.overhead_bytes;
    ++sync_stats_[from].redirected_pkts;
    sync_stats_[from].redirected_bytes += bytes;
    ++a.c->redirected;
    a.c->redirect_bytes += bytes;
    a.c->added_latency += topo_.redirect.latency;
    sink_->on_verdict(p, names_[from], verdict::redirect, "owner");
    arrival next = a;
    keep(next);
    next.route[next.hop] = owner;
    next.extra += topo_.redirect.latency;
    events_.schedule(t + topo_.redirect.latency, sim_event{std::move(next)});
  }

  // ---- session ends, connections -------------------------------------------------------------
  void on_end(std::size_t i, const session_end& e) {
    if (opt_.observer) opt_.observer->on_session_end(i, e);
    if (e.rst) {
      events_.schedule(e.at, sim_event{ev_rst{i, e.rst_to_client, e.orig.src.v6}});
      events_.schedule(e.at, sim_event{ev_rst{i, e.rst_to_server, e.orig.src.v6}});
    }
    log_->on_session_end(i, e);
    const std::size_t g = group_of_[i];
    if (g != npos && (e.kind == session_end_kind::killed) && topo_.groups[g].mode != sync_mode::ipvs) {
      session_snapshot snap;
      snap.orig = e.orig;
      send_to_peers(g, i, snap, true, e.at);
    }
  }

  void emit(const connection& c) {
    for (auto& v : lb_)
      for (auto& b : v)
        if (b->matches(c)) b->on_connection_end(c);
    if (c.broken) {
      ++summary_.broken;
      ++summary_.broken_by_cause[static_cast<std::size_t>(c.brk.cause)];
    }
    sink_->on_connection(c);
  }

  struct key_hash {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  struct key_eq {
    bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a.same_flow(b); }
  };

  topology topo_;
  replay_options opt_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<session_device>> devices_;
  std::vector<std::vector<std::unique_ptr<lb::balancer>>> lb_;  ///< virtual servers per device (empty: none)
  std::vector<std::string> names_;
  std::vector<bool> up_, ever_down_;
  std::vector<std::size_t> group_of_;
  std::vector<device_sync_stats> sync_stats_;
  std::unordered_map<std::size_t, std::unordered_map<flow_key, pending_sync, key_hash, key_eq>> pending_;
  std::unordered_map<std::size_t, sim_time> link_free_;
  std::vector<pf_batch> pf_batches_;
  std::unique_ptr<connection_log> log_;
  replay_sink* sink_ = nullptr;
  /// A fragmented datagram being reassembled.
  struct held_datagram {
    sim_time deadline = 0;     ///< first fragment's arrival + reassembly timeout
    frag_queue q;              ///< what ip_frag_queue knows of it
    std::vector<packet_view> frags;  ///< in arrival order
  };
  std::vector<held_datagram> held_;  ///< datagrams waiting for fragments, oldest first
  sim_time held_deadline_ = std::numeric_limits<sim_time>::max();  ///< no held datagram expires before
  event_queue<sim_event> events_;
  run_summary summary_;
  sim_time min_offset_ = 0;
  sim_time trace_start_ = 0, last_flush_ = 0, advanced_to_ = std::numeric_limits<sim_time>::min();
  bool first_ = true;
  bool simple_ = true;
  bool single_ = false;  ///< one device, default path, nothing else: arrive_single()
};

}  // namespace sessim
