#pragma once
/// connection: one conversation as the report sees it (endpoints, counters, Zeek-style
/// conn_state and history) and, when it broke, where, why and what would have saved it.
#include <array>
#include <bit>
#include <cstddef>
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
  reason why = reason::no_session;  ///< the device's reason for the failing frame
  experience exp = experience::none;
  bool sync_lost = false;        ///< sync races: the sync message never arrived (lost, not retransmitted)
  int dir = 0;              ///< 0: the failing frame came from the client, 1: from the server
  std::string device;       ///< device where it broke
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
  sim_time sync_latency_below = -1;  ///< any sync latency strictly below this avoids the race
};

/// What the engine knows about a failing frame beyond the device's own reason.
struct break_context {
  break_cause cause = break_cause::none;  ///< none: decide from the device's reason
  sim_time race_margin = -1;
  bool sync_lost = false;
  sim_time sync_latency_below = -1;
};

/// What one device knew about a connection: the part a packet reads or writes (16 bytes, kept
/// in the connection's hot lines). The rest is in device_view_cold.
struct device_view {
  const session* hint = nullptr;  ///< the device's session for it when last seen (a lookup hint, never dereferenced here)
  verdict last = verdict::forward;
  bool had_session = false;   ///< the device created or held a session for it
  bool lost = false;          ///< that session ended while the connection went on
  session_end_kind lost_kind = session_end_kind::expired;
  timeout_slot lost_slot = timeout_slot::generic;
  bool rst = false;           ///< the device sent RSTs when the session expired
};
static_assert(sizeof(device_view) == 16);

/// What one device knew about a connection: the part only a session end or a drop touches.
struct device_view_cold {
  sim_time lost_at = 0;
  sim_time lost_last_refresh = 0;
  std::uint64_t dropped = 0;  ///< frames of this connection it dropped or rejected
};

/// The per-device views of a connection: inline for up to two devices (no allocation per
/// connection in the common topologies), on the heap beyond. Value semantics. The inline hot
/// views come first (they end the connection's hot lines); the count, the cold parts and the
/// heap part follow, and indexing the inline views reads none of them.
class device_views {
 public:
  static constexpr std::size_t inline_n = 2;
  void resize(std::size_t n) {
    n_ = static_cast<std::uint32_t>(n);
    if (n > inline_n) more_.resize(n - inline_n);
    else more_.clear();
  }
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  device_view& operator[](std::size_t i) noexcept {
    if (__builtin_expect(i < inline_n, 1)) return small_[i];
    return more_[i - inline_n].hot;
  }
  const device_view& operator[](std::size_t i) const noexcept {
    if (__builtin_expect(i < inline_n, 1)) return small_[i];
    return more_[i - inline_n].hot;
  }
  device_view_cold& cold(std::size_t i) noexcept {
    if (__builtin_expect(i < inline_n, 1)) return small_cold_[i];
    return more_[i - inline_n].cold;
  }
  const device_view_cold& cold(std::size_t i) const noexcept {
    if (__builtin_expect(i < inline_n, 1)) return small_cold_[i];
    return more_[i - inline_n].cold;
  }

 private:
  struct spilled {
    device_view hot;
    device_view_cold cold;
  };
  std::array<device_view, inline_n> small_{};
  std::uint32_t n_ = 0;
  std::array<device_view_cold, inline_n> small_cold_{};
  std::vector<spilled> more_;  ///< devices inline_n.. (only when there are more than inline_n)
};

/// Zeek history letters of a connection in order of first appearance: '^' when the first packet
/// came from the server, then each of S H F R T D A W (upper case: from the client, lower case:
/// from the server) at most once. Packed into 8 bytes so it stays in the record's hot lines:
/// bits 0-15: which of the 16 letters were seen; bits 16-60: their order as a mixed-radix number
/// (the j-th letter contributes its rank among the letters not seen before it, times 16!/(16-j)!;
/// the total is below 16! < 2^45); bit 63: the caret.
class conn_history {
 public:
  static constexpr std::string_view letters = "SHFRTDAW";
  /// Letter numbers: a letter's position in `letters`, plus 8 for the server's (lower case).
  enum letter : unsigned { S = 0, H, F, R, T, D, A, W, server = 8 };

