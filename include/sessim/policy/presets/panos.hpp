#pragma once
/// panos: Palo Alto Networks firewall with the global session timeouts.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Palo Alto Networks PAN-OS, global session timeouts, Reject Non-SYN TCP.
inline device_config make_panos() {
  device_config c;
  c.preset = "panos";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(5));           // TCP Init (SYN seen, no SYN-ACK yet)
  c.set_timeout(S::tcp_syn_recv, seconds(10));          // TCP Handshake (SYN-ACK seen)
  c.set_timeout(S::tcp_established, seconds(3600));     // TCP
  c.set_timeout(S::tcp_fin_wait, seconds(120));         // TCP Half Closed
  c.set_timeout(S::tcp_close_wait, seconds(120));       // TCP Half Closed
  c.set_timeout(S::tcp_last_ack, seconds(15));          // TCP Time Wait (second FIN seen)
  c.set_timeout(S::tcp_time_wait, seconds(15));         // TCP Time Wait
  c.set_timeout(S::tcp_close, seconds(15));             // TCP Time Wait (after RST)
  c.set_timeout(S::tcp_syn_sent2, seconds(5));          // TCP Init
  c.set_timeout(S::tcp_max_retrans, seconds(3600));     // no such timer: = TCP
  c.set_timeout(S::tcp_unacknowledged, seconds(3600));  // no such timer: = TCP
  c.set_timeout(S::udp_unreplied, seconds(30));         // UDP
  c.set_timeout(S::udp_stream, seconds(30));            // UDP
  c.set_timeout(S::icmp, seconds(6));                   // ICMP
  c.set_timeout(S::generic, seconds(30));               // Default
  c.no_session = no_session_policy::drop;               // Reject Non-SYN TCP: the packet is dropped
  c.be_liberal = true;                                  // PAN-OS checks are not conntrack's
  c.rst_on_expiry = false;                              // sessions time out silently
  c.capacity = 0;                                       // model dependent: set table.capacity
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `panos` preset.
inline constexpr preset_info panos_preset{
    "panos", "Palo Alto Networks PAN-OS, global session timeouts, Reject Non-SYN TCP",
    "PAN-OS Admin Guide: Configure Session Timeouts; PAN-OS Web Interface Help: Session Timeouts; PAN KB 'Order of Processing Timeout Values'",
    &make_panos};

}  // namespace sessim::presets
