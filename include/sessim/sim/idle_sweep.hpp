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
/// evaluate() says when it cannot be sure (exact = false, with the reason). It is never sure of a
/// flow when, after such an expiry, a packet would create a session again (pickup, a SYN, UDP),
/// another connection or an ICMP error depends on the lost session, a fragment copies a verdict,
/// or the TCP "remaining time" rule of conntrack could decide differently: it then lists those
/// flows (idle_sweep_point::resimulate), idle_resim() replays just their packets at that value in
/// one more pass, and combine() puts the two together. The caller replays the value in full when
/// that cannot be exact (fragments in the trace, an ICMP error quoting such a flow, a table that
/// would fill), and every value when the reference ever had a full table. Only one device, no
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

/** A map from flows (either direction: a key and its reverse are one entry) to `V`: open
 *  addressing with linear probing, stored hashes (hash_bidir) and backward-shift deletion, so no
 *  allocation per entry. For the idle recorder's live sessions and the re-simulated flows. */
template <class V>
class flow_map {
 public:
  flow_map() { rehash(16); }

  /// The value of `k` (hash `h` = hash_bidir(k)), or nullptr.
  V* find(const flow_key& k, std::uint64_t h) noexcept {
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      slot& s = s_[i];
      if (!s.used) return nullptr;
      if (s.h == h && s.k.same_flow(k)) return &s.v;
    }
  }
  const V* find(const flow_key& k, std::uint64_t h) const noexcept { return const_cast<flow_map*>(this)->find(k, h); }
  const V* find(const flow_key& k) const noexcept { return find(k, hash_bidir(k)); }

  /// The value of `k`, inserted as `init` when it is not there.
  V& get(const flow_key& k, std::uint64_t h, V init = V{}) {
    if (V* v = find(k, h)) return *v;
    if ((n_ + 1) * 2 > s_.size()) rehash(s_.size() * 2);
    std::size_t i = h & mask_;
    while (s_[i].used) i = (i + 1) & mask_;
    s_[i] = slot{h, k, std::move(init), true};
    ++n_;
    return s_[i].v;
  }

  /// Removes `k`; false when it was not there.
  bool erase(const flow_key& k, std::uint64_t h) noexcept {
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      if (!s_[i].used) return false;
      if (s_[i].h == h && s_[i].k.same_flow(k)) break;
    }
    for (std::size_t j = i;;) {  // backward shift: close the hole at i
      j = (j + 1) & mask_;
      if (!s_[j].used) break;
      const std::size_t home = s_[j].h & mask_;
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      s_[i] = std::move(s_[j]);
      i = j;
    }
    s_[i].used = false;
    --n_;
    return true;
  }

  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }

  /// Calls f(key, value) for every entry (in slot order).
  template <class F>
  void for_each(F&& f) const {
    for (const slot& s : s_)
      if (s.used) f(s.k, s.v);
  }

 private:
  struct slot {
    std::uint64_t h = 0;
    flow_key k;
    V v{};
    bool used = false;
  };
  void rehash(std::size_t cap) {
    std::vector<slot> old = std::move(s_);
    s_.assign(cap, slot{});
    mask_ = cap - 1;
    n_ = 0;
    for (slot& s : old)
      if (s.used) {
        std::size_t i = s.h & mask_;
        while (s_[i].used) i = (i + 1) & mask_;
        s_[i] = std::move(s);
        ++n_;
      }
  }
  std::vector<slot> s_;
  std::size_t n_ = 0, mask_ = 0;
};

/// One point computed from the reference replay.
struct idle_sweep_point {
  bool exact = false;  ///< false: replay this value (why says what stood in the way)
  std::string why;
  std::uint64_t broken = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(break_cause::count_)> broken_by_cause{};
  std::size_t peak_sessions = 0;
  /** Not exact, but would be with these flows (keys, either direction) re-simulated at this value:
   *  idle_resim() replays only their packets, combine() adds the result. Empty: a replay of the
   *  whole trace is needed (or nothing, when exact). */
  std::vector<flow_key> resimulate;
};

/** Watches the reference replay (attach it as replay_options::observer and as the sink) and
 *  computes the sweep's points from it. `s`: the swept slot; `cfg`: the reference's device
 *  configuration (timeout of `s` = Vref); `vmin`: the smallest value of the sweep (gaps shorter
 *  than it are not kept). With `gaps` false it keeps only the session lifetimes (for the
 *  filtered replays of idle_resim()). Single-threaded: used from the replay's thread only.
 *
 *  Memory: one fixed-size record per session (no allocation), its packets only after a gap of at
 *  least `vmin` (or when more than two packets follow one refresh), a flow_map of the live
 *  sessions, one small record per connection. */
class idle_recorder final : public replay_sink, public replay_observer {
 public:
  idle_recorder(timeout_slot s, device_config cfg, sim_time vmin, bool gaps = true)
      : s_(s), cfg_(std::move(cfg)), vmin_(vmin), gaps_(gaps) {}

  /** Number the decisions from `*seq` (the caller's count of the trace's decisions, set before
   *  each push) instead of counting them: for a replay that is pushed some flows only. */
  void use_sequence(const std::uint64_t* seq) noexcept { seq_src_ = seq; }

