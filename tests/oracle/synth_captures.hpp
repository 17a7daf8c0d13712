#pragma once
// Synthetic captures for the kernel-oracle tests: small pcaps, each a list of mini-scenarios on
// their own ports, that exercise one corner of netfilter conntrack at a time. They are written
// by this header (not committed as pcaps): oracle_regression_test.cpp regenerates them for the
// `capture=synth:NAME` expectations, and `sessim_tests --gtest_filter=OracleSynth.Write` with
// SESSIM_ORACLE_SYNTH_DIR=DIR writes them for a kernel run (tests/oracle/README.md).
//
// Addresses are documentation ranges (client 192.0.2.10, server 198.51.100.20, a router on the
// server side 198.51.100.254); ct-oracle rewrites them. Times: base 1700000000 s + offsets in
// microseconds. Output is deterministic (the expectation records its sha256).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace oracle_synth {

using bytes = std::vector<std::uint8_t>;

inline void put16(bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
inline void put32(bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
inline void app16(bytes& b, std::uint16_t v) { b.push_back(v >> 8); b.push_back(v & 0xff); }
inline void app32(bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (24 - 8 * i)));
}
inline bytes fill(std::size_t n, char c) { return bytes(n, static_cast<std::uint8_t>(c)); }
inline bytes str(const char* s) { return bytes(s, s + std::char_traits<char>::length(s)); }

inline std::uint32_t ip4(const char* s) {
  unsigned a, b, c, d;
  std::sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d);
  return a << 24 | b << 16 | c << 8 | d;
}

inline std::uint16_t csum(const bytes& b, std::size_t off, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>(b[off + i] << 8 | b[off + i + 1]);
  if (n & 1) sum += static_cast<std::uint32_t>(b[off + n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline std::uint32_t crc32c(const bytes& b, std::size_t off, std::size_t n) {
  std::uint32_t crc = 0xffffffff;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= b[off + i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
  }
  return ~crc;
}

/// An IPv4 packet (20-byte header, id 1, ttl 64 unless given) around an L4 payload whose
/// checksum (at l4_csum_at, or none when < 0) is computed over the pseudo-header.
inline bytes ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, bytes l4, int l4_csum_at = -1,
                  std::uint8_t ttl = 64) {
  bytes p(20, 0);
  p[0] = 0x45;
  put16(p, 2, static_cast<std::uint16_t>(20 + l4.size()));
  put16(p, 4, 1);
  p[8] = ttl;
  p[9] = proto;
  put32(p, 12, src);
  put32(p, 16, dst);
  put16(p, 10, csum(p, 0, 20));
  if (l4_csum_at >= 0) {
    bytes ph(12, 0);
    put32(ph, 0, src);
    put32(ph, 4, dst);
    ph[9] = proto;
    put16(ph, 10, static_cast<std::uint16_t>(l4.size()));
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 12; i += 2) sum += static_cast<std::uint32_t>(ph[i] << 8 | ph[i + 1]);
    std::uint16_t c = csum(l4, 0, l4.size(), sum);
    if (proto == 17 && c == 0) c = 0xffff;
    put16(l4, static_cast<std::size_t>(l4_csum_at), c);
  }
  p.insert(p.end(), l4.begin(), l4.end());
  return p;
}

inline std::uint8_t tcp_flags(const std::string& f) {
  std::uint8_t v = 0;
  for (char c : f) {
    switch (c) {
      case 'F': v |= 0x01; break;
      case 'S': v |= 0x02; break;
      case 'R': v |= 0x04; break;
      case 'P': v |= 0x08; break;
      case 'A': v |= 0x10; break;
      case 'U': v |= 0x20; break;
      case 'E': v |= 0x40; break;
      case 'C': v |= 0x80; break;
      default: break;
    }
  }
  return v;
}

inline bytes tcp(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, const std::string& flags,
                 std::uint32_t seq, std::uint32_t ack, std::uint16_t win, const bytes& data = {}, int doff = 5) {
  bytes t(20, 0);
  put16(t, 0, sp);
  put16(t, 2, dp);
  put32(t, 4, seq);
  put32(t, 8, ack);
  t[12] = static_cast<std::uint8_t>(doff << 4);
  t[13] = tcp_flags(flags);
  put16(t, 14, win);
  t.insert(t.end(), data.begin(), data.end());
  return ipv4(src, dst, 6, t, 16);
}

/// UDP; `len` overrides the header's length field (malformed datagrams).
inline bytes udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, const bytes& data,
                 int len = -1) {
  bytes u(8, 0);
  put16(u, 0, sp);
  put16(u, 2, dp);
  put16(u, 4, static_cast<std::uint16_t>(len >= 0 ? len : 8 + static_cast<int>(data.size())));
  u.insert(u.end(), data.begin(), data.end());
  return ipv4(src, dst, 17, u, 6);
}

/// ICMP with the 4 header bytes after the checksum given as `rest` (id/seq, gateway, mtu...).
inline bytes icmp(std::uint32_t src, std::uint32_t dst, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                  const bytes& data = {}, std::uint8_t ttl = 64) {
  bytes m(8, 0);
  m[0] = type;
  m[1] = code;
  put32(m, 4, rest);
  m.insert(m.end(), data.begin(), data.end());
  put16(m, 2, csum(m, 0, m.size()));
  return ipv4(src, dst, 1, m, -1, ttl);
}
inline std::uint32_t idseq(std::uint16_t id, std::uint16_t seq) { return std::uint32_t{id} << 16 | seq; }
inline bytes head(const bytes& b, std::size_t n) { return bytes(b.begin(), b.begin() + static_cast<long>(std::min(n, b.size()))); }

/// SCTP common header + chunks, CRC32c filled in.
inline bytes sctp(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, std::uint32_t vtag,
                  const bytes& chunks) {
  bytes s(12, 0);
  put16(s, 0, sp);
  put16(s, 2, dp);
  put32(s, 4, vtag);
  s.insert(s.end(), chunks.begin(), chunks.end());
  std::uint32_t c = crc32c(s, 0, s.size());
  // CRC32c is stored little-endian on the wire (RFC 4960 appendix B as implemented by stacks)
  s[8] = static_cast<std::uint8_t>(c);
  s[9] = static_cast<std::uint8_t>(c >> 8);
  s[10] = static_cast<std::uint8_t>(c >> 16);
  s[11] = static_cast<std::uint8_t>(c >> 24);
  return ipv4(src, dst, 132, s);
}
inline bytes chunk(std::uint8_t type, const bytes& value, std::uint8_t flags = 0) {
  bytes c{type, flags, 0, 0};
  put16(c, 2, static_cast<std::uint16_t>(4 + value.size()));
  c.insert(c.end(), value.begin(), value.end());
  while (c.size() % 4) c.push_back(0);
  return c;
}
inline bytes init_chunk(std::uint8_t type, std::uint32_t tag, std::uint32_t tsn) {  // INIT (1) / INIT ACK (2)
  bytes v;
  app32(v, tag);
  app32(v, 65535);
  app16(v, 1);
  app16(v, 1);
  app32(v, tsn);
  return chunk(type, v);
}
inline bytes data_chunk(std::uint32_t tsn, const bytes& payload) {
  bytes v;
  app32(v, tsn);
  app16(v, 0);
  app16(v, 0);
  app32(v, 0);
  v.insert(v.end(), payload.begin(), payload.end());
  return chunk(0, v, 0x03);
}
inline bytes sack_chunk(std::uint32_t cum) {
  bytes v;
  app32(v, cum);
  app32(v, 65535);
  app16(v, 0);
  app16(v, 0);
  return chunk(3, v);
}

