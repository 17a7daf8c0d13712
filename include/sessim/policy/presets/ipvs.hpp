#pragma once
/// ipvs: the Linux IPVS connection table (what `ipvsadm -L --timeout` shows as 900 120 300).
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Linux IPVS (LVS) director, sloppy_tcp=0, secure_tcp off.
inline device_config make_ipvs() {
  device_config c;
  c.preset = "ipvs";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(60));         // SYN_RECV (director state after the client SYN)
  c.set_timeout(S::tcp_syn_recv, seconds(60));         // SYN_RECV
  c.set_timeout(S::tcp_established, seconds(900));     // ESTABLISHED = ipvsadm --set tcp
  c.set_timeout(S::tcp_fin_wait, seconds(120));        // FIN_WAIT = ipvsadm --set tcpfin
  c.set_timeout(S::tcp_close_wait, seconds(60));       // CLOSE_WAIT (NAT mode, client FIN first)
  c.set_timeout(S::tcp_last_ack, seconds(120));        // TIME_WAIT (after the second FIN)
  c.set_timeout(S::tcp_time_wait, seconds(120));       // TIME_WAIT
  c.set_timeout(S::tcp_close, seconds(10));            // CLOSE (RST)
  c.set_timeout(S::tcp_syn_sent2, seconds(60));        // SYN_RECV
  c.set_timeout(S::tcp_max_retrans, seconds(900));     // no such timer: = established
  c.set_timeout(S::tcp_unacknowledged, seconds(900));  // no such timer: = established
  c.set_timeout(S::udp_unreplied, seconds(300));       // UDP NORMAL = ipvsadm --set udp
  c.set_timeout(S::udp_stream, seconds(300));          // UDP NORMAL
  c.set_timeout(S::icmp, seconds(300));                // not applicable (IPVS schedules no ICMP): = udp
  c.set_timeout(S::generic, seconds(300));             // not applicable: = udp
  c.no_session = no_session_policy::reject;            // not scheduled; the VIP's own stack answers RST
  c.syn_only = false;                                  // any SYN (also SYN+ACK) may schedule
  c.be_liberal = true;                                 // IPVS has no window checks
  c.rst_on_expiry = false;                             // ip_vs_conn_expire frees silently
  c.capacity = 0;                                      // chained hash table, bounded by memory only
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `ipvs` preset.
inline constexpr preset_info ipvs_preset{
    "ipvs", "Linux IPVS (LVS) director, sloppy_tcp=0, secure_tcp off",
    "net/netfilter/ipvs/ip_vs_proto_tcp.c tcp_timeouts/tcp_states; ip_vs_proto_udp.c; ip_vs_core.c; ipvsadm(8) --set",
    &make_ipvs};

}  // namespace sessim::presets
