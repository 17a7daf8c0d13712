// Model-based test: random inserts, refreshes, erases and expiries on session_table, checked
// step by step against a std::map reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <vector>

#include "sessim/core/session_table.hpp"

using namespace sessim;

namespace {

flow_key key_of(std::uint32_t i) {
  flow_key k;
  k.src = ip_addr::v4(0x0a000000 + (i % 251));
  k.dst = ip_addr::v4(0xc0000200 + (i / 251) % 7);
  k.sport = static_cast<std::uint16_t>(1024 + i);
  k.dport = 443;
  k.proto = 6;
  return k;
}

}  // namespace

TEST(session_table, entry_is_128_bytes) { EXPECT_EQ(sizeof(session), 128u); }

TEST(session_table, finds_both_directions) {
  session_table t;
  flow_key k = key_of(5);
  session& s = t.insert(k);
  t.refresh(s, timeout_slot::tcp_established, 100);
  int dir = -1;
  EXPECT_EQ(t.find(k, dir), &s);
  EXPECT_EQ(dir, 0);
  EXPECT_EQ(t.find(k.reversed(), dir), &s);
  EXPECT_EQ(dir, 1);
  flow_key other = k;
  other.vlan = 7;
  EXPECT_EQ(t.find(other, dir), nullptr);
}

TEST(session_table, model_based_against_std_map) {
  for (std::uint32_t seed : {1u, 2u, 3u, 42u}) {
    std::mt19937 rng(seed);
    session_table t(16);  // small: exercises rehash
    // reference: key index → (slot, deadline)
    std::map<std::uint32_t, std::pair<timeout_slot, sim_time>> ref;
    const sim_time timeouts[3] = {100, 250, 1000};
    const timeout_slot slots[3] = {timeout_slot::tcp_syn_sent, timeout_slot::tcp_established, timeout_slot::udp_stream};
    sim_time now = 0;
    for (int step = 0; step < 20000; ++step) {
      now += rng() % 7;
      // expire everything due, in deadline order, and compare with the reference
      while (session* s = t.earliest()) {
        if (s->deadline > now) break;
        flow_key k = s->key.unpack();
        std::uint32_t idx = k.sport - 1024u;
        ASSERT_TRUE(ref.count(idx)) << "seed " << seed << " step " << step;
        ASSERT_EQ(ref[idx].second, s->deadline);
        for (auto& [i, v] : ref) ASSERT_GE(v.second, s->deadline) << "expired out of order";
        ref.erase(idx);
        t.erase(*s);
      }
      for (auto& [i, v] : ref) ASSERT_GT(v.second, now);
      std::uint32_t idx = rng() % 600;
      int op = static_cast<int>(rng() % 10);
      flow_key k = key_of(idx);
      int dir = 0;
      session* s = t.find(rng() % 2 ? k : k.reversed(), dir);
      ASSERT_EQ(s != nullptr, ref.count(idx) == 1u) << "seed " << seed << " step " << step;
      int c = static_cast<int>(rng() % 3);
      if (!s && op < 8) {
        session& n = t.insert(k);
        t.refresh(n, slots[c], now + timeouts[c]);
        ref[idx] = {slots[c], now + timeouts[c]};
      } else if (s && op < 7) {
        t.refresh(*s, slots[c], now + timeouts[c]);
        ref[idx] = {slots[c], now + timeouts[c]};
      } else if (s) {
        t.erase(*s);
        ref.erase(idx);
      }
      ASSERT_EQ(t.size(), ref.size());
    }
    EXPECT_GE(t.peak(), t.size());
  }
}

