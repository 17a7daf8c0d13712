// `sessim sweep`: one pass over the trace, one replay per parameter value, in lockstep on a
// thread pool (include/sessim/sim/lockstep.hpp). And run_extras: --keepalive and --html for
// `sessim run`.
#include "cli/sweep_command.hpp"
#include "cli/topology_options.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <streambuf>
#include <thread>
#include <atomic>
#include <exception>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/html_writer.hpp"
#include "report/svg_plot.hpp"
#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/idle_sweep.hpp"
#include "sessim/sim/lockstep.hpp"
#include "sessim/sim/threaded_source.hpp"

namespace sessim::cli {

namespace {

std::unique_ptr<std::ofstream> open_out(const std::string& path) {
  auto f = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*f) throw output_error(fmt::format("{}: cannot open for writing", path));
  return f;
}

void close_out(std::ofstream& f, const std::string& path) {
  f.flush();
  if (!f) throw output_error(fmt::format("{}: write failed", path));
}

/// The bare key of "DEVICE:KEY".
std::string bare_key(const std::string& key) {
  auto colon = key.find(':');
  return colon == std::string::npos ? key : key.substr(colon + 1);
}

std::string json_number(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

std::string param_unit(const std::string& key) {
  const std::string k = bare_key(key);
  for (std::size_t i = 0; i < timeout_slot_count; ++i)
    if (k == timeout_key(static_cast<timeout_slot>(i))) return "s";
  if (k == "udp.stream_after" || k == "ip.frag_timeout" || k == "ip.frag6_timeout" || k == "sync.latency" || k == "sync.jitter" || k == "redirect.latency") return "s";
  if (k == "table.capacity") return "sessions";
  if (k == "tcp.max_retrans_count") return "retransmissions";
  if (k == "sync.loss") return "probability";
  return "";
}

// ---- sweep -------------------------------------------------------------------------------------

void add_sweep_command(CLI::App& app, sweep_options& opt, int* rc) {
  auto* cmd = app.add_subcommand(
      "sweep", "Breaks and peak sessions across values of one parameter: one pass over the trace, replays in parallel");
  run_options& r = opt.run;
  cmd->add_option("trace", r.trace, "pcap or pcapng file (optional when the scenario names one)");
  cmd->add_option("--scenario", r.scenario, "TOML scenario: devices, paths, sync (docs/scenario.md)");
  cmd->add_option("--preset", r.preset, "device preset (see `sessim presets`); without --scenario")
      ->each([&r](const std::string&) { r.preset_given = true; });
  cmd->add_option("--set", r.sets, "override a setting, KEY=VALUE or DEVICE:KEY=VALUE; repeatable");
  cmd->add_flag("--cold-start", r.cold_start, "connections already open at capture start are new to the device");
  cmd->add_option("--warm-window", r.warm_window, "seconds in which a mid-stream first packet means 'already open'");
  cmd->add_option("--keepalive", r.keepalive, "SIDE:INTERVAL (client|server|both, e.g. client:300s): add TCP keepalives");
  cmd->add_option("--device-name", r.device, "name of the device (default fw)");
  cmd->add_option("--param", opt.param,
                  "the setting to vary: a `sessim keys` key, DEVICE:KEY, or sync.latency, sync.jitter, sync.loss, redirect.latency")
      ->required();
  cmd->add_option("--values", opt.values, "comma-separated values, one replay each (units allowed: 30s, 5m, 2h)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--svg", opt.svg, "write the plot (broken by cause and peak sessions against the value) as SVG");
  cmd->add_option("--format", r.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("-o,--output", r.output, "write the table to FILE instead of standard output");
  cmd->add_option("--threads", opt.threads, "worker threads (default: the number of cores; 1: also no reader thread); output does not depend on it");
  cmd->add_option("--method", opt.method,
                  "auto: idle timeouts from one replay's idle gaps where that is exact, the rest replayed; replays: one replay per value")
      ->check(CLI::IsMember({"auto", "replays"}));
  cmd->callback([&opt, rc] { *rc = sweep(opt); });
}

namespace {

/** The idle-timeout sweep from reference replays (include/sessim/sim/idle_sweep.hpp): for a
 *  timeout key on a single-device topology, one replay per comparison class (the class's largest
 *  value not yet `done`) with an idle_recorder, in one pass; every other value of the class is
 *  computed from the recorded idle gaps when that is exact. Marks the points it fills in `done`;
 *  returns how many it computed besides the references. */
template <class Pass, class ResimPass>
std::size_t one_pass(const sweep_options& opt, const topology& base, const std::vector<topology>& all_topos,
                     std::vector<sweep_point>& all_points, std::vector<bool>& all_done, const replay_options& ropt,
                     unsigned pass_no, Pass&& pass, ResimPass&& resim_pass) {
  // Work on the values not done yet.
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < all_points.size(); ++i)
    if (!all_done[i]) idx.push_back(i);
  if (idx.empty()) return 0;
  std::vector<topology> topos;
  std::vector<sweep_point> points;
  std::vector<bool> done(idx.size(), false);
  for (std::size_t i : idx) {
    topos.push_back(all_topos[i]);
    points.push_back(all_points[i]);
  }
  std::size_t computed = 0;
  struct write_back {
    std::vector<std::size_t>& idx;
    std::vector<sweep_point>& points;
    std::vector<bool>& done;
    std::vector<sweep_point>& all_points;
    std::vector<bool>& all_done;
    ~write_back() {
      for (std::size_t k = 0; k < idx.size(); ++k) {
        all_points[idx[k]] = std::move(points[k]);
        all_done[idx[k]] = done[k];
      }
    }
  } wb{idx, points, done, all_points, all_done};
  auto refuse = [&](const std::string& why) {
    for (auto& p : points) p.why = why;
    return std::size_t{0};
  };
  std::string key = opt.param;
  if (auto colon = key.find(':'); colon != std::string::npos) {
    if (base.devices.size() != 1 || base.devices[0].name != key.substr(0, colon)) return 0;
    key = key.substr(colon + 1);
  }
  const auto slot = idle_sweep_slot(key);
  if (!slot) return 0;  // not an idle timeout: replays, nothing to explain
  if (base.devices.size() != 1 || !base.groups.empty() || !base.events.empty() || !base.paths.empty() ||
      base.redirect.method != redirect_method::none || base.lb)
    return refuse("one-pass needs a single device without sync, paths, events, redirect or balancers");

  // Group the values by comparison class; each group's largest value is its reference.
  // Values of a TCP state's low class go with the largest value whatever its class (the recorder
  // notes the slot each refresh would pick at them). Where the device picks up mid-stream packets
  // (tcp.loose=1), the flows whose sessions such a value would re-create after an expiry are
  // re-simulated on their own (idle_resim()).
  auto value_of = [&](std::size_t i) { return topos[i].devices[0].config.timeout(*slot); };
  std::size_t imax = 0;
  for (std::size_t i = 1; i < topos.size(); ++i)
    if (value_of(i) > value_of(imax)) imax = i;
  const auto class_of = [&](std::size_t i) {
    return idle_sweep_class(*slot, value_of(i), topos[i].devices[0].config);
  };
  const std::vector<bool> top = class_of(imax);
  std::vector<bool> low(points.size(), false);
  std::map<std::vector<bool>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < topos.size(); ++i) {
    const std::vector<bool> c = class_of(i);
    const device_config& cfg = topos[i].devices[0].config;
    if (c != top && idle_sweep_low_class(*slot, value_of(i), cfg)) {
      low[i] = true;
      groups[top].push_back(i);
    } else {
      groups[c].push_back(i);
    }
  }
  struct group {
    std::vector<std::size_t> members;
    std::size_t ref = 0;
    std::unique_ptr<idle_recorder> rec;
    std::unique_ptr<replay> r;
  };
  std::vector<group> gs;
  for (auto& [cls, members] : groups) {
    group g;
    g.members = members;
    sim_time vmin = std::numeric_limits<sim_time>::max(), vmax = -1;
    for (std::size_t i : members) {
      const sim_time v = topos[i].devices[0].config.timeout(*slot);
      vmin = std::min(vmin, v);
      if (v > vmax) {
        vmax = v;
        g.ref = i;
      }
    }
    g.rec = std::make_unique<idle_recorder>(*slot, topos[g.ref].devices[0].config, vmin);
    replay_options o = ropt;
    o.observer = g.rec.get();
    o.read_ahead = true;  // the recorder does not look at the source's frames
    g.r = std::make_unique<replay>(topos[g.ref], o);
    gs.push_back(std::move(g));
  }
  std::vector<lockstep_lane> lanes;
  for (auto& g : gs) lanes.push_back(lockstep_lane{g.r.get(), g.rec.get(), true});
  std::vector<run_summary> sums = pass(lanes, true);
  std::vector<idle_resim_lane> resim;  // values that need some flows re-simulated
  struct resim_of {
    std::size_t group, point;
  };
  std::vector<resim_of> resim_at;
  for (std::size_t k = 0; k < gs.size(); ++k) {
    group& g = gs[k];
    const run_summary& ref = sums[k];
    g.rec->finish(ref);
    g.r.reset();
    // The model must reproduce the reference itself.
    const idle_sweep_point self = g.rec->evaluate(topos[g.ref].devices[0].config.timeout(*slot));
    std::string why;
    if (!self.exact) why = self.why;
    else if (self.broken != ref.broken || self.broken_by_cause != ref.broken_by_cause || self.peak_sessions != ref.peak_sessions)
      why = "the idle-gap model did not reproduce its reference replay";
    for (std::size_t i : g.members) {
      sweep_point& p = points[i];
      const sim_time v = topos[i].devices[0].config.timeout(*slot);
      if (v == topos[g.ref].devices[0].config.timeout(*slot)) {
        p.summary = ref;
        p.one_pass = p.reference = true;
        p.pass = pass_no;
        p.why.clear();
        done[i] = true;
        continue;
      }
      if (!why.empty()) {
        p.why = why;
        continue;
      }
      const idle_sweep_point x = g.rec->evaluate(v, low[i]);
      if (!x.exact) {
        p.why = x.why;
        // Re-simulating more than a quarter of the flows (of a big trace) costs about a full
        // replay (the filtered replays read no frames ahead): replay those values with the rest.
        if (!x.resimulate.empty() && x.resimulate.size() <= std::max<std::uint64_t>(ref.connections / 4, 4096)) {
          resim.push_back(idle_resim_lane{topos[i], x.resimulate, nullptr, {}, {}});
          resim_at.push_back(resim_of{k, i});
        } else if (!x.resimulate.empty()) {
          p.why = fmt::format("{}, in {} flow(s)", x.why, x.resimulate.size());
        }
        continue;
      }
      p.summary = ref;
      p.summary.broken = x.broken;
      p.summary.broken_by_cause = x.broken_by_cause;
      p.summary.peak_sessions = x.peak_sessions;
      p.one_pass = true;
      p.pass = pass_no;
      p.why.clear();
      done[i] = true;
      ++computed;
    }
  }
  // One more pass over the trace for the flows the idle-gap model could not follow.
  if (!resim.empty()) {
    resim_pass(resim, *slot);
    for (std::size_t r = 0; r < resim.size(); ++r) {
      const idle_resim_lane& l = resim[r];
      const std::size_t i = resim_at[r].point;
      group& g = gs[resim_at[r].group];
      sweep_point& p = points[i];
      if (!l.why.empty()) {
        p.why = l.why;
        continue;
      }
      const idle_sweep_point x = g.rec->combine(topos[i].devices[0].config.timeout(*slot), low[i], *l.rec, l.summary);
      if (!x.exact) {
        p.why = x.why;
        continue;
      }
      p.summary = sums[resim_at[r].group];
      p.summary.broken = x.broken;
      p.summary.broken_by_cause = x.broken_by_cause;
      p.summary.peak_sessions = x.peak_sessions;
      p.one_pass = true;
      p.resimulated = l.keys.size();
      p.pass = pass_no;
      p.why.clear();
      done[i] = true;
      ++computed;
    }
  }
  return computed;
}

}  // namespace

std::vector<sweep_point> run_sweep(const sweep_options& in) {
  sweep_options opt = in;
  std::vector<device_config> defaults;
  topology base = build_topology(opt.run, defaults);
  apply_sets(base, opt.run.sets);
  if (opt.param.empty()) throw usage_error("sweep: --param is required");
  if (opt.values.empty()) throw usage_error("sweep: --values needs at least one value");

  std::vector<sweep_point> points;
  std::vector<topology> topos;
  for (const auto& v : opt.values) {
    if (v.empty()) throw usage_error("sweep: empty value in --values");
    topology t = base;
    apply_key(t, opt.param, v, "--param " + opt.param);  // validates the value (exit 3 when bad)
    sweep_point pt;
    pt.value = v;
    try {
      pt.x = detail::parse_number(opt.param, v);
      pt.numeric = true;
    } catch (const config_error&) {
      pt.numeric = false;
    }
    points.push_back(std::move(pt));
    topos.push_back(std::move(t));
  }
  keepalive_spec ka;
  if (!opt.run.keepalive.empty()) ka = keepalive_spec::parse(opt.run.keepalive);

  replay_options ropt;
  ropt.log.cold_start = opt.run.cold_start;
  ropt.log.warm_window = seconds(opt.run.warm_window);
  lockstep_options lo;
  lo.threads = opt.threads;
  // `threaded`: read and decode on a second thread (as `sessim run` does; for a lone replay).
  auto source_run = [&](auto&& fn, bool threaded = false) {
    trace_reader reader(opt.run.trace);
    // one decoder for every lane: the base settings' reassembly timeout (a sweep of
    // ip.frag_timeout itself decodes as the base does)
    reader.set_frag_timeout(base.reassembly_timeout());
    if (ka.enabled()) {
      keepalive_source<trace_reader> src(reader, ka);
      fn(src);
    } else if (threaded && opt.threads != 1 && std::thread::hardware_concurrency() > 1) {
      threaded_source<trace_reader> src(reader);
      fn(src);
    } else {
      fn(reader);
    }
    return reader.stats().time_backwards;
  };
  // One pass over the trace for `lanes`; returns their summaries. `own_readers`: each lane reads
  // the trace itself, with read-ahead, the lanes spread over the threads (a reference replay runs
  // like `sessim run`); else one reader feeds all lanes in lockstep.
  auto pass = [&](const std::vector<lockstep_lane>& lanes, bool own_readers) {
    std::vector<run_summary> sums(lanes.size());
    if (own_readers) {
      unsigned workers = lo.threads ? lo.threads : std::max(1u, std::thread::hardware_concurrency());
      workers = std::min<unsigned>(workers, static_cast<unsigned>(lanes.size()));
      std::atomic<std::size_t> next{0};
      std::vector<std::exception_ptr> errs(lanes.size());
      auto work = [&] {
        for (std::size_t k; (k = next.fetch_add(1)) < lanes.size();) {
          try {
            const std::uint64_t tb =
                source_run([&](auto& src) { sums[k] = lanes[k].r->run(src, *lanes[k].sink); }, lanes.size() == 1);
            sums[k].time_backwards = tb;
          } catch (...) {
            errs[k] = std::current_exception();
          }
        }
      };
      std::vector<std::thread> ts;
      for (unsigned w = 1; w < workers; ++w) ts.emplace_back(work);
      work();
      for (auto& t : ts) t.join();
      for (auto& e : errs)
        if (e) std::rethrow_exception(e);
    } else {
      const std::uint64_t tb = source_run([&](auto& src) { sums = run_lockstep(src, lanes, lo); });
      for (auto& s : sums) s.time_backwards = tb;
    }
    for (auto& s : sums) s.trace = opt.run.trace;
    return sums;
  };
  // The filtered replays of one-pass values (idle_resim()): the values split over the threads,
  // each thread reading the trace itself.
  auto resim_pass = [&](std::vector<idle_resim_lane>& lanes, timeout_slot s) {
    unsigned workers = lo.threads ? lo.threads : std::max(1u, std::thread::hardware_concurrency());
    workers = std::min<unsigned>(workers, static_cast<unsigned>(lanes.size()));
    if (workers <= 1) {
      source_run([&](auto& src) { idle_resim(src, lanes, s, ropt); });
      return;
    }
    std::vector<std::vector<idle_resim_lane>> part(workers);
    for (std::size_t i = 0; i < lanes.size(); ++i) part[i % workers].push_back(std::move(lanes[i]));
    std::vector<std::exception_ptr> errs(workers);
    std::vector<std::thread> ts;
    for (unsigned w = 0; w < workers; ++w)
      ts.emplace_back([&, w] {
        try {
          source_run([&](auto& src) { idle_resim(src, part[w], s, ropt); });
        } catch (...) {
          errs[w] = std::current_exception();
        }
      });
    for (auto& t : ts) t.join();
    for (auto& e : errs)
      if (e) std::rethrow_exception(e);
    for (std::size_t i = 0; i < lanes.size(); ++i) lanes[i] = std::move(part[i % workers][i / workers]);
  };

  std::vector<bool> done(points.size(), false);
  // One-pass rounds: the values a round's references could not give are tried again with the
  // largest of them as the next reference (closer references see fewer re-created sessions),
  // while a round computes more than its references; the rest are replayed together.
  unsigned passes = 0;
  if (opt.method != "replays")
    while (passes < 3 && std::find(done.begin(), done.end(), false) != done.end()) {
      const std::size_t before = static_cast<std::size_t>(std::count(done.begin(), done.end(), true));
      const std::size_t computed = one_pass(opt, base, topos, points, done, ropt, passes + 1, pass, resim_pass);
      if (static_cast<std::size_t>(std::count(done.begin(), done.end(), true)) != before) ++passes;
      if (computed == 0) break;
    }

  std::vector<std::unique_ptr<replay>> replays;
  replay_sink null_sink;  // the summaries are all a sweep needs; replay_sink's hooks do nothing
  std::vector<lockstep_lane> lanes;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < topos.size(); ++i) {
    if (done[i]) continue;
    replays.push_back(std::make_unique<replay>(topos[i], ropt));
    lanes.push_back(lockstep_lane{replays.back().get(), &null_sink, true});
    which.push_back(i);
  }
  if (!lanes.empty()) {
    std::vector<run_summary> sums = pass(lanes, false);
    for (std::size_t k = 0; k < which.size(); ++k) {
      points[which[k]].summary = std::move(sums[k]);
      points[which[k]].pass = passes + 1;
    }
  }
  return points;
}

