#include <gtest/gtest.h>

#include "sessim/core/flow_key.hpp"

using namespace sessim;

TEST(flow_key, reversed_and_bidir_hash) {
  flow_key k;
  k.src = ip_addr::v4(0x0a000001);
  k.dst = ip_addr::v4(0x0a000002);
  k.sport = 1234; k.dport = 80; k.proto = 6;
  EXPECT_EQ(k.reversed().reversed(), k);
  EXPECT_EQ(hash_bidir(k), hash_bidir(k.reversed()));
  EXPECT_NE(hash_key(k), hash_key(k.reversed()));
  EXPECT_EQ(k.src_str(), "10.0.0.1:1234");
}

TEST(flow_key, ipv6_text) {
  std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(ip_addr::v6addr(a).str(), "2001:db8::1");
}

// hash_bidir must keep its values (owner hashing in scenarios depends on them): it hashes the
// smaller of the key and its reverse in flow_key's ordering.
TEST(flow_key, bidir_hash_matches_ordering_definition) {
  auto def = [](const flow_key& k) {
    flow_key r = k.reversed();
    return (r < k) ? hash_key(r) : hash_key(k);
  };
  std::uint64_t x = 0x12345678abcdefULL;
  auto rnd = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  for (int i = 0; i < 20000; ++i) {
    flow_key k;
    const bool v6 = (i & 3) == 0;
    for (int j = 0; j < (v6 ? 16 : 4); ++j) {
      k.src.b[j] = static_cast<std::uint8_t>(rnd() % 3);  // few values: many ties byte by byte
      k.dst.b[j] = static_cast<std::uint8_t>(rnd() % 3);
    }
    k.src.v6 = k.dst.v6 = v6;
    k.sport = static_cast<std::uint16_t>(rnd() % 4);
    k.dport = static_cast<std::uint16_t>(rnd() % 4);
    k.proto = (i & 1) ? 6 : 17;
    k.vlan = static_cast<std::uint16_t>(rnd() % 2);
    ASSERT_EQ(hash_bidir(k), def(k)) << i;
    ASSERT_EQ(hash_bidir(k.reversed()), def(k)) << i;
    ASSERT_EQ(k.same_flow(k.reversed()), true);
    ASSERT_EQ(k == k.reversed(), k.src == k.dst && k.sport == k.dport);
  }
}
