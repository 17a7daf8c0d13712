#pragma once
/// connection_log: groups packets into connections, updates their counters and history, decides
/// breaks and fix hints from the devices' decisions, and hands each connection out when it ends
/// (so memory follows open connections, not the trace length).
#include <algorithm>
#include <cstdint>
#include <boost/intrusive/unordered_set.hpp>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sessim/core/bucket_queue.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/core/pool.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/report/connection.hpp"

namespace sessim {

/// Settings of the connection log.
struct connection_log_options {
  bool cold_start = false;           ///< no connection is assumed open at capture start
  sim_time warm_window = seconds(5); ///< a mid-stream first packet this early is "already open"
  sim_time linger = seconds(240);    ///< closed or unanswered connections are handed out after this idle time
};

class connection_log;

/** A counted reference to a connection record, held by packets still in flight (events) so a
 *  connection handed out meanwhile stays valid until they are done. Not thread-safe (a replay
 *  is single-threaded). */
class conn_ref {
 public:
  conn_ref() = default;
  conn_ref(connection* c, connection_log* log) noexcept : c_(c), log_(log) { if (c_) ++c_->pins_; }
  conn_ref(const conn_ref& o) noexcept : conn_ref(o.c_, o.log_) {}
  conn_ref(conn_ref&& o) noexcept : c_(o.c_), log_(o.log_) { o.c_ = nullptr; }
  conn_ref& operator=(conn_ref o) noexcept {
    std::swap(c_, o.c_);
    std::swap(log_, o.log_);
    return *this;
  }
  ~conn_ref() { reset(); }
  inline void reset() noexcept;
  connection& operator*() const noexcept { return *c_; }
  connection* operator->() const noexcept { return c_; }
  connection* get() const noexcept { return c_; }
  explicit operator bool() const noexcept { return c_ != nullptr; }

 private:
  connection* c_ = nullptr;
  connection_log* log_ = nullptr;
};

/** The connection bookkeeping of one replay.
 *  Records are pooled and kept in a Boost.Intrusive hash set keyed in both directions (stored
 *  hashes, one lookup per packet). Handing out idle connections uses a lazily updated min-heap
 *  on the last-packet time: a packet only writes its connection's time; the heap is fixed up
 *  when an entry comes due, so the exact LRU order of the original list is kept without moving
 *  list nodes on every packet. */
class connection_log {
 public:
  using emit_fn = std::function<void(const connection&)>;

  connection_log(std::vector<std::string> devices, std::vector<device_config> configs,
                 connection_log_options opt, emit_fn emit)
      : devices_(std::move(devices)), configs_(std::move(configs)), opt_(opt), emit_(std::move(emit)),
        buckets_(1024), set_(set_type::bucket_traits(buckets_.data(), buckets_.size())) {}

  connection_log(const connection_log&) = delete;
  connection_log& operator=(const connection_log&) = delete;

  ~connection_log() {
    set_.clear();
  }

  /// Finds or starts the connection of a packet. `dir` gets 0 (client→server) or 1.
  connection& on_packet(const packet_view& p, sim_time trace_start, int& dir) {
    return *on_packet_ref(p, trace_start, dir).get();
  }

  /// "Not computed yet" for the `h` arguments below.
  static constexpr std::size_t no_hash = static_cast<std::size_t>(-1);

  /// As on_packet, returning a counted reference (for packets still in flight when it ends).
  /// `h`: hash_bidir(tracking_key(p)) if the caller has it, else no_hash.
  conn_ref on_packet_ref(const packet_view& p, sim_time trace_start, int& dir, std::size_t h = no_hash) {
    return conn_ref(&on_packet_raw(p, trace_start, dir, h), this);
  }

