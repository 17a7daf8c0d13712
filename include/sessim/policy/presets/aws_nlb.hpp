#pragma once
/// aws-nlb: AWS Network Load Balancer flow table (one idle timer per flow).
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// AWS Network Load Balancer, TCP listener.
inline device_config make_aws_nlb() {
  device_config c;
  c.preset = "aws-nlb";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(350));        // tcp.idle_timeout.seconds (one timer for every state)
  c.set_timeout(S::tcp_syn_recv, seconds(350));        // idle timeout
  c.set_timeout(S::tcp_established, seconds(350));     // tcp.idle_timeout.seconds
  c.set_timeout(S::tcp_fin_wait, seconds(350));        // idle timeout
  c.set_timeout(S::tcp_close_wait, seconds(350));      // idle timeout
  c.set_timeout(S::tcp_last_ack, seconds(350));        // idle timeout
  c.set_timeout(S::tcp_time_wait, seconds(350));       // idle timeout
  c.set_timeout(S::tcp_close, seconds(350));           // idle timeout
  c.set_timeout(S::tcp_syn_sent2, seconds(350));       // idle timeout
  c.set_timeout(S::tcp_max_retrans, seconds(350));     // = idle timeout
  c.set_timeout(S::tcp_unacknowledged, seconds(350));  // = idle timeout
  c.set_timeout(S::udp_unreplied, seconds(120));       // UDP idle timeout (unverified)
  c.set_timeout(S::udp_stream, seconds(120));          // UDP idle timeout (unverified)
  c.set_timeout(S::icmp, seconds(350));                // not applicable: = TCP idle
  c.set_timeout(S::generic, seconds(350));             // not applicable: = TCP idle
  c.no_session = no_session_policy::reject;            // packet on a forgotten flow is answered with RST
  c.be_liberal = true;
  c.rst_on_expiry = false;                             // expiry itself is silent
  c.capacity = 0;                                      // no documented flow-table limit
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `aws-nlb` preset.
inline constexpr preset_info aws_nlb_preset{
    "aws-nlb", "AWS Network Load Balancer, TCP listener",
    "Elastic Load Balancing, Network Load Balancers: Update the TCP idle timeout for your Network Load Balancer listener",
    &make_aws_nlb};

}  // namespace sessim::presets
