// `sessim check`: [[expect]] tables, PASS/FAIL lines, exit codes, JUnit XML; policies/*.toml hold.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/cli.hpp"

namespace {

using sessim::test::count;
using sessim::test::run_result;
using sessim::test::slurp;

run_result sessim(const std::string& args, const std::string& redirect = "2>&1") {
  return sessim::test::sessim_cli(args, redirect);
}

const std::string data = "tests/whatif/data/";

TEST(check_cli, example_policies_hold) {
  run_result r = sessim("check policies/asym-pfsync-defer.toml policies/office-firewall.toml policies/udp-services.toml");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out,
            "PASS  policies/asym-pfsync-defer.toml  (3 expectation(s); 42 connections, 0 broken)\n"
            "PASS  policies/office-firewall.toml  (7 expectation(s); 6 connections, 1 broken (idle-timeout 1))\n"
            "PASS  policies/udp-services.toml  (3 expectation(s); 3 connections, 0 broken)\n"
            "check: 3 scenario(s), 3 passed, 0 failed; 13 expectation(s), 0 failed\n");
}

TEST(check_cli, failing_expectations) {
  run_result r = sessim("check " + data + "check-pass.toml " + data + "check-fail.toml");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.out,
            "PASS  tests/whatif/data/check-pass.toml  (3 expectation(s); 6 connections, 1 broken (idle-timeout 1))\n"
            "FAIL  tests/whatif/data/check-fail.toml:11  ssh: survives 10.1.0.11:51332 -> 192.0.2.22:22: #1 10.1.0.11:51332 "
            "-> 192.0.2.22:22 broke at frame 63, t=4220.490000 s on fw: idle-timeout  (+3 more failing)\n"
            "check: 2 scenario(s), 1 passed, 1 failed; 9 expectation(s), 4 failed\n");
  // The order of the output is the order of the files, whatever the thread count.
  run_result one = sessim("check --threads 1 " + data + "check-pass.toml " + data + "check-fail.toml");
  EXPECT_EQ(one.out, r.out);
  EXPECT_EQ(one.code, 1);
}

TEST(check_cli, junit_xml_one_testcase_per_expectation) {
  const std::string xml = ::testing::TempDir() + "/junit.xml";
  run_result r = sessim("check " + data + "check-fail.toml policies/office-firewall.toml --junit '" + xml + "'");
  EXPECT_EQ(r.code, 1);
  const std::string x = slurp(xml);
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sessim check\" tests=\"13\" failures=\"4\" errors=\"0\"", 0), 0u) << x;
  EXPECT_EQ(count(x, "<testsuite "), 2u);
  EXPECT_EQ(count(x, "<testcase "), 13u);
  EXPECT_EQ(count(x, "<failure "), 4u);
  EXPECT_NE(x.find("<testsuite name=\"tests/whatif/data/check-fail.toml\" tests=\"6\" failures=\"4\""), std::string::npos);
  EXPECT_NE(x.find("<testsuite name=\"policies/office-firewall.toml\" tests=\"7\" failures=\"0\""), std::string::npos);
  EXPECT_NE(x.find("<testcase classname=\"tests.whatif.data.check-fail\" name=\"max_broken &lt;= 0\" "
                   "file=\"tests/whatif/data/check-fail.toml\" line=\"14\" time=\"0\">\n"
                   "      <failure type=\"expectation\" message=\"3 broken (idle-timeout 3)\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"no sync-race\" file=\"tests/whatif/data/check-fail.toml\" line=\"15\" time=\"0\"/>"), std::string::npos);
  EXPECT_NE(x.find("message=\"peak 3 sessions (fw 3)\""), std::string::npos);
  EXPECT_NE(x.find("name=\"dns: survives 192.0.2.53:53 -&gt; 10.1.0.13:55361\" file=\"tests/whatif/data/check-fail.toml\" line=\"20\" time=\"0\"/>"),
            std::string::npos);
  EXPECT_NE(x.find("message=\"no such connection in the trace\""), std::string::npos);
  EXPECT_NE(x.find("<property name=\"broken\" value=\"3\"/>"), std::string::npos);
  EXPECT_EQ(count(x, "<testsuite "), count(x, "</testsuite>"));
  EXPECT_EQ(x.substr(x.size() - 14), "</testsuites>\n");
}

TEST(check_cli, bad_input_is_one_line_and_a_distinct_code) {
  struct bad {
    const char* file;
    int code;
    const char* text;
  };
  for (const bad& b : {bad{"check-bad-key.toml", 3, "check-bad-key.toml:5: expect.max_brokn: unknown key"},
                       bad{"check-bad-cause.toml", 3, "check-bad-cause.toml:4: expect.no_cause: unknown cause 'timeout'"},
                       bad{"check-bad-survive.toml", 3, "check-bad-survive.toml:4: expect.survive:"},
                       bad{"check-no-expect.toml", 3, "check-no-expect.toml: no [[expect]] table"},
                       bad{"check-missing-trace.toml", 4, "no-such-trace.pcap"},
                       bad{"no-such-file.toml", 3, "no-such-file.toml"}}) {
    run_result r = sessim("check " + data + "check-pass.toml " + data + b.file);
    EXPECT_EQ(r.code, b.code) << b.file << ": " << r.out;
    EXPECT_EQ(count(r.out, "\n"), 1u) << b.file << ": " << r.out;
    EXPECT_NE(r.out.find(b.text), std::string::npos) << b.file << ": " << r.out;
  }
  EXPECT_EQ(sessim("check").code, 2);
  EXPECT_EQ(sessim("check " + data + "check-pass.toml --junit /nonexistent-dir/j.xml").code, 5);
}

TEST(check_cli, run_accepts_policy_files) {
  run_result r = sessim("run --scenario policies/office-firewall.toml --format json", "2>/dev/null");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"broken\": 1,"), std::string::npos);
}

}  // namespace
