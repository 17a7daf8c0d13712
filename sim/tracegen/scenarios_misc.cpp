/// Protocol and file-format scenarios: udp, icmp, linktypes, ipv6, fragments, odd, corrupt.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "flows.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

namespace {

constexpr std::uint8_t proto_icmp = 1, proto_udp = 17, proto_icmpv6 = 58;
constexpr sim_time rtt = ms(20);
constexpr sim_time turn = ms(0.12);

/// A 56-byte Linux ping payload: struct timeval (little-endian) then 0x10, 0x11, ...
bytes ping_payload(sim_time t) {
  bytes b(56);
  std::uint64_t abs = static_cast<std::uint64_t>(trace_epoch + t);
  std::uint64_t sec = abs / 1'000'000'000ULL, usec = abs % 1'000'000'000ULL / 1000;
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<std::uint8_t>(sec >> (8 * i));
    b[8 + i] = static_cast<std::uint8_t>(usec >> (8 * i));
  }
  for (std::size_t i = 16; i < 56; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

/// An RTP packet (PCMU, 20 ms) with 160 bytes of audio.
bytes rtp_packet(rng& r, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc) {
  bytes b;
  b.push_back(0x80);
  b.push_back(0x00);
  push16(b, seq);
  push32(b, ts);
  push32(b, ssrc);
  bytes audio = r.fill(160);
  b.insert(b.end(), audio.begin(), audio.end());
  return b;
}

/// One ICMP echo request/reply pair (IPv4 or ICMPv6 by address family).
void ping(network& net, sim_time t, host& from, host& to, std::uint16_t id, std::uint16_t seq,
          sim_time reply_after) {
  bool v6 = from.ip.v6;
  std::uint8_t proto = v6 ? proto_icmpv6 : proto_icmp;
  std::uint8_t req = v6 ? 128 : 8, rep = v6 ? 129 : 0;
  std::uint32_t rest = std::uint32_t{id} << 16 | seq;
  bytes body = ping_payload(t);
  net.send(t, from, to, proto, icmp_message(req, 0, rest, body));
  if (reply_after >= 0) net.send(t + reply_after, to, from, proto, icmp_message(rep, 0, rest, body), false);
}

/// A DNS exchange over UDP: query at t, answer `rtt` later. Returns the client port.
std::uint16_t dns(network& net, rng& r, sim_time t, host& client, host& server, std::string_view name,
                  const char* answer) {
  std::uint16_t port = r.ephemeral_port();
  auto id = static_cast<std::uint16_t>(r.next());
  bool v6 = client.ip.v6;
  ip_addr a = parse_ip(answer);
  net.send(t, client, server, proto_udp, udp_datagram(port, 53, dns_message(id, name, v6, nullptr)));
  net.send(t + rtt, server, client, proto_udp, udp_datagram(53, port, dns_message(id, name, v6, &a)), false);
  return port;
}

/// The 16 captured payload bytes of odd's truncated frame.
bytes net_bytes_for_odd(std::uint64_t seed) {
  rng r(seed, "odd/payload");
  return r.fill(16);
}

}  // namespace

void run_udp(const run_context& ctx) {
  sim_time gap = ctx.opts.secs("gap", 45.0, 0.0, 1e7);
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "udp");
  // 1. One-shot DNS query and reply.
  host& c1 = net.at("10.1.0.20", true);
  host& dns_srv = net.at("192.0.2.53", false);
  dns(net, r, 0, c1, dns_srv, "www.example.com", "192.0.2.80");
  // 2. A two-way RTP stream every 0.5 s for 4 s (reply seen, traffic continues > 2 s).
  host& c2 = net.at("10.1.0.21", true);
  host& media = net.at("192.0.2.60", false);
  std::uint32_t ssrc_c = r.u32(), ssrc_s = r.u32();
  auto seq_c = static_cast<std::uint16_t>(r.next()), seq_s = static_cast<std::uint16_t>(r.next());
  std::uint32_t ts_c = r.u32(), ts_s = r.u32();
  for (int i = 0; i <= 8; ++i) {
    sim_time t = seconds(1.0) + i * ms(500);
    net.send(t, c2, media, proto_udp, udp_datagram(16384, 16384, rtp_packet(r, seq_c++, ts_c, ssrc_c)));
    net.send(t + ms(10), media, c2, proto_udp, udp_datagram(16384, 16384, rtp_packet(r, seq_s++, ts_s, ssrc_s)));
    ts_c += 4000;
    ts_s += 4000;
  }
  // 3. Request/reply, `gap` idle, then the server speaks first.
  host& c3 = net.at("10.1.0.22", true);
  host& vpn = net.at("192.0.2.70", false);
  std::uint16_t p3 = r.ephemeral_port();
  sim_time t = seconds(2.0);
  net.send(t, c3, vpn, proto_udp, udp_datagram(p3, 1194, r.fill(86)));
  net.send(t + rtt, vpn, c3, proto_udp, udp_datagram(1194, p3, r.fill(94)));
  t += rtt + gap;
  net.send(t, vpn, c3, proto_udp, udp_datagram(1194, p3, r.fill(102)));
  net.send(t + rtt, c3, vpn, proto_udp, udp_datagram(p3, 1194, r.fill(86)));
  sink.finish(ctx.out);
}

