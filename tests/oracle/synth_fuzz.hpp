#pragma once
// Seeded random captures for the kernel oracle ("fuzz-N" in synth_captures.hpp's all()): many
// short IPv4 conversations per capture, each drawn from its own deterministic random stream
// (splitmix64, integer arithmetic only, so the bytes are the same on every platform/compiler).
//
// TCP: handshakes with random options (MSS, SACK-permitted, timestamps, window scale up to 15),
// simultaneous open, SYN / SYN-ACK retransmissions (same or new ISN), SYN/ACK with a wrong ack,
// refused SYNs, missing third ACK, SYN with data; data both ways with retransmissions,
// out-of-order and duplicate segments, segments beyond / below the window, small and zero windows
// with probes and window updates, ACKs (and SACK blocks) of unseen data, keepalives, URG/ECE/CWR,
// SYN in ESTABLISHED with challenge ACK and RST, invalid flag combinations, RST exact / in-window /
// out-of-window / below / RST+ACK; FIN in either order, simultaneous FIN, FIN retransmission,
// late packets after the close, reopening from TIME_WAIT by either side; mid-stream starts.
// UDP: one-way, request/response, streams, server-first, malformed length; ICMP echo (duplicates,
// orphan replies), ICMP errors quoting live and dead flows (from the peer or a router, some to the
// wrong host); IPv4 fragments (in order, reversed, duplicated).
//
// Timing: packets of a conversation come in bursts (< 90 ms each, at most 4 bursts) separated by
// idle gaps of 10k+3 capture seconds, at most three per conversation. Any interval between two
// packets of one conversation is therefore 3, 6 or 9 s (mod 10) +- 0.36 s: at least 0.6 s away
// from every timeout that is a multiple of 10 s (the intended runs: --speedup 10, timeouts in
// multiples of 10 capture seconds, including the kernel defaults and the 2 s x 10 UDP stream
// rule). Conversations use distinct client ports, so they never share a conntrack entry.
// Run with --client-net 192.0.2.0/24 --server-net 198.51.100.0/24 (routers' ICMP errors and
// server-initiated reopens keep their side).
//
// Profile 2 (fuzz-5 ... fuzz-10) adds tuple reuse, IP options, odd headers (see world::v2);
// profile 3 (fuzz-11 ... fuzz-14) adds TCP/UDP/SCTP packets sent as IPv4 fragments
// (fragment_plan: tiny first fragments, both orders, duplicates inside a run, overlaps, zero-length
// and unaligned fragments, missing ones), SCTP associations and GRE flows with ICMP errors; its
// runs need --checksum 0 (ct-oracle fixes a TCP checksum only in the first fragment). Profile 4
// (fuzz-17, fuzz-18) adds UDP-Lite flows (some fragmented) and GRE version 1 (PPTP) flows. Each
// profile draws exactly as before, so the captures keep the sha256 their expectations pin.
#include <cstdint>
#include <string>
#include <vector>

namespace oracle_synth {
namespace fuzz {

struct rng {
  std::uint64_t s;
  explicit rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(next() >> 32); }
  /// uniform in [lo, hi]
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool pct(int p) { return range(0, 99) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(v.size()) - 1))]; }
};

inline bytes with_id(bytes p, std::uint16_t id) {
  put16(p, 4, id);
  put16(p, 10, 0);
  put16(p, 10, csum(p, 0, 20));
  return p;
}

/// TCP with options (padded to 4 bytes) and payload.
inline bytes tcp_o(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, std::uint8_t flags,
                   std::uint32_t seq, std::uint32_t ack, std::uint16_t win, bytes opts, std::size_t len, char fillc) {
  while (opts.size() % 4) opts.push_back(0);
  bytes t(20, 0);
  put16(t, 0, sp);
  put16(t, 2, dp);
  put32(t, 4, seq);
  put32(t, 8, ack);
  t[12] = static_cast<std::uint8_t>((5 + opts.size() / 4) << 4);
  t[13] = flags;
  put16(t, 14, win);
  t.insert(t.end(), opts.begin(), opts.end());
  t.insert(t.end(), len, static_cast<std::uint8_t>(fillc));
  return ipv4(src, dst, 6, t, 16);
}

enum : std::uint8_t { F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10, U = 0x20, E = 0x40, C = 0x80 };

/// Gaps: 10k+3 capture seconds (see the header comment).
inline std::int64_t pick_gap(rng& r) {
  static const std::vector<int> g = {3, 3, 13, 13, 23, 33, 43, 53, 63, 73, 113, 133, 313};
  return sec(r.pick(g));
}

/// An IPv4 packet with `n` bytes (multiple of 4) of NOP options (the last one EOL) after its header.
inline bytes with_ip_options(const bytes& p, std::size_t n) {
  bytes q(p.begin(), p.begin() + 20);
  for (std::size_t i = 0; i < n; ++i) q.push_back(i + 1 == n ? 0 : 1);
  q.insert(q.end(), p.begin() + 20, p.end());
  q[0] = static_cast<std::uint8_t>(0x40 | (20 + n) / 4);
  put16(q, 2, static_cast<std::uint16_t>(q.size()));
  put16(q, 10, 0);
  put16(q, 10, csum(q, 0, 20 + n));
  return q;
}

/// Source / destination address of an IPv4 packet.
inline std::uint32_t rd_addr(const bytes& p, std::size_t at) {
  return std::uint32_t{p[at]} << 24 | std::uint32_t{p[at + 1]} << 16 | std::uint32_t{p[at + 2]} << 8 | p[at + 3];
}
inline std::uint32_t rd_src(const bytes& p) { return rd_addr(p, 12); }
inline std::uint32_t rd_dst(const bytes& p) { return rd_addr(p, 16); }

/// One IPv4 fragment of `pkt` (20-byte header) holding payload bytes [a, b), MF set when `more`.
inline bytes fragment_of(const bytes& pkt, std::size_t a, std::size_t b, bool more) {
  bytes f(pkt.begin(), pkt.begin() + 20);
  f.insert(f.end(), pkt.begin() + 20 + static_cast<long>(a), pkt.begin() + 20 + static_cast<long>(b));
  put16(f, 2, static_cast<std::uint16_t>(f.size()));
  put16(f, 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | (a / 8)));
  put16(f, 10, 0);
  put16(f, 10, csum(f, 0, 20));
  return f;
}

/** Profile 3: a packet as IPv4 fragments, in the order and with the defect drawn: in order,
 *  reversed, shuffled, an exact duplicate, a duplicate contained in what came before (in order:
 *  one fragment run, IPFRAG_DUP), a fragment overlapping two others, one fragment missing, a
 *  zero-length middle fragment, or a middle fragment 1-7 bytes longer than the gap to the next
 *  (ip_frag_queue trims it to a multiple of 8). A quarter of the first fragments end inside the
 *  L4 header (8 or 16 bytes). */
inline std::vector<bytes> fragment_plan(rng& r, const bytes& q) {
  const std::size_t n = q.size() - 20;
  std::vector<std::size_t> at = {0};
  std::size_t first = r.pct(25) ? static_cast<std::size_t>(8 * r.range(1, 2)) : 8 * static_cast<std::size_t>(r.range(1, static_cast<std::int64_t>((n - 1) / 8)));
  for (std::size_t c = std::min(first, 8 * ((n - 1) / 8)); c < n && at.size() < 5;
       c += 8 * static_cast<std::size_t>(r.range(1, std::max<std::int64_t>(1, static_cast<std::int64_t>(n / 16)))))
    at.push_back(c);
  at.push_back(n);
  std::vector<bytes> f;
  for (std::size_t i = 0; i + 1 < at.size(); ++i) f.push_back(fragment_of(q, at[i], at[i + 1], i + 2 < at.size()));
  const std::size_t k = f.size();
  auto any = [&](std::size_t m) { return static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(m) - 1)); };
  const int x = static_cast<int>(r.range(0, 99));
  if (x < 35) return f;
  if (x < 50) return std::vector<bytes>(f.rbegin(), f.rend());
  if (x < 60) {
    for (std::size_t i = k - 1; i > 0; --i) std::swap(f[i], f[static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(i)))]);
    return f;
  }
  if (x < 68) {
    const std::size_t i = any(k);
    bytes d = f[i];
    f.insert(f.begin() + static_cast<long>(any(k + 1)), d);
    return f;
  }
  if (x < 78 && k > 2) {  // a piece of the in-order run [0, at[j]) sent before fragment j
    const std::size_t j = 1 + any(k - 1);
    const std::size_t a = 8 * static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(at[j] / 8) - 1));
    const std::size_t b = a + 8 * static_cast<std::size_t>(r.range(1, static_cast<std::int64_t>((at[j] - a) / 8)));
    f.insert(f.begin() + static_cast<long>(j), fragment_of(q, a, b, true));
    return f;
  }
  if (x < 85 && k > 1) {  // overlapping a fragment boundary
    const std::size_t j = 1 + any(k - 1);
    const std::size_t a = at[j] - 8, b = std::min(at[j] + 8, n);
    f.insert(f.begin() + static_cast<long>(any(k + 1)), fragment_of(q, a, b, b < n));
    return f;
  }
  if (x < 93) {
    f.erase(f.begin() + static_cast<long>(any(k)));
    return f;
  }
  if (x < 96 && k > 1) {  // zero-length fragment
    f.insert(f.begin() + static_cast<long>(any(k + 1)), fragment_of(q, at[1], at[1], true));
    return f;
  }
  if (k > 1) {  // a middle fragment running 1-7 bytes into the next
    const std::size_t j = any(k - 1);
    f[j] = fragment_of(q, at[j], std::min(at[j + 1] + static_cast<std::size_t>(r.range(1, 7)), n), true);
  }
  return f;
}

