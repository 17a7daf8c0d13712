// Builds the asymmetric two-firewall topology of docs/asymmetric.md in C++ (no scenario file),
// replays a trace through it and prints every sync race with its margin.
//   asym_example traces/asym.pcap
#include <cstdio>

#include "sessim/sessim.hpp"

namespace {

struct print_races : sessim::replay_sink {
  void on_connection(const sessim::connection& c) override {
    if (!c.broken) return;
    std::printf("%s -> %s  %s at frame %llu on %s, margin %.1f us\n", c.client().c_str(), c.server().c_str(),
                std::string(sessim::cause_name(c.brk.cause)).c_str(),
                static_cast<unsigned long long>(c.brk.frame), c.brk.device.c_str(),
                c.brk.race_margin < 0 ? -1.0 : sessim::to_seconds(c.brk.race_margin) * 1e6);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: asym_example TRACE\n");
    return 2;
  }
  using namespace sessim;
  topology t;
  for (const char* name : {"fw1", "fw2"}) {
    device_spec d{name, find_preset("linux").make()};
    apply_setting(d.config, "tcp.be_liberal", "1");
    t.devices.push_back(d);
  }
  path_spec out, back;
  out.match.direction = path_direction::client_to_server;
  out.devices = {0};
  back.match.direction = path_direction::server_to_client;
  back.devices = {1};
  t.paths = {out, back};
  sync_spec g;
  g.name = "ha";
  g.members = {0, 1};
  g.latency.a = seconds(0.005);
  g.latency.jitter = seconds(0.001);
  t.groups = {g};
  try {
    trace_reader reader(argv[1]);
    replay r(t, replay_options{});
    print_races sink;
    run_summary s = r.run(reader, sink);
    std::printf("%llu connections, %llu broken\n", static_cast<unsigned long long>(s.connections),
                static_cast<unsigned long long>(s.broken));
  } catch (const sessim::error& e) {
    std::fprintf(stderr, "asym_example: %s\n", e.what());
    return e.exit_code();
  }
  return 0;
}
