/// asym: traffic for asymmetric-path scenarios. 40 HTTP connections, one every 1.45 s, whose
/// server round trip (SYN → SYN/ACK at the capture point) cycles through 1..12 ms, so a session
/// sync of 5 ms ± 1 ms loses some races and wins others; each stays open 2 s (keep-alive) before
/// closing, so one or two are open at any time; plus two long-lived connections that
/// exchange data every 2 s and 5 s across the whole minute (for failover at 30 s).
#include <deque>

#include "flows.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

void run_asym(const run_context& ctx) {
  frame_sink sink = make_sink(ctx);
  network net(sink, ctx.seed);
  host& s1 = net.at("192.0.2.80", false);
  host& s2 = net.at("192.0.2.22", false);
  std::deque<tcp_flow> flows;  // stable addresses
  for (int i = 0; i < 40; ++i) {
    host& c = net.at("10.1.0." + std::to_string(20 + i % 20), true);
    const sim_time t0 = ms(1450.0 * i);
    const sim_time rtt = ms(1 + (i * 7) % 12);  // 1..12 ms, all values hit
    tcp_flow& f = flows.emplace_back(net, c, s1, tcp_flow::params{.sport = 80, .name = "asym-http-" + std::to_string(i)});
    sim_time t = f.handshake(t0, rtt);
    f.send(side::client, t + ms(0.1), 320);
    f.send(side::server, t + ms(0.1) + rtt, 1400);
    f.ack(side::client, t + ms(0.2) + rtt);
    sim_time close = t + seconds(2);
    f.fin(side::client, close);
    f.fin(side::server, close + rtt);
    f.ack(side::client, close + rtt + ms(0.1));
  }
  // Two long-lived connections spanning the minute.
  host& admin = net.at("10.1.0.5", true);
  tcp_flow& ssh = flows.emplace_back(net, admin, s2, tcp_flow::params{.sport = 22, .name = "asym-ssh"});
  sim_time t = ssh.handshake(ms(200), ms(8));
  for (sim_time x = t + seconds(2); x < seconds(59); x += seconds(2)) {
    ssh.send(side::client, x, 48);
    ssh.send(side::server, x + ms(8), 96);
    ssh.ack(side::client, x + ms(8.2));
  }
  host& app = net.at("10.1.0.6", true);
  tcp_flow& db = flows.emplace_back(net, app, s2, tcp_flow::params{.sport = 5432, .name = "asym-db"});
  t = db.handshake(ms(700), ms(3));
  for (sim_time x = t + seconds(5); x < seconds(59); x += seconds(5)) {
    db.send(side::client, x, 200);
    db.send(side::server, x + ms(3), 800);
    db.ack(side::client, x + ms(3.2));
  }
  sink.finish(ctx.out);
}

}  // namespace sessim::tracegen