struct world {
  capture& k;
  rng& r;
  bool v2 = false;  ///< fuzz profile 2 (fuzz-5...): more variation; profile 1 draws stay as they were
  bool v3 = false;  ///< fuzz profile 3 (fuzz-11...): profile 2 plus fragmented TCP/UDP/SCTP, SCTP, GRE
  bool v4 = false;  ///< fuzz profile 4 (fuzz-17...): profile 3 plus UDP-Lite, GRE version 1 (PPTP)
  std::uint16_t next_port = 10000;
  std::uint16_t next_id = 1;
  std::uint16_t ipid = 1;
  std::uint32_t next_gre = 0;
  void add(std::int64_t t, const bytes& ip) {
    if (!v2) return k.add(t, with_id(ip, ipid++));
    bytes q = with_id(ip, ipid++);
    if (v3 && q.size() >= 36 && fragmented(q[9])) {
      for (const bytes& f : fragment_plan(r, q)) k.add(t, f, true);
      return;
    }
    if (r.pct(8)) q = with_ip_options(q, r.pct(50) ? 4 : 8);
    k.add(t, q, true);
  }
  /// Profile 3: whether this TCP (7 %), UDP (5 %) or SCTP (8 %) packet goes out in fragments;
  /// profile 4: also UDP-Lite (6 %).
  bool fragmented(std::uint8_t proto) {
    if (proto == 6) return r.pct(7);
    if (proto == 17) return r.pct(5);
    if (proto == 136) return v4 && r.pct(6);
    return proto == 132 && r.pct(8);
  }
  std::uint32_t client() { return ip4("192.0.2.10") + static_cast<std::uint32_t>(r.range(0, 30)); }
  std::uint32_t server() { return ip4("198.51.100.20") + static_cast<std::uint32_t>(r.range(0, 30)); }
  std::uint32_t router_s() { return ip4("198.51.100.254"); }
  std::uint32_t router_c() { return ip4("192.0.2.254"); }
};

/// Timeline of one conversation: bursts and at most three idle gaps.
struct timeline {
  rng& r;
  std::int64_t t;
  std::int64_t burst_start;
  int gaps_left = 3;
  int gap_pct;
  std::int64_t burst_max = ms(85);
  timeline(rng& rr, std::int64_t t0, int gp) : r(rr), t(t0), burst_start(t0), gap_pct(gp) {}
  std::int64_t step() {
    std::int64_t dt = r.pct(80) ? r.range(50, 3000) : r.range(1, 50);  // microseconds
    if (t + dt - burst_start > burst_max) dt = 1;
    t += dt;
    return t;
  }
  bool maybe_gap(int extra_pct = 0) {
    if (gaps_left > 0 && r.pct(gap_pct + extra_pct)) {
      t += pick_gap(r);
      burst_start = t;
      --gaps_left;
      return true;
    }
    return false;
  }
};

struct tcp_side {
  std::uint32_t addr = 0;
  std::uint16_t port = 0;
  std::uint32_t isn = 0;
  std::uint32_t nxt = 0;     // next sequence number to send
  std::uint32_t rcv = 0;     // what it acknowledges (the peer's data it has)
  std::uint16_t win = 0;     // raw window field
  int ws = -1;               // window scale option sent on its SYN (-1: none)
  bool sackp = false, tsopt = false;
  std::uint32_t tsval = 0;
  struct seg { std::uint32_t seq; std::size_t len; std::uint8_t flags; };
  std::vector<seg> sent;
};

struct tcp_conv {
  world& w;
  rng& r;
  timeline& ck;
  tcp_side c, s;
  bool ts = false, sack = false;
  int shift_c = 0, shift_s = 0;  // window shift used by each side when both sent the option
  tcp_conv(world& ww, timeline& cl) : w(ww), r(ww.r), ck(cl) {}

  tcp_side& me(bool c2s) { return c2s ? c : s; }
  tcp_side& peer(bool c2s) { return c2s ? s : c; }

  bytes opts_for(bool c2s, std::uint8_t flags, bool syn_opts, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& sackb = {}) {
    tcp_side& m = me(c2s);
    bytes o;
    if (syn_opts) {
      if (r.pct(85)) { o.push_back(2); o.push_back(4); app16(o, static_cast<std::uint16_t>(r.pct(90) ? 1460 : r.range(1, 9000))); }
      if (m.sackp) { o.push_back(4); o.push_back(2); }
      if (m.tsopt) { o.push_back(8); o.push_back(10); app32(o, m.tsval += static_cast<std::uint32_t>(r.range(1, 50))); app32(o, (flags & A) ? peer(c2s).tsval : 0); }
      if (m.ws >= 0) { o.push_back(1); o.push_back(3); o.push_back(3); o.push_back(static_cast<std::uint8_t>(m.ws)); }
      if (r.pct(3)) { o.push_back(5); o.push_back(1); }  // malformed option length: parsing stops
      return o;
    }
    if (ts && r.pct(97)) {
      o.push_back(1); o.push_back(1); o.push_back(8); o.push_back(10);
      app32(o, m.tsval += static_cast<std::uint32_t>(r.range(0, 30))); app32(o, peer(c2s).tsval);
    }
    if (!sackb.empty() && (sack || r.pct(10))) {
      o.push_back(1); o.push_back(1); o.push_back(5); o.push_back(static_cast<std::uint8_t>(2 + 8 * sackb.size()));
      for (auto [a, b] : sackb) { app32(o, a); app32(o, b); }
    }
    return o;
  }

  /// Send one segment; seq/ack default to the side's tracked values. Advances nxt when `advance`.
  void send(bool c2s, std::uint8_t flags, std::size_t len = 0, std::int64_t seq = -1, std::int64_t ack = -1,
            int win = -1, bool advance = true, bool syn_opts = false,
            const std::vector<std::pair<std::uint32_t, std::uint32_t>>& sackb = {}) {
    tcp_side& m = me(c2s);
    tcp_side& p = peer(c2s);
    std::uint32_t q = seq < 0 ? m.nxt : static_cast<std::uint32_t>(seq);
    std::uint32_t a = ack < 0 ? ((flags & A) ? m.rcv : 0) : static_cast<std::uint32_t>(ack);
    std::uint16_t wv = win < 0 ? m.win : static_cast<std::uint16_t>(win);
    bytes o = opts_for(c2s, flags, syn_opts || (flags & S), sackb);
    w.add(ck.step(), tcp_o(m.addr, p.addr, m.port, p.port, flags, q, a, wv, o, len, c2s ? 'c' : 's'));
    if (seq < 0 && advance) {
      std::uint32_t adv = static_cast<std::uint32_t>(len) + ((flags & (S | F)) ? 1 : 0);
      m.nxt += adv;
      if (len || (flags & (S | F))) m.sent.push_back({q, len, flags});
    }
  }
  void deliver(bool c2s) { peer(c2s).rcv = me(c2s).nxt; }  // the peer has everything
  std::size_t dlen() {
    int x = static_cast<int>(r.range(0, 99));
    if (x < 10) return 1;
    if (x < 55) return static_cast<std::size_t>(r.range(1, 200));
    if (x < 85) return static_cast<std::size_t>(r.range(200, 1460));
    return 1448;
  }
  /// Window in bytes the side advertises (after its scale).
  std::uint64_t wbytes(bool c2s) {
    int sh = c2s ? shift_c : shift_s;
    return std::uint64_t{me(c2s).win} << sh;
  }

  void handshake_options() {
    for (tcp_side* x : {&c, &s}) {
      x->ws = r.pct(60) ? static_cast<int>(r.pct(5) ? 15 : r.range(0, 14)) : -1;
      x->sackp = r.pct(60);
      x->tsopt = r.pct(60);
      x->tsval = r.u32() >> 4;
      x->win = static_cast<std::uint16_t>(r.pct(85) ? r.range(8000, 65535) : r.range(0, 3000));
    }
  }
  void negotiate() {
    ts = c.tsopt && s.tsopt;
    sack = c.sackp && s.sackp;
    if (c.ws >= 0 && s.ws >= 0) {
      shift_c = c.ws > 14 ? 14 : c.ws;
      shift_s = s.ws > 14 ? 14 : s.ws;
    }
  }

  // ------------------------------------------------------------------ phases
  /// Returns false when the conversation ended (refused / never answered).
  bool open() {
    handshake_options();
    c.isn = c.nxt = r.u32();
    s.isn = s.nxt = r.u32();
    int mode = static_cast<int>(r.range(0, 99));
    if (mode < 5) {  // simultaneous open
      send(true, S); send(false, S);
      c.rcv = s.nxt; s.rcv = c.nxt;
      send(true, S | A, 0, c.isn, -1, -1, false); send(false, S | A, 0, s.isn, -1, -1, false);
      negotiate();
      send(true, A); if (r.pct(70)) send(false, A);
      return true;
    }
    bool syn_data = r.pct(4);
    send(true, S, syn_data ? static_cast<std::size_t>(r.range(1, 100)) : 0);
    if (r.pct(15)) { ck.maybe_gap(); send(true, S, 0, c.isn); }  // retransmitted SYN
    if (r.pct(5)) {  // SYN retransmitted with another ISN
      c.isn = c.nxt = r.u32(); send(true, S);
    }
    if (r.pct(6)) {  // never answered
      if (r.pct(50)) { ck.maybe_gap(30); send(true, S, 0, c.isn); }
      return false;
    }
    if (r.pct(5)) {  // refused
      send(false, R | A, 0, 0, c.nxt, 0, false);
      if (r.pct(50)) { ck.maybe_gap(); send(true, S, 0, c.isn); send(false, R | A, 0, 0, c.nxt, 0, false); }
      return false;
    }
    ck.maybe_gap(-5);
    s.rcv = c.nxt;
    if (w.v2 && r.pct(6)) {  // SYN/ACK acking under the lower bound (ignored), RST from either side
      send(false, S | A, 0, -1, c.nxt - static_cast<std::uint32_t>(r.range(70000, 1 << 20)), -1, false);
      bool cli = r.pct(60);
      std::uint32_t far = static_cast<std::uint32_t>(r.range(1 << 20, 1 << 30));
      send(cli, r.pct(70) ? R : R | A, 0, me(cli).nxt + far, r.pct(60) ? 0 : peer(cli).nxt, 0, false);
    }
    if (r.pct(7)) send(false, S | A, 0, -1, c.nxt + static_cast<std::uint32_t>(r.range(-5, 5) == 0 ? 7 : r.range(-5, 5)), -1, false);
    send(false, S | A);
    negotiate();
    c.rcv = s.nxt;
    if (r.pct(6)) send(false, S | A, 0, s.isn);  // SYN/ACK retransmitted
    ck.maybe_gap(-5);
    if (r.pct(88)) send(true, A);
    if (r.pct(4)) send(false, S | A, 0, s.isn);  // late SYN/ACK retransmission
    return true;
  }

