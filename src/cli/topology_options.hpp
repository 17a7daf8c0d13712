#pragma once
// The topology a `sessim run` / `sweep` command replays, built from its options: the
// scenario file or one device of --preset, then --set KEY=VALUE applied (run_command.cpp).
#include <string>
#include <vector>

#include "cli/run_command.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/sim/topology.hpp"

namespace sessim::cli {

/// The topology of these options (the scenario's, or one device `opt.device` with `opt.preset`)
/// and each device's preset defaults; fills in the trace and start options a scenario gives.
/// Throws usage_error when no trace is given or --preset is combined with --scenario.
topology build_topology(run_options& opt, std::vector<device_config>& defaults);

/// Applies KEY=VALUE to every device, DEVICE:KEY=VALUE to one, or a topology key
/// (sync.latency, sync.jitter, sync.loss, redirect.latency); `what` names it in errors.
void apply_key(topology& topo, const std::string& key, const std::string& value, const std::string& what);

/// Applies each --set KEY=VALUE with apply_key.
void apply_sets(topology& topo, const std::vector<std::string>& sets);

}  // namespace sessim::cli
