// sessim_table_bench: micro-benchmarks of the session table and of one device's packet path.
//
//   table/*      session_table: insert, find (hit, miss, reverse direction), refresh (move to
//                the back of a FIFO), expire (earliest + erase), at 1k, 100k and 1M sessions.
//   umap/*       the same insert and finds on std::unordered_map<flow_key, 64-byte value> with
//                the same keys, the same direction-independent hash and a two-direction
//                equality: the baseline the table is reported against (docs/performance.md).
//   device/*     session_device::process (plus expire_until before each packet, as the replay
//                does) on a TCP mix: handshake, request, data with an ACK every two segments,
//                FIN/FIN/ACK close.
//
// Everything is deterministic (fixed seeds). Fill-and-drain benchmarks (insert, expire) time
// only the measured phase (manual time); their setup and teardown are untimed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "sessim/core/session_table.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/policy/presets/linux.hpp"

namespace {

using namespace sessim;
using bench_clock = std::chrono::steady_clock;

/// splitmix64: a small deterministic generator for keys and orders.
struct splitmix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

/// A TCP/IPv4 key: client in 10/8, server anywhere, ephemeral source port, server port 443.
flow_key random_key(splitmix& r) {
  std::uint64_t x = r.next();
  flow_key k;
  k.src = ip_addr::v4(0x0a000000u | static_cast<std::uint32_t>(x & 0xffffff));
  k.dst = ip_addr::v4(static_cast<std::uint32_t>(x >> 32));
  k.sport = static_cast<std::uint16_t>(1024 + (x >> 24 & 0xffff) % 64511);
  k.dport = 443;
  k.proto = 6;
  return k;
}

/// `n` distinct keys, and `n` more keys that are not among them (for misses).
struct key_set {
  std::vector<flow_key> present, absent;
  std::vector<std::uint32_t> order;  ///< a random permutation of 0..n-1 (lookup order)
};

const key_set& keys(std::size_t n) {
  static std::unordered_map<std::size_t, std::unique_ptr<key_set>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<key_set>();
  key_set& ks = *slot;
  splitmix r{0x5e551a + n};
  struct h {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_key(k); }
  };
  std::unordered_map<flow_key, char, h> seen;
  seen.reserve(2 * n);
  auto fresh = [&] {
    for (;;) {
      flow_key k = random_key(r);
      if (seen.emplace(k, 0).second && seen.emplace(k.reversed(), 0).second) return k;
    }
  };
  ks.present.reserve(n);
  ks.absent.reserve(n);
  for (std::size_t i = 0; i < n; ++i) ks.present.push_back(fresh());
  for (std::size_t i = 0; i < n; ++i) ks.absent.push_back(fresh());
  ks.order.resize(n);
  std::iota(ks.order.begin(), ks.order.end(), 0u);
  for (std::size_t i = n; i-- > 1;) std::swap(ks.order[i], ks.order[r.next() % (i + 1)]);
  return ks;
}

/// A table holding every key of `ks`, each in the established FIFO (deadline = insertion index).
std::unique_ptr<session_table> filled_table(const key_set& ks, std::vector<session*>* out = nullptr) {
  auto t = std::make_unique<session_table>();
  if (out) out->reserve(ks.present.size());
  sim_time d = 0;
  for (const flow_key& k : ks.present) {
    session& s = t->insert(k);
    t->refresh(s, timeout_slot::tcp_established, ++d);
    if (out) out->push_back(&s);
  }
  return t;
}

void set_items(benchmark::State& state, std::size_t per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(per_iteration));
}

// ---------------------------------------------------------------- session_table

void table_insert(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  for (auto _ : state) {
    auto t = std::make_unique<session_table>();
    auto t0 = bench_clock::now();
    for (const flow_key& k : ks.present) benchmark::DoNotOptimize(&t->insert(k));
    auto t1 = bench_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    t.reset();
  }
  set_items(state, n);
}

void table_find_hit(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  auto t = filled_table(ks);
  std::size_t i = 0;
  for (auto _ : state) {
    int dir = 0;
    session* s = t->find(ks.present[ks.order[i]], dir);
    benchmark::DoNotOptimize(s);
    if (++i == n) i = 0;
  }
  set_items(state, 1);
}

