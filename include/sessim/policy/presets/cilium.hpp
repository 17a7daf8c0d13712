#pragma once
/// cilium: Cilium's BPF connection tracking (regular, non-service entries).
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// Cilium eBPF conntrack (cilium-agent defaults, non-service entries).
inline device_config make_cilium() {
  device_config c;
  c.preset = "cilium";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(60));          // bpf-ct-timeout-regular-tcp-syn
  c.set_timeout(S::tcp_syn_recv, seconds(60));          // bpf-ct-timeout-regular-tcp-syn
  c.set_timeout(S::tcp_established, seconds(8000));     // bpf-ct-timeout-regular-tcp
  c.set_timeout(S::tcp_fin_wait, seconds(8000));        // one side closing: entry alive, = regular-tcp
  c.set_timeout(S::tcp_close_wait, seconds(8000));      // = regular-tcp
  c.set_timeout(S::tcp_last_ack, seconds(10));          // both sides closing: bpf-ct-timeout-regular-tcp-fin
  c.set_timeout(S::tcp_time_wait, seconds(10));         // bpf-ct-timeout-regular-tcp-fin
  c.set_timeout(S::tcp_close, seconds(10));             // bpf-ct-timeout-regular-tcp-fin
  c.set_timeout(S::tcp_syn_sent2, seconds(60));         // bpf-ct-timeout-regular-tcp-syn
  c.set_timeout(S::tcp_max_retrans, seconds(8000));     // no such timer: = regular-tcp
  c.set_timeout(S::tcp_unacknowledged, seconds(8000));  // no such timer: = regular-tcp
  c.set_timeout(S::udp_unreplied, seconds(60));         // bpf-ct-timeout-regular-any
  c.set_timeout(S::udp_stream, seconds(60));            // bpf-ct-timeout-regular-any
  c.set_timeout(S::icmp, seconds(60));                  // bpf-ct-timeout-regular-any
  c.set_timeout(S::generic, seconds(60));               // not tracked (dropped): = regular-any
  c.no_session = no_session_policy::pickup;             // any TCP packet creates a CT entry
  c.be_liberal = true;                                  // no window tracking in the BPF datapath
  c.rst_on_expiry = false;                              // GC deletes entries silently
  c.capacity = 524288;                                  // bpf-ct-global-tcp-max
  c.table_full = table_full_policy::lru;                // BPF_MAP_TYPE_LRU_HASH
  return c;
}

/// The `cilium` preset.
inline constexpr preset_info cilium_preset{
    "cilium", "Cilium eBPF conntrack (cilium-agent defaults, non-service entries)",
    "cilium/cilium daemon/cmd/daemon_main.go (bpf-ct-timeout-*, bpf-ct-global-*-max); bpf/lib/conntrack.h; bpf/lib/conntrack_map.h",
    &make_cilium};

}  // namespace sessim::presets