  bool has(unsigned i) const noexcept { return (v_ >> i) & 1; }
  /// Bits 0-15: the letters seen (bit i: letter number i).
  unsigned seen() const noexcept { return static_cast<unsigned>(v_ & 0xffff); }
  bool caret() const noexcept { return (v_ >> 63) & 1; }
  void set_caret() noexcept { v_ |= std::uint64_t{1} << 63; }
  /// Appends letter number i unless it is already there.
  [[gnu::always_inline]] void add(unsigned i) noexcept {
    const unsigned m = seen();
    if ((m >> i) & 1) return;
    const unsigned j = count16(m);                        // letters before it
    const unsigned r = i - count16(m & ((1u << i) - 1));  // its rank among the letters not seen yet
    v_ += (std::uint64_t{r} * radix(j)) << 16;
    v_ |= std::uint64_t{1} << i;
  }
  std::size_t size() const noexcept { return count16(seen()) + (caret() ? 1u : 0u); }
  bool empty() const noexcept { return size() == 0; }

  /// The letters as Zeek writes them.
  std::string str() const {
    std::string s;
    if (caret()) s.push_back('^');
    const unsigned n = count16(seen());
    std::uint64_t order = (v_ >> 16) & ((std::uint64_t{1} << 45) - 1);
    unsigned unseen = 0xffff;
    for (unsigned j = 0; j < n; ++j) {
      unsigned r = static_cast<unsigned>(order % (16 - j));
      order /= 16 - j;
      unsigned u = unseen;
      for (; r > 0; --r) u &= u - 1;  // drop the r lowest unseen letters
      const unsigned i = static_cast<unsigned>(std::countr_zero(u));
      unseen &= ~(1u << i);
      const char up = letters[i & 7];
      s.push_back(i < 8 ? up : static_cast<char>(up - 'A' + 'a'));
    }
    return s;
  }
  friend bool operator==(const conn_history&, const conn_history&) = default;

 private:
  /// 16!/(16-j)!: the weight of the j-th letter's rank.
  static std::uint64_t radix(unsigned j) noexcept { return radix_table[j & 15]; }
  static constexpr std::array<std::uint64_t, 16> radix_table = [] {
    std::array<std::uint64_t, 16> t{};
    std::uint64_t x = 1;
    for (unsigned k = 0; k < 16; ++k) {
      t[k] = x;
      x *= 16 - k;
    }
    return t;
  }();
  /// Set bits of a 16-bit value (a table: without -mpopcnt std::popcount is a libgcc call).
  static unsigned count16(unsigned x) noexcept { return count8_table[x & 0xff] + count8_table[(x >> 8) & 0xff]; }
  static constexpr std::array<std::uint8_t, 256> count8_table = [] {
    std::array<std::uint8_t, 256> t{};
    for (unsigned k = 0; k < 256; ++k) t[k] = static_cast<std::uint8_t>(std::popcount(k));
    return t;
  }();

  std::uint64_t v_ = 0;
};

/// One connection. Everything a packet reads or writes is in the record's first three cache
/// lines (see the static_asserts below; connection_log::prefetch_entry fetches them):
///   line 0: hash hook, key, flag bits, pins;
///   line 1: last time and frame, packet and byte counters;
///   line 2: LRU order, largest gap, TCP sequence ends, history, the first two devices' views.
/// The break details and the rest follow.
struct alignas(64) connection {
  // ---- line 0. Owned by connection_log (hooks are not copied: a copy is an unlinked snapshot) ----
  boost::intrusive::unordered_set_member_hook<boost::intrusive::store_hash<true>> log_hook_;
  flow_key key;              ///< client → server (device tracking key orientation)
  bool warm : 1 = false;     ///< already open when the capture started (assumed established)
  bool flipped : 1 = false;  ///< first packet came from the server (SYN/ACK first): history starts with ^
  bool broken : 1 = false;
  bool closed_before : 1 = false;  ///< closed (FIN both ways or RST) before the current frame
  bool in_idle_ : 1 = false; ///< has an entry in the log's idle queue (connection_log)
  bool live_ : 1 = false;    ///< in the log's table, not handed out yet (connection_log)
  std::uint8_t seq_known : 2 = 0;  ///< bit d: seq_end[d] is set
  std::uint32_t pins_ = 0;   ///< packets in flight that still refer to it (connection_log)
  // ---- line 1 ----
  sim_time last_ts = 0;
  std::uint64_t last_frame = 0;
  std::array<std::uint64_t, 2> pkts{}, bytes{}, ip_bytes{};  ///< [0] client→server, [1] back
  // ---- line 2 ----
  std::uint64_t touch_ = 0;  ///< order of the last packet (the log's LRU order; connection_log)
  sim_time max_gap = 0;      ///< largest time between two consecutive frames of the connection
  std::array<std::uint32_t, 2> seq_end{};
  conn_history history;      ///< Zeek history letters (also the TCP flags seen, see syn() etc.)
  device_views dev;          ///< one per device, in topology order (inline views: end of line 2)
  // ---- colder ----
  std::uint64_t id = 0;      ///< 1-based, in order of first frame
  mutable std::uint64_t observer_tag = 0;  ///< free for a replay_observer (the idle recorder's live-session cache); 0 when made
  std::uint32_t client_isn = 0;
  std::uint64_t first_frame = 0;
  sim_time first_ts = 0;
  std::uint64_t dropped = 0; ///< frames dropped or rejected by any device
  std::uint64_t redirected = 0;      ///< frames forwarded to the owning member (path correction)
  std::uint64_t redirect_bytes = 0;  ///< bytes carried on the inter-device link for them
  sim_time added_latency = 0;        ///< latency added to this connection's frames (redirect, defer)
  std::uint64_t after_break = 0;  ///< frames seen after the break
  std::string backend;       ///< load balancer: the real server "ip:port" it was bound to (empty: none)
  break_info brk;