void table_find_miss(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  auto t = filled_table(ks);
  std::size_t i = 0;
  for (auto _ : state) {
    int dir = 0;
    session* s = t->find(ks.absent[ks.order[i]], dir);
    benchmark::DoNotOptimize(s);
    if (++i == n) i = 0;
  }
  set_items(state, 1);
}

void table_find_reverse(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  auto t = filled_table(ks);
  std::vector<flow_key> rev(n);
  for (std::size_t j = 0; j < n; ++j) rev[j] = ks.present[ks.order[j]].reversed();
  std::size_t i = 0;
  for (auto _ : state) {
    int dir = 0;
    session* s = t->find(rev[i], dir);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(dir);
    if (++i == n) i = 0;
  }
  set_items(state, 1);
}

void table_refresh(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  std::vector<session*> ss;
  auto t = filled_table(ks, &ss);
  std::vector<session*> seq(n);
  for (std::size_t j = 0; j < n; ++j) seq[j] = ss[ks.order[j]];
  sim_time now = static_cast<sim_time>(n);
  std::size_t i = 0;
  for (auto _ : state) {
    t->refresh(*seq[i], timeout_slot::tcp_established, ++now);
    if (++i == n) i = 0;
  }
  benchmark::DoNotOptimize(t->earliest());
  set_items(state, 1);
}

void table_expire(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  session_table t;
  // Three timeout classes interleaved, as a device has them (earliest() looks at every head).
  constexpr timeout_slot slots[3] = {timeout_slot::tcp_established, timeout_slot::tcp_time_wait,
                                     timeout_slot::tcp_syn_sent};
  for (auto _ : state) {
    sim_time d = 0;
    std::size_t j = 0;
    for (const flow_key& k : ks.present) t.refresh(t.insert(k), slots[j++ % 3], ++d);
    auto t0 = bench_clock::now();
    while (session* s = t.earliest()) t.erase(*s);
    auto t1 = bench_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  set_items(state, n);
}

// ---------------------------------------------------------------- std::unordered_map baseline

/// What the map stores per key: the session's non-hook, non-key fields (deadline, status, slot,
/// 52-byte TCP track) rounded to 64 bytes.
struct map_value {
  std::uint8_t bytes[64];
};
struct bidir_hash {
  std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
};
struct bidir_eq {
  bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a == b || a == b.reversed(); }
};
using flow_map = std::unordered_map<flow_key, map_value, bidir_hash, bidir_eq>;

std::unique_ptr<flow_map> filled_map(const key_set& ks) {
  auto m = std::make_unique<flow_map>();
  for (const flow_key& k : ks.present) m->try_emplace(k);
  return m;
}

void umap_insert(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  for (auto _ : state) {
    auto m = std::make_unique<flow_map>();
    auto t0 = bench_clock::now();
    for (const flow_key& k : ks.present) benchmark::DoNotOptimize(&m->try_emplace(k).first->second);
    auto t1 = bench_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    m.reset();
  }
  set_items(state, n);
}

template <bool Absent, bool Reverse>
void umap_find(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const key_set& ks = keys(n);
  auto m = filled_map(ks);
  std::vector<flow_key> look(n);
  for (std::size_t j = 0; j < n; ++j) {
    const flow_key& k = (Absent ? ks.absent : ks.present)[ks.order[j]];
    look[j] = Reverse ? k.reversed() : k;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto it = m->find(look[i]);
    const map_value* v = it == m->end() ? nullptr : &it->second;
    benchmark::DoNotOptimize(v);
    if (++i == n) i = 0;
  }
  set_items(state, 1);
}

// ---------------------------------------------------------------- session_device::process

/// One packet of the flow mix, compact (the packet_view is built from it in the loop).
struct mix_packet {
  std::uint32_t conn;
  std::uint32_t seq, ack;
  std::uint16_t payload;
  std::uint8_t flags;
  std::uint8_t from_server;
};

