#pragma once
/// session_table: pooled sessions in a Boost.Intrusive hash set, with one lazy expiry queue per
/// timeout slot. Lookup, refresh and expiry are O(1) amortized; no allocation per packet.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <boost/intrusive/unordered_set.hpp>

#include "sessim/core/assert.hpp"
#include "sessim/core/pool.hpp"
#include "sessim/core/session.hpp"

namespace sessim {

/** A device's session table.
 *  Expiry order: inside one timeout slot the sessions leave in the order of their last refresh
 *  (a FIFO: every session of a slot has the same timeout, so that is deadline order), and
 *  earliest() is the slot heads' earliest deadline (ties: lowest slot). The order is kept
 *  lazily, without list links a refresh would have to rewrite in the neighbours: every refresh
 *  stamps the session with a new sequence number (seq_), and a session is queued only when it
 *  enters a slot (a vector in push order, `fifo`). A queued entry is current while the session's
 *  qid_ names it; a stale one (the session left the slot or was erased/reused) is dropped when it
 *  reaches the front, and a current front whose session was refreshed since moves to a min-heap
 *  of requeued sessions keyed by their last refresh (`later`). The slot's head is the smaller of
 *  the two fronts by seq_: exactly the front of a FIFO list moved on every refresh. Sessions
 *  live in a pool of fixed-size chunks; erased sessions go to a free list and are reused. */
class session_table {
 public:
  /// Hash of a stored session (direction-independent).
  struct session_hash {
    std::size_t operator()(const session& s) const noexcept { return hash_bidir(s.key.unpack()); }
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  /// Equality between sessions, and between a key and a session in either direction.
  struct session_equal {
    bool operator()(const session& a, const session& b) const noexcept {
      return std::memcmp(&a.key, &b.key, sizeof a.key) == 0;
    }
    bool operator()(const flow_key& k, const session& s) const noexcept { return s.key.match(k) >= 0; }
    bool operator()(const session& s, const flow_key& k) const noexcept { return s.key.match(k) >= 0; }
  };

  using set_type = bi::unordered_set<
      session, bi::member_hook<session, decltype(session::set_hook_), &session::set_hook_>,
      bi::hash<session_hash>, bi::equal<session_equal>, bi::power_2_buckets<true>,
      bi::constant_time_size<true>>;
  /// Creates an empty table; `initial_buckets` is rounded up to a power of two.
  explicit session_table(std::size_t initial_buckets = 1024)
      : buckets_(round_pow2(initial_buckets)),
        set_(typename set_type::bucket_traits(buckets_.data(), buckets_.size())) {}

  session_table(const session_table&) = delete;
  session_table& operator=(const session_table&) = delete;

  ~session_table() { set_.clear(); }

  /// Finds the session of a packet's key; `dir` gets 0 (original) or 1 (reply).
  session* find(const flow_key& k, int& dir) noexcept {
    auto it = set_.find(k, session_hash{}, session_equal{});
    if (it == set_.end()) return nullptr;
    dir = it->key.match(k);
    return &*it;
  }

  /// As find(), trying `hint` first (a session this flow had before, possibly erased or reused
  /// since): a live entry whose key matches is the flow's session, since keys are unique.
  session* find_hinted(const flow_key& k, int& dir, const session* hint) noexcept {
    if (hint && hint->linked_) {
      const int d = hint->key.match(k);
      if (d >= 0) {
        dir = d;
        return const_cast<session*>(hint);
      }
    }
    return find(k, dir);
  }

  /// Read-ahead, step 1: brings the bucket of a key with hash `h` (hash_bidir) into the cache.
  void prefetch_bucket(std::size_t h) const noexcept {
    __builtin_prefetch(&buckets_[h & (buckets_.size() - 1)]);
  }
  /// Read-ahead, step 2 (once the bucket is cached): brings its first session's first lines in.
  void prefetch_entry(std::size_t h) noexcept {
    const std::size_t n = h & (set_.bucket_count() - 1);
    auto it = set_.begin(n);
    if (it == set_.end(n)) return;
    const char* e = reinterpret_cast<const char*>(&*it);
    __builtin_prefetch(e);
    __builtin_prefetch(e + 64);
  }

  /// Inserts a new session with original tuple `k`; it is not yet in any FIFO (call refresh).
  session& insert(const flow_key& k) {
    session* s = allocate();
    s->key = packed_key::from(k);
    s->status = 0;
    s->deadline = 0;
    set_.insert(*s);
    if (set_.size() > buckets_.size()) grow();
    if (set_.size() > peak_) peak_ = set_.size();
    return *s;
  }

