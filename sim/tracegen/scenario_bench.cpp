/// bench: a large streaming trace for benchmarks. M TCP connections (handshake, data, FIN close)
/// interleaved so that about C are open at once, about N packets in total. Memory is O(C): a
/// fixed array of connection slots; each packet is built into a small stack buffer (headers are
/// real; payload is all zeros, so checksums stay valid over the uncaptured bytes) and written
/// with caplen = min(len, snaplen).
#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "packet_build.hpp"
#include "pcap_out.hpp"
#include "scenario.hpp"

namespace sessim::tracegen {

namespace {

constexpr std::uint8_t f_fin = 0x01, f_syn = 0x02, f_psh = 0x08, f_ack = 0x10;
constexpr std::uint32_t max_payload = 1500 - 20 - 32;  // frames stay <= 1514 with Ethernet
constexpr std::uint32_t max_data_packets = 60000;

/// One connection slot.
struct bench_conn {
  std::uint32_t cip = 0, sip = 0;
  std::uint16_t cport = 0, sport = 0;
  std::uint32_t cseq = 0, sseq = 0;      ///< next sequence number of each side
  std::uint32_t cclock = 0, sclock = 0;  ///< TCP timestamp clock offsets (ms)
  std::uint32_t cts = 0, sts = 0;        ///< last TSval each side sent (the peer echoes it)
  std::uint16_t cid = 0, sid = 0;        ///< next IPv4 identification of each side
  std::uint32_t step = 0;                ///< packets emitted so far
  std::uint32_t data = 0;                ///< planned data-phase packets
};

static_assert(sizeof(bench_conn) == 48, "bench memory is concurrent x 48 bytes");

/// A bijection on 24 bits, so connection i gets a client address of its own in 10.0.0.0/8.
std::uint32_t perm24(std::uint32_t x) {
  constexpr std::uint32_t m = 0xffffff;
  x = (x * 0x9e3779u + 0x5bd1e9u) & m;
  x ^= x >> 13;
  x = (x * 0x6b43a9u) & m;
  x ^= x >> 11;
  return x & m;
}

class bench_writer {
 public:
  bench_writer(pcap_out& out, std::uint32_t snaplen) : out_(out), snap_(snaplen) {}