void run_icmp(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "icmp");
  // 1. ping: 4 echo requests 1 s apart, each answered after 11 ms.
  host& c = net.at("10.1.0.30", true);
  host& gw = net.at("192.0.2.1", false);
  auto id = static_cast<std::uint16_t>(r.next());
  for (std::uint16_t i = 0; i < 4; ++i) ping(net, seconds(i), c, gw, id, static_cast<std::uint16_t>(i + 1), ms(11));
  // 2. An echo reply nobody asked for.
  host& stray = net.at("192.0.2.99", false);
  host& c2 = net.at("10.1.0.31", true);
  bytes body = ping_payload(seconds(5));
  net.send(seconds(5), stray, c2, proto_icmp, icmp_message(0, 0, 0x51510007u, body), false);
  // 3. A UDP datagram to a closed port and the port unreachable quoting it.
  host& c3 = net.at("10.1.0.32", true);
  host& srv = net.at("192.0.2.54", false);
  std::uint16_t port = r.ephemeral_port();
  ip_fields f = net.fields(c3, srv, true);
  bytes udp_pkt = ip_packet(f, proto_udp, udp_datagram(port, 5000, r.fill(48)));
  net.send_ip(seconds(6), c3, srv, udp_pkt);
  net.send(seconds(6) + rtt, srv, c3, proto_icmp, icmp_message(3, 3, 0, udp_pkt), false);
  sink.finish(ctx.out);
}

void run_linktypes(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "linktypes");
  host& c = net.at("10.1.0.60", true);
  host& s = net.at("192.0.2.10", false);
  host& d = net.at("192.0.2.53", false);
  dns(net, r, 0, c, d, "www.example.com", "192.0.2.10");          // 1-2
  tcp_flow f(net, c, s, {.sport = 80, .name = "linktypes"});
  sim_time t = f.handshake(ms(30), rtt);                          // 3-5
  f.send(side::client, t + ms(0.2), 90);                          // 6
  f.send(side::server, t + ms(20.5), 600);                        // 7
  f.ack(side::client, t + ms(20.6));                              // 8
  t += ms(100);
  f.fin(side::client, t);                                         // 9
  f.fin(side::server, t + rtt);                                   // 10
  f.ack(side::client, t + rtt + turn);                            // 11
  sink.finish(ctx.out);
}

void run_ipv6(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "ipv6");
  host& c = net.at("2001:db8:1::10", true);
  host& web = net.at("2001:db8:2::80", false);
  host& ns = net.at("2001:db8:2::53", false);
  dns(net, r, 0, c, ns, "www.example.com", "2001:db8:2::80");     // 1-2
  tcp_flow f(net, c, web, {.sport = 443, .name = "ipv6"});
  sim_time t = f.handshake(ms(30), rtt);                          // 3-5
  f.hop_by_hop_next();
  f.send(side::client, t + ms(0.2), 517);                         // 6 with a hop-by-hop header
  f.send(side::server, t + ms(20.5), 1200);                       // 7
  f.ack(side::client, t + ms(20.6));                              // 8
  ping(net, seconds(1), c, web, static_cast<std::uint16_t>(r.next()), 1, rtt);  // 9-10
  // A UDP datagram of 3008 bytes from the server, in 3 fragments (IPv6 minimum MTU 1280).
  std::uint16_t port = r.ephemeral_port();
  auto qid = static_cast<std::uint16_t>(r.next());
  net.send(seconds(2), c, ns, proto_udp, udp_datagram(port, 53, dns_txt(qid, "big.example.com", 0)));  // 11
  ip_fields fi = net.fields(ns, c, false);
  std::vector<bytes> frags =
      ip_fragments(fi, proto_udp, udp_datagram(53, port, dns_txt(qid, "big.example.com", 2900)), 1232, r.u32());
  for (std::size_t i = 0; i < frags.size(); ++i)                                 // 12-14
    net.send_ip(seconds(2) + rtt + static_cast<sim_time>(i) * ms(0.01), ns, c, frags[i]);
  t = seconds(3);
  f.fin(side::client, t);                                         // 15
  f.fin(side::server, t + rtt);                                   // 16
  f.ack(side::client, t + rtt + turn);                            // 17
  sink.finish(ctx.out);
}