  /// As on_packet; the record stays valid until the next call into the log.
  connection& on_packet_raw(const packet_view& p, sim_time trace_start, int& dir, std::size_t h = no_hash) {
    const flow_key k = tracking_key(p);
    if (h == no_hash) h = hash_bidir(k);
    connection* c = lookup_dir(k, h, dir);
    if (!c || starts_new(*c, p)) [[unlikely]] {
      c = open(c, p, k, trace_start);
      dir = c->key == k ? 0 : 1;
    }
    c->closed_before = c->closed();
    update(*c, p, dir);
    c->touch_ = ++touches_;
    if (!c->in_idle_) [[unlikely]] {
      idle_.push(idle_entry{c->last_ts, c->id, c});
      c->in_idle_ = true;
    }
    return *c;
  }

  /// Read-ahead, step 1: brings the bucket of hash `h` (hash_bidir of the tracking key) in.
  void prefetch_bucket(std::size_t h) const noexcept {
    __builtin_prefetch(&buckets_[h & (buckets_.size() - 1)]);
  }
  /// Read-ahead, step 2 (once the bucket is cached): brings the first record's hot lines in.
  void prefetch_entry(std::size_t h) noexcept {
    const std::size_t n = h & (set_.bucket_count() - 1);
    auto it = set_.begin(n);
    if (it == set_.end(n)) return;
    const char* e = reinterpret_cast<const char*>(&*it);
    for (std::size_t l = 0; l < connection_hot_lines; ++l) __builtin_prefetch(e + 64 * l, 1);
  }

  /// The live connection of a key with hash `h` if it is the first of its bucket (a read-ahead
  /// helper: no full chain walk), or nullptr.
  const connection* peek(const flow_key& k, std::size_t h) const noexcept {
    const std::size_t n = h & (set_.bucket_count() - 1);
    auto it = set_.begin(n);
    if (it == set_.end(n) || !k.same_flow(it->key)) return nullptr;
    return &*it;
  }

  /// The live connection of a key (either direction), or nullptr.
  connection* find(const flow_key& k) { return lookup(k, hash_bidir(k)); }

  /// Records device `i`'s decision on a packet of `c` (in path order).
  void on_decision(connection& c, std::size_t i, const packet_view& p, int dir, const decision& d,
                   const break_context& ctx = {}) {
    device_view& v = c.dev[i];
    v.last = d.v;
    if (d.tracked) {
      v.had_session = true;
      v.lost = false;
    }
    if (d.v == verdict::forward || d.v == verdict::redirect) [[likely]] return;
    on_drop(c, i, p, dir, d, ctx);
  }