  /// Writes one TCP/IPv4 segment; the frame's wire length includes `payload` zero bytes.
  void segment(sim_time t, bool from_client, const bench_conn& c, std::uint8_t flags, std::uint32_t seq,
               std::uint32_t ack, std::uint32_t payload, std::uint32_t tsval, std::uint32_t tsecr,
               std::uint16_t ip_id) {
    std::uint8_t f[128] = {};
    std::uint32_t src = from_client ? c.cip : c.sip, dst = from_client ? c.sip : c.cip;
    // Ethernet: client MAC 02:00 + client address; the gateway is 02:00:00:00:00:01.
    std::uint8_t cmac[6] = {0x02, 0x00, 0, 0, 0, 0}, gmac[6] = {0x02, 0, 0, 0, 0, 0x01};
    put32(cmac + 2, c.cip);
    std::memcpy(f, from_client ? gmac : cmac, 6);
    std::memcpy(f + 6, from_client ? cmac : gmac, 6);
    put16(f + 12, 0x0800);
    bool syn = flags & f_syn;
    std::uint32_t tcp_len = (syn ? 40 : 32) + payload;
    std::uint8_t* ip = f + 14;
    ip[0] = 0x45;
    put16(ip + 2, static_cast<std::uint16_t>(20 + tcp_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000);
    ip[8] = from_client ? 64 : 56;
    ip[9] = 6;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    std::uint8_t* th = ip + 20;
    put16(th, from_client ? c.cport : c.sport);
    put16(th + 2, from_client ? c.sport : c.cport);
    put32(th + 4, seq);
    put32(th + 8, ack);
    th[12] = static_cast<std::uint8_t>((syn ? 40 : 32) / 4 << 4);
    th[13] = flags;
    if (syn) {
      put16(th + 14, from_client ? 64240 : 65160);
      bytes o = syn_options(1460, tsval, tsecr, 7);
      std::memcpy(th + 20, o.data(), o.size());
    } else {
      put16(th + 14, from_client ? 502 : 509);
      th[20] = 1;
      th[21] = 1;
      th[22] = 8;
      th[23] = 10;
      put32(th + 24, tsval);
      put32(th + 28, tsecr);
    }
    std::uint64_t acc = csum_add(0, ip + 12, 8);
    acc += 6 + tcp_len;
    acc = csum_add(acc, th, syn ? 40 : 32);  // the payload is zeros: adds nothing
    put16(th + 16, csum_fold(acc));
    std::uint32_t wire = 14 + 20 + tcp_len;
    std::uint32_t cap = std::min<std::uint32_t>({wire, snap_, static_cast<std::uint32_t>(sizeof f)});
    out_.write(trace_epoch + t, std::span<const std::uint8_t>(f, cap), wire);
    ++packets_;
  }
  std::uint64_t packets() const { return packets_; }

 private:
  pcap_out& out_;
  std::uint32_t snap_;
  std::uint64_t packets_ = 0;
};

}  // namespace

void run_bench(const run_context& ctx) {
  const options& o = ctx.opts;
  std::uint64_t n_packets = o.u64("packets", 10'000'000, 1, 4'000'000'000ULL);
  std::uint64_t n_conns = o.u64("conns", 1'000'000, 1, 1'000'000'000ULL);
  std::uint64_t concurrent = o.u64("concurrent", 100'000, 1, 100'000'000ULL);
  std::uint64_t rate = o.u64("rate", 100'000, 1, 1'000'000'000ULL);
  auto snaplen = static_cast<std::uint32_t>(o.u64("snaplen", 96, 54, 65535));
  concurrent = std::min(concurrent, n_conns);

  rng r(ctx.seed, "bench");
  pcap_out out(ctx.out, link_dlt(link_type::ethernet), snaplen);
  bench_writer w(out, snaplen);

  std::uint64_t data_left = n_packets > 6 * n_conns ? n_packets - 6 * n_conns : 0;
  std::uint64_t started = 0;
  auto make_conn = [&](bench_conn& c) {
    std::uint64_t i = started++;
    std::uint32_t host = perm24(static_cast<std::uint32_t>(i & 0xffffff));
    c = bench_conn{};
    c.cport = r.ephemeral_port();
    if (host == 0 || host == 0xffffff) {  // not 10.0.0.0 / 10.255.255.255: borrow a neighbour
      host = host ? 0xfffffe : 1;         // address with a port outside the ephemeral range
      c.cport = static_cast<std::uint16_t>(1024 + (i & 0x3fff));
    }
    c.cip = 0x0a000000u | host;
    static constexpr std::uint32_t nets[3] = {0xc0000200u, 0xc6336400u, 0xcb007100u};  // TEST-NETs
    c.sip = nets[r.below(3)] | static_cast<std::uint32_t>(r.range(1, 254));
    std::uint64_t pick = r.below(20);
    c.sport = pick < 14 ? 443 : pick < 19 ? 80 : 8443;
    c.cseq = r.u32();
    c.sseq = r.u32();
    c.cclock = r.u32();
    c.sclock = r.u32();
    c.cid = static_cast<std::uint16_t>(r.next());
    c.sid = static_cast<std::uint16_t>(r.next());
    std::uint64_t left = n_conns - i;
    std::uint64_t d;
    if (left == 1) {
      d = data_left;
    } else {
      double avg = static_cast<double>(data_left) / static_cast<double>(left);
      d = r.below(static_cast<std::uint64_t>(2 * avg) + 1);
    }
    d = std::min<std::uint64_t>({d, data_left, max_data_packets});
    data_left -= d;
    c.data = static_cast<std::uint32_t>(d);
  };

  std::vector<bench_conn> slots(concurrent);
  for (auto& c : slots) make_conn(c);
  std::uint64_t k = 0, open = 0, peak_open = 0;
  auto now = [&] { return static_cast<sim_time>(k * 1'000'000'000ULL / rate); };

  while (!slots.empty()) {
    std::size_t idx = r.below(slots.size());
    bench_conn& c = slots[idx];
    sim_time t = now();
    auto ts_now = static_cast<std::uint32_t>(t / 1'000'000);
    std::uint32_t cts = c.cclock + ts_now, sts = c.sclock + ts_now;
    std::uint32_t s = c.step++;
    bool done = false, client = true;
    if (s == 0) {
      w.segment(t, true, c, f_syn, c.cseq, 0, 0, cts, 0, c.cid++);
      c.cseq += 1;
      if (++open > peak_open) peak_open = open;
    } else if (s == 1) {
      client = false;
      w.segment(t, false, c, f_syn | f_ack, c.sseq, c.cseq, 0, sts, c.cts, c.sid++);
      c.sseq += 1;
    } else if (s == 2) {
      w.segment(t, true, c, f_ack, c.cseq, c.sseq, 0, cts, c.sts, c.cid++);
    } else if (s < 3 + c.data) {
      std::uint32_t j = s - 3;
      if (j == 0) {  // the request
        auto len = static_cast<std::uint32_t>(r.range(60, 700));
        w.segment(t, true, c, f_ack | f_psh, c.cseq, c.sseq, len, cts, c.sts, c.cid++);
        c.cseq += len;
      } else if ((j - 1) % 3 == 2) {  // the client ACKs every two server segments
        w.segment(t, true, c, f_ack, c.cseq, c.sseq, 0, cts, c.sts, c.cid++);
      } else {
        client = false;
        bool last = s + 1 == 3 + c.data || (j - 1) % 3 == 1;
        auto len = r.below(10) < 7 ? max_payload : static_cast<std::uint32_t>(r.range(1, max_payload));
        w.segment(t, false, c, last ? (f_ack | f_psh) : f_ack, c.sseq, c.cseq, len, sts, c.cts, c.sid++);
        c.sseq += len;
      }
    } else if (s == 3 + c.data) {
      w.segment(t, true, c, f_fin | f_ack, c.cseq, c.sseq, 0, cts, c.sts, c.cid++);
      c.cseq += 1;
    } else if (s == 4 + c.data) {
      client = false;
      w.segment(t, false, c, f_fin | f_ack, c.sseq, c.cseq, 0, sts, c.cts, c.sid++);
      c.sseq += 1;
    } else {
      w.segment(t, true, c, f_ack, c.cseq, c.sseq, 0, cts, c.sts, c.cid++);
      done = true;
    }
    (client ? c.cts : c.sts) = client ? cts : sts;
    ++k;
    if (done) {
      --open;
      if (started < n_conns) {
        make_conn(c);
      } else {
        slots[idx] = slots.back();
        slots.pop_back();
      }
    }
  }
  out.close();
  fmt::print("bench: {} packets, {} connections, peak {} open, {} s of trace, snaplen {}\n", w.packets(),
             started, peak_open, format_seconds(now()), snaplen);
}

}  // namespace sessim::tracegen
