// `sessim lb-remap TRACE --scenario S [--scheduler NAME] [--add-server IP:PORT[:WEIGHT]]`: replays
// the trace three times — as configured, with the other scheduler, and with the other scheduler
// plus one more real server — and prints the share of connections whose real server changed.
// Without the options, the scenario's `[lb_remap]` table gives them (scheduler, add_server).
#include "cli/lb_command.hpp"

#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "lb/lb_scenario.hpp"
#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"
#include "sessim/lb/schedulers/all.hpp"
#include "sessim/lb/virtual_server.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/trace/trace_reader.hpp"

namespace sessim::cli {

namespace {

struct remap_options {
  std::string trace, scenario, scheduler = "mh", add;
  bool scheduler_given = false, add_given = false;  ///< on the command line (else from [lb_remap])
};

class backend_sink final : public replay_sink {
 public:
  void on_connection(const connection& c) override {
    if (!c.backend.empty()) backends[c.id] = c.backend;
  }
  std::map<std::uint64_t, std::string> backends;
};

std::map<std::uint64_t, std::string> backends_of(const topology& topo, const std::string& trace) {
  trace_reader reader(trace);
  backend_sink sink;
  replay r(topo, replay_options{});
  r.run(reader, sink);
  return sink.backends;
}

std::map<std::string, std::uint64_t> spread(const std::map<std::uint64_t, std::string>& m) {
  std::map<std::string, std::uint64_t> s;
  for (auto& [id, b] : m) ++s[b];
  return s;
}

int run_remap(remap_options o) {
  lb::register_scenario_sections();
  scenario::scenario sc = scenario::load(o.scenario);
  if (sc.topo.lb && sc.topo.lb->remap) {  // the scenario's [lb_remap], unless the command line says otherwise
    if (!o.scheduler_given) o.scheduler = sc.topo.lb->remap->scheduler;
    std::optional<lb::real_server_spec> add = sc.topo.lb->remap->add;
    if (!o.add_given && add) o.add = fmt::format("{}:{}", add->name(), add->weight);
  }
  const std::string trace = o.trace.empty() ? sc.trace : o.trace;
  if (trace.empty()) throw usage_error("lb-remap: no trace given");
  if (!sc.topo.lb || sc.topo.lb->servers.empty()) throw usage_error("lb-remap: the scenario has no [[virtual_server]]");
  if (!lb::make_scheduler(o.scheduler, 1)) throw usage_error(fmt::format("lb-remap: unknown scheduler '{}'", o.scheduler));
  topology base = sc.topo;
  auto cfg_b = std::make_shared<lb::lb_config>(*sc.topo.lb);
  for (auto& vs : cfg_b->servers) vs.scheduler = o.scheduler;
  topology other = sc.topo;
  other.lb = cfg_b;
  auto cfg_c = std::make_shared<lb::lb_config>(*cfg_b);
  std::string added;
  if (!o.add.empty()) {
    std::string s = o.add;
    std::uint32_t weight = 1;
    auto c1 = s.find(':');
    auto c2 = c1 == std::string::npos ? c1 : s.find(':', c1 + 1);
    if (c1 == std::string::npos) throw usage_error("--add-server: expected IP:PORT[:WEIGHT]");
    if (s.size() > 1 && s.front() == '[') {  // [IPv6]:PORT[:WEIGHT]
      const auto rb = s.find(']');
      if (rb == std::string::npos || rb + 1 >= s.size() || s[rb + 1] != ':') throw usage_error("--add-server: expected [IPv6]:PORT[:WEIGHT]");
      c1 = rb + 1;
      c2 = s.find(':', c1 + 1);
    }
    if (c2 != std::string::npos) { weight = static_cast<std::uint32_t>(std::stoul(s.substr(c2 + 1))); s = s.substr(0, c2); }
    std::string host = s.substr(0, c1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto ip = ip_prefix::parse(host);
    if (!ip) throw usage_error(fmt::format("--add-server: bad address in '{}'", o.add));
    lb::real_server_spec r;
    r.ip = ip->net;
    r.port = static_cast<std::uint16_t>(std::stoul(s.substr(c1 + 1)));
    r.weight = weight;
    added = r.name();
    for (auto& vs : cfg_c->servers) vs.reals.push_back(r);
  }
  topology plus = sc.topo;
  plus.lb = cfg_c;
  const auto a = backends_of(base, trace), b = backends_of(other, trace), c = backends_of(plus, trace);
  auto share = [](const auto& x, const auto& y, std::uint64_t& n) {
    std::uint64_t moved = 0;
    n = 0;
    for (auto& [id, be] : x) {
      auto it = y.find(id);
      if (it == y.end()) continue;
      ++n;
      moved += it->second != be;
    }
    return n ? 100.0 * static_cast<double>(moved) / static_cast<double>(n) : 0.0;
  };
  const std::string sched0 = sc.topo.lb->servers[0].scheduler;
  fmt::print("lb-remap: {} ({} connections to virtual servers)\n", trace, a.size());
  auto show = [](const char* what, const std::map<std::string, std::uint64_t>& s) {
    fmt::print("  {:<28}", what);
    for (auto& [k, v] : s) fmt::print(" {}={}", k, v);
    fmt::print("\n");
  };
  show(fmt::format("{} spread:", sched0).c_str(), spread(a));
  show(fmt::format("{} spread:", o.scheduler).c_str(), spread(b));
  if (!added.empty()) show(fmt::format("{} + {}:", o.scheduler, added).c_str(), spread(c));
  std::uint64_t n = 0;
  fmt::print("  {} -> {}: {:.1f}% of {} connections remapped\n", sched0, o.scheduler, share(a, b, n), n);
  if (!added.empty()) {
    double s1 = share(b, c, n);
    fmt::print("  {} -> {} + {}: {:.1f}% of {} connections remapped (ideal 1/N = {:.1f}%)\n", o.scheduler, o.scheduler,
               added, s1, n, 100.0 / static_cast<double>(cfg_c->servers[0].reals.size()));
    fmt::print("  {} -> {} + {}: {:.1f}% of {} connections remapped\n", sched0, o.scheduler, added, share(a, c, n), n);
    topology plus0 = sc.topo;
    auto cfg_d = std::make_shared<lb::lb_config>(*cfg_c);
    for (auto& vs : cfg_d->servers) vs.scheduler = sched0;
    plus0.lb = cfg_d;
    const auto d = backends_of(plus0, trace);
    fmt::print("  {} -> {} + {}: {:.1f}% of {} connections remapped\n", sched0, sched0, added, share(a, d, n), n);
  }
  return 0;
}

}  // namespace

void add_lb_command(CLI::App& app, int* rc) {
  auto o = std::make_shared<remap_options>();
  auto* cmd = app.add_subcommand("lb-remap", "Share of connections a scheduler change and an added real server remap");
  cmd->add_option("trace", o->trace, "pcap or pcapng file (optional when the scenario names one)");
  cmd->add_option("--scenario", o->scenario, "TOML scenario with [[virtual_server]]")->required();
  cmd->add_option("--scheduler", o->scheduler, "scheduler to compare with (default mh)");
  cmd->add_option("--add-server", o->add, "IP:PORT[:WEIGHT] added to every virtual server");
  cmd->callback([o, rc, cmd] {
    o->scheduler_given = cmd->count("--scheduler") > 0;
    o->add_given = cmd->count("--add-server") > 0;
    *rc = run_remap(*o);
  });
}

}  // namespace sessim::cli