  void midstream() {
    handshake_options();
    c.ws = s.ws = -1;
    c.nxt = c.isn = r.u32();
    s.nxt = s.isn = r.u32();
    c.rcv = s.nxt; s.rcv = c.nxt;
    ts = r.pct(40);
    bool who = r.pct(70);
    static const std::vector<std::uint8_t> first = {A, A, P | A, P | A, P | A, F | A, R, R | A, S | A, A | U};
    std::uint8_t f = r.pick(first);
    send(who, f, (f & P) ? dlen() : 0);
    deliver(who);
    if (w.v2 && (f & A) && !(f & (R | S | F)) && r.pct(30)) {  // reply, then an RST before ASSURED
      send(!who, A);
      std::uint32_t off = r.pct(70) ? static_cast<std::uint32_t>(r.range(1, 2000)) : 0;
      send(who, r.pct(70) ? R : R | A, 0, me(who).nxt + off, r.pct(50) ? 0 : me(who).rcv, 0, false);
    }
  }

  void data_event() {
    if (w.v2 && r.pct(2)) {  // malformed header: data offset < 5, or beyond the segment
      bool d = r.pct(50);
      bytes seg = tcp_o(me(d).addr, peer(d).addr, me(d).port, peer(d).port, A, me(d).nxt, me(d).rcv, me(d).win, {}, 0, 'm');
      seg[20 + 12] = static_cast<std::uint8_t>((r.pct(50) ? r.range(0, 4) : r.range(6, 15)) << 4);
      put16(seg, 20 + 16, 0);
      w.add(ck.step(), seg);
      return;
    }
    bool c2s = r.pct(55);
    tcp_side& m = me(c2s);
    int x = static_cast<int>(r.range(0, 99));
    if (x < 38) {  // data, usually acknowledged
      std::size_t len = dlen();
      std::uint8_t fl = A | (r.pct(60) ? P : 0);
      if (r.pct(3)) fl |= U;
      if (r.pct(2)) fl |= E | C;
      send(c2s, fl, len);
      deliver(c2s);
      if (r.pct(70)) send(!c2s, A);
    } else if (x < 46) {  // retransmission of an earlier segment
      if (m.sent.empty()) return;
      auto sg = m.sent[static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(m.sent.size()) - 1))];
      send(c2s, static_cast<std::uint8_t>((sg.flags | A) & ~S), sg.len, sg.seq);
      if (r.pct(50)) send(!c2s, A);
    } else if (x < 51) {  // out of order, then dup ACK with SACK, then the hole
      std::size_t l1 = dlen(), l2 = dlen();
      std::uint32_t s1 = m.nxt;
      send(c2s, P | A, l2, s1 + static_cast<std::uint32_t>(l1));
      send(!c2s, A, 0, -1, -1, -1, true, false, {{s1 + static_cast<std::uint32_t>(l1), s1 + static_cast<std::uint32_t>(l1 + l2)}});
      send(c2s, A, l1, s1);
      m.nxt = s1 + static_cast<std::uint32_t>(l1 + l2);
      m.sent.push_back({s1, l1 + l2, A});
      deliver(c2s);
      if (r.pct(80)) send(!c2s, A);
    } else if (x < 54) {  // immediate duplicate
      std::size_t len = dlen();
      std::uint32_t q = m.nxt;
      send(c2s, P | A, len);
      send(c2s, P | A, len, q);
      deliver(c2s);
      send(!c2s, A);
    } else if (x < 59) {  // beyond the window (a little or far)
      std::uint64_t wb = wbytes(!c2s);
      std::uint32_t off = r.pct(50) ? static_cast<std::uint32_t>(wb + static_cast<std::uint64_t>(r.range(1, 3000)))
                                    : static_cast<std::uint32_t>(r.range(1, 1 << 30));
      send(c2s, P | A, dlen(), me(!c2s).rcv + off);
    } else if (x < 62) {  // below the window
      std::uint32_t back = r.pct(50) ? static_cast<std::uint32_t>(r.range(1, 70000)) : static_cast<std::uint32_t>(r.range(70000, 1 << 30));
      send(c2s, P | A, dlen(), m.nxt - back);
    } else if (x < 66) {  // zero window, probe, window update
      tcp_side& p = peer(c2s);
      std::uint16_t old = p.win;
      p.win = 0;
      send(!c2s, A);
      if (r.pct(50)) ck.maybe_gap();
      if (r.pct(50)) send(c2s, A, 1, m.nxt - 1);
      else send(c2s, A, 1, -1, -1, -1, false);
      send(!c2s, A);
      if (r.pct(30)) send(c2s, P | A, dlen(), -1, -1, -1, false);  // data into the zero window
      p.win = r.pct(70) ? old : static_cast<std::uint16_t>(r.range(1, 4000));
      send(!c2s, A);
    } else if (x < 69) {  // window changes
      m.win = static_cast<std::uint16_t>(r.pct(50) ? r.range(0, 2000) : r.range(2000, 65535));
      send(c2s, A);
    } else if (x < 73) {  // ACK (or SACK) of data not seen
      std::uint32_t ahead = r.pct(50) ? static_cast<std::uint32_t>(r.range(1, 3000)) : static_cast<std::uint32_t>(r.range(3000, 1 << 30));
      if (r.pct(60)) send(c2s, A, 0, -1, m.rcv + ahead);
      else send(c2s, A, 0, -1, -1, -1, true, false, {{m.rcv + ahead, m.rcv + ahead + 100}});
    } else if (x < 76) {  // keepalive
      send(c2s, A, r.pct(50) ? 1 : 0, m.nxt - 1);
      send(!c2s, A);
    } else if (x < 79) {  // SYN in ESTABLISHED, challenge ACK, RST for the challenge
      std::uint32_t isn = r.u32();
      send(true, S, 0, isn);
      if (r.pct(70)) {
        send(false, A);
        if (r.pct(60)) send(true, R, 0, c.rcv == s.nxt ? static_cast<std::int64_t>(s.rcv) : static_cast<std::int64_t>(isn + 1), 0, 0, false);
      }
    } else if (x < 82) {  // invalid / unusual flag combination
      static const std::vector<std::uint8_t> fl = {0, S | F, S | R, F | R, S | F | R, U, P, F | P | U, S | A | F, S | A | R | F,
                                                   F, E, C, 0xff, 0x3f, S | U, R | P | A, A | F | U | P | R};
      std::uint8_t f = r.pct(80) ? r.pick(fl) : static_cast<std::uint8_t>(r.range(0, 255));
      send(c2s, f, (f & P) ? dlen() : 0, -1, -1, -1, false);
    } else if (x < 88) {  // RST variants (the conversation may go on regardless)
      int v = static_cast<int>(r.range(0, 5));
      std::uint32_t q = m.nxt;
      if (v == 1) q += static_cast<std::uint32_t>(r.range(1, 2000));
      if (v == 2) q += static_cast<std::uint32_t>(r.range(1 << 20, 1 << 30));
      if (v == 3) q -= static_cast<std::uint32_t>(r.range(1, 1 << 30));
      if (v == 4) { send(c2s, R | A, 0, q, m.rcv, 0, false); return; }
      if (v == 5) { send(c2s, R | A, 0, q, m.rcv + static_cast<std::uint32_t>(r.range(1, 100000)), 0, false); return; }
      send(c2s, R, 0, q, 0, 0, false);
    } else if (x < 94) {  // pure ACK
      send(c2s, A);
    } else {  // idle gap
      ck.maybe_gap(60);
    }
  }

  void close() {
    int x = static_cast<int>(r.range(0, 99));
    auto fin = [&](bool c2s) {
      send(c2s, F | A, r.pct(15) ? dlen() : 0);
      if (r.pct(10)) { ck.maybe_gap(); send(c2s, F | A, 0, me(c2s).nxt - 1, -1, -1, false); }  // FIN retransmitted
    };
    if (x < 30 || (x >= 85 && x < 95)) {  // one side first, the other later
      bool first = x < 22 || x >= 85;
      fin(first);
      deliver(first);
      if (r.pct(80)) send(!first, A);
      ck.maybe_gap(5);
      if (r.pct(30)) { send(!first, P | A, dlen()); deliver(!first); if (r.pct(70)) send(first, A); }
      if (r.pct(85)) {
        fin(!first);
        deliver(!first);
        ck.maybe_gap(-5);
        if (r.pct(85)) send(first, A);
      }
      if (x >= 85) {  // reopen from TIME_WAIT/CLOSE by either side
        ck.maybe_gap(10);
        bool by_client = r.pct(70);
        tcp_side& o = me(by_client);
        tcp_side& p = peer(by_client);
        o.isn = o.nxt = r.pct(50) ? o.nxt + static_cast<std::uint32_t>(r.range(1, 1 << 20)) : r.u32();
        send(by_client, S);
        p.rcv = o.nxt;
        if (r.pct(85)) {
          p.isn = p.nxt = r.u32();
          send(!by_client, S | A);
          o.rcv = p.nxt;
          send(by_client, A);
          send(by_client, P | A, dlen());
          deliver(by_client);
          send(!by_client, A);
        }
      }
    } else if (x < 40) {  // simultaneous FIN
      send(true, F | A); send(false, F | A);
      c.rcv = s.nxt; s.rcv = c.nxt;
      send(true, A); if (r.pct(70)) send(false, A);
    } else if (x < 55) {  // RST close
      bool c2s = r.pct(50);
      if (r.pct(50)) send(c2s, R, 0, -1, 0, 0, false);
      else send(c2s, R | A, 0, -1, -1, 0, false);
    } else if (x < 60) {  // FIN then RST
      bool c2s = r.pct(50);
      fin(c2s);
      deliver(c2s);
      send(!c2s, R, 0, -1, 0, 0, false);
    }
    // else: no close
    if (r.pct(25)) {  // late packets (maybe after an idle gap): pickup, TIME_WAIT / CLOSE handling
      ck.maybe_gap(40);
      bool c2s = r.pct(50);
      static const std::vector<std::uint8_t> fl = {A, P | A, F | A, R, R | A, S};
      std::uint8_t f = r.pick(fl);
      send(c2s, f, (f & P) ? dlen() : 0, (f & S) ? static_cast<std::int64_t>(r.u32()) : -1);
      if (r.pct(60)) send(!c2s, A);
    }
  }
};

