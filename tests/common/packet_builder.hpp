#pragma once
// Builds packet_views for model tests: a TCP/UDP/ICMP conversation between a client and a
// server, with sequence numbers that follow the data sent.
#include <cstdint>
#include <string>
#include <vector>

#include "sessim/core/packet.hpp"

namespace sessim::test {

/// One TCP connection's packets, keeping each side's next sequence number.
struct tcp_conv {
  flow_key c2s;
  std::uint32_t cseq, sseq;  ///< next sequence number of client / server
  std::uint64_t frame = 0;

  explicit tcp_conv(std::uint32_t client_isn = 1000, std::uint32_t server_isn = 5000,
                    std::uint16_t sport = 40000, std::uint16_t dport = 80)
      : cseq(client_isn), sseq(server_isn) {
    c2s.src = ip_addr::v4(0x0a010005);
    c2s.dst = ip_addr::v4(0xc000020a);
    c2s.sport = sport;
    c2s.dport = dport;
    c2s.proto = 6;
  }

  /// A packet from the client (from_server=false) or server at time t (seconds).
  packet_view pkt(bool from_server, std::uint8_t flags, std::uint32_t payload, double t,
                  std::uint16_t win = 64240) {
    packet_view p;
    p.frame = ++frame;
    p.ts = seconds(t);
    p.key = from_server ? c2s.reversed() : c2s;
    p.flags = flags;
    p.doff = 20;
    p.l4_len = 20 + payload;
    p.payload_len = payload;
    p.ip_len = 20 + p.l4_len;
    p.wire_len = p.ip_len + 14;
    p.win = win;
    std::uint32_t& mine = from_server ? sseq : cseq;
    std::uint32_t& theirs = from_server ? cseq : sseq;
    p.seq = mine;
    p.ack = (flags & tcp_flags::ack) ? theirs : 0;
    mine += payload + ((flags & tcp_flags::syn) ? 1 : 0) + ((flags & tcp_flags::fin) ? 1 : 0);
    return p;
  }
  packet_view syn(double t) { return pkt(false, tcp_flags::syn, 0, t); }
  packet_view synack(double t) { return pkt(true, tcp_flags::syn | tcp_flags::ack, 0, t); }
  packet_view ack(bool s, double t) { return pkt(s, tcp_flags::ack, 0, t); }
  packet_view data(bool s, std::uint32_t n, double t) { return pkt(s, tcp_flags::ack | tcp_flags::psh, n, t); }
  packet_view fin(bool s, double t) { return pkt(s, tcp_flags::fin | tcp_flags::ack, 0, t); }
  packet_view rst(bool s, double t) { return pkt(s, tcp_flags::rst | tcp_flags::ack, 0, t); }
};

/// A UDP packet between the same two hosts.
inline packet_view udp(bool from_server, double t, std::uint64_t frame = 0) {
  packet_view p;
  p.frame = frame;
  p.ts = seconds(t);
  p.key.src = ip_addr::v4(0x0a010005);
  p.key.dst = ip_addr::v4(0xc0000235);
  p.key.sport = 5353;
  p.key.dport = 53;
  p.key.proto = 17;
  if (from_server) p.key = p.key.reversed();
  p.l4_len = 8 + 40;
  p.payload_len = 40;
  p.ip_len = 20 + p.l4_len;
  return p;
}

/// An ICMP echo request (type 8) or reply (type 0) with identifier `id`.
inline packet_view icmp_echo(bool reply, double t, std::uint16_t id = 77) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = ip_addr::v4(0x0a010005);
  p.key.dst = ip_addr::v4(0xc0000201);
  p.key.sport = p.key.dport = id;
  p.key.proto = 1;
  if (reply) std::swap(p.key.src, p.key.dst);
  p.icmp_type = reply ? 0 : 8;
  p.l4_len = 64;
  p.ip_len = 84;
  return p;
}

/// A replay source over packets in memory; frames are numbered 1, 2, ... in order.
struct vector_source {
  std::vector<packet_view> v;
  std::size_t i = 0;
  bool next(packet_view& p, skip_reason& why) {
    if (i == v.size()) return false;
    p = v[i++];
    p.frame = i;
    why = skip_reason::none;
    return true;
  }
};

}  // namespace sessim::test