/// The key of connection `id`: distinct for every id below 2^24.
flow_key conn_key(std::uint32_t id) {
  std::uint32_t x = id & 0xffffff;
  x = (x * 0x9e3779u + 0x5bd1e9u) & 0xffffff;  // a bijection on 24 bits
  x ^= x >> 13;
  x = (x * 0x6b43a9u) & 0xffffff;
  x ^= x >> 11;
  flow_key k;
  k.src = ip_addr::v4(0x0a000000u | x);
  k.dst = ip_addr::v4(0xc6336400u | (id % 254 + 1));
  k.sport = static_cast<std::uint16_t>(32768 + id % 28000);
  k.dport = 443;
  k.proto = 6;
  return k;
}

/** `packets` packets of TCP connections, about `concurrent` open at once (each packet goes to
 *  a random open connection, as sessim-tracegen's bench scenario does): SYN, SYN/ACK, ACK, a
 *  request, 0..2*avg server segments (1448 bytes) with a client ACK after every two, FIN, FIN,
 *  ACK. About 10 packets per connection. */
const std::vector<mix_packet>& flow_mix(std::size_t concurrent, std::size_t packets) {
  static std::unordered_map<std::uint64_t, std::vector<mix_packet>> cache;
  auto& out = cache[concurrent * 1'000'000'007ULL + packets];
  if (!out.empty()) return out;
  out.reserve(packets);
  splitmix r{0xf10e + concurrent};
  struct conn {
    std::uint32_t id, cseq, sseq, step, data;
  };
  std::uint32_t next_id = 0;
  auto start = [&](conn& c) {
    c.id = next_id++;
    c.cseq = static_cast<std::uint32_t>(r.next());
    c.sseq = static_cast<std::uint32_t>(r.next());
    c.step = 0;
    c.data = static_cast<std::uint32_t>(r.next() % 9);  // 0..8 data-phase packets: ~10 per connection
  };
  std::vector<conn> open(concurrent);
  for (auto& c : open) start(c);
  constexpr std::uint8_t syn = tcp_flags::syn, ack = tcp_flags::ack, fin = tcp_flags::fin, psh = tcp_flags::psh;
  while (out.size() < packets) {
    conn& c = open[r.next() % open.size()];
    const std::uint32_t s = c.step++;
    mix_packet p{c.id, 0, 0, 0, 0, 0};
    bool done = false;
    auto client = [&](std::uint8_t f, std::uint16_t len) {
      p = {c.id, c.cseq, (f & ack) ? c.sseq : 0, len, f, 0};
      c.cseq += len + ((f & (syn | fin)) ? 1 : 0);
    };
    auto server = [&](std::uint8_t f, std::uint16_t len) {
      p = {c.id, c.sseq, c.cseq, len, f, 1};
      c.sseq += len + ((f & (syn | fin)) ? 1 : 0);
    };
    if (s == 0) client(syn, 0);
    else if (s == 1) server(syn | ack, 0);
    else if (s == 2) client(ack, 0);
    else if (s == 3) client(ack | psh, static_cast<std::uint16_t>(60 + r.next() % 640));
    else if (s < 4 + c.data) {
      if ((s - 4) % 3 == 2) client(ack, 0);
      else server(ack, 1448);
    } else if (s == 4 + c.data) client(fin | ack, 0);
    else if (s == 5 + c.data) server(fin | ack, 0);
    else {
      client(ack, 0);
      done = true;
    }
    out.push_back(p);
    if (done) start(c);
  }
  return out;
}

/// The packet_view the decoder would produce for `m` (TCP/IPv4, 20-byte header, no options).
inline void build_view(packet_view& v, const mix_packet& m, sim_time ts, std::uint64_t frame) {
  const flow_key k = conn_key(m.conn);
  v.frame = frame;
  v.ts = ts;
  v.key = m.from_server ? k.reversed() : k;
  v.seq = m.seq;
  v.ack = m.ack;
  v.flags = m.flags;
  v.win = m.from_server ? 65160 : 64240;
  v.doff = 20;
  v.l4_len = 20u + m.payload;
  v.payload_len = m.payload;
  v.ip_len = 20 + v.l4_len;
  v.wire_len = 14 + v.ip_len;
}

constexpr sim_time mix_spacing = 10'000;  // 10 µs between packets: 100 k packets/s of trace time

/// Packets per run of the device benchmarks: enough for every connection to close many times over.
std::size_t mix_packets(std::size_t concurrent) { return std::max<std::size_t>(1'000'000, 20 * concurrent); }

void device_process(benchmark::State& state) {
  const auto concurrent = static_cast<std::size_t>(state.range(0));
  const auto time_wait = static_cast<double>(state.range(1));
  const std::size_t n = mix_packets(concurrent);
  const auto& mix = flow_mix(concurrent, n);
  device_config cfg = presets::make_linux();
  cfg.set_timeout(timeout_slot::tcp_time_wait, seconds(time_wait));
  std::uint64_t forwarded = 0, expired = 0, peak = 0, created = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto dev = std::make_unique<session_device>("fw", cfg);
    state.ResumeTiming();
    packet_view v;
    std::uint64_t ended = 0;
    auto on_end = [&](const session_end&) { ++ended; };
    for (std::size_t i = 0; i < n; ++i) {
      const sim_time now = static_cast<sim_time>(i) * mix_spacing;
      build_view(v, mix[i], now, i + 1);
      dev->expire_until(now, on_end);
      decision d = dev->process(v, now, false, on_end);
      benchmark::DoNotOptimize(d);
    }
    state.PauseTiming();
    forwarded = dev->stats().forwarded;
    expired = dev->stats().expired;
    created = dev->stats().created;
    peak = dev->peak_sessions();
    benchmark::DoNotOptimize(ended);
    dev.reset();
    state.ResumeTiming();
  }
  set_items(state, n);
  state.counters["forwarded_pct"] = 100.0 * static_cast<double>(forwarded) / static_cast<double>(n);
  state.counters["sessions_created"] = static_cast<double>(created);
  state.counters["expired"] = static_cast<double>(expired);
  state.counters["peak_sessions"] = static_cast<double>(peak);
}

