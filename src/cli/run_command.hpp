#pragma once
// `sessim run`: options, and the function that runs a replay end to end.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sessim::cli {

/// Options of `sessim run`.
struct run_options {
  std::string trace;
  std::string preset = "linux";
  std::vector<std::string> sets;
  bool cold_start = false;
  double warm_window = 5.0;
  std::string verdicts;
  std::string write_pcap;
  std::string format = "text";
  std::string output;
  bool all = false;
  bool single_thread = false;  ///< --single-thread: no reader thread
  std::string device = "fw";
  std::string scenario;
  bool preset_given = false;
  std::string keepalive;  ///< --keepalive SIDE:INTERVAL (what-if, docs/what-if.md)
  std::string html;       ///< --html FILE
};

/// Registers `run` on the app; the callback stores the exit code in *rc.
void add_run_command(CLI::App& app, run_options& opt, int* rc);
/// Runs a replay with these options; returns the exit code (throws sessim::error on bad input).
int run(const run_options& opt);

/// The version string.
inline const char* version() { return "0.1.0"; }

}  // namespace sessim::cli
