#pragma once
// Report writers: text (terminal), JSON (schema in docs/output.md), CSV. Each is a replay_sink
// that streams connections as they end and writes the summary at the end.
#include <fmt/format.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "sessim/report/summary.hpp"
#include "sessim/sim/replay.hpp"

namespace sessim::report {

/// JSON schema version of `--format json`.
inline constexpr int schema_version = 1;

/// What a writer needs to know about the run besides the results.
struct run_info {
  std::string tool = "sessim";
  std::string version;
  std::string trace;
  std::vector<device_spec> devices;            ///< as configured
  std::vector<device_config> preset_defaults;  ///< each device's preset defaults (to show overrides)
  bool cold_start = false;
  const sim_time* base = nullptr;              ///< trace start (set once the first frame is read)
  const topology* topo = nullptr;              ///< the topology (paths, sync groups) when known
};

/// A replay sink that produces a report.
class writer : public replay_sink {
 public:
  /// Called once the run is finished.
  virtual void end(const run_summary& s) = 0;
};

std::unique_ptr<writer> make_text_writer(std::ostream& out, const run_info& info, bool all);
std::unique_ptr<writer> make_json_writer(std::ostream& out, const run_info& info);
std::unique_ptr<writer> make_csv_writer(std::ostream& out, const run_info& info);

/// Rows formatted into memory and written to the stream in ~64 KiB blocks (JSON and CSV writers:
/// one write per block instead of one formatted print per connection). Whatever is buffered is
/// written by flush(), and by the destructor, so a run that stops early leaves what it reported.
class block_output {
 public:
  explicit block_output(std::ostream& out) : out_(out) {}
  block_output(const block_output&) = delete;
  block_output& operator=(const block_output&) = delete;
  ~block_output() {
    try {
      flush();
    } catch (...) {
    }
  }
  fmt::memory_buffer& buf() noexcept { return buf_; }
  /// Call after each row: writes the buffer once it holds a block.
  void row_done() {
    if (buf_.size() >= 64 * 1024) flush();
  }
  void flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }
  /// flush(), then the stream's own flush (end of the report).
  void finish() {
    flush();
    out_.flush();
  }

 private:
  std::ostream& out_;
  fmt::memory_buffer buf_;
};

/// Seconds relative to the trace start, microsecond precision ("12.000345").
std::string rel(const run_info& info, sim_time t);
/// A JSON string literal.
std::string json_str(std::string_view s);
/// The settings of a device that differ from its preset's defaults ("tcp.established=600").
std::vector<std::pair<std::string, std::string>> overrides(const device_config& c, const device_config& def);

}  // namespace sessim::report
