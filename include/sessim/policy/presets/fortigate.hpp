#pragma once
/// fortigate: Fortinet FortiGate with the global session timers.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Fortinet FortiGate (FortiOS 7.x) global timers.
inline device_config make_fortigate() {
  device_config c;
  c.preset = "fortigate";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(10));          // tcp-halfopen-timer
  c.set_timeout(S::tcp_syn_recv, seconds(10));          // tcp-halfopen-timer
  c.set_timeout(S::tcp_established, seconds(3600));     // session-ttl default
  c.set_timeout(S::tcp_fin_wait, seconds(120));         // tcp-halfclose-timer
  c.set_timeout(S::tcp_close_wait, seconds(120));       // tcp-halfclose-timer
  c.set_timeout(S::tcp_last_ack, seconds(120));         // tcp-halfclose-timer (unverified)
  c.set_timeout(S::tcp_time_wait, seconds(1));          // tcp-timewait-timer
  c.set_timeout(S::tcp_close, seconds(5));              // tcp-rst-timer
  c.set_timeout(S::tcp_syn_sent2, seconds(10));         // tcp-halfopen-timer
  c.set_timeout(S::tcp_max_retrans, seconds(3600));     // no such timer: = session-ttl
  c.set_timeout(S::tcp_unacknowledged, seconds(3600));  // no such timer: = session-ttl
  c.set_timeout(S::udp_unreplied, seconds(180));        // udp-idle-timer
  c.set_timeout(S::udp_stream, seconds(180));           // udp-idle-timer
  c.set_timeout(S::icmp, seconds(60));                  // unverified
  c.set_timeout(S::generic, seconds(3600));             // session-ttl default (unverified for non-TCP)
  c.no_session = no_session_policy::drop;               // tcp-session-without-syn disable
  c.be_liberal = true;                                  // FortiOS checks are not conntrack's
  c.rst_on_expiry = false;                              // timeout-send-rst disable
  c.capacity = 0;                                       // model dependent: set table.capacity
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `fortigate` preset.
inline constexpr preset_info fortigate_preset{
    "fortigate", "Fortinet FortiGate (FortiOS 7.x) global timers",
    "FortiOS CLI reference: config system session-ttl, config system global (tcp-halfopen/halfclose/timewait/rst-timer, udp-idle-timer), config system settings tcp-session-without-syn, config firewall policy timeout-send-rst",
    &make_fortigate};

}  // namespace sessim::presets