int sweep(const sweep_options& opt) {
  std::unique_ptr<std::ofstream> out_file, svg_file;
  std::ostream* out = &std::cout;
  // Validate everything before opening outputs or reading the trace.
  std::vector<sweep_point> points;
  {
    if (!opt.run.output.empty()) {
      out_file = open_out(opt.run.output);
      out = out_file.get();
    }
    if (!opt.svg.empty()) svg_file = open_out(opt.svg);
    points = run_sweep(opt);
  }
  const std::string unit = param_unit(opt.param);
  const bool all_numeric = std::all_of(points.begin(), points.end(), [](const sweep_point& p) { return p.numeric; });

  // Causes that occur at any point, in cause order.
  std::vector<std::size_t> causes;
  for (std::size_t c = 1; c < static_cast<std::size_t>(break_cause::count_); ++c)
    for (const auto& p : points)
      if (p.summary.broken_by_cause[c]) {
        causes.push_back(c);
        break;
      }

  // How the points were computed.
  std::size_t n_one = 0;
  unsigned passes = 1;
  std::set<std::pair<unsigned, double>> refs;
  std::vector<std::string> replayed;
  std::string why;
  std::size_t n_resim = 0, flows_resim = 0;
  std::set<unsigned> resim_passes;
  for (const auto& p : points) {
    if (p.one_pass) ++n_one;
    if (p.resimulated) {
      ++n_resim;
      flows_resim += p.resimulated;
      resim_passes.insert(p.pass);
    }
    if (p.reference) refs.insert({p.pass, p.x});
    passes = std::max(passes, p.pass);
    if (!p.one_pass) replayed.push_back(p.value);
    if (!p.one_pass && why.empty()) why = p.why;
  }
  const std::string method = n_one == points.size() ? "one-pass" : n_one == 0 ? "replays" : "mixed";
  std::string how;
  if (n_one == 0) {
    how = fmt::format("one pass, {} replays{}", points.size(), why.empty() ? "" : " (not from idle gaps: " + why + ")");
  } else {
    how = fmt::format("{}: {} reference replay(s), {} value(s) from their idle gaps", passes == 1 ? "one pass" : fmt::format("{} passes", passes),
                      refs.size(), n_one - refs.size());
    if (n_resim)
      how += fmt::format(" ({} of them with {} flow(s) re-simulated in {} filtered pass(es))", n_resim, flows_resim,
                         resim_passes.size());
    if (!replayed.empty())
      how += fmt::format(", {} replayed ({}: {})", fmt::join(replayed, ", "), replayed.size() == 1 ? "it" : "they", why);
  }

  if (opt.run.format == "json") {
    fmt::print(*out, "{{\"param\": {}, \"method\": {}, \"points\": [", report::json_str(opt.param), report::json_str(method));
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto& p = points[i];
      fmt::print(*out, "{}\n  {{\"value\": {}, \"broken\": {}, \"broken_by_cause\": {{", i ? "," : "",
                 p.numeric ? json_number(p.x) : report::json_str(p.value), p.summary.broken);
      bool first = true;
      for (std::size_t c = 1; c < p.summary.broken_by_cause.size(); ++c) {
        if (!p.summary.broken_by_cause[c]) continue;
        fmt::print(*out, "{}{}: {}", first ? "" : ", ", report::json_str(cause_name(static_cast<break_cause>(c))),
                   p.summary.broken_by_cause[c]);
        first = false;
      }
      fmt::print(*out, "}}, \"peak_sessions\": {}}}", p.summary.peak_sessions);
    }
    *out << (points.empty() ? "]}\n" : "\n]}\n");
  } else {
    const auto& s0 = points.front().summary;
    fmt::print(*out, "sessim {} sweep: {}\n", version(), opt.run.trace.empty() ? s0.trace : opt.run.trace);
    fmt::print(*out, "{} = {}{}; {} frames, {} connections, {}\n\n", opt.param, fmt::join(opt.values, ", "),
               unit.empty() ? "" : " (" + unit + ")", s0.frames, s0.connections, how);
    std::vector<std::string> head = {opt.param, "broken"};
    for (std::size_t c : causes) head.emplace_back(cause_name(static_cast<break_cause>(c)));
    head.emplace_back("peak_sessions");
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : points) {
      std::vector<std::string> r = {p.value, std::to_string(p.summary.broken)};
      for (std::size_t c : causes) r.push_back(std::to_string(p.summary.broken_by_cause[c]));
      r.push_back(std::to_string(p.summary.peak_sessions));
      rows.push_back(std::move(r));
    }
    std::vector<std::size_t> w(head.size());
    for (std::size_t j = 0; j < head.size(); ++j) {
      w[j] = head[j].size();
      for (const auto& r : rows) w[j] = std::max(w[j], r[j].size());
    }
    for (std::size_t j = 0; j < head.size(); ++j) fmt::print(*out, "{}{:>{}}", j ? "  " : "", head[j], w[j]);
    *out << "\n";
    for (const auto& r : rows) {
      for (std::size_t j = 0; j < r.size(); ++j) fmt::print(*out, "{}{:>{}}", j ? "  " : "", r[j], w[j]);
      *out << "\n";
    }
  }
  out->flush();
  if (out_file) close_out(*out_file, opt.run.output);

  if (svg_file) {
    report::sweep_plot plot;
    plot.param = opt.param;
    plot.unit = unit;
    plot.numeric = all_numeric;
    plot.title = fmt::format("Broken connections and peak sessions vs {}", opt.param);
    for (const auto& p : points) {
      plot.labels.push_back(p.value);
      plot.x.push_back(p.x);
      plot.broken.push_back(static_cast<double>(p.summary.broken));
      plot.peak.push_back(static_cast<double>(p.summary.peak_sessions));
    }
    for (std::size_t c : causes) {
      std::vector<double> ys;
      for (const auto& p : points) ys.push_back(static_cast<double>(p.summary.broken_by_cause[c]));
      plot.causes.emplace_back(std::string(cause_name(static_cast<break_cause>(c))), std::move(ys));
    }
    report::write_sweep_svg(*svg_file, plot);
    close_out(*svg_file, opt.svg);
  }
  return 0;
}

