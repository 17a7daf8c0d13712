// sessim_decode_loop [--track] FILE: the replay's reader thread without the replay. It reads every
// frame with sessim's trace_reader (libpcap, the link/IP/L4 decoder, fragment reassembly) and
// hashes the key of every parsed frame (tracking_hash), which is all the reader thread of
// `sessim run` does per frame. Prints "packets N parsed P peak_flows F seconds S checksum C".
// --track adds the least any flow tracker does per packet: find the frame's flow (either
// direction) in an open-addressing table, add it on a miss, count its packets and bytes, stamp
// its last time, and remove it at the ACK after a FIN from each side (so the table holds the
// concurrent flows, as a session table does). No states, timeouts, expiry or report: a floor.
// With sessim_pcap_loop (the bare libpcap loop) it splits a replay's cost into reading and
// decoding, finding the flow, and the model itself: docs/performance.md, "Where the 0.5x target stands".
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "sessim/device/tracking_key.hpp"
#include "sessim/trace/trace_reader.hpp"

namespace {

/// The floor tracker's table: linear probing over 2^k slots (at most half full), backward-shift
/// deletion; it grows and never shrinks.
struct flow_table {
  struct slot {
    sessim::flow_key key;
    std::uint64_t packets = 0, bytes = 0;
    sessim::sim_time last = 0;
    std::uint8_t fins = 0;  ///< bit 0: a FIN from the flow's first sender, bit 1: from the other side
    bool used = false;
  };
  std::vector<slot> slots;
  std::size_t count = 0;
  explicit flow_table(std::size_t n) : slots(n) {}
  std::size_t peak = 0;
  /// Removes the flow in slot i (backward-shift deletion: no tombstones).
  void erase(std::size_t i) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t j = (i + 1) & mask; slots[j].used; j = (j + 1) & mask) {
      const std::size_t home = sessim::hash_bidir(slots[j].key) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {  // slot i lies on j's probe path
        slots[i] = slots[j];
        i = j;
      }
    }
    slots[i] = slot{};
    --count;
  }
  slot& find_or_add(const sessim::flow_key& k, std::size_t h) {
    for (;;) {
      const std::size_t mask = slots.size() - 1;
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        slot& s = slots[i];
        if (!s.used) {
          if (2 * (count + 1) > slots.size()) break;  // grow, then probe again
          s.used = true;
          s.key = k;
          if (++count > peak) peak = count;
          return s;
        }
        if (s.key.same_flow(k)) return s;
      }
      std::vector<slot> old(slots.size() * 2);
      old.swap(slots);
      count = 0;
      for (const slot& s : old)
        if (s.used) {
          for (std::size_t i = sessim::hash_bidir(s.key) & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1))
            if (!slots[i].used) {
              slots[i] = s;
              ++count;
              break;
            }
        }
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bool track = argc == 3 && std::strcmp(argv[1], "--track") == 0;
  if (argc != 2 && !track) {
    std::fprintf(stderr, "usage: sessim_decode_loop [--track] FILE.pcap\n");
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    sessim::trace_reader reader(argv[argc - 1]);
    flow_table table(track ? std::size_t{1} << 16 : 1);
    sessim::packet_view p;
    sessim::skip_reason why = sessim::skip_reason::none;
    std::uint64_t packets = 0, parsed = 0;
    std::size_t sum = 0;  // keeps the hashes from being optimised away
    // --track: a frame's flow is looked up 8 frames after it was read, its slot prefetched then.
    struct item {
      sessim::flow_key k;
      std::size_t h = 0;
      sessim::sim_time ts = 0;
      std::uint32_t len = 0;
      std::uint8_t flags = 0;
      bool tcp = false;
    };
    constexpr std::size_t ahead = 8;
    item ring[2 * ahead];
    std::size_t queued = 0, done = 0;
    auto process = [&](const item& x) {
      auto& f = table.find_or_add(x.k, x.h);
      ++f.packets;
      f.bytes += x.len;
      f.last = x.ts;
      if (x.tcp) {
        const std::uint8_t side = f.key == x.k ? 1 : 2;
        if (x.flags & sessim::tcp_flags::fin) f.fins |= side;
        else if (f.fins == 3 && (x.flags & sessim::tcp_flags::ack))
          table.erase(static_cast<std::size_t>(&f - table.slots.data()));
      }
    };
    while (reader.next(p, why)) {
      ++packets;
      if (why != sessim::skip_reason::none) continue;
      ++parsed;
      const std::size_t h = sessim::tracking_hash(p);
      sum += h;
      if (!track) continue;
      item& x = ring[queued++ % (2 * ahead)];
      x = item{sessim::tracking_key(p), h, p.ts, p.wire_len, p.flags, p.is_tcp()};
      __builtin_prefetch(&table.slots[h & (table.slots.size() - 1)]);
      if (queued - done > ahead) process(ring[done++ % (2 * ahead)]);
    }
    while (done < queued) process(ring[done++ % (2 * ahead)]);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("packets %llu parsed %llu peak_flows %zu seconds %.6f checksum %zu\n",
                static_cast<unsigned long long>(packets), static_cast<unsigned long long>(parsed), table.peak, s,
                sum & 0xff);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sessim_decode_loop: %s\n", e.what());
    return 4;
  }
  return 0;
}
