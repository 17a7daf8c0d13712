#pragma once
/// keepalive: a packet-source wrapper that merges the TCP keepalives an endpoint would have sent
/// into a trace, in time order, so a replay answers "what if the client sent keepalives?".
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/intrusive/list.hpp>
#include <fmt/format.h>

#include "sessim/core/error.hpp"
#include "sessim/core/flow_key.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/core/time.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/tcp/seq.hpp"
#include "sessim/trace/synth.hpp"

namespace sessim {

/// Which end of a TCP connection sends keepalives.
enum class keepalive_side : std::uint8_t { client, server, both };

/// Stable name of a side ("client", "server", "both").
inline constexpr std::string_view keepalive_side_name(keepalive_side s) {
  return s == keepalive_side::client ? "client" : s == keepalive_side::server ? "server" : "both";
}

/// A keepalive policy: who probes, after how much idle time, and how fast the peer answers.
struct keepalive_spec {
  keepalive_side side = keepalive_side::client;
  sim_time interval = 0;                   ///< idle time before a probe (0: off)
  sim_time answer_delay = 1'000'000;       ///< the peer's ACK follows the probe after this (1 ms)

  /// True when keepalives are on.
  bool enabled() const noexcept { return interval > 0; }

  /// Parses "SIDE:INTERVAL" ("client:300s", "both:5m", "server:90"); throws usage_error.
  static keepalive_spec parse(std::string_view s) {
    keepalive_spec k;
    const auto colon = s.find(':');
    if (colon == std::string_view::npos)
      throw usage_error(fmt::format("--keepalive {}: expected SIDE:INTERVAL (client:300s, server:5m, both:60)", s));
    const std::string_view side = s.substr(0, colon), iv = s.substr(colon + 1);
    if (side == "client") k.side = keepalive_side::client;
    else if (side == "server") k.side = keepalive_side::server;
    else if (side == "both") k.side = keepalive_side::both;
    else throw usage_error(fmt::format("--keepalive {}: side must be client, server or both", s));
    double secs = 0;
    try {
      secs = detail::parse_number("--keepalive", iv);
    } catch (const config_error&) {
      throw usage_error(fmt::format("--keepalive {}: bad interval '{}' (a number with optional unit ms/s/m/h/d)", s, iv));
    }
    if (!(secs > 0)) throw usage_error(fmt::format("--keepalive {}: the interval must be > 0", s));
    k.interval = seconds(secs);
    return k;
  }