// ---- run_extras --------------------------------------------------------------------------------

namespace {

/// Passes everything through except the last `keep` characters, which end() can replace.
class tail_buf final : public std::streambuf {
 public:
  tail_buf(std::streambuf* dst, std::size_t keep) : dst_(dst), keep_(keep) {}
  const std::string& held() const { return held_; }
  void replace_held(const std::string& s) {
    held_.clear();
    dst_->sputn(s.data(), static_cast<std::streamsize>(s.size()));
  }
  void release() {
    dst_->sputn(held_.data(), static_cast<std::streamsize>(held_.size()));
    held_.clear();
  }

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    const char c = traits_type::to_char_type(ch);
    xsputn(&c, 1);
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    held_.append(s, static_cast<std::size_t>(n));
    if (held_.size() > keep_) {
      const std::size_t emit = held_.size() - keep_;
      if (dst_->sputn(held_.data(), static_cast<std::streamsize>(emit)) != static_cast<std::streamsize>(emit)) return 0;
      held_.erase(0, emit);
    }
    return n;
  }
  int sync() override { return dst_->pubsync(); }

 private:
  std::streambuf* dst_;
  std::size_t keep_;
  std::string held_;
};

/// What the keepalive comparison remembers of a broken connection.
struct broken_brief {
  std::uint64_t id = 0;
  std::string proto, client, server;
  std::uint64_t frame = 0;
  sim_time time = 0;
  break_cause cause = break_cause::none;
};

