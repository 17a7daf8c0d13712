/// Small single-connection TCP scenarios: handshake, syn-retrans, midstream, close-wait, rst,
/// port-reuse. Times are exact (the gaps the README talks about); the seed picks ports, ISNs,
/// IP identifications, timestamp clocks and payload bytes.
#include <optional>

#include "flows.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

namespace {

constexpr sim_time rtt = ms(20);       // client <-> server round trip seen at the capture point
constexpr sim_time turn = ms(0.12);    // client stack reaction time (ACK after receiving)

std::optional<std::uint32_t> opt_u32(const options& o, const std::string& key) {
  if (!o.has(key)) return std::nullopt;
  return static_cast<std::uint32_t>(o.u64(key, 0, 0, 0xffffffffULL));
}

const char* http_get =
    "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

/// An HTTP response header followed by `body` filler bytes.
bytes http_response(std::size_t body) {
  std::string h = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: " +
                  std::to_string(body) + "\r\n\r\n";
  bytes b(h.begin(), h.end());
  for (std::size_t i = 0; i < body; ++i) b.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return b;
}

}  // namespace

void run_handshake(const run_context& ctx) {
  auto cisn = opt_u32(ctx.opts, "isn");
  auto sisn = opt_u32(ctx.opts, "server_isn");
  sim_time gap = ctx.opts.secs("gap", 1.0, 0.0, 1e7);
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 80, .cisn = cisn, .sisn = sisn, .name = "handshake"});
  sim_time t = f.handshake(0, rtt);                          // 1-3
  f.send_text(side::client, t + ms(0.2), http_get);          // 4
  f.send(side::server, t + ms(20.5), http_response(1100));  // 5
  t += ms(20.6);
  f.ack(side::client, t);                                    // 6
  t += gap;
  f.send_text(side::client, t, http_get);                    // 7
  f.send(side::server, t + rtt, http_response(700));        // 8
  f.ack(side::client, t + rtt + turn);                       // 9
  t += rtt + ms(500);
  f.fin(side::client, t);                                    // 10
  f.fin(side::server, t + rtt);                              // 11
  f.ack(side::client, t + rtt + turn);                       // 12
  sink.finish(ctx.out);
}

void run_syn_retrans(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 443, .name = "syn-retrans"});
  f.syn(0);                                   // 1
  f.syn(seconds(108));                        // 2 retransmission: same ISN, new TSval
  sim_time t = seconds(132);
  f.syn_ack(t);                               // 3
  f.ack(side::client, t + turn);              // 4
  f.send(side::client, t + ms(0.3), 517);     // 5 TLS ClientHello-sized
  f.send(side::server, t + ms(20.3), 1400);   // 6
  f.ack(side::client, t + ms(20.4));          // 7
  t += seconds(1);
  f.fin(side::client, t);                     // 8
  f.fin(side::server, t + rtt);               // 9
  f.ack(side::client, t + rtt + turn);        // 10
  sink.finish(ctx.out);
}

void run_midstream(const run_context& ctx) {
  sim_time gap = ctx.opts.secs("gap", 12.9, 0.0, 1e7);
  sim_time fin_gap = ctx.opts.secs("fin_gap", 12.0, 0.0, 1e7);
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 80, .name = "midstream"});
  // The handshake happened before the capture started.
  f.send_text(side::client, 0, http_get);                 // 1 ACK|PSH + request
  bytes resp = http_response(2000);
  bytes first(resp.begin(), resp.begin() + 1448), rest(resp.begin() + 1448, resp.end());
  f.send(side::server, rtt, first, 0x10);                 // 2 ACK + 1448 bytes
  f.send(side::server, rtt + ms(0.05), rest);             // 3 ACK|PSH + the rest
  sim_time t = rtt + ms(0.2);
  f.ack(side::client, t);                                 // 4
  t += gap;
  f.fin(side::server, t);                                 // 5 server closes (keep-alive timeout)
  f.ack(side::client, t + turn);                          // 6
  t += turn + fin_gap;
  f.fin(side::client, t);                                 // 7
  f.ack(side::server, t + rtt);                           // 8
  sink.finish(ctx.out);
}

