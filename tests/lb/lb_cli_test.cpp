// Golden CLI run of the load-balancer example (traces/vip.pcap, sim/scenarios/lb-vip.toml), plus
// exact checks of the figures the issue asks for. SESSIM_UPDATE_GOLDEN=1 rewrites the golden file.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.hpp"

namespace {

std::string run(const std::string& args, int& code) {
  sessim::test::run_result r = sessim::test::sessim_cli(args);
  code = r.code;
  return r.out;
}

void golden(const std::string& out, const std::string& name);

TEST(LbCli, GoldenVipRun) {
  int code = -1;
  const std::string out = run("run --scenario sim/scenarios/lb-vip.toml", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("detection took 12.000 s"), std::string::npos);
  EXPECT_NE(out.find("broken        5 (backend-down 5)"), std::string::npos);
  // wlc with IPVS's inactive connections (TIME_WAIT entries weigh for 120 s) spreads evenly.
  EXPECT_NE(out.find("real 10.0.0.11:443         weight 1      13 conns    169 pkts     26458 bytes  peak 2 concurrent (IPVS 2 active, 12 inactive)"),
            std::string::npos);
  EXPECT_NE(out.find("real 10.0.0.14:443         weight 1      12 conns"), std::string::npos);
  // The capture cut four HTTP requests before their Host header: default pool, said so.
  EXPECT_NE(out.find("L7: 16 matched a rule, 20 default pool, 0 malformed; 4 request(s) cut by the capture's snap length "
                     "fell back to the default pool (frames 80, 320, 560, 800)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("truncated     4 frame(s)"), std::string::npos);
  golden(out, "lb-vip.txt");
}

TEST(LbCli, GoldenAsymmetricNat) {
  int code = -1;
  const std::string out = run("run --scenario sim/scenarios/lb-asym-nat.toml", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("broken        44 (asymmetric-nat 44)"), std::string::npos) << out;
  EXPECT_NE(out.find("broke at frame 2 (t=0.003000 s, server -> client) on lb1: asymmetric-nat (reason no-session)\n"
                     "       endpoints: reset at t=0.003000 s"),
            std::string::npos);
  EXPECT_NE(out.find("fix: the reply bypassed lb1 and reached the client from 10.0.0.11:443, not the VIP 203.0.113.10:443"),
            std::string::npos);
  EXPECT_NE(out.find("nat: 200 reply packet(s) of 44 connection(s) bypassed lb1"), std::string::npos);
  EXPECT_EQ(out.find(":80  frames"), std::string::npos);  // port 80 replies cross lb1: none broken
  golden(out, "lb-asym-nat.txt");
  const std::string json = run("run --scenario sim/scenarios/lb-asym-nat.toml --format json", code);
  ASSERT_EQ(code, 0);
  EXPECT_NE(json.find("\"broken_by_cause\": {\"asymmetric-nat\": 44}"), std::string::npos) << json.substr(0, 2000);
  EXPECT_NE(json.find("\"cause\": \"asymmetric-nat\", \"reason\": \"no-session\", \"from\": \"server\", \"experience\": \"reset\""),
            std::string::npos);
  EXPECT_NE(json.find("\"nat_bypass_packets\": 200, \"nat_bypass_connections\": 44"), std::string::npos);
  EXPECT_NE(json.find("\"peak_concurrent\": 3, \"peak_active\": 3, \"peak_inactive\": 20"), std::string::npos);
}

TEST(LbCli, GoldenTunnelMtu) {
  int code = -1;
  const std::string out = run("run --scenario sim/scenarios/lb-vip-tun.toml", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("tunnel gue: +32 B per packet (12928 B in all); 4 packet(s) above MTU 1500 after encapsulation "
                     "(largest 1532 B) in 4 connection(s): 4 with DF dropped, ICMP frag-needed (mtu 1468) sent to the "
                     "client (frames 479, 482, 485, 488); 0 without DF fragmented"),
            std::string::npos) << out;
  EXPECT_NE(out.find("fix: clamp the clients' MSS to 1428 (mtu - tunnel - 40), raise the tunnel path MTU to 1532 B"),
            std::string::npos);
  golden(out, "lb-vip-tun.txt");
}

TEST(LbCli, RemapComparisonFromTheScenario) {
  int code = -1;
  const std::string from_scenario = run("lb-remap --scenario sim/scenarios/lb-vip.toml", code);
  ASSERT_EQ(code, 0) << from_scenario;
  const std::string explicit_opts = run("lb-remap --scenario sim/scenarios/lb-vip.toml --scheduler mh --add-server 10.0.0.15:443:1", code);
  ASSERT_EQ(code, 0);
  EXPECT_EQ(from_scenario, explicit_opts);
  EXPECT_NE(from_scenario.find("wlc -> mh: 66.7% of 84 connections remapped"), std::string::npos) << from_scenario;
  // The command line overrides the scenario.
  const std::string sh = run("lb-remap --scenario sim/scenarios/lb-vip.toml --scheduler sh", code);
  EXPECT_NE(sh.find("wlc -> sh: 63.1% of 84 connections remapped"), std::string::npos) << sh;
}

TEST(LbCli, Ipv6VipThroughGueTunnelWritesOuterHeaders) {
  int code = -1;
  const std::string pcap = std::string(::testing::TempDir()) + "/lb-v6-tun.pcap";
  const std::string out = run("run --scenario sim/scenarios/lb-v6-tun.toml --write-pcap '" + pcap + "'", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("virtual server [2001:db8:2::80]:443 on lb1: scheduler rr, forwarding tun, 1 connection(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("tunnel gue: +52 B per packet (312 B in all); 0 packet(s) above MTU 1280 after encapsulation (largest 649 B)"),
            std::string::npos) << out;
  // Ethernet frames: 24-byte file header, 16-byte record headers. The six client packets to the
  // VIP carry IPv6 (next header UDP) to 2001:db8:3::11, UDP port 6080, GUE, then the inner IPv6.
  std::ifstream f(pcap, std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(b.size(), 24u);
  int tunnelled = 0, frames = 0;
  for (std::size_t off = 24; off + 16 <= b.size();) {
    const std::uint32_t cap = b[off + 8] | (b[off + 9] << 8) | (b[off + 10] << 16) | (static_cast<std::uint32_t>(b[off + 11]) << 24);
    const unsigned char* e = b.data() + off + 16;
    ++frames;
    if (cap >= 14 + 40 + 12 + 40 && e[12] == 0x86 && e[13] == 0xdd && e[14 + 6] == 17 && ((e[54 + 2] << 8) | e[54 + 3]) == 6080) {
      ++tunnelled;
      EXPECT_EQ(e[14 + 39], 0x11);        // outer destination 2001:db8:3::11
      EXPECT_EQ(e[54 + 8 + 1], 41);       // GUE: inner protocol IPv6
      EXPECT_EQ(e[54 + 12] >> 4, 6);      // inner IPv6 header
      EXPECT_EQ(e[54 + 12 + 39], 0x80);   // inner destination: the VIP 2001:db8:2::80
    }
    off += 16 + cap;
  }
  EXPECT_EQ(frames, 17);
  EXPECT_EQ(tunnelled, 6);
}

void golden(const std::string& out, const std::string& name) { sessim::test::check_golden(name, out); }

TEST(LbCli, RemapMaglevAddServerNearOneOverN) {
  int code = -1;
  const std::string out = run("lb-remap --scenario sim/scenarios/lb-vip.toml --scheduler mh --add-server 10.0.0.15:443", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("mh -> mh + 10.0.0.15:443: 22.6% of 84 connections remapped"), std::string::npos) << out;
}

}  // namespace