broken_brief brief_of(const connection& c) {
  return {c.id, std::string(proto_name(c.proto())), c.client(), c.server(), c.brk.frame, c.brk.time, c.brk.cause};
}

/// Remembers the broken connections of a replay.
class broken_recorder final : public replay_sink {
 public:
  void on_connection(const connection& c) override {
    if (c.broken) broken[c.id] = brief_of(c);
  }
  std::map<std::uint64_t, broken_brief> broken;
};

/** Forwards to several sinks, in order. With `trace_frames`, a TCP connection's last_frame and
 *  last_time are those of its last trace frame, not of a keepalive after it. */
class fan_sink final : public replay_sink {
 public:
  std::vector<replay_sink*> to;
  bool trace_frames = false;
  void on_verdict(const packet_view& p, std::string_view d, verdict v, std::string_view r) override {
    if (trace_frames && !p.synthetic && p.is_tcp() && p.frame != last_seen_) {
      last_seen_ = p.frame;
      bool skipped = false;
      for (std::size_t i = 1; i < static_cast<std::size_t>(skip_reason::count_); ++i)
        if (r == skip_reason_name(static_cast<skip_reason>(i))) skipped = true;
      if (!skipped) last_[tracking_key(p)] = {p.frame, p.ts};
    }
    for (auto* s : to) s->on_verdict(p, d, v, r);
  }
  void on_delivered(const packet_view& p) override {
    for (auto* s : to) s->on_delivered(p);
  }
  void on_injected(sim_time t, std::string_view d, const injected_rst& r, bool v6) override {
    for (auto* s : to) s->on_injected(t, d, r, v6);
  }
  void on_sync(sim_time t, std::string_view d, const session_snapshot& snap, bool remove) override {
    for (auto* s : to) s->on_sync(t, d, snap, remove);
  }
  void on_connection(const connection& c) override {
    if (trace_frames && c.proto() == 6) {
      auto it = last_.find(c.key);
      if (it != last_.end()) {
        const auto [frame, ts] = it->second;
        last_.erase(it);
        if (frame != c.last_frame && frame >= c.first_frame) {
          connection fixed = c;
          fixed.last_frame = frame;
          fixed.last_ts = ts;
          for (auto* s : to) s->on_connection(fixed);
          return;
        }
      }
    }
    for (auto* s : to) s->on_connection(c);
  }

