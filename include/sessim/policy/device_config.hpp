#pragma once
/// device_config: every tunable of one session device (timeouts per state, policies, capacity),
/// and the KEY=VALUE registry that `--set` and scenario files go through.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sessim/core/error.hpp"
#include "sessim/core/time.hpp"

namespace sessim {

/// Timeout classes. Every session sits in exactly one; each class has one FIFO expiry list.
enum class timeout_slot : std::uint8_t {
  tcp_syn_sent,
  tcp_syn_recv,
  tcp_established,
  tcp_fin_wait,
  tcp_close_wait,
  tcp_last_ack,
  tcp_time_wait,
  tcp_close,
  tcp_syn_sent2,
  tcp_max_retrans,
  tcp_unacknowledged,
  udp_unreplied,
  udp_stream,
  icmp,
  generic,
  sctp_closed,        ///< SCTP slots: one per conntrack SCTP state (sctp.track = 1)
  sctp_cookie_wait,
  sctp_cookie_echoed,
  sctp_established,
  sctp_shutdown_sent,
  sctp_shutdown_recd,
  sctp_shutdown_ack_sent,
  sctp_heartbeat_sent,
  gre_unreplied,      ///< GRE slots (gre.track = 1): nf_conntrack_gre_timeout / _timeout_stream
  gre_stream,
  count_
};
inline constexpr std::size_t timeout_slot_count = static_cast<std::size_t>(timeout_slot::count_);

/// The `--set` key of a timeout slot ("tcp.established").
inline constexpr std::string_view timeout_key(timeout_slot s) {
  constexpr std::string_view names[] = {
      "tcp.syn_sent",  "tcp.syn_recv",    "tcp.established", "tcp.fin_wait",
      "tcp.close_wait", "tcp.last_ack",   "tcp.time_wait",   "tcp.close",
      "tcp.syn_sent2", "tcp.max_retrans", "tcp.unacknowledged", "udp.timeout",
      "udp.stream",    "icmp.timeout",    "generic.timeout", "sctp.closed",
      "sctp.cookie_wait", "sctp.cookie_echoed", "sctp.established", "sctp.shutdown_sent",
      "sctp.shutdown_recd", "sctp.shutdown_ack_sent", "sctp.heartbeat_sent", "gre.timeout",
      "gre.stream"};
  return names[static_cast<std::size_t>(s)];
}

/// Default timeouts: 0 (each preset sets its own) except the SCTP and GRE slots, which every
/// preset inherits from Linux (nf_conntrack_proto_sctp.c sctp_timeouts[], nf_conntrack_proto_gre.c
/// gre_timeouts[]): they only matter with sctp.track = 1 / gre.track = 1.
inline std::array<sim_time, timeout_slot_count> default_timeouts() {
  std::array<sim_time, timeout_slot_count> t{};
  auto set = [&](timeout_slot s, double v) { t[static_cast<std::size_t>(s)] = seconds(v); };
  set(timeout_slot::sctp_closed, 10);
  set(timeout_slot::sctp_cookie_wait, 3);
  set(timeout_slot::sctp_cookie_echoed, 3);
  set(timeout_slot::sctp_established, 210);
  set(timeout_slot::sctp_shutdown_sent, 3);
  set(timeout_slot::sctp_shutdown_recd, 3);
  set(timeout_slot::sctp_shutdown_ack_sent, 3);
  set(timeout_slot::sctp_heartbeat_sent, 30);
  set(timeout_slot::gre_unreplied, 30);
  set(timeout_slot::gre_stream, 180);
  return t;
}

/// What a device does with a TCP packet that matches no session and is not a SYN.
enum class no_session_policy : std::uint8_t {
  drop,    ///< silently drop (conntrack tcp_loose=0, pf flags S/SA, PAN-OS, FortiGate)
  pickup,  ///< create a session from the mid-stream packet (conntrack tcp_loose=1)
  reject   ///< drop and answer with a RST (ACK-without-session reject)
};

/// What a device does when its table is full and a new session is needed.
enum class table_full_policy : std::uint8_t {
  drop_new,    ///< refuse the new session; its packet is dropped
  early_drop,  ///< conntrack: evict a non-assured entry among the 8 scanned, else drop
  lru          ///< evict the least recently used entry (Cilium-style LRU map)
};

/// How TCP is tracked.
enum class tcp_model : std::uint8_t {
  conntrack  ///< nf_conntrack's state table, window tracking and timeout rules
};

/// All settings of one session device.
struct device_config {
  std::string preset = "linux";         ///< preset this config started from
  std::array<sim_time, timeout_slot_count> timeouts = default_timeouts();
  no_session_policy no_session = no_session_policy::pickup;
  bool be_liberal = false;              ///< tcp.be_liberal: no window checks
  bool strict_states = false;           ///< tcp.strict_states: conntrack's handshake order (ACK in SYN_SENT is invalid)
  bool syn_only = false;                ///< policy.syn_only: only a bare SYN creates TCP state
  bool syn_only_unreplied = false;      ///< policy.syn_only_scope=unreplied: syn_only also filters the
                                        ///< original direction until a reply (conntrack's ct state NEW)
  bool rst_on_expiry = false;           ///< policy.rst_on_expiry
  std::uint32_t max_retrans_count = 3;  ///< tcp.max_retrans_count (conntrack tcp_max_retrans)
  std::uint64_t capacity = 262144;      ///< table.capacity (0 = unlimited)
  table_full_policy table_full = table_full_policy::early_drop;
  sim_time udp_stream_after = seconds(2);  ///< udp.stream_after: replied traffic after this → stream
  bool icmp_reply_needs_request = true;    ///< echo replies without a live request are invalid
  sim_time frag_timeout = seconds(30);     ///< ip.frag_timeout: IPv4 reassembly timeout (Linux ipfrag_time)
  sim_time frag6_timeout = seconds(60);    ///< ip.frag6_timeout: IPv6 reassembly timeout (nf_conntrack_frag6_timeout)
  bool sctp_tracking = false;              ///< sctp.track: conntrack's SCTP state machine (else SCTP is generic)
  bool udplite_tracking = false;           ///< udplite.track: UDP-Lite uses udp.timeout / udp.stream (else generic)
  bool gre_tracking = false;               ///< gre.track: conntrack's GRE timeouts (gre.timeout / gre.stream; else GRE is generic)
  bool icmp_code_in_key = false;           ///< icmp.code_in_key: the ICMP code is part of a query's key (conntrack's tuple)
  tcp_model model = tcp_model::conntrack;

