#pragma once
/// topology: devices, the paths packets take through them, sync groups, owner redirect and
/// failure events — everything a scenario describes, as plain data the library can build
/// without files.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sessim/core/error.hpp"
#include "sessim/core/flow_key.hpp"
#include "sessim/core/time.hpp"
#include "sessim/policy/device_config.hpp"

namespace sessim {

namespace lb {
struct lb_config;
}

/// One device in the topology.
struct device_spec {
  std::string name;
  device_config config;
};

/// An IPv4 or IPv6 prefix.
struct ip_prefix {
  ip_addr net;
  int len = 0;

  /// True when `a` is inside the prefix.
  bool contains(const ip_addr& a) const {
    if (a.v6 != net.v6) return false;
    int bits = len;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
      if ((a.b[i] & mask) != (net.b[i] & mask)) return false;
    }
    return true;
  }

  /// Parses "10.0.0.0/8", "2001:db8::/32" or a bare address; nullopt when malformed.
  static std::optional<ip_prefix> parse(std::string_view s);
};

/// Which direction of a connection a path carries.
enum class path_direction : std::uint8_t { any, client_to_server, server_to_client };

/// Which packets a path carries (every given condition must hold).
struct path_match {
  path_direction direction = path_direction::any;
  std::vector<ip_prefix> src, dst;  ///< empty: any
  std::optional<std::pair<std::uint16_t, std::uint16_t>> sport, dport;  ///< inclusive ranges
  std::optional<std::uint8_t> proto;
};

/// How a path spreads packets over equal-cost devices.
enum class ecmp_mode : std::uint8_t { none, per_flow, per_packet };

/// A path: the devices a matching packet crosses, in series.
struct path_spec {
  std::string name;
  path_match match;
  std::vector<std::size_t> devices;       ///< in series (when ecmp is none)
  ecmp_mode ecmp = ecmp_mode::none;
  std::vector<std::size_t> ecmp_devices;  ///< one of them is chosen by hash
  sim_time offset = 0;                    ///< arrival time at the devices minus capture time
  std::vector<std::size_t> backup;        ///< used instead of a device that is down
};

/// Sync protocol behaviours, copied from real systems.
enum class sync_mode : std::uint8_t {
  notrack,  ///< conntrackd NOTRACK: every event sent once, best effort, no retransmission
  alarm,    ///< conntrackd ALARM: events, plus every session re-sent every `refresh`
  ftfw,     ///< conntrackd FTFW: acknowledged; lost messages are re-sent after `resend`
  pfsync,   ///< pfsync: updates coalesced, sent when `batch` fill or within `max_delay`; optional defer
  ipvs      ///< IPVS sync daemon: a connection is synced after `threshold` packets, then every `period`
};

/// Stable name of a sync mode.
inline constexpr std::string_view sync_mode_name(sync_mode m) {
  switch (m) {
    case sync_mode::notrack: return "notrack";
    case sync_mode::alarm: return "alarm";
    case sync_mode::ftfw: return "ftfw";
    case sync_mode::pfsync: return "pfsync";
    case sync_mode::ipvs: return "ipvs";
  }
  return "?";
}

/// One-way latency of a channel: a distribution plus uniform jitter (± jitter).
struct latency_model {
  enum class kind : std::uint8_t { constant, uniform, normal, empirical };
  kind k = kind::constant;
  sim_time a = 0;       ///< constant value, uniform min, normal mean
  sim_time b = 0;       ///< uniform max, normal standard deviation
  std::vector<sim_time> values;  ///< empirical samples (drawn uniformly)
  sim_time jitter = 0;  ///< ± uniform jitter added to every sample

  /// Draws one latency (never negative).
  template <class Rng>
  sim_time sample(Rng& rng) const {
    sim_time v = a;
    switch (k) {
      case kind::constant: break;
      case kind::uniform: v = a + static_cast<sim_time>(uniform01(rng) * static_cast<double>(b - a)); break;
      case kind::normal: {
        // Box-Muller on our own uniform draws: identical on every standard library.
        double u1 = uniform01(rng), u2 = uniform01(rng);
        if (u1 < 1e-300) u1 = 1e-300;
        double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        v = a + static_cast<sim_time>(z * static_cast<double>(b));
        break;
      }
      case kind::empirical:
        if (!values.empty()) v = values[static_cast<std::size_t>(rng() % values.size())];
        break;
    }
    if (jitter > 0) v += static_cast<sim_time>((uniform01(rng) * 2 - 1) * static_cast<double>(jitter));
    return v < 0 ? 0 : v;
  }
  /// The smallest latency the model can produce (for bounds).
  sim_time minimum() const {
    sim_time m = a;
    if (k == kind::normal) m = 0;
    if (k == kind::empirical && !values.empty()) { m = values[0]; for (auto x : values) m = std::min(m, x); }
    m -= jitter;
    return m < 0 ? 0 : m;
  }

  /// A uniform double in [0, 1) from a 64-bit engine (portable, unlike std::uniform_real_distribution).
  template <class Rng>
  static double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }
};

