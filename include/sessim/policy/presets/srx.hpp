#pragma once
/// srx: Juniper SRX flow sessions with the Junos defaults.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Juniper SRX (Junos flow mode) default session timeouts.
inline device_config make_srx() {
  device_config c;
  c.preset = "srx";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(20));          // tcp-initial-timeout
  c.set_timeout(S::tcp_syn_recv, seconds(20));          // tcp-initial-timeout
  c.set_timeout(S::tcp_established, seconds(1800));     // TCP application timeout
  c.set_timeout(S::tcp_fin_wait, seconds(1800));        // no half-close timer by default: = TCP
  c.set_timeout(S::tcp_close_wait, seconds(1800));      // no half-close timer by default: = TCP
  c.set_timeout(S::tcp_last_ack, seconds(10));          // terminated session, invalidated (10 s)
  c.set_timeout(S::tcp_time_wait, seconds(10));         // invalidated (10 s)
  c.set_timeout(S::tcp_close, seconds(10));             // invalidated (10 s, unverified for RST)
  c.set_timeout(S::tcp_syn_sent2, seconds(20));         // tcp-initial-timeout
  c.set_timeout(S::tcp_max_retrans, seconds(1800));     // no such timer: = TCP
  c.set_timeout(S::tcp_unacknowledged, seconds(1800));  // no such timer: = TCP
  c.set_timeout(S::udp_unreplied, seconds(60));         // UDP
  c.set_timeout(S::udp_stream, seconds(60));            // UDP
  c.set_timeout(S::icmp, seconds(60));                  // ICMP
  c.set_timeout(S::generic, seconds(1800));             // Other
  c.no_session = no_session_policy::drop;               // SYN check on (no-syn-check not set), tcp-rst off
  c.be_liberal = true;                                  // SRX sequence check exists but is not conntrack's
  c.rst_on_expiry = false;
  c.capacity = 0;                                       // model dependent: set table.capacity
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `srx` preset.
inline constexpr preset_info srx_preset{
    "srx", "Juniper SRX (Junos flow mode) default session timeouts",
    "Junos OS Flow-Based and Packet-Based Processing: Understanding Session Characteristics; security flow tcp-session (tcp-initial-timeout, no-syn-check, time-wait-state); security zones tcp-rst",
    &make_srx};

}  // namespace sessim::presets