/// A TCP conversation's tuple and how it ended (for profile 2's tuple reuse).
struct tcp_record {
  std::uint32_t c = 0, s = 0;
  std::uint16_t cp = 0, sp = 0;
  std::int64_t end = 0;
  int gaps = 0;  ///< idle gaps from the first conversation on this tuple to `end`
};

inline tcp_record tcp_conversation(world& w, std::int64_t t0, const tcp_record* prev = nullptr) {
  rng& r = w.r;
  timeline ck(r, t0, 8);
  if (w.v2) ck.burst_max = ms(50);
  if (prev) ck.gaps_left = std::min(3, 5 - prev->gaps);
  tcp_conv cv(w, ck);
  if (prev) {
    cv.c.addr = prev->c; cv.s.addr = prev->s; cv.c.port = prev->cp; cv.s.port = prev->sp;
  } else {
    cv.c.addr = w.client();
    cv.s.addr = w.server();
    cv.c.port = w.next_port++;
    static const std::vector<std::uint16_t> sp = {80, 443, 22, 25, 8080, 3306, 5001};
    cv.s.port = r.pct(80) ? r.pick(sp) : static_cast<std::uint16_t>(r.range(1024, 65535));
  }
  tcp_record rec{cv.c.addr, cv.s.addr, cv.c.port, cv.s.port, 0, 0};
  const int gaps0 = ck.gaps_left;
  auto done = [&] {
    rec.end = ck.t;
    rec.gaps = (prev ? prev->gaps + 1 : 0) + (gaps0 - ck.gaps_left);
    return rec;
  };
  bool mid = r.pct(15);
  if (mid) cv.midstream();
  else if (!cv.open()) return done();
  int n = static_cast<int>(r.range(1, 18));
  for (int i = 0; i < n; ++i) {
    ck.maybe_gap(-6);
    cv.data_event();
  }
  cv.close();
  if (r.pct(8)) {  // an ICMP error quoting one of this connection's segments (live or dead)
    ck.maybe_gap(20);
    bool c2s = r.pct(50);
    tcp_side& m = cv.me(c2s);
    tcp_side& p = cv.peer(c2s);
    bytes q = tcp_o(m.addr, p.addr, m.port, p.port, P | A, m.nxt, m.rcv, m.win, {}, 20, 'q');
    std::uint32_t from = r.pct(50) ? p.addr : (c2s ? w.router_s() : w.router_c());
    std::uint32_t to = r.pct(85) ? m.addr : (c2s ? w.client() : w.server());
    w.add(ck.step(), icmp(from, to, r.pct(60) ? 3 : 11, r.pct(60) ? 3 : 0, 0, head(q, 28 + static_cast<std::size_t>(r.range(0, 20)))));
  }
  return done();
}

inline void udp_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 15);
  std::uint32_t C = w.client(), Sv = w.server();
  std::uint16_t cp = w.next_port++;
  static const std::vector<std::uint16_t> sps = {53, 123, 161, 443, 500, 5060, 4500};
  std::uint16_t sp = r.pct(80) ? r.pick(sps) : static_cast<std::uint16_t>(r.range(1024, 65535));
  auto snd = [&](bool c2s, std::size_t len) {
    int lf = r.pct(2) ? static_cast<int>(r.range(0, 80)) : -1;
    if (c2s) w.add(ck.step(), udp(C, Sv, cp, sp, fill(len, 'u'), lf));
    else w.add(ck.step(), udp(Sv, C, sp, cp, fill(len, 'v'), lf));
  };
  int kind = static_cast<int>(r.range(0, 99));
  int n = static_cast<int>(r.range(1, 10));
  bool first = kind < 90;  // client first, else server first
  for (int i = 0; i < n; ++i) {
    if (i) ck.maybe_gap();
    if (kind < 25) snd(first, static_cast<std::size_t>(r.range(0, 300)));        // one way
    else if (kind < 70) {                                                          // request/response
      snd(first, static_cast<std::size_t>(r.range(0, 300)));
      if (r.pct(85)) snd(!first, static_cast<std::size_t>(r.range(0, 1200)));
    } else {                                                                       // stream (both ways)
      for (int j = static_cast<int>(r.range(1, 4)); j > 0; --j) snd(r.pct(50), static_cast<std::size_t>(r.range(0, 1200)));
    }
  }
  if (r.pct(20)) {  // an ICMP error quoting the flow (live or after a gap)
    ck.maybe_gap(10);
    bool c2s = r.pct(60);
    bytes q = c2s ? udp(C, Sv, cp, sp, fill(12, 'u')) : udp(Sv, C, sp, cp, fill(12, 'v'));
    std::uint32_t from = r.pct(60) ? (c2s ? Sv : C) : (c2s ? w.router_s() : w.router_c());
    std::uint32_t to = r.pct(85) ? (c2s ? C : Sv) : (c2s ? w.client() : w.server());
    w.add(ck.step(), icmp(from, to, r.pct(70) ? 3 : 11, r.pct(70) ? 3 : 0, 0, head(q, static_cast<std::size_t>(r.pct(80) ? 28 : 40))));
  }
}

inline void icmp_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 15);
  std::uint32_t C = w.client(), Sv = w.server();
  std::uint16_t id = w.next_id++;
  int n = static_cast<int>(r.range(1, 6));
  for (int i = 0; i < n; ++i) {
    if (i) ck.maybe_gap();
    std::uint16_t sq = static_cast<std::uint16_t>(i + 1);
    std::size_t len = static_cast<std::size_t>(r.range(0, 64));
    int x = static_cast<int>(r.range(0, 99));
    if (x < 70) {
      std::uint8_t qc = 0, rc = 0;
      if (w.v2 && r.pct(25)) qc = static_cast<std::uint8_t>(r.range(1, 15));
      rc = (w.v2 && r.pct(20)) ? static_cast<std::uint8_t>(r.range(0, 3)) : qc;
      w.add(ck.step(), icmp(C, Sv, 8, qc, idseq(id, sq), fill(len, 'e')));
      if (r.pct(85)) w.add(ck.step(), icmp(Sv, C, 0, rc, idseq(id, sq), fill(len, 'e')));
      if (r.pct(10)) w.add(ck.step(), icmp(Sv, C, 0, rc, idseq(id, sq), fill(len, 'E')));  // duplicate reply
      if (w.v2 && r.pct(15)) {  // an error quoting the request, its code kept or changed
        bytes q = icmp(C, Sv, 8, r.pct(70) ? qc : static_cast<std::uint8_t>(qc ^ 1), idseq(id, sq), fill(len, 'e'), 1);
        w.add(ck.step(), icmp(w.router_s(), C, 11, 0, 0, head(q, 28)));
      }
    } else if (x < 80) {
      w.add(ck.step(), icmp(Sv, C, 0, 0, idseq(static_cast<std::uint16_t>(id + 20000), sq), fill(len, 'o')));  // orphan reply
    } else if (x < 90) {  // time exceeded from a router quoting the request
      bytes q = icmp(C, Sv, 8, 0, idseq(id, sq), fill(len, 'e'), 1);
      w.add(ck.step(), q);
      w.add(ck.step(), icmp(w.router_s(), C, 11, 0, 0, head(q, 28)));
    } else {  // the server pings the client
      w.add(ck.step(), icmp(Sv, C, 8, 0, idseq(id, sq), fill(len, 'f')));
      if (r.pct(80)) w.add(ck.step(), icmp(C, Sv, 0, 0, idseq(id, sq), fill(len, 'f')));
    }
  }
}

