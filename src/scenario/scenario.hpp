#pragma once
// Scenario files (TOML, docs/scenario.md): devices, paths, sync groups, owner redirect and
// events, parsed into a sessim::topology. Every error names the file, the line and the key.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/sim/topology.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace sessim::scenario {

/// What a scenario file describes.
struct scenario {
  std::string path;            ///< the file
  std::string trace;           ///< `trace = ...` (relative to the file), empty when absent
  topology topo;
  bool cold_start = false;
  double warm_window = 5.0;
  bool has_cold_start = false, has_warm_window = false;
};

/// A handler for an extra top-level table or array of tables (e.g. `expect`, `virtual_server`):
/// it receives the parsed table and the scenario being built. Register before parsing.
using section_handler = std::function<void(const toml::table&, scenario&, const std::string& file)>;

/// Registers a handler for top-level key `name` (tables or arrays of tables).
void register_section(std::string name, section_handler h);

/// Parses a scenario file; throws config_error("FILE:LINE: ...") on any problem.
scenario load(const std::string& path);

/// Parses scenario text (the name is used in messages).
scenario parse(std::string_view text, const std::string& name);

/// Parses a duration: a number of seconds, or a string with a unit (ns, us, ms, s, m, h, d).
/// Throws config_error naming `where` when malformed or negative.
sim_time parse_duration(std::string_view text, const std::string& where);

}  // namespace sessim::scenario
