#pragma once
/// cisco-asa: Cisco ASA with its global connection timeouts.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Cisco ASA 9.x, global `timeout` defaults, no DCD, no `reset`.
inline device_config make_cisco_asa() {
  device_config c;
  c.preset = "cisco-asa";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(30));          // embryonic
  c.set_timeout(S::tcp_syn_recv, seconds(30));          // embryonic
  c.set_timeout(S::tcp_established, seconds(3600));     // conn
  c.set_timeout(S::tcp_fin_wait, seconds(600));         // half-closed
  c.set_timeout(S::tcp_close_wait, seconds(600));       // half-closed
  c.set_timeout(S::tcp_last_ack, seconds(600));         // half-closed (syslog 'FIN Timeout')
  c.set_timeout(S::tcp_time_wait, seconds(60));         // slot freed ~60 s after a normal close
  c.set_timeout(S::tcp_close, seconds(1));              // torn down on RST; 1 s = nearest positive value
  c.set_timeout(S::tcp_syn_sent2, seconds(30));         // embryonic
  c.set_timeout(S::tcp_max_retrans, seconds(3600));     // no such timer: = conn
  c.set_timeout(S::tcp_unacknowledged, seconds(3600));  // no such timer: = conn
  c.set_timeout(S::udp_unreplied, seconds(120));        // udp
  c.set_timeout(S::udp_stream, seconds(120));           // udp
  c.set_timeout(S::icmp, seconds(2));                   // icmp
  c.set_timeout(S::generic, seconds(120));              // idle timeout of other protocols
  c.no_session = no_session_policy::drop;               // non-SYN without a conn is dropped (syslog 106015)
  c.be_liberal = true;                                  // ASA normalizer checks are not conntrack's
  c.rst_on_expiry = false;                              // `timeout conn ... reset` is off by default
  c.capacity = 0;                                       // platform/licence dependent: set table.capacity
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `cisco-asa` preset.
inline constexpr preset_info cisco_asa_preset{
    "cisco-asa", "Cisco ASA 9.x, global `timeout` defaults, no DCD, no `reset`",
    "Cisco ASA Series Firewall CLI Configuration Guide 9.x, Connection Settings: Configure Global Timeouts and set connection timeout; ASA syslog 302014",
    &make_cisco_asa};

}  // namespace sessim::presets