inline void fragment_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 0);
  std::uint32_t C = w.client(), Sv = w.server();
  std::uint16_t cp = w.next_port++;
  std::uint16_t fid = static_cast<std::uint16_t>(0x4000 + w.next_id++);
  bool is_icmp = r.pct(30);
  bytes dg = is_icmp ? icmp(C, Sv, 8, 0, idseq(static_cast<std::uint16_t>(fid), 1), fill(static_cast<std::size_t>(r.range(600, 2400)), 'g'))
                     : udp(C, Sv, cp, 53, fill(static_cast<std::size_t>(r.range(600, 2400)), 'g'));
  std::size_t n = dg.size() - 20;
  std::vector<std::size_t> cuts;
  for (std::size_t at = 8 * static_cast<std::size_t>(r.range(40, 80)); at < n; at += 8 * static_cast<std::size_t>(r.range(40, 80)))
    cuts.push_back(at);
  auto f = fragments(dg, fid, cuts);
  int order = static_cast<int>(r.range(0, 9));
  // fragments keep their datagram's IP id (world::add would renumber them)
  if (order < 6) for (auto& x : f) w.k.add(ck.step(), x);
  else if (order < 8) for (auto it = f.rbegin(); it != f.rend(); ++it) w.k.add(ck.step(), *it);
  else { w.k.add(ck.step(), f[0]); for (auto& x : f) w.k.add(ck.step(), x); }  // first fragment duplicated
  if (r.pct(80)) {
    if (is_icmp) w.add(ck.step(), icmp(Sv, C, 0, 0, idseq(static_cast<std::uint16_t>(fid), 1), fill(40, 'h')));
    else w.add(ck.step(), udp(Sv, C, 53, cp, fill(static_cast<std::size_t>(r.range(10, 400)), 'h')));
  }
}

/// Profile 2: odd ICMP / IP / UDP / TCP headers around a live UDP flow.
inline void odd_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 0);
  ck.burst_max = ms(50);
  std::uint32_t C = w.client(), Sv = w.server();
  std::uint16_t cp = w.next_port++;
  const bytes req = udp(C, Sv, cp, 53, fill(20, 'o'));
  w.add(ck.step(), req);
  if (r.pct(80)) w.add(ck.step(), udp(Sv, C, 53, cp, fill(40, 'p')));
  switch (r.range(0, 11)) {
    case 0: {  // ICMP shorter than its 8-byte header
      bytes m = icmp(Sv, C, 3, 3, 0, head(req, 28));
      bytes t(m.begin(), m.begin() + 24);
      put16(t, 2, 24);
      put16(t, 10, 0);
      put16(t, 10, csum(t, 0, 20));
      w.add(ck.step(), t);
      break;
    }
    case 1: w.add(ck.step(), icmp(C, Sv, static_cast<std::uint8_t>(r.pick(std::vector<int>{19, 40, 42, 250})), 0, 0, fill(8, 0))); break;
    case 2: {  // error quoting a non-first fragment of the flow's datagram
      bytes q = req;
      put16(q, 6, static_cast<std::uint16_t>(r.range(1, 100)));
      put16(q, 10, 0);
      put16(q, 10, csum(q, 0, 20));
      w.add(ck.step(), icmp(Sv, C, 3, 3, 0, head(q, 28)));
      break;
    }
    case 3: {  // error quoting an ICMP error
      bytes e = icmp(Sv, C, 3, 3, 0, head(req, 28));
      w.add(ck.step(), icmp(w.router_s(), Sv, 11, 0, 0, head(e, 28)));
      break;
    }
    case 4: w.add(ck.step(), icmp(Sv, C, 3, 3, 0, head(req, static_cast<std::size_t>(r.range(20, 23))))); break;
    case 5: w.add(ck.step(), icmp(Sv, C, 3, 3, 0, head(with_ip_options(req, 8), 36))); break;
    case 6: w.add(ck.step(), icmp(Sv, C, static_cast<std::uint8_t>(r.pick(std::vector<int>{4, 5, 12})), 0, 0, head(req, 28))); break;
    case 7: {  // TCP whose IP length cuts the TCP header
      bytes t = tcp(C, Sv, w.next_port++, 80, "S", r.u32(), 0, 1000);
      bytes u(t.begin(), t.begin() + 20 + r.range(8, 19));
      put16(u, 2, static_cast<std::uint16_t>(u.size()));
      put16(u, 10, 0);
      put16(u, 10, csum(u, 0, 20));
      w.add(ck.step(), u);
      break;
    }
    case 8: w.add(ck.step(), udp(C, Sv, cp, 53, fill(10, 'x'), static_cast<int>(r.range(0, 7)))); break;
    case 9: w.add(ck.step(), udp(C, Sv, cp, 53, fill(10, 'x'), static_cast<int>(r.range(19, 200)))); break;
    case 10: w.add(ck.step(), icmp(Sv, C, 3, static_cast<std::uint8_t>(r.range(0, 255)), 0, head(req, 28))); break;
    default: {  // error from the server to the client quoting the client's packet, reversed quote
      bytes q = udp(Sv, C, 53, cp, fill(20, 'o'));
      w.add(ck.step(), icmp(Sv, C, 3, 3, 0, head(q, 28)));
      break;
    }
  }
  if (r.pct(50)) w.add(ck.step(), udp(C, Sv, cp, 53, fill(5, 'z')));
}

/// Profile 3: an SCTP association (INIT / INIT ACK / COOKIE ECHO / COOKIE ACK, mid-stream
/// starts, DATA / SACK / HEARTBEAT / ERROR, wrong tags, restarts, ABORT, SHUTDOWN) and maybe an
/// ICMP error quoting it.
struct sctp_conv {
  world& w;
  rng& r;
  timeline& ck;
  std::uint32_t C, S;
  std::uint16_t cp, sp;
  std::uint32_t tag[2] = {0, 0};  ///< initiate tags: [0] the client's (carried s2c), [1] the server's
  std::uint32_t tsn[2] = {0, 0};
  bytes last;  ///< the last packet sent (quoted by an ICMP error)

  std::uint32_t vt(bool c2s) const { return c2s ? tag[1] : tag[0]; }
  std::uint32_t new_tag() { return r.u32() | 1; }
  void send(bool c2s, std::uint32_t vtag, const bytes& chunks) {
    last = c2s ? sctp(C, S, cp, sp, vtag, chunks) : sctp(S, C, sp, cp, vtag, chunks);
    w.add(ck.step(), last);
  }
  bytes data(bool c2s) {
    std::size_t len = static_cast<std::size_t>(r.pct(15) ? r.range(600, 1400) : r.range(1, 200));
    return data_chunk(tsn[c2s ? 0 : 1]++, fill(len, c2s ? 'c' : 's'));
  }
  bytes sack(bool c2s) { return sack_chunk(tsn[c2s ? 1 : 0] - 1); }
  static bytes cat(bytes a, const bytes& b) { a.insert(a.end(), b.begin(), b.end()); return a; }
  bytes hb() { bytes v{0, 1, 0, 12}; app32(v, r.u32()); app32(v, r.u32()); return v; }

  /// INIT from `c2s`'s side, INIT ACK, COOKIE ECHO, COOKIE ACK; false when it ended.
  bool handshake(bool c2s) {
    const int a = c2s ? 0 : 1, b = 1 - a;
    tag[a] = new_tag();
    tsn[a] = r.u32();
    send(c2s, 0, init_chunk(1, tag[a], tsn[a]));
    if (r.pct(15)) { ck.maybe_gap(); send(c2s, 0, init_chunk(1, tag[a], tsn[a])); }
    if (r.pct(6)) { if (r.pct(50)) { ck.maybe_gap(30); send(c2s, 0, init_chunk(1, tag[a], tsn[a])); } return false; }
    if (r.pct(5)) {  // refused: ABORT with the INIT's tag, or with the T bit and tag 0
      if (r.pct(60)) send(!c2s, tag[a], chunk(6, {})); else send(!c2s, 0, chunk(6, {}, 1));
      if (r.pct(40)) { ck.maybe_gap(); send(c2s, 0, init_chunk(1, tag[a], tsn[a])); }
      return false;
    }
    ck.maybe_gap(-5);
    tag[b] = new_tag();
    tsn[b] = r.u32();
    send(!c2s, tag[a], init_chunk(2, tag[b], tsn[b]));
    if (r.pct(5)) { tag[b] = new_tag(); send(!c2s, tag[a], init_chunk(2, tag[b], tsn[b])); }
    ck.maybe_gap(-5);
    const bytes cookie = chunk(10, fill(static_cast<std::size_t>(r.range(8, 64)), 'k'));
    send(c2s, tag[b], r.pct(20) ? cat(cookie, data(c2s)) : cookie);
    if (r.pct(10)) send(c2s, tag[b], cookie);  // COOKIE ECHO retransmitted
    if (r.pct(92)) send(!c2s, tag[a], r.pct(15) ? cat(chunk(11, {}), sack(!c2s)) : chunk(11, {}));
    return true;
  }
  void midstream() {
    tag[0] = new_tag(); tag[1] = new_tag();
    tsn[0] = r.u32(); tsn[1] = r.u32();
    const bool who = r.pct(70);
    const int x = static_cast<int>(r.range(0, 3));
    if (x == 0) send(who, vt(who), data(who));
    else if (x == 1) send(who, vt(who), sack(who));
    else if (x == 2) send(who, vt(who), chunk(4, hb()));
    else send(who, vt(who), chunk(7, bytes{0, 0, 0, 1}));
    if (r.pct(70)) send(!who, vt(!who), x == 2 ? chunk(5, hb()) : sack(!who));
  }
  void event() {
    const bool d = r.pct(55);
    const int x = static_cast<int>(r.range(0, 99));
    if (x < 35) { send(d, vt(d), data(d)); if (r.pct(80)) send(!d, vt(!d), sack(!d)); }
    else if (x < 43) { bytes b = data(d); b = cat(b, data(d)); send(d, vt(d), r.pct(50) ? cat(sack(d), b) : b); }
    else if (x < 53) { const bytes h = hb(); send(d, vt(d), chunk(4, h)); if (r.pct(80)) send(!d, vt(!d), chunk(5, h)); }
    else if (x < 57) { const bytes h = hb(); send(d, new_tag(), chunk(4, h)); if (r.pct(60)) send(!d, vt(!d), chunk(5, h)); }
    else if (x < 63) send(d, r.pct(50) ? new_tag() : 0, data(d));
    else if (x < 66) send(d, vt(d), chunk(9, bytes{0, 1, 0, 4}));
    else if (x < 71) {  // restart: a new INIT on the same ports (vtag 0), maybe answered
      tag[0] = new_tag();
      send(true, 0, init_chunk(1, tag[0], tsn[0]));
      if (r.pct(60)) { send(false, tag[0], init_chunk(2, tag[1], tsn[1])); send(true, tag[1], chunk(10, fill(16, 'k'))); send(false, tag[0], chunk(11, {})); }
    } else if (x < 75) {  // ABORT, then the other side goes on (or not)
      if (r.pct(70)) send(d, vt(d), chunk(6, {})); else send(d, vt(!d), chunk(6, {}, 1));
      if (r.pct(50)) send(!d, vt(!d), data(!d));
    } else if (x < 78) send(d, vt(d), chunk(10, fill(16, 'k')));  // COOKIE ECHO in ESTABLISHED
    else if (x < 81) send(d, vt(d), r.pct(50) ? bytes{} : bytes{0, 3, 0, 0});  // no chunk / zero-length chunk
    else if (x < 84) send(d, vt(d), cat(chunk(7, bytes{0, 0, 0, 1}), data(d)));  // SHUTDOWN bundled
    else ck.maybe_gap(60);
  }
  void close() {
    const bool d = r.pct(60);
    const int x = static_cast<int>(r.range(0, 99));
    if (x < 50) {
      bytes cum;
      app32(cum, tsn[d ? 1 : 0] - 1);
      send(d, vt(d), chunk(7, cum));
      if (r.pct(10)) { ck.maybe_gap(); send(d, vt(d), chunk(7, cum)); }
      if (r.pct(90)) {
        send(!d, vt(!d), chunk(8, {}));
        if (r.pct(85)) { if (r.pct(85)) send(d, vt(d), chunk(14, {})); else send(d, vt(!d), chunk(14, {}, 1)); }
      }
    } else if (x < 65) {
      if (r.pct(70)) send(d, vt(d), chunk(6, {})); else send(d, vt(!d), chunk(6, {}, 1));
    }
    if (r.pct(20)) { ck.maybe_gap(40); const bool e = r.pct(50); send(e, vt(e), r.pct(70) ? data(e) : chunk(4, hb())); }
  }
};

