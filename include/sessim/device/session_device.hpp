#pragma once
/// session_device: a stateful firewall / session device. It looks up each packet in its
/// session table, tracks TCP with conntrack's rules, applies its no-session, table-full and
/// expiry policies, and returns a verdict with a reason. Time is always passed in.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sessim/core/packet.hpp"
#include "sessim/core/session_table.hpp"
#include "sessim/core/verdict.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/sctp/conntrack_sctp.hpp"
#include "sessim/tcp/conntrack_tcp.hpp"

namespace sessim {

/// Why a session left the table.
enum class session_end_kind : std::uint8_t {
  expired,   ///< idle timer ran out
  evicted,   ///< removed to make room (early-drop or LRU) when the table was full
  killed,    ///< removed by a packet (RST before any reply)
  reopened   ///< replaced by a new connection on the same tuple (SYN reopening TIME_WAIT/CLOSE)
};

/// A RST the device sends at expiry (seq/ack from the last packets it saw).
struct injected_rst {
  flow_key key;  ///< src → dst of the RST
  std::uint32_t seq = 0, ack = 0;
};

/// A session leaving the table.
struct session_end {
  session_end_kind kind = session_end_kind::expired;
  sim_time at = 0;            ///< when (expiry: the deadline)
  flow_key orig;              ///< original-direction tuple
  timeout_slot slot = timeout_slot::generic;
  sim_time last_refresh = 0;  ///< when its timer was last set
  tcp::ct_state tcp_state = tcp::ct_state::none;
  std::uint8_t status = 0;
  bool rst = false;           ///< the device sent RSTs to both ends (rst_on_expiry)
  injected_rst rst_to_client, rst_to_server;  ///< valid when rst
};

/// A copy of one session, as a sync message carries it.
struct session_snapshot {
  flow_key orig;              ///< original-direction tuple
  l4_track l4{};              ///< protocol tracking data
  std::uint8_t status = 0;
  timeout_slot slot = timeout_slot::generic;
  sim_time deadline = 0;      ///< absolute expiry time on the sender
  std::uint8_t owner = 0;     ///< owning member + 1 (0: unknown)
};

/// The device's answer for one packet.
struct decision {
  verdict v = verdict::forward;
  reason why = reason::established;
  int dir = 0;                ///< 0: packet in the session's original direction, 1: reply
  bool created = false;       ///< this packet created the session
  bool tracked = false;       ///< the packet matched or created a session
  timeout_slot slot = timeout_slot::generic;  ///< session's slot after the packet (when tracked)
  sim_time deadline = 0;      ///< session's deadline after the packet (when tracked)
  bool reject_rst = false;    ///< the device answered the sender with a RST (reject policy)
  bool changed = false;       ///< session created, or its TCP state or status changed
  std::uint8_t tcp_state = 0; ///< TCP session's conntrack state after the packet (when tracked)
  bool syn_only_unreplied = false;  ///< dropped by policy.syn_only (scope unreplied) although tracked
};

/// Per-device counters for the report.
struct device_stats {
  std::uint64_t packets = 0, forwarded = 0, dropped = 0, rejected = 0;
  std::uint64_t created = 0, expired = 0, evicted = 0, killed = 0, rst_injected = 0;
  std::uint64_t table_full_drops = 0;
  std::uint64_t synced_in = 0;  ///< sessions created by sync
};

/// One session device.
class session_device {
 public:
  /// Creates a device named `name` with configuration `cfg`.
  session_device(std::string name, device_config cfg) : name_(std::move(name)), cfg_(std::move(cfg)) {}

  /// Device name (as in reports and the verdict CSV).
  const std::string& name() const noexcept { return name_; }
  /// Its configuration.
  const device_config& config() const noexcept { return cfg_; }
  /// Counters.
  const device_stats& stats() const noexcept { return stats_; }
  /// Sessions now.
  std::size_t sessions() const noexcept { return table_.size(); }
  /// Largest number of sessions at once.
  std::size_t peak_sessions() const noexcept { return table_.peak(); }

