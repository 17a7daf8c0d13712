/// network and tcp_flow: hosts, addressing and TCP segment bookkeeping.
#include "flows.hpp"

#include <fmt/format.h>

namespace sessim::tracegen {

namespace {
constexpr std::uint8_t proto_tcp = 6;
constexpr mac_addr gateway_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint8_t f_fin = 0x01, f_syn = 0x02, f_rst = 0x04, f_ack = 0x10;
}  // namespace

host& network::at(std::string_view ip, bool client_side) {
  ip_addr a = parse_ip(ip);
  auto it = hosts_.find(a);
  if (it != hosts_.end()) return *it->second;
  auto h = std::make_unique<host>();
  rng r(seed_, fmt::format("host/{}", ip));
  h->ip = a;
  h->mac = mac_for(a);
  h->client_side = client_side;
  h->ttl = client_side ? 64 : 56;
  h->ip_id = static_cast<std::uint16_t>(r.next());
  h->ts_base = r.u32();
  return *hosts_.emplace(a, std::move(h)).first->second;
}

void network::send_ip(sim_time t, const host& from, const host& to, std::span<const std::uint8_t> ip_pkt) {
  const mac_addr& src = from.client_side ? from.mac : gateway_mac;
  const mac_addr& dst = to.client_side ? to.mac : gateway_mac;
  sink_.ip(t, src, dst, from.client_side, from.ip.v6, ip_pkt);
}

ip_fields network::fields(host& from, host& to, bool df) {
  ip_fields f;
  f.src = from.ip;
  f.dst = to.ip;
  f.ttl = from.ttl;
  f.id = from.ip_id++;
  f.df = df;
  return f;
}

void network::send(sim_time t, host& from, host& to, std::uint8_t proto, bytes l4, bool df,
                   bool hop_by_hop, std::uint32_t flow_label) {
  ip_fields f = fields(from, to, df);
  f.hop_by_hop = hop_by_hop;
  f.flow_label = flow_label;
  bytes pkt = ip_packet(f, proto, std::move(l4));
  send_ip(t, from, to, pkt);
}

tcp_flow::tcp_flow(network& net, host& client, host& server, params p)
    : net_(net), rng_(net.seed(), "tcp/" + p.name) {
  c_.h = &client;
  s_.h = &server;
  c_.port = p.cport ? p.cport : rng_.ephemeral_port();
  s_.port = p.sport;
  c_.isn = p.cisn ? *p.cisn : rng_.u32();
  s_.isn = p.sisn ? *p.sisn : rng_.u32();
  c_.nxt = c_.isn;
  s_.nxt = s_.isn;
  c_.mss = s_.mss = client.ip.v6 ? 1440 : 1460;
  c_.win = 502;
  s_.win = 509;
  // TSvals "seen" before the capture started (echoed by mid-stream pickups).
  c_.last_tsval = client.ts_base - static_cast<std::uint32_t>(rng_.range(1000, 60000));
  s_.last_tsval = server.ts_base - static_cast<std::uint32_t>(rng_.range(1000, 60000));
  c_.flow_label = static_cast<std::uint32_t>(rng_.next() & 0xfffff);
  s_.flow_label = static_cast<std::uint32_t>(rng_.next() & 0xfffff);
}

std::uint32_t tcp_flow::tsval(const end_state& e, sim_time t) const {
  return e.h->ts_base + static_cast<std::uint32_t>(t / 1'000'000);
}

void tcp_flow::emit(side from, sim_time t, const tcp_fields& f, std::span<const std::uint8_t> payload) {
  end_state& e = end(from);
  end_state& o = peer(from);
  ip_fields ip = net_.fields(*e.h, *o.h, true);
  ip.flow_label = e.flow_label;
  ip.hop_by_hop = hbh_next_ && e.h->ip.v6;
  hbh_next_ = false;
  bytes pkt = ip_packet(ip, proto_tcp, tcp_segment(f, payload));
  net_.send_ip(t, *e.h, *o.h, pkt);
}

void tcp_flow::syn(sim_time t) {
  tcp_fields f;
  f.sport = c_.port;
  f.dport = s_.port;
  f.seq = c_.isn;
  f.flags = f_syn;
  f.win = 64240;
  c_.last_tsval = tsval(c_, t);
  f.options = syn_options(c_.mss, c_.last_tsval, 0, c_.wscale);
  c_.nxt = c_.isn + 1;
  emit(side::client, t, f, {});
}

void tcp_flow::syn_ack(sim_time t) {
  tcp_fields f;
  f.sport = s_.port;
  f.dport = c_.port;
  f.seq = s_.isn;
  f.ack = c_.nxt;
  f.flags = f_syn | f_ack;
  f.win = 65160;
  s_.last_tsval = tsval(s_, t);
  f.options = syn_options(s_.mss, s_.last_tsval, c_.last_tsval, s_.wscale);
  s_.nxt = s_.isn + 1;
  emit(side::server, t, f, {});
}

sim_time tcp_flow::handshake(sim_time t, sim_time rtt) {
  syn(t);
  syn_ack(t + rtt);
  sim_time a = t + rtt + 120'000;  // the client's ACK 120 us after the SYN/ACK
  ack(side::client, a);
  return a;
}

void tcp_flow::custom(side from, sim_time t, std::uint8_t flags, std::span<const std::uint8_t> payload,
                      bool advance) {
  end_state& e = end(from);
  end_state& o = peer(from);
  tcp_fields f;
  f.sport = e.port;
  f.dport = o.port;
  f.seq = e.nxt;
  f.ack = (flags & f_ack) ? o.nxt : 0;
  f.flags = flags;
  f.win = (flags & f_rst) ? 0 : e.win;
  if (!(flags & f_rst)) {
    e.last_tsval = tsval(e, t);
    f.options = ts_options(e.last_tsval, o.last_tsval);
  }
  if (!payload.empty()) {
    e.last_payload.assign(payload.begin(), payload.end());
    e.last_seq = e.nxt;
    e.last_flags = flags;
  }
  if (advance) e.nxt += static_cast<std::uint32_t>(payload.size()) + ((flags & (f_syn | f_fin)) ? 1 : 0);
  emit(from, t, f, payload);
}

void tcp_flow::send(side from, sim_time t, std::span<const std::uint8_t> payload, std::uint8_t flags) {
  custom(from, t, flags, payload, true);
}

void tcp_flow::send(side from, sim_time t, std::size_t len, std::uint8_t flags) {
  bytes b = rng_.fill(len);
  send(from, t, b, flags);
}

void tcp_flow::send_text(side from, sim_time t, std::string_view text) {
  bytes b(text.begin(), text.end());
  send(from, t, b);
}

void tcp_flow::ack(side from, sim_time t) { custom(from, t, f_ack, {}, true); }

void tcp_flow::fin(side from, sim_time t) { custom(from, t, f_fin | f_ack, {}, true); }

void tcp_flow::rst(side from, sim_time t, bool with_ack) {
  custom(from, t, with_ack ? (f_rst | f_ack) : f_rst, {}, false);
}

void tcp_flow::retransmit(side from, sim_time t) {
  end_state& e = end(from);
  end_state& o = peer(from);
  tcp_fields f;
  f.sport = e.port;
  f.dport = o.port;
  f.seq = e.last_seq;
  f.ack = o.nxt;
  f.flags = e.last_flags;
  f.win = e.win;
  e.last_tsval = tsval(e, t);
  f.options = ts_options(e.last_tsval, o.last_tsval);
  emit(from, t, f, e.last_payload);
}

namespace {
void dns_name(bytes& m, std::string_view name) {
  std::size_t start = 0;
  std::string n(name);
  while (start < n.size()) {
    std::size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    m.push_back(static_cast<std::uint8_t>(dot - start));
    push_str(m, std::string_view(n).substr(start, dot - start));
    start = dot + 1;
  }
  m.push_back(0);
}
}  // namespace

bytes dns_message(std::uint16_t id, std::string_view name, bool v6, const ip_addr* answer) {
  bytes m;
  push16(m, id);
  push16(m, answer ? 0x8180 : 0x0100);  // response+RD+RA / query+RD
  push16(m, 1);
  push16(m, answer ? 1 : 0);
  push16(m, 0);
  push16(m, 0);
  dns_name(m, name);
  push16(m, v6 ? 28 : 1);
  push16(m, 1);
  if (answer) {
    push16(m, 0xc00c);
    push16(m, v6 ? 28 : 1);
    push16(m, 1);
    push32(m, 300);
    push16(m, v6 ? 16 : 4);
    m.insert(m.end(), answer->b.begin(), answer->b.begin() + (v6 ? 16 : 4));
  }
  return m;
}

bytes dns_txt(std::uint16_t id, std::string_view name, std::size_t size) {
  std::size_t answers = size ? (size + 266) / 268 : 0;  // each answer: 12 + 1 + 255 bytes
  bytes m;
  push16(m, id);
  push16(m, size ? 0x8180 : 0x0100);
  push16(m, 1);
  push16(m, static_cast<std::uint16_t>(answers));
  push16(m, 0);
  push16(m, 1);  // OPT record (EDNS, 4096-byte UDP payload)
  dns_name(m, name);
  push16(m, 16);
  push16(m, 1);
  for (std::size_t a = 0; a < answers; ++a) {
    push16(m, 0xc00c);
    push16(m, 16);
    push16(m, 1);
    push32(m, 300);
    push16(m, 256);
    m.push_back(255);
    for (int i = 0; i < 255; ++i) m.push_back(static_cast<std::uint8_t>('A' + (a * 7 + i) % 26));
  }
  const std::uint8_t opt[11] = {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0};
  m.insert(m.end(), opt, opt + 11);
  return m;
}

}  // namespace sessim::tracegen
