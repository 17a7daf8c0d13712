#pragma once
// `sessim check FILE... [--junit FILE]`: scenario files (docs/scenario.md) with [[expect]] tables,
// replayed in parallel; one line per scenario, a summary line, JUnit XML; exit 0 when every
// expectation holds, 1 when one fails, 2/3/4 (one-line message) for bad input.
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sessim/report/connection.hpp"

namespace sessim::cli {

/// Options of `sessim check`.
struct check_options {
  std::vector<std::string> files;
  std::string junit;      ///< write JUnit XML here
  unsigned threads = 0;   ///< scenarios replayed at once (0: the number of cores)
};

/// One assertion of an [[expect]] table.
struct expectation {
  enum class kind : std::uint8_t { max_broken, no_cause, survive, max_peak_sessions };
  kind k = kind::max_broken;
  std::string block;           ///< the table's `name`, or "expect N"
  std::uint32_t line = 0;      ///< line of the key in the file
  std::uint64_t n = 0;         ///< max_broken / max_peak_sessions
  break_cause cause = break_cause::none;  ///< no_cause
  std::string client, server;  ///< survive: "ip:port" of each end

  /// Test-case name ("max_broken <= 1", "no sync-race", "survives A -> B").
  std::string name() const;
};

/// Registers `check` on the app (and the `expect` section with the scenario parser, so that
/// `run --scenario` accepts policy files too); the callback stores the exit code in *rc.
void add_check_command(CLI::App& app, check_options& opt, int* rc);
/// Runs `sessim check`; returns 0 or 1 (throws sessim::error on bad input).
int check(const check_options& opt);
/// Registers the [[expect]] table with the scenario parser (idempotent).
void register_expect_section();
/// Parses a scenario file's [[expect]] tables (and the scenario itself); throws config_error.
std::vector<expectation> load_expectations(const std::string& file);

}  // namespace sessim::cli