  /// Copies the session of `k` (either direction) into `out`; false when there is none.
  bool snapshot(const flow_key& k, session_snapshot& out) {
    int dir = 0;
    session* s = table_.find(k, dir);
    if (!s) return false;
    out.orig = s->key.unpack();
    out.l4 = s->l4;
    out.status = s->status;
    out.slot = s->slot;
    out.deadline = s->deadline;
    out.owner = s->user_;
    return true;
  }

  /// True when the device has a session for `k` (either direction).
  bool has_session(const flow_key& k) {
    int dir = 0;
    return table_.find(k, dir) != nullptr;
  }

  /// Owner mark of the session of `k` (0 when none or unknown).
  std::uint8_t owner_of(const flow_key& k) {
    int dir = 0;
    session* s = table_.find(k, dir);
    return s ? s->user_ : 0;
  }

  /// Sets the owner mark of the session of `k`.
  void set_owner(const flow_key& k, std::uint8_t owner) {
    int dir = 0;
    if (session* s = table_.find(k, dir)) s->user_ = owner;
  }

  /** Installs a session received by sync at time `now`: creates it, or overwrites the local
   *  copy's tracking state and extends its timer. An already-expired snapshot is ignored.
   *  Returns true when the session was created. */
  template <class F>
  bool install(const session_snapshot& snap, sim_time now, F&& on_end) {
    if (snap.deadline <= now) return false;
    int dir = 0;
    session* s = table_.find(snap.orig, dir);
    bool created = false;
    if (!s) {
      if (!make_room(snap.orig, now, on_end)) return false;
      s = &table_.insert(snap.orig);
      created = true;
      ++stats_.created;
      ++stats_.synced_in;
    } else if (dir != 0) {
      return false;  // the local copy has the other orientation: keep it
    }
    // As conntrackd does through ctnetlink: a TCP entry arrives with its state, flags and window
    // scale but without window data (td_*), which each direction re-learns from its next packet.
    const bool tcp = snap.orig.proto == 6;
    if (!tcp) {
      s->l4 = snap.l4;
    } else if (created) {
      s->l4 = l4_track{};
      auto& t = s->l4.tcp;
      t.state = snap.l4.tcp.state;
      for (int d = 0; d < 2; ++d) {
        t.flags[d] = snap.l4.tcp.flags[d] &
                     (tcp::dir_flag::window_scale | tcp::dir_flag::sack_perm | tcp::dir_flag::close_init |
                      tcp::dir_flag::be_liberal);
        t.set_scale(d, snap.l4.tcp.scale(d));
      }
      t.last_index = static_cast<std::uint8_t>(tcp::tcp_index::none);
    } else if (snap.l4.tcp.state > s->l4.tcp.state) {
      s->l4.tcp.state = snap.l4.tcp.state;
    }
    s->status = static_cast<std::uint8_t>(created ? snap.status : (s->status | snap.status));
    if (snap.owner) s->user_ = snap.owner;
    sim_time deadline = snap.deadline;
    if (!created && s->deadline > deadline) deadline = s->deadline;
    table_.refresh(*s, snap.slot, deadline);
    return created;
  }

  /// Removes the session of `k` (sync delete); true when there was one.
  bool remove(const flow_key& k) {
    int dir = 0;
    session* s = table_.find(k, dir);
    if (!s) return false;
    table_.erase(*s);
    return true;
  }

  /// Copies every session (for a bulk resync), in a deterministic order.
  std::vector<session_snapshot> snapshot_all() {
    std::vector<session_snapshot> v;
    v.reserve(table_.size());
    table_.for_each([&](session& s) {
      session_snapshot x;
      x.orig = s.key.unpack();
      x.l4 = s.l4;
      x.status = s.status;
      x.slot = s.slot;
      x.deadline = s.deadline;
      x.owner = s.user_;
      v.push_back(x);
    });
    return v;
  }

  /// Forgets every session at once (the device rebooted); returns how many were lost.
  std::size_t clear() {
    std::size_t n = 0;
    while (session* s = table_.earliest()) {
      table_.erase(*s);
      ++n;
    }
    return n;
  }

