/// The scenario registry.
#include "scenario.hpp"

namespace sessim::tracegen {

const std::vector<scenario>& all_scenarios() {
  static const std::vector<scenario> list = {
      {"idle-demo", "README demo: SSH idle 70 min, DB idle 20 min, HTTP, DNS, ping, 400 s unACKed gap (~2 h)",
       {"linktype"}, run_idle_demo},
      {"handshake", "one TCP connection: handshake, data both ways, idle gap, FIN/FIN close",
       {"isn", "server_isn", "gap", "linktype"}, run_handshake},
      {"syn-retrans", "SYN at 0 s, SYN retransmitted at 108 s, SYN/ACK at 132 s, then data",
       {"linktype"}, run_syn_retrans},
      {"midstream", "TCP picked up mid-stream (no handshake), idle gap, then FIN/ACK exchange",
       {"gap", "fin_gap", "linktype"}, run_midstream},
      {"close-wait", "server FINs, client ACKs, 26 s in CLOSE_WAIT, then client data and FIN",
       {"gap", "linktype"}, run_close_wait},
      {"rst", "connection reset by the server in ESTABLISHED, then 2 more packets within 5 s",
       {"linktype"}, run_rst},
      {"port-reuse", "connection closes (TIME_WAIT); 30 s later the same 4-tuple SYNs again",
       {"gap", "closer", "linktype"}, run_port_reuse},
      {"udp", "UDP: one-shot DNS, a 4 s two-way stream, a flow idle 45 s resumed by the server",
       {"gap", "linktype"}, run_udp},
      {"icmp", "ICMP: echo pairs, an unsolicited echo reply, port unreachable for a live UDP flow",
       {"linktype"}, run_icmp},
      {"linktypes", "a small TCP+UDP exchange on a chosen link layer (ethernet|vlan|qinq|sll|sll2|raw|null)",
       {"linktype"}, run_linktypes},
      {"ipv6", "IPv6: TCP (one packet with hop-by-hop header), UDP, ICMPv6 echo, fragmented UDP",
       {"linktype"}, run_ipv6},
      {"fragments", "IPv4 UDP in 3 fragments, a reversed-order datagram, an orphan non-first fragment",
       {"linktype"}, run_fragments},
      {"odd", "truncated frame, ARP, timestamp going back 1 s, TCP with no flags, SYN+FIN",
       {}, run_odd},
      {"asym", "asymmetric-path traffic: 40 HTTP connections (1..12 ms RTT, one every 1.45 s), 2 long-lived (60 s)",
       {"linktype"}, run_asym},
      {"bench", "large streaming benchmark trace: M TCP connections, ~C concurrent, ~N packets",
       {"packets", "conns", "concurrent", "rate", "snaplen"}, run_bench},
      {"corrupt", "valid header, 2 good records, then a record claiming 1500 bytes with only 10",
       {}, run_corrupt},
      {"vip", "load-balanced VIP 203.0.113.10: 80 HTTP (Host) / TLS (SNI) connections over 60 s, 4 long-lived HTTPS",
       {"linktype"}, run_vip},
  };
  return list;
}

frame_sink make_sink(const run_context& ctx) {
  return frame_sink(parse_link_type(ctx.opts.word(
      "linktype", "ethernet", {"ethernet", "vlan", "qinq", "sll", "sll2", "raw", "null"})));
}

}  // namespace sessim::tracegen
