#pragma once
/// sctp_track: the per-session SCTP tracking data of nf_conntrack (struct ip_ct_sctp).
#include <cstdint>

namespace sessim::sctp {

/// conntrack SCTP states, in the kernel's order (values index its transition table).
enum class sctp_state : std::uint8_t {
  none, closed, cookie_wait, cookie_echoed, established, shutdown_sent, shutdown_recd,
  shutdown_ack_sent, heartbeat_sent, max_ /* sIV: invalid */
};

/// Name of a conntrack SCTP state ("ESTABLISHED").
inline constexpr const char* sctp_state_name(sctp_state s) {
  constexpr const char* n[] = {"NONE",          "CLOSED",        "COOKIE_WAIT",       "COOKIE_ECHOED",
                               "ESTABLISHED",   "SHUTDOWN_SENT", "SHUTDOWN_RECD",     "SHUTDOWN_ACK_SENT",
                               "HEARTBEAT_SENT", "INVALID"};
  return n[static_cast<int>(s)];
}

/** Tracking data of one SCTP association (struct ip_ct_sctp): state, the verification tag
 *  expected in each direction (0 = original, 1 = reply), whether each side sent an INIT, and the
 *  heartbeat vtag-change bookkeeping. 12 bytes. */
struct sctp_track {
  std::uint32_t vtag[2];
  std::uint8_t state;        ///< sctp_state
  std::uint8_t init[2];      ///< an INIT was seen from this direction (cleared by COOKIE ACK)
  std::uint8_t hb_failed : 1;  ///< SCTP_FLAG_HEARTBEAT_VTAG_FAILED
  std::uint8_t last_dir : 1;   ///< direction of the heartbeat with the unexpected vtag
  sctp_state st() const { return static_cast<sctp_state>(state); }
};

}  // namespace sessim::sctp
