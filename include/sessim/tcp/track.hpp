#pragma once
/// tcp_track: the per-session TCP tracking data of nf_conntrack (struct ip_ct_tcp), packed.
#include <cstdint>

namespace sessim::tcp {

/// conntrack TCP states, in the kernel's order (values index its transition table).
enum class ct_state : std::uint8_t {
  none, syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close,
  syn_sent2, max_ /* sIV */, ignore /* sIG */
};

/// Name of a conntrack TCP state ("ESTABLISHED").
inline constexpr const char* ct_state_name(ct_state s) {
  constexpr const char* n[] = {"NONE",      "SYN_SENT",  "SYN_RECV",  "ESTABLISHED",
                               "FIN_WAIT",  "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                               "CLOSE",     "SYN_SENT2", "INVALID",   "IGNORE"};
  return n[static_cast<int>(s)];
}

/// Per-direction flag bits (IP_CT_TCP_FLAG_*).
namespace dir_flag {
inline constexpr std::uint8_t window_scale = 0x01, sack_perm = 0x02, close_init = 0x04,
                              be_liberal = 0x08, data_unacknowledged = 0x10, maxack_set = 0x20;
}
/// last_flags bits.
namespace last_flag {
inline constexpr std::uint8_t window_scale = 0x01, sack_perm = 0x02, simultaneous_open = 0x04,
                              challenge_ack = 0x08;
}

/// Packet classes of the transition table (get_conntrack_index).
enum class tcp_index : std::uint8_t { syn, synack, fin, ack, rst, none };

/** Window and state tracking of one TCP session, as nf_conntrack keeps it: td_end, td_maxend,
 *  td_maxwin, td_maxack and flags per direction (0 = original, 1 = reply), plus the last
 *  packet's signature for retransmission and "ignored" handling. 52 bytes. */
struct tcp_track {
  std::uint32_t td_end[2];
  std::uint32_t td_maxend[2];
  std::uint32_t td_maxwin[2];
  std::uint32_t td_maxack[2];
  std::uint32_t last_seq;
  std::uint32_t last_ack;
  std::uint32_t last_end;
  std::uint16_t last_win;
  std::uint8_t flags[2];
  std::uint8_t scale0 : 4;
  std::uint8_t scale1 : 4;
  std::uint8_t state : 4;       ///< ct_state
  std::uint8_t last_index : 3;  ///< tcp_index
  std::uint8_t last_dir : 1;
  std::uint8_t retrans;
  std::uint8_t last_wscale : 4;
  std::uint8_t last_flags : 4;

  std::uint8_t scale(int d) const { return d == 0 ? scale0 : scale1; }
  void set_scale(int d, std::uint8_t v) { (d == 0 ? scale0 : scale1) = v & 0x0f; }
  ct_state st() const { return static_cast<ct_state>(state); }
};
static_assert(sizeof(tcp_track) == 52, "tcp_track must stay 52 bytes");

}  // namespace sessim::tcp