/// A capture under construction.
class capture {
 public:
  static constexpr std::int64_t base_us = 1700000000LL * 1000000;
  /// `pad`: zero-pad the Ethernet frame to 60 bytes, as a NIC does with short frames.
  void add(std::int64_t us, const bytes& ip, bool pad = false) {
    bytes f = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00};
    f.insert(f.end(), ip.begin(), ip.end());
    if (pad && f.size() < 60) f.resize(60, 0);
    frames_.push_back({us, std::move(f)});
  }
  /// The pcap file (microsecond timestamps, Ethernet), frames in time order (stable).
  bytes pcap() const {
    std::vector<std::pair<std::int64_t, const bytes*>> v;
    for (const auto& f : frames_) v.emplace_back(f.first, &f.second);
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    bytes out;
    auto le32 = [&](std::uint32_t x) {
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
    };
    le32(0xa1b2c3d4);
    out.push_back(2); out.push_back(0); out.push_back(4); out.push_back(0);
    le32(0); le32(0); le32(65535); le32(1);
    for (const auto& [us, f] : v) {
      const std::int64_t t = base_us + us;
      le32(static_cast<std::uint32_t>(t / 1000000));
      le32(static_cast<std::uint32_t>(t % 1000000));
      le32(static_cast<std::uint32_t>(f->size()));
      le32(static_cast<std::uint32_t>(f->size()));
      out.insert(out.end(), f->begin(), f->end());
    }
    return out;
  }

 private:
  std::vector<std::pair<std::int64_t, bytes>> frames_;
};

inline constexpr std::int64_t ms(double m) { return static_cast<std::int64_t>(m * 1000 + (m >= 0 ? 0.5 : -0.5)); }
inline constexpr std::int64_t sec(double s) { return ms(s * 1000); }

/// One TCP connection's two ends; seq numbers advance like the ct-oracle mkpcap helper's.
struct conn {
  capture& cap;
  std::uint32_t c, s;
  std::uint16_t cp, sp;
  std::uint32_t cs, ss;
  conn(capture& k, std::uint16_t cport, std::uint32_t cseq = 1000, std::uint32_t sseq = 5000,
       std::uint16_t sport = 80, const char* cli = "192.0.2.10", const char* srv = "198.51.100.20")
      : cap(k), c(ip4(cli)), s(ip4(srv)), cp(cport), sp(sport), cs(cseq), ss(sseq) {}
  static std::uint32_t adv(const std::string& f, const bytes& d) {
    return static_cast<std::uint32_t>(d.size()) + ((f.find('S') != std::string::npos || f.find('F') != std::string::npos) ? 1 : 0);
  }
  // seq/ack < 0: the tracked next sequence numbers (ack only with the A flag, else 0)
  void c2s(std::int64_t t, const std::string& f, const bytes& d = {}, std::int64_t seq = -1, std::int64_t ack = -1,
           std::uint16_t win = 64240, int doff = 5) {
    std::uint32_t q = seq < 0 ? cs : static_cast<std::uint32_t>(seq);
    std::uint32_t a = ack < 0 ? (f.find('A') != std::string::npos ? ss : 0) : static_cast<std::uint32_t>(ack);
    cap.add(t, tcp(c, s, cp, sp, f, q, a, win, d, doff));
    if (seq < 0) cs += adv(f, d);
  }
  void s2c(std::int64_t t, const std::string& f, const bytes& d = {}, std::int64_t seq = -1, std::int64_t ack = -1,
           std::uint16_t win = 65160) {
    std::uint32_t q = seq < 0 ? ss : static_cast<std::uint32_t>(seq);
    std::uint32_t a = ack < 0 ? (f.find('A') != std::string::npos ? cs : 0) : static_cast<std::uint32_t>(ack);
    cap.add(t, tcp(s, c, sp, cp, f, q, a, win, d));
    if (seq < 0) ss += adv(f, d);
  }
  /// SYN, SYN/ACK, ACK, 100 bytes up, ACK, 200 bytes down, ACK (dt apart); returns the last time.
  std::int64_t open(std::int64_t t, std::int64_t dt = ms(1)) {
    c2s(t, "S");
    s2c(t + dt, "SA");
    c2s(t + 2 * dt, "A");
    c2s(t + 3 * dt, "PA", fill(100, 'x'));
    s2c(t + 4 * dt, "A");
    s2c(t + 5 * dt, "PA", fill(200, 'y'));
    c2s(t + 6 * dt, "A");
    return t + 6 * dt;
  }
};

// ------------------------------------------------------------------------------ scenarios

