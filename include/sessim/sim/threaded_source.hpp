#pragma once
/// threaded_source: reads and decodes a trace on a second thread.
///
/// Wraps any frame source with `bool next(packet_view&, skip_reason&)` (trace_reader) and runs
/// it on its own thread, handing the decoded frames over through a single-producer /
/// single-consumer ring. The replay then spends its time on the session tables while libpcap's
/// reads, the link/IP/L4 decoding and fragment reassembly happen in parallel. Frames arrive in
/// the order the source produced them; an exception thrown by the source (a corrupt file) is
/// rethrown by next() after every frame before it was handed out, exactly where the source
/// itself would have thrown it. The wrapped source must not be used by anybody else until the
/// wrapper is destroyed (or next() returned false): it lives on the reader thread meanwhile.
/// Frames carry no pointers into the source's buffers (packet_view is self-contained), so
/// nothing may look at the source's "current raw frame" (trace_reader::raw()) while it runs.
/// next_ref() hands out a frame in place (no copy) for a consumer that keeps a short window.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <thread>
#include <utility>

#include "sessim/core/assert.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/device/tracking_key.hpp"

namespace sessim {

template <class Source>
class threaded_source {
 public:
  /// `capacity`: frames in flight (a power of two, at least 2 * 256).
  explicit threaded_source(Source& src, std::size_t capacity = 4096)
      : src_(src), mask_(capacity - 1), ring_(new slot[capacity]) {
    SESSIM_ASSERT(capacity >= 512 && (capacity & mask_) == 0);
    thread_ = std::thread([this] { produce(); });
  }
  threaded_source(const threaded_source&) = delete;
  threaded_source& operator=(const threaded_source&) = delete;
  ~threaded_source() {
    stop_.store(true, std::memory_order_relaxed);
    head_.store(head_.load(std::memory_order_relaxed) + mask_ + 1, std::memory_order_release);  // unblock a full ring
    head_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// The next frame, in source order; false at the end. Rethrows the source's exception.
  bool next(packet_view& p, skip_reason& why) {
    std::size_t h;
    return next(p, why, h);
  }
  /// The same, with the direction-independent hash of the frame's tracking key computed on the
  /// reader thread (hash_bidir(tracking_key(p)); unset for frames that were not parsed).
  bool next(packet_view& p, skip_reason& why, std::size_t& h) {
    const packet_view* q = nullptr;
    if (!next_ref(q, why, h)) return false;
    p = *q;
    return true;
  }

  /// Frames a reference from next_ref() stays valid for: it points into the ring, and the
  /// producer reuses a slot only after `retain` later frames were handed out.
  static constexpr std::uint64_t retain = 64;

  /// As next(), without copying the frame: `p` points at it in the ring until `retain` more
  /// frames have been handed out.
  bool next_ref(const packet_view*& p, skip_reason& why, std::size_t& h) {
    if (pos_ == seen_tail_) {
      if (!wait_for_data()) {
        if (error_) std::rethrow_exception(error_);
        return false;
      }
    }
    const slot& s = ring_[pos_ & mask_];
    p = &s.p;
    why = s.why;
    h = s.h;
    ++pos_;
    if ((pos_ & (batch - 1)) == 0) {  // let the producer reuse the slots
      head_.store(released(), std::memory_order_release);
      if ((pos_ & (mask_ >> 1)) == 0) head_.notify_all();  // wake it every half ring only
    }
    return true;
  }

 private:
  static constexpr std::uint64_t batch = 32;        ///< frames per publication of the tail
  static constexpr std::uint64_t wake_batch = 256;  ///< frames per wake-up of a waiting consumer
  struct alignas(64) slot {  // why and h first: the replay reads them ahead, on the packet's first line
    std::size_t h = 0;
    skip_reason why = skip_reason::none;
    packet_view p;
  };

  void produce() {
    std::uint64_t t = 0, head_seen = 0;
    try {
      for (;;) {
        if (stop_.load(std::memory_order_relaxed)) break;
        if (t - head_seen > mask_) {  // full: wait for the consumer
          tail_.store(t, std::memory_order_release);
          tail_.notify_all();
          for (;;) {
            head_seen = head_.load(std::memory_order_acquire);
            // refill once half the ring is free (fewer wake-ups than one per batch)
            if (t - head_seen <= (mask_ + 1) / 2 || stop_.load(std::memory_order_relaxed)) break;
            head_.wait(head_seen, std::memory_order_acquire);
          }
          if (stop_.load(std::memory_order_relaxed)) break;
        }
        slot& s = ring_[t & mask_];
        if (!src_.next(s.p, s.why)) break;
        if (s.why == skip_reason::none) s.h = tracking_hash(s.p);
        ++t;
        if ((t & (batch - 1)) == 0) {
          tail_.store(t, std::memory_order_release);
          if ((t & (wake_batch - 1)) == 0) tail_.notify_all();  // a waiting replay gets 256 frames a wake-up
        }
      }
    } catch (...) {
      error_ = std::current_exception();  // published by the release store of tail_ below
    }
    tail_.store(t | done_bit, std::memory_order_release);  // publishes error_ too
    tail_.notify_all();
  }

  /// Frames the producer may overwrite: all but the last `retain` handed out.
  std::uint64_t released() const noexcept { return pos_ > retain ? pos_ - retain : 0; }

  /// Waits until a frame beyond pos_ is published; false when the producer is done and none is.
  bool wait_for_data() {
    head_.store(released(), std::memory_order_release);  // free again, but the last `retain`
    head_.notify_all();
    for (;;) {
      const std::uint64_t v = tail_.load(std::memory_order_acquire);
      seen_tail_ = v & ~done_bit;
      if (pos_ != seen_tail_) return true;
      if (v & done_bit) return false;
      tail_.wait(v, std::memory_order_acquire);  // the end changes the value too: no lost wake-up
    }
  }

  Source& src_;
  std::size_t mask_;
  std::unique_ptr<slot[]> ring_;
  static constexpr std::uint64_t done_bit = std::uint64_t{1} << 63;
  alignas(64) std::atomic<std::uint64_t> tail_{0};  ///< frames published by the producer (| done_bit at the end)
  std::exception_ptr error_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  ///< frames the consumer is done with
  std::atomic<bool> stop_{false};
  alignas(64) std::uint64_t pos_ = 0, seen_tail_ = 0;  ///< consumer side
  std::thread thread_;
};

}  // namespace sessim
