/// sessim-tracegen: writes the project's synthetic pcap traces.
///   sessim-tracegen SCENARIO OUT.pcap [--opt KEY=VALUE ...] [--seed N]
///   sessim-tracegen list
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "scenario.hpp"
#include "sessim/core/error.hpp"

namespace sessim::tracegen {

namespace {

constexpr std::string_view usage_line =
    "usage: sessim-tracegen SCENARIO OUT.pcap [--opt KEY=VALUE ...] [--seed N] | sessim-tracegen list";

void list() {
  for (const scenario& s : all_scenarios()) {
    std::string keys;
    for (const std::string& k : s.keys) keys += (keys.empty() ? "" : ",") + k;
    fmt::print("{:<12} {}{}\n", s.name, s.summary, keys.empty() ? "" : fmt::format(" [opts: {}]", keys));
  }
}

std::uint64_t parse_seed(const std::string& v) {
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || v[0] == '-')
    throw usage_error(fmt::format("bad --seed '{}' (expected an unsigned integer)", v));
  return n;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "list" || args[0] == "--list")) {
    list();
    return 0;
  }
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    fmt::print("{}\nscenarios:\n", usage_line);
    list();
    return 0;
  }
  std::vector<std::string> pos;
  options opts;
  std::uint64_t seed = 1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string_view flag) -> std::string {
      std::string pre = std::string(flag) + "=";
      if (a.rfind(pre, 0) == 0) return a.substr(pre.size());
      if (i + 1 >= args.size()) throw usage_error(fmt::format("{} needs a value", flag));
      return args[++i];
    };
    if (a == "--opt" || a.rfind("--opt=", 0) == 0) {
      opts.add(value("--opt"));
    } else if (a == "--seed" || a.rfind("--seed=", 0) == 0) {
      seed = parse_seed(value("--seed"));
    } else if (a.size() > 1 && a[0] == '-') {
      throw usage_error(fmt::format("unknown flag '{}'", a));
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2) throw usage_error(std::string(usage_line));
  const scenario* sc = nullptr;
  for (const scenario& s : all_scenarios())
    if (s.name == pos[0]) sc = &s;
  if (!sc) throw usage_error(fmt::format("unknown scenario '{}' (see 'sessim-tracegen list')", pos[0]));
  opts.check_keys(sc->name, sc->keys);
  run_context ctx{opts, seed, pos[1]};
  try {
    sc->run(ctx);
  } catch (...) {
    std::remove(ctx.out.c_str());  // no half-written traces
    throw;
  }
  return 0;
}

}  // namespace
}  // namespace sessim::tracegen

int main(int argc, char** argv) {
  try {
    return sessim::tracegen::run(argc, argv);
  } catch (const sessim::error& e) {
    std::fprintf(stderr, "sessim-tracegen: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sessim-tracegen: %s\n", e.what());
    return 1;
  }
}