  /// Deadline of the next session to expire, or `none`.
  sim_time next_deadline(sim_time none) const noexcept { return table_.next_deadline(none); }

  /// Expires, in deadline order, every session whose deadline is <= now; f(const session_end&).
  template <class F>
  void expire_until(sim_time now, F&& f) {
    while (session* s = table_.earliest_due(now)) {
      session_end e = describe(*s, session_end_kind::expired, s->deadline);
      if (cfg_.rst_on_expiry && s->key.proto == 6) fill_rst(*s, e);
      ++stats_.expired;
      if (e.rst) stats_.rst_injected += 2;
      table_.erase(*s);
      f(e);
    }
  }

  /// Read-ahead hints for a packet that will be processed soon (`h`: hash_bidir of its
  /// tracking key): step 1 fetches the table bucket, step 2 the session it points to.
  void prefetch_bucket(std::size_t h) const noexcept { table_.prefetch_bucket(h); }
  void prefetch_entry(std::size_t h) noexcept { table_.prefetch_entry(h); }

  /** Handles one packet at time `now`. `warm`: the packet belongs to a connection that was
   *  already open when the capture started; a device without its session assumes it
   *  established. Sessions ended as a side effect (eviction, kill) are passed to f. */
  template <class F>
  decision process(const packet_view& p, sim_time now, bool warm, F&& on_end) {
    return process(p, now, warm, std::forward<F>(on_end), nullptr);
  }

  /** As process(); `hint` (may be null) carries a pointer to the flow's session from one packet
   *  to the next so the table lookup can be skipped (the caller keeps it per flow and must not
   *  dereference it: it may point to an entry that was erased or reused since — find_hinted
   *  checks it). */
  template <class F>
  decision process(const packet_view& p, sim_time now, bool warm, F&& on_end, const session** hint) {
    ++stats_.packets;
    hint_ = hint ? *hint : nullptr;
    decision d = handle(p, now, warm, on_end);
    if (hint) *hint = hint_;
    if (d.tracked && !d.changed) d.changed = d.created;
    if (d.v == verdict::forward) ++stats_.forwarded;
    else if (d.v == verdict::reject) ++stats_.rejected;
    else ++stats_.dropped;
    return d;
  }

 private:
  /// A client packet that policy.syn_only (scope unreplied) drops after conntrack tracked it.
  static decision filtered_drop() {
    decision d = drop(reason::no_session);
    d.syn_only_unreplied = true;
    return d;
  }

  static decision drop(reason r) {
    decision d;
    d.v = verdict::drop;
    d.why = r;
    return d;
  }

  session_end describe(const session& s, session_end_kind kind, sim_time at) const {
    session_end e;
    e.kind = kind;
    e.at = at;
    e.orig = s.key.unpack();
    e.slot = s.slot;
    e.last_refresh = s.deadline - cfg_.timeout(s.slot);
    e.status = s.status;
    if (s.key.proto == 6) e.tcp_state = s.l4.tcp.st();
    return e;
  }

  void fill_rst(const session& s, session_end& e) const {
    using tcp::ct_state;
    ct_state st = s.l4.tcp.st();
    if (st != ct_state::syn_recv && st != ct_state::established && st != ct_state::fin_wait &&
        st != ct_state::close_wait)
      return;
    e.rst = true;
    const auto& t = s.l4.tcp;
    // To the original sender: from the reply side, at the sequence it expects next.
    e.rst_to_client.key = e.orig.reversed();
    e.rst_to_client.seq = t.td_end[1];
    e.rst_to_client.ack = t.td_end[0];
    e.rst_to_server.key = e.orig;
    e.rst_to_server.seq = t.td_end[0];
    e.rst_to_server.ack = t.td_end[1];
  }

  void set_tracked(decision& d, const session& s) const {
    d.tracked = true;
    d.slot = s.slot;
    d.deadline = s.deadline;
    if (s.key.proto == 6) d.tcp_state = s.l4.tcp.state;
  }

