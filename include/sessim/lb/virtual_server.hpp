#pragma once
/// virtual_server: what an L4 switch is configured with — a virtual IP, port and protocol, the
/// real servers (RIP, port, weight, max connections), a sorry server, the scheduler, persistence,
/// forwarding method, health check and L7 rules — as plain data a scenario fills in.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/time.hpp"

namespace sessim::lb {

/// How requests reach a real server (IPVS's forwarding methods).
enum class forwarding : std::uint8_t {
  nat,  ///< masquerading: DNAT to RIP:port, replies must come back through the balancer
  dr,   ///< direct routing: only the destination MAC changes; replies bypass the balancer
  tun   ///< tunnelling (IPIP, GUE, GRE): the packet is encapsulated to the RIP; replies bypass it
};

/// Stable name of a forwarding method.
inline constexpr const char* forwarding_name(forwarding f) {
  return f == forwarding::nat ? "nat" : f == forwarding::dr ? "dr" : "tun";
}

/// The encapsulation of `tun` forwarding (IPVS --tun-type).
enum class tunnel_type : std::uint8_t {
  ipip,  ///< IP-in-IP (RFC 2003) / IPv6 encapsulation (RFC 2473): the outer IP header only
  gue,   ///< Generic UDP Encapsulation: outer IP + UDP (8) + GUE header (4)
  gre    ///< GRE (RFC 2784): outer IP + GRE header (4; 8 with the checksum flag)
};

/// Stable name of a tunnel type.
inline constexpr const char* tunnel_type_name(tunnel_type t) {
  return t == tunnel_type::ipip ? "ipip" : t == tunnel_type::gue ? "gue" : "gre";
}

/// Encapsulation bytes per packet: the outer IP header (20 IPv4, 40 IPv6 — the real server's
/// family) plus the tunnel's own header.
inline constexpr std::uint32_t tunnel_overhead(tunnel_type t, bool outer_v6, bool csum) {
  const std::uint32_t ip = outer_v6 ? 40 : 20;
  switch (t) {
    case tunnel_type::ipip: return ip;
    case tunnel_type::gue: return ip + 8 + 4;
    case tunnel_type::gre: return ip + (csum ? 8 : 4);
  }
  return ip;
}

/// One real server.
struct real_server_spec {
  ip_addr ip;
  std::uint16_t port = 0;
  std::uint32_t weight = 1;      ///< 0: draining (existing connections stay, no new ones)
  std::uint32_t max_conns = 0;   ///< upper threshold on active connections (0: none), IPVS u_threshold
  /// "ip:port".
  std::string name() const { return flow_key::endpoint_str(ip, port); }
};

/// Health check kinds (keepalived TCP_CHECK / HTTP_GET).
enum class health_kind : std::uint8_t { none, tcp, http };

/// A periodic health check.
struct health_spec {
  health_kind kind = health_kind::none;
  sim_time interval = seconds(5);  ///< time between checks (keepalived delay_loop)
  sim_time timeout = seconds(2);   ///< a check to a dead server fails after this
  std::uint32_t rise = 2;          ///< consecutive successes to mark a server up
  std::uint32_t fall = 3;          ///< consecutive failures to mark it down
  std::string http_path = "/";     ///< HTTP GET target (kind http)
};

/// An L7 rule: a request matching every given condition goes to `pool`.
struct l7_rule {
  std::string host;          ///< HTTP Host or TLS SNI, exact, case-insensitive ("" = any)
  std::string path_prefix;   ///< HTTP request target prefix
  std::string header;        ///< "name: value" substring of the decoded X-*/Cookie header
  std::vector<std::size_t> pool;  ///< indices into virtual_server_spec::reals
};

/// A virtual server on one device of the topology.
struct virtual_server_spec {
  std::string name;            ///< defaults to "VIP:port"
  std::string device;          ///< the topology device it sits on
  ip_addr vip;
  std::uint16_t port = 0;
  std::uint8_t proto = 6;
  std::string scheduler = "wlc";
  forwarding fwd = forwarding::nat;
  tunnel_type tun_type = tunnel_type::ipip;  ///< tun: encapsulation
  std::uint16_t tun_port = 6080;    ///< tun gue: outer UDP destination port (IPVS --tun-port)
  bool tun_csum = false;            ///< tun gre: checksum present (+4 bytes); gue: outer UDP checksum
  std::uint32_t tun_overhead = 0;   ///< tun: encapsulation bytes; 0 = from tun_type and the real server's family
  std::uint32_t mtu = 1500;         ///< path MTU towards the real servers
  /// Encapsulation bytes for a real server at `rip` (tun).
  std::uint32_t encap_bytes(const ip_addr& rip) const {
    return tun_overhead ? tun_overhead : tunnel_overhead(tun_type, rip.v6, tun_csum);
  }
  sim_time persistence = 0;         ///< 0: none
  int persistence_prefix = 32;      ///< source netmask length for persistence
  std::vector<real_server_spec> reals;
  std::optional<real_server_spec> sorry;  ///< used when no real server is available
  health_spec health;
  std::vector<l7_rule> rules;       ///< non-empty: L7 (delayed binding)
};

/// A real server failing or recovering (not the health check's view: the truth).
struct server_event_spec {
  sim_time at = 0;       ///< relative to the trace start
  ip_addr ip;
  std::uint16_t port = 0;
  bool up = false;
  std::string virtual_server;  ///< empty: every virtual server with that real server
};

/// What `sessim lb-remap` compares when the scenario says so (`[lb_remap]`).
struct remap_spec {
  std::string scheduler = "mh";              ///< the scheduler to compare with
  std::optional<real_server_spec> add;       ///< a real server added to every virtual server
};

/// Every load-balancer setting of a topology (shared, immutable once built).
struct lb_config {
  std::vector<virtual_server_spec> servers;
  std::vector<server_event_spec> events;
  std::optional<remap_spec> remap;
};

}  // namespace sessim::lb
