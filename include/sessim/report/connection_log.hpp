#pragma once
/// connection_log: groups packets into connections, updates their counters and history, decides
/// breaks and fix hints from the devices' decisions, and hands each connection out when it ends
/// (so memory follows open connections, not the trace length).
#include <algorithm>
#include <cstdint>
#include <boost/intrusive/list.hpp>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sessim/core/packet.hpp"
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

/// The connection bookkeeping of one replay.
class connection_log {
 public:
  using emit_fn = std::function<void(const connection&)>;

  connection_log(std::vector<std::string> devices, std::vector<device_config> configs,
                 connection_log_options opt, emit_fn emit)
      : devices_(std::move(devices)), configs_(std::move(configs)), opt_(opt), emit_(std::move(emit)) {}

  /// Finds or starts the connection of a packet. `dir` gets 0 (client→server) or 1.
  connection& on_packet(const packet_view& p, sim_time trace_start, int& dir) {
    return *on_packet_shared(p, trace_start, dir);
  }

  /// As on_packet, returning shared ownership (for packets still in flight when it ends).
  std::shared_ptr<connection> on_packet_shared(const packet_view& p, sim_time trace_start, int& dir) {
    const flow_key k = tracking_key(p);
    auto it = map_.find(k);
    if (it != map_.end() && starts_new(*it->second, p, k)) {
      finish(it);
      it = map_.end();
    }
    if (it == map_.end()) {
      auto c = std::make_shared<connection>();
      c->id = ++next_id_;
      c->key = k;
      const bool synack_first = p.is_tcp() && (p.flags & (tcp_flags::syn | tcp_flags::ack)) ==
                                                  (tcp_flags::syn | tcp_flags::ack);
      if (synack_first) {
        c->key = k.reversed();
        c->flipped = true;
        c->history = "^";
      }
      c->first_frame = p.frame;
      c->first_ts = p.ts;
      c->last_ts = p.ts;
      c->dev.resize(devices_.size());
      const bool bare_syn = p.is_tcp() && (p.flags & (tcp_flags::syn | tcp_flags::ack)) == tcp_flags::syn;
      c->warm = !opt_.cold_start && p.is_tcp() && !bare_syn && p.ts - trace_start <= opt_.warm_window;
      it = map_.emplace(c->key, std::move(c)).first;
      ++count_;
      if (map_.size() > peak_open_) peak_open_ = map_.size();
    }
    std::shared_ptr<connection> cp = it->second;
    connection& c = *cp;
    dir = c.key == k ? 0 : 1;
    c.closed_before = c.closed();
    update(c, p, dir);
    touch(it);
    return cp;
  }

  /// The live connection of a key (either direction), or nullptr.
  connection* find(const flow_key& k) {
    auto it = map_.find(k);
    return it == map_.end() ? nullptr : it->second.get();
  }