/// The cost of building the packet_views alone (to subtract from device/process).
void device_build_only(benchmark::State& state) {
  const auto concurrent = static_cast<std::size_t>(state.range(0));
  const std::size_t n = mix_packets(concurrent);
  const auto& mix = flow_mix(concurrent, n);
  for (auto _ : state) {
    packet_view v;
    for (std::size_t i = 0; i < n; ++i) {
      build_view(v, mix[i], static_cast<sim_time>(i) * mix_spacing, i + 1);
      benchmark::DoNotOptimize(v);
    }
  }
  set_items(state, n);
}

void sizes(benchmark::internal::Benchmark* b) { b->Arg(1'000)->Arg(100'000)->Arg(1'000'000); }

}  // namespace

BENCHMARK(table_insert)->Name("table/insert")->Apply(sizes)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(umap_insert)->Name("umap/insert")->Apply(sizes)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(table_find_hit)->Name("table/find_hit")->Apply(sizes);
BENCHMARK(umap_find<false, false>)->Name("umap/find_hit")->Apply(sizes);
BENCHMARK(table_find_miss)->Name("table/find_miss")->Apply(sizes);
BENCHMARK(umap_find<true, false>)->Name("umap/find_miss")->Apply(sizes);
BENCHMARK(table_find_reverse)->Name("table/find_reverse")->Apply(sizes);
BENCHMARK(umap_find<false, true>)->Name("umap/find_reverse")->Apply(sizes);
BENCHMARK(table_refresh)->Name("table/refresh")->Apply(sizes);
BENCHMARK(table_expire)->Name("table/expire")->Apply(sizes)->UseManualTime()->Unit(benchmark::kMillisecond);
// Args: concurrent connections, tcp.time_wait seconds (120 = linux default: no session expires
// within the run; 1: TIME_WAIT sessions expire, the table reaches a steady state).
BENCHMARK(device_process)->Name("device/process")->Args({1'000, 120})->Args({100'000, 120})->Args({100'000, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(device_build_only)->Name("device/build_only")->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