  /// "client:300s".
  std::string str() const { return fmt::format("{}:{}s", keepalive_side_name(side), format_seconds(interval)); }
};

/// What a keepalive_source added.
struct keepalive_stats {
  std::uint64_t probes = 0;        ///< keepalive probes sent (by either side)
  std::uint64_t answers = 0;       ///< ACKs answering them
  std::uint64_t held_back = 0;     ///< probes not sent because the side had unacknowledged data
  std::uint64_t connections = 0;   ///< TCP connections that received at least one probe
};

/** The IP packet of a synthetic keepalive (or its answer), framed for `linktype` (empty when the
 *  link type cannot be written). Checksums are valid; the window is the one in `p`. */
inline std::vector<std::uint8_t> keepalive_frame(const packet_view& p, int linktype) {
  std::vector<std::uint8_t> ip = build_tcp_ip(p.key, p.flags, p.seq, p.ack);
  const std::size_t th = p.key.src.v6 ? 40 : 20;
  if (p.win != 0) {
    // Patch the window and update the TCP checksum incrementally (RFC 1624: HC' = ~(~HC + m')).
    ip[th + 14] = static_cast<std::uint8_t>(p.win >> 8);
    ip[th + 15] = static_cast<std::uint8_t>(p.win & 0xff);
    std::uint32_t sum = static_cast<std::uint16_t>(~(ip[th + 16] << 8 | ip[th + 17]));
    sum += p.win;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    const std::uint16_t c = static_cast<std::uint16_t>(~sum);
    ip[th + 16] = static_cast<std::uint8_t>(c >> 8);
    ip[th + 17] = static_cast<std::uint8_t>(c & 0xff);
  }
  return frame_for_linktype(linktype, ip, p.key.src.v6);
}

/**
 * Wraps a packet source (`next(packet_view&, skip_reason&) → bool`) and merges TCP keepalives
 * into its stream in time order. A TCP connection is *open* once an ACK without SYN was seen,
 * both ends have sent, and neither sent a FIN or RST. When an open connection has been idle
 * (no packet in either direction) for `interval`, the probing side sends an ACK with
 * seq = its next sequence number − 1, no payload, ack = the peer's next sequence number as
 * this side last acknowledged it; the peer answers `answer_delay` later with an ACK
 * (seq = its next sequence number, ack = what it last acknowledged). The answer is activity, so
 * the next probe follows `interval` after it. `both`: the sides take turns, client first.
 * Like Linux, a side with unacknowledged data does not probe (its retransmission timer runs).
 *
 * Trace frames keep their numbers; synthetic packets have frame 0 and `synthetic` set. A
 * synthetic packet is only emitted before the next trace frame (strictly earlier: at a tie the
 * trace frame goes first), so nothing is added after the last frame. Memory: one small entry per
 * open TCP connection plus closed ones for `linger` (240 s) after their last packet; one timer
 * per open connection in a heap, checked lazily.
 */
template <class Source>
class keepalive_source {
 public:
  /// Wraps `src` (which must outlive this object).
  keepalive_source(Source& src, keepalive_spec spec) : src_(src), spec_(spec) {}
  keepalive_source(const keepalive_source&) = delete;
  keepalive_source& operator=(const keepalive_source&) = delete;
  ~keepalive_source() { gc_.clear(); }

  /// The next packet in time order: a trace frame or a synthetic keepalive; false at the end.
  bool next(packet_view& out, skip_reason& why) {
    if (have_pending_) {
      if (spec_.enabled() && synthetic_before(pending_.ts, out)) {
        why = skip_reason::none;
        return true;
      }
      out = pending_;
      why = pending_why_;
      have_pending_ = false;
    } else {
      if (!src_.next(out, why)) return false;
      if (spec_.enabled() && synthetic_before(out.ts, scratch_)) {
        pending_ = out;
        pending_why_ = why;
        have_pending_ = true;
        out = scratch_;
        why = skip_reason::none;
        return true;
      }
    }
    if (spec_.enabled() && why == skip_reason::none) observe(out);
    return true;
  }

  /// What was added so far.
  const keepalive_stats& stats() const noexcept { return stats_; }
  /// The policy.
  const keepalive_spec& spec() const noexcept { return spec_; }
  /// The wrapped source.
  Source& source() noexcept { return src_; }

 private:
  struct side_state {
    bool sent = false, seq_known = false, ack_known = false;
    std::uint32_t snd_nxt = 0;   ///< highest seq + len (+SYN, +FIN) this side sent
    std::uint32_t last_ack = 0;  ///< highest ack this side sent
    std::uint16_t win = 0;
    std::uint8_t ttl = 64, tos = 0;
  };
  using gc_hook = boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
  struct conn_state {
    flow_key client;             ///< client → server
    side_state s[2];             ///< [0] client, [1] server
    bool ack_seen = false, closed = false, probed = false;
    std::uint32_t client_isn = 0;
    bool client_syn = false;
    std::uint8_t next_side = 0;  ///< `both`: who probes next
    sim_time last = 0;           ///< last packet in either direction
    sim_time held = -1;          ///< a probe was held back at this time (re-armed from here)
    std::uint64_t token = 0;     ///< the valid heap entry (0: none)
    gc_hook hook;                ///< in gc_ while not open