 private:
  struct key_hash {
    std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
  };
  struct key_eq {
    bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a.same_flow(b); }
  };
  std::unordered_map<flow_key, std::pair<std::uint64_t, sim_time>, key_hash, key_eq> last_;
  std::uint64_t last_seen_ = 0;
};

}  // namespace

struct run_extras::impl {
  const run_options& opt;
  topology topo;
  trace_reader& reader;
  const report::run_info& info;
  keepalive_spec ka;
  keepalive_stats ka_stats;
  std::ostream* out = nullptr;
  std::unique_ptr<tail_buf> tail;
  std::unique_ptr<std::ostream> wrapped;
  std::unique_ptr<std::ofstream> html_file;
  std::unique_ptr<report::html_writer> html;
  broken_recorder with, without;
  std::unique_ptr<replay> main, base;

  impl(const run_options& o, const topology& t, trace_reader& r, const report::run_info& i)
      : opt(o), topo(t), reader(r), info(i) {
    if (!opt.keepalive.empty()) ka = keepalive_spec::parse(opt.keepalive);
    if (!opt.html.empty()) html_file = open_out(opt.html);
  }

  std::string rel(sim_time t) const { return report::rel(info, t); }

  /// The saved and newly broken connections, in id order.
  std::pair<std::vector<broken_brief>, std::vector<broken_brief>> compare() const {
    std::vector<broken_brief> saved, newly;
    for (const auto& [id, b] : without.broken)
      if (!with.broken.count(id)) saved.push_back(b);
    for (const auto& [id, b] : with.broken)
      if (!without.broken.count(id)) newly.push_back(b);
    return {saved, newly};
  }