  // ---- replay_sink ---------------------------------------------------------------------------
  void on_connection(const connection& c) override {
    conn_info& ci = conn(c.id);
    ci.emitted = true;
    ci.warm = c.warm;
    pending_emit_.push_back(c.id);  // emitted at the current push: its time comes with its packet
    ci.broken = c.broken;
    if (c.broken) {
      ci.brk_time = c.brk.time;
      ci.cause = c.brk.cause;
      broken_.push_back(broken_conn{c.key, c.brk.cause});
    }
  }

  // ---- replay_observer -----------------------------------------------------------------------
  void on_decision(std::size_t, const packet_view& p, const connection& c, const decision& d, sim_time t,
                   session_device& dev) override {
    seq_ = next_seq();
    if (!pending_emit_.empty()) {
      for (std::uint64_t id : pending_emit_) conn(id).emit_time = t;
      pending_emit_.clear();
    }
    if (!p.l4_header) conn(c.id).fragment = true;
    if (p.fragment) fragments_ = true;
    const icmp_kind ik = classify_icmp(p);
    if (ik == icmp_kind::error) {  // looks up the quoted session: part of that key's story
      flow_key qk;
      if (quoted_tracking_key(p, qk)) {
        if (const std::uint32_t li = live_.find(qk, hash_bidir(qk), key_of()); li != none32) {
          live_rec& L = pool_[li];
          push_log(L, entry{t, conn_id(c), L.state, f_foreign});
        }
      }
      return;
    }
    const std::uint8_t flags = classify(p, c, ik) | (c.dev.empty() || c.dev[0].had_session ? f_had_session : 0);
    if (pending_end_ != none32) {  // this packet ended the session (kill, reopen)
      live_rec& L = pool_[pending_end_];
      push_log(L, entry{t, conn_id(c), L.state, flags});
      finish_episode(pending_end_);
      pending_end_ = none32;
    } else if (const std::uint32_t li = live_session(c, p); li != none32) {
      live_rec& L = pool_[li];
      // conntrack's "remaining time" rule for FIN/RST outside the window reads the deadline
      if (p.is_tcp() && p.l4_header && (p.flags & (tcp_flags::fin | tcp_flags::rst)) && d.v != verdict::forward)
        sensitive_.push_back(sens{t, L.t_r, L.deadline - t, L.ep, L.slot, L.low});
      push_log(L, entry{t, L.cur_conn, L.state, flags});
      timeout_slot slot;
      sim_time deadline;
      if (d.tracked) {
        slot = d.slot;
        deadline = d.deadline;
        if (p.is_tcp()) L.state = d.tcp_state;
      } else {
        session_snapshot snap;  // dropped, or not asked: the session may have been refreshed all the same
        if (!p.l4_header || !dev.snapshot(eps_[L.ep].key, snap)) return;
        slot = snap.slot;
        deadline = snap.deadline;
        if (p.is_tcp()) L.state = static_cast<std::uint8_t>(snap.l4.tcp.state);
      }
      last_log(L).state = L.state;
      if (deadline != L.deadline || slot != L.slot) {  // refreshed: a new interval
        close_interval(L, t - L.t_r);
        L.t_r = t;
        L.deadline = deadline;
        L.slot = slot;
        L.low = low_slot(p, slot, L.state, d);
        if (kept(L)) ext_[L.u.ext].iv_first = static_cast<std::uint32_t>(log_size(L) - 1);
        else keep_last(L);  // only the refresh is needed until a long gap
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
      eps_.push_back(e);
      const std::uint32_t cid = conn_id(c);
      const std::uint32_t li = alloc_live();
      live_rec& L = pool_[li];
      L.ep = static_cast<std::uint32_t>(eps_.size() - 1);
      L.state = p.is_tcp() ? d.tcp_state : 0;
      L.t_r = t;
      L.deadline = d.deadline;
      L.slot = d.slot;
      L.low = low_slot(p, d.slot, L.state, d);
      L.u.log[0] = entry{t, cid, L.state, flags};
      L.nlog = 1;
      L.cur_conn = cid;
      live_.insert(hash_bidir(k), li);
      c.observer_tag = tag_of(li);
      return;
    }
    // No session before or after: did the device insert one and take it out again (a TCP packet
    // that created a session and was then found invalid, or killed it at once)? That counts for
    // the table's peak.
    if (p.is_tcp() && p.l4_header && tcp::valid_flag_combination(p.flags)) {
      const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
      const bool warm = c.warm && !(c.dev.empty() || c.dev[0].had_session) && !bare_syn;
      const bool pickup = tcp::creates_session(p.flags, true) && cfg_.no_session == no_session_policy::pickup && !cfg_.syn_only;
      if (bare_syn || warm || pickup) transient_.push_back(point{t, seq_, tracking_key(p)});
    }
  }

  void prefetch(const connection& c) noexcept override {
    if (const std::uint64_t tag = c.observer_tag) {
      const auto li = static_cast<std::size_t>((tag & 0xffffffffu) - 1);
      if (li < pool_.size()) __builtin_prefetch(&pool_[li], 1);
    }
  }

  void on_session_end(std::size_t, const session_end& e) override {
    const std::uint64_t h = hash_bidir(e.orig);
    const std::uint32_t li = live_.find(e.orig, h, key_of());
    if (li == none32) return;
    live_.erase(h, li);
    live_rec& L = pool_[li];
    episode& ep = eps_[L.ep];
    switch (e.kind) {
      case session_end_kind::expired:
        close_interval(L, e.at - L.t_r);
        ep.end = end_kind::expired;
        ep.end_t = e.at;
        finish_episode(li);
        break;
      case session_end_kind::killed:
      case session_end_kind::reopened:
        close_interval(L, e.at - L.t_r);
        ep.end = end_kind::packet;
        ep.end_t = e.at;
        ep.end_seq = next_seq();  // the packet being processed (its on_decision comes next)
        pending_end_ = li;
        break;
      case session_end_kind::evicted:
        pressure_ = true;
        break;
    }
  }

  /// After the run: the reference's totals.
  void finish(const run_summary& r) {
    ref_ = r;
    live_.for_each([&](std::uint32_t li) {
      live_rec& L = pool_[li];
      close_interval(L, r.last_ts - L.t_r);
      eps_[L.ep].end = end_kind::alive;
      finish_episode(li);
    });
    live_.clear();
    std::vector<live_rec>().swap(pool_);
    std::vector<std::uint32_t>().swap(free_live_);
    for (const auto& d : r.devices)
      if (d.stats.evicted || d.stats.table_full_drops || d.stats.synced_in) pressure_ = true;
    if (r.devices.size() != 1) pressure_ = true;
    // The table's events in order, once for every value (evaluate() merges its changes in).
    evs_.clear();
    evs_.reserve(eps_.size() * 2 + transient_.size());
    for (std::size_t i = 0; i < eps_.size(); ++i) {
      const episode& e = eps_[i];
      const auto id = static_cast<std::uint32_t>(i);
      evs_.push_back(ev{e.t0, e.seq0, id, 1});
      switch (e.end) {
        case end_kind::alive: break;
        case end_kind::expired: evs_.push_back(ev{e.end_t, 0, id, 0}); break;
        case end_kind::packet: evs_.push_back(ev{e.end_t, e.end_seq, id, 0}); break;
      }
    }
    for (std::size_t i = 0; i < transient_.size(); ++i)
      evs_.push_back(ev{transient_[i].t, transient_[i].seq, static_cast<std::uint32_t>(i), 2});
    std::sort(evs_.begin(), evs_.end(), ev_less);
    evs_.shrink_to_fit();
  }

  /** The point for value `v`: at most the reference's value, and of its comparison class, or
   *  (`low`) of the low class of a TCP state's timeout (idle_sweep_low_class()). When only some
   *  flows stand in the way, `resimulate` lists them (if they can be re-simulated). */
  idle_sweep_point evaluate(sim_time v, bool low = false) const { return compute(v, low, nullptr, nullptr); }

  /** The point for value `v` after its `resimulate` flows were replayed at `v` on their own
   *  (`part`: the recorder of that filtered replay, `part_sum` its totals; see idle_resim()):
   *  the reference's results for every other flow, the filtered replay's for those. */
  idle_sweep_point combine(sim_time v, bool low, const idle_recorder& part, const run_summary& part_sum) const {
    return compute(v, low, &part, &part_sum);
  }

  /// Sessions the reference replay had (for tests and statistics).
  std::size_t sessions() const noexcept { return eps_.size(); }
  /// Sessions with at least one idle gap in the swept slot at or above the smallest value.
  std::size_t sessions_with_gaps() const noexcept { return kept_.size(); }
  /// The replay saw a fragmented datagram (its flows cannot be told apart by key).
  bool saw_fragments() const noexcept { return fragments_; }
  /// Bytes of the recorder's per-session records (for the memory figures).
  std::size_t episode_bytes() const noexcept { return sizeof(episode); }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::uint32_t none32 = static_cast<std::uint32_t>(-1);
  enum : std::uint8_t { f_creating = 1, f_breaking = 2, f_frag = 4, f_foreign = 8, f_had_session = 16 };
  enum class end_kind : std::uint8_t { alive, expired, packet };

  struct entry {  ///< one packet of the key while the reference had its session
    sim_time t;
    std::uint32_t conn;  ///< connection id
    std::uint8_t state;  ///< TCP state after it
    std::uint8_t f;
  };
  struct interval {  ///< an idle gap whose timer the swept value can shorten
    sim_time t_r;    ///< the refresh that started it
    sim_time n;      ///< its length: to the next refresh, the session's end, or the end of the trace
    std::uint32_t first;  ///< log index of the refresh
    timeout_slot slot, low;  ///< the reference's timer slot; the slot at values of the low class
  };
  /** A live session: what its packets touch, in one cache line, pooled (a slot is reused once
   *  the session ends). `gen` is odd while the slot is in use; a connection caches (gen, slot). */
  struct alignas(64) live_rec {
    sim_time t_r = 0, deadline = 0;  ///< last refresh and deadline
    std::uint32_t ep = 0;            ///< its episode
    std::uint32_t gen = 0;
    std::uint32_t cur_conn = 0;      ///< id of the connection of its latest packet
    timeout_slot slot = timeout_slot::generic, low = timeout_slot::generic;
    std::uint8_t state = 0;
    std::uint8_t nlog = 0;           ///< packets in u.log; ext_mode: they are in ext_[u.ext]
    union store {
      entry log[2];       ///< the packets since the last refresh (usually the refresh and the current one)
      std::uint32_t ext;  ///< its record in ext_ (packets, intervals) once it needs one
    } u{};
  };
  static constexpr std::uint8_t ext_mode = 0xff;
  static_assert(sizeof(live_rec) == 64);
  struct episode {  ///< one session of the reference, as the peak and the model need it afterwards
    flow_key key;
    std::uint8_t proto = 0;
    end_kind end = end_kind::alive;
    std::uint32_t ext = none32;  ///< kept: its packets and long gaps
    sim_time t0 = 0, end_t = 0;
    std::uint64_t seq0 = 0, end_seq = 0;
  };
  struct ext_rec {  ///< the packets and long gaps of a session that has them
    std::vector<entry> log;
    std::vector<interval> ivs;
    std::uint32_t iv_first = 0;  ///< log index of the last refresh (0 while the session has no record)
  };
  struct conn_info {
    bool emitted = false, broken = false, warm = false, fragment = false;
    sim_time emit_time = std::numeric_limits<sim_time>::max();
    sim_time brk_time = 0;
    break_cause cause = break_cause::none;
  };
  struct sens {
    sim_time t, t_r, rem;
    std::uint32_t ep;
    timeout_slot slot, low;
  };
  struct point {
    sim_time t;
    std::uint64_t seq;
    flow_key key;
  };
  struct broken_conn {
    flow_key key;
    break_cause cause;
  };
  struct ev {  ///< a table event for the peak
    sim_time t;
    std::uint64_t seq;
    std::uint32_t id;  ///< episode (type 0, 1) or transient (type 2)
    int type;          ///< 0 remove, 1 insert, 2 insert and remove at once
  };
  static bool ev_less(const ev& a, const ev& b) noexcept {
    if (a.t != b.t) return a.t < b.t;
    if (a.seq != b.seq) return a.seq < b.seq;
    return a.type < b.type;
  }

  std::uint64_t next_seq() const noexcept { return seq_src_ ? *seq_src_ : seq_ + 1; }

  /** The live sessions by key: open addressing over (hash, live slot) pairs, 16 bytes a slot
   *  (a quarter of a flow_map's: the table stays in cache); the key itself is the session's
   *  episode's, compared only when the hashes match. Backward-shift deletion. */
  class live_index {
   public:
    live_index() { grow(16); }
    template <class KeyOf>
    std::uint32_t find(const flow_key& k, std::uint64_t h, KeyOf&& key_of) const noexcept {
      for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
        const slot& x = s_[i];
        if (x.v == none32) return none32;
        if (x.h == h && key_of(x.v).same_flow(k)) return x.v;
      }
    }
    void insert(std::uint64_t h, std::uint32_t v) {
      if ((n_ + 1) * 2 > s_.size()) grow(s_.size() * 2);
      std::size_t i = h & mask_;
      while (s_[i].v != none32) i = (i + 1) & mask_;
      s_[i] = slot{h, v};
      ++n_;
    }
    /// Removes the entry of live slot `v` (hash `h`).
    void erase(std::uint64_t h, std::uint32_t v) noexcept {
      std::size_t i = h & mask_;
      for (;; i = (i + 1) & mask_) {
        if (s_[i].v == none32) return;
        if (s_[i].v == v) break;
      }
      for (std::size_t j = i;;) {
        j = (j + 1) & mask_;
        if (s_[j].v == none32) break;
        const std::size_t home = s_[j].h & mask_;
        if (i <= j ? (home > i && home <= j) : (home > i || home <= j)) continue;
        s_[i] = s_[j];
        i = j;
      }
      s_[i].v = none32;
      --n_;
    }
    bool empty() const noexcept { return n_ == 0; }
    template <class F>
    void for_each(F&& f) const {
      for (const slot& x : s_)
        if (x.v != none32) f(x.v);
    }
    void clear() {
      s_.clear();
      n_ = 0;
      grow(16);
    }

   private:
    struct slot {
      std::uint64_t h = 0;
      std::uint32_t v = none32;
    };
    void grow(std::size_t cap) {
      std::vector<slot> old = std::move(s_);
      s_.assign(cap, slot{});
      mask_ = cap - 1;
      n_ = 0;
      for (const slot& x : old)
        if (x.v != none32) insert(x.h, x.v);
    }
    std::vector<slot> s_;
    std::size_t n_ = 0, mask_ = 0;
  };
  /// The key of a live slot, for live_index.
  struct live_key {
    const idle_recorder* r;
    const flow_key& operator()(std::uint32_t li) const noexcept { return r->eps_[r->pool_[li].ep].key; }
  };
  live_key key_of() const noexcept { return live_key{this}; }