    bool open() const { return ack_seen && !closed && s[0].sent && s[1].sent; }
    sim_time armed() const { return held > last ? held : last; }
  };
  struct key_hash {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  struct key_eq {
    bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a.same_flow(b); }
  };
  struct timer {
    sim_time due;
    std::uint64_t token;
    flow_key key;
    bool operator>(const timer& o) const { return due != o.due ? due > o.due : token > o.token; }
  };
  using gc_list = boost::intrusive::list<conn_state, boost::intrusive::member_hook<conn_state, gc_hook, &conn_state::hook>,
                                         boost::intrusive::constant_time_size<false>>;

  static constexpr sim_time linger = 240'000'000'000;  // as connection_log: closed connections

  /// Updates the connection state with a trace packet.
  void observe(const packet_view& p) {
    if (!p.is_tcp() || !p.l4_header) return;
    collect(p.ts);
    const flow_key k = tracking_key(p);
    const bool syn = p.has(tcp_flags::syn), ackf = p.has(tcp_flags::ack), rst = p.has(tcp_flags::rst);
    const bool bare_syn = syn && !ackf && !rst;
    auto it = conns_.find(k);
    if (it != conns_.end() && bare_syn) {
      conn_state& c = it->second;
      const bool retrans = c.client_syn && c.client == k && p.seq == c.client_isn && !c.open();
      if (!retrans) {
        conns_.erase(it);  // a new connection on the same tuple (port reuse)
        it = conns_.end();
      }
    }
    if (it == conns_.end()) {
      it = conns_.emplace(k, conn_state{}).first;
      conn_state& c = it->second;
      c.client = syn && ackf ? k.reversed() : k;  // SYN/ACK first: its receiver is the client
      gc_.push_back(c);
    }
    conn_state& c = it->second;
    const bool was_open = c.open();
    const int d = c.client == k ? 0 : 1;
    side_state& s = c.s[d];
    s.sent = true;
    s.win = p.win;
    s.ttl = p.ttl;
    s.tos = p.tos;
    if (bare_syn && d == 0) {
      c.client_syn = true;
      c.client_isn = p.seq;
    }
    const std::uint32_t payload = p.l4_len >= p.doff ? p.l4_len - p.doff : 0;
    const std::uint32_t end = p.seq + payload + (syn ? 1 : 0) + (p.has(tcp_flags::fin) ? 1 : 0);
    if (!rst && (!s.seq_known || tcp::after(end, s.snd_nxt))) {
      s.snd_nxt = end;
      s.seq_known = true;
    }
    if (ackf && !rst && (!s.ack_known || tcp::after(p.ack, s.last_ack))) {
      s.last_ack = p.ack;
      s.ack_known = true;
    }
    if (ackf && !syn) c.ack_seen = true;
    if (rst || p.has(tcp_flags::fin)) c.closed = true;
    c.last = p.ts;
    const bool now_open = c.open();
    if (now_open) {
      c.hook.unlink();
      if (!was_open || c.token == 0) arm(c, k);
    } else {
      c.hook.unlink();
      gc_.push_back(c);
    }
  }

  void arm(conn_state& c, const flow_key& k) {
    c.token = ++tokens_;
    timers_.push(timer{c.armed() + spec_.interval, c.token, k});
  }

  /// Forgets connections that are not open and idle for longer than `linger`.
  void collect(sim_time now) {
    while (!gc_.empty()) {
      conn_state& c = gc_.front();
      if (now - c.last <= linger) break;
      gc_.pop_front();
      conns_.erase(conns_.find(c.client));
    }
  }

