// bucket_queue pops in exactly the order of one binary heap with the same comparison, whatever
// the stamps (negative, equal, far apart, pushed below the current bucket).
#include "sessim/core/bucket_queue.hpp"

#include <gtest/gtest.h>

#include <queue>
#include <random>

namespace sessim {
namespace {

struct item {
  sim_time stamp;
  std::uint64_t id;
};
struct before {
  bool operator()(const item& a, const item& b) const noexcept {
    return a.stamp != b.stamp ? a.stamp < b.stamp : a.id < b.id;
  }
};
struct after {
  bool operator()(const item& a, const item& b) const noexcept { return before{}(b, a); }
};

TEST(BucketQueue, PopsInHeapOrder) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    bucket_queue<item, before, 10> q;  // 1024 ns buckets: many of them
    std::priority_queue<item, std::vector<item>, after> ref;
    sim_time now = -5000;
    std::uint64_t id = 0;
    for (int step = 0; step < 20000; ++step) {
      const auto r = rng() % 10;
      if (r < 6 || ref.empty()) {
        sim_time t;
        switch (rng() % 4) {
          case 0: t = now; break;                                          // in time order
          case 1: t = now - static_cast<sim_time>(rng() % 3000); break;    // below the current bucket
          case 2: t = now + static_cast<sim_time>(rng() % 100000); break;  // ahead
          default: t = now + static_cast<sim_time>(rng() % 4) * 1'000'000'000'000; break;  // far ahead
        }
        const item x{t, ++id % 50};  // ids repeat: ties on stamp and id
        q.push(x);
        ref.push(x);
        now += static_cast<sim_time>(rng() % 700);
      } else {
        ASSERT_FALSE(q.empty());
        const item a = q.top(), b = ref.top();
        ASSERT_EQ(a.stamp, b.stamp) << "seed " << seed << " step " << step;
        ASSERT_EQ(a.id, b.id) << "seed " << seed << " step " << step;
        q.pop();
        ref.pop();
      }
      ASSERT_EQ(q.size(), ref.size());
    }
    while (!ref.empty()) {
      ASSERT_EQ(q.top().stamp, ref.top().stamp);
      ASSERT_EQ(q.top().id, ref.top().id);
      q.pop();
      ref.pop();
    }
    EXPECT_TRUE(q.empty());
    q.push(item{1, 1});
    q.clear();
    EXPECT_TRUE(q.empty());
  }
}

}  // namespace
}  // namespace sessim
