#pragma once
/// pf: OpenBSD packet filter, `pass ... keep state` with the default `flags S/SA`.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// OpenBSD pf (defaults of OpenBSD 7.x; FreeBSD pf identical).
inline device_config make_pf() {
  device_config c;
  c.preset = "pf";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(120));          // tcp.first
  c.set_timeout(S::tcp_syn_recv, seconds(30));           // tcp.opening
  c.set_timeout(S::tcp_established, seconds(86400));     // tcp.established (24 h)
  c.set_timeout(S::tcp_fin_wait, seconds(900));          // tcp.closing (one side sent FIN)
  c.set_timeout(S::tcp_close_wait, seconds(900));        // tcp.closing
  c.set_timeout(S::tcp_last_ack, seconds(45));           // tcp.finwait (both sides sent FIN)
  c.set_timeout(S::tcp_time_wait, seconds(90));          // tcp.closed (both FINs acked)
  c.set_timeout(S::tcp_close, seconds(90));              // tcp.closed (RST seen)
  c.set_timeout(S::tcp_syn_sent2, seconds(30));          // tcp.opening
  c.set_timeout(S::tcp_max_retrans, seconds(86400));     // no such timer: = established
  c.set_timeout(S::tcp_unacknowledged, seconds(86400));  // no such timer: = established
  c.set_timeout(S::udp_unreplied, seconds(30));          // udp.single (udp.first is 60)
  c.set_timeout(S::udp_stream, seconds(60));             // udp.multiple
  c.set_timeout(S::icmp, seconds(20));                   // icmp.first
  c.set_timeout(S::generic, seconds(60));                // other.multiple
  c.no_session = no_session_policy::drop;                // flags S/SA: a non-SYN matches no pass rule
  c.syn_only = true;                                     // only SYN without ACK creates state
  c.be_liberal = false;                                  // pf checks sequence windows (van Rooij)
  c.rst_on_expiry = false;                               // states are purged silently
  c.capacity = 100000;                                   // set limit states (PFSTATE_HIWAT)
  c.table_full = table_full_policy::drop_new;
  c.udp_stream_after = 0;                                // udp.multiple as soon as both sides sent
  return c;
}

/// The `pf` preset.
inline constexpr preset_info pf_preset{
    "pf", "OpenBSD pf (defaults of OpenBSD 7.x; FreeBSD pf identical)",
    "OpenBSD sys/net/pfvar.h PFTM_*_VAL, PFSTATE_HIWAT; sys/net/pf.c pf_tcp_track_full(); pf.conf(5)",
    &make_pf};

}  // namespace sessim::presets
