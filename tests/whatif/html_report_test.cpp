// `sessim run --html`: one self-contained file; checked in a real headless browser (Debian's
// chromium, skipped when it is not installed): it loads without errors and shows one timeline
// per broken connection.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/cli.hpp"

namespace {

using sessim::test::count;
using sessim::test::run_result;
using sessim::test::shell;
using sessim::test::slurp;

run_result sessim(const std::string& args) { return sessim::test::sessim_cli(args); }

constexpr const char* chromium = "/usr/bin/chromium";

/// Loads `file` in headless chromium: the DOM after load, and (separately) the console log.
struct browser_result {
  int code = -1;
  std::string dom, log;
};

browser_result load_in_chromium(const std::string& file) {
  const std::string profile = ::testing::TempDir() + "/chromium-profile-" + std::to_string(getpid());
  const std::string flags = std::string(" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                                        "--disable-background-networking --disable-component-update --disable-sync "
                                        "--user-data-dir='") + profile + "' ";
  browser_result b;
  run_result dom = shell(std::string("timeout 120 ") + chromium + flags + "--dump-dom 'file://" + file + "' 2>/dev/null");
  b.code = dom.code;
  b.dom = dom.out;
  run_result log = shell(std::string("timeout 120 ") + chromium + flags + "--enable-logging=stderr --v=0 --dump-dom 'file://" +
                         file + "' 2>&1 >/dev/null");
  b.log = log.out;
  return b;
}

/// Console messages and load failures chromium logged for the page (not its own D-Bus noise).
std::string page_errors(const std::string& log) {
  std::string errs;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos ||
        line.find("ERR_FILE_NOT_FOUND") != std::string::npos || line.find("Failed to load") != std::string::npos ||
        line.find("net::ERR") != std::string::npos)
      errs += line + "\n";
  }
  return errs;
}