/// TCP state machine corners (run at speedup 1 with default timeouts, loose 0/1, liberal 0/1).
inline capture tcp_edge() {
  capture k;
  const std::int64_t t0 = 0;
  {  // T1: RST with an inexact in-window seq in ESTABLISHED (state kept), then the exact RST
    conn c(k, 46001); auto t = c.open(t0);
    c.s2c(t + ms(10), "R", {}, c.ss + 1000, 0);
    c.c2s(t + ms(20), "PA", fill(10, 'a')); c.s2c(t + ms(30), "A");
    c.s2c(t + ms(40), "R", {}, -1, 0);
    c.c2s(t + ms(50), "PA", fill(10, 'b'));
  }
  {  // T2: RST with seq below the peer's max ACK (invalid rst)
    conn c(k, 46002); auto t = c.open(t0 + ms(100));
    c.s2c(t + ms(10), "R", {}, c.ss - 100, 0);
    c.c2s(t + ms(20), "PA", fill(10, 'a')); c.s2c(t + ms(30), "A");
  }
  {  // T3: simultaneous open
    conn c(k, 46003);
    c.c2s(t0 + ms(200), "S"); c.s2c(t0 + ms(201), "S");
    c.c2s(t0 + ms(202), "SA", {}, 1000, 5001); c.s2c(t0 + ms(203), "SA", {}, 5000, 1001);
    c.c2s(t0 + ms(204), "A"); c.s2c(t0 + ms(205), "A"); c.c2s(t0 + ms(206), "PA", fill(10, 'q')); c.s2c(t0 + ms(207), "A");
  }
  {  // T4: SYN/ACK retransmitted after the handshake (ignored)
    conn c(k, 46004); auto t = c.open(t0 + ms(300));
    c.s2c(t + ms(10), "SA", {}, 4999, 1001); c.c2s(t + ms(20), "PA", fill(10, 'a')); c.s2c(t + ms(30), "A");
  }
  {  // T5: client ACK in SYN_SENT (invalid), then SYN/ACK and the ACK (window differs: not a byte copy)
    conn c(k, 46005);
    c.c2s(t0 + ms(400), "S"); c.c2s(t0 + ms(401), "A", {}, -1, 5001, 1000); c.s2c(t0 + ms(402), "SA"); c.c2s(t0 + ms(403), "A");
  }
  {  // T6: SYN answered by RST/ACK (entry killed), SYN retransmitted, SYN/ACK
    conn c(k, 46006);
    c.c2s(t0 + ms(500), "S"); c.s2c(t0 + ms(501), "RA", {}, 0, 1001); c.c2s(t0 + ms(502), "S", {}, 1000);
    c.s2c(t0 + ms(503), "SA", {}, 5000, 1001);
  }
  {  // T7: client closes first; the server reuses the tuple with a SYN in TIME_WAIT
    conn c(k, 46007); auto t = c.open(t0 + ms(600));
    c.c2s(t + ms(10), "FA"); c.s2c(t + ms(11), "FA"); c.c2s(t + ms(12), "A");
    conn d(k, 80, 70000, 80000, 46007, "198.51.100.20", "192.0.2.10");
    d.c2s(t + ms(500), "S"); d.s2c(t + ms(501), "SA"); d.c2s(t + ms(502), "A"); d.c2s(t + ms(503), "PA", fill(10, 'r'));
    d.s2c(t + ms(504), "A");
  }
  {  // T8: LAST_ACK, new SYN (challenge ACK expected), challenge ACK, RST, new SYN
    conn c(k, 46008); auto t = c.open(t0 + ms(700));
    c.s2c(t + ms(10), "FA"); c.c2s(t + ms(11), "FA");
    c.c2s(t + ms(20), "S", {}, 900000);
    c.s2c(t + ms(21), "A", {}, c.ss, c.cs);
    c.c2s(t + ms(22), "R", {}, c.cs, 0);
    c.c2s(t + ms(30), "S", {}, 900000); c.s2c(t + ms(31), "SA", {}, 123000, 900001); c.c2s(t + ms(32), "A", {}, 900001, 123001);
  }
  {  // T9: keepalive (seq = snd_nxt - 1, 1 byte) and its ACK
    conn c(k, 46009); auto t = c.open(t0 + ms(800));
    c.c2s(t + ms(500), "A", bytes{0}, c.cs - 1); c.s2c(t + ms(501), "A");
    c.c2s(t + ms(600), "PA", fill(10, 'k')); c.s2c(t + ms(601), "A");
  }
  {  // T15: data a little over the window (ignored), and far beyond (invalid)
    conn c(k, 46015); auto t = c.open(t0 + ms(900));
    c.s2c(t + ms(10), "A", {}, -1, -1, 100);
    c.c2s(t + ms(20), "PA", fill(300, 'o'));
    c.s2c(t + ms(30), "A");
    c.c2s(t + ms(40), "PA", fill(10, 'p'));
    c.c2s(t + ms(50), "PA", fill(10, 'z'), c.cs + 200000);
    c.s2c(t + ms(60), "A", {}, -1, -1, 65000);
  }
  {  // T16: server FIN in SYN_RECV; client RST in SYN_RECV then data
    conn c(k, 46016);
    c.c2s(t0 + ms(1000), "S"); c.s2c(t0 + ms(1001), "SA"); c.s2c(t0 + ms(1002), "FA"); c.c2s(t0 + ms(1003), "A");
    c.c2s(t0 + ms(1004), "FA"); c.s2c(t0 + ms(1005), "A");
    conn e(k, 46116);
    e.c2s(t0 + ms(1010), "S"); e.s2c(t0 + ms(1011), "SA"); e.c2s(t0 + ms(1012), "R", {}, -1, 0); e.c2s(t0 + ms(1013), "PA", fill(10, 'x'));
  }
  {  // T17: SYN/ACK acking too much, too little, right
    conn c(k, 46017);
    c.c2s(t0 + ms(1100), "S"); c.s2c(t0 + ms(1101), "SA", {}, 5000, 1005); c.s2c(t0 + ms(1102), "SA", {}, 5000, 999);
    c.s2c(t0 + ms(1103), "SA", {}, 5000, 1001); c.c2s(t0 + ms(1104), "A", {}, 1001, 5001);
  }
  {  // T18: SYN retransmitted with an older and a newer ISN, SYN/ACK for the newer
    conn c(k, 46018);
    c.c2s(t0 + ms(1200), "S", {}, 50000); c.c2s(t0 + ms(1201), "S", {}, 40000); c.c2s(t0 + ms(1202), "S", {}, 60000);
    c.s2c(t0 + ms(1203), "SA", {}, 5000, 60001); c.c2s(t0 + ms(1204), "A", {}, 60001, 5001);
  }
  {  // T19: client RST in ESTABLISHED, then a client SYN on the tuple (reopen)
    conn c(k, 46019); auto t = c.open(t0 + ms(1300));
    c.c2s(t + ms(10), "R", {}, -1, 0); c.c2s(t + ms(20), "S", {}, 777000); c.s2c(t + ms(21), "SA", {}, 888000, 777001);
    c.c2s(t + ms(22), "A", {}, 777001, 888001);
  }
  {  // T20: server RST, then a client SYN (ignored), SYN/ACK resyncs
    conn c(k, 46020); auto t = c.open(t0 + ms(1400));
    c.s2c(t + ms(10), "R", {}, -1, 0); c.c2s(t + ms(20), "S", {}, 777000); c.s2c(t + ms(21), "SA", {}, 888000, 777001);
    c.c2s(t + ms(22), "A", {}, 777001, 888001); c.c2s(t + ms(23), "PA", fill(10, 'n'), 777001, 888001);
    c.s2c(t + ms(24), "A", {}, 888001, 777011);
  }
  {  // T21: flag combinations
    conn a(k, 46021); a.c2s(t0 + ms(1500), "SU");
    conn b(k, 46022); auto t = b.open(t0 + ms(1510)); b.c2s(t + ms(10), "FAU"); b.s2c(t + ms(11), "FA"); b.c2s(t + ms(12), "A");
    conn c(k, 46023, 3000, 4000); c.c2s(t0 + ms(1530), "AU", fill(5, 'u')); c.s2c(t0 + ms(1531), "AEC");
    conn d(k, 46024, 3000, 4000); d.c2s(t0 + ms(1540), "P", fill(5, 'p'));
    conn e(k, 46025, 3000, 4000); e.c2s(t0 + ms(1550), "F");
    conn f(k, 46026, 3000, 4000); f.c2s(t0 + ms(1560), "SR");
    conn g(k, 46027); auto u = g.open(t0 + ms(1570)); g.c2s(u + ms(10), "RPA");
  }
  {  // T22: SYN with data
    conn c(k, 46028); c.c2s(t0 + ms(1600), "S", str("hello")); c.s2c(t0 + ms(1601), "SA", {}, -1, 1006); c.c2s(t0 + ms(1602), "A");
  }
  {  // T23: pickup by an ACK, then FIN/ACKs
    conn c(k, 46029, 9000, 19000);
    c.c2s(t0 + ms(1700), "A"); c.s2c(t0 + ms(1701), "FA"); c.c2s(t0 + ms(1702), "FA"); c.s2c(t0 + ms(1703), "A");
  }
  {  // T24: pickup by a pure ACK with ack 0
    conn c(k, 46030, 9000, 0); c.c2s(t0 + ms(1800), "A", {}, -1, 0); c.s2c(t0 + ms(1801), "A", {}, 5, 9000);
  }
  return k;
}

/// Which timeout a TCP entry gets before an idle gap (run at speedup 1 with --established 130
/// --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25; loose 0 and 1).
inline capture tcp_timers() {
  capture k;
  auto probe = [](conn& c, std::int64_t t) { c.c2s(t, "PA", fill(10, 'p')); c.s2c(t + ms(1), "A"); };
  {  // A1: zero window advertised before the gap (max_retrans) -> gap 30 expired; A1c: window 100 survives
    conn c(k, 47001); auto t = c.open(0); c.s2c(t + ms(1), "A", {}, -1, -1, 0); probe(c, t + sec(30));
    conn d(k, 47002); auto u = d.open(ms(10)); d.s2c(u + ms(1), "A", {}, -1, -1, 100); probe(d, u + sec(30));
  }
  for (auto [port, copies, gap] : {std::tuple{47003, 4, 22.0}, std::tuple{47004, 4, 27.0}, std::tuple{47005, 3, 22.0}}) {
    // A2: unACKed data sent `copies` times (3 retransmissions -> max_retrans 25, fewer -> unacknowledged 20)
    conn c(k, static_cast<std::uint16_t>(port)); auto t = c.open(ms(20 + 10 * (port - 47003)));
    for (int i = 0; i < copies; ++i) c.c2s(t + ms(1) + ms(200) * i, "PA", fill(10, 'r'), c.cs);
    c.cs += 10;
    probe(c, t + ms(1) + ms(200) * (copies - 1) + sec(gap));
  }
  {  // A3: data never ACKed, gap 22 -> expired (20); A3c: ACKed -> survives (130)
    conn c(k, 47006); auto t = c.open(ms(50)); c.c2s(t + ms(1), "PA", fill(10, 'u')); probe(c, t + sec(22));
    conn d(k, 47007); auto u = d.open(ms(60)); d.c2s(u + ms(1), "PA", fill(10, 'u')); d.s2c(u + ms(2), "A"); probe(d, u + sec(22));
  }
  {  // A4: out-of-window FINs from both sides lower the timeout to unacknowledged -> gap 25 expired;
     // A4c: only the client's -> survives; A4d: client FIN + server RST, both out of window -> lowered
    conn c(k, 47008); auto t = c.open(ms(70));
    c.c2s(t + ms(1), "FA", {}, c.cs + 3000000); c.s2c(t + ms(2), "FA", {}, c.ss + 3000000); probe(c, t + sec(25));
    conn d(k, 47009); auto u = d.open(ms(80)); d.c2s(u + ms(1), "FA", {}, d.cs + 3000000); probe(d, u + sec(25));
    conn e(k, 47010); auto v = e.open(ms(90));
    e.c2s(v + ms(1), "FA", {}, e.cs + 3000000); e.s2c(v + ms(2), "R", {}, e.ss + 3000000, 0); probe(e, v + sec(25));
  }
  {  // A7: pickups: no reply / one reply (unacknowledged 20: gap 22 expired) / reply + ACK (ASSURED: survives)
    conn a(k, 47011, 20000, 30000); a.c2s(ms(100), "PA", fill(10, 'm')); probe(a, ms(100) + sec(22));
    conn b(k, 47012, 20000, 30000); b.c2s(ms(110), "PA", fill(10, 'm')); b.s2c(ms(111), "A"); probe(b, ms(111) + sec(22));
    conn c(k, 47013, 20000, 30000); c.c2s(ms(120), "PA", fill(10, 'm')); c.s2c(ms(121), "PA", fill(10, 'n'));
    c.c2s(ms(122), "A"); probe(c, ms(122) + sec(22));
  }
  {  // A8: SYN, SYN again at 100 s, SYN/ACK at 125 s
    conn c(k, 47014); c.c2s(ms(130), "S"); c.c2s(ms(130) + sec(100), "S", {}, 1000);
    c.s2c(ms(130) + sec(125), "SA", {}, -1, 1001); c.c2s(ms(130) + sec(125) + ms(1), "A", {}, 1001, 5001);
  }
  {  // A9: SYN, SYN/ACK, the ACK 65 s later
    conn c(k, 47015); c.c2s(ms(140), "S"); c.s2c(ms(141), "SA"); c.c2s(ms(141) + sec(65), "A");
  }
  {  // A10: client FIN unanswered, server data 125 s later; A11: TIME_WAIT, ACK 125 s later
    conn c(k, 47016); auto t = c.open(ms(150)); c.c2s(t + ms(1), "FA"); c.s2c(t + sec(125), "PA", fill(12, 'l'));
    conn d(k, 47017); auto u = d.open(ms(160)); d.c2s(u + ms(1), "FA"); d.s2c(u + ms(2), "FA"); d.c2s(u + ms(3), "A");
    d.c2s(u + sec(125), "A");
  }
  return k;
}

