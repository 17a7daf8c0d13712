#pragma once
/// trace_reader: reads a trace file frame by frame into packet_views, with per-reason counters.
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>

#include "sessim/core/packet.hpp"
#include "sessim/core/time.hpp"
#include "sessim/trace/decode.hpp"
#include "sessim/trace/fragment_cache.hpp"
#include "sessim/trace/pcap_source.hpp"

namespace sessim {

/// What a trace_reader has seen so far.
struct trace_stats {
  std::uint64_t frames = 0;     ///< frames read
  std::uint64_t parsed = 0;     ///< frames decoded into IP packets
  std::array<std::uint64_t, static_cast<std::size_t>(skip_reason::count_)> skipped{};  ///< by reason
  std::uint64_t truncated = 0;  ///< frames with caplen < wire length
  std::uint64_t time_backwards = 0;  ///< frames stamped earlier than their predecessor (clamped)
  bool has_first = false;       ///< at least one frame was read
  sim_time first_ts = 0;        ///< timestamp of the first frame
  sim_time last_ts = 0;         ///< (clamped) timestamp of the last frame

  /// Frames skipped for reason r.
  std::uint64_t skipped_for(skip_reason r) const { return skipped[static_cast<std::size_t>(r)]; }
  /// Frames skipped for any reason.
  std::uint64_t skipped_total() const {
    return std::accumulate(skipped.begin(), skipped.end(), std::uint64_t{0});
  }
};

/**
 * Reads a pcap/pcapng file and decodes every frame. Frames are returned in file order; a frame
 * stamped earlier than the previous one gets the previous frame's timestamp (time never goes
 * backwards for the simulator) and is counted in stats().time_backwards.
 */
class trace_reader {
 public:
  /// Opens `path` (throws trace_error); `frag_capacity` bounds the fragment cache.
  explicit trace_reader(const std::string& path,
                        std::size_t frag_capacity = fragment_cache::default_capacity)
      : src_(path), frags_(frag_capacity) {}

  /**
   * Reads the next frame; false at end of file. why == skip_reason::none: `out` is an IP packet.
   * Otherwise the frame was not decoded, and only out.frame, out.ts and out.wire_len are set.
   */
  bool next(packet_view& out, skip_reason& why) {
    raw_frame& f = raw_;
    if (!src_.next(f)) return false;
    ++stats_.frames;
    if (f.caplen < f.wire_len) ++stats_.truncated;
    sim_time ts = f.ts;
    if (!stats_.has_first) {
      stats_.has_first = true;
      stats_.first_ts = ts;
    } else if (ts < stats_.last_ts) {
      ts = stats_.last_ts;
      ++stats_.time_backwards;
    }
    stats_.last_ts = ts;
    out.frame = f.frame;
    out.ts = ts;
    why = decode_frame(f.linktype, f.data, f.caplen, f.wire_len, out, frags_);
    if (why == skip_reason::none) ++stats_.parsed;
    else ++stats_.skipped[static_cast<std::size_t>(why)];
    return true;
  }

  /// The IPv4 reassembly timeout the decoder applies (the replay's: the first device's
  /// ip.frag_timeout), so that it reassembles the same datagrams.
  void set_frag_timeout(sim_time t) { frags_.reassembly().set_timeout(t); }

  /// The raw bytes of the frame last returned by next() (valid until the next call).
  const raw_frame& raw() const { return raw_; }
  /// Counters so far.
  const trace_stats& stats() const { return stats_; }
  /// Timestamp of the first frame (0 before any frame was read).
  sim_time first_ts() const { return stats_.first_ts; }
  /// Link type of the file (first interface for pcapng).
  int linktype() const { return src_.linktype(); }
  /// The path as given.
  const std::string& path() const { return src_.path(); }

 private:
  pcap_source src_;
  raw_frame raw_{};
  fragment_cache frags_;
  trace_stats stats_;
};

}  // namespace sessim