  /// A free index of `v` (from `free`, else a new default-constructed element at the end).
  template <class V>
  static std::uint32_t take_slot(V& v, std::vector<std::uint32_t>& free) {
    if (!free.empty()) {
      const std::uint32_t i = free.back();
      free.pop_back();
      return i;
    }
    v.emplace_back();
    return static_cast<std::uint32_t>(v.size() - 1);
  }

  // ---- a live session's packets ---------------------------------------------------------------
  static bool has_ext(const live_rec& L) noexcept { return L.nlog == ext_mode; }
  std::size_t log_size(const live_rec& L) const noexcept { return has_ext(L) ? ext_[L.u.ext].log.size() : L.nlog; }
  entry& last_log(live_rec& L) noexcept { return has_ext(L) ? ext_[L.u.ext].log.back() : L.u.log[L.nlog - 1]; }
  bool kept(const live_rec& L) const noexcept { return has_ext(L) && !ext_[L.u.ext].ivs.empty(); }
  ext_rec& ext(live_rec& L) {
    if (!has_ext(L)) {
      const std::uint32_t xi = take_slot(ext_, free_ext_);
      ext_rec& x = ext_[xi];
      x.log.assign(L.u.log, L.u.log + L.nlog);
      x.iv_first = 0;
      L.u.ext = xi;
      L.nlog = ext_mode;
    }
    return ext_[L.u.ext];
  }
  void push_log(live_rec& L, const entry& x) {
    if (L.nlog < 2) {
      L.u.log[L.nlog++] = x;
      return;
    }
    ext(L).log.push_back(x);
  }
  void keep_last(live_rec& L) {
    if (!has_ext(L)) {
      L.u.log[0] = L.u.log[L.nlog - 1];
      L.nlog = 1;
      return;
    }
    ext_rec& x = ext_[L.u.ext];
    const entry last = x.log.back();
    x.log.clear();
    x.log.push_back(last);
    x.iv_first = 0;
  }

