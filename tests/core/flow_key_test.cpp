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