  /// A synthetic packet due strictly before `t`, if any, in `out`.
  bool synthetic_before(sim_time t, packet_view& out) {
    while (!timers_.empty() && timers_.top().due < t) {
      const timer tm = timers_.top();
      auto it = conns_.find(tm.key);
      if (it == conns_.end() || it->second.token != tm.token || !it->second.open()) {
        timers_.pop();  // stale
        continue;
      }
      conn_state& c = it->second;
      const sim_time due = c.armed() + spec_.interval;
      if (due > tm.due) {  // there was activity since it was armed
        timers_.pop();
        c.token = ++tokens_;
        timers_.push(timer{due, c.token, tm.key});
        continue;
      }
      if (!answers_.empty() && answers_.front().ts <= tm.due) break;  // an answer goes first
      timers_.pop();
      int side = -1;
      if (spec_.side == keepalive_side::both) {
        if (can_probe(c, c.next_side)) side = c.next_side;
        else if (can_probe(c, 1 - c.next_side)) side = 1 - c.next_side;
      } else {
        const int want = spec_.side == keepalive_side::client ? 0 : 1;
        if (can_probe(c, want)) side = want;
      }
      if (side < 0) {
        ++stats_.held_back;
        c.held = tm.due;
        arm(c, tm.key);
        continue;
      }
      c.next_side = static_cast<std::uint8_t>(1 - side);
      make_probe(c, side, tm.due, out);
      packet_view ans;
      make_answer(c, 1 - side, tm.due + spec_.answer_delay, ans);
      answers_.push_back(ans);
      c.last = tm.due;
      arm(c, tm.key);
      ++stats_.probes;
      if (!c.probed) {
        c.probed = true;
        ++stats_.connections;
      }
      return true;
    }
    if (!answers_.empty() && answers_.front().ts < t) {
      out = answers_.front();
      answers_.pop_front();
      ++stats_.answers;
      auto it = conns_.find(out.key);
      if (it != conns_.end() && it->second.last < out.ts) it->second.last = out.ts;
      return true;
    }
    return false;
  }

  static bool can_probe(const conn_state& c, int d) {
    const side_state& me = c.s[d];
    const side_state& peer = c.s[1 - d];
    if (!me.seq_known || !(me.ack_known || peer.seq_known)) return false;
    // Unacknowledged data: the retransmission timer runs instead (Linux: packets_out != 0).
    if (peer.ack_known && tcp::after(me.snd_nxt, peer.last_ack)) return false;
    return true;
  }

  static void base_packet(const conn_state& c, int d, sim_time ts, packet_view& p) {
    p = packet_view{};
    p.frame = 0;
    p.synthetic = true;
    p.ts = ts;
    p.key = d == 0 ? c.client : c.client.reversed();
    const bool v6 = p.key.src.v6;
    p.ip_len = (v6 ? 40 : 20) + 20;
    p.wire_len = p.ip_len;
    p.l4_len = 20;
    p.payload_len = 0;
    p.doff = 20;
    p.flags = tcp_flags::ack;
    p.win = c.s[d].win;
    p.ttl = c.s[d].ttl;
    p.tos = c.s[d].tos;
  }

  static void make_probe(const conn_state& c, int d, sim_time ts, packet_view& p) {
    base_packet(c, d, ts, p);
    const side_state& me = c.s[d];
    p.seq = me.snd_nxt - 1;
    p.ack = me.ack_known ? me.last_ack : c.s[1 - d].snd_nxt;
  }

  static void make_answer(const conn_state& c, int d, sim_time ts, packet_view& p) {
    base_packet(c, d, ts, p);
    const side_state& me = c.s[d];
    const side_state& peer = c.s[1 - d];
    p.seq = me.seq_known ? me.snd_nxt : peer.last_ack;
    p.ack = me.ack_known ? me.last_ack : peer.snd_nxt;
  }

  Source& src_;
  keepalive_spec spec_;
  keepalive_stats stats_;
  std::unordered_map<flow_key, conn_state, key_hash, key_eq> conns_;
  gc_list gc_;
  std::priority_queue<timer, std::vector<timer>, std::greater<timer>> timers_;
  std::deque<packet_view> answers_;  ///< pending answers, in time order (few at a time)
  std::uint64_t tokens_ = 0;
  packet_view pending_{}, scratch_{};
  skip_reason pending_why_ = skip_reason::none;
  bool have_pending_ = false;
};

}  // namespace sessim