  std::string brief_text(const broken_brief& b) const {
    std::string where = b.frame ? fmt::format("frame {}, t={} s", b.frame, rel(b.time)) : fmt::format("t={} s", rel(b.time));
    return fmt::format("#{:<5} {:<5} {} -> {}  ({}, {})", b.id, b.proto, b.client, b.server, where, cause_name(b.cause));
  }

  std::string brief_json(const broken_brief& b) const {
    return fmt::format("{{\"id\": {}, \"proto\": {}, \"client\": {}, \"server\": {}, \"break\": {{\"frame\": {}, \"time\": {}, \"cause\": {}}}}}",
                       b.id, report::json_str(b.proto), report::json_str(b.client), report::json_str(b.server),
                       b.frame ? std::to_string(b.frame) : "null", rel(b.time), report::json_str(cause_name(b.cause)));
  }
};

run_extras::run_extras(const run_options& opt, const topology& topo, trace_reader& reader, const report::run_info& info)
    : impl_(std::make_unique<impl>(opt, topo, reader, info)) {}

run_extras::~run_extras() {
  if (impl_ && impl_->wrapped) impl_->wrapped->flush();
}

bool run_extras::active() const { return impl_->ka.enabled() || impl_->html_file != nullptr; }

std::ostream& run_extras::wrap(std::ostream& out) {
  impl_->out = &out;
  if (!impl_->ka.enabled() || impl_->opt.format != "json") return out;
  impl_->tail = std::make_unique<tail_buf>(out.rdbuf(), 3);
  impl_->wrapped = std::make_unique<std::ostream>(impl_->tail.get());
  return *impl_->wrapped;
}