  // TCP flags seen per direction (d: 0 client→server, 1 back); they are the history's letters.
  bool syn(int d) const noexcept { return history.has(conn_history::S + 8u * static_cast<unsigned>(d)); }
  bool synack(int d) const noexcept { return history.has(conn_history::H + 8u * static_cast<unsigned>(d)); }
  bool fin(int d) const noexcept { return history.has(conn_history::F + 8u * static_cast<unsigned>(d)); }
  bool rst(int d) const noexcept { return history.has(conn_history::R + 8u * static_cast<unsigned>(d)); }
  bool data(int d) const noexcept { return key.proto == 6 && history.has(conn_history::D + 8u * static_cast<unsigned>(d)); }

  bool had_syn() const noexcept {
    constexpr unsigned m = 1u << conn_history::S | 1u << (conn_history::S + conn_history::server);
    return history.seen() & m;
  }
  bool closed() const noexcept {
    constexpr unsigned r = 1u << conn_history::R | 1u << (conn_history::R + conn_history::server);
    constexpr unsigned f = 1u << conn_history::F | 1u << (conn_history::F + conn_history::server);
    const unsigned m = history.seen();
    return (m & r) || (m & f) == f;
  }
  std::uint8_t proto() const { return key.proto; }

  /// Zeek conn_state.
  std::string conn_state() const {
    const bool tcp = key.proto == 6;
    if (!tcp) return pkts[1] ? "SF" : "S0";
    const bool osyn = syn(0), rsa = synack(1);
    if (osyn && !rsa) {
      if (rst(1)) return "REJ";
      if (rst(0)) return "RSTOS0";
      if (fin(0)) return "SH";
      return pkts[1] ? "OTH" : "S0";
    }
    if (rst(0)) return "RSTO";
    if (rst(1)) return (!osyn && rsa && !pkts[0]) ? "RSTRH" : "RSTR";
    if (fin(0) && fin(1)) return "SF";
    if (!osyn && !rsa) return "OTH";
    if (!osyn && rsa && !pkts[0]) return fin(1) ? "SHR" : "OTH";
    if (!osyn && rsa && fin(1)) return "SHR";
    if (fin(0)) return "S2";
    if (fin(1)) return "S3";
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

/// The lines a packet touches (connection_log::prefetch_entry fetches them).
inline constexpr std::size_t connection_hot_lines = 3;
// (the hash hook makes the record non-standard-layout; GCC and Clang lay it out as declared)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(sizeof(flow_key) <= 42, "line 0 holds the hook, the key, the flag bits and pins_");
static_assert(offsetof(connection, pins_) + sizeof(std::uint32_t) <= 64, "line 0: hook, key, flags, pins_");
static_assert(offsetof(connection, last_ts) == 64 && offsetof(connection, ip_bytes) + 16 == 128,
              "line 1: last time and frame, counters");
static_assert(offsetof(connection, touch_) == 128, "line 2 starts with the LRU order");
static_assert(offsetof(connection, dev) + device_views::inline_n * sizeof(device_view) == 64 * connection_hot_lines,
              "the inline device views end the hot lines");
#pragma GCC diagnostic pop
static_assert(sizeof(conn_history) == 8);

}  // namespace sessim