inline void sctp_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 10);
  ck.burst_max = ms(50);
  static const std::vector<std::uint16_t> sps = {3868, 2905, 36412, 9899, 5060};
  sctp_conv cv{w, r, ck, w.client(), w.server(), w.next_port++, r.pick(sps), {0, 0}, {0, 0}, {}};
  const int m = static_cast<int>(r.range(0, 99));
  bool open = true;
  if (m < 80) open = cv.handshake(true);
  else if (m < 88) open = cv.handshake(false);
  else cv.midstream();
  if (open) {
    for (int i = static_cast<int>(r.range(1, 10)); i > 0; --i) {
      ck.maybe_gap(-6);
      cv.event();
    }
    cv.close();
  }
  if (r.pct(12)) {  // an ICMP error quoting the last packet, to its sender (mostly)
    ck.maybe_gap(20);
    const bytes& q = cv.last;
    const bool from_client = rd_src(q) == cv.C;
    const std::uint32_t from = r.pct(50) ? rd_dst(q) : (from_client ? w.router_s() : w.router_c());
    const std::uint32_t to = r.pct(85) ? rd_src(q) : (from_client ? w.client() : w.server());
    w.add(ck.step(), icmp(from, to, 3, r.pct(50) ? 3 : 2, 0, head(q, 28 + static_cast<std::size_t>(r.range(0, 20)))));
  }
}

/// Profile 4: a UDP-Lite flow (nf_conntrack_proto_udp.c: keyed by its ports; udplite_error()
/// rejects a checksum coverage other than 0 or 8..length and a zero checksum; the UDP timeouts
/// without the 2 s rule): one way, request/response or both ways, idle gaps, ICMP errors quoting
/// it. The checksums are not computed (runs use --checksum 0).
inline void udplite_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 20);
  const std::uint32_t C = w.client(), Sv = w.server();
  const std::uint16_t cp = w.next_port++;
  const std::uint16_t sp = r.pct(70) ? 5004 : static_cast<std::uint16_t>(r.range(1024, 65535));
  auto lite = [&](bool c2s, std::size_t len) {
    bytes u(8, 0);
    put16(u, 0, c2s ? cp : sp);
    put16(u, 2, c2s ? sp : cp);
    std::uint16_t cov = 0;
    const int x = static_cast<int>(r.range(0, 99));
    if (x < 15) cov = static_cast<std::uint16_t>(r.range(8, 8 + static_cast<std::int64_t>(len)));
    else if (x < 19) cov = static_cast<std::uint16_t>(r.pct(50) ? r.range(1, 7) : 9 + static_cast<std::int64_t>(len) + r.range(0, 20));
    put16(u, 4, cov);
    put16(u, 6, r.pct(3) ? 0 : static_cast<std::uint16_t>(r.range(1, 65535)));
    u.insert(u.end(), len, static_cast<std::uint8_t>('l'));
    return c2s ? ipv4(C, Sv, 136, u) : ipv4(Sv, C, 136, u);
  };
  const int kind = static_cast<int>(r.range(0, 99));
  const bool first = kind < 90;
  bytes last;
  for (int i = static_cast<int>(r.range(1, 8)); i > 0; --i) {
    ck.maybe_gap();
    const int m = kind < 25 ? 0 : kind < 70 ? 1 : 2;  // one way, request/response, both ways
    for (int j = m == 2 ? static_cast<int>(r.range(1, 4)) : 1; j > 0; --j) {
      const bool d = m == 2 ? r.pct(50) : first;
      last = lite(d, static_cast<std::size_t>(r.range(0, 1200)));
      w.add(ck.step(), last);
      if (m == 1 && r.pct(85)) w.add(ck.step(), lite(!first, static_cast<std::size_t>(r.range(0, 1200))));
    }
  }
  if (r.pct(40)) {  // an ICMP error quoting the flow (live or after a gap)
    ck.maybe_gap(30);
    const bool c2s = r.pct(60);
    const bytes q = lite(c2s, 12);
    const std::uint32_t from = r.pct(60) ? (c2s ? Sv : C) : (c2s ? w.router_s() : w.router_c());
    w.add(ck.step(), icmp(from, c2s ? C : Sv, 3, r.pct(70) ? 3 : 1, 0, head(q, 28)));
  }
}

/// Profile 3: a GRE version 0 flow between an address pair of its own (conntrack keys GRE v0 on
/// the addresses only), with or without key / sequence number, one way or both, idle gaps, and
/// ICMP errors quoting it (from the peer or a router).
inline void gre_conversation(world& w, std::int64_t t0) {
  rng& r = w.r;
  timeline ck(r, t0, 25);
  ck.burst_max = ms(50);
  const std::uint32_t g = w.next_gre++;
  const std::uint32_t C = ip4("192.0.2.64") + g % 64, S = ip4("198.51.100.64") + (g / 64) % 64;
  const int mode = static_cast<int>(r.range(0, 2));  // 0: no key, 1: key, 2: key and sequence
  const std::uint32_t key[2] = {r.u32(), r.pct(70) ? r.u32() : 0};
  std::uint32_t seq[2] = {0, 0};
  // profile 4: half the flows are GRE version 1 (PPTP: the key is the peer's call id; conntrack
  // keys them by call id), call ids 0 both ways now and then, a flow carrying IPv4 instead of PPP
  // (no conntrack tuple), a second call on the same address pair
  const bool v1 = w.v4 && r.pct(50);
  std::uint16_t call[2] = {0, 0};
  bool ppp = true;
  if (v1) {
    if (!r.pct(15)) {
      call[0] = static_cast<std::uint16_t>(r.range(1, 65535));
      call[1] = static_cast<std::uint16_t>(r.range(1, 65535));
    }
    ppp = !r.pct(5);
  }
  auto pkt1 = [&](bool c2s) {
    const int d = c2s ? 0 : 1;
    const bool ack = r.pct(30);
    bytes h{static_cast<std::uint8_t>(mode == 2 ? 0x30 : 0x20), static_cast<std::uint8_t>(ack ? 0x81 : 0x01)};
    app16(h, ppp ? 0x880b : 0x0800);
    const std::size_t len = static_cast<std::size_t>(r.range(0, 300));
    app16(h, static_cast<std::uint16_t>(len));
    app16(h, call[d]);
    if (mode == 2) app32(h, seq[d]++);
    if (ack) app32(h, seq[1 - d]);
    h.insert(h.end(), len, static_cast<std::uint8_t>(0x21));
    return c2s ? ipv4(C, S, 47, h) : ipv4(S, C, 47, h);
  };
  auto pkt = [&](bool c2s) {
    if (v1) {
      if (r.pct(8)) ++call[c2s ? 0 : 1];  // another call on the same address pair
      return pkt1(c2s);
    }
    bytes h{static_cast<std::uint8_t>(mode == 0 ? 0 : mode == 1 ? 0x20 : 0x30), 0, 0x08, 0x00};
    if (mode > 0) app32(h, key[c2s ? 0 : 1]);
    if (mode > 1) app32(h, seq[c2s ? 0 : 1]++);
    const bytes in = udp(ip4("10.200.0.1"), ip4("10.200.0.2"), 4000, 5000, fill(static_cast<std::size_t>(r.range(0, 300)), 'g'));
    h.insert(h.end(), in.begin(), in.end());
    return c2s ? ipv4(C, S, 47, h) : ipv4(S, C, 47, h);
  };
  auto error = [&](const bytes& q, bool c2s) {
    const std::uint32_t from = r.pct(50) ? (c2s ? S : C) : (c2s ? w.router_s() : w.router_c());
    const std::uint32_t to = r.pct(90) ? (c2s ? C : S) : (c2s ? w.client() : w.server());
    static const std::vector<std::pair<int, int>> tc = {{3, 3}, {3, 2}, {3, 1}, {11, 0}, {3, 4}};
    const auto [ty, co] = r.pick(tc);
    w.add(ck.step(), icmp(from, to, static_cast<std::uint8_t>(ty), static_cast<std::uint8_t>(co), 0,
                          head(q, 24 + static_cast<std::size_t>(r.range(0, 24)))));
  };
  const bool replies = r.pct(65), server_first = r.pct(10);
  bytes lastq[2];
  for (int i = static_cast<int>(r.range(1, 8)); i > 0; --i) {
    if (ck.maybe_gap()) { if (r.pct(30)) { const bool d = r.pct(60); error(pkt(d), d); } }
    const bool first = !server_first;
    lastq[first ? 0 : 1] = pkt(first);
    w.add(ck.step(), lastq[first ? 0 : 1]);
    if (replies && r.pct(75)) { lastq[first ? 1 : 0] = pkt(!first); w.add(ck.step(), lastq[first ? 1 : 0]); }
  }
  if (r.pct(50)) {
    ck.maybe_gap(50);
    const bool d = lastq[1].empty() || r.pct(60);
    error(d ? lastq[0].empty() ? pkt(true) : lastq[0] : lastq[1], d);
  }
}