  /// Makes room when the table is full; false when the policy refuses the new session.
  template <class F>
  bool make_room(const flow_key& k, sim_time now, F& on_end) {
    if (cfg_.capacity == 0 || table_.size() < cfg_.capacity) return true;
    session* victim = nullptr;
    switch (cfg_.table_full) {
      case table_full_policy::drop_new: break;
      case table_full_policy::early_drop:
        victim = table_.scan_from(k, 8, [](const session& s) { return !(s.status & tcp::status::assured); });
        break;
      case table_full_policy::lru: victim = table_.least_recent(cfg_.timeouts); break;
    }
    if (!victim) {
      ++stats_.table_full_drops;
      return false;
    }
    session_end e = describe(*victim, session_end_kind::evicted, now);
    ++stats_.evicted;
    table_.erase(*victim);
    on_end(e);
    return true;
  }

  void refresh(session& s, timeout_slot slot, sim_time now) {
    table_.refresh(s, slot, now + cfg_.timeout(slot));
  }

  template <class F>
  decision handle(const packet_view& p, sim_time now, bool warm, F& on_end) {
    if (p.is_tcp() && !tcp::valid_flag_combination(p.flags)) return drop(reason::invalid_flags);
    const icmp_kind ik = classify_icmp(p);
    if (ik == icmp_kind::error) {
      int dir = 0;
      flow_key inner;
      session* q = nullptr;
      if (quoted_tracking_key(p, inner, cfg_.icmp_code_in_key) &&
          !(cfg_.gre_tracking && p.inner.proto == 47 && !fold_gre_v1(inner, p.inner_gre))) {
        q = table_.find(inner, dir);
        if (cfg_.icmp_code_in_key && p.inner.proto == p.key.proto) {
          // a quoted ICMP query: its role must match the entry's direction (see icmp_query_session)
          const bool v6 = p.inner.proto == 58;
          const std::uint8_t t = p.inner_icmp_type;
          const bool req = v6 ? (t == 128 || t == 139) : (t == 8 || t == 13 || t == 15 || t == 17);
          q = icmp_query_session(inner, req ? icmp_kind::request : icmp_kind::reply, q, dir);
        }
      }
      if (q) {
        // nf_conntrack_inet_error: the error must be addressed to the quoted packet's source.
        if (p.key.dst != p.inner.src) return drop(reason::icmp_bad_destination);
        decision d;
        d.why = reason::related;
        return d;
      }
      return drop(reason::icmp_no_session);
    }
    if (ik == icmp_kind::untracked) {
      decision d;
      d.why = reason::untracked;
      return d;
    }
    flow_key k = tracking_key(p);
    if (cfg_.icmp_code_in_key) fold_icmp_code(k, ik, p.icmp_code);
    if (gre_tracked(p) && !fold_gre_v1(k, p.gre)) return drop(reason::invalid_new);
    int dir = 0;
    session* s = table_.find_hinted(k, dir, hint_);
    if (cfg_.icmp_code_in_key && (ik == icmp_kind::request || ik == icmp_kind::reply))
      s = icmp_query_session(k, ik, s, dir);
    hint_ = s;
    if (p.key.proto == 132 && cfg_.sctp_tracking) return sctp_packet(s, dir, k, p, now, on_end);
    if (s) return existing(*s, dir, p, now, on_end);
    return create(k, p, now, warm, on_end);
  }

  /** conntrack's ICMP tuple carries the message type, so a request sent by B and B's reply to A's
   *  request are different entries. sessim's key folds the type into the "port" next to the
   *  identifier, and the two collide when the identifiers equal the request type (echo id 8 both
   *  ways). `s`/`dir`: what the lookup of `k` found. A query's role fixes the direction its entry
   *  must be found in (a request: original, a reply: reply); an entry found in the other direction
   *  belongs to the other exchange, and this exchange lives under the same key with bit 15 of the
   *  VLAN field set (VIDs are 12 bits). Updates `k` and `dir`; returns the session or nullptr (then
   *  `k` is the key a new session must get). */
  session* icmp_query_session(flow_key& k, icmp_kind kind, session* s, int& dir) {
    const int want = kind == icmp_kind::request ? 0 : 1;
    if (s && dir == want) return s;
    flow_key alt = k;
    alt.vlan = static_cast<std::uint16_t>(alt.vlan | 0x8000);
    int d2 = 0;
    session* s2 = table_.find(alt, d2);
    if (s2 && d2 == want) {
      k = alt;
      dir = d2;
      return s2;
    }
    if (s) k = alt;  // the plain key is the other exchange's
    return nullptr;
  }

