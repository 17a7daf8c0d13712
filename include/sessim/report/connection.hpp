#pragma once
/// connection: one conversation as the report sees it (endpoints, counters, Zeek-style
/// conn_state and history) and, when it broke, where, why and what would have saved it.
#include <array>
#include <boost/intrusive/unordered_set_hook.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/time.hpp"
#include "sessim/core/verdict.hpp"
#include "sessim/device/session_device.hpp"

namespace sessim {

/// Why a connection broke (stable strings, see DESIGN.md).
enum class break_cause : std::uint8_t {
  none, idle_timeout, rst_on_expiry, no_session, sync_race, failover, table_full, invalid,
  backend_down, owner_unreachable, asymmetric_nat, count_
};

/// Stable name of a cause.
inline constexpr std::string_view cause_name(break_cause c) {
  constexpr std::string_view n[] = {"none",     "idle-timeout", "rst-on-expiry", "no-session",
                                    "sync-race", "failover",    "table-full",    "invalid",
                                    "backend-down", "owner-unreachable", "asymmetric-nat"};
  return n[static_cast<std::size_t>(c)];
}

/// What an endpoint experiences when its connection breaks.
enum class experience : std::uint8_t { none, reset, blackhole };

/// Stable name of an experience.
inline constexpr std::string_view experience_name(experience e) {
  return e == experience::reset ? "reset" : e == experience::blackhole ? "blackhole" : "none";
}

/// The first break of a connection and the fix hints for it.
struct break_info {
  std::uint64_t frame = 0;  ///< first frame that did not get through (0: none, e.g. RST at expiry)
  sim_time time = 0;        ///< when it broke (RST on expiry: the expiry time)
  break_cause cause = break_cause::none;
  std::string device;       ///< device where it broke
  reason why = reason::no_session;  ///< the device's reason for the failing frame
  int dir = 0;              ///< 0: the failing frame came from the client, 1: from the server
  experience exp = experience::none;
  sim_time exp_time = 0;    ///< when the endpoint learns (reset: RST time; blackhole: drop time)
  // Fix hints (negative = not applicable)
  std::string fix_key;      ///< the setting that decided it ("tcp.established")
  sim_time current = -1;    ///< its value in this run
  sim_time idle_gap = -1;   ///< the idle time after which the session was gone
  sim_time timeout_above = -1;   ///< any timeout strictly above this keeps the connection alive
  sim_time keepalive_below = -1; ///< any keepalive interval strictly below this keeps it alive
  std::string hint;         ///< one-line remedy in words
  // Sync races (negative = not applicable)
  sim_time race_margin = -1;     ///< how much later than the packet the session's sync arrived
  bool sync_lost = false;        ///< the sync message never arrived (lost, not retransmitted)
  sim_time sync_latency_below = -1;  ///< any sync latency strictly below this avoids the race
};

/// What the engine knows about a failing frame beyond the device's own reason.
struct break_context {
  break_cause cause = break_cause::none;  ///< none: decide from the device's reason
  sim_time race_margin = -1;
  bool sync_lost = false;
  sim_time sync_latency_below = -1;
};

/// What one device knew about a connection.
struct device_view {
  bool had_session = false;   ///< the device created or held a session for it
  bool lost = false;          ///< that session ended while the connection went on
  session_end_kind lost_kind = session_end_kind::expired;
  sim_time lost_at = 0;
  timeout_slot lost_slot = timeout_slot::generic;
  sim_time lost_last_refresh = 0;
  bool rst = false;           ///< the device sent RSTs when the session expired
  verdict last = verdict::forward;
  std::uint64_t dropped = 0;  ///< frames of this connection it dropped or rejected
  const session* hint = nullptr;  ///< the device's session for it when last seen (a lookup hint, never dereferenced here)
};

/// The per-device views of a connection: inline for up to two devices (no allocation per
/// connection in the common topologies), on the heap beyond. Value semantics.
class device_views {
 public:
  static constexpr std::size_t inline_n = 2;
  void resize(std::size_t n) {
    n_ = n;
    if (n > inline_n) more_.resize(n);
    else more_.clear();
  }
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  device_view& operator[](std::size_t i) noexcept { return n_ <= inline_n ? small_[i] : more_[i]; }
  const device_view& operator[](std::size_t i) const noexcept { return n_ <= inline_n ? small_[i] : more_[i]; }
  device_view* begin() noexcept { return n_ <= inline_n ? small_.data() : more_.data(); }
  device_view* end() noexcept { return begin() + n_; }
  const device_view* begin() const noexcept { return n_ <= inline_n ? small_.data() : more_.data(); }
  const device_view* end() const noexcept { return begin() + n_; }

