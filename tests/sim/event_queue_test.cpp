#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sessim/sim/event_queue.hpp"

using namespace sessim;

TEST(event_queue, orders_by_time_then_insertion) {
  event_queue<std::string> q;
  q.schedule(20, "c");
  q.schedule(10, "a");
  q.schedule(20, "d");
  q.schedule(10, "b");
  std::string order;
  while (!q.empty()) order += q.pop().second;
  EXPECT_EQ(order, "abcd");
}

TEST(event_queue, lazy_cancellation) {
  event_queue<int> q;
  q.schedule(5, 1);
  event_id x = q.schedule(6, 2);
  q.schedule(7, 3);
  q.cancel(x);
  EXPECT_EQ(q.pop().second, 1);
  EXPECT_EQ(q.next_time(-1), 7);
  EXPECT_EQ(q.pop().second, 3);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.next_time(-1), -1);
}

TEST(event_queue, deterministic_under_random_schedule) {
  auto run = [] {
    std::mt19937 rng(7);
    event_queue<int> q;
    for (int i = 0; i < 1000; ++i) q.schedule(static_cast<sim_time>(rng() % 50), i);
    std::vector<int> out;
    sim_time last = -1;
    int last_i = -1;
    while (!q.empty()) {
      auto [t, i] = q.pop();
      EXPECT_GE(t, last);
      if (t == last) { EXPECT_GT(i, last_i); }  // same time: insertion order
      last = t;
      last_i = i;
      out.push_back(i);
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}
