// Scenario files: every key parsed into the topology; unknown keys and bad values name the file,
// the line and the key.
#include <gtest/gtest.h>

#include <string>

#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"

using namespace sessim;

namespace {

std::string error_of(const std::string& text) {
  try {
    scenario::parse(text, "t.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

const char* two_fw = R"(
[[device]]
name = "fw1"
[[device]]
name = "fw2"
preset = "pf"
set = { "tcp.established" = 600, "tcp.loose" = 0 }
)";

}  // namespace

TEST(scenario, parses_every_section) {
  auto s = scenario::parse(std::string(two_fw) + R"(
[[path]]
name = "out"
direction = "client-to-server"
src = ["10.0.0.0/8"]
dport = [1, 1024]
proto = "tcp"
devices = ["fw1"]
offset = "2ms"
backup = ["fw2"]
[[path]]
devices = ["fw1", "fw2"]
ecmp = "per-flow"
[[sync]]
members = ["fw1", "fw2"]
mode = "pfsync"
latency = { dist = "uniform", min = "4ms", max = "6ms" }
jitter = "1ms"
loss = 0.1
bandwidth = "10Mbit"
defer = true
[redirect]
method = "tunnel"
ownership = "hash"
[[event]]
at = "30s"
device = "fw1"
action = "down"
)", "t.toml");
  const topology& t = s.topo;
  ASSERT_EQ(t.devices.size(), 2u);
  EXPECT_EQ(t.devices[1].config.preset, "pf");
  EXPECT_EQ(t.devices[1].config.timeout(timeout_slot::tcp_established), seconds(600));
  ASSERT_EQ(t.paths.size(), 2u);
  EXPECT_EQ(t.paths[0].match.direction, path_direction::client_to_server);
  EXPECT_EQ(t.paths[0].offset, seconds(0.002));
  EXPECT_EQ(t.paths[0].match.dport->second, 1024);
  EXPECT_EQ(t.paths[0].backup, std::vector<std::size_t>{1});
  EXPECT_EQ(t.paths[1].ecmp, ecmp_mode::per_flow);
  ASSERT_EQ(t.groups.size(), 1u);
  EXPECT_EQ(t.groups[0].mode, sync_mode::pfsync);
  EXPECT_EQ(t.groups[0].latency.k, latency_model::kind::uniform);
  EXPECT_EQ(t.groups[0].latency.b, seconds(0.006));
  EXPECT_DOUBLE_EQ(t.groups[0].bandwidth_bps, 10e6);
  EXPECT_TRUE(t.groups[0].defer);
  EXPECT_EQ(t.redirect.method, redirect_method::tunnel);
  EXPECT_EQ(t.redirect.overhead_bytes, 50u);
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].at, seconds(30));
}

TEST(scenario, errors_name_file_line_and_key) {
  EXPECT_EQ(error_of("[[device]]\nname = \"a\"\nprest = \"pf\"\n"),
            "t.toml:3: device.prest: unknown key (allowed: name, preset, set)");
  EXPECT_NE(error_of(std::string(two_fw) + "[[sync]]\nmembers = [\"fw1\", \"fw2\"]\nlatnecy = \"5ms\"\n").find("t.toml:10: sync.latnecy: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(two_fw) + "[[sync]]\nmembers = [\"fw1\", \"fw3\"]\n").find("sync.members: unknown device 'fw3'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(two_fw) + "[[sync]]\nmembers = [\"fw1\"]\n").find("two or more"), std::string::npos);
  EXPECT_NE(error_of(std::string(two_fw) + "[[path]]\ndevices = [\"fw1\"]\noffset = \"soon\"\n").find("path.offset"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(two_fw) + "[[path]]\ndevices = [\"fw1\"]\nsrc = \"10.0.0.0/33\"\n").find("bad prefix"),
            std::string::npos);
  EXPECT_NE(error_of("[[device]]\nname = \"a\"\nset = { \"tcp.established\" = \"x\" }\n").find("t.toml:3: device.set.tcp.established"),
            std::string::npos);
  EXPECT_NE(error_of("[[device]]\nname = \"a\"\npreset = \"nope\"\n").find("unknown preset 'nope'"), std::string::npos);
  EXPECT_NE(error_of("bogus = 1\n").find("t.toml:1: bogus: unknown key"), std::string::npos);
  EXPECT_NE(error_of("[[device]\nname=1").find("t.toml:1:"), std::string::npos);  // TOML syntax error
  EXPECT_NE(error_of(std::string(two_fw) + "[[event]]\nat = 3\ndevice = \"fw1\"\naction = \"explode\"\n").find("event.action"),
            std::string::npos);
}

TEST(scenario, prefixes) {
  auto p = ip_prefix::parse("2001:db8::/32");
  ASSERT_TRUE(p);
  std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_TRUE(p->contains(ip_addr::v6addr(a)));
  a[3] = 0xb9;
  EXPECT_FALSE(p->contains(ip_addr::v6addr(a)));
  auto q = ip_prefix::parse("10.1.0.0/16");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->contains(ip_addr::v4(0x0a01ff01)));
  EXPECT_FALSE(q->contains(ip_addr::v4(0x0a02ff01)));
  EXPECT_FALSE(ip_prefix::parse("10.1.0/16"));
  EXPECT_FALSE(ip_prefix::parse("1::2::3"));
}