void run_close_wait(const run_context& ctx) {
  sim_time gap = ctx.opts.secs("gap", 26.0, 0.0, 1e7);
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 80, .name = "close-wait"});
  sim_time t = f.handshake(0, rtt);                        // 1-3
  f.send_text(side::client, t + ms(0.2), http_get);        // 4
  f.send(side::server, t + ms(20.5), http_response(900)); // 5
  t += ms(20.6);
  f.ack(side::client, t);                                  // 6
  t = seconds(1);
  f.fin(side::server, t);                                  // 7 server half-closes (shutdown SHUT_WR)
  f.ack(side::client, t + turn);                           // 8 client -> CLOSE_WAIT
  t += turn + gap;
  f.send(side::client, t, 64);                             // 9 client still sends data
  f.ack(side::server, t + rtt);                            // 10 server ACKs it
  f.fin(side::client, t + rtt + ms(1));                    // 11
  f.ack(side::server, t + 2 * rtt + ms(1));                // 12
  sink.finish(ctx.out);
}

void run_rst(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow f(net, c, s, {.sport = 8080, .name = "rst"});
  sim_time t = f.handshake(0, rtt);                        // 1-3
  f.send_text(side::client, t + ms(0.2), http_get);        // 4
  f.send(side::server, t + ms(20.5), http_response(600)); // 5
  f.ack(side::client, t + ms(20.6));                       // 6
  t = seconds(2);
  f.send_text(side::client, t, http_get);                  // 7 second request
  f.rst(side::server, t + rtt, true);                      // 8 server aborts: RST|ACK
  f.send(side::client, t + ms(500), 120);                  // 9 client data, 0.48 s after the RST
  f.rst(side::server, t + ms(520), false);                 // 10 server stack answers with a bare RST
  sink.finish(ctx.out);
}

void run_port_reuse(const run_context& ctx) {
  sim_time gap = ctx.opts.secs("gap", 30.0, 0.0, 1e7);
  std::string closer = ctx.opts.word("closer", "server", {"server", "client"});
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& c = net.at("10.1.0.10", true);
  host& s = net.at("192.0.2.10", false);
  tcp_flow a(net, c, s, {.sport = 80, .name = "port-reuse/1"});
  sim_time t = a.handshake(0, rtt);                        // 1-3
  a.send_text(side::client, t + ms(0.2), http_get);        // 4
  a.send(side::server, t + ms(20.5), http_response(800)); // 5
  a.ack(side::client, t + ms(20.6));                       // 6
  t = seconds(1);
  // The first closer ends in TIME_WAIT. Default: the server (HTTP "Connection: close"), so the
  // new SYN from the client is the RFC 1122 TIME_WAIT reopen that conntrack accepts.
  side first = closer == "server" ? side::server : side::client;
  side second = first == side::server ? side::client : side::server;
  sim_time d1 = first == side::server ? turn : rtt, d2 = first == side::server ? rtt : turn;
  a.fin(first, t);                                         // 7 first FIN
  a.fin(second, t + d1);                                   // 8 FIN|ACK
  a.ack(first, t + d1 + d2);                               // 9 last ACK
  t += d1 + d2;
  // Same 4-tuple, new ISN, `gap` after the last ACK.
  // Linux ISNs are a per-4-tuple hash plus a 64 ns clock: both ends' ISNs move forward by gap/64ns.
  t += gap;
  auto clock = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t) / 64);
  tcp_flow b(net, c, s,
             {.cport = a.port(side::client), .sport = 80, .cisn = a.isn(side::client) + clock,
              .sisn = a.isn(side::server) + clock, .name = "port-reuse/2"});
  t = b.handshake(t, rtt);                                 // 10-12
  b.send_text(side::client, t + ms(0.2), http_get);        // 13
  b.send(side::server, t + ms(20.5), http_response(500)); // 14
  b.ack(side::client, t + ms(20.6));                       // 15
  t += seconds(1);
  b.fin(side::client, t);                                  // 16
  b.fin(side::server, t + rtt);                            // 17
  b.ack(side::client, t + rtt + turn);                     // 18
  sink.finish(ctx.out);
}

}  // namespace sessim::tracegen
