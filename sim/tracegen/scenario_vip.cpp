/// vip: client-side capture of connections to a load-balanced virtual server 203.0.113.10:
/// 80 connections over ~60 s (one every 0.75 s) from 40 clients, alternating HTTP/1.1 to port 80
/// (Host www.example.com or api.example.com, paths /, /api/v1/..., /static/...) and TLS to port
/// 443 (ClientHello with SNI www.example.com or api.example.com). Each lasts ~1.5 s. Four
/// long-lived HTTPS connections exchange data every 3 s across the whole minute (once, near
/// t = 30 s, a full-size 1500-byte client packet: what a tunnel's MTU must carry). The capture cut
/// four HTTP requests (connections 6, 26, 46, 66, all to api.example.com) after 90 bytes, before
/// their Host header: an L7 rule cannot see them and they fall back to the default pool.
#include <deque>
#include <string>
#include <vector>

#include "flows.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

namespace {

/// A TLS 1.2 record with a ClientHello carrying only SNI (RFC 6066) and one cipher suite.
std::vector<std::uint8_t> client_hello(const std::string& sni, std::uint8_t salt) {
  std::vector<std::uint8_t> ext;
  const std::size_t n = sni.size();
  const std::uint8_t sni_ext[] = {0x00, 0x00, static_cast<std::uint8_t>((n + 5) >> 8), static_cast<std::uint8_t>(n + 5),
                                  static_cast<std::uint8_t>((n + 3) >> 8), static_cast<std::uint8_t>(n + 3), 0x00,
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  ext.insert(ext.end(), sni_ext, sni_ext + sizeof sni_ext);
  ext.insert(ext.end(), sni.begin(), sni.end());
  std::vector<std::uint8_t> body = {0x03, 0x03};
  for (int i = 0; i < 32; ++i) body.push_back(static_cast<std::uint8_t>(salt * 31 + i * 7));
  body.push_back(0);                                  // session id
  body.insert(body.end(), {0x00, 0x02, 0x13, 0x01});  // one cipher suite
  body.insert(body.end(), {0x01, 0x00});              // null compression
  body.push_back(static_cast<std::uint8_t>(ext.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(ext.size()));
  body.insert(body.end(), ext.begin(), ext.end());
  std::vector<std::uint8_t> hs = {0x01, 0x00, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  hs.insert(hs.end(), body.begin(), body.end());
  std::vector<std::uint8_t> rec = {0x16, 0x03, 0x01, static_cast<std::uint8_t>(hs.size() >> 8), static_cast<std::uint8_t>(hs.size())};
  rec.insert(rec.end(), hs.begin(), hs.end());
  return rec;
}

}  // namespace

void run_vip(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& vip = net.at("203.0.113.10", false);
  std::deque<tcp_flow> flows;
  static const char* hosts[] = {"www.example.com", "api.example.com"};
  static const char* paths[] = {"/", "/api/v1/orders", "/static/app.js", "/api/v1/users"};
  for (int i = 0; i < 80; ++i) {
    host& c = net.at("198.51.100." + std::to_string(10 + (i * 7) % 40), true);
    const sim_time t0 = ms(750.0 * i + 100);
    const sim_time rtt = ms(2 + i % 5);
    const bool tls = i % 2 == 1;
    tcp_flow& f = flows.emplace_back(net, c, vip, tcp_flow::params{.sport = static_cast<std::uint16_t>(tls ? 443 : 80),
                                                                    .name = "vip-" + std::to_string(i)});
    sim_time t = f.handshake(t0, rtt);
    const std::string h = hosts[(i / 2) % 2];
    if (tls) {
      auto hello = client_hello(h, static_cast<std::uint8_t>(i));
      f.send(side::client, t + ms(0.1), hello);
    } else {
      f.send_text(side::client, t + ms(0.1),
                  "GET " + std::string(paths[(i / 2) % 4]) + " HTTP/1.1\r\nHost: " + h +
                      "\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n" + (i % 8 == 0 ? "X-Canary: 1\r\n" : "") + "\r\n");
      if (i % 20 == 6) sink.truncate_last(90);  // snap length: Ethernet + IP + TCP + the first bytes of the request
    }
    f.send(side::server, t + ms(0.1) + rtt, 400);
    f.ack(side::client, t + ms(0.2) + rtt);
    const sim_time close = t + ms(1500);
    f.fin(side::client, close);
    f.fin(side::server, close + rtt);
    f.ack(side::client, close + rtt + ms(0.1));
  }
  for (int k = 0; k < 4; ++k) {
    host& c = net.at("198.51.100." + std::to_string(200 + k), true);
    tcp_flow& f = flows.emplace_back(net, c, vip, tcp_flow::params{.sport = 443, .name = "vip-long-" + std::to_string(k)});
    sim_time t = f.handshake(ms(50 + 10 * k), ms(3));
    f.send(side::client, t + ms(0.1), client_hello("www.example.com", static_cast<std::uint8_t>(200 + k)));
    for (sim_time x = t + seconds(3); x < seconds(59); x += seconds(3)) {
      // Around t = 30 s each uploads one full-size segment (1448 bytes: a 1500-byte IP packet, DF).
      f.send(side::client, x, x >= seconds(30) && x < seconds(33) ? 1448 : 120);
      f.send(side::server, x + ms(3), 300);
      f.ack(side::client, x + ms(3.2));
    }
  }
  sink.finish(ctx.out);
}

}  // namespace sessim::tracegen