 private:
  /// on_decision for a dropped or rejected frame: counts it and decides the break (out of line:
  /// the per-packet part above stays small enough to inline).
  [[gnu::noinline]] void on_drop(connection& c, std::size_t i, const packet_view& p, int dir, const decision& d,
                                 const break_context& ctx) {
    const device_view& v = c.dev[i];
    ++c.dev.cold(i).dropped;
    ++c.dropped;
    if (c.broken) return;
    if (p.is_tcp() && (p.flags & tcp_flags::rst)) return;  // a lost RST does not break a live connection
    if (c.closed_before) return;  // the conversation had already ended
    break_info b;
    b.frame = p.frame;
    b.time = p.ts;
    b.device = devices_[i];
    b.why = d.why;
    b.dir = dir;
    b.exp = d.v == verdict::reject ? experience::reset : experience::blackhole;
    b.exp_time = p.ts;
    if (ctx.cause != break_cause::none) {
      b.cause = ctx.cause;
      b.race_margin = ctx.race_margin;
      b.sync_lost = ctx.sync_lost;
      b.sync_latency_below = ctx.sync_latency_below;
    } else if (v.lost && v.lost_kind == session_end_kind::evicted) {
      b.cause = break_cause::table_full;
    } else if (v.lost) {
      b.cause = break_cause::idle_timeout;
      set_timeout_hint(c, b, i, v, p.ts);
    } else if (d.why == reason::table_full) {
      b.cause = break_cause::table_full;
    } else if (d.why == reason::no_session || d.why == reason::invalid_new ||
               d.why == reason::icmp_no_request || d.why == reason::icmp_no_session) {
      b.cause = break_cause::no_session;
    } else {
      b.cause = break_cause::invalid;
    }
    if (b.cause == break_cause::table_full) {
      b.fix_key = "table.capacity";
      b.current = static_cast<sim_time>(configs_[i].capacity);
      b.hint = configs_[i].table_full == table_full_policy::drop_new
                   ? fmt::format("raise table.capacity above {} or use table.full=early-drop", configs_[i].capacity)
                   : fmt::format("raise table.capacity above {}, or shorten the closing-state timeouts", configs_[i].capacity);
    } else if (b.cause == break_cause::no_session) {
      no_session_fix(c, d, configs_[i], b);
    } else if (b.cause == break_cause::sync_race) {
      b.fix_key = "sync.latency";
      b.hint = b.sync_lost
                   ? "the sync message was lost: a reliable mode (ftfw), owner redirect, or pickup would save it"
                   : fmt::format("sync faster than {} s, defer >= {} s, owner redirect, or pickup on the peer",
                                 format_seconds(b.sync_latency_below), format_seconds(b.race_margin));
    } else if (b.cause == break_cause::failover) {
      b.fix_key = "sync";
      b.hint = "the device that took over never received this session: sync it (or resync before failback), or pick it up";
    } else if (b.cause == break_cause::owner_unreachable) {
      b.fix_key = "path";
      b.hint = "no device on the path was up: add a backup";
    } else if (b.cause == break_cause::invalid) {
      if (d.why == reason::seq_over_window || d.why == reason::ack_over_window) {
        b.fix_key = "tcp.be_liberal";
        b.hint = "outside the tracked TCP window: tcp.be_liberal=1 would accept it";
      } else if (d.why == reason::invalid_flags) {
        b.hint = "an impossible TCP flag combination: the device drops it in every state";
      } else {
        b.hint = "the device rejects this packet in the session's state";
      }
    }
    c.broken = true;
    c.brk = std::move(b);
  }

  /** The fix of a no-session break: the setting that would have accepted the packet, or none
   *  (empty key) when no policy creates a session from it (conntrack neither): a FIN, RST or
   *  SYN/ACK without one, an ICMP reply without its request, an ICMP error about nothing. */
  static void no_session_fix(const connection& c, const decision& d, const device_config& cfg, break_info& b) {
    const reason why = d.why;
    if (d.syn_only_unreplied) {
      // The device holds the session, but no reply has crossed it: policy.syn_only (scope
      // unreplied, a `ct state new` rule) drops every client packet that is not a bare SYN.
      b.fix_key = "policy.syn_only_scope";
      b.hint = "no reply crossed this device (asymmetric route?) and policy.syn_only drops every client packet "
               "but a SYN until one does: route replies through it, or policy.syn_only_scope=create";
    } else if (c.had_syn()) {
      b.fix_key = "policy.no_session";
      b.hint = "the device had no session for it: check the policy and capture start";
    } else if (why == reason::no_session && cfg.syn_only) {
      b.fix_key = "policy.syn_only";
      b.hint = "mid-stream packet without a session: policy.syn_only=0 with policy.no_session=pickup would accept it";
    } else if (why == reason::no_session) {
      b.fix_key = "policy.no_session";
      b.hint = "mid-stream packet without a session: policy.no_session=pickup (tcp.loose=1) would accept it";
    } else if (why == reason::icmp_no_request) {
      b.hint = "ICMP reply without a live request: no policy accepts it";
    } else if (why == reason::icmp_no_session) {
      b.hint = "ICMP error about no live session: no policy accepts it";
    } else {
      b.hint = "no policy creates a session from this packet (TCP: only a SYN, or with pickup an ACK, does): "
               "the connection was open before the capture (see --warm-window) or its session ended earlier";
    }
  }