  /// Puts a session at the back of `slot`'s expiry order with the given deadline.
  void refresh(session& s, timeout_slot slot, sim_time deadline) noexcept {
    const std::size_t i = idx(slot);
    s.seq_ = ++seq_;
    s.deadline = deadline;
    if (deadline < bound_) bound_ = deadline;
    if (deadline < last_deadline_[i]) ordered_ = false;  // the FIFO is no longer deadline order
    else last_deadline_[i] = deadline;
    if (s.linked_ && s.slot == slot) return;  // same slot: the new seq_ is its place
    if (s.linked_) --count_[idx(s.slot)];
    s.linked_ = 1;
    s.slot = slot;
    s.qid_ = s.seq_;
    ++count_[i];
    queues_[i].push(&s, s.seq_);
    queues_[i].bound_size(i, count_[i]);
  }

  /// Removes a session and returns it to the pool.
  void erase(session& s) noexcept {
    if (s.linked_) --count_[idx(s.slot)];
    s.linked_ = 0;
    s.qid_ = 0;
    set_.erase(set_.iterator_to(s));
    pool_.release(&s);
  }

  /// The earliest deadline of any session, or `none` when empty.
  sim_time next_deadline(sim_time none) const noexcept {
    const session* s = earliest();
    return s ? s->deadline : none;
  }

  /// The session with the earliest deadline (nullptr when empty). Ties: lowest slot first.
  session* earliest() const noexcept {
    session* best = nullptr;
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      if (count_[i] == 0) continue;
      session* h = queues_[i].head(i, count_[i]);
      if (h && (!best || h->deadline < best->deadline)) best = h;
    }
    return best;
  }

  /// earliest() when its deadline is at or before `now`, else nullptr. Cheap while nothing is
  /// due: a lower bound of every deadline is kept (refreshes lower it; it is recomputed only when
  /// `now` reaches it).
  session* earliest_due(sim_time now) noexcept {
    if (now < bound_ && ordered_) return nullptr;
    session* s = earliest();
    if (!s || s->deadline > now) {
      bound_ = s ? s->deadline : std::numeric_limits<sim_time>::max();
      return nullptr;
    }
    return s;
  }

  /// The least recently refreshed session, given each slot's timeout (for LRU eviction).
  session* least_recent(const std::array<sim_time, timeout_slot_count>& timeouts) noexcept {
    session* best = nullptr;
    sim_time best_t = 0;
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      if (count_[i] == 0) continue;
      session* h = queues_[i].head(i, count_[i]);
      if (!h) continue;
      sim_time last = h->deadline - timeouts[i];
      if (!best || last < best_t) { best = h; best_t = last; }
    }
    return best;
  }

