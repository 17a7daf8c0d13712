#pragma once
/// The scenario registry of sessim-tracegen: each scenario is a function that writes one pcap.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcap_out.hpp"
#include "util.hpp"

namespace sessim::tracegen {

/// What a scenario gets: its options (already checked against its keys), the seed, the output.
struct run_context {
  const options& opts;
  std::uint64_t seed = 1;
  std::string out;
};

/// One named scenario.
struct scenario {
  std::string_view name;
  std::string_view summary;        ///< one line for `sessim-tracegen list`
  std::vector<std::string> keys;   ///< accepted --opt keys
  void (*run)(const run_context&);
};

/// Every scenario, in listing order.
const std::vector<scenario>& all_scenarios();

/// Milliseconds to nanoseconds.
constexpr sim_time ms(double v) { return seconds(v / 1000.0); }

/// The frame sink for a scenario that accepts `--opt linktype=...` (default ethernet).
frame_sink make_sink(const run_context& ctx);

void run_idle_demo(const run_context&);
void run_handshake(const run_context&);
void run_syn_retrans(const run_context&);
void run_midstream(const run_context&);
void run_close_wait(const run_context&);
void run_rst(const run_context&);
void run_port_reuse(const run_context&);
void run_udp(const run_context&);
void run_icmp(const run_context&);
void run_linktypes(const run_context&);
void run_ipv6(const run_context&);
void run_fragments(const run_context&);
void run_odd(const run_context&);
void run_asym(const run_context&);
void run_bench(const run_context&);
void run_corrupt(const run_context&);
void run_vip(const run_context&);

}  // namespace sessim::tracegen
