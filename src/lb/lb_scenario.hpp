#pragma once
// Scenario sections of the load-balancer room: [[virtual_server]] (with [[virtual_server.real]],
// [virtual_server.sorry], [virtual_server.health], [[virtual_server.rule]]) and [[server_event]].
namespace sessim::lb {

/// Registers the sections with the scenario parser (idempotent; call before parsing).
void register_scenario_sections();

}  // namespace sessim::lb