  /// Calls f(session&) for up to `n` sessions in the buckets starting at k's bucket; stops when
  /// f returns true and returns that session (conntrack's early_drop scan).
  template <class F>
  session* scan_from(const flow_key& k, std::size_t n, F&& f) {
    std::size_t b = set_.bucket(k, session_hash{});
    std::size_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size() && seen < n; ++i) {
      std::size_t bi_ = (b + i) & (buckets_.size() - 1);
      for (auto it = set_.begin(bi_); it != set_.end(bi_) && seen < n; ++it, ++seen)
        if (f(*it)) return &*it;
    }
    return nullptr;
  }

  /// Calls f(session&) for every session, in slot then expiry order (deterministic).
  template <class F>
  void for_each(F&& f) {
    std::vector<session*> v;
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      if (count_[i] == 0) continue;
      v.clear();
      queues_[i].collect(i, v);
      std::sort(v.begin(), v.end(), [](const session* a, const session* b) { return a->seq_ < b->seq_; });
      for (session* s : v) f(*s);
    }
  }

  /// Entries in the expiry queues, stale ones included (memory accounting, tests).
  std::size_t queued() const noexcept {
    std::size_t n = 0;
    for (const auto& q : queues_) n += q.size();
    return n;
  }

  /// Sessions in the table.
  std::size_t size() const noexcept { return set_.size(); }
  /// Largest size seen.
  std::size_t peak() const noexcept { return peak_; }
  /// Sessions allocated in the pool (in use + free).
  std::size_t pool_capacity() const noexcept { return pool_.capacity(); }

 private:
  static std::size_t idx(timeout_slot s) { return static_cast<std::size_t>(s); }
  static std::size_t round_pow2(std::size_t n) {
    std::size_t p = 16;
    while (p < n) p <<= 1;
    return p;
  }

  session* allocate() {
    session* s = pool_.allocate();
    s->linked_ = 0;
    s->user_ = 0;
    return s;
  }

  void grow() {
    bucket_vector nb(buckets_.size() * 2);
    set_.rehash(typename set_type::bucket_traits(nb.data(), nb.size()));
    buckets_.swap(nb);
  }

  using bucket_vector = std::vector<typename set_type::bucket_type, page_allocator<typename set_type::bucket_type>>;
  bucket_vector buckets_;
  set_type set_;
  /// One slot's expiry queue (see the class comment).
  class slot_queue {
   public:
    struct entry {
      session* s;
      std::uint64_t seq;  ///< the session's qid_ when the entry was made
    };
    void push(session* s, std::uint64_t seq) { fifo_.push_back({s, seq}); }
    std::size_t size() const noexcept { return fifo_.size() - front_ + later_.size(); }

    /// Compacts the queue when it holds more than twice its `live` sessions + 1024 entries, so
    /// memory follows the sessions, not the length of the trace.
    void bound_size(std::size_t slot, std::size_t live) {
      if (fifo_.size() - front_ + later_.size() > 2 * live + 1024) compact(slot);
    }

    /// The slot's first session in refresh order, dropping stale entries on the way.
    session* head(std::size_t slot, std::size_t live) noexcept {
      const std::size_t requeued = later_.size();
      while (front_ < fifo_.size()) {
        if (front_ + 8 < fifo_.size()) __builtin_prefetch(fifo_[front_ + 8].s);
        const entry e = fifo_[front_];
        session* s = e.s;
        if (!current(s, slot, e.seq)) { pop_front(); continue; }
        if (s->seq_ != e.seq) {  // refreshed since it was queued: its place is by its last refresh
          pop_front();
          requeue(s);
          continue;
        }
        break;
      }
      while (!later_.empty()) {
        const entry e = later_.front();
        session* s = e.s;
        if (current(s, slot, e.seq) && s->seq_ == e.seq) break;
        std::pop_heap(later_.begin(), later_.end(), later_first);
        later_.pop_back();
        if (current(s, slot, e.seq)) requeue(s);  // refreshed again since it was requeued
      }
      if (later_.size() > requeued) bound_size(slot, live);
      session* a = front_ < fifo_.size() ? fifo_[front_].s : nullptr;
      session* b = later_.empty() ? nullptr : later_.front().s;
      if (!a) return b;
      if (!b) return a;
      return a->seq_ < b->seq_ ? a : b;
    }

    /// Drops stale entries (bounds memory by the live sessions, not by the trace).
    void compact(std::size_t slot) {
      std::size_t o = 0;
      for (std::size_t j = front_; j < fifo_.size(); ++j) {
        if (j + 8 < fifo_.size()) __builtin_prefetch(fifo_[j + 8].s);  // the reads miss: overlap them
        if (current(fifo_[j].s, slot, fifo_[j].seq)) fifo_[o++] = fifo_[j];
      }
      fifo_.resize(o);
      front_ = 0;
      std::size_t k = 0;
      for (const entry& e : later_)
        if (current(e.s, slot, e.seq)) later_[k++] = e;
      later_.resize(k);
      std::make_heap(later_.begin(), later_.end(), later_first);
    }

    /// Appends the slot's sessions (each once, in no particular order).
    void collect(std::size_t slot, std::vector<session*>& out) const {
      for (std::size_t j = front_; j < fifo_.size(); ++j)
        if (current(fifo_[j].s, slot, fifo_[j].seq)) out.push_back(fifo_[j].s);
      for (const entry& e : later_)
        if (current(e.s, slot, e.seq)) out.push_back(e.s);
    }

   private:
    static bool current(const session* s, std::size_t slot, std::uint64_t seq) noexcept {
      return s->linked_ && static_cast<std::size_t>(s->slot) == slot && s->qid_ == seq;
    }
    static bool later_first(const entry& a, const entry& b) noexcept { return a.seq > b.seq; }
    /// Moves refreshed session s to the heap, under its last refresh's sequence number.
    void requeue(session* s) {
      s->qid_ = s->seq_;
      later_.push_back({s, s->seq_});
      std::push_heap(later_.begin(), later_.end(), later_first);
    }
    void pop_front() noexcept {
      if (++front_ == fifo_.size()) {
        fifo_.clear();
        front_ = 0;
      } else if (front_ >= 4096 && 2 * front_ >= fifo_.size()) {
        fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<std::ptrdiff_t>(front_));
        front_ = 0;
      }
    }
    std::vector<entry> fifo_;   ///< entries in push order; [front_, end) are pending
    std::size_t front_ = 0;
    std::vector<entry> later_;  ///< min-heap by seq of requeued sessions
  };

  mutable std::array<slot_queue, timeout_slot_count> queues_;
  std::array<std::size_t, timeout_slot_count> count_{};  ///< linked sessions per slot
  std::array<sim_time, timeout_slot_count> last_deadline_{};  ///< largest deadline set per slot
  std::uint64_t seq_ = 0;
  sim_time bound_ = std::numeric_limits<sim_time>::max();  ///< <= every linked session's deadline (when ordered_)
  bool ordered_ = true;  ///< every slot's deadlines rose with its refreshes (earliest_due may use bound_)
  object_pool<session> pool_;
  std::size_t peak_ = 0;
};

}  // namespace sessim
