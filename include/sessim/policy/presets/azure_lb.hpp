#pragma once
/// azure-lb: Azure Load Balancer rule with its idle timeout and TCP reset disabled.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Azure Standard Load Balancer rule, TCP reset off.
inline device_config make_azure_lb() {
  device_config c;
  c.preset = "azure-lb";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(240));        // rule idle timeout (one timer for every state)
  c.set_timeout(S::tcp_syn_recv, seconds(240));        // idle timeout
  c.set_timeout(S::tcp_established, seconds(240));     // idle timeout (IdleTimeoutInMinutes = 4)
  c.set_timeout(S::tcp_fin_wait, seconds(240));        // idle timeout
  c.set_timeout(S::tcp_close_wait, seconds(240));      // idle timeout
  c.set_timeout(S::tcp_last_ack, seconds(240));        // idle timeout
  c.set_timeout(S::tcp_time_wait, seconds(240));       // idle timeout
  c.set_timeout(S::tcp_close, seconds(240));           // idle timeout
  c.set_timeout(S::tcp_syn_sent2, seconds(240));       // idle timeout
  c.set_timeout(S::tcp_max_retrans, seconds(240));     // = idle timeout
  c.set_timeout(S::tcp_unacknowledged, seconds(240));  // = idle timeout
  c.set_timeout(S::udp_unreplied, seconds(240));       // idle timeout (unverified for UDP)
  c.set_timeout(S::udp_stream, seconds(240));          // idle timeout (unverified for UDP)
  c.set_timeout(S::icmp, seconds(240));                // not applicable: = idle timeout
  c.set_timeout(S::generic, seconds(240));             // not applicable: = idle timeout
  c.no_session = no_session_policy::drop;              // flow silently dropped at idle timeout (modelling choice)
  c.be_liberal = true;
  c.rst_on_expiry = false;                             // EnableTcpReset is off by default
  c.capacity = 0;
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `azure-lb` preset.
inline constexpr preset_info azure_lb_preset{
    "azure-lb", "Azure Standard Load Balancer rule, TCP reset off",
    "Microsoft Learn: Configure TCP reset and idle timeout for Azure Load Balancer; Load Balancer TCP Reset and Idle Timeout",
    &make_azure_lb};

}  // namespace sessim::presets