  std::uint32_t alloc_live() {
    const std::uint32_t li = take_slot(pool_, free_live_);
    live_rec& L = pool_[li];
    const std::uint32_t gen = L.gen + 1;  // odd: in use
    L = live_rec{};
    L.gen = gen;
    return li;
  }
  std::uint64_t tag_of(std::uint32_t li) const noexcept {
    return (std::uint64_t{pool_[li].gen} << 32) | (std::uint64_t{li} + 1);
  }

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

  /// The connection's id as the packet records keep it (32 bits).
  std::uint32_t conn_id(const connection& c) noexcept {
    if (c.id > std::numeric_limits<std::uint32_t>::max()) overflow_ = true;
    return static_cast<std::uint32_t>(c.id);
  }

  /** The live session of the packet's key (none32: none), through the connection's cache. A hit
   *  means the connection is the one of the session's latest packet (cur_conn): the log has one
   *  live connection per key, and a connection record starts with an empty cache. */
  std::uint32_t live_session(const connection& c, const packet_view& p) {
    if (const std::uint64_t tag = c.observer_tag) {
      const auto li = static_cast<std::uint32_t>((tag & 0xffffffffu) - 1);
      if (li < pool_.size() && pool_[li].gen == static_cast<std::uint32_t>(tag >> 32)) return li;
    }
    if (live_.empty()) return none32;
    const flow_key k = tracking_key(p);
    const std::uint32_t li = live_.find(k, hash_bidir(k), key_of());
    if (li == none32) return none32;
    c.observer_tag = tag_of(li);
    pool_[li].cur_conn = conn_id(c);  // a connection's first packet on this session (the cache was empty)
    return li;
  }