  /// Records device `i`'s decision on a packet of `c` (in path order).
  void on_decision(connection& c, std::size_t i, const packet_view& p, int dir, const decision& d,
                   const break_context& ctx = {}) {
    device_view& v = c.dev[i];
    v.last = d.v;
    if (d.tracked || d.created) {
      if (d.tracked) {
        v.had_session = true;
        v.lost = false;
      }
    }
    if (d.v == verdict::forward || d.v == verdict::redirect) return;
    ++v.dropped;
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
      b.fix_key = "policy.no_session";
      b.hint = c.had_syn() ? "the device had no session for it: check the policy and capture start"
                           : "mid-stream packet without a session: policy.no_session=pickup (tcp.loose=1) would accept it";
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
      b.fix_key = "tcp.be_liberal";
      b.hint = (d.why == reason::seq_over_window || d.why == reason::ack_over_window)
                   ? "outside the tracked TCP window: tcp.be_liberal=1 would accept it"
                   : "the device rejects this packet in the session's state";
    }
    c.broken = true;
    c.brk = std::move(b);
  }

  /// A device's session ended (expiry, eviction, kill).
  void on_session_end(std::size_t i, const session_end& e) {
    auto it = map_.find(e.orig);
    if (it == map_.end()) return;
    connection& c = *it->second;
    device_view& v = c.dev[i];
    if (e.kind == session_end_kind::reopened) return;  // the new connection takes over
    v.lost = true;
    v.lost_kind = e.kind;
    v.lost_at = e.at;
    v.lost_slot = e.slot;
    v.lost_last_refresh = e.last_refresh;
    v.rst = e.rst;
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

  /// Hands out connections that are closed or unanswered and idle for longer than `linger`.
  void flush_idle(sim_time now) {
    while (!lru_.empty()) {
      connection& c = lru_.front();
      if (now - c.last_ts <= opt_.linger) break;
      lru_.pop_front();
      if (c.closed() || c.pkts[1] == 0) finish(map_.find(c.key));
      // else: still open, kept (unlinked) until its next packet or the end of the trace
    }
  }

  /// Hands out every remaining connection, in order of first frame.
  void finish_all() {
    std::vector<connection*> rest;
    rest.reserve(map_.size());
    for (auto& [k, c] : map_) rest.push_back(c.get());
    std::sort(rest.begin(), rest.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (connection* c : rest) finalize(*c), emit_(*c);
    lru_.clear();
    map_.clear();
  }

  std::uint64_t connections() const noexcept { return next_id_; }
  std::size_t peak_open() const noexcept { return peak_open_; }

 private:
  struct key_hash {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  struct key_eq {
    bool operator()(const flow_key& a, const flow_key& b) const noexcept {
      return a == b || a == b.reversed();
    }
  };
  using map_type = std::unordered_map<flow_key, std::shared_ptr<connection>, key_hash, key_eq>;

  bool starts_new(const connection& c, const packet_view& p, const flow_key&) const {
    if (!p.is_tcp()) return false;
    const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
    if (!bare_syn) return false;
    if (c.closed()) return true;
    // A SYN with a new ISN after the previous handshake completed: port reuse.
    return c.syn[0] && c.synack[1] && p.seq != c.client_isn && c.pkts[0] + c.pkts[1] > 2;
  }

  void update(connection& c, const packet_view& p, int dir) {
    if (c.pkts[0] + c.pkts[1] > 0) {
      sim_time gap = p.ts - c.last_ts;
      if (gap > c.max_gap) c.max_gap = gap;
    }
    if (c.broken && p.frame != c.brk.frame) ++c.after_break;
    c.last_frame = p.frame;
    c.last_ts = p.ts;
    ++c.pkts[dir];
    c.bytes[dir] += p.payload_len;
    c.ip_bytes[dir] += p.ip_len;
    auto letter = [&](char up) {
      char ch = dir == 0 ? up : static_cast<char>(up - 'A' + 'a');
      if (c.history.find(ch) == std::string::npos && c.history.size() < 32) c.history.push_back(ch);
    };
    if (p.is_tcp()) {
      if (!p.l4_header) return;
      const bool s = p.flags & tcp_flags::syn, a = p.flags & tcp_flags::ack;
      std::uint32_t payload = p.l4_len >= p.doff ? p.l4_len - p.doff : 0;
      if (s && !a) {
        letter('S');
        if (dir == 0 && !c.syn[0]) c.client_isn = p.seq;
        c.syn[dir] = true;
      }
      if (s && a) { letter('H'); c.synack[dir] = true; }
      if (p.flags & tcp_flags::fin) { letter('F'); c.fin[dir] = true; }
      if (p.flags & tcp_flags::rst) { letter('R'); c.rst[dir] = true; }
      if (payload > 0) {
        std::uint32_t end = p.seq + payload;
        if (c.seq_known[dir] && !tcp::after(end, c.seq_end[dir])) letter('T');
        letter('D');
        c.data[dir] = true;
      } else if (a && !s && !(p.flags & (tcp_flags::fin | tcp_flags::rst))) {
        letter('A');
      }
      if (p.win == 0 && !(p.flags & tcp_flags::rst)) letter('W');
      std::uint32_t end = p.seq + payload + (s ? 1 : 0) + ((p.flags & tcp_flags::fin) ? 1 : 0);
      if (!c.seq_known[dir] || tcp::after(end, c.seq_end[dir])) {
        c.seq_end[dir] = end;
        c.seq_known[dir] = true;
      }
    } else {
      letter('D');
    }
  }

  void set_timeout_hint(connection& c, break_info& b, std::size_t i, const device_view& v, sim_time at) {
    const device_config& cfg = configs_[i];
    b.fix_key = std::string(timeout_key(v.lost_slot));
    b.current = cfg.timeout(v.lost_slot);
    b.idle_gap = at - v.lost_last_refresh;
    b.keepalive_below = cfg.timeout(v.lost_slot);
    b.timeout_above = b.idle_gap;  // refined at finalize with the connection's largest gap
    (void)c;
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

  void touch(map_type::iterator it) {
    connection& c = *it->second;
    c.log_hook_.unlink();
    lru_.push_back(c);
  }

  void finish(map_type::iterator it) {
    connection& c = *it->second;
    c.log_hook_.unlink();
    finalize(c);
    emit_(c);
    map_.erase(it);
  }

  std::vector<std::string> devices_;
  std::vector<device_config> configs_;
  connection_log_options opt_;
  emit_fn emit_;
  map_type map_;
  boost::intrusive::list<connection,
                         boost::intrusive::member_hook<connection, decltype(connection::log_hook_),
                                                       &connection::log_hook_>,
                         boost::intrusive::constant_time_size<false>>
      lru_;
  std::uint64_t next_id_ = 0;
  std::uint64_t count_ = 0;
  std::size_t peak_open_ = 0;
};

}  // namespace sessim