/// One fuzz capture: `n` conversations starting within `span_s` capture seconds.
/// `profile`: 1, 2 (v2), 3 (v2 + fragmented TCP/UDP/SCTP packets, SCTP and GRE conversations) or
/// 4 (3 + UDP-Lite conversations and GRE version 1 flows).
inline capture make(std::uint64_t seed, int n, int span_s, bool v2 = false, int profile = 0) {
  capture k;
  rng r(seed);
  world w{k, r};
  w.v2 = v2 || profile >= 3;
  w.v3 = profile >= 3;
  w.v4 = profile == 4;
  v2 = w.v2;
  std::vector<tcp_record> ended;
  for (int i = 0; i < n; ++i) {
    std::int64_t t0 = r.range(0, sec(span_s));
    int x = static_cast<int>(r.range(0, 99));
    if (w.v3) {  // profile 3: 50 % TCP, then UDP, ICMP, odd, UDP/ICMP fragments, SCTP, GRE
      if (x >= 72) {  // profile 4: SCTP 15 %, GRE 6 %, UDP-Lite 7 %
        if (w.v4 && x >= 93) udplite_conversation(w, t0);
        else if (x < 87) sctp_conversation(w, t0);
        else gre_conversation(w, t0);
        continue;
      }
      if (x >= 50) x = x < 60 ? 70 : x < 67 ? 85 : x < 69 ? 97 : 99;
    }
    if (v2 && x < 70 && !ended.empty() && r.pct(15)) {  // the tuple of an earlier TCP conversation
      std::size_t j = static_cast<std::size_t>(r.range(0, static_cast<std::int64_t>(ended.size()) - 1));
      if (ended[j].gaps <= 4) {
        tcp_record prev = ended[j];
        ended[j] = tcp_conversation(w, prev.end + pick_gap(r), &prev);
        continue;
      }
    }
    if (x < 70) {
      tcp_record rec = tcp_conversation(w, t0);
      if (v2) ended.push_back(rec);
    } else if (x < 85) udp_conversation(w, t0);
    else if (x < 96 || (v2 && x < 97)) icmp_conversation(w, t0);
    else if (v2 && x < 99) odd_conversation(w, t0);
    else fragment_conversation(w, t0);
  }
  return k;
}

}  // namespace fuzz

/// Directed cases found by reading the kernel next to the fuzz runs (speedup 1, defaults, loose 0
/// and 1, --client-net 192.0.2.0/24 --server-net 198.51.100.0/24):
/// the ICMP code is part of conntrack's ICMP tuple (icmp_pkt_to_tuple, nf_ct_invert_tuple keep
/// it), and an RST in an ESTABLISHED entry that is not ASSURED is judged by
/// nf_conntrack_tcp_established() (ESTABLISHED *and* ASSURED) -> CLOSE even when inexact.
inline capture fuzz_directed() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20"), R = ip4("198.51.100.254");
  // E1: echo request code 0, replies with code 1 (no entry) and code 0
  k.add(0, icmp(C, S, 8, 0, idseq(0x501, 1), fill(16, 'a')));
  k.add(ms(1), icmp(S, C, 0, 1, idseq(0x501, 1), fill(16, 'a')));
  k.add(ms(2), icmp(S, C, 0, 0, idseq(0x501, 1), fill(16, 'a')));
  // E2: echo request code 3, replies with code 3 and code 0
  k.add(ms(10), icmp(C, S, 8, 3, idseq(0x502, 1), fill(16, 'b')));
  k.add(ms(11), icmp(S, C, 0, 3, idseq(0x502, 1), fill(16, 'b')));
  k.add(ms(12), icmp(S, C, 0, 0, idseq(0x502, 1), fill(16, 'b')));
  // E3: request code 0 at 0.1 s, same id code 1 at 25 s, reply code 0 at 33 s (icmp 30: the code-0
  // entry expired at 30.1 s), reply code 1 at 33 s (alive)
  k.add(ms(100), icmp(C, S, 8, 0, idseq(0x503, 1), fill(8, 'c')));
  k.add(sec(25), icmp(C, S, 8, 1, idseq(0x503, 2), fill(8, 'c')));
  k.add(sec(33), icmp(S, C, 0, 0, idseq(0x503, 1), fill(8, 'c')));
  k.add(sec(33) + ms(1), icmp(S, C, 0, 1, idseq(0x503, 2), fill(8, 'c')));
  // E4: time exceeded quoting an echo request with code 2 (entry has code 2), then quoting the same
  // request with code 0 (no such entry)
  k.add(ms(20), icmp(C, S, 8, 2, idseq(0x504, 1), fill(8, 'd')));
  k.add(ms(21), icmp(R, C, 11, 0, 0, head(icmp(C, S, 8, 2, idseq(0x504, 1), fill(8, 'd'), 1), 28)));
  k.add(ms(22), icmp(R, C, 11, 0, 0, head(icmp(C, S, 8, 0, idseq(0x504, 1), fill(8, 'd'), 1), 28)));
  // E5: pickup (client ACK), server ACK (reply, not yet ASSURED), client RST with an inexact
  // in-window seq (kernel: CLOSE), client ACK at +1 s, client FIN/ACK 13 s later (close 10 s)
  {
    conn c(k, 48001, 700000, 900000);
    c.c2s(ms(200), "A");
    c.s2c(ms(201), "A");
    c.c2s(ms(202), "R", {}, c.cs + 100, 0);
    c.c2s(sec(1) + ms(202), "A");
    c.c2s(sec(14) + ms(202), "FA");
    c.s2c(sec(14) + ms(203), "A");
  }
  // E6: the same with the exact RST (CLOSE in both readings): control
  {
    conn c(k, 48002, 700000, 900000);
    c.c2s(ms(300), "A");
    c.s2c(ms(301), "A");
    c.c2s(ms(302), "R", {}, -1, 0);
    c.c2s(sec(1) + ms(302), "A");
    c.c2s(sec(14) + ms(302), "FA");
    c.s2c(sec(14) + ms(303), "A");
  }
  // E7: pickup, server data (reply), client RST inexact, then a client SYN (CLOSE + RST by the same
  // side: reopen) and the handshake
  {
    conn c(k, 48003, 700000, 900000);
    c.c2s(ms(400), "PA", fill(10, 'x'));
    c.s2c(ms(401), "PA", fill(20, 'y'));
    c.c2s(ms(402), "R", {}, c.cs + 5, 0);
    c.c2s(ms(403), "S", {}, 123456);
    c.s2c(ms(404), "SA", {}, 654321, 123457);
    c.c2s(ms(405), "A", {}, 123457, 654322);
  }
  // E8: handshake completed (ASSURED), inexact RST keeps ESTABLISHED; FIN/ACK 13 s later passes
  {
    conn c(k, 48004);
    auto t = c.open(ms(500));
    c.c2s(t + ms(1), "R", {}, c.cs + 100, 0);
    c.c2s(t + sec(1), "A");
    c.c2s(t + sec(14), "FA");
    c.s2c(t + sec(14) + ms(1), "A");
  }
  return k;
}