  void close_interval(live_rec& L, sim_time n) {
    if (!gaps_) return;
    if (L.slot != s_ && L.low == L.slot) return;  // the same timer at every value
    if (n < std::min(vmin_, L.low == s_ ? vmin_ : cfg_.timeout(L.low))) return;  // too short to matter
    const interval iv{L.t_r, n, has_ext(L) ? ext_[L.u.ext].iv_first : 0, L.slot, L.low};
    ext(L).ivs.push_back(iv);
  }

  /** The slot a refresh would have chosen at a value of the low class (the swept TCP state's
   *  timeout at most tcp.max_retrans and tcp.unacknowledged: no override applies, RST → close). */
  timeout_slot low_slot(const packet_view& p, timeout_slot slot, std::uint8_t state, const decision& d) const {
    if (static_cast<std::size_t>(s_) >= static_cast<std::size_t>(timeout_slot::tcp_max_retrans)) return slot;
    if (!p.is_tcp() || d.v != verdict::forward) return slot;  // not a choice (invalid_lower: fixed)
    if (tcp::detail::slot_of(static_cast<tcp::ct_state>(state)) != s_) return slot;
    return (p.flags & tcp_flags::rst) ? timeout_slot::tcp_close : s_;
  }

  /// The session in live slot `li` is over: its episode keeps its packets if it had a long gap.
  void finish_episode(std::uint32_t li) {
    live_rec& L = pool_[li];
    if (has_ext(L)) {
      ext_rec& x = ext_[L.u.ext];
      if (!x.ivs.empty()) {
        eps_[L.ep].ext = L.u.ext;
        kept_.push_back(L.ep);
        x.log.shrink_to_fit();
        x.ivs.shrink_to_fit();
      } else {  // packets without a long gap: the record goes back (its vectors keep their memory)
        x.log.clear();
        free_ext_.push_back(L.u.ext);
      }
    }
    L.nlog = 0;
    ++L.gen;  // even: free
    free_live_.push_back(li);
  }

