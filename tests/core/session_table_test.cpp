// Model-based test: random inserts, refreshes, erases and expiries on session_table, checked
// step by step against a std::map reference.
#include <gtest/gtest.h>

#include <map>
#include <random>

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