run_summary run_extras::run(const replay_options& ropt, replay_sink& sink) {
  impl& m = *impl_;
  m.main = std::make_unique<replay>(m.topo, ropt);
  fan_sink fan;
  fan.to.push_back(&sink);
  if (m.html_file) {
    m.html = std::make_unique<report::html_writer>(*m.html_file, m.info, *m.main);
    fan.to.push_back(m.html.get());
  }
  lockstep_options one;
  one.threads = 1;  // the report sinks read the reader's current frame: stay in this thread,
  one.per_packet = true;  // and take each packet through both replays before reading the next
  if (!m.ka.enabled()) return run_lockstep(m.reader, {lockstep_lane{m.main.get(), &fan, true}}, one).front();
  fan.to.push_back(&m.with);
  fan.trace_frames = true;
  m.base = std::make_unique<replay>(m.topo, ropt);
  keepalive_source<trace_reader> src(m.reader, m.ka);
  std::vector<run_summary> s = run_lockstep(
      src, {lockstep_lane{m.main.get(), &fan, true}, lockstep_lane{m.base.get(), &m.without, false}}, one);
  m.ka_stats = src.stats();
  return s.front();
}

void run_extras::end(const run_summary& s) {
  impl& m = *impl_;
  if (m.ka.enabled()) {
    auto [saved, newly] = m.compare();
    const std::string side(keepalive_side_name(m.ka.side));
    if (m.opt.format == "json" && m.tail && m.tail->held() == "\n}\n") {
      std::string j = fmt::format(
          ",\n  \"keepalive\": {{\"side\": {}, \"interval\": {}, \"answer_delay\": {}, \"probes\": {}, \"answers\": {}, "
          "\"held_back\": {}, \"connections_probed\": {}, \"broken_without\": {}, \"broken_with\": {},\n    \"saved_by_keepalive\": [",
          report::json_str(side), format_seconds(m.ka.interval), format_seconds(m.ka.answer_delay), m.ka_stats.probes,
          m.ka_stats.answers, m.ka_stats.held_back, m.ka_stats.connections, m.without.broken.size(), m.with.broken.size());
      for (std::size_t i = 0; i < saved.size(); ++i) j += fmt::format("{}\n      {}", i ? "," : "", m.brief_json(saved[i]));
      j += saved.empty() ? "],\n    \"broken_by_keepalive\": [" : "\n    ],\n    \"broken_by_keepalive\": [";
      for (std::size_t i = 0; i < newly.size(); ++i) j += fmt::format("{}\n      {}", i ? "," : "", m.brief_json(newly[i]));
      j += newly.empty() ? "]}\n}\n" : "\n    ]}\n}\n";
      m.tail->replace_held(j);
      m.wrapped->flush();
    } else if (m.opt.format == "text") {
      std::ostream& o = *m.out;
      fmt::print(o, "\nKEEPALIVE {} every {} s (answered after {} s): {} probe(s) in {} connection(s){}\n", side,
                 format_seconds(m.ka.interval), format_seconds(m.ka.answer_delay), m.ka_stats.probes,
                 m.ka_stats.connections,
                 m.ka_stats.held_back ? fmt::format(", {} held back (unacknowledged data)", m.ka_stats.held_back) : "");
      fmt::print(o, "  broken without keepalives {}, with {}\n", m.without.broken.size(), m.with.broken.size());
      fmt::print(o, "  saved by keepalive ({}){}\n", saved.size(), saved.empty() ? ": none" : "");
      for (const auto& b : saved) fmt::print(o, "    {}\n", m.brief_text(b));
      if (!newly.empty()) {
        fmt::print(o, "  broken only with keepalives ({})\n", newly.size());
        for (const auto& b : newly) fmt::print(o, "    {}\n", m.brief_text(b));
      }
      o.flush();
    } else if (m.tail) {
      m.tail->release();
    }
    if (m.html) {
      std::string h = fmt::format("<p>{} sends a keepalive after every {} s of idle time (answered after {} s): {} probe(s) in {} "
                                  "connection(s). Broken without keepalives: {}, with: {}.</p>\n",
                                  side, format_seconds(m.ka.interval), format_seconds(m.ka.answer_delay), m.ka_stats.probes,
                                  m.ka_stats.connections, m.without.broken.size(), m.with.broken.size());
      h += fmt::format("<p><b>Saved by keepalive ({})</b></p>\n", saved.size());
      if (!saved.empty()) {
        h += "<table class=\"saved\"><tr><th>#</th><th>proto</th><th>client</th><th>server</th><th>without keepalive</th></tr>\n";
        for (const auto& b : saved)
          h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} at {}</td></tr>\n", b.id, b.proto,
                           report::xml_escape(b.client), report::xml_escape(b.server), cause_name(b.cause),
                           b.frame ? fmt::format("frame {}", b.frame) : fmt::format("t={} s", m.rel(b.time)));
        h += "</table>\n";
      }
      m.html->add_section("Keepalive " + m.ka.str(), h);
    }
  }
  if (m.html) {
    m.html->end(s);
    close_out(*m.html_file, m.opt.html);
  }
}

}  // namespace sessim::cli
