#pragma once
/// conn_state: the state an IPVS connection entry is in (ip_vs_proto_tcp.c tcp_states, secure_tcp
/// off), whether it counts as an active or an inactive connection of its real server, and when
/// the entry expires. A TCP entry is active only in ESTABLISHED; every other state (SYN_RECV,
/// FIN_WAIT, TIME_WAIT, CLOSE, ...) is inactive, and so is every UDP entry (IPVS binds new
/// entries with IP_VS_CONN_F_INACTIVE and only the TCP state machine moves them to active). The
/// entry is counted until it expires: its state's timeout after the last packet it saw.
#include <array>
#include <cstdint>
#include <string_view>

#include "sessim/core/packet.hpp"
#include "sessim/core/time.hpp"
#include "sessim/policy/device_config.hpp"

namespace sessim::lb {

/// IPVS TCP connection states (IP_VS_TCP_S_*), in the kernel's order.
enum class ipvs_state : std::uint8_t {
  none, established, syn_sent, syn_recv, fin_wait, time_wait, close, close_wait, last_ack, listen, synack,
  udp  ///< not a TCP state: a UDP entry (IP_VS_UDP_S_NORMAL)
};

/// Stable name of an IPVS state ("ESTABLISHED", as `ipvsadm -Lnc` prints it).
inline constexpr std::string_view ipvs_state_name(ipvs_state s) {
  constexpr std::string_view n[] = {"NONE",  "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
                                    "CLOSE", "CLOSE_WAIT",  "LAST_ACK",   "LISTEN",   "SYNACK",   "UDP"};
  return n[static_cast<std::size_t>(s)];
}

/// Which state table row a packet uses: client to server, server to client, or client to
/// server while no reply was ever seen (dr/tun: IP_VS_CONN_F_NOOUTPUT).
enum class ipvs_dir : std::uint8_t { input, output, input_only };

/// The next TCP state (tcp_states[] of ip_vs_proto_tcp.c; flag priority RST > SYN > FIN > ACK).
inline ipvs_state ipvs_next_state(ipvs_state cur, ipvs_dir dir, std::uint8_t flags) {
  using S = ipvs_state;
  constexpr S sES = S::established, sSS = S::syn_sent, sSR = S::syn_recv, sFW = S::fin_wait,
              sTW = S::time_wait, sCL = S::close, sCW = S::close_wait, sLA = S::last_ack, sLI = S::listen;
  // [dir][syn, fin, ack, rst][current state]
  static constexpr S table[3][4][11] = {
      {// INPUT
       {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
       {sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW},
       {sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES},
       {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR}},
      {// OUTPUT
       {sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR},
       {sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW},
       {sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES},
       {sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL}},
      {// INPUT-ONLY
       {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
       {sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW},
       {sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES},
       {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL}}};
  if (cur == S::udp) return cur;
  int idx;
  if (flags & tcp_flags::rst) idx = 3;
  else if (flags & tcp_flags::syn) idx = 0;
  else if (flags & tcp_flags::fin) idx = 1;
  else if (flags & tcp_flags::ack) idx = 2;
  else return S::close;  // tcp_state_idx < 0: new_state stays IP_VS_TCP_S_CLOSE
  return table[static_cast<int>(dir)][idx][static_cast<int>(cur)];
}

/// Timeouts of IPVS connection entries per state (tcp_timeouts[], ip_vs_proto_udp.c).
struct ipvs_timeouts {
  std::array<sim_time, 12> t = {seconds(2),  seconds(900), seconds(120), seconds(60),  seconds(120), seconds(120),
                                seconds(10), seconds(60),  seconds(30),  seconds(120), seconds(120), seconds(300)};
  /// The timeout of a state.
  sim_time of(ipvs_state s) const { return t[static_cast<std::size_t>(s)]; }

  /// The kernel's defaults, with the values a device configures (`ipvsadm --set tcp tcpfin udp`
  /// and the closing states) taken from its timeout slots.
  static ipvs_timeouts from(const device_config& c) {
    ipvs_timeouts r;
    auto set = [&](ipvs_state s, timeout_slot slot) {
      if (c.timeouts[static_cast<std::size_t>(slot)] > 0) r.t[static_cast<std::size_t>(s)] = c.timeouts[static_cast<std::size_t>(slot)];
    };
    set(ipvs_state::established, timeout_slot::tcp_established);
    set(ipvs_state::syn_recv, timeout_slot::tcp_syn_recv);
    set(ipvs_state::fin_wait, timeout_slot::tcp_fin_wait);
    set(ipvs_state::time_wait, timeout_slot::tcp_time_wait);
    set(ipvs_state::close, timeout_slot::tcp_close);
    set(ipvs_state::close_wait, timeout_slot::tcp_close_wait);
    set(ipvs_state::udp, timeout_slot::udp_unreplied);
    return r;
  }
};

}  // namespace sessim::lb