/// ICMP (errors, queries), malformed UDP/TCP headers, SCTP and GRE (speedup 1, defaults, loose 1;
/// run with --client-net 192.0.2.0/24 --server-net 198.51.100.0/24 so the router's errors map to
/// the server side).
inline capture misc_edge() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20"), R = ip4("198.51.100.254"), C2 = ip4("192.0.2.11");
  // I2: time exceeded from a router about the client's UDP packet
  k.add(0, udp(C, S, 51001, 33434, fill(12, 't')));
  k.add(ms(1), icmp(R, C, 11, 0, 0, head(udp(C, S, 51001, 33434, fill(12, 't')), 28)));
  // I3: port unreachable about the client's UDP packet, sent to another address (outer daddr != inner saddr)
  k.add(ms(10), udp(C, S, 51002, 5000, fill(8, 'a')));
  k.add(ms(11), icmp(S, C2, 3, 3, 0, head(udp(C, S, 51002, 5000, fill(8, 'a')), 28)));
  // I5: host unreachable about a TCP SYN
  k.add(ms(20), tcp(C, S, 51003, 80, "S", 1000, 0, 64240));
  k.add(ms(21), icmp(R, C, 3, 1, 0, head(tcp(C, S, 51003, 80, "S", 1000, 0, 64240), 28)));
  // I6: time exceeded about an echo request
  k.add(ms(30), icmp(C, S, 8, 0, idseq(0x4242, 1), fill(16, 'e')));
  k.add(ms(31), icmp(R, C, 11, 0, 0, head(icmp(C, S, 8, 0, idseq(0x4242, 1), fill(16, 'e'), 1), 28)));
  // I12: fragmentation needed, sent to the server, about the server's echo reply
  k.add(ms(40), icmp(C, S, 8, 0, idseq(0x4343, 1), fill(16, 'f')));
  k.add(ms(41), icmp(S, C, 0, 0, idseq(0x4343, 1), fill(16, 'f')));
  k.add(ms(42), icmp(C, S, 3, 4, 1200, head(icmp(S, C, 0, 0, idseq(0x4343, 1), fill(16, 'f')), 28)));
  // I7: port unreachable from the client about the server's UDP reply
  k.add(ms(50), udp(C, S, 51007, 53, fill(10, 'q')));
  k.add(ms(51), udp(S, C, 53, 51007, fill(10, 'r')));
  k.add(ms(52), icmp(C, S, 3, 3, 0, head(udp(S, C, 53, 51007, fill(10, 'r')), 28)));
  // I10: timestamp, address mask, information request/reply
  k.add(ms(60), icmp(C, S, 13, 0, idseq(0x10, 1), fill(12, 0)));
  k.add(ms(61), icmp(S, C, 14, 0, idseq(0x10, 1), fill(12, 0)));
  k.add(ms(62), icmp(C, S, 17, 0, idseq(0x11, 1), fill(4, 0)));
  k.add(ms(63), icmp(S, C, 18, 0, idseq(0x11, 1), fill(4, 0)));
  k.add(ms(64), icmp(C, S, 15, 0, idseq(0x12, 1)));
  k.add(ms(65), icmp(S, C, 16, 0, idseq(0x12, 1)));
  // I8: duplicate echo reply, reply with an unknown id, echo from the server with the client's id
  k.add(ms(70), icmp(C, S, 8, 0, idseq(0x20, 1), fill(8, 'd')));
  k.add(ms(71), icmp(S, C, 0, 0, idseq(0x20, 1), fill(8, 'd')));
  k.add(ms(72), icmp(S, C, 0, 0, idseq(0x20, 1), fill(8, 'D')));
  k.add(ms(73), icmp(S, C, 0, 0, idseq(0x21, 1), fill(8, 'd')));
  k.add(ms(74), icmp(S, C, 8, 0, idseq(0x20, 9), fill(8, 'd')));
  k.add(ms(75), icmp(C, S, 0, 0, idseq(0x20, 9), fill(8, 'd')));
  // I11: router advertisement/solicitation, redirect and source quench about a live UDP flow,
  // an undefined type, echo with code 99
  k.add(ms(80), icmp(S, C, 9, 0, 0, fill(8, 0)));
  k.add(ms(81), icmp(C, S, 10, 0, 0, fill(4, 0)));
  k.add(ms(82), icmp(S, C, 5, 1, ip4("198.51.100.1"), head(udp(C, S, 51007, 53, fill(10, 'q')), 28)));
  k.add(ms(83), icmp(S, C, 4, 0, 0, head(udp(C, S, 51007, 53, fill(10, 'q')), 28)));
  k.add(ms(84), icmp(C, S, 40, 0, 0, fill(8, 0)));
  k.add(ms(85), icmp(C, S, 8, 99, idseq(0x30, 1), fill(8, 'c')));
  k.add(ms(86), icmp(S, C, 0, 99, idseq(0x30, 1), fill(8, 'c')));
  // I13: port unreachable quoting only the IP header and the ports
  k.add(ms(90), udp(C, S, 51013, 9, fill(8, 'x')));
  k.add(ms(91), icmp(S, C, 3, 3, 0, head(udp(C, S, 51013, 9, fill(8, 'x')), 24)));
  // M1-M3: UDP length field > datagram, < 8, < payload (then a reply)
  k.add(ms(100), udp(C, S, 52001, 7, fill(10, 'm'), 60));
  k.add(ms(101), udp(C, S, 52002, 7, fill(10, 'm'), 4));
  k.add(ms(102), udp(C, S, 52003, 7, fill(10, 'm'), 12));
  k.add(ms(103), udp(S, C, 7, 52003, fill(4, 'n')));
  // M4/M5: TCP data offset 4, and 15 on a 20-byte segment
  k.add(ms(110), tcp(C, S, 52004, 80, "S", 1, 0, 1000, {}, 4));
  k.add(ms(111), tcp(C, S, 52005, 80, "S", 1, 0, 1000, {}, 15));
  // S1: SCTP association (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK), DATA with a
  // wrong verification tag, more DATA 15 s later, SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE
  k.add(ms(200), sctp(C, S, 53001, 3868, 0, init_chunk(1, 0x11111111, 100)));
  k.add(ms(201), sctp(S, C, 3868, 53001, 0x11111111, init_chunk(2, 0x22222222, 200)));
  k.add(ms(202), sctp(C, S, 53001, 3868, 0x22222222, chunk(10, str("cookie12"))));
  k.add(ms(203), sctp(S, C, 3868, 53001, 0x11111111, chunk(11, {})));
  k.add(ms(204), sctp(C, S, 53001, 3868, 0x22222222, data_chunk(100, str("hello sctp"))));
  k.add(ms(205), sctp(S, C, 3868, 53001, 0x11111111, sack_chunk(100)));
  k.add(ms(206), sctp(C, S, 53001, 3868, 0x33333333, data_chunk(101, str("bad vtag"))));
  k.add(sec(15), sctp(C, S, 53001, 3868, 0x22222222, data_chunk(101, str("after idle"))));
  k.add(sec(15) + ms(1), sctp(S, C, 3868, 53001, 0x11111111, sack_chunk(101)));
  bytes shut;
  app32(shut, 200);
  k.add(sec(15) + ms(10), sctp(C, S, 53001, 3868, 0x22222222, chunk(7, shut)));
  k.add(sec(15) + ms(11), sctp(S, C, 3868, 53001, 0x11111111, chunk(8, {})));
  k.add(sec(15) + ms(12), sctp(C, S, 53001, 3868, 0x22222222, chunk(14, {})));
  // S2: SCTP DATA (and its SACK) on an association never seen starting
  k.add(ms(210), sctp(C, S, 53002, 3868, 0x44444444, data_chunk(500, str("midstream!"))));
  k.add(ms(211), sctp(S, C, 3868, 53002, 0x55555555, sack_chunk(500)));
  // G1: GRE (version 0, IPv4 payload) both ways
  auto gre = [](std::uint32_t a, std::uint32_t b, const bytes& inner) {
    bytes g{0, 0, 0x08, 0x00};
    g.insert(g.end(), inner.begin(), inner.end());
    return ipv4(a, b, 47, g);
  };
  k.add(ms(300), gre(C, S, udp(ip4("10.200.0.1"), ip4("10.200.0.2"), 1, 2, {})));
  k.add(ms(301), gre(S, C, udp(ip4("10.200.0.2"), ip4("10.200.0.1"), 2, 1, {})));
  return k;
}