// The lazy expiry queues must give exactly what one FIFO list per slot (a refresh moves the
// session to the back) gives: earliest(), earliest_due(), least_recent() and for_each() order,
// also when a slot's deadlines do not rise with its refreshes (a synced copy's own deadline).
TEST(session_table, lazy_queues_match_fifo_lists) {
  for (std::uint32_t seed : {7u, 8u, 9u, 10u, 11u}) {
    std::mt19937 rng(seed);
    session_table t(16);
    constexpr std::size_t nslots = 4;
    const timeout_slot slots[nslots] = {timeout_slot::tcp_syn_sent, timeout_slot::tcp_established,
                                        timeout_slot::tcp_time_wait, timeout_slot::udp_stream};
    const sim_time timeouts[nslots] = {30, 400, 120, 90};
    std::array<sim_time, timeout_slot_count> tt{};
    for (std::size_t i = 0; i < nslots; ++i) tt[static_cast<std::size_t>(slots[i])] = timeouts[i];
    std::array<std::vector<std::uint32_t>, timeout_slot_count> fifo;  // reference lists, by key index
    std::map<std::uint32_t, session*> live;
    auto unlink = [&](std::uint32_t idx) {
      for (auto& l : fifo) l.erase(std::remove(l.begin(), l.end(), idx), l.end());
    };
    auto ref_earliest = [&]() -> session* {
      session* best = nullptr;
      for (auto& l : fifo)
        if (!l.empty() && (!best || live[l.front()]->deadline < best->deadline)) best = live[l.front()];
      return best;
    };
    sim_time now = 0;
    const bool disorder = seed % 2 == 1;  // odd seeds also set deadlines out of order
    for (int step = 0; step < 30000; ++step) {
      now += rng() % 5;
      session* e = ref_earliest();
      ASSERT_EQ(t.earliest(), e) << "seed " << seed << " step " << step;
      session* due = t.earliest_due(now);
      ASSERT_EQ(due, e && e->deadline <= now ? e : nullptr) << "seed " << seed << " step " << step;
      if (due && rng() % 2) {
        std::uint32_t idx = static_cast<std::uint32_t>(due->key.sport - 1024u);
        unlink(idx);
        live.erase(idx);
        t.erase(*due);
        continue;
      }
      const std::uint32_t idx = rng() % 300;
      const std::size_t c = rng() % nslots;
      sim_time deadline = now + timeouts[c];
      if (disorder && rng() % 50 == 0) deadline -= static_cast<sim_time>(rng() % 200);
      const std::size_t si = static_cast<std::size_t>(slots[c]);
      auto it = live.find(idx);
      const int op = static_cast<int>(rng() % 10);
      if (it == live.end()) {
        session& n = t.insert(key_of(idx));
        t.refresh(n, slots[c], deadline);
        live[idx] = &n;
        fifo[si].push_back(idx);
      } else if (op < 8) {
        session* s = it->second;
        if (!(static_cast<std::size_t>(s->slot) == si && fifo[si].back() == idx)) {
          unlink(idx);
          fifo[si].push_back(idx);
        }
        t.refresh(*s, slots[c], deadline);
      } else {
        unlink(idx);
        t.erase(*it->second);
        live.erase(it);
      }
      if (step % 997 == 0) {
        ASSERT_EQ(t.least_recent(tt), [&]() -> session* {
          session* best = nullptr;
          sim_time bt = 0;
          for (std::size_t i = 0; i < fifo.size(); ++i) {
            if (fifo[i].empty()) continue;
            sim_time last = live[fifo[i].front()]->deadline - tt[i];
            if (!best || last < bt) { best = live[fifo[i].front()]; bt = last; }
          }
          return best;
        }());
        std::vector<session*> got, want;
        t.for_each([&](session& s) { got.push_back(&s); });
        for (auto& l : fifo)
          for (std::uint32_t i : l) want.push_back(live[i]);
        ASSERT_EQ(got, want) << "seed " << seed << " step " << step;
      }
      ASSERT_EQ(t.size(), live.size());
    }
  }
}

// Memory follows the sessions, not the trace: one idle long-lived session at the front of a slot
// while a million short sessions pass through that slot (refreshed there, then moved on and
// erased) must not leave their stale queue entries behind.
TEST(session_table, expiry_queues_stay_bounded) {
  session_table t;
  session& idle = t.insert(key_of(1000000));
  t.refresh(idle, timeout_slot::tcp_established, seconds(432000));
  t.refresh(idle, timeout_slot::tcp_established, seconds(432000) + 1);  // requeued at the first look
  sim_time now = 0;
  std::size_t most = 0;
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    now += 1000;
    session& s = t.insert(key_of(i % 50000));
    t.refresh(s, timeout_slot::tcp_established, now + seconds(432000));
    t.refresh(s, timeout_slot::tcp_established, now + 1 + seconds(432000));
    ASSERT_EQ(t.earliest_due(now), nullptr);
    (void)t.earliest();  // examines the heads: moves refreshed fronts to the requeue heap
    t.refresh(s, timeout_slot::tcp_time_wait, now + seconds(120));
    t.erase(s);
    most = std::max(most, t.queued());
  }
  EXPECT_EQ(t.size(), 1u);
  EXPECT_LE(most, 2u * 1024u + 8u);
  EXPECT_EQ(t.earliest(), &idle);
}