  /// The model (see evaluate() and combine()).
  idle_sweep_point compute(sim_time v, bool low, const idle_recorder* part, const run_summary* part_sum) const {
    idle_sweep_point out;
    if (pressure_) {
      out.why = "the reference replay had a full table";
      return out;
    }
    if (overflow_) {
      out.why = "more than 2^32 connections";
      return out;
    }
    if (v > cfg_.timeout(s_)) {
      out.why = "above the reference value";
      return out;
    }
    out.broken = ref_.broken;
    out.broken_by_cause = ref_.broken_by_cause;
    // Flows whose story at this value differs from the reference's in a way the model cannot
    // follow: their sessions and connections are left out and, if they can be, re-simulated.
    flow_map<char> marked;
    const char* first_why = nullptr;
    auto mark = [&](const flow_key& k, const char* why) {
      if (!first_why) first_why = why;
      marked.get(k, hash_bidir(k), 1);
    };
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
      if (a != b) mark(eps_[x.ep].key, "a FIN/RST outside the window: conntrack's remaining-time rule");
    }
    struct cev {
      std::uint64_t conn;
      sim_time t_exp, end;
      break_cause kind;
      std::uint32_t ep;
    };
    std::vector<cev> cevs;
    std::vector<std::pair<std::uint32_t, sim_time>> cut;  // episode, its end in this world
    for (const std::uint32_t ei : kept_) {
      const episode& e = eps_[ei];
      const ext_rec& xr = ext_[e.ext];
      const interval* iv = nullptr;
      sim_time tv = 0;
      bool longer = false;
      for (const auto& x : xr.ivs) {
        tv = tau(x.slot, x.low);
        const sim_time tr = cfg_.timeout(x.slot);  // the reference's timer
        if (tv > tr) {
          if (x.n >= tr) {
            longer = true;
            break;
          }
          continue;
        }
        if (x.n >= tv) { iv = &x; break; }
      }
      if (longer) {
        mark(e.key, "a longer timer than the reference's");
        continue;
      }
      if (!iv) continue;
      const sim_time t_exp = iv->t_r + tv;
      // the connection in the log when the session goes, and the session's state then
      const std::vector<entry>& log = xr.log;
      std::size_t j = iv->first;
      const entry* before = &log[j];
      for (; j < log.size() && log[j].t < t_exp; ++j)
        if (!(log[j].f & f_foreign)) before = &log[j];
      const std::uint32_t cid = before->conn;
      const conn_info& ci = conns_.at(cid);
      const bool in_log = !ci.emitted || ci.emit_time >= t_exp;
      bool breaks = false;
      const bool region = j < log.size();
      const char* why = nullptr;
      for (std::size_t k = j; k < log.size() && !why; ++k) {
        const entry& x = log[k];
        if (x.f & f_foreign) why = "an ICMP error quotes a session that expired earlier";
        else if (x.f & f_frag) why = "a fragment after an earlier expiry";
        else if (x.f & f_creating) why = "a packet would create the session again after an earlier expiry";
        else if (x.conn != cid) why = "another connection on the tuple after an earlier expiry";
        else if (x.f & f_breaking) breaks = true;
      }
      if (!why && region && (!in_log || (ci.warm && !(log[j].f & f_had_session))))
        why = "a connection that started while the session lived";
      if (!why && ci.fragment && (region || in_log)) why = "a fragmented connection";
      if (why) {
        mark(e.key, why);
        continue;
      }
      cut.emplace_back(ei, t_exp);
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
      cevs.push_back(cev{cid, t_exp, end, kind, ei});
    }
    std::sort(cevs.begin(), cevs.end(),
              [](const cev& a, const cev& b) { return a.conn != b.conn ? a.conn < b.conn : a.t_exp < b.t_exp; });
    // Each connection's break at this value (decided before anything is counted: a connection
    // can still mark its flow).
    struct verdict_of {
      std::size_t first;
      break_cause vb;
    };
    std::vector<verdict_of> vs;
    for (std::size_t i = 0; i < cevs.size();) {
      std::size_t j = i;
      while (j < cevs.size() && cevs[j].conn == cevs[i].conn) ++j;
      const conn_info& ci = conns_.at(cevs[i].conn);
      bool decided = false, unsure = false;
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
        if (ci.broken && ci.brk_time <= cevs[k].end) {
          unsure = true;
          break;
        }
      }
      if (unsure) mark(eps_[cevs[i].ep].key, "the reference broke the connection while it had no session at this value");
      else {
        if (!decided && ci.broken) vb = ci.cause;
        vs.push_back(verdict_of{i, vb});
      }
      i = j;
    }
    auto is_marked = [&](const flow_key& k) { return !marked.empty() && marked.find(k) != nullptr; };
    for (const verdict_of& x : vs) {
      const cev& c = cevs[x.first];
      if (is_marked(eps_[c.ep].key)) continue;
      const conn_info& ci = conns_.at(c.conn);
      if (ci.broken) {
        --out.broken;
        --out.broken_by_cause[static_cast<std::size_t>(ci.cause)];
      }
      if (x.vb != break_cause::none) {
        ++out.broken;
        ++out.broken_by_cause[static_cast<std::size_t>(x.vb)];
      }
    }
    if (!marked.empty()) {
      if (!part) {
        out.why = first_why;
        if (!fragments_) marked.for_each([&](const flow_key& k, char) { out.resimulate.push_back(k); });
        return out;
      }
      // The marked flows' connections as the filtered replay saw them, instead of the reference's.
      for (const broken_conn& b : broken_)
        if (marked.find(b.key)) {
          --out.broken;
          --out.broken_by_cause[static_cast<std::size_t>(b.cause)];
        }
      out.broken += part_sum->broken;
      for (std::size_t c = 0; c < out.broken_by_cause.size(); ++c) out.broken_by_cause[c] += part_sum->broken_by_cause[c];
      for (const auto& d : part_sum->devices)
        if (d.stats.evicted || d.stats.table_full_drops || d.stats.synced_in)
          return inexact(out, "the re-simulated flows filled the table");
    }
    // Peak: the reference's table events without the changed sessions, merged with their
    // shortened ends and the re-simulated flows' events.
    std::vector<std::uint8_t> skip;  // per episode: 1 end replaced, 2 left out
    std::vector<ev> extra;
    if (!cut.empty() || !marked.empty()) skip.assign(eps_.size(), 0);
    for (const auto& [ei, t] : cut) {
      if (is_marked(eps_[ei].key)) continue;
      skip[ei] = 1;
      extra.push_back(ev{t, 0, ei, 0});
    }
    std::vector<std::uint8_t> skip_tr;
    if (!marked.empty()) {
      for (std::size_t i = 0; i < eps_.size(); ++i)  // a scan: the marked set is small and stays in cache
        if (marked.find(eps_[i].key)) skip[i] = 2;
      skip_tr.assign(transient_.size(), 0);
      for (std::size_t i = 0; i < transient_.size(); ++i)
        if (marked.find(transient_[i].key)) skip_tr[i] = 1;
    }
    std::sort(extra.begin(), extra.end(), ev_less);
    const std::vector<ev> none;
    const std::vector<ev>& pev = part ? part->evs_ : none;
    std::size_t n = 0, best = 0;
    std::size_t a = 0, b = 0, c = 0;
    auto apply = [&](const ev& x) {
      if (x.type == 0) {
        --n;
      } else {
        best = std::max(best, n + 1);
        if (x.type == 1) ++n;
      }
    };
    for (;;) {
      // next base event that counts
      while (a < evs_.size()) {
        const ev& x = evs_[a];
        if (x.type == 2 ? (!skip_tr.empty() && skip_tr[x.id]) : (!skip.empty() && (skip[x.id] == 2 || (skip[x.id] == 1 && x.type == 0))))
          ++a;
        else
          break;
      }
      const ev* m = a < evs_.size() ? &evs_[a] : nullptr;
      int from = 0;
      if (b < extra.size() && (!m || ev_less(extra[b], *m))) {
        m = &extra[b];
        from = 1;
      }
      if (c < pev.size() && (!m || ev_less(pev[c], *m))) {
        m = &pev[c];
        from = 2;
      }
      if (!m) break;
      apply(*m);
      if (from == 0) ++a;
      else if (from == 1) ++b;
      else ++c;
    }
    out.peak_sessions = best;
    if (part && cfg_.capacity != 0 && best > cfg_.capacity) return inexact(out, "the table would fill at this value");
    out.exact = true;
    return out;
  }

  timeout_slot s_;
  device_config cfg_;
  sim_time vmin_;
  bool gaps_ = true;
  const std::uint64_t* seq_src_ = nullptr;
  live_index live_;               ///< key → its live session (pool_ slot)
  std::vector<live_rec> pool_;    ///< live sessions
  std::vector<std::uint32_t> free_live_;
  std::vector<episode> eps_;
  std::vector<ext_rec> ext_;
  std::vector<std::uint32_t> free_ext_;
  std::vector<std::uint32_t> kept_;
  std::vector<conn_info> conns_;
  std::vector<std::uint64_t> pending_emit_;
  std::vector<sens> sensitive_;
  std::vector<point> transient_;
  std::vector<broken_conn> broken_;  ///< the reference's broken connections
  std::vector<ev> evs_;              ///< the table's events, sorted (after finish())
  std::uint32_t pending_end_ = none32;  ///< live slot of the session the current packet ended
  std::uint64_t seq_ = 0;
  bool pressure_ = false;
  bool fragments_ = false;
  bool overflow_ = false;  ///< more than 2^32 connections (the packet records hold 32-bit ids)
  run_summary ref_;
};

