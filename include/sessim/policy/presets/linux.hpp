#pragma once
/// linux: netfilter conntrack with its kernel defaults (Linux 6.x).
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// nf_conntrack defaults: Documentation/networking/nf_conntrack-sysctl.rst and
/// net/netfilter/nf_conntrack_proto_{tcp,udp,icmp,sctp,gre,generic}.c.
inline device_config make_linux() {
  device_config c;
  c.preset = "linux";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(120));
  c.set_timeout(S::tcp_syn_recv, seconds(60));
  c.set_timeout(S::tcp_established, seconds(432000));
  c.set_timeout(S::tcp_fin_wait, seconds(120));
  c.set_timeout(S::tcp_close_wait, seconds(60));
  c.set_timeout(S::tcp_last_ack, seconds(30));
  c.set_timeout(S::tcp_time_wait, seconds(120));
  c.set_timeout(S::tcp_close, seconds(10));
  c.set_timeout(S::tcp_syn_sent2, seconds(120));
  c.set_timeout(S::tcp_max_retrans, seconds(300));
  c.set_timeout(S::tcp_unacknowledged, seconds(300));
  c.set_timeout(S::udp_unreplied, seconds(30));
  c.set_timeout(S::udp_stream, seconds(120));
  c.set_timeout(S::icmp, seconds(30));
  c.set_timeout(S::generic, seconds(600));
  c.no_session = no_session_policy::pickup;  // nf_conntrack_tcp_loose = 1
  c.be_liberal = false;                       // nf_conntrack_tcp_be_liberal = 0
  c.strict_states = true;                     // tcp_conntracks[]: ACK in SYN_SENT is INVALID
  c.syn_only_unreplied = true;                // a SYN-only rule is "ct state new": until the first reply
  c.max_retrans_count = 3;                    // nf_conntrack_tcp_max_retrans = 3
  c.capacity = 262144;                        // nf_conntrack_max (depends on RAM; 262144 on 8+ GiB)
  c.table_full = table_full_policy::early_drop;
  c.udp_stream_after = seconds(2);
  c.sctp_tracking = true;                     // nf_conntrack_proto_sctp (sctp.* = its default timeouts)
  c.udplite_tracking = true;                  // nf_conntrack_proto_udp.c (UDP-Lite: the UDP timeouts)
  c.gre_tracking = true;                      // nf_conntrack_proto_gre (gre.* = its default timeouts)
  c.icmp_code_in_key = true;                  // icmp_pkt_to_tuple: type, code and id are the tuple
  return c;
}

inline constexpr preset_info linux_preset{
    "linux", "Linux netfilter conntrack (kernel 6.x defaults)",
    "Documentation/networking/nf_conntrack-sysctl.rst; net/netfilter/nf_conntrack_proto_tcp.c",
    &make_linux};

}  // namespace sessim::presets
