#pragma once
// `sessim lb-remap`: what share of connections a scheduler change and an added real server remap.
#include <CLI/CLI.hpp>

namespace sessim::cli {

/// Registers `lb-remap` on the app; the result code goes to *rc.
void add_lb_command(CLI::App& app, int* rc);

}  // namespace sessim::cli