TEST(html_report, self_contained_with_one_timeline_per_broken_connection) {
  const std::string html = ::testing::TempDir() + "/report.html";
  run_result r = sessim("run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --html '" + html + "' -o /dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string s = slurp(html);
  EXPECT_EQ(s.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_EQ(count(s, "<svg class=\"timeline\""), 2u);
  EXPECT_NE(s.find("<h2>Broken connections (2)</h2>"), std::string::npos);
  EXPECT_NE(s.find("<section id=\"c1\">"), std::string::npos);
  EXPECT_NE(s.find("<section id=\"c5\">"), std::string::npos);
  // Self-contained: no scripts, no external resources.
  EXPECT_EQ(s.find("<script"), std::string::npos);
  EXPECT_EQ(s.find("src="), std::string::npos);
  EXPECT_EQ(s.find("<link"), std::string::npos);
  EXPECT_EQ(s.find("url("), std::string::npos);
  EXPECT_EQ(s.find("http://"), s.find("http://www.w3.org/2000/svg"));
  // Timeline content: SSH's 70 min gap, the expiry at 3620.49 s, the 12 frames dropped after it.
  EXPECT_NE(s.find("idle 70.0 min"), std::string::npos);
  EXPECT_NE(s.find("to t=3620.490000 s (expired)"), std::string::npos);
  EXPECT_EQ(count(s, "class=\"pkt dropped\""), 12u + 6u);  // #1 from frame 63, #5 from frame 57
  EXPECT_EQ(count(s, ">expired</text>"), 2u);
  EXPECT_EQ(count(s, "<svg"), count(s, "</svg>"));
}

TEST(html_report, rst_on_expiry_and_keepalives_are_drawn) {
  const std::string html = ::testing::TempDir() + "/report-rst.html";
  ASSERT_EQ(sessim("run traces/idle-demo.pcap --set tcp.established=3600 --set tcp.loose=0 --set policy.rst_on_expiry=1 --html '" +
                   html + "' -o /dev/null").code, 0);
  std::string s = slurp(html);
  EXPECT_EQ(count(s, "<svg class=\"timeline\""), 2u);
  EXPECT_EQ(count(s, "<title>RST from fw to the"), 4u);  // two per broken connection
  const std::string ka = ::testing::TempDir() + "/report-ka.html";
  ASSERT_EQ(sessim("run traces/idle-demo.pcap --set tcp.established=600 --set tcp.loose=0 --keepalive client:300s --html '" + ka +
                   "' -o /dev/null").code, 0);
  s = slurp(ka);
  EXPECT_EQ(count(s, "<svg class=\"timeline\""), 1u);  // only #5 still breaks
  EXPECT_NE(s.find("<h2>Keepalive client:300s</h2>"), std::string::npos);
  EXPECT_NE(s.find("<p><b>Saved by keepalive (2)</b></p>"), std::string::npos);
}

TEST(html_report, sessions_installed_by_sync_show_on_their_device) {
  // asym-failover: fw1 syncs to fw2 (ipvs-style, after 3 packets) and fails at t = 30 s; #23 was
  // never synced, so fw2 drops its packets after the failover (cause failover).
  const std::string html = ::testing::TempDir() + "/report-failover.html";
  ASSERT_EQ(sessim("run --scenario sim/scenarios/asym-failover.toml --html '" + html + "' -o /dev/null").code, 0);
  const std::string s = slurp(html);
  EXPECT_EQ(count(s, "<svg class=\"timeline\""), 1u);
  EXPECT_NE(s.find("<section id=\"c23\">"), std::string::npos);
  EXPECT_EQ(count(s, ">session on fw1</text>"), 1u);
  EXPECT_EQ(count(s, ">session on fw2</text>"), 1u);
  EXPECT_NE(s.find("break: failover"), std::string::npos);
  // fw1 held the session until it went down; fw2 never got it before the failover.
  EXPECT_NE(s.find("<title>session on fw1: from t=29.000000 s (new) to t="), std::string::npos) << s;
  EXPECT_NE(s.find("(gone: ended by a packet, removed or lost)"), std::string::npos);
}

TEST(html_report, sync_arrivals_at_their_time) {
  // asym-sync (5 ms sync latency): replies beat the sync of their session (sync-race); sessions
  // still reach fw2 by sync, drawn from the message's arrival (0.2 s + 4.902 ms for #2).
  const std::string html = ::testing::TempDir() + "/report-sync.html";
  ASSERT_EQ(sessim("run --scenario sim/scenarios/asym-sync.toml --html '" + html + "' -o /dev/null").code, 0);
  const std::string s = slurp(html);
  EXPECT_NE(s.find("break: sync-race"), std::string::npos);
  EXPECT_NE(s.find("session on fw2: from t=0.204902 s (installed by sync (arrival of the message))"), std::string::npos)
      << s.substr(0, 2000);
}

TEST(html_report, no_broken_connections) {
  const std::string html = ::testing::TempDir() + "/report-ok.html";
  ASSERT_EQ(sessim("run traces/handshake.pcap --html '" + html + "' -o /dev/null").code, 0);
  const std::string s = slurp(html);
  EXPECT_EQ(count(s, "<svg class=\"timeline\""), 0u);
  EXPECT_NE(s.find("<h2>Broken connections (0)</h2>"), std::string::npos);
  EXPECT_EQ(sessim("run traces/handshake.pcap --html /nonexistent-dir/r.html").code, 5);
}

TEST(html_report, loads_in_headless_chromium) {
  if (access(chromium, X_OK) != 0) GTEST_SKIP() << chromium << " not installed";
  const std::string html = ::testing::TempDir() + "/report-browser.html";
  ASSERT_EQ(sessim("run traces/idle-demo.pcap --set tcp.established=600 --set tcp.loose=0 --html '" + html + "' -o /dev/null").code, 0);
  browser_result b = load_in_chromium(html);
  ASSERT_EQ(b.code, 0) << b.log;
  // The DOM the browser built: the document loaded, three timelines (tcp.established=600 breaks
  // #1, #5 and #6), each an SVG element the parser recognised (with its namespace).
  EXPECT_NE(b.dom.find("<h1>sessim report</h1>"), std::string::npos) << b.dom.substr(0, 400);
  EXPECT_EQ(count(b.dom, "<svg class=\"timeline\""), 3u);
  EXPECT_NE(b.dom.find("<h2>Broken connections (3)</h2>"), std::string::npos);
  EXPECT_EQ(count(b.dom, "</svg>"), 3u);
  EXPECT_NE(b.dom.find("</html>"), std::string::npos);
  EXPECT_EQ(page_errors(b.log), "");
}

TEST(html_report, sweep_svg_loads_in_headless_chromium) {
  if (access(chromium, X_OK) != 0) GTEST_SKIP() << chromium << " not installed";
  const std::string svg = ::testing::TempDir() + "/sweep-browser.svg";
  ASSERT_EQ(sessim("sweep traces/idle-demo.pcap --set tcp.loose=0 --param tcp.established --values 60,600,7200 --svg '" + svg +
                   "' -o /dev/null").code, 0);
  browser_result b = load_in_chromium(svg);
  ASSERT_EQ(b.code, 0) << b.log;
  // An XML parse error would replace the document with chromium's error page.
  EXPECT_EQ(b.dom.find("This page contains the following errors"), std::string::npos) << b.dom.substr(0, 600);
  EXPECT_NE(b.dom.find("peak concurrent sessions"), std::string::npos);
  EXPECT_EQ(page_errors(b.log), "");
}

}  // namespace