  /// SCTP with conntrack's tracker: an existing association, or sctp_new() for a new one.
  template <class F>
  decision sctp_packet(session* s, int dir, const flow_key& k, const packet_view& p, sim_time now, F& on_end) {
    decision d;
    if (s) {
      const std::uint8_t status_before = s->status, state_before = s->l4.sctp.state;
      const timeout_slot slot_before = s->slot;
      const sctp::sctp_outcome o = sctp::sctp_packet(s->l4.sctp, dir, false, p);
      if (o.action == sctp::sctp_action::invalid) return drop(o.why);
      if (dir == 1) s->status |= tcp::status::seen_reply;
      if (o.assured) s->status |= tcp::status::assured;
      if (o.action == sctp::sctp_action::accept) refresh(*s, o.slot, now);
      d.dir = dir;
      d.why = o.why;
      d.changed = s->l4.sctp.state != state_before || s->status != status_before || s->slot != slot_before;
      set_tracked(d, *s);
      return d;
    }
    sctp::sctp_track t;
    if (!sctp::sctp_new(t, p)) return drop(reason::invalid_new);
    const sctp::sctp_outcome o = sctp::sctp_packet(t, 0, true, p);
    if (o.action == sctp::sctp_action::invalid) return drop(o.why);
    if (!make_room(k, now, on_end)) return drop(reason::table_full);
    session& n = table_.insert(k);
    n.status = static_cast<std::uint8_t>((k.src.v6 ? tcp::status::v6 : 0) | (o.assured ? tcp::status::assured : 0));
    n.l4.sctp = t;
    ++stats_.created;
    refresh(n, o.slot, now);
    d.created = true;
    d.why = reason::new_session;
    set_tracked(d, n);
    return d;
  }