void run_fragments(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "fragments");
  host& c = net.at("10.1.0.40", true);
  host& ns = net.at("192.0.2.53", false);
  // 1-4: query, then a 3008-byte UDP answer in 3 fragments (1480 + 1480 + 48).
  std::uint16_t port = r.ephemeral_port();
  auto qid = static_cast<std::uint16_t>(r.next());
  net.send(0, c, ns, proto_udp, udp_datagram(port, 53, dns_txt(qid, "big.example.com", 0)));
  ip_fields fi = net.fields(ns, c, false);
  auto frags = ip_fragments(fi, proto_udp, udp_datagram(53, port, dns_txt(qid, "big.example.com", 2900)), 1480);
  for (std::size_t i = 0; i < frags.size(); ++i)
    net.send_ip(rtt + static_cast<sim_time>(i) * ms(0.012), ns, c, frags[i]);
  // 5-8: a second query whose 2-fragment answer arrives last fragment first.
  ++qid;
  net.send(seconds(1), c, ns, proto_udp, udp_datagram(port, 53, dns_txt(qid, "big2.example.com", 0)));
  ip_fields fj = net.fields(ns, c, false);
  auto rev = ip_fragments(fj, proto_udp, udp_datagram(53, port, dns_txt(qid, "big2.example.com", 1900)), 1480);
  for (std::size_t i = 0; i < rev.size(); ++i)
    net.send_ip(seconds(1) + rtt + static_cast<sim_time>(i) * ms(0.012), ns, c, rev[rev.size() - 1 - i]);
  // 9: an orphan non-first fragment (offset 1480, last) whose first fragment never came.
  host& other = net.at("192.0.2.99", false);
  host& c2 = net.at("10.1.0.41", true);
  ip_fields fo = net.fields(other, c2, false);
  bytes part = r.fill(200);
  net.send_ip(seconds(2), other, c2, ipv4_fragment(fo, proto_udp, part, 1480, false));
  sink.finish(ctx.out);
}

void run_odd(const run_context& ctx) {
  frame_sink sink(link_type::ethernet);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.50", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 80, .name = "odd"});
  sim_time t = f.handshake(seconds(10), rtt);                      // 1-3
  f.send(side::client, t + ms(0.2), 120);                          // 4
  // 5: captured only to 82 bytes (16 payload bytes). The uncaptured 1432 bytes are zeros, so a
  // replay tool that zero-pads the frame sends exactly the original packet (valid checksum).
  bytes big(1448, 0);
  bytes head = net_bytes_for_odd(ctx.seed);
  std::copy(head.begin(), head.end(), big.begin());
  f.send(side::server, t + ms(20.5), big);
  sink.truncate_last(14 + 20 + 32 + 16);
  f.send(side::server, t + ms(20.55), 500);                        // 6
  f.ack(side::client, t + ms(20.7));                               // 7
  // 8: ARP who-has 10.1.0.1 tell 10.1.0.50 (broadcast).
  bytes arp = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  arp.insert(arp.end(), c.mac.begin(), c.mac.end());
  arp.insert(arp.end(), c.ip.b.begin(), c.ip.b.begin() + 4);
  arp.insert(arp.end(), 6, 0);
  for (std::uint8_t b : {10, 1, 0, 1}) arp.push_back(b);
  sink.raw(seconds(11), ether_frame(c.mac, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0x0806, arp));
  f.send(side::client, seconds(10), 100);                          // 9 timestamp 1 s before frame 8
  f.send(side::server, seconds(11.1), 300);                        // 10
  f.ack(side::client, seconds(11.1) + turn);                       // 11
  f.custom(side::client, seconds(12), 0x00, {}, false);            // 12 no flags at all
  // 13: SYN+FIN from a scanner to the same server.
  host& scanner = net.at("10.1.0.51", true);
  tcp_fields sf;
  sf.sport = 41000;
  sf.dport = 80;
  sf.seq = 0x5eed0001;
  sf.flags = 0x03;
  sf.win = 1024;
  net.send(seconds(13), scanner, s, 6, tcp_segment(sf, {}));
  t = seconds(14);
  f.fin(side::client, t);                                          // 14
  f.fin(side::server, t + rtt);                                    // 15
  f.ack(side::client, t + rtt + turn);                             // 16
  sink.finish(ctx.out, false);  // file order as built: frame 9 goes back in time
}

void run_corrupt(const run_context& ctx) {
  frame_sink sink(link_type::ethernet);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 80, .name = "corrupt"});
  f.syn(0);
  f.syn_ack(rtt);
  // Write the two good records, then a record header promising 1500 bytes and only 10 of them.
  sink.finish(ctx.out);
  std::FILE* fp = std::fopen(ctx.out.c_str(), "ab");
  if (!fp) throw output_error(ctx.out + ": cannot append");
  std::uint32_t hdr[4] = {static_cast<std::uint32_t>(trace_epoch / ns_per_s + 1), 0, 1500, 1500};
  std::uint8_t tail[10] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x01};
  bool ok = std::fwrite(hdr, sizeof hdr, 1, fp) == 1 && std::fwrite(tail, sizeof tail, 1, fp) == 1;
  ok = std::fclose(fp) == 0 && ok;
  if (!ok) throw output_error(ctx.out + ": write failed");
}

}  // namespace sessim::tracegen
