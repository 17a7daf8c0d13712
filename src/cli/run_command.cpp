// `sessim run TRACE ...`: builds the device from a preset and --set overrides, replays the trace,
// writes the report, and optionally the per-frame verdict CSV and the forwarded/injected pcap.
#include "cli/run_command.hpp"
#include "cli/topology_options.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "cli/sweep_command.hpp"
#include "lb/lb_scenario.hpp"
#include "report/writers.hpp"
#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/sim/threaded_source.hpp"
#include "sessim/trace/pcap_sink.hpp"
#include "sessim/trace/synth.hpp"
#include "sessim/trace/trace_reader.hpp"

namespace sessim::cli {

namespace {

/// Opens an output file or throws output_error naming it.
std::unique_ptr<std::ofstream> open_out(const std::string& path) {
  auto f = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*f) throw output_error(fmt::format("{}: cannot open for writing", path));
  return f;
}

/// Fans a replay out to the report writer, the verdict CSV and the output pcap.
class tee_sink final : public replay_sink {
 public:
  tee_sink(report::writer& w, std::ostream* verdicts, pcap_sink* pcap, const trace_reader& reader,
           sim_time& base, bool progress)
      : w_(w), verdicts_(verdicts), pcap_(pcap), reader_(reader), base_(base), progress_(progress) {
    if (verdicts_) *verdicts_ << "frame,time,device,verdict,reason\n";
  }
  void on_verdict(const packet_view& p, std::string_view device, verdict v, std::string_view why) override {
    if (!started_) { base_ = p.ts; started_ = true; }
    if (!held_.empty() && (v == verdict::drop || v == verdict::reject)) held_.erase(p.frame);
    if (verdicts_)
      fmt::print(*verdicts_, "{},{},{},{},{}\n", p.frame, format_rel_time(p.ts, base_), device, verdict_name(v), why);
    if (progress_ && !p.synthetic && p.frame != last_frame_ && p.frame % 1000000 == 0)
      fmt::print(stderr, "\rsessim: {} M frames", p.frame / 1000000);
    last_frame_ = p.frame;
    w_.on_verdict(p, device, v, why);
  }
  void on_held(const packet_view& p) override {
    if (!pcap_) return;  // keep the bytes of a fragment the replay delivers later
    const raw_frame& f = reader_.raw();
    held_[p.frame] = held_frame{std::vector<std::uint8_t>(f.data, f.data + f.caplen), f.wire_len};
  }
  void on_rewrite(const packet_view& p, const lb::rewrite& r) override {
    rw_ = r;
    rw_frame_ = p.frame;
  }
  void on_delivered(const packet_view& p) override {
    if (!pcap_) {  // nothing to write: the reader's raw frame may belong to its own thread
      w_.on_delivered(p);
      return;
    }
    raw_frame f = reader_.raw();
    held_frame kept;
    if (auto it = held_.empty() ? held_.end() : held_.find(p.frame); it != held_.end() && !p.synthetic) {  // a held fragment
      kept = std::move(it->second);
      held_.erase(it);
      f.data = kept.bytes.data();
      f.caplen = static_cast<std::uint32_t>(kept.bytes.size());
      f.wire_len = kept.wire_len;
    }
    if (pcap_ && !p.synthetic && rw_frame_ == p.frame && p.frame) {  // a load balancer's server-side view
      rw_frame_ = 0;
      std::uint32_t wire = f.wire_len;
      if (!rw_.local) {
        auto bytes = lb::apply_rewrite(rw_, p, f.data, f.caplen, wire);
        pcap_->write(p.ts, bytes.data(), static_cast<std::uint32_t>(bytes.size()), wire);
      }
      w_.on_delivered(p);
      return;
    }
    if (pcap_ && p.synthetic) {  // a keepalive (--keepalive): built, not read
      auto frame = keepalive_frame(p, reader_.linktype());
      if (!frame.empty())
        pcap_->write(p.ts, frame.data(), static_cast<std::uint32_t>(frame.size()), static_cast<std::uint32_t>(frame.size()));
    } else if (pcap_) {
      pcap_->write(p.ts, f.data, f.caplen, f.wire_len);
    }
    w_.on_delivered(p);
  }
  void on_injected(sim_time t, std::string_view device, const injected_rst& r, bool v6) override {
    if (pcap_) {
      auto ip = build_tcp_ip(r.key, tcp_flags::rst | tcp_flags::ack, r.seq, r.ack);
      auto frame = frame_for_linktype(reader_.linktype(), ip, v6);
      if (!frame.empty())
        pcap_->write(t, frame.data(), static_cast<std::uint32_t>(frame.size()), static_cast<std::uint32_t>(frame.size()));
    }
    w_.on_injected(t, device, r, v6);
  }
  void on_connection(const connection& c) override { w_.on_connection(c); }
  void done() {
    if (progress_ && last_frame_ >= 1000000) fmt::print(stderr, "\n");
  }

