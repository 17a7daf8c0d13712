#pragma once
/// frag_queue: the bookkeeping of one IP reassembly queue as ip_frag_queue() (IPv4) and
/// nf_ct_frag6_queue() (IPv6) keep it, with inet_frag_queue_insert()'s fragment runs: which
/// fragments are queued, dropped alone as duplicates, or discard the whole datagram.
#include <cstdint>
#include <vector>

namespace sessim {

/// What queueing one fragment did.
enum class frag_insert : std::uint8_t {
  queued,   ///< kept
  dup,      ///< lies inside one run of what is queued (IPFRAG_DUP): dropped alone
  discard   ///< the datagram is discarded (overlap, contradicting end, zero length, ...)
};

/** One reassembly queue. Offsets are bytes of the fragmentable part. A *run* is a stretch of
 *  fragments that arrived in order, each starting where the previous one ended (the kernel
 *  appends such a fragment to the last run, fragrun_append_to_last); any other fragment starts a
 *  run of its own. Runs never overlap. */
struct frag_queue {
  struct run {
    std::uint32_t start, end;
  };
  std::vector<run> runs;     ///< by start; the last one ends at the queue's tail
  std::uint32_t len = 0;     ///< q.len: the datagram's end when last_in, else the largest end seen
  std::uint32_t meat = 0;    ///< data bytes queued
  bool first_in = false, last_in = false;

  /// The end ip_frag_queue keeps for an IPv4 fragment: a non-last one is cut to a multiple of 8.
  static std::uint32_t kept_end(std::uint32_t end, bool more) { return more ? end & ~7u : end; }

  /// Queues fragment [offset, end) (`more`: the MF flag; `v6`: nf_ct_frag6_queue's rules).
  frag_insert insert(std::uint32_t offset, std::uint32_t end, bool more, bool v6) {
    if (!more) {
      if (end < len || (last_in && end != len)) return frag_insert::discard;
      last_in = true;
      len = end;
    } else {
      if (end & 7) {
        if (v6) return frag_insert::discard;  // "end of fragment not rounded to 8 bytes"
        end = kept_end(end, more);
      }
      if (end > len) {
        if (last_in) return frag_insert::discard;
        len = end;
      }
    }
    if (end == offset) return frag_insert::discard;
    const frag_insert r = place(offset, end);
    if (r != frag_insert::queued) return r;
    meat += end - offset;
    if (offset == 0) first_in = true;
    return r;
  }

  /// Every byte is in: the kernel reassembles.
  bool complete() const { return first_in && last_in && meat == len; }

 private:
  /// inet_frag_queue_insert(): past the tail, or into the gaps between runs.
  frag_insert place(std::uint32_t offset, std::uint32_t end) {
    if (runs.empty()) {
      runs.push_back({offset, end});
      return frag_insert::queued;
    }
    run& last = runs.back();
    if (last.end < end) {
      if (offset < last.end) return frag_insert::discard;
      if (offset == last.end) last.end = end;
      else runs.push_back({offset, end});
      return frag_insert::queued;
    }
    auto at = runs.begin();
    for (; at != runs.end() && at->start < end; ++at)
      if (offset < at->end) return offset >= at->start && end <= at->end ? frag_insert::dup : frag_insert::discard;
    runs.insert(at, {offset, end});
    return frag_insert::queued;
  }
};

}  // namespace sessim
