#pragma once
/// lockstep: several replays driven by one pass over a packet source. The source is read and
/// decoded once; the replays consume the same packets in the same order, on a Boost.Asio thread
/// pool when that pays off. Each replay sees exactly the stream a run of its own would see, so
/// the results do not depend on the number of threads.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "sessim/core/packet.hpp"
#include "sessim/report/summary.hpp"
#include "sessim/sim/replay.hpp"

namespace sessim {

/// One replay in a lockstep run.
struct lockstep_lane {
  replay* r = nullptr;          ///< the replay (not owned)
  replay_sink* sink = nullptr;  ///< where it reports (called from the lane's worker thread)
  bool synthetic = true;        ///< also feed synthetic packets (false: trace frames only)
};

/// How a lockstep run uses threads.
struct lockstep_options {
  unsigned threads = 0;     ///< workers; 0: std::thread::hardware_concurrency(); 1: the calling thread only
  std::size_t chunk = 4096; ///< packets per shared chunk
  bool per_packet = false;  ///< one worker: push each packet to every lane before reading the next
};

/**
 * Runs every lane over one pass of `src` (`next(packet_view&, skip_reason&) → bool`) and returns
 * the lanes' summaries in lane order.
 *
 * With one worker (or one lane) everything runs in the calling thread: with `per_packet`, each
 * packet goes to every lane before the next is read (so sinks may look at the source's current
 * frame, as `sessim run` does); otherwise chunk by chunk, each lane taking the whole chunk in turn
 * (its tables stay in cache). With more workers the calling
 * thread decodes the source into chunks of `chunk` packets (at most 2 × workers + 2 chunks in
 * flight, so memory is bounded) and the lanes are split over min(workers, lanes) strands of an
 * asio::thread_pool: lane i runs on strand i mod W, which processes the chunks in order. A sink
 * is only ever called from its lane's strand. Exceptions from the source or a lane are rethrown
 * here after the pool has stopped.
 */
template <class Source>
std::vector<run_summary> run_lockstep(Source& src, const std::vector<lockstep_lane>& lanes, lockstep_options opt = {}) {
  std::vector<run_summary> out(lanes.size());
  if (lanes.empty()) return out;
  unsigned workers = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  if (workers > lanes.size()) workers = static_cast<unsigned>(lanes.size());
  for (const auto& l : lanes) l.r->begin(*l.sink);

  if (workers <= 1 && (opt.per_packet || lanes.size() == 1)) {
    packet_view p;
    skip_reason why = skip_reason::none;
    while (src.next(p, why))
      for (const auto& l : lanes)
        if (!p.synthetic || l.synthetic) l.r->push(p, why);
    for (std::size_t i = 0; i < lanes.size(); ++i) out[i] = lanes[i].r->finish();
    return out;
  }
  if (workers <= 1) {
    std::vector<std::pair<packet_view, skip_reason>> items(std::max<std::size_t>(opt.chunk, 1));
    for (bool more = true; more;) {
      std::size_t n = 0;
      while (n < items.size() && src.next(items[n].first, items[n].second)) ++n;
      more = n == items.size();
      for (const auto& l : lanes)
        for (std::size_t k = 0; k < n; ++k)
          if (!items[k].first.synthetic || l.synthetic) l.r->push(items[k].first, items[k].second);
    }
    for (std::size_t i = 0; i < lanes.size(); ++i) out[i] = lanes[i].r->finish();
    return out;
  }

  struct chunk {
    std::vector<std::pair<packet_view, skip_reason>> items;
    std::atomic<unsigned> pending{0};
  };
  const std::size_t nchunks = 2 * static_cast<std::size_t>(workers) + 2;
  const std::size_t chunk_size = std::max<std::size_t>(opt.chunk, 1);
  std::vector<std::unique_ptr<chunk>> chunks;
  std::vector<std::size_t> free_list;
  for (std::size_t i = 0; i < nchunks; ++i) {
    chunks.push_back(std::make_unique<chunk>());
    chunks.back()->items.resize(chunk_size);
    free_list.push_back(nchunks - 1 - i);
  }
  std::mutex m;
  std::condition_variable cv;
  std::exception_ptr lane_error;

  boost::asio::thread_pool pool(workers);
  using strand_t = boost::asio::strand<boost::asio::thread_pool::executor_type>;
  std::vector<strand_t> strands;
  std::vector<std::vector<std::size_t>> groups(workers);
  for (unsigned w = 0; w < workers; ++w) strands.push_back(boost::asio::make_strand(pool.get_executor()));
  for (std::size_t i = 0; i < lanes.size(); ++i) groups[i % workers].push_back(i);

  auto release = [&](std::size_t ci) {
    if (chunks[ci]->pending.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> g(m);
      free_list.push_back(ci);
      cv.notify_one();
    }
  };

  std::exception_ptr source_error;
  try {
    for (bool more = true; more;) {
      std::size_t ci;
      {
        std::unique_lock<std::mutex> g(m);
        cv.wait(g, [&] { return !free_list.empty(); });
        ci = free_list.back();
        free_list.pop_back();
        if (lane_error) break;
      }
      chunk& c = *chunks[ci];
      std::size_t n = 0;
      while (n < chunk_size && src.next(c.items[n].first, c.items[n].second)) ++n;
      more = n == chunk_size;
      if (n == 0) break;
      c.pending.store(workers);
      for (unsigned w = 0; w < workers; ++w) {
        boost::asio::post(strands[w], [&, ci, n, w] {
          try {
            const chunk& cc = *chunks[ci];
            for (std::size_t li : groups[w]) {
              const lockstep_lane& l = lanes[li];
              for (std::size_t k = 0; k < n; ++k) {
                const auto& [p, why] = cc.items[k];
                if (!p.synthetic || l.synthetic) l.r->push(p, why);
              }
            }
          } catch (...) {
            std::lock_guard<std::mutex> g(m);
            if (!lane_error) lane_error = std::current_exception();
          }
          release(ci);
        });
      }
    }
  } catch (...) {
    source_error = std::current_exception();
  }
  if (!source_error) {
    for (unsigned w = 0; w < workers; ++w)
      boost::asio::post(strands[w], [&, w] {
        try {
          for (std::size_t li : groups[w]) out[li] = lanes[li].r->finish();
        } catch (...) {
          std::lock_guard<std::mutex> g(m);
          if (!lane_error) lane_error = std::current_exception();
        }
      });
  }
  pool.join();
  if (source_error) std::rethrow_exception(source_error);
  if (lane_error) std::rethrow_exception(lane_error);
  return out;
}

}  // namespace sessim