 private:
  report::writer& w_;
  std::ostream* verdicts_;
  pcap_sink* pcap_;
  const trace_reader& reader_;
  sim_time& base_;
  bool progress_;
  bool started_ = false;
  std::uint64_t last_frame_ = 0;
  lb::rewrite rw_;
  std::uint64_t rw_frame_ = 0;
  struct held_frame {
    std::vector<std::uint8_t> bytes;
    std::uint32_t wire_len = 0;
  };
  std::map<std::uint64_t, held_frame> held_;  ///< frames the replay holds (fragments), by frame number
};

}  // namespace

void add_run_command(CLI::App& app, run_options& opt, int* rc) {
  auto* run_cmd = app.add_subcommand("run", "Replay a capture through a session device and explain every break");
  run_cmd->add_option("trace", opt.trace, "pcap or pcapng file (optional when the scenario names one)");
  run_cmd->add_option("--scenario", opt.scenario, "TOML scenario: devices, paths, sync, redirect, events (docs/scenario.md)");
  run_cmd->add_option("--preset", opt.preset, "device preset (see `sessim presets`); without --scenario")
      ->each([&opt](const std::string&) { opt.preset_given = true; });
  run_cmd->add_option("--set", opt.sets,
                      "override a setting, KEY=VALUE or DEVICE:KEY=VALUE (see `sessim keys`); repeatable");
  run_cmd->add_flag("--cold-start", opt.cold_start, "connections already open at capture start are new to the device");
  run_cmd->add_option("--warm-window", opt.warm_window,
                      "seconds from the capture start in which a mid-stream first packet means 'already open' (default 5)");
  run_cmd->add_option("--verdicts", opt.verdicts, "write per-frame verdicts as CSV (frame,time,device,verdict,reason)");
  run_cmd->add_option("--write-pcap", opt.write_pcap, "write the frames the device forwarded plus the RSTs it injected");
  run_cmd->add_option("--format", opt.format, "report format: text, json or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  run_cmd->add_option("-o,--output", opt.output, "write the report to FILE instead of standard output");
  run_cmd->add_flag("--single-thread", opt.single_thread,
                    "read and decode the trace on the replay's own thread (default: a second thread does it)");
  run_cmd->add_flag("--all", opt.all, "text format: list the connections that survived too");
  run_cmd->add_option("--device-name", opt.device, "name of the device in reports (default fw)");
  run_cmd->add_option("--keepalive", opt.keepalive,
                      "SIDE:INTERVAL (client|server|both, e.g. client:300s): replay as if that side sent TCP keepalives; "
                      "lists the connections they save");
  run_cmd->add_option("--html", opt.html, "also write a self-contained HTML report with a timeline per broken connection");
  run_cmd->callback([&opt, rc] { *rc = run(opt); });
}

/// The topology a run with these options replays (as `sessim run` builds it), plus each
/// device's preset defaults; fills in the trace and start options a scenario gives.
topology build_topology(run_options& opt, std::vector<device_config>& defaults) {
  lb::register_scenario_sections();
  topology topo;
  if (!opt.scenario.empty()) {
    if (opt.preset_given) throw usage_error("--preset cannot be combined with --scenario (set presets in the scenario)");
    scenario::scenario sc = scenario::load(opt.scenario);
    topo = std::move(sc.topo);
    if (opt.trace.empty()) opt.trace = sc.trace;
    if (sc.has_cold_start && !opt.cold_start) opt.cold_start = sc.cold_start;
    if (sc.has_warm_window && opt.warm_window == 5.0) opt.warm_window = sc.warm_window;
  } else {
    device_spec dev;
    dev.name = opt.device;
    dev.config = find_preset(opt.preset).make();
    topo.devices.push_back(std::move(dev));
  }
  if (opt.trace.empty()) throw usage_error("no trace given (argument or `trace =` in the scenario)");
  defaults.clear();
  for (const auto& d : topo.devices) defaults.push_back(find_preset(d.config.preset).make());
  if (opt.warm_window < 0) throw usage_error("--warm-window must be >= 0");
  return topo;
}

/// Applies KEY=VALUE to every device, DEVICE:KEY=VALUE to one, or a topology key
/// (sync.latency, sync.jitter, sync.loss, redirect.latency) to every sync group / the redirect.
void apply_key(topology& topo, const std::string& key, const std::string& value, const std::string& what) {
  auto colon = key.find(':');
  if (colon != std::string::npos) {
    const std::string dev = key.substr(0, colon);
    auto i = topo.device_index(dev);
    if (!i) throw config_error(fmt::format("{}: unknown device '{}'", what, dev));
    apply_setting(topo.devices[*i].config, key.substr(colon + 1), value);
    return;
  }
  if (key == "sync.latency" || key == "sync.jitter" || key == "sync.loss") {
    if (topo.groups.empty()) throw config_error(fmt::format("{}: {} needs a scenario with a sync group", what, key));
    const double v = detail::parse_number(key, value);
    if (v < 0 || (key == "sync.loss" && v > 1))
      throw config_error(fmt::format("bad value '{}' for {}", value, key));
    for (auto& g : topo.groups) {
      if (key == "sync.latency") {
        g.latency.k = latency_model::kind::constant;
        g.latency.a = seconds(v);
      } else if (key == "sync.jitter") {
        g.latency.jitter = seconds(v);
      } else {
        g.loss = v;
      }
    }
    return;
  }
  if (key == "redirect.latency") {
    const double v = detail::parse_number(key, value);
    if (v < 0) throw config_error(fmt::format("bad value '{}' for {}", value, key));
    topo.redirect.latency = seconds(v);
    return;
  }
  for (auto& d : topo.devices) apply_setting(d.config, key, value);
}

void apply_sets(topology& topo, const std::vector<std::string>& sets) {
  for (const auto& kv : sets) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw config_error(fmt::format("--set {}: expected KEY=VALUE", kv));
    apply_key(topo, kv.substr(0, eq), kv.substr(eq + 1), "--set " + kv);
  }
}