  template <class F>
  decision create(const flow_key& k, const packet_view& p, sim_time now, bool warm, F& on_end) {
    decision d;
    d.created = true;
    if (p.is_tcp()) {
      const bool bare_syn = (p.flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
      bool as_warm = warm && !bare_syn;
      if (!as_warm && !bare_syn) {
        const bool ack_class = tcp::creates_session(p.flags, true);  // ACK, ACK+PSH, ACK+data...
        if (!(ack_class && cfg_.no_session == no_session_policy::pickup && !cfg_.syn_only)) {
          decision x = drop(ack_class ? reason::no_session : reason::invalid_new);
          if (cfg_.no_session == no_session_policy::reject && !(p.flags & tcp_flags::rst)) {
            x.v = verdict::reject;
            x.reject_rst = true;
          }
          return x;
        }
      }
      if (!make_room(k, now, on_end)) return drop(reason::table_full);
      if (as_warm && (p.flags & tcp_flags::syn)) {
        // SYN/ACK of a handshake whose SYN preceded the capture: seed SYN_SENT from the peer.
        session& s = table_.insert(k.reversed());
        hint_ = &s;
        s.status = static_cast<std::uint8_t>((k.src.v6 ? tcp::status::v6 : 0) | tcp::status::warm);
        packet_view syn = p;
        syn.key = p.key.reversed();
        syn.flags = tcp_flags::syn;
        syn.seq = p.ack - 1;
        syn.ack = 0;
        syn.doff = 20;
        syn.opt_len = 0;
        syn.l4_len = 20;
        tcp::tcp_new(s.l4.tcp, syn);
        tcp::tcp_packet(s.l4.tcp, s.status, 0, syn, cfg_, 0);
        tcp::tcp_outcome o = tcp::tcp_packet(s.l4.tcp, s.status, 1, p, cfg_, 0);
        if (o.action != tcp::tcp_action::accept) {
          table_.erase(s);
          return drop(o.why);
        }
        s.status |= tcp::status::seen_reply;
        ++stats_.created;
        refresh(s, o.slot, now);
        d.why = reason::warm_start;
        d.dir = 1;
        set_tracked(d, s);
        return d;
      }
      session& s = table_.insert(k);
      hint_ = &s;
      s.status = k.src.v6 ? tcp::status::v6 : 0;
      if (as_warm) {
        // Seed as a picked-up, replied and assured session, then track this packet in it.
        packet_view q = p;
        q.flags = tcp_flags::ack;
        tcp::tcp_new(s.l4.tcp, q);
        s.l4.tcp.state = static_cast<std::uint8_t>(tcp::ct_state::established);
        s.status |= tcp::status::seen_reply | tcp::status::assured | tcp::status::warm;
        tcp::tcp_outcome o = tcp::tcp_packet(s.l4.tcp, s.status, 0, p, cfg_, 0);
        if (o.action == tcp::tcp_action::invalid || o.action == tcp::tcp_action::invalid_lower ||
            o.action == tcp::tcp_action::reopen) {
          table_.erase(s);
          return drop(o.why);
        }
        ++stats_.created;
        if (o.action == tcp::tcp_action::accept_and_kill) {
          ++stats_.killed;
          table_.erase(s);
          d.why = reason::warm_start;
          return d;
        }
        refresh(s, o.action == tcp::tcp_action::accept ? o.slot : timeout_slot::tcp_established, now);
        d.why = reason::warm_start;
        set_tracked(d, s);
        return d;
      }
      tcp::tcp_new(s.l4.tcp, p);
      if (!(p.flags & tcp_flags::syn)) s.status |= tcp::status::picked_up;
      tcp::tcp_outcome o = tcp::tcp_packet(s.l4.tcp, s.status, 0, p, cfg_, 0);
      if (o.action == tcp::tcp_action::invalid || o.action == tcp::tcp_action::invalid_lower ||
          o.action == tcp::tcp_action::reopen) {
        table_.erase(s);
        return drop(o.why == reason::invalid_state ? reason::invalid_new : o.why);
      }
      ++stats_.created;
      d.why = o.why;
      if (o.action == tcp::tcp_action::accept_and_kill) {
        ++stats_.killed;
        table_.erase(s);
        return d;
      }
      refresh(s, o.slot, now);
      set_tracked(d, s);
      return d;
    }
    const icmp_kind ik = classify_icmp(p);
    if (ik == icmp_kind::reply && cfg_.icmp_reply_needs_request) return drop(reason::icmp_no_request);
    if (ik == icmp_kind::other || ik == icmp_kind::reply) return drop(reason::invalid_new);
    if (!make_room(k, now, on_end)) return drop(reason::table_full);
    session& s = table_.insert(k);
    hint_ = &s;
    s.status = k.src.v6 ? tcp::status::v6 : 0;
    ++stats_.created;
    timeout_slot slot = timeout_slot::generic;
    if (p.is_udp()) {
      s.l4.udp.set(now);
      slot = timeout_slot::udp_unreplied;
    } else if (p.is_icmp()) {
      slot = timeout_slot::icmp;
    } else if (gre_tracked(p)) {
      slot = timeout_slot::gre_unreplied;
    } else if (udplite_tracked(p)) {
      slot = timeout_slot::udp_unreplied;
    }
    refresh(s, slot, now);
    d.why = reason::new_session;
    set_tracked(d, s);
    return d;
  }

  /** gre_pkt_to_tuple(): a version 1 GRE packet carrying PPP is keyed by its call id (the
   *  destination key; the source key comes from the PPTP helper's keymap, 0 without it, so the two
   *  directions of a call match one entry only when both call ids are 0); false when it carries
   *  another protocol (no tuple: INVALID). */
  static bool fold_gre_v1(flow_key& k, const gre_v1_info& g) {
    if (g.kind == 2) return false;
    if (g.kind == 1) {
      k.sport = 0;
      k.dport = g.call;
    }
    return true;
  }

  /// GRE tracked with conntrack's GRE timeouts (gre.track).
  bool gre_tracked(const packet_view& p) const { return p.key.proto == 47 && cfg_.gre_tracking; }
  /// UDP-Lite tracked with the UDP timeouts (udplite.track).
  bool udplite_tracked(const packet_view& p) const { return p.key.proto == 136 && cfg_.udplite_tracking; }

  template <class F>
  decision existing(session& s, int dir, const packet_view& p, sim_time now, F& on_end) {
    decision d;
    d.dir = dir;
    const std::uint8_t status_before = s.status;
    const timeout_slot slot_before = s.slot;
    if (p.is_tcp()) {
      const std::uint8_t state_before = s.l4.tcp.state;
      // policy.syn_only with scope `unreplied` (nftables "ct state new tcp flags & (fin|syn|rst|ack)
      // != syn drop"): conntrack calls every packet in the original direction NEW until a reply was
      // seen, and the rule drops one that is not a bare SYN after conntrack has tracked it.
      using namespace tcp_flags;
      const bool filtered = cfg_.syn_only && cfg_.syn_only_unreplied && dir == 0 &&
                            !(s.status & tcp::status::seen_reply) && (p.flags & (fin | syn | rst | ack)) != syn;
      tcp::tcp_outcome o = tcp::tcp_packet(s.l4.tcp, s.status, dir, p, cfg_, s.deadline - now);
      d.changed = s.l4.tcp.state != state_before;
      switch (o.action) {
        case tcp::tcp_action::reopen: {
          session_end e = describe(s, session_end_kind::reopened, now);
          table_.erase(s);
          on_end(e);
          return create(tracking_key(p), p, now, false, on_end);
        }
        case tcp::tcp_action::invalid: return drop(o.why);
        case tcp::tcp_action::invalid_lower:
          refresh(s, o.slot, now);
          return drop(o.why);
        case tcp::tcp_action::accept_and_kill: {
          session_end e = describe(s, session_end_kind::killed, now);
          ++stats_.killed;
          table_.erase(s);
          on_end(e);
          if (filtered) return filtered_drop();
          d.why = o.why;
          return d;
        }
        case tcp::tcp_action::accept_no_refresh:
          if (dir == 1) s.status |= tcp::status::seen_reply;
          if (filtered) return filtered_drop();
          d.why = o.why;
          d.changed = d.changed || s.status != status_before;
          set_tracked(d, s);
          return d;
        case tcp::tcp_action::accept:
          refresh(s, o.slot, now);
          if (dir == 1) s.status |= tcp::status::seen_reply;
          if (filtered) return filtered_drop();
          d.why = o.why;
          d.changed = d.changed || s.status != status_before || s.slot != slot_before;
          set_tracked(d, s);
          return d;
      }
    }
    timeout_slot slot = timeout_slot::generic;
    if (p.is_udp()) {
      slot = timeout_slot::udp_unreplied;
      if ((s.status & tcp::status::seen_reply) && now > s.l4.udp.get() + cfg_.udp_stream_after) {
        slot = timeout_slot::udp_stream;
        s.status |= tcp::status::assured;
      }
    } else if (p.is_icmp()) {
      slot = timeout_slot::icmp;
    } else if (gre_tracked(p) || udplite_tracked(p)) {
      // nf_conntrack_gre_packet / nf_conntrack_udplite_packet: once a reply was seen (before this
      // packet), the stream timeout and ASSURED (UDP-Lite has no 2 s rule)
      const bool gre = p.key.proto == 47;
      const bool replied = s.status & tcp::status::seen_reply;
      slot = gre ? (replied ? timeout_slot::gre_stream : timeout_slot::gre_unreplied)
                 : (replied ? timeout_slot::udp_stream : timeout_slot::udp_unreplied);
      if (replied) s.status |= tcp::status::assured;
    }
    refresh(s, slot, now);
    if (dir == 1) s.status |= tcp::status::seen_reply;
    d.why = reason::established;
    d.changed = s.status != status_before || s.slot != slot_before;
    set_tracked(d, s);
    return d;
  }

  std::string name_;
  device_config cfg_;
  session_table table_;
  const session* hint_ = nullptr;  ///< process(): the flow's session as far as known
  device_stats stats_;
};

}  // namespace sessim