  /// Timeout of a slot.
  sim_time timeout(timeout_slot s) const { return timeouts[static_cast<std::size_t>(s)]; }
  /// Sets the timeout of a slot.
  void set_timeout(timeout_slot s, sim_time t) { timeouts[static_cast<std::size_t>(s)] = t; }
};

/// Names for report output.
inline constexpr std::string_view no_session_name(no_session_policy p) {
  return p == no_session_policy::drop ? "drop" : p == no_session_policy::pickup ? "pickup" : "reject";
}
inline constexpr std::string_view table_full_name(table_full_policy p) {
  return p == table_full_policy::drop_new ? "drop-new"
         : p == table_full_policy::early_drop ? "early-drop" : "lru";
}

namespace detail {
inline double parse_number(std::string_view key, std::string_view v) {
  std::string s(v);
  double mult = 1;
  // Accept an optional unit suffix on durations: ns, us, ms, s, m, h, d.
  auto ends = [&](std::string_view suf) {
    return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends("ns")) { mult = 1e-9; s.resize(s.size() - 2); }
  else if (ends("us")) { mult = 1e-6; s.resize(s.size() - 2); }
  else if (ends("ms")) { mult = 1e-3; s.resize(s.size() - 2); }
  else if (ends("s")) { s.resize(s.size() - 1); }
  else if (ends("m")) { mult = 60; s.resize(s.size() - 1); }
  else if (ends("h")) { mult = 3600; s.resize(s.size() - 1); }
  else if (ends("d")) { mult = 86400; s.resize(s.size() - 1); }
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d))
    throw config_error(fmt::format("bad value '{}' for {}: expected a number", v, key));
  return d * mult;
}
inline bool parse_bool(std::string_view key, std::string_view v) {
  if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "off" || v == "no") return false;
  throw config_error(fmt::format("bad value '{}' for {}: expected 0 or 1", v, key));
}
}  // namespace detail

/// One settable key: name, help text, and how to apply and show it.
struct config_key {
  std::string_view name;
  std::string_view help;
  std::function<void(device_config&, std::string_view)> apply;
  std::function<std::string(const device_config&)> show;
};

