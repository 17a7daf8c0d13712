#pragma once
// `sessim sweep TRACE [run options] --param KEY --values V1,V2,...`: one pass over the trace drives
// one replay per value in lockstep (on a thread pool); a table, JSON and an SVG plot. Also the
// what-if parts of `sessim run` that need more than one replay or extra sinks (--keepalive,
// --html): run_extras.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/run_command.hpp"
#include "report/writers.hpp"
#include "sessim/report/summary.hpp"
#include "sessim/sim/keepalive.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/sim/topology.hpp"
#include "sessim/trace/trace_reader.hpp"

namespace sessim::cli {

/// Options of `sessim sweep`.
struct sweep_options {
  run_options run;                  ///< trace, preset/scenario, --set, --keepalive, --format, -o ...
  std::string param;                ///< KEY, DEVICE:KEY, or a topology key (sync.latency, ...)
  std::vector<std::string> values;  ///< one replay per value
  std::string svg;                  ///< write the plot here
  unsigned threads = 0;             ///< workers (0: hardware concurrency)
  std::string method = "auto";      ///< auto: one-pass where exact (idle timeouts), else replays; replays: always replay
};

/// One point of a sweep.
struct sweep_point {
  std::string value;      ///< as given
  double x = 0;           ///< numeric value (seconds for durations)
  bool numeric = false;   ///< `value` is a number (with an optional unit)
  run_summary summary;    ///< what `sessim run --set KEY=value` reports (one-pass points: broken,
                          ///< broken_by_cause and peak_sessions; the rest is the reference's)
  bool one_pass = false;  ///< computed from a reference replay's idle gaps (sim/idle_sweep.hpp)
  bool reference = false; ///< one_pass, and this value's replay was the reference itself
  std::string why;        ///< not one_pass although tried: why it was replayed
  unsigned pass = 1;      ///< the pass over the trace that computed it (1-based)
  std::size_t resimulated = 0;  ///< one_pass: flows re-simulated on their own for it (idle_resim())
};

/// Registers `sweep` on the app; the callback stores the exit code in *rc.
void add_sweep_command(CLI::App& app, sweep_options& opt, int* rc);
/// Runs `sessim sweep`; returns the exit code (throws sessim::error on bad input).
int sweep(const sweep_options& opt);
/// Runs the sweep's replays (one pass over the trace) and returns the points in value order.
std::vector<sweep_point> run_sweep(const sweep_options& opt);
/// The unit of a parameter for tables and plots ("s", "sessions", "" when it has none).
std::string param_unit(const std::string& key);

/** The what-if additions to one `sessim run`: with --keepalive the trace is replayed twice in one
 *  pass (with and without the keepalives) to list the connections the keepalives save; with
 *  --html a sink collects the broken connections' timelines and writes the HTML report. */
class run_extras {
 public:
  /// For a run with these options over `topo`; `info` describes the run to the writers.
  run_extras(const run_options& opt, const topology& topo, trace_reader& reader, const report::run_info& info);
  ~run_extras();
  run_extras(const run_extras&) = delete;
  run_extras& operator=(const run_extras&) = delete;

  /// True when --keepalive or --html was given (otherwise run() need not be used).
  bool active() const;
  /// The stream the report writer should write to (JSON gets a `keepalive` member appended).
  std::ostream& wrap(std::ostream& out);
  /// Replays the trace into `sink` (and the comparison replay); returns the main replay's totals.
  run_summary run(const replay_options& ropt, replay_sink& sink);
  /// After the writer's end(): the keepalive section of the report, the HTML file.
  void end(const run_summary& s);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sessim::cli