/// One value of a sweep whose point needs some flows re-simulated (see idle_resim()).
struct idle_resim_lane {
  topology topo;                       ///< the value's topology (one device, as the reference's)
  std::vector<flow_key> keys;          ///< the flows to replay (idle_sweep_point::resimulate)
  std::unique_ptr<idle_recorder> rec;  ///< out: the filtered replay's sessions
  run_summary summary;                 ///< out: its totals
  std::string why;                     ///< out: non-empty when it could not be done exactly
};

/**
 * The filtered replays of an idle-timeout sweep, in one pass over `src` (the trace and keepalives
 * the reference replay saw): lane i replays only the packets whose key (either direction) is one
 * of its `keys`, with its own topology. Flows are independent in one device whose table never
 * fills (the caller checks the rest: idle_recorder::combine() fails when the combined table would
 * have filled), so the lane sees exactly what a full replay at its value would do to those flows,
 * provided it lives on the full trace's clock: it starts at the trace's first frame, and the
 * connection log's idle flushes (once a second of arrivals) happen at the same arrivals as in a
 * full replay (replay_options::external_flush, replay::flush_at()), caught up before each packet
 * it is pushed. Decisions are numbered as in the full replay (idle_recorder::use_sequence()), so
 * the lanes' table events merge with the reference's. A lane fails (why) when an ICMP error quotes
 * one of its flows or is one of them; every lane when the trace has IP fragments. At most 64
 * lanes (the others fail). `s`: the swept slot.
 */
