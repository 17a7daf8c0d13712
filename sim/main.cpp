// sessim: replay captures through models of session devices and explain every broken connection.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/lb_command.hpp"
#include "cli/check_command.hpp"
#include "cli/run_command.hpp"
#include "cli/sweep_command.hpp"
#include "sessim/core/error.hpp"
#include "sessim/policy/presets/all.hpp"

int main(int argc, char** argv) {
  using namespace sessim;
  CLI::App app{"sessim: which connections would a session device break in this capture, when, why, and what saves them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", cli::version());
  int rc = 0;
  cli::run_options run_opt;
  cli::add_run_command(app, run_opt, &rc);
  cli::sweep_options sweep_opt;
  cli::add_sweep_command(app, sweep_opt, &rc);
  cli::check_options check_opt;
  cli::add_check_command(app, check_opt, &rc);
  cli::add_lb_command(app, &rc);

  auto* presets_cmd = app.add_subcommand("presets", "List the device presets and their timeouts");
  presets_cmd->callback([] {
    for (const auto& p : all_presets()) {
      device_config c = p.make();
      fmt::print("{:<10} {}\n           source: {}\n          ", p.name, p.product, p.source);
      int col = 0;
      for (const auto& k : config_keys()) {
        std::string item = fmt::format(" {}={}", k.name, k.show(c));
        if (col + item.size() > 88) { fmt::print("\n          "); col = 0; }
        fmt::print("{}", item);
        col += static_cast<int>(item.size());
      }
      fmt::print("\n\n");
    }
  });
  auto* keys_cmd = app.add_subcommand("keys", "List every setting --set accepts");
  keys_cmd->callback([] {
    for (const auto& k : config_keys()) fmt::print("{:<22} {}\n", k.name, k.help);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const sessim::error& e) {
    std::cout.flush();
    fmt::print(stderr, "sessim: {}\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "sessim: out of memory\n");
    return 6;
  }
  return rc;
}