int run(const run_options& opt_in) {
  run_options opt = opt_in;
  std::vector<device_config> defaults;
  topology topo = build_topology(opt, defaults);
  apply_sets(topo, opt.sets);

  trace_reader reader(opt.trace);
  reader.set_frag_timeout(topo.reassembly_timeout());  // as the replay (set before a reader thread starts)

  sim_time base = 0;
  report::run_info info;
  info.version = version();
  info.trace = opt.trace;
  info.devices = topo.devices;
  info.preset_defaults = defaults;
  info.topo = &topo;
  info.cold_start = opt.cold_start;
  info.base = &base;

  std::unique_ptr<std::ofstream> out_file, verdict_file;
  std::ostream* out = &std::cout;
  if (!opt.output.empty()) {
    out_file = open_out(opt.output);
    out = out_file.get();
  }
  if (!opt.verdicts.empty()) verdict_file = open_out(opt.verdicts);
  std::optional<pcap_sink> pcap;
  if (!opt.write_pcap.empty()) pcap.emplace(opt.write_pcap, reader.linktype());

  run_extras extras(opt, topo, reader, info);  // --keepalive, --html (sweep_command.hpp)
  std::ostream& wout = extras.wrap(*out);
  std::unique_ptr<report::writer> w;
  if (opt.format == "json") w = report::make_json_writer(wout, info);
  else if (opt.format == "csv") w = report::make_csv_writer(wout, info);
  else w = report::make_text_writer(wout, info, opt.all);

  replay_options ropt;
  ropt.log.cold_start = opt.cold_start;
  ropt.log.warm_window = seconds(opt.warm_window);
  // Reading ahead (with prefetching) is safe unless a sink copies the reader's current raw frame.
  ropt.read_ahead = !pcap;
  tee_sink sink(*w, verdict_file.get(), pcap ? &*pcap : nullptr, reader, base, isatty(2) != 0);
  run_summary s;
  if (extras.active()) {
    s = extras.run(ropt, sink);
  } else {
    replay r(topo, ropt);
    if (ropt.read_ahead && !opt.single_thread && std::thread::hardware_concurrency() > 1) {
      threaded_source<trace_reader> src(reader);  // libpcap and decoding on a second thread
      s = r.run(src, sink);
    } else {
      s = r.run(reader, sink);
    }
  }
  sink.done();
  s.trace = opt.trace;
  s.time_backwards = reader.stats().time_backwards;
  w->end(s);
  extras.end(s);
  if (pcap) pcap->close();
  if (verdict_file) {
    verdict_file->flush();
    if (!*verdict_file) throw output_error(fmt::format("{}: write failed", opt.verdicts));
  }
  if (out_file) {
    out_file->flush();
    if (!*out_file) throw output_error(fmt::format("{}: write failed", opt.output));
  }
  return 0;
}

}  // namespace sessim::cli
