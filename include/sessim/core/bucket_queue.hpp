#pragma once
/// bucket_queue: a min-priority queue for time-stamped entries that are mostly pushed in time
/// order and popped long after (the connection log's idle queue).
///
/// Entries go into buckets of 2^shift ns by their stamp; only the lowest bucket is kept as a
/// binary heap, the others are unsorted vectors (a push is an append). When the heap runs dry the
/// next bucket is heapified. pop() order is exactly the order of one big heap with the same
/// comparison (`Less`: a strict weak order consistent with the stamp: a.stamp < b.stamp implies
/// Less(a, b)), but the heap is one bucket's worth of entries, which stays in the cache, instead
/// of every entry. Empty stretches of time cost nothing (the buckets are a sorted map).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <vector>

#include "sessim/core/time.hpp"

namespace sessim {

template <class T, class Less, unsigned Shift = 30>
class bucket_queue {
 public:
  bool empty() const noexcept { return heap_.empty() && buckets_.empty(); }
  std::size_t size() const noexcept { return size_; }

  void push(const T& e) {
    ++size_;
    const std::int64_t k = key(e.stamp);
    if (has_cur_ && k <= cur_key_) {  // belongs with (or before) the heap's bucket
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), later{});
      return;
    }
    if (!last_ || k != last_key_) {
      last_ = &buckets_[k];
      last_key_ = k;
    }
    last_->push_back(e);
  }

  /// The smallest entry (not empty()).
  const T& top() {
    fill();
    return heap_.front();
  }

  /// Removes the smallest entry (not empty()).
  void pop() {
    fill();
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    heap_.pop_back();
    --size_;
  }

  /// The entries after the top in heap order (up to n of them), for prefetching.
  template <class F>
  void peek_next(std::size_t n, F&& f) const {
    for (std::size_t k = 1; k <= n && k < heap_.size(); ++k) f(heap_[k]);
  }

  void clear() {
    heap_.clear();
    buckets_.clear();
    last_ = nullptr;
    has_cur_ = false;
    size_ = 0;
  }

 private:
  struct later {
    bool operator()(const T& a, const T& b) const noexcept { return Less{}(b, a); }
  };
  static std::int64_t key(sim_time t) noexcept { return static_cast<std::int64_t>(t) >> Shift; }

  void fill() {
    if (!heap_.empty()) return;
    auto it = buckets_.begin();  // not empty(): a bucket holds the rest
    heap_.swap(it->second);
    cur_key_ = it->first;
    has_cur_ = true;
    if (last_ == &it->second) last_ = nullptr;
    buckets_.erase(it);
    std::make_heap(heap_.begin(), heap_.end(), later{});
  }

  std::vector<T> heap_;                            ///< the lowest bucket (cur_key_), a min-heap
  std::map<std::int64_t, std::vector<T>> buckets_;  ///< later buckets, unsorted
  std::vector<T>* last_ = nullptr;                 ///< the bucket pushed to last (most pushes)
  std::int64_t last_key_ = 0, cur_key_ = 0;
  bool has_cur_ = false;
  std::size_t size_ = 0;
};

}  // namespace sessim
