#pragma once
/// f5: F5 BIG-IP with the default fastL4 profile.
/// Values and their sources: docs/presets.md.
#include "sessim/policy/preset.hpp"

namespace sessim::presets {

/// F5 BIG-IP LTM virtual server with the fastL4 profile.
inline device_config make_f5() {
  device_config c;
  c.preset = "f5";
  using S = timeout_slot;
  c.set_timeout(S::tcp_syn_sent, seconds(300));        // idle-timeout (handshake timer default unverified)
  c.set_timeout(S::tcp_syn_recv, seconds(300));        // idle-timeout
  c.set_timeout(S::tcp_established, seconds(300));     // idle-timeout
  c.set_timeout(S::tcp_fin_wait, seconds(300));        // idle-timeout
  c.set_timeout(S::tcp_close_wait, seconds(300));      // idle-timeout
  c.set_timeout(S::tcp_last_ack, seconds(300));        // idle-timeout (close timer default unverified)
  c.set_timeout(S::tcp_time_wait, seconds(300));       // idle-timeout (unverified)
  c.set_timeout(S::tcp_close, seconds(300));           // idle-timeout (unverified)
  c.set_timeout(S::tcp_syn_sent2, seconds(300));       // idle-timeout
  c.set_timeout(S::tcp_max_retrans, seconds(300));     // = idle-timeout
  c.set_timeout(S::tcp_unacknowledged, seconds(300));  // = idle-timeout
  c.set_timeout(S::udp_unreplied, seconds(300));       // fastL4 idle-timeout (UDP virtual)
  c.set_timeout(S::udp_stream, seconds(300));          // fastL4 idle-timeout
  c.set_timeout(S::icmp, seconds(300));                // fastL4 idle-timeout (unverified)
  c.set_timeout(S::generic, seconds(300));             // fastL4 idle-timeout
  c.no_session = no_session_policy::reject;            // loose-initialization disabled: unmatched non-SYN gets RST
  c.be_liberal = true;
  c.rst_on_expiry = true;                              // reset-on-timeout enabled
  c.capacity = 0;                                      // platform dependent: set table.capacity
  c.table_full = table_full_policy::drop_new;
  return c;
}

/// The `f5` preset.
inline constexpr preset_info f5_preset{
    "f5", "F5 BIG-IP LTM virtual server with the fastL4 profile",
    "F5 BIG-IP TMSH reference: ltm profile fastl4; F5 AS3 schema reference: L4_Profile; TMSH iRule 'drop' (RST for segments without a connection)",
    &make_f5};

}  // namespace sessim::presets