 public:
  /// A device's session ended (expiry, eviction, kill).
  void on_session_end(std::size_t i, const session_end& e) {
    connection* cp = find(e.orig);
    if (!cp) return;
    connection& c = *cp;
    device_view& v = c.dev[i];
    if (e.kind == session_end_kind::reopened) return;  // the new connection takes over
    v.lost = true;
    v.lost_kind = e.kind;
    v.lost_slot = e.slot;
    v.rst = e.rst;
    device_view_cold& vc = c.dev.cold(i);
    vc.lost_at = e.at;
    vc.lost_last_refresh = e.last_refresh;
    if (e.rst && !c.broken) {
      break_info b;
      b.frame = 0;
      b.time = e.at;
      b.device = devices_[i];
      b.cause = break_cause::rst_on_expiry;
      b.why = reason::no_session;
      b.exp = experience::reset;
      b.exp_time = e.at;
      set_timeout_hint(c, b, i, v, e.at);
      c.broken = true;
      c.brk = std::move(b);
    }
  }

  /// Hands out connections that are closed or unanswered and idle for longer than `linger`
  /// (in the order of their last packet, oldest first); idle open ones are kept, without an
  /// idle-queue entry, until their next packet or the end of the trace.
  void flush_idle(sim_time now) {
    due_.clear();
    while (!idle_.empty() && now - idle_.top().stamp > opt_.linger) {
      // the next top is one of the heap's first entries: fetch what the check reads
      idle_.peek_next(6, [](const idle_entry& x) {
        __builtin_prefetch(x.c);
        __builtin_prefetch(&x.c->id);
      });
      const idle_entry e = idle_.top();
      idle_.pop();
      connection* c = e.c;
      if (!c->live_ || c->id != e.id) continue;  // handed out (or its record reused) since
      if (now - c->last_ts > opt_.linger) {
        c->in_idle_ = false;
        due_.push_back(c);
      } else {  // had packets since the entry was made
        idle_.push(idle_entry{c->last_ts, c->id, c});
      }
    }
    std::sort(due_.begin(), due_.end(), [](const connection* a, const connection* b) { return a->touch_ < b->touch_; });
    for (connection* c : due_)
      if (c->closed() || c->pkts[1] == 0) finish(*c);
  }