/// Splits a whole IPv4 packet (20-byte header) into fragments at the payload offsets `cuts`
/// (multiples of 8), with IP id `id`; returned in datagram order.
inline std::vector<bytes> fragments(const bytes& pkt, std::uint16_t id, const std::vector<std::size_t>& cuts) {
  std::vector<bytes> out;
  const std::size_t n = pkt.size() - 20;
  std::vector<std::size_t> at = {0};
  at.insert(at.end(), cuts.begin(), cuts.end());
  at.push_back(n);
  for (std::size_t i = 0; i + 1 < at.size(); ++i) {
    bytes f(pkt.begin(), pkt.begin() + 20);
    f.insert(f.end(), pkt.begin() + 20 + static_cast<long>(at[i]), pkt.begin() + 20 + static_cast<long>(at[i + 1]));
    put16(f, 2, static_cast<std::uint16_t>(f.size()));
    put16(f, 4, id);
    put16(f, 6, static_cast<std::uint16_t>((i + 2 < at.size() ? 0x2000 : 0) | (at[i] / 8)));
    put16(f, 10, 0);
    put16(f, 10, csum(f, 0, 20));
    out.push_back(std::move(f));
  }
  return out;
}

/// IPv4 fragments: in order, reversed, last missing, first missing, an ICMP echo, and a TCP
/// segment whose last fragment arrives after its connection expired (run with --established 10,
/// loose 0 and 1, --client-net 192.0.2.0/24 --server-net 198.51.100.0/24).
inline capture frag_edge() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20");
  auto big = [](char c) { return fill(1400, c); };
  // F1: request, reply in 3 fragments in order
  k.add(0, udp(C, S, 54001, 53, fill(20, 'q')));
  {
    auto f = fragments(udp(S, C, 53, 54001, big('a')), 0x1001, {512, 1024});
    for (std::size_t i = 0; i < f.size(); ++i) k.add(ms(10) + static_cast<std::int64_t>(i) * 20, f[i]);
  }
  // F2: request, reply in 3 fragments, last first
  k.add(ms(100), udp(C, S, 54002, 53, fill(20, 'q')));
  {
    auto f = fragments(udp(S, C, 53, 54002, big('b')), 0x1002, {512, 1024});
    k.add(ms(110), f[2]); k.add(ms(110) + 20, f[1]); k.add(ms(110) + 40, f[0]);
  }
  // F3: request, reply whose last fragment never comes
  k.add(ms(200), udp(C, S, 54003, 53, fill(20, 'q')));
  {
    auto f = fragments(udp(S, C, 53, 54003, big('c')), 0x1003, {512, 1024});
    k.add(ms(210), f[0]); k.add(ms(210) + 20, f[1]);
  }
  // F4: request, reply whose first fragment never comes
  k.add(ms(300), udp(C, S, 54004, 53, fill(20, 'q')));
  {
    auto f = fragments(udp(S, C, 53, 54004, big('d')), 0x1004, {512, 1024});
    k.add(ms(310), f[1]); k.add(ms(310) + 20, f[2]);
  }
  // F5: a fragmented first datagram of a new UDP flow (client side), then the reply
  {
    auto f = fragments(udp(C, S, 54005, 4500, big('e')), 0x1005, {704});
    k.add(ms(400), f[0]); k.add(ms(400) + 20, f[1]);
    k.add(ms(420), udp(S, C, 4500, 54005, fill(30, 'r')));
  }
  // F6: fragmented echo request and reply
  {
    auto q = fragments(icmp(C, S, 8, 0, idseq(0x77, 1), big('p')), 0x1006, {800});
    k.add(ms(500), q[0]); k.add(ms(500) + 20, q[1]);
    auto r = fragments(icmp(S, C, 0, 0, idseq(0x77, 1), big('p')), 0x2006, {800});
    k.add(ms(510), r[0]); k.add(ms(510) + 20, r[1]);
  }
  // F7: TCP connection idle; a data segment in 2 fragments, the first 9 s after the last
  // packet (entry alive with established 10), the second at 11 s (entry expired)
  {
    conn c(k, 54007); auto t = c.open(ms(600));
    auto f = fragments(tcp(c.c, c.s, c.cp, c.sp, "PA", c.cs, c.ss, 64240, fill(1000, 'g')), 0x1007, {504});
    k.add(t + sec(9), f[0]); k.add(t + sec(11), f[1]);
    c.cs += 1000;
    c.s2c(t + sec(11) + ms(1), "A");
  }
  // F8: the same with both fragments at 9 s (alive): control
  {
    conn c(k, 54008); auto t = c.open(ms(700));
    auto f = fragments(tcp(c.c, c.s, c.cp, c.sp, "PA", c.cs, c.ss, 64240, fill(1000, 'h')), 0x1008, {504});
    k.add(t + sec(9), f[0]); k.add(t + sec(9) + ms(1), f[1]);
    c.cs += 1000;
    c.s2c(t + sec(9) + ms(2), "A");
  }
  return k;
}

