#pragma once
/// event_queue: the discrete-event core's agenda. Events are ordered by time, then by insertion
/// (the ns-3 / OMNeT++ rule), so equal-time events run in the order they were scheduled and a run
/// is deterministic. Cancellation is lazy: a cancelled event stays in the heap and is skipped.
#include <cstdint>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "sessim/core/time.hpp"

namespace sessim {

/// Handle of a scheduled event, for cancel().
struct event_id {
  std::uint64_t seq = 0;
};

/// A time-ordered queue of events carrying a payload of type E.
template <class E>
class event_queue {
 public:
  /// Schedules `e` at time `t`; returns its handle.
  event_id schedule(sim_time t, E e) {
    const std::uint64_t seq = next_seq_++;
    heap_.push(entry{t, seq, std::move(e)});
    return event_id{seq};
  }

  /// Cancels a scheduled event (no effect if it already ran).
  void cancel(event_id id) { cancelled_.push_back(id.seq); }

  /// True when no live event is scheduled.
  bool empty() {
    skip_cancelled();
    return heap_.empty();
  }

  /// Time of the next live event, or `none`.
  sim_time next_time(sim_time none) {
    skip_cancelled();
    return heap_.empty() ? none : heap_.top().t;
  }

  /// Removes and returns the next live event (time, payload). Precondition: !empty().
  std::pair<sim_time, E> pop() {
    skip_cancelled();
    entry top = heap_.top();
    heap_.pop();
    return {top.t, std::move(top.e)};
  }

  /// Events scheduled so far (including cancelled and already run).
  std::uint64_t scheduled() const noexcept { return next_seq_; }

 private:
  struct entry {
    sim_time t;
    std::uint64_t seq;
    E e;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };

  void skip_cancelled() {
    while (!heap_.empty() && !cancelled_.empty()) {
      const std::uint64_t s = heap_.top().seq;
      bool found = false;
      for (std::size_t i = 0; i < cancelled_.size(); ++i)
        if (cancelled_[i] == s) {
          cancelled_[i] = cancelled_.back();
          cancelled_.pop_back();
          found = true;
          break;
        }
      if (!found) return;
      heap_.pop();
    }
  }

  std::priority_queue<entry, std::vector<entry>, later> heap_;
  std::vector<std::uint64_t> cancelled_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace sessim
