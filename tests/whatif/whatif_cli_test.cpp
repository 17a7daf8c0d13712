// The what-if commands end to end: `run --keepalive`, `sweep` (every point equals a separate
// `run --set KEY=V`, whatever the thread count), the SVG plot. Golden files in tests/golden/
// (keepalive-*, sweep-*); SESSIM_UPDATE_GOLDEN=1 rewrites them.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/cli.hpp"

namespace {

using sessim::test::run_result;
using sessim::test::slurp;

run_result sessim(const std::string& args, const std::string& redirect = "2>&1") {
  return sessim::test::sessim_cli(args, redirect);
}

void golden(const std::string& name, const std::string& actual) { sessim::test::check_golden(name, actual); }

nlohmann::json json_of(const std::string& args) {
  run_result r = sessim(args, "2>/dev/null");
  EXPECT_EQ(r.code, 0) << args;
  return nlohmann::json::parse(r.out);
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

const std::string demo = "traces/idle-demo.pcap --set tcp.loose=0";

// ---- keepalive ----------------------------------------------------------------------------------

TEST(keepalive_cli, lists_the_connections_it_saves) {
  run_result r = sessim("run " + demo + " --set tcp.established=600 --keepalive client:300s");
  ASSERT_EQ(r.code, 0) << r.out;
  golden("keepalive-idle-demo.txt", r.out);
  // Without keepalives: SSH (#1, 70 min idle), :8080 (#5, unacknowledged data) and PostgreSQL
  // (#6, 20 min idle) break. The client's probes every 300 s save #1 and #6; #5's client has
  // unacknowledged data, so it does not probe (its retransmission timer would run), and it breaks.
  nlohmann::json j = json_of("run " + demo + " --set tcp.established=600 --keepalive client:300s --format json");
  const auto& k = j.at("keepalive");
  EXPECT_EQ(k.at("side"), "client");
  EXPECT_EQ(k.at("interval"), 300);
  EXPECT_EQ(k.at("broken_without"), 3);
  EXPECT_EQ(k.at("broken_with"), 1);
  EXPECT_EQ(k.at("probes"), 16);  // SSH: 13 in its 70 min gap; PostgreSQL: 3 in its 20 min gap
  EXPECT_EQ(k.at("answers"), 16);
  EXPECT_EQ(k.at("held_back"), 1);
  EXPECT_EQ(k.at("connections_probed"), 2);
  ASSERT_EQ(k.at("saved_by_keepalive").size(), 2u);
  EXPECT_EQ(k.at("saved_by_keepalive")[0].at("id"), 1);
  EXPECT_EQ(k.at("saved_by_keepalive")[0].at("client"), "10.1.0.11:51332");
  EXPECT_EQ(k.at("saved_by_keepalive")[0].at("break").at("frame"), 63);
  EXPECT_EQ(k.at("saved_by_keepalive")[0].at("break").at("cause"), "idle-timeout");
  EXPECT_EQ(k.at("saved_by_keepalive")[1].at("id"), 6);
  EXPECT_EQ(k.at("saved_by_keepalive")[1].at("break").at("frame"), 87);
  EXPECT_TRUE(k.at("broken_by_keepalive").empty());
  EXPECT_EQ(j.at("summary").at("broken"), 1);
  EXPECT_EQ(j.at("summary").at("frames"), 93 + 32);  // trace frames + probes + answers
  // Connection ranges are trace frames, whatever keepalives came in between.
  for (const auto& c : j.at("connections")) {
    EXPECT_GT(c.at("first_frame").get<int>(), 0);
    EXPECT_GE(c.at("last_frame").get<int>(), c.at("first_frame").get<int>());
    if (c.at("id") == 1) {
      EXPECT_EQ(c.at("last_frame"), 74);
      EXPECT_EQ(c.at("client_pkts"), 23 + 13);  // its 23 frames plus 13 probes
      EXPECT_EQ(c.at("server_pkts"), 16 + 13);  // its 16 frames plus 13 answers
      EXPECT_EQ(c.at("broken"), false);
    }
  }
}

TEST(keepalive_cli, too_slow_keepalive_saves_nothing_and_exact_boundary_is_too_late) {
  nlohmann::json j = json_of("run " + demo + " --set tcp.established=600 --keepalive client:600s --format json");
  EXPECT_EQ(j.at("keepalive").at("broken_with"), 3);
  EXPECT_TRUE(j.at("keepalive").at("saved_by_keepalive").empty());
  j = json_of("run " + demo + " --set tcp.established=600 --keepalive client:599.999s --format json");
  EXPECT_EQ(j.at("keepalive").at("saved_by_keepalive").size(), 2u);
  j = json_of("run " + demo + " --set tcp.established=600 --keepalive both:5m --format json");
  EXPECT_EQ(j.at("keepalive").at("saved_by_keepalive").size(), 2u);
  EXPECT_EQ(j.at("keepalive").at("connections_probed"), 3);  // the server of #5 probes too
}

TEST(keepalive_cli, keepalives_in_verdicts_and_output_pcap) {
  const std::string dir = ::testing::TempDir();
  run_result r = sessim("run " + demo + " --set tcp.established=600 --keepalive client:300s --verdicts '" + dir +
                        "/ka.csv' --write-pcap '" + dir + "/ka.pcap' -o /dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string csv = slurp(dir + "/ka.csv");
  EXPECT_EQ(count(csv, "\n0,"), 32u);  // synthetic frames are frame 0
  // 93 trace frames, 6 dropped (#5 from frame 57 on), plus the 32 keepalive frames.
  nlohmann::json back = json_of("run '" + dir + "/ka.pcap' --cold-start --format json");
  EXPECT_EQ(back.at("summary").at("frames"), 93 - 6 + 32);
  EXPECT_EQ(back.at("summary").at("parsed"), 93 - 6 + 32);
  // Replayed again with the same settings, the keepalives now in the file keep #1 and #6 alive.
  nlohmann::json again = json_of("run '" + dir + "/ka.pcap' --set tcp.loose=0 --set tcp.established=600 --format json");
  EXPECT_EQ(again.at("summary").at("broken"), 0);
}

TEST(keepalive_cli, bad_keepalive_is_a_usage_error) {
  run_result r = sessim("run traces/idle-demo.pcap --keepalive sideways:30s");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count(r.out, "\n"), 1u) << r.out;
  EXPECT_NE(r.out.find("sideways"), std::string::npos);
  EXPECT_EQ(sessim("run traces/idle-demo.pcap --keepalive client:never").code, 2);
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --param tcp.established --values 60 --keepalive client").code, 2);
}

// ---- sweep --------------------------------------------------------------------------------------

const std::string values = "60,120,300,600,1800,3600,7200";

TEST(sweep_cli, every_point_equals_a_separate_run) {
  nlohmann::json s = json_of("sweep " + demo + " --param tcp.established --values " + values + " --format json");
  ASSERT_EQ(s.size(), 3u);  // exactly {"param", "method", "points"}
  EXPECT_EQ(s.at("param"), "tcp.established");
  EXPECT_EQ(s.at("method"), "one-pass");  // from the idle gaps of one reference replay
  const auto& pts = s.at("points");
  ASSERT_EQ(pts.size(), 7u);
  const int broken[] = {3, 3, 3, 3, 2, 2, 1};
  const int peak[] = {2, 2, 3, 3, 3, 3, 3};
  std::size_t i = 0;
  std::stringstream vs(values);
  for (std::string v; std::getline(vs, v, ','); ++i) {
    const auto& p = pts.at(i);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p.at("value"), std::stoi(v));
    EXPECT_EQ(p.at("broken"), broken[i]) << v;
    EXPECT_EQ(p.at("peak_sessions"), peak[i]) << v;
    nlohmann::json run = json_of("run " + demo + " --set tcp.established=" + v + " --format json");
    EXPECT_EQ(p.at("broken"), run.at("summary").at("broken")) << v;
    EXPECT_EQ(p.at("broken_by_cause"), run.at("summary").at("broken_by_cause")) << v;
    EXPECT_EQ(p.at("peak_sessions"), run.at("summary").at("peak_sessions")) << v;
  }
}

struct sweep_case {
  const char* args;    // trace and run options
  const char* param;
  const char* values;  // comma-separated
};

class sweep_equals_runs : public ::testing::TestWithParam<sweep_case> {};

TEST_P(sweep_equals_runs, for_every_point) {
  const sweep_case& c = GetParam();
  nlohmann::json s = json_of(std::string("sweep ") + c.args + " --param " + c.param + " --values " + c.values + " --format json");
  std::stringstream vs(c.values);
  std::size_t i = 0;
  for (std::string v; std::getline(vs, v, ','); ++i) {
    nlohmann::json run = json_of(std::string("run ") + c.args + " --set " + c.param + "=" + v + " --format json");
    const auto& p = s.at("points").at(i);
    EXPECT_EQ(p.at("broken"), run.at("summary").at("broken")) << c.param << "=" << v;
    EXPECT_EQ(p.at("broken_by_cause"), run.at("summary").at("broken_by_cause")) << c.param << "=" << v;
    EXPECT_EQ(p.at("peak_sessions"), run.at("summary").at("peak_sessions")) << c.param << "=" << v;
  }
  EXPECT_EQ(i, s.at("points").size());
}

INSTANTIATE_TEST_SUITE_P(
    cli, sweep_equals_runs,
    ::testing::Values(sweep_case{"traces/idle-demo.pcap", "tcp.established", "60,300,3600,4201"},
                      sweep_case{"traces/idle-demo.pcap --set tcp.loose=0", "tcp.unacknowledged", "100,300,400,401"},
                      sweep_case{"traces/idle-demo.pcap --set tcp.loose=0 --set tcp.established=600", "table.capacity", "1,2,3,0"},
                      sweep_case{"traces/idle-demo.pcap --set tcp.loose=0 --set policy.rst_on_expiry=1", "tcp.established", "5m,1h,2h"},
                      sweep_case{"traces/idle-demo.pcap --set tcp.loose=0 --set tcp.established=600 --keepalive client:300s",
                                 "tcp.established", "60,300,600"},
                      sweep_case{"traces/udp.pcap", "udp.timeout", "5,30,46"},
                      sweep_case{"traces/midstream.pcap --cold-start", "tcp.loose", "0,1"},
                      sweep_case{"traces/port-reuse.pcap", "tcp.time_wait", "10,29,31,120"},
                      sweep_case{"traces/idle-demo.pcap --preset pf", "tcp.established", "60,600,1200,3600,86400"},
                      sweep_case{"traces/idle-demo.pcap --preset f5", "tcp.established", "60,300,600,1200,3600"},
                      sweep_case{"traces/close-wait.pcap --set tcp.loose=0", "tcp.close_wait", "5,20,25,26,27,60"},
                      // a topology key: `run --set sync.latency=V` takes it too
                      sweep_case{"--scenario sim/scenarios/asym-sync.toml --set sync.jitter=0", "sync.latency",
                                 "0,0.0002,0.001,0.05"}));

TEST(sweep_cli, method_replays_gives_the_same_points) {
  const std::string args = "sweep " + demo + " --param tcp.established --values " + values + " --format json";
  nlohmann::json a = json_of(args), r = json_of(args + " --method replays");
  EXPECT_EQ(a.at("method"), "one-pass");
  EXPECT_EQ(r.at("method"), "replays");
  EXPECT_EQ(a.at("points"), r.at("points"));
  // linux picks up mid-stream packets: the flows whose sessions a value re-creates after a gap
  // are re-simulated on their own in one more (filtered) pass; the rest comes from the reference
  nlohmann::json m = json_of("sweep traces/idle-demo.pcap --param tcp.established --values " + values + " --format json");
  EXPECT_EQ(m.at("method"), "one-pass");
  EXPECT_EQ(m.at("points"), json_of("sweep traces/idle-demo.pcap --param tcp.established --values " + values +
                                    " --format json --method replays").at("points"));
  run_result t = sessim("sweep traces/idle-demo.pcap --param tcp.established --values " + values);
  EXPECT_NE(t.out.find("6 connections, one pass: 1 reference replay(s), 6 value(s) from their idle gaps (6 of them with 10 "
                       "flow(s) re-simulated in 1 filtered pass(es))\n"),
            std::string::npos)
      << t.out;
  nlohmann::json x = json_of("sweep traces/idle-demo.pcap --param tcp.established --values 60,600,7200 --format json");
  EXPECT_EQ(x.at("method"), "one-pass");
  EXPECT_EQ(x.at("points"),
            json_of("sweep traces/idle-demo.pcap --param tcp.established --values 60,600,7200 --format json --method replays").at("points"));
  // A trace with fragments: nothing re-simulated, those values replayed (and say why)
  t = sessim("sweep traces/fragments.pcap --param udp.timeout --values 0.001,1000");
  EXPECT_EQ(t.code, 0);
  EXPECT_EQ(t.out.find("re-simulated"), std::string::npos) << t.out;
  EXPECT_EQ(sessim("sweep " + demo + " --param tcp.established --values 60 --method fast").code, 2);
}

TEST(sweep_cli, output_does_not_depend_on_the_thread_count) {
  const std::string args = "sweep " + demo + " --param tcp.established --values " + values + " --format json";
  run_result one = sessim(args + " --threads 1");
  ASSERT_EQ(one.code, 0);
  for (const char* t : {"2", "3", "7", "16"}) {
    run_result r = sessim(args + " --threads " + t);
    ASSERT_EQ(r.code, 0);
    EXPECT_EQ(r.out, one.out) << t << " threads";
  }
  EXPECT_EQ(sessim(args).out, one.out);
}

TEST(sweep_cli, golden_table_and_json) {
  run_result r = sessim("sweep " + demo + " --param tcp.established --values " + values);
  ASSERT_EQ(r.code, 0) << r.out;
  golden("sweep-idle-demo.txt", r.out);
  r = sessim("sweep " + demo + " --param tcp.established --values " + values + " --format json");
  ASSERT_EQ(r.code, 0) << r.out;
  golden("sweep-idle-demo.json", r.out);
}

TEST(sweep_cli, svg_plot) {
  const std::string svg = ::testing::TempDir() + "/sweep.svg";
  run_result r = sessim("sweep " + demo + " --param tcp.established --values " + values + " --svg '" + svg + "' -o /dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string s = slurp(svg);
  EXPECT_EQ(s.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(s.substr(s.size() - 7), "</svg>\n");
  EXPECT_NE(s.find("tcp.established (s) \xe2\x80\x94 log scale"), std::string::npos);  // 60..7200 spans > 10x
  EXPECT_NE(s.find(">broken connections</text>"), std::string::npos);
  EXPECT_NE(s.find(">peak concurrent sessions</text>"), std::string::npos);
  EXPECT_NE(s.find(">broken: idle-timeout</text>"), std::string::npos);
  EXPECT_EQ(count(s, "<circle "), 8u);  // 7 points + legend
  EXPECT_EQ(count(s, "<svg"), 1u);
  EXPECT_EQ(count(s, "<g"), count(s, "</g>"));
  // A linear axis when the values span less than 10x.
  r = sessim("sweep " + demo + " --param tcp.established --values 600,1200,3000 --svg '" + svg + "' -o /dev/null");
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(slurp(svg).find("log scale"), std::string::npos);
}

TEST(sweep_cli, errors) {
  run_result r = sessim("sweep traces/idle-demo.pcap --param tcp.establishd --values 60,120");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("tcp.establishd"), std::string::npos);
  EXPECT_EQ(count(r.out, "\n"), 1u) << r.out;
  r = sessim("sweep traces/idle-demo.pcap --param tcp.established --values 60,soon");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("soon"), std::string::npos);
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --param tcp.established").code, 2);
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --values 1,2").code, 2);
  EXPECT_EQ(sessim("sweep traces/nope.pcap --param tcp.established --values 1").code, 4);
  for (const char* threads : {"1", "2"}) {  // a corrupt trace stops the pool cleanly: one line, exit 4
    r = sessim(std::string("sweep traces/corrupt.pcap --param tcp.established --values 1,2,3 --threads ") + threads);
    EXPECT_EQ(r.code, 4) << r.out;
    EXPECT_EQ(count(r.out, "\n"), 1u) << r.out;
    EXPECT_NE(r.out.find("frame 3"), std::string::npos) << r.out;
  }
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --param tcp.established --values 1 --format csv").code, 2);
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --param tcp.established --values 1 --svg /nonexistent-dir/x.svg").code, 5);
  EXPECT_EQ(sessim("sweep traces/idle-demo.pcap --param sync.latency --values 0.001").code, 3);  // no sync group
}

}  // namespace