template <class Source>
void idle_resim(Source& src, std::vector<idle_resim_lane>& lanes, timeout_slot s, replay_options ropt) {
  const std::size_t n = lanes.size();
  std::uint64_t active = 0;
  flow_map<std::uint64_t> route;
  std::vector<std::unique_ptr<replay>> rs(n);
  std::uint64_t seq = 0;
  ropt.read_ahead = false;
  ropt.external_flush = true;
  for (std::size_t i = 0; i < n; ++i) {
    idle_resim_lane& l = lanes[i];
    if (i >= 64) {
      l.why = "more than 64 values to re-simulate in one pass";
      continue;
    }
    l.rec = std::make_unique<idle_recorder>(s, l.topo.devices.at(0).config, std::numeric_limits<sim_time>::max(), false);
    l.rec->use_sequence(&seq);
    replay_options o = ropt;
    o.observer = l.rec.get();
    rs[i] = std::make_unique<replay>(l.topo, o);
    rs[i]->begin(*l.rec);
    for (const flow_key& k : l.keys) route.get(k, hash_bidir(k), 0) |= std::uint64_t{1} << i;
    active |= std::uint64_t{1} << i;
  }
  auto fail = [&](std::uint64_t m, const char* why) {
    m &= active;
    active &= ~m;
    for (; m; m &= m - 1) {
      const auto i = static_cast<std::size_t>(__builtin_ctzll(m));
      lanes[i].why = why;
      rs[i].reset();
    }
  };
  std::vector<sim_time> flushes;             // the full replay's connection-log flushes
  std::vector<std::size_t> done(n, 0);      // flushes each lane has had
  auto catch_up = [&](std::size_t i) {
    for (; done[i] < flushes.size(); ++done[i]) rs[i]->flush_at(flushes[done[i]]);
  };
  packet_view p;
  skip_reason why = skip_reason::none;
  bool first = true;
  sim_time last_flush = 0, last_ts = 0;
  while (active && src.next(p, why)) {
    if (first) {
      first = false;
      last_flush = p.ts;
      for (std::uint64_t m = active; m; m &= m - 1) rs[static_cast<std::size_t>(__builtin_ctzll(m))]->start_at(p.ts);
    }
    last_ts = p.ts;
    if (p.fragment) {
      fail(active, "the trace has IP fragments (a fragment's flow is not known from its header)");
      break;
    }
    if (why != skip_reason::none) continue;  // not an arrival: no decision, no flush
    ++seq;
    if (p.ts - last_flush >= seconds(1)) {
      flushes.push_back(p.ts);
      last_flush = p.ts;
    }
    const flow_key k = tracking_key(p);
    std::uint64_t m = 0;
    if (const std::uint64_t* x = route.find(k, hash_bidir(k))) m = *x;
    if (classify_icmp(p) == icmp_kind::error) {
      flow_key q;
      if (quoted_tracking_key(p, q))
        if (const std::uint64_t* x = route.find(q, hash_bidir(q))) m |= *x;
      if (m) fail(m, "an ICMP error quotes a re-simulated flow");
      continue;
    }
    for (m &= active; m; m &= m - 1) {
      const auto i = static_cast<std::size_t>(__builtin_ctzll(m));
      catch_up(i);
      rs[i]->push(p, why);
    }
  }
  for (std::uint64_t m = active; m; m &= m - 1) {
    const auto i = static_cast<std::size_t>(__builtin_ctzll(m));
    catch_up(i);
    rs[i]->note_time(last_ts);
    lanes[i].summary = rs[i]->finish();
    lanes[i].rec->finish(lanes[i].summary);
  }
}

}  // namespace sessim
