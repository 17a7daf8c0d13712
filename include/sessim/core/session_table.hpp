#pragma once
/// session_table: pooled sessions in a Boost.Intrusive hash set, with one FIFO expiry list per
/// timeout slot. Lookup, refresh and expiry are O(1); no allocation per packet.
#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <boost/intrusive/list.hpp>
#include <boost/intrusive/unordered_set.hpp>

#include "sessim/core/assert.hpp"
#include "sessim/core/pool.hpp"
#include "sessim/core/session.hpp"

namespace sessim {

/** A device's session table.
 *  Invariant: inside one FIFO list every session has the same timeout (the slot's value in this
 *  device), and a refresh moves the session to the back, so list order is deadline order and
 *  only the list heads are ever checked for expiry. Sessions live in a pool of fixed-size
 *  chunks; erased sessions go to a free list and are reused. */
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
  using list_type = bi::list<session, bi::member_hook<session, decltype(session::fifo_hook_),
                                                      &session::fifo_hook_>,
                             bi::constant_time_size<false>>;

  /// Creates an empty table; `initial_buckets` is rounded up to a power of two.
  explicit session_table(std::size_t initial_buckets = 1024)
      : buckets_(round_pow2(initial_buckets)),
        set_(typename set_type::bucket_traits(buckets_.data(), buckets_.size())) {}

  session_table(const session_table&) = delete;
  session_table& operator=(const session_table&) = delete;

  ~session_table() {
    for (auto& l : fifo_) l.clear();
    set_.clear();
  }

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

  /// Read-ahead, step 3 (once the session is cached): brings in its FIFO neighbours, which a
  /// refresh unlinks it from (the prefetch is a hint: they may have moved by then).
  void prefetch_neighbours(const session* s) const noexcept {
    if (!s->linked_) return;
    const auto n = s->fifo_hook_.this_ptr();
    __builtin_prefetch(list_type::node_traits::get_next(n), 1);
    __builtin_prefetch(list_type::node_traits::get_previous(n), 1);
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

  /// Puts a session at the back of `slot`'s FIFO with the given deadline.
  void refresh(session& s, timeout_slot slot, sim_time deadline) noexcept {
    if (s.linked_ && s.slot == slot && &fifo_[idx(slot)].back() == &s) {  // already last: stays
      s.deadline = deadline;
      return;
    }
    if (s.linked_) fifo_[idx(s.slot)].erase(fifo_[idx(s.slot)].iterator_to(s));
    s.linked_ = 1;
    s.slot = slot;
    s.deadline = deadline;
    fifo_[idx(slot)].push_back(s);
  }

  /// Removes a session and returns it to the pool.
  void erase(session& s) noexcept {
    if (s.linked_) fifo_[idx(s.slot)].erase(fifo_[idx(s.slot)].iterator_to(s));
    s.linked_ = 0;
    set_.erase(set_.iterator_to(s));
    pool_.release(&s);
  }

  /// The earliest deadline of any session, or `none` when empty.
  sim_time next_deadline(sim_time none) const noexcept {
    sim_time best = none;
    bool any = false;
    for (const auto& l : fifo_)
      if (!l.empty() && (!any || l.front().deadline < best)) { best = l.front().deadline; any = true; }
    return best;
  }

  /// The session with the earliest deadline (nullptr when empty). Ties: lowest slot first.
  session* earliest() noexcept {
    session* best = nullptr;
    for (auto& l : fifo_)
      if (!l.empty() && (!best || l.front().deadline < best->deadline)) best = &l.front();
    return best;
  }

  /// The least recently refreshed session, given each slot's timeout (for LRU eviction).
  session* least_recent(const std::array<sim_time, timeout_slot_count>& timeouts) noexcept {
    session* best = nullptr;
    sim_time best_t = 0;
    for (std::size_t i = 0; i < fifo_.size(); ++i) {
      if (fifo_[i].empty()) continue;
      sim_time last = fifo_[i].front().deadline - timeouts[i];
      if (!best || last < best_t) { best = &fifo_[i].front(); best_t = last; }
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

  /// Calls f(session&) for every session, in slot then deadline order (deterministic).
  template <class F>
  void for_each(F&& f) {
    for (auto& l : fifo_)
      for (auto& s : l) f(s);
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
  std::array<list_type, timeout_slot_count> fifo_;
  object_pool<session> pool_;
  std::size_t peak_ = 0;
};

}  // namespace sessim
