#pragma once
/// Forward declarations of the load-balancer room (virtual servers, schedulers, forwarding,
/// health checks, L7 rules).
#include <cstdint>

namespace sessim::lb {
enum class forwarding : std::uint8_t;
enum class tunnel_type : std::uint8_t;
enum class ipvs_state : std::uint8_t;
struct ipvs_timeouts;
struct remap_spec;
struct real_server_spec;
struct health_spec;
struct l7_rule;
struct virtual_server_spec;
struct server_event_spec;
struct lb_config;
struct dest_state;
class scheduler;
struct rewrite;
struct health_timeline;
struct lb_report;
class balancer;
}  // namespace sessim::lb