/// RST after a SYN or ACK conntrack let through (the "RST sent to invalid SYN or ACK" rule of
/// nf_conntrack_tcp_packet), from either side, with the ack field equal or not to last_end
/// (speedup 1, defaults, loose 1, --client-net 192.0.2.0/24 --server-net 198.51.100.0/24).
/// Each case ends with a packet that shows the state the RST left (a SYN/ACK or data).
inline capture fuzz_rst() {
  capture k;
  std::int64_t t = 0;
  auto nx = [&] { t += ms(1); return t; };
  const std::uint32_t A = 3000000000u, B = 100000u, LOW = 2999800001u;  // LOW: ack under the lower bound
  std::uint16_t port = 49001;
  // R1: SYN A, SYN/ACK acking under the lower bound (ignored; the entry has seen a reply), client
  // RST (no ACK) far out of window with ack fields 0 (== last_end of a fresh entry), A+1, B+1, A,
  // LOW, B, then with ACK flag and ack 0; R2: the same from the server (far seq), ack 0 and A+1
  for (std::uint32_t a : {0u, A + 1, B + 1, A, LOW, B}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA", {}, -1, LOW); c.c2s(nx(), "R", {}, 1000, a, 0); c.s2c(nx(), "SA", {}, B, A + 1);
  }
  { conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA", {}, -1, LOW); c.c2s(nx(), "RA", {}, 1000, 0, 0); c.s2c(nx(), "SA", {}, B, A + 1); }
  for (std::uint32_t a : {0u, A + 1}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA", {}, -1, LOW); c.s2c(nx(), "R", {}, B + 1 + (1u << 30), a, 0); c.s2c(nx(), "SA", {}, B, A + 1);
  }
  // R3: SYN A, SYN retransmitted with an ISN before A (no re-init), SYN/ACK for it (ignored), client
  // RST ack 0 far (the fuzz-2 conversation); R4: SYN retransmitted with the same ISN
  { conn c(k, port++, 3480277731u, 76840747u);
    c.c2s(nx(), "S"); c.c2s(nx(), "S", {}, 1635780795u); c.s2c(nx(), "SA", {}, 76840747u, 1635780796u);
    c.c2s(nx(), "R", {}, 1180849295u, 0, 0); c.s2c(nx(), "SA", {}, 76840747u, 3480277732u); }
  { conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.c2s(nx(), "S", {}, A); c.s2c(nx(), "SA", {}, -1, LOW); c.c2s(nx(), "R", {}, 1000, 0, 0); c.s2c(nx(), "SA", {}, B, A + 1); }
  // R5: SYN with no reply, client RST ack 0 / A+1 far (no reply seen: window check)
  for (std::uint32_t a : {0u, A + 1}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.c2s(nx(), "R", {}, 1000, a, 0); c.s2c(nx(), "SA", {}, B, A + 1);
  }
  // R6: server RST with ack 0 and seq 5 / client RST seq 0 after the ignored SYN/ACK
  { conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA", {}, -1, LOW); c.s2c(nx(), "R", {}, 5, 0, 0); c.s2c(nx(), "SA", {}, B, A + 1); }
  { conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA", {}, -1, LOW); c.c2s(nx(), "R", {}, 0, 0, 0); c.s2c(nx(), "SA", {}, B, A + 1); }
  // R7: established, client SYN with a new ISN (ignored, last_end X+1): server RST / RST+ACK with
  // ack X+1 far out of window (the classic case), client RST with ack X+1 far (same side as the
  // SYN), server RST with ack 0 far; data after each
  t += ms(10);
  for (int v = 0; v < 4; ++v) {
    conn c(k, port++);
    auto u = c.open(nx());
    t = u;
    c.c2s(nx(), "S", {}, 77777000);
    if (v == 0) c.s2c(nx(), "R", {}, c.ss + 2000000000u, 77777001, 0);
    if (v == 1) c.s2c(nx(), "RA", {}, c.ss + 2000000000u, 77777001, 0);
    if (v == 2) c.c2s(nx(), "R", {}, c.cs + 2000000000u, 77777001, 0);
    if (v == 3) c.s2c(nx(), "R", {}, c.ss + 2000000000u, 0, 0);
    c.c2s(nx(), "PA", fill(5, 'a'));
  }
  // R8: SYN, server ACK in SYN_SENT (ignored: last_index ACK, last_ack 12345); client RST with seq
  // 12345 (challenge-ACK answer), with and without ACK flag; server RST ack == last_end far, and
  // client RST ack == last_end far
  for (const char* fl : {"R", "RA"}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "A", {}, B, 12345); c.c2s(nx(), fl, {}, 12345, 0, 0); c.s2c(nx(), "SA", {}, B, A + 1);
  }
  for (int same : {1, 0}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "A", {}, B, 12345);
    if (same) c.s2c(nx(), "R", {}, B + (1u << 30), B, 0);
    else c.c2s(nx(), "R", {}, A + (1u << 30), B, 0);
    c.s2c(nx(), "SA", {}, B, A + 1);
  }
  // R9: SYN_RECV, server ACK (last_index ACK, last_end B+1), server RST ack B+1 far (same side:
  // accepted), client RST ack B+1 far (SYN_RECV is not established: window check)
  for (int same : {1, 0}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "SA"); c.s2c(nx(), "A", {}, B + 1, A + 1);
    if (same) c.s2c(nx(), "R", {}, B + 1 + (1u << 30), B + 1, 0);
    else c.c2s(nx(), "R", {}, A + 1 + (1u << 30), B + 1, 0);
    c.c2s(nx(), "A", {}, A + 1, B + 1);
  }
  // R10: simultaneous open (the last SYN came from the reply side): RST ack 0 far out of window
  // from the client (the other side: accepted) and from the server (its side: window check)
  for (int who : {0, 1}) {
    conn c(k, port++, A, B);
    c.c2s(nx(), "S"); c.s2c(nx(), "S");
    if (who == 0) c.c2s(nx(), "R", {}, A + 1 + (1u << 30), 0, 0);
    else c.s2c(nx(), "R", {}, B + 1 + (1u << 30), 0, 0);
    c.c2s(nx(), "SA", {}, A, B + 1);
  }
  return k;
}

/// ICMP queries both ways between two hosts with identifiers equal to the request types (sessim
/// keys collide there, conntrack's typed tuples do not), with codes (speedup 1, defaults, loose 1,
/// --client-net 192.0.2.0/24 --server-net 198.51.100.0/24).
inline capture fuzz_icmp() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20"), R = ip4("198.51.100.254"),
                      RC = ip4("192.0.2.254");
  std::int64_t t = 0;
  auto nx = [&] { t += ms(1); return t; };
  for (std::uint8_t q : {8, 13, 15, 17}) {
    const std::uint8_t rp = static_cast<std::uint8_t>(q == 8 ? 0 : q + 1);
    const std::uint16_t id = q;
    k.add(nx(), icmp(C, S, q, 0, idseq(id, 1), fill(12, 'a')));     // client request, id = type
    k.add(nx(), icmp(C, S, rp, 0, idseq(id, 1), fill(12, 'a')));    // client "reply" without a server request
    k.add(nx(), icmp(S, C, q, 0, idseq(id, 2), fill(12, 'b')));     // server request, same id
    k.add(nx(), icmp(C, S, rp, 0, idseq(id, 2), fill(12, 'b')));    // client reply to it
    k.add(nx(), icmp(S, C, rp, 0, idseq(id, 1), fill(12, 'a')));    // server reply to the client's
    k.add(nx(), icmp(RC, S, 11, 0, 0, head(icmp(S, C, q, 0, idseq(id, 2), fill(12, 'b'), 1), 28)));  // quoting the server's request
    k.add(nx(), icmp(R, C, 11, 0, 0, head(icmp(C, S, q, 0, idseq(id, 1), fill(12, 'a'), 1), 28)));   // quoting the client's request
    k.add(nx(), icmp(S, C, q, 3, idseq(id, 3), fill(12, 'c')));     // server request with code 3
    k.add(nx(), icmp(C, S, rp, 0, idseq(id, 3), fill(12, 'c')));    // reply with code 0: no entry
    k.add(nx(), icmp(C, S, rp, 3, idseq(id, 3), fill(12, 'c')));    // reply with code 3
  }
  return k;
}

inline capture fuzz_1() { return fuzz::make(1, 400, 300); }
inline capture fuzz_2() { return fuzz::make(2, 400, 300); }
inline capture fuzz_3() { return fuzz::make(3, 400, 300); }
inline capture fuzz_4() { return fuzz::make(4, 400, 300); }
inline capture fuzz_5() { return fuzz::make(5, 400, 300, true); }
inline capture fuzz_6() { return fuzz::make(6, 400, 300, true); }
inline capture fuzz_7() { return fuzz::make(7, 400, 300, true); }
inline capture fuzz_8() { return fuzz::make(8, 400, 300, true); }
inline capture fuzz_9() { return fuzz::make(9, 500, 300, true); }
inline capture fuzz_10() { return fuzz::make(10, 500, 300, true); }
inline capture fuzz_11() { return fuzz::make(11, 450, 300, true, 3); }
inline capture fuzz_12() { return fuzz::make(12, 450, 300, true, 3); }
inline capture fuzz_13() { return fuzz::make(13, 450, 300, true, 3); }
inline capture fuzz_14() { return fuzz::make(14, 450, 300, true, 3); }
inline capture fuzz_17() { return fuzz::make(17, 450, 300, true, 4); }
inline capture fuzz_18() { return fuzz::make(18, 450, 300, true, 4); }
inline capture fuzz_19() { return fuzz::make(19, 400, 300); }
inline capture fuzz_20() { return fuzz::make(20, 500, 300, true); }
inline capture fuzz_21() { return fuzz::make(21, 450, 300, true, 3); }
inline capture fuzz_22() { return fuzz::make(22, 450, 300, true, 4); }
inline capture fuzz_23() { return fuzz::make(23, 400, 300, true); }
inline capture fuzz_24() { return fuzz::make(24, 450, 300, true, 3); }
inline capture fuzz_25() { return fuzz::make(25, 450, 300, true, 4); }
inline capture fuzz_26() { return fuzz::make(26, 400, 300); }

}  // namespace oracle_synth
