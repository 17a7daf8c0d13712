#pragma once
/// report: what the balancers of a run found — per real server connections, packets, bytes and
/// peak concurrency; per health event the detection delay and the connections sent to the dead
/// server; per churn (a server leaving or joining the scheduler) the share remapped; L7 fallbacks.
#include <cstdint>
#include <string>
#include <vector>

#include "sessim/core/time.hpp"

namespace sessim::lb {

/// Counters of one real server.
struct real_server_report {
  std::string name;   ///< "ip:port"
  std::uint32_t weight = 0;
  bool sorry = false;
  std::uint64_t connections = 0, packets = 0, bytes = 0;
  std::uint64_t peak_concurrent = 0;   ///< connections bound and not yet closed, at most
  std::uint64_t peak_active = 0, peak_inactive = 0;  ///< IPVS activeconns / inactconns, at most
};

/// A real server failing or recovering, and what the health check made of it.
struct health_event_report {
  std::string server;
  bool up = false;
  sim_time at = 0;            ///< absolute (trace clock)
  bool detected = false;
  sim_time detected_at = 0;   ///< absolute
  sim_time delay = 0;         ///< detected_at - at
  std::uint64_t new_to_dead = 0;   ///< new connections scheduled to it while dead and not yet detected
  std::uint64_t live_broken = 0;   ///< connections already on it that broke (backend-down)
  sim_time interval_below = -1;    ///< a check interval strictly below this would have saved the new ones
};

/// One change of the set of schedulable servers and the share of the hash space it remapped.
struct churn_report {
  sim_time at = 0;            ///< absolute
  std::string what;           ///< "down 10.0.0.12:443", "up ...", "add ..."
  bool hashed = false;        ///< a hash scheduler: share is of its lookup table
  double share = 0;           ///< share of table slots (hashed) or of live connections moved
  std::uint64_t live = 0;     ///< connections open at that moment
  std::uint64_t live_on_server = 0;  ///< of which on the server that left
};

/// One virtual server.
struct virtual_server_report {
  std::string name, device, scheduler, forwarding;
  std::uint64_t connections = 0, unscheduled = 0, to_sorry = 0;
  std::uint64_t l7_matched = 0, l7_default = 0, l7_cut = 0, l7_malformed = 0;
  std::vector<std::uint64_t> l7_cut_frames;  ///< first few frames whose request the snap length cut
  std::uint64_t tun_bytes = 0, tun_over_mtu = 0;   ///< tun: encapsulation bytes, packets above the MTU
  std::uint64_t tun_df_dropped = 0;   ///< of those, with DF (or IPv6): dropped, ICMP "fragmentation needed" sent
  std::uint64_t tun_fragmented = 0;   ///< of those, without DF: the outer packet is fragmented
  std::uint64_t tun_mtu_connections = 0;  ///< connections with at least one packet above the MTU
  std::vector<std::uint64_t> tun_df_frames;  ///< first few frames dropped for DF
  std::uint32_t tun_icmp_mtu = 0;     ///< the MTU the ICMP error advertises (mtu - overhead)
  std::string tun_type;               ///< tun: "ipip", "gue", "gre"
  std::uint32_t tun_overhead = 0, mtu = 0, tun_largest = 0;
  std::uint64_t nat_bypass_packets = 0, nat_bypass_connections = 0;  ///< nat: replies that bypassed the balancer
  std::vector<std::uint64_t> nat_bypass_frames;  ///< first frame of the first few such connections
  std::vector<real_server_report> reals;
  std::vector<health_event_report> health;
  std::vector<churn_report> churn;
};

/// Every virtual server of a run.
struct lb_report {
  std::vector<virtual_server_report> servers;
};

}  // namespace sessim::lb
