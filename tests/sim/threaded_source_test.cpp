// threaded_source: frames in order, the source's exception where the source threw it, and an
// early stop that does not hang.
#include "sessim/sim/threaded_source.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sessim {
namespace {

/// Produces frames 1..n (skip reason "truncated" on every 7th), then throws if asked.
struct counting_source {
  std::uint64_t n = 0, produced = 0;
  bool throw_at_end = false;
  bool next(packet_view& p, skip_reason& why) {
    if (produced == n) {
      if (throw_at_end) throw std::runtime_error("frame " + std::to_string(n + 1) + ": corrupt");
      return false;
    }
    ++produced;
    p = packet_view{};
    p.frame = produced;
    p.ts = static_cast<sim_time>(produced) * 1000;
    p.key.sport = static_cast<std::uint16_t>(produced);
    why = produced % 7 == 0 ? skip_reason::truncated_ip : skip_reason::none;
    return true;
  }
};

TEST(ThreadedSource, DeliversEveryFrameInOrder) {
  for (std::uint64_t n : {0ull, 1ull, 31ull, 32ull, 33ull, 4095ull, 4096ull, 4097ull, 100000ull}) {
    counting_source src{n};
    threaded_source<counting_source> ts(src, 512);  // a small ring: the producer blocks often
    packet_view p;
    skip_reason why = skip_reason::none;
    std::uint64_t seen = 0;
    std::size_t h = 0;
    while (ts.next(p, why, h)) {
      ++seen;
      if (why == skip_reason::none) {
        ASSERT_EQ(h, hash_bidir(tracking_key(p)));
      }
      ASSERT_EQ(p.frame, seen);
      ASSERT_EQ(p.ts, static_cast<sim_time>(seen) * 1000);
      ASSERT_EQ(p.key.sport, static_cast<std::uint16_t>(seen));
      ASSERT_EQ(why, seen % 7 == 0 ? skip_reason::truncated_ip : skip_reason::none);
    }
    EXPECT_EQ(seen, n);
    EXPECT_FALSE(ts.next(p, why));  // stays at the end
  }
}

TEST(ThreadedSource, RethrowsAfterTheFramesBeforeTheError) {
  counting_source src{1000, 0, true};
  threaded_source<counting_source> ts(src, 512);
  packet_view p;
  skip_reason why = skip_reason::none;
  std::uint64_t seen = 0;
  try {
    while (ts.next(p, why)) ++seen;
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "frame 1001: corrupt");
  }
  EXPECT_EQ(seen, 1000u);
}

TEST(ThreadedSource, StoppingEarlyDoesNotReadTheRest) {
  counting_source src{1000000};
  {
    threaded_source<counting_source> ts(src, 512);
    packet_view p;
    skip_reason why = skip_reason::none;
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(ts.next(p, why));
  }  // destroyed with the producer blocked on a full ring
  EXPECT_LT(src.produced, 1000000u);
}

}  // namespace
}  // namespace sessim