/// Every key `--set` accepts, in display order.
inline const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = [] {
    std::vector<config_key> k;
    for (std::size_t i = 0; i < timeout_slot_count; ++i) {
      auto slot = static_cast<timeout_slot>(i);
      k.push_back({timeout_key(slot), "idle timeout, seconds (fractions and units ms/s/m/h/d allowed)",
                   [slot](device_config& c, std::string_view v) {
                     double s = detail::parse_number(timeout_key(slot), v);
                     if (s <= 0) throw config_error(fmt::format("bad value '{}' for {}: timeout must be > 0", v, timeout_key(slot)));
                     c.set_timeout(slot, seconds(s));
                   },
                   [slot](const device_config& c) { return format_seconds(c.timeout(slot)); }});
    }
    k.push_back({"tcp.loose", "1: pick up mid-stream TCP (ACK without session); 0: drop",
                 [](device_config& c, std::string_view v) {
                   c.no_session = detail::parse_bool("tcp.loose", v) ? no_session_policy::pickup : no_session_policy::drop;
                 },
                 [](const device_config& c) { return std::string(c.no_session == no_session_policy::pickup ? "1" : "0"); }});
    k.push_back({"tcp.be_liberal", "1: no TCP window checks; 0: window checks on",
                 [](device_config& c, std::string_view v) { c.be_liberal = detail::parse_bool("tcp.be_liberal", v); },
                 [](const device_config& c) { return std::string(c.be_liberal ? "1" : "0"); }});
    k.push_back({"tcp.strict_states", "1: conntrack's strict handshake order; 0: an ACK or FIN after a SYN whose SYN/ACK took another path is accepted",
                 [](device_config& c, std::string_view v) { c.strict_states = detail::parse_bool("tcp.strict_states", v); },
                 [](const device_config& c) { return std::string(c.strict_states ? "1" : "0"); }});
    k.push_back({"tcp.max_retrans_count", "retransmissions without ACK before tcp.max_retrans applies",
                 [](device_config& c, std::string_view v) {
                   double d = detail::parse_number("tcp.max_retrans_count", v);
                   if (d < 0 || d > 255 || d != std::floor(d)) throw config_error(fmt::format("bad value '{}' for tcp.max_retrans_count: expected an integer 0..255", v));
                   c.max_retrans_count = static_cast<std::uint32_t>(d);
                 },
                 [](const device_config& c) { return std::to_string(c.max_retrans_count); }});
    k.push_back({"policy.no_session", "mid-stream TCP packet without session: drop, pickup or reject",
                 [](device_config& c, std::string_view v) {
                   if (v == "drop") c.no_session = no_session_policy::drop;
                   else if (v == "pickup") c.no_session = no_session_policy::pickup;
                   else if (v == "reject") c.no_session = no_session_policy::reject;
                   else throw config_error(fmt::format("bad value '{}' for policy.no_session: expected drop, pickup or reject", v));
                 },
                 [](const device_config& c) { return std::string(no_session_name(c.no_session)); }});
    k.push_back({"policy.syn_only", "1: only a bare SYN creates TCP state (pf 'flags S/SA')",
                 [](device_config& c, std::string_view v) { c.syn_only = detail::parse_bool("policy.syn_only", v); },
                 [](const device_config& c) { return std::string(c.syn_only ? "1" : "0"); }});
    k.push_back({"policy.syn_only_scope",
                 "which packets policy.syn_only=1 filters: create (the packet that would create the session, pf "
                 "'flags S/SA') or unreplied (also every packet in the session's original direction until a reply "
                 "was seen: conntrack's ct state NEW, nftables 'ct state new tcp flags & (fin|syn|rst|ack) != syn "
                 "drop'; the session's tracking is still updated)",
                 [](device_config& c, std::string_view v) {
                   if (v == "create") c.syn_only_unreplied = false;
                   else if (v == "unreplied") c.syn_only_unreplied = true;
                   else throw config_error(fmt::format("bad value '{}' for policy.syn_only_scope: expected create or unreplied", v));
                 },
                 [](const device_config& c) { return std::string(c.syn_only_unreplied ? "unreplied" : "create"); }});
    k.push_back({"policy.rst_on_expiry", "1: send RST to both ends when a TCP session expires",
                 [](device_config& c, std::string_view v) { c.rst_on_expiry = detail::parse_bool("policy.rst_on_expiry", v); },
                 [](const device_config& c) { return std::string(c.rst_on_expiry ? "1" : "0"); }});
    k.push_back({"table.capacity", "maximum sessions (0 = unlimited)",
                 [](device_config& c, std::string_view v) {
                   double d = detail::parse_number("table.capacity", v);
                   if (d < 0 || d != std::floor(d) || d > 1e12) throw config_error(fmt::format("bad value '{}' for table.capacity: expected a non-negative integer", v));
                   c.capacity = static_cast<std::uint64_t>(d);
                 },
                 [](const device_config& c) { return std::to_string(c.capacity); }});
    k.push_back({"table.full", "when full: drop-new, early-drop or lru",
                 [](device_config& c, std::string_view v) {
                   if (v == "drop-new") c.table_full = table_full_policy::drop_new;
                   else if (v == "early-drop") c.table_full = table_full_policy::early_drop;
                   else if (v == "lru") c.table_full = table_full_policy::lru;
                   else throw config_error(fmt::format("bad value '{}' for table.full: expected drop-new, early-drop or lru", v));
                 },
                 [](const device_config& c) { return std::string(table_full_name(c.table_full)); }});
    k.push_back({"udp.stream_after", "seconds after creation from which replied UDP uses udp.stream",
                 [](device_config& c, std::string_view v) {
                   double s = detail::parse_number("udp.stream_after", v);
                   if (s < 0) throw config_error(fmt::format("bad value '{}' for udp.stream_after: must be >= 0", v));
                   c.udp_stream_after = seconds(s);
                 },
                 [](const device_config& c) { return format_seconds(c.udp_stream_after); }});
    auto frag_key = [](std::string_view name, std::string_view help, sim_time device_config::*field) {
      return config_key{name, help,
                        [name, field](device_config& c, std::string_view v) {
                          double s = detail::parse_number(name, v);
                          if (s <= 0) throw config_error(fmt::format("bad value '{}' for {}: timeout must be > 0", v, name));
                          c.*field = seconds(s);
                        },
                        [field](const device_config& c) { return format_seconds(c.*field); }};
    };
    k.push_back(frag_key("ip.frag_timeout", "seconds an incomplete fragmented IPv4 datagram is held before its fragments are dropped",
                         &device_config::frag_timeout));
    k.push_back(frag_key("ip.frag6_timeout", "seconds an incomplete fragmented IPv6 datagram is held before its fragments are dropped",
                         &device_config::frag6_timeout));
    auto bool_key = [](std::string_view name, std::string_view help, bool device_config::*field) {
      return config_key{name, help,
                        [name, field](device_config& c, std::string_view v) { c.*field = detail::parse_bool(name, v); },
                        [field](const device_config& c) { return std::string(c.*field ? "1" : "0"); }};
    };
    k.push_back(bool_key("sctp.track", "1: track SCTP with conntrack's state machine and verification tags (sctp.* timeouts); 0: SCTP is a generic protocol",
                         &device_config::sctp_tracking));
    k.push_back(bool_key("udplite.track", "1: UDP-Lite uses the UDP timeouts as nf_conntrack_udplite_packet does (udp.timeout until a reply was seen, then udp.stream and ASSURED, no 2 s rule); 0: UDP-Lite is a generic protocol",
                         &device_config::udplite_tracking));
    k.push_back(bool_key("gre.track", "1: GRE uses conntrack's GRE timeouts (gre.timeout until a reply was seen, then gre.stream, ASSURED); 0: GRE is a generic protocol",
                         &device_config::gre_tracking));
    k.push_back(bool_key("icmp.code_in_key", "1: an ICMP query's code is part of its session key, as in conntrack's ICMP tuple (a reply or a quoted query with another code matches no session); 0: type and identifier only",
                         &device_config::icmp_code_in_key));
    return k;
  }();
  return keys;
}

/// Applies KEY=VALUE to a config; throws config_error naming the key on unknown keys or bad values.
inline void apply_setting(device_config& c, std::string_view key, std::string_view value) {
  for (const auto& k : config_keys())
    if (k.name == key) { k.apply(c, value); return; }
  throw config_error(fmt::format("unknown key '{}' (see `sessim keys`)", key));
}

}  // namespace sessim