 private:
  std::size_t n_ = 0;
  std::array<device_view, inline_n> small_{};
  std::vector<device_view> more_;
};

/// One connection. Fields a packet updates come first (the record is cache-line aligned and a
/// packet touches its first few lines only); the break details and the rest follow.
struct alignas(64) connection {
  // ---- owned by connection_log (hooks are not copied: a copy is an unlinked snapshot) ----
  boost::intrusive::unordered_set_member_hook<boost::intrusive::store_hash<true>> log_hook_;
  flow_key key;              ///< client → server (device tracking key orientation)
  bool warm = false;         ///< already open when the capture started (assumed established)
  bool flipped = false;      ///< first packet came from the server (SYN/ACK first): history starts with ^
  bool broken = false;
  bool closed_before = false;  ///< closed (FIN both ways or RST) before the current frame
  bool in_idle_ = false;     ///< has an entry in the log's idle queue (connection_log)
  bool live_ = false;        ///< in the log's table, not handed out yet (connection_log)
  sim_time last_ts = 0;
  std::uint64_t last_frame = 0;
  std::array<std::uint64_t, 2> pkts{}, bytes{}, ip_bytes{};  ///< [0] client→server, [1] back
  std::uint64_t touch_ = 0;  ///< order of the last packet (the log's LRU order; connection_log)
  sim_time max_gap = 0;      ///< largest time between two consecutive frames of the connection
  // TCP flags seen per direction
  std::array<bool, 2> syn{}, synack{}, fin{}, rst{}, data{};
  std::array<bool, 2> seq_known{};
  std::array<std::uint32_t, 2> seq_end{};
  std::uint32_t client_isn = 0;
  std::uint32_t pins_ = 0;   ///< packets in flight that still refer to it (connection_log)
  mutable std::uint64_t observer_tag = 0;  ///< free for a replay_observer (the idle recorder's live-session cache); 0 when made
  std::string history;       ///< Zeek history letters
  device_views dev;          ///< one per device, in topology order
  // ---- colder ----
  std::uint64_t id = 0;      ///< 1-based, in order of first frame
  std::uint64_t first_frame = 0;
  sim_time first_ts = 0;
  std::uint64_t dropped = 0; ///< frames dropped or rejected by any device
  std::uint64_t redirected = 0;      ///< frames forwarded to the owning member (path correction)
  std::uint64_t redirect_bytes = 0;  ///< bytes carried on the inter-device link for them
  sim_time added_latency = 0;        ///< latency added to this connection's frames (redirect, defer)
  std::uint64_t after_break = 0;  ///< frames seen after the break
  std::string backend;       ///< load balancer: the real server "ip:port" it was bound to (empty: none)
  break_info brk;

  bool had_syn() const { return syn[0] || syn[1]; }
  bool closed() const { return rst[0] || rst[1] || (fin[0] && fin[1]); }
  std::uint8_t proto() const { return key.proto; }

  /// Zeek conn_state.
  std::string conn_state() const {
    const bool tcp = key.proto == 6;
    if (!tcp) return pkts[1] ? "SF" : "S0";
    const bool osyn = syn[0], rsa = synack[1];
    if (osyn && !rsa) {
      if (rst[1]) return "REJ";
      if (rst[0]) return "RSTOS0";
      if (fin[0]) return "SH";
      return pkts[1] ? "OTH" : "S0";
    }
    if (rst[0]) return "RSTO";
    if (rst[1]) return (!osyn && rsa && !pkts[0]) ? "RSTRH" : "RSTR";
    if (fin[0] && fin[1]) return "SF";
    if (!osyn && !rsa) return "OTH";
    if (!osyn && rsa && !pkts[0]) return fin[1] ? "SHR" : "OTH";
    if (!osyn && rsa && fin[1]) return "SHR";
    if (fin[0]) return "S2";
    if (fin[1]) return "S3";
    return "S1";
  }

  /// Client endpoint "ip:port" (ICMP: request type as port, like Zeek).
  std::string client() const {
    if (key.proto == 1 || key.proto == 58) return flow_key::endpoint_str(key.src, key.dport);
    return key.src_str();
  }
  /// Server endpoint "ip:port" (ICMP: reply type as port).
  std::string server() const {
    if (key.proto == 1 || key.proto == 58) {
      std::uint16_t reply = key.proto == 58 ? static_cast<std::uint16_t>(key.dport + 1)
                                            : (key.dport == 8 ? 0 : static_cast<std::uint16_t>(key.dport + 1));
      if (key.dport > 255) reply = 0;
      return flow_key::endpoint_str(key.dst, reply);
    }
    return key.dst_str();
  }
};

}  // namespace sessim
