/// idle-demo: the README demo trace. Six conversations over about two hours between clients in
/// 10.1.0.0/16 and servers in 192.0.2.0/24, built so that a firewall with a 3600 s established
/// timeout breaks exactly two of them (SSH idle 70 min; data left unacknowledged 400 s).
#include "flows.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

namespace {

using namespace std::string_view_literals;
constexpr std::uint8_t proto_icmp = 1, proto_udp = 17;
constexpr sim_time turn = ms(0.12);

/// A PostgreSQL frontend/backend message: type byte, length, body.
bytes pg_msg(char type, std::string_view body) {
  bytes b;
  b.push_back(static_cast<std::uint8_t>(type));
  push32(b, static_cast<std::uint32_t>(4 + body.size()));
  push_str(b, body);
  return b;
}

/// SSH session: banners, key exchange, authentication, a few keystrokes; then 70 min of
/// silence (`idle`), more typing and logout. Returns nothing; times are absolute.
void ssh_session(network& net, sim_time t0, sim_time idle) {
  host& c = net.at("10.1.0.11", true);
  host& s = net.at("192.0.2.22", false);
  const sim_time rtt = ms(30);
  tcp_flow f(net, c, s, {.sport = 22, .name = "idle-demo/ssh"});
  sim_time t = f.handshake(t0, rtt);
  f.send_text(side::server, t + ms(1), "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
  f.send_text(side::client, t + ms(1.2), "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
  f.send(side::client, t + ms(1.4), 1392);  // KEXINIT
  t += ms(1.4) + rtt;
  f.send(side::server, t, 1080);            // KEXINIT
  f.send(side::client, t + ms(1), 1208);    // KEX_ECDH_INIT
  t += ms(1) + rtt + ms(3);
  f.send(side::server, t, 1448);            // KEX_ECDH_REPLY ...
  f.send(side::server, t + ms(0.02), 228);  // ... + NEWKEYS
  f.send(side::client, t + ms(2), 16);      // NEWKEYS
  f.send(side::client, t + ms(2.1), 44);    // SERVICE_REQUEST
  t += ms(2.1) + rtt;
  f.send(side::server, t, 44);              // SERVICE_ACCEPT
  f.send(side::client, t + ms(0.5), 500);   // USERAUTH_REQUEST (publickey)
  t += ms(0.5) + rtt + ms(2);
  f.send(side::server, t, 52);              // USERAUTH_SUCCESS
  f.send(side::client, t + ms(0.3), 112);   // CHANNEL_OPEN, pty-req, shell
  t += ms(0.3) + rtt;
  f.send(side::server, t, 620);             // CHANNEL_OPEN_CONFIRMATION, motd, prompt
  f.ack(side::client, t + ms(40));
  // The user types "ls" and Enter; each keystroke is echoed; the output comes back.
  auto type = [&](sim_time at, std::size_t out) {
    f.send(side::client, at, 36);
    f.send(side::server, at + rtt, out);
    f.ack(side::client, at + rtt + ms(40));
  };
  t = t0 + seconds(20);
  type(t, 36);
  type(t + ms(180), 36);
  type(t + ms(420), 36 + 380);
  sim_time last = t + ms(420) + rtt + ms(40);
  // 70 minutes of silence, then the user types again.
  t = last + idle;
  type(t, 36);
  type(t + ms(300), 36);
  type(t + ms(520), 36 + 120);   // "exit": output and the logout message
  t += ms(520) + rtt + ms(60);
  f.fin(side::server, t);
  f.fin(side::client, t + ms(0.3));
  f.ack(side::server, t + ms(0.3) + rtt);
}

/// PostgreSQL connection: startup, SCRAM authentication, a query; 20 min idle; a query;
/// Terminate and FIN close.
void db_session(network& net, sim_time t0, sim_time idle) {
  host& c = net.at("10.1.0.12", true);
  host& s = net.at("192.0.2.30", false);
  const sim_time rtt = ms(2);
  tcp_flow f(net, c, s, {.sport = 5432, .name = "idle-demo/db"});
  sim_time t = f.handshake(t0, rtt);
  bytes startup;
  push32(startup, 0);
  push32(startup, 0x00030000);
  for (std::string_view kv : {"user", "app", "database", "orders", "application_name", "psql", ""}) {
    push_str(startup, kv);
    startup.push_back(0);
  }
  put32(startup.data(), static_cast<std::uint32_t>(startup.size()));
  f.send(side::client, t + ms(0.1), startup);
  t += ms(0.1) + rtt;
  f.send(side::server, t, pg_msg('R', "\0\0\0\x0aSCRAM-SHA-256\0\0"sv));
  f.send(side::client, t + ms(0.3), pg_msg('p', "SCRAM-SHA-256\0\0\0\0\x1cn,,n=,r=rOprNGfwEbeRWgbNEkqO"sv));
  t += ms(0.3) + rtt;
  f.send(side::server, t, pg_msg('R', "\0\0\0\x0br=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"sv));
  f.send(side::client, t + ms(1), 109);
  t += ms(1) + rtt;
  f.send(side::server, t, 420);  // SASLFinal, AuthenticationOk, ParameterStatus..., ReadyForQuery
  f.send(side::client, t + ms(5), pg_msg('Q', "SELECT count(*) FROM orders WHERE state = 'open';\0"sv));
  t += ms(5) + rtt;
  f.send(side::server, t, 96);   // RowDescription, DataRow, CommandComplete, ReadyForQuery
  f.ack(side::client, t + ms(40));
  t += ms(40);
  // 20 minutes of silence, then another query and a clean close.
  t += idle;
  f.send(side::client, t, pg_msg('Q', "SELECT id, total FROM orders WHERE id = 4711;\0"sv));
  f.send(side::server, t + rtt, 131);
  f.ack(side::client, t + rtt + ms(40));
  t += seconds(1);
  f.send(side::client, t, pg_msg('X', ""));
  f.fin(side::client, t + ms(0.05));
  f.fin(side::server, t + ms(0.05) + rtt);
  f.ack(side::client, t + ms(0.05) + rtt + turn);
}

/// DNS lookup then an HTTP/1.1 GET with a 3-segment response, closed by FIN/FIN.
void web_visit(network& net, rng& r, sim_time t0) {
  host& c = net.at("10.1.0.13", true);
  host& ns = net.at("192.0.2.53", false);
  host& web = net.at("192.0.2.80", false);
  const sim_time rtt = ms(12);
  std::uint16_t qport = r.ephemeral_port();
  auto id = static_cast<std::uint16_t>(r.next());
  ip_addr answer = web.ip;
  net.send(t0, c, ns, proto_udp, udp_datagram(qport, 53, dns_message(id, "www.example.com", false, nullptr)));
  net.send(t0 + ms(8), ns, c, proto_udp, udp_datagram(53, qport, dns_message(id, "www.example.com", false, &answer)), false);
  tcp_flow f(net, c, web, {.sport = 80, .name = "idle-demo/http"});
  sim_time t = f.handshake(t0 + ms(9), rtt);
  f.send_text(side::client, t + ms(0.1),
              "GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n\r\n");
  t += ms(0.1) + rtt;
  f.send(side::server, t, 1448, 0x10);
  f.send(side::server, t + ms(0.1), 1448, 0x10);
  f.ack(side::client, t + ms(0.2));
  f.send(side::server, t + ms(0.3), 900);
  f.ack(side::client, t + ms(0.4));
  t += seconds(2);
  f.fin(side::client, t);
  f.fin(side::server, t + rtt);
  f.ack(side::client, t + rtt + turn);
}

/// Four echo requests one second apart, each answered.
void ping(network& net, rng& r, sim_time t0) {
  host& c = net.at("10.1.0.14", true);
  host& gw = net.at("192.0.2.1", false);
  auto id = static_cast<std::uint16_t>(r.next());
  for (std::uint16_t i = 1; i <= 4; ++i) {
    sim_time t = t0 + seconds(i - 1);
    bytes body = r.fill(56);
    std::uint32_t rest = std::uint32_t{id} << 16 | i;
    net.send(t, c, gw, proto_icmp, icmp_message(8, 0, rest, body));
    net.send(t + ms(4), gw, c, proto_icmp, icmp_message(0, 0, rest, body), false);
  }
}

/// A request/response, then data the server does not acknowledge for `gap` (the server is
/// paused); the client's retransmission and the late answer follow. The client's intermediate
/// retransmissions are left out so the gap is clean.
void unacked_session(network& net, sim_time t0, sim_time gap) {
  host& c = net.at("10.1.0.15", true);
  host& s = net.at("192.0.2.40", false);
  const sim_time rtt = ms(15);
  tcp_flow f(net, c, s, {.sport = 8080, .name = "idle-demo/unacked"});
  sim_time t = f.handshake(t0, rtt);
  f.send(side::client, t + ms(0.1), 300);
  f.send(side::server, t + ms(0.1) + rtt, 500);
  f.ack(side::client, t + ms(0.1) + rtt + ms(40));
  t = t0 + seconds(10);
  f.send(side::client, t, 200);         // never acknowledged before the gap
  t += gap;
  f.retransmit(side::client, t);
  f.send(side::server, t + rtt, 400);   // ACKs the request and answers
  f.ack(side::client, t + rtt + ms(40));
  t += seconds(1);
  f.fin(side::client, t);
  f.fin(side::server, t + rtt);
  f.ack(side::client, t + rtt + turn);
}

}  // namespace

void run_idle_demo(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  rng r(ctx.seed, "idle-demo");
  ssh_session(net, 0, seconds(70 * 60));
  web_visit(net, r, seconds(300));
  ping(net, r, seconds(600));
  unacked_session(net, seconds(900), seconds(400));
  db_session(net, seconds(5800), seconds(20 * 60));
  sink.finish(ctx.out);
}

}  // namespace sessim::tracegen