/// The IPv4 reassembly timeout (ipfrag_time, 30 s from the queue's first fragment, not
/// refreshed by later ones; the kernel's timer fires up to 2.048 s late, one timer-wheel granule
/// at HZ=250, so no gap lies between 30 and 32.1 s): fragments of one datagram 28-29 s apart
/// (complete) and 33-40 s apart (the queue expired; a later fragment starts a new queue), a datagram completed by a copy of
/// its expired first fragment, and a UDP and an ICMP datagram with the same IP id on the same
/// address pair (two queues: the protocol is part of the key). Run at --speedup 1 with
/// --checksum 0 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24.
inline capture frag_timeout() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20");
  auto dgram = [&](std::uint16_t port, char c) { return udp(C, S, port, 7000, fill(1000, c)); };
  // T1: first fragment at 0, last 29 s later: complete
  auto t1 = fragments(dgram(55001, 'a'), 0x4001, {504});
  k.add(0, t1[0]);
  k.add(sec(29), t1[1]);
  // T2: 33 s apart: the queue expired at 31 s; the last fragment starts a queue of its own
  auto t2 = fragments(dgram(55002, 'b'), 0x4002, {504});
  k.add(sec(1), t2[0]);
  k.add(sec(34), t2[1]);
  // T3 / T4: last fragment first, first fragment 28 s / 34 s later
  auto t3 = fragments(dgram(55003, 'c'), 0x4003, {504});
  k.add(sec(2), t3[1]);
  k.add(sec(30), t3[0]);
  auto t4 = fragments(dgram(55004, 'd'), 0x4004, {504});
  k.add(sec(3), t4[1]);
  k.add(sec(37), t4[0]);
  // T5: three fragments 20 s apart: the timer runs from the first one (expired at 34 s)
  auto t5 = fragments(dgram(55005, 'e'), 0x4005, {336, 672});
  k.add(sec(4), t5[0]);
  k.add(sec(24), t5[1]);
  k.add(sec(44), t5[2]);
  // T6: first fragment at 5 s, last at 40 s (expired), the first again at 45 s: a new queue
  // (the last fragment and the copy) completes
  auto t6 = fragments(dgram(55006, 'f'), 0x4006, {504});
  k.add(sec(5), t6[0]);
  k.add(sec(40), t6[1]);
  k.add(sec(45), t6[0]);
  // T7: a UDP and an ICMP echo datagram with the same IP id, interleaved
  auto u7 = fragments(dgram(55007, 'g'), 0x4007, {504});
  auto i7 = fragments(icmp(C, S, 8, 0, idseq(0x4007, 1), fill(1000, 'h')), 0x4007, {504});
  k.add(sec(6), u7[0]);
  k.add(sec(6) + ms(1), i7[0]);
  k.add(sec(6) + ms(2), u7[1]);
  k.add(sec(6) + ms(3), i7[1]);
  k.add(sec(6) + ms(10), icmp(S, C, 0, 0, idseq(0x4007, 1), fill(8, 'h')));
  // T8: an SCTP INIT whose first fragment holds 8 bytes (less than the common header): first
  // fragment at 7 s, the rest at 40 s (33 s later: expired), the first again at 45 s
  auto t8 = fragments(sctp(C, S, 55008, 3868, 0, init_chunk(1, 0x51510008, 1)), 0x4008, {8});
  k.add(sec(7), t8[0]);
  k.add(sec(40) + ms(5), t8[1]);
  k.add(sec(45) + ms(5), t8[0]);
  k.add(sec(45) + ms(6), sctp(S, C, 3868, 55008, 0x51510008, init_chunk(2, 0x61610008, 1)));
  return k;
}

/// ct-oracle's --new-requires-syn rule ("ct state new tcp flags & (fin|syn|rst|ack) != syn drop"):
/// conntrack calls every packet in the original direction NEW until a reply has been seen, so the
/// rule also drops packets of an existing, unreplied entry (after conntrack tracked them). Run at
/// --speedup 1, defaults, loose 0 and 1, with --new-requires-syn (--client-net 192.0.2.0/24
/// --server-net 198.51.100.0/24).
inline capture nrs_edge() {
  capture k;
  {  // N1: SYN, SYN again, client RST (kills the entry, dropped by the rule), SYN: a new entry
    conn c(k, 47001);
    c.c2s(0, "S"); c.c2s(ms(1), "S", {}, 1000);
    c.c2s(ms(2), "R");
    c.c2s(ms(3), "S", {}, 1000); c.s2c(ms(4), "SA"); c.c2s(ms(5), "A"); c.c2s(ms(6), "PA", fill(10, 'a'));
  }
  {  // N2: SYN, client RST+ACK with ack 0, the server's SYN/ACK (no entry: invalid new)
    conn c(k, 47002);
    c.c2s(ms(100), "S");
    c.c2s(ms(101), "RA", {}, -1, 0);
    c.s2c(ms(102), "SA");
  }
  {  // N3: SYN, client ACK and FIN in SYN_SENT (invalid anyway), ECN SYN, the handshake
    conn c(k, 47003);
    c.c2s(ms(200), "SEC");
    c.c2s(ms(201), "A", {}, 1001, 7777);
    c.c2s(ms(202), "FA", {}, 1001, 7777);
    c.c2s(ms(203), "SEC", {}, 1000);
    c.s2c(ms(204), "SAE"); c.c2s(ms(205), "A"); c.c2s(ms(206), "PA", fill(10, 'b')); c.s2c(ms(207), "A");
  }
  {  // N4: SYN with data, SYN+URG, SYN+PSH retransmitted; the server refuses (RST+ACK); the client
     // SYN again (the entry is gone), the client's RST before any reply
    conn c(k, 47004);
    c.c2s(ms(300), "S", fill(20, 'c'), 1000);
    c.c2s(ms(301), "SU", {}, 1000);
    c.c2s(ms(302), "SP", {}, 1000);
    c.s2c(ms(303), "RA", {}, 0, 1001);
    c.c2s(ms(304), "S", {}, 2000);
    c.c2s(ms(305), "R", {}, 2001);
  }
  {  // N5: simultaneous open: the client's SYN/ACK comes after the server's SYN (reply seen)
    conn c(k, 47005);
    c.c2s(ms(400), "S"); c.s2c(ms(401), "S");
    c.c2s(ms(402), "SA", {}, 1000, 5001); c.s2c(ms(403), "SA", {}, 5000, 1001);
    c.c2s(ms(404), "A"); c.s2c(ms(405), "A");
  }
  {  // N6: mid-stream both ways (loose 1: each would pick up, the rule drops it and no entry
     // stays), then a SYN; a RST of the server to the SYN, the client's SYN again and its RST
    conn c(k, 47006, 30000, 60000);
    c.c2s(ms(500), "PA", fill(10, 'd')); c.s2c(ms(501), "A"); c.c2s(ms(502), "A");
    conn d(k, 47007);
    d.c2s(ms(510), "S"); d.s2c(ms(511), "R", {}, 0, 0);
    d.c2s(ms(512), "S", {}, 1000);
    d.c2s(ms(513), "R", {}, 1001);
  }
  {  // N7: an established connection closed; TIME_WAIT reopened by a SYN; the client's RST before
     // the new SYN/ACK (new entry: NEW, dropped), the same again after a reply
    conn c(k, 47008);
    auto t = c.open(ms(600));
    c.c2s(t + ms(1), "FA"); c.s2c(t + ms(2), "FA"); c.c2s(t + ms(3), "A");
    c.c2s(t + ms(10), "S", {}, 90000);
    c.c2s(t + ms(11), "R", {}, 90001);
    c.c2s(t + ms(12), "S", {}, 91000);
    c.s2c(t + ms(13), "SA", {}, 95000, 91001);
    c.c2s(t + ms(14), "R", {}, 91001);
  }
  {  // N8: UDP one way (NEW, not filtered)
    k.add(ms(700), udp(ip4("192.0.2.10"), ip4("198.51.100.20"), 47009, 53, fill(20, 'u')));
    k.add(ms(701), udp(ip4("192.0.2.10"), ip4("198.51.100.20"), 47009, 53, fill(20, 'u')));
  }
  return k;
}

