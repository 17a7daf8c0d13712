// Every capture in ../shared/traces (when present) replays without error, and every frame is
// accounted for: one verdict row per frame, and frames = parsed + skipped by reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <set>

#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/trace/trace_reader.hpp"

using namespace sessim;

namespace {

struct counting_sink : replay_sink {
  std::set<std::uint64_t> seen;  // held fragments are reported late, with their datagram
  std::uint64_t rows = 0, last_frame = 0, frames_with_rows = 0, connections = 0, broken = 0;
  void on_verdict(const packet_view& p, std::string_view, verdict, std::string_view) override {
    ++rows;
    if (seen.insert(p.frame).second) ++frames_with_rows;
    last_frame = p.frame;
  }
  void on_connection(const connection& c) override {
    ++connections;
    if (c.broken) ++broken;
  }
};

}  // namespace

TEST(shared_replay, every_frame_accounted_for) {
  const std::filesystem::path dir = SESSIM_SHARED_TRACES;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no shared traces at " << dir;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    ++files;
    for (const char* loose : {"0", "1"}) {
      device_config cfg = find_preset("linux").make();
      apply_setting(cfg, "tcp.loose", loose);
      apply_setting(cfg, "tcp.established", "30");
      trace_reader reader(e.path().string());
      replay r({device_spec{"fw", cfg}}, replay_options{});
      counting_sink sink;
      run_summary s = r.run(reader, sink);
      SCOPED_TRACE(e.path().filename().string());
      EXPECT_EQ(s.frames, reader.stats().frames);
      EXPECT_EQ(s.frames, sink.frames_with_rows);
      EXPECT_EQ(s.parsed + std::accumulate(s.skipped.begin(), s.skipped.end(), std::uint64_t{0}), s.frames);
      EXPECT_EQ(s.connections, sink.connections);
      EXPECT_EQ(s.broken, sink.broken);
      EXPECT_EQ(s.broken, std::accumulate(s.broken_by_cause.begin(), s.broken_by_cause.end(), std::uint64_t{0}));
    }
  }
  EXPECT_GT(files, 0);
}