/// A sync group: members that copy sessions to each other over one channel.
struct sync_spec {
  std::string name;
  std::vector<std::size_t> members;
  sync_mode mode = sync_mode::notrack;
  latency_model latency;
  double loss = 0;              ///< probability that one message is lost
  double bandwidth_bps = 0;     ///< 0: unlimited; else messages queue behind each other
  std::uint32_t message_bytes = 128;  ///< size of one session update on the wire
  sim_time refresh = seconds(15);     ///< alarm: period of the full re-send
  sim_time resend = seconds(0.05);    ///< ftfw: re-send a lost message after this
  sim_time max_delay = seconds(1);    ///< pfsync: an update waits at most this long
  std::uint32_t batch = 128;          ///< pfsync: send when this many updates are queued
  bool defer = false;                 ///< pfsync defer: hold a new session's first packet
  sim_time defer_timeout = seconds(0.02);  ///< pfsync defer: release after this at most
  std::uint32_t threshold = 3;        ///< ipvs: sync once a connection has this many packets
  std::uint32_t period = 50;          ///< ipvs: and again every this many packets
};

/// How a member forwards a packet of a session another member owns.
enum class redirect_method : std::uint8_t { none, mac, tunnel };
/// How ownership of a session is decided.
enum class ownership_rule : std::uint8_t { first_packet, hash };

/// Owner redirect (path correction) within a sync group.
struct redirect_spec {
  redirect_method method = redirect_method::none;
  std::size_t group = 0;            ///< index into topology::groups
  sim_time latency = seconds(0.00005);  ///< added one-way latency per redirected packet
  std::uint32_t overhead_bytes = 0;     ///< encapsulation bytes per redirected packet (tunnel)
  ownership_rule ownership = ownership_rule::first_packet;
};

/// A device going down or coming back at a time (relative to the trace start).
struct event_spec {
  sim_time at = 0;
  std::size_t device = 0;
  bool up = false;
};

/// The whole model a replay runs.
struct topology {
  std::vector<device_spec> devices;
  std::vector<path_spec> paths;   ///< empty: every packet crosses every device in order
  std::vector<sync_spec> groups;
  redirect_spec redirect;
  std::vector<event_spec> events;
  std::uint64_t seed = 1;
  std::shared_ptr<const lb::lb_config> lb;  ///< virtual servers on devices (null: none; lb/virtual_server.hpp)

  /// How long an incomplete fragmented datagram is held: the first device's ip.frag_timeout
  /// (IPv4) or ip.frag6_timeout (IPv6); Linux's defaults without devices. The replay's reassembly
  /// and the decoder's (trace_reader::set_frag_timeout) both use it.
  sim_time reassembly_timeout(bool v6 = false) const {
    if (devices.empty()) return seconds(v6 ? 60 : 30);
    return v6 ? devices.front().config.frag6_timeout : devices.front().config.frag_timeout;
  }

  /// Index of a device by name, or nullopt.
  std::optional<std::size_t> device_index(std::string_view name) const {
    for (std::size_t i = 0; i < devices.size(); ++i)
      if (devices[i].name == name) return i;
    return std::nullopt;
  }
};

inline std::optional<ip_prefix> ip_prefix::parse(std::string_view s) {
  ip_prefix p;
  std::string addr(s);
  int len = -1;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    addr = std::string(s.substr(0, slash));
    std::string l(s.substr(slash + 1));
    if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    len = std::stoi(l);
  }
  if (addr.find(':') == std::string::npos) {
    unsigned v[4];
    char tail;
    if (std::sscanf(addr.c_str(), "%u.%u.%u.%u%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4) return std::nullopt;
    for (unsigned x : v) if (x > 255) return std::nullopt;
    p.net = ip_addr::v4((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]);
    p.len = len < 0 ? 32 : len;
    if (p.len > 32) return std::nullopt;
    return p;
  }
  // IPv6: groups of hex with at most one "::".
  std::vector<std::uint16_t> head, tail;
  bool seen_gap = false;
  std::size_t i = 0;
  if (addr.rfind("::", 0) == 0) { seen_gap = true; i = 2; }
  while (i < addr.size()) {
    std::size_t j = addr.find(':', i);
    std::string g = addr.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (g.empty() || g.size() > 4 || g.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return std::nullopt;
    (seen_gap ? tail : head).push_back(static_cast<std::uint16_t>(std::stoul(g, nullptr, 16)));
    if (j == std::string::npos) break;
    if (j + 1 < addr.size() && addr[j + 1] == ':') {
      if (seen_gap) return std::nullopt;
      seen_gap = true;
      i = j + 2;
    } else {
      i = j + 1;
    }
  }
  if (head.size() + tail.size() > 8 || (!seen_gap && head.size() != 8)) return std::nullopt;
  std::uint8_t b[16] = {};
  for (std::size_t k = 0; k < head.size(); ++k) { b[2 * k] = head[k] >> 8; b[2 * k + 1] = head[k] & 0xff; }
  for (std::size_t k = 0; k < tail.size(); ++k) {
    std::size_t pos = 8 - tail.size() + k;
    b[2 * pos] = tail[k] >> 8;
    b[2 * pos + 1] = tail[k] & 0xff;
  }
  p.net = ip_addr::v6addr(b);
  p.len = len < 0 ? 128 : len;
  if (p.len > 128) return std::nullopt;
  return p;
}

}  // namespace sessim