/// GRE version 1 (PPTP's enhanced GRE) without the PPTP helper: nf_conntrack_proto_gre keys a
/// version 1 packet carrying PPP by the call id (the destination key; the source key comes from the
/// helper's keymap, 0 without it), so the two directions of a call with non-zero call ids are two
/// unreplied entries; a version 1 packet carrying anything else has no tuple (INVALID). ICMP errors
/// from a router quoting the client's packets show which entries are alive. Run at --speedup 1
/// with --client-net 192.0.2.0/24 --server-net 198.51.100.0/24.
inline capture gre_v1() {
  capture k;
  auto gre1 = [](std::uint32_t a, std::uint32_t b, std::uint16_t call, std::uint16_t proto = 0x880b) {
    bytes g{0x20, 0x01};  // K bit, version 1
    app16(g, proto);
    app16(g, 12);  // payload length
    app16(g, call);
    for (int i = 0; i < 12; ++i) g.push_back(static_cast<std::uint8_t>(0xff - i));
    return ipv4(a, b, 47, g);
  };
  auto gre0 = [](std::uint32_t a, std::uint32_t b, std::uint32_t key) {
    bytes g{0x20, 0x00, 0x08, 0x00};  // K bit, version 0, IPv4
    app32(g, key);
    const bytes in = udp(ip4("10.200.0.1"), ip4("10.200.0.2"), 1, 2, {});
    g.insert(g.end(), in.begin(), in.end());
    return ipv4(a, b, 47, g);
  };
  const std::uint32_t R = ip4("198.51.100.254");
  auto err = [&](std::uint32_t to, const bytes& q) { return icmp(R, to, 3, 1, 0, head(q, 28)); };
  // V1: a call both ways with call ids 0x1111 / 0x2222: errors about the client's packets at 20 s
  // (its entry alive) and 45 s (its entry, never replied, expired at 30 s)
  const std::uint32_t C1 = ip4("192.0.2.10"), S1 = ip4("198.51.100.20");
  for (int i = 0; i < 3; ++i) {
    k.add(ms(10 * i), gre1(C1, S1, 0x1111));
    k.add(ms(10 * i + 5), gre1(S1, C1, 0x2222));
  }
  k.add(sec(20), err(C1, gre1(C1, S1, 0x1111)));
  k.add(sec(45), err(C1, gre1(C1, S1, 0x1111)));
  // V2: call ids 0 both ways: one entry, replied (stream timeout): error at 45 s
  const std::uint32_t C2 = ip4("192.0.2.11"), S2 = ip4("198.51.100.21");
  for (int i = 0; i < 3; ++i) {
    k.add(sec(1) + ms(10 * i), gre1(C2, S2, 0));
    k.add(sec(1) + ms(10 * i + 5), gre1(S2, C2, 0));
  }
  k.add(sec(45) + ms(10), err(C2, gre1(C2, S2, 0)));
  // V3: version 1 carrying IPv4 instead of PPP: no tuple
  const std::uint32_t C3 = ip4("192.0.2.12"), S3 = ip4("198.51.100.22");
  k.add(sec(2), gre1(C3, S3, 0x3333, 0x0800));
  k.add(sec(2) + ms(5), gre1(S3, C3, 0x4444, 0x0800));
  // V4: two calls one way on one address pair (0x5001 at 3 s, 0x5002 at 25 s): an error about
  // the first at 40 s (its entry expired at 33 s; the second is alive)
  const std::uint32_t C4 = ip4("192.0.2.13"), S4 = ip4("198.51.100.23");
  k.add(sec(3), gre1(C4, S4, 0x5001));
  k.add(sec(25), gre1(C4, S4, 0x5002));
  k.add(sec(40), err(C4, gre1(C4, S4, 0x5001)));
  k.add(sec(40) + ms(10), err(C4, gre1(C4, S4, 0x5002)));
  // V5: version 0 with keys both ways (keyed by addresses): replied, error at 45 s
  const std::uint32_t C5 = ip4("192.0.2.14"), S5 = ip4("198.51.100.24");
  k.add(sec(4), gre0(C5, S5, 0x10001));
  k.add(sec(4) + ms(5), gre0(S5, C5, 0x20002));
  k.add(sec(4) + ms(10), gre0(C5, S5, 0x10001));
  k.add(sec(45) + ms(20), err(C5, gre0(C5, S5, 0x10001)));
  return k;
}

/// ct-oracle's `mkpcap unack` scenario (which timeout applies before a 400 s gap), ported.
inline capture unack() {
  capture k;
  const std::int64_t gap = sec(400);
  conn cu(k, 44001); auto tl = cu.open(0); cu.c2s(tl + ms(1), "PA", fill(10, 'u'));
  conn ck(k, 44002); auto tl2 = ck.open(ms(10));
  conn cp(k, 44003, 30000, 60000); cp.c2s(ms(20), "PA", fill(10, 'p'));
  conn cq(k, 44004, 31000, 61000); cq.c2s(ms(30), "PA", fill(10, 'q')); cq.s2c(ms(31), "A");
  conn cr(k, 44005, 32000, 62000); cr.c2s(ms(40), "PA", fill(10, 'r')); cr.s2c(ms(41), "PA", fill(10, 'R')); cr.c2s(ms(42), "A");
  for (auto [c, t] : {std::pair{&cu, tl + ms(1)}, std::pair{&ck, tl2}, std::pair{&cp, ms(20)}, std::pair{&cq, ms(31)},
                      std::pair{&cr, ms(42)}}) {
    c->c2s(t + gap, "PA", str("afterafter"));
    c->s2c(t + gap + ms(1), "A");
  }
  return k;
}

/// SCTP corners beyond misc-edge: an association first seen by its HEARTBEAT, an INIT ACK
/// retransmitted with another tag, out-of-the-blue chunks, an ABORT, chunk bundles conntrack
/// rejects, SHUTDOWN COMPLETE with the T bit, DATA after the association closed (run with
/// --client-net 192.0.2.0/24 --server-net 198.51.100.0/24).
inline capture sctp_edge() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20");
  auto cat = [](std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  bytes tsn1;
  app32(tsn1, 1);
  // S3: association seen first by its HEARTBEAT; DATA with another tag
  const std::uint32_t X = 0xaaaa0001, Y = 0xbbbb0001, Z = 0xcccc0001;
  k.add(0, sctp(C, S, 53010, 3868, X, chunk(4, str("hbinfo12"))));
  k.add(ms(1), sctp(S, C, 3868, 53010, Y, chunk(5, str("hbinfo12"))));
  k.add(ms(2), sctp(C, S, 53010, 3868, X, data_chunk(1, str("after heartbeat"))));
  k.add(ms(3), sctp(S, C, 3868, 53010, Y, sack_chunk(1)));
  k.add(ms(4), sctp(C, S, 53010, 3868, Z, data_chunk(2, str("wrong tag"))));
  // S4: INIT ACK retransmitted with another tag; COOKIE ECHO with the old, then the new tag
  const std::uint32_t CT = 0x11110002, T1 = 0x22220002, T2 = 0x33330002;
  k.add(ms(100), sctp(C, S, 53011, 3868, 0, init_chunk(1, CT, 100)));
  k.add(ms(101), sctp(S, C, 3868, 53011, CT, init_chunk(2, T1, 200)));
  k.add(ms(102), sctp(S, C, 3868, 53011, CT, init_chunk(2, T2, 200)));
  k.add(ms(103), sctp(C, S, 53011, 3868, T1, chunk(10, str("cookie12"))));
  k.add(ms(104), sctp(C, S, 53011, 3868, T2, chunk(10, str("cookie12"))));
  k.add(ms(105), sctp(S, C, 3868, 53011, CT, chunk(11, {})));
  k.add(ms(106), sctp(C, S, 53011, 3868, T2, data_chunk(100, str("hello"))));
  // S5: out-of-the-blue ABORT, COOKIE ACK, INIT with a tag, INIT bundled with DATA, ERROR (creates
  // an entry); an association aborted by the server, then a new INIT on the same ports
  const std::uint32_t CT3 = 0x11110003, ST3 = 0x22220003;
  k.add(ms(200), sctp(C, S, 53012, 3868, ST3, chunk(6, {})));
  k.add(ms(201), sctp(C, S, 53012, 3868, ST3, chunk(11, {})));
  k.add(ms(202), sctp(C, S, 53012, 3868, ST3, init_chunk(1, CT3, 1)));
  k.add(ms(203), sctp(C, S, 53012, 3868, 0, cat({init_chunk(1, CT3, 1), data_chunk(1, str("x"))})));
  k.add(ms(204), sctp(C, S, 53012, 3868, 0, chunk(9, bytes{0, 1, 0, 4})));
  k.add(ms(205), sctp(C, S, 53013, 3868, 0, init_chunk(1, CT3, 1)));
  k.add(ms(206), sctp(S, C, 3868, 53013, CT3, chunk(6, {})));
  k.add(ms(207), sctp(C, S, 53013, 3868, 0, init_chunk(1, CT3 + 1, 1)));
  // S6: association; DATA + COOKIE ECHO bundle; DATA + SACK; shutdown with SHUTDOWN COMPLETE
  // carrying the peer's tag and the T bit; DATA after close
  const std::uint32_t CT4 = 0x11110004, ST4 = 0x22220004;
  k.add(ms(300), sctp(C, S, 53014, 3868, 0, init_chunk(1, CT4, 1)));
  k.add(ms(301), sctp(S, C, 3868, 53014, CT4, init_chunk(2, ST4, 1)));
  k.add(ms(302), sctp(C, S, 53014, 3868, ST4, chunk(10, str("cookie12"))));
  k.add(ms(303), sctp(S, C, 3868, 53014, CT4, chunk(11, {})));
  k.add(ms(304), sctp(C, S, 53014, 3868, ST4, cat({data_chunk(1, str("x")), chunk(10, str("cookie12"))})));
  k.add(ms(305), sctp(C, S, 53014, 3868, ST4, cat({data_chunk(2, str("y")), sack_chunk(1)})));
  k.add(ms(306), sctp(C, S, 53014, 3868, ST4, chunk(7, tsn1)));
  k.add(ms(307), sctp(S, C, 3868, 53014, CT4, chunk(8, {})));
  k.add(ms(308), sctp(C, S, 53014, 3868, CT4, chunk(14, {}, 1)));
  k.add(ms(309), sctp(C, S, 53014, 3868, ST4, data_chunk(3, str("after close"))));
  // S7: an INIT whose association is never answered: COOKIE_WAIT is never reached, CLOSED (10 s)
  // expires; the INIT retransmitted 12 s later creates a new entry
  k.add(sec(1), sctp(C, S, 53015, 3868, 0, init_chunk(1, 0x11110005, 1)));
  k.add(sec(13), sctp(C, S, 53015, 3868, 0, init_chunk(1, 0x11110005, 1)));
  k.add(sec(13) + ms(1), sctp(S, C, 3868, 53015, 0x11110005, init_chunk(2, 0x22220005, 1)));
  return k;
}

