// Golden CLI run of the load-balancer example (traces/vip.pcap, sim/scenarios/lb-vip.toml), plus
// exact checks of the figures the issue asks for. SESSIM_UPDATE_GOLDEN=1 rewrites the golden file.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string run(const std::string& args, int& code) {
  std::string cmd = std::string("cd '") + SESSIM_SOURCE_DIR + "' && '" + SESSIM_BINARY + "' " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(LbCli, GoldenVipRun) {
  int code = -1;
  const std::string out = run("run --scenario sim/scenarios/lb-vip.toml", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("detection took 12.000 s"), std::string::npos);
  EXPECT_NE(out.find("broken        2 (backend-down 2)"), std::string::npos);
  EXPECT_NE(out.find("real 10.0.0.11:443         weight 1      21 conns"), std::string::npos);
  const std::string path = std::string(SESSIM_SOURCE_DIR) + "/tests/golden/lb-vip.txt";
  if (std::getenv("SESSIM_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << out;
    return;
  }
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(out, ss.str());
}

TEST(LbCli, RemapMaglevAddServerNearOneOverN) {
  int code = -1;
  const std::string out = run("lb-remap --scenario sim/scenarios/lb-vip.toml --scheduler mh --add-server 10.0.0.15:443", code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("mh -> mh + 10.0.0.15:443: 22.6% of 84 connections remapped"), std::string::npos) << out;
}

}  // namespace