  /// Hands out every remaining connection, in order of first frame.
  void finish_all() {
    std::vector<connection*> rest;
    rest.reserve(set_.size());
    for (auto& c : set_) rest.push_back(&c);
    std::sort(rest.begin(), rest.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (connection* c : rest) finish(*c);
    idle_.clear();
  }

  /// A counted reference was dropped: a handed-out record goes back to the pool.
  void unpin(connection* c) noexcept {
    if (--c->pins_ == 0 && !c->live_) release(c);
  }

  std::uint64_t connections() const noexcept { return next_id_; }
  std::size_t peak_open() const noexcept { return peak_open_; }

 private:
  struct conn_hash {
    std::size_t operator()(const connection& c) const noexcept { return hash_bidir(c.key); }
  };
  struct conn_equal {
    bool operator()(const connection& a, const connection& b) const noexcept { return a.key.same_flow(b.key); }
    bool operator()(const flow_key& k, const connection& c) const noexcept { return k.same_flow(c.key); }
    bool operator()(const connection& c, const flow_key& k) const noexcept { return k.same_flow(c.key); }
  };
  /// Returns a hash computed once per packet.
  struct known_hash {
    std::size_t h;
    std::size_t operator()(const flow_key&) const noexcept { return h; }
  };
  using set_type = boost::intrusive::unordered_set<
      connection,
      boost::intrusive::member_hook<connection, decltype(connection::log_hook_), &connection::log_hook_>,
      boost::intrusive::hash<conn_hash>, boost::intrusive::equal<conn_equal>,
      boost::intrusive::power_2_buckets<true>, boost::intrusive::store_hash<true>,
      boost::intrusive::constant_time_size<true>>;

  struct idle_entry {
    sim_time stamp;     ///< the connection's last-packet time when the entry was made (<= now)
    std::uint64_t id;   ///< the connection's id (a reused record has another)
    connection* c;
  };
  struct idle_before {  // earliest stamp, then lowest id, first
    bool operator()(const idle_entry& a, const idle_entry& b) const noexcept {
      return a.stamp != b.stamp ? a.stamp < b.stamp : a.id < b.id;
    }
  };

  connection* lookup(const flow_key& k, std::size_t h) {
    auto it = set_.find(k, known_hash{h}, conn_equal{});
    return it == set_.end() ? nullptr : &*it;
  }

  /// Same flow in either direction; tells which (0: the key's orientation, 1: reversed).
  struct conn_equal_dir {
    int* dir;
    bool operator()(const flow_key& k, const connection& c) const noexcept {
      if (k == c.key) {
        *dir = 0;
        return true;
      }
      if (k.is_reverse_of(c.key)) {
        *dir = 1;
        return true;
      }
      return false;
    }
  };
  /// As lookup; `dir` gets the packet's direction in the connection found.
  connection* lookup_dir(const flow_key& k, std::size_t h, int& dir) {
    auto it = set_.find(k, known_hash{h}, conn_equal_dir{&dir});
    return it == set_.end() ? nullptr : &*it;
  }

  void insert(connection& c) {
    set_.insert(c);
    c.live_ = true;
    if (set_.size() > buckets_.size()) {
      bucket_vector nb(buckets_.size() * 2);
      set_.rehash(set_type::bucket_traits(nb.data(), nb.size()));
      buckets_.swap(nb);
    }
  }

  connection* allocate() { return pool_.allocate(); }

  void release(connection* c) noexcept {
    static const connection blank{};
    // Reset every field (hooks are not copied by assignment; the record is unlinked here).
    *c = blank;
    c->pins_ = 0;
    c->in_idle_ = false;
    c->live_ = false;
    pool_.release(c);
  }

  /// A packet's connection starts: hands out `old` (the ended connection on its tuple, if any)
  /// and makes the record. Out of line: most packets belong to a live connection.
  [[gnu::noinline]] connection* open(connection* old, const packet_view& p, const flow_key& k, sim_time trace_start) {
    if (old) finish(*old);
    connection* c = allocate();
    c->id = ++next_id_;
    c->key = k;
    const bool synack_first = p.is_tcp() && (p.flags & (tcp_flags::syn | tcp_flags::ack)) ==
                                                (tcp_flags::syn | tcp_flags::ack);
    if (synack_first) {
      c->key = k.reversed();
      c->flipped = true;
      c->history.set_caret();
    }
    c->first_frame = p.frame;
    c->first_ts = p.ts;
    c->last_ts = p.ts;
    c->dev.resize(devices_.size());
    const bool bare_syn = p.is_tcp() && (p.flags & (tcp_flags::syn | tcp_flags::ack)) == tcp_flags::syn;
    c->warm = !opt_.cold_start && p.is_tcp() && !bare_syn && p.ts - trace_start <= opt_.warm_window;
    insert(*c);
    ++count_;
    if (set_.size() > peak_open_) peak_open_ = set_.size();
    return c;
  }

  bool starts_new(const connection& c, const packet_view& p) const {
    if (!p.is_tcp()) return false;
    const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
    if (!bare_syn) return false;
    if (c.closed()) return true;
    // A SYN with a new ISN after the previous handshake completed: port reuse.
    return c.syn(0) && c.synack(1) && p.seq != c.client_isn && c.pkts[0] + c.pkts[1] > 2;
  }

  void update(connection& c, const packet_view& p, int dir) {
    // (a new record has last_ts = its first packet's time: no gap)
    const sim_time gap = p.ts - c.last_ts;
    if (gap > c.max_gap) c.max_gap = gap;
    if (c.broken && p.frame != c.brk.frame) ++c.after_break;
    c.last_frame = p.frame;
    c.last_ts = p.ts;
    ++c.pkts[dir];
    c.bytes[dir] += p.payload_len;
    c.ip_bytes[dir] += p.ip_len;
    const unsigned side = dir ? conn_history::server : 0u;  // the letter numbers of this direction
    if (p.is_tcp()) {
      if (!p.l4_header) return;
      const std::uint8_t f = p.flags;
      const bool s = f & tcp_flags::syn, a = f & tcp_flags::ack;
      const std::uint32_t payload = p.l4_len >= p.doff ? p.l4_len - p.doff : 0;
      const bool known = (c.seq_known >> dir) & 1;
      if (s && !a) {
        if (dir == 0 && !c.syn(0)) c.client_isn = p.seq;
        c.history.add(conn_history::S + side);
      }
      if (s && a) c.history.add(conn_history::H + side);
      if (f & tcp_flags::fin) c.history.add(conn_history::F + side);
      if (f & tcp_flags::rst) c.history.add(conn_history::R + side);
      if (payload > 0) {
        if (known && !tcp::after(p.seq + payload, c.seq_end[dir])) c.history.add(conn_history::T + side);
        c.history.add(conn_history::D + side);
      } else if (a && !s && !(f & (tcp_flags::fin | tcp_flags::rst))) {
        c.history.add(conn_history::A + side);
      }
      if (p.win == 0 && !(f & tcp_flags::rst)) c.history.add(conn_history::W + side);
      const std::uint32_t end = p.seq + payload + (s ? 1 : 0) + ((f & tcp_flags::fin) ? 1 : 0);
      if (!known || tcp::after(end, c.seq_end[dir])) {
        c.seq_end[dir] = end;
        c.seq_known |= static_cast<std::uint8_t>(1u << dir);
      }
    } else {
      c.history.add(conn_history::D + side);
    }
  }

  void set_timeout_hint(connection& c, break_info& b, std::size_t i, const device_view& v, sim_time at) {
    const device_config& cfg = configs_[i];
    b.fix_key = std::string(timeout_key(v.lost_slot));
    b.current = cfg.timeout(v.lost_slot);
    b.idle_gap = at - c.dev.cold(i).lost_last_refresh;
    b.keepalive_below = cfg.timeout(v.lost_slot);
    b.timeout_above = b.idle_gap;  // refined at finalize with the connection's largest gap
  }

  void finalize(connection& c) {
    if (!c.broken) return;
    if (c.brk.cause == break_cause::idle_timeout || c.brk.cause == break_cause::rst_on_expiry) {
      // Every refresh gap must stay below the timeout: the smallest safe timeout is above the
      // largest idle gap of the whole connection (and above the one that broke it).
      if (c.max_gap > c.brk.timeout_above) c.brk.timeout_above = c.max_gap;
      c.brk.hint = fmt::format("{} > {} s, or a keepalive every < {} s", c.brk.fix_key,
                               format_seconds(c.brk.timeout_above), format_seconds(c.brk.keepalive_below));
    }
  }

  /// Hands a connection out: finalize, emit, and recycle once no packet in flight refers to it.
  void finish(connection& c) {
    set_.erase(set_.iterator_to(c));
    c.live_ = false;
    finalize(c);
    emit_(c);
    if (c.pins_ == 0) release(&c);
  }

  std::vector<std::string> devices_;
  std::vector<device_config> configs_;
  connection_log_options opt_;
  emit_fn emit_;
  using bucket_vector = std::vector<set_type::bucket_type, page_allocator<set_type::bucket_type>>;
  bucket_vector buckets_;
  set_type set_;
  object_pool<connection> pool_;
  bucket_queue<idle_entry, idle_before> idle_;  ///< lazy idle queue (stale entries skipped)
  std::vector<connection*> due_;
  std::uint64_t touches_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t count_ = 0;
  std::size_t peak_open_ = 0;
};

inline void conn_ref::reset() noexcept {
  if (c_) log_->unpin(c_);
  c_ = nullptr;
}

}  // namespace sessim