/// UDP-Lite with ports, its checks (checksum coverage, checksum missing, short packet) and the UDP
/// timeouts without the 2 s rule; ICMP errors show which entries are alive (speedup 1, defaults,
/// --checksum 0: ct-oracle does not rewrite UDP-Lite checksums; --client-net 192.0.2.0/24
/// --server-net 198.51.100.0/24).
inline capture udplite_edge() {
  capture k;
  const std::uint32_t C = ip4("192.0.2.10"), S = ip4("198.51.100.20");
  auto lite = [](std::uint32_t a, std::uint32_t b, std::uint16_t sp, std::uint16_t dp, std::size_t n,
                 std::uint16_t cov = 0, std::uint16_t check = 0x1234) {
    bytes u(8, 0);
    put16(u, 0, sp);
    put16(u, 2, dp);
    put16(u, 4, cov);
    put16(u, 6, check);
    u.insert(u.end(), n, static_cast<std::uint8_t>('l'));
    return ipv4(a, b, 136, u);
  };
  auto err = [&](const bytes& q) { return icmp(ip4("198.51.100.254"), C, 3, 3, 0, head(q, 28)); };
  // L1: one way at 0 and 25 s; errors at 25.1 s (alive) and 60 s (expired at 55 s); new at 60.5 s
  const bytes l1 = lite(C, S, 53001, 7, 20);
  k.add(0, l1);
  k.add(sec(25), l1);
  k.add(sec(25.1), err(l1));
  k.add(sec(60), err(l1));
  k.add(sec(60.5), l1);
  // L2: request, reply, request (stream at once: 120 s); errors at 100 s (alive) and 125 s (gone)
  const bytes l2 = lite(C, S, 53002, 7, 20);
  k.add(sec(1), l2);
  k.add(sec(1) + ms(1), lite(S, C, 7, 53002, 30));
  k.add(sec(1) + ms(2), l2);
  k.add(sec(100), err(l2));
  k.add(sec(125), err(l2));
  // L3: request and reply only (the reply keeps the unreplied timeout): error at 40 s (gone)
  const bytes l3 = lite(C, S, 53003, 7, 20);
  k.add(sec(2), l3);
  k.add(sec(2) + ms(1), lite(S, C, 7, 53003, 30));
  k.add(sec(40), err(l3));
  // L4: coverage 4, 19 (> 18), 8, 18, 0 with checksum 0, 6-byte header
  k.add(sec(3), lite(C, S, 53004, 7, 10, 4));
  k.add(sec(3) + ms(1), lite(C, S, 53005, 7, 10, 19));
  k.add(sec(3) + ms(2), lite(C, S, 53006, 7, 10, 8));
  k.add(sec(3) + ms(3), lite(C, S, 53007, 7, 10, 18));
  k.add(sec(3) + ms(4), lite(C, S, 53008, 7, 10, 0, 0));
  {
    bytes sh = head(lite(C, S, 53009, 7, 0), 26);
    put16(sh, 2, 26);
    put16(sh, 10, 0);
    put16(sh, 10, csum(sh, 0, 20));
    k.add(sec(3) + ms(5), sh);
  }
  // L5: two flows on one address pair: 53010 only at 4 s, 53011 at 4, 20, 40 s; error about
  // 53010 at 45 s (expired at 34 s; one session per address pair would still be alive)
  const bytes a = lite(C, S, 53010, 9, 20), b = lite(C, S, 53011, 9, 20);
  k.add(sec(4), a);
  k.add(sec(4) + ms(1), b);
  k.add(sec(20), b);
  k.add(sec(40), b);
  k.add(sec(45), err(a));
  // L6: a fragmented datagram (coverage 0) and its reply; a fragmented one without checksum
  {
    auto f = fragments(lite(C, S, 53012, 7, 1200), 0x5001, {600});
    k.add(sec(5), f[1]);
    k.add(sec(5) + ms(1), f[0]);
    k.add(sec(5) + ms(2), lite(S, C, 7, 53012, 10));
    auto g = fragments(lite(C, S, 53013, 7, 1200, 0, 0), 0x5002, {600});
    k.add(sec(6), g[0]);
    k.add(sec(6) + ms(1), g[1]);
  }
  return k;
}

}  // namespace oracle_synth

#include "synth_fuzz.hpp"

namespace oracle_synth {

/// Every synthetic capture by name.
inline const std::map<std::string, std::function<capture()>>& all() {
  static const std::map<std::string, std::function<capture()>> m = {
      {"tcp-edge", tcp_edge}, {"tcp-timers", tcp_timers}, {"misc-edge", misc_edge}, {"unack", unack},
      {"frag-edge", frag_edge}, {"sctp-edge", sctp_edge}, {"udplite-edge", udplite_edge},
      {"frag-timeout", frag_timeout}, {"nrs-edge", nrs_edge}, {"gre-v1", gre_v1},
      {"fuzz-directed", fuzz_directed}, {"fuzz-rst", fuzz_rst}, {"fuzz-icmp", fuzz_icmp}, {"fuzz-1", fuzz_1}, {"fuzz-2", fuzz_2}, {"fuzz-3", fuzz_3}, {"fuzz-4", fuzz_4},
      {"fuzz-5", fuzz_5}, {"fuzz-6", fuzz_6}, {"fuzz-7", fuzz_7}, {"fuzz-8", fuzz_8},
      {"fuzz-9", fuzz_9}, {"fuzz-10", fuzz_10}, {"fuzz-11", fuzz_11}, {"fuzz-12", fuzz_12},
      {"fuzz-13", fuzz_13}, {"fuzz-14", fuzz_14}, {"fuzz-17", fuzz_17}, {"fuzz-18", fuzz_18},
      {"fuzz-19", fuzz_19}, {"fuzz-20", fuzz_20}, {"fuzz-21", fuzz_21}, {"fuzz-22", fuzz_22},
      {"fuzz-23", fuzz_23}, {"fuzz-24", fuzz_24}, {"fuzz-25", fuzz_25}, {"fuzz-26", fuzz_26}};
  return m;
}

}  // namespace oracle_synth
