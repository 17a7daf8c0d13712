// Golden CLI tests: run the sessim binary on the project's generated traces and compare its output
// byte for byte with tests/golden/. Set SESSIM_UPDATE_GOLDEN=1 to rewrite the expected files.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/cli.hpp"

namespace {

using sessim::test::check_golden;
using sessim::test::run_result;

run_result run_sessim(const std::string& args, const std::string& extra_redirect = "") {
  return sessim::test::sessim_cli(args, extra_redirect);
}

std::string read_file(const std::string& path) { return sessim::test::slurp(path); }

struct golden_case {
  const char* name;
  const char* args;
};

class golden : public ::testing::TestWithParam<golden_case> {};

}  // namespace

TEST_P(golden, matches) {
  const golden_case& c = GetParam();
  std::string args = c.args;
  const std::string tmp = ::testing::TempDir() + "/golden_" + c.name;
  bool verdicts = args.find("@V") != std::string::npos;
  if (verdicts) args.replace(args.find("@V"), 2, "--verdicts '" + tmp + "' -o /dev/null");
  run_result r = run_sessim(args);
  ASSERT_EQ(r.code, 0) << r.out;
  check_golden(c.name, verdicts ? read_file(tmp) : r.out);
  // Determinism: a second run is byte-identical.
  run_result again = run_sessim(args);
  if (verdicts) EXPECT_EQ(read_file(tmp), read_file(tmp));
  else EXPECT_EQ(r.out, again.out);
}

INSTANTIATE_TEST_SUITE_P(
    cli, golden,
    ::testing::Values(
        golden_case{"idle-demo.txt", "run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --all"},
        golden_case{"idle-demo-loose.txt", "run traces/idle-demo.pcap --set tcp.established=3600 --all"},
        golden_case{"idle-demo.json", "run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --format json"},
        golden_case{"idle-demo.csv", "run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --format csv"},
        golden_case{"idle-demo-rst.txt", "run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --set policy.rst_on_expiry=1"},
        golden_case{"idle-demo-reject.txt", "run traces/idle-demo.pcap --set tcp.established=3600 --set policy.no_session=reject"},
        golden_case{"idle-demo-verdicts.csv", "run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 @V"},
        golden_case{"syn-retrans-verdicts.csv", "run traces/syn-retrans.pcap --cold-start @V"},
        golden_case{"midstream-verdicts.csv", "run traces/midstream.pcap --cold-start --set tcp.established=10 @V"},
        golden_case{"midstream-loose0-verdicts.csv", "run traces/midstream.pcap --cold-start --set tcp.established=10 --set tcp.loose=0 @V"},
        golden_case{"midstream-warm.txt", "run traces/midstream.pcap --set tcp.established=10 --set tcp.loose=0 --all"},
        golden_case{"close-wait-verdicts.csv", "run traces/close-wait.pcap --cold-start --set tcp.established=20 @V"},
        golden_case{"rst-verdicts.csv", "run traces/rst.pcap --cold-start @V"},
        golden_case{"port-reuse.txt", "run traces/port-reuse.pcap --all"},
        golden_case{"udp.txt", "run traces/udp.pcap --all"},
        golden_case{"udp-verdicts.csv", "run traces/udp.pcap --cold-start @V"},
        golden_case{"icmp-verdicts.csv", "run traces/icmp.pcap --cold-start @V"},
        golden_case{"icmp-cold.txt", "run traces/icmp.pcap --cold-start"},
        golden_case{"ipv6.txt", "run traces/ipv6.pcap --all"},
        golden_case{"fragments-verdicts.csv", "run traces/fragments.pcap --cold-start @V"},
        golden_case{"odd.txt", "run traces/odd.pcap --all"},
        golden_case{"linktypes-sll2.txt", "run traces/linktypes-sll2.pcap --all"},
        golden_case{"linktypes-qinq.json", "run traces/linktypes-qinq.pcap --format json"},
        golden_case{"presets.txt", "presets"},
        golden_case{"pf-idle-demo.txt", "run traces/idle-demo.pcap --preset pf --set tcp.established=3600"}),
    [](const ::testing::TestParamInfo<golden_case>& i) {
      std::string n = i.param.name;
      for (char& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(cli_errors, corrupt_trace_names_file_and_frame) {
  run_result r = run_sessim("run traces/corrupt.pcap", "2>&1");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.out.find("traces/corrupt.pcap"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frame 3"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
}

TEST(cli_errors, missing_trace) {
  run_result r = run_sessim("run traces/does-not-exist.pcap", "2>&1");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.out.find("does-not-exist.pcap"), std::string::npos) << r.out;
}

TEST(cli_errors, not_a_capture) {
  run_result r = run_sessim("run README.md", "2>&1");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.out.find("README.md"), std::string::npos) << r.out;
}

TEST(cli_errors, unknown_key_and_bad_value) {
  run_result r = run_sessim("run traces/handshake.pcap --set tcp.establishd=5", "2>&1");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("tcp.establishd"), std::string::npos) << r.out;
  r = run_sessim("run traces/handshake.pcap --set tcp.established=soon", "2>&1");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("tcp.established"), std::string::npos) << r.out;
  r = run_sessim("run traces/handshake.pcap --set novalue", "2>&1");
  EXPECT_EQ(r.code, 3);
}

TEST(cli_errors, unknown_preset_and_format) {
  run_result r = run_sessim("run traces/handshake.pcap --preset nosuch", "2>&1");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("nosuch"), std::string::npos) << r.out;
  r = run_sessim("run traces/handshake.pcap --format xml", "2>&1");
  EXPECT_EQ(r.code, 2);
}

TEST(cli_errors, unwritable_output) {
  run_result r = run_sessim("run traces/handshake.pcap -o /nonexistent-dir/x.txt", "2>&1");
  EXPECT_EQ(r.code, 5);
  EXPECT_NE(r.out.find("/nonexistent-dir/x.txt"), std::string::npos) << r.out;
}

TEST(cli_output, write_pcap_contains_forwarded_frames_and_rsts) {
  const std::string tmp = ::testing::TempDir() + "/out.pcap";
  run_result r = run_sessim("run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 "
                            "--set policy.rst_on_expiry=1 --write-pcap '" + tmp + "' -o /dev/null");
  ASSERT_EQ(r.code, 0);
  // Read it back through sessim itself: forwarded frames plus injected RSTs.
  run_result back = run_sessim("run '" + tmp + "' --cold-start --format json");
  ASSERT_EQ(back.code, 0);
  EXPECT_NE(back.out.find("\"frames\": "), std::string::npos);
}
