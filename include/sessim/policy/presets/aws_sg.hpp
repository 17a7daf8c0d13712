#pragma once
/// aws-sg: Amazon EC2 security group connection tracking on one network interface.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Amazon EC2 security group connection tracking (per ENI, default timeouts).
inline device_config make_aws_sg() {
  device_config c;
  c.preset = "aws-sg";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(120));           // unverified: Linux value as placeholder
  c.set_timeout(S::tcp_syn_recv, seconds(60));            // unverified: Linux value
  c.set_timeout(S::tcp_established, seconds(432000));     // TcpEstablishedTimeout
  c.set_timeout(S::tcp_fin_wait, seconds(120));           // unverified: Linux value
  c.set_timeout(S::tcp_close_wait, seconds(60));          // unverified: Linux value
  c.set_timeout(S::tcp_last_ack, seconds(30));            // unverified: Linux value
  c.set_timeout(S::tcp_time_wait, seconds(120));          // unverified: Linux value
  c.set_timeout(S::tcp_close, seconds(10));               // unverified: Linux value
  c.set_timeout(S::tcp_syn_sent2, seconds(120));          // unverified: Linux value
  c.set_timeout(S::tcp_max_retrans, seconds(432000));     // no such timer: = established
  c.set_timeout(S::tcp_unacknowledged, seconds(432000));  // no such timer: = established
  c.set_timeout(S::udp_unreplied, seconds(30));           // UdpTimeout
  c.set_timeout(S::udp_stream, seconds(180));             // UdpStreamTimeout
  c.set_timeout(S::icmp, seconds(30));                    // unverified placeholder
  c.set_timeout(S::generic, seconds(600));                // other protocols: response accepted within 600 s
  c.no_session = no_session_policy::pickup;               // rules are re-evaluated for untracked packets
  c.be_liberal = true;
  c.rst_on_expiry = false;
  c.capacity = 0;                                         // per-instance-type allowance: set table.capacity
  c.table_full = table_full_policy::drop_new;             // conntrack_allowance_exceeded drops packets
  c.strict_states = true;  // Linux-conntrack-like tracking
  return c;
}

/// The `aws-sg` preset.
inline constexpr preset_info aws_sg_preset{
    "aws-sg", "Amazon EC2 security group connection tracking (per ENI, default timeouts)",
    "Amazon EC2 User Guide: Security group connection tracking; EC2 API Reference: ConnectionTrackingSpecification(Request)",
    &make_aws_sg};

}  // namespace sessim::presets
