// `sessim check`: [[expect]] tables on top of the scenario parser (src/scenario/), scenarios replayed
// in parallel on a Boost.Asio thread pool, results printed in file order, JUnit XML.
#include "cli/check_command.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <toml++/toml.h>

#include "cli/run_command.hpp"
#include "report/svg_plot.hpp"
#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/trace/trace_reader.hpp"

namespace sessim::cli {

namespace {

/// Where the expect handler puts what it parses: set by load_expectations in this thread.
thread_local std::vector<expectation>* parsing = nullptr;

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t");
  const auto b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

[[noreturn]] void fail(const std::string& file, const toml::node& n, std::string_view key, const std::string& msg) {
  throw config_error(fmt::format("{}:{}: expect.{}: {}", file, n.source().begin.line, key, msg));
}

std::uint64_t count_of(const std::string& file, const toml::node& n, std::string_view key) {
  auto v = n.value<std::int64_t>();
  if (!v || *v < 0 || !n.is_integer()) fail(file, n, key, "expected a non-negative integer");
  return static_cast<std::uint64_t>(*v);
}

break_cause cause_of(const std::string& file, const toml::node& n, std::string_view key) {
  auto s = n.value<std::string>();
  if (!s) fail(file, n, key, "expected a cause name (a string)");
  std::string list;
  for (std::size_t i = 1; i < static_cast<std::size_t>(break_cause::count_); ++i) {
    if (cause_name(static_cast<break_cause>(i)) == *s) return static_cast<break_cause>(i);
    list += (list.empty() ? "" : ", ") + std::string(cause_name(static_cast<break_cause>(i)));
  }
  fail(file, n, key, fmt::format("unknown cause '{}' (one of: {})", *s, list));
}

void parse_expect(const toml::table& t, const std::string& file) {
  if (!parsing) return;  // `run --scenario` on a policy file: the expectations are not used
  std::string block;
  if (const toml::node* n = t.get("name")) {
    auto s = n->value<std::string>();
    if (!s) fail(file, *n, "name", "expected a string");
    block = *s;
  }
  const std::size_t before = parsing->size();
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    expectation e;
    e.block = block;
    e.line = v.source().begin.line;
    if (key == "name") {
      continue;
    } else if (key == "max_broken") {
      e.k = expectation::kind::max_broken;
      e.n = count_of(file, v, key);
      parsing->push_back(e);
    } else if (key == "max_peak_sessions") {
      e.k = expectation::kind::max_peak_sessions;
      e.n = count_of(file, v, key);
      parsing->push_back(e);
    } else if (key == "no_cause") {
      e.k = expectation::kind::no_cause;
      if (const toml::array* a = v.as_array()) {
        if (a->empty()) fail(file, v, key, "empty list");
        for (const toml::node& x : *a) {
          e.cause = cause_of(file, x, key);
          parsing->push_back(e);
        }
      } else {
        e.cause = cause_of(file, v, key);
        parsing->push_back(e);
      }
    } else if (key == "survive") {
      e.k = expectation::kind::survive;
      const toml::array* a = v.as_array();
      if (!a) fail(file, v, key, "expected a list of \"client ip:port -> server ip:port\"");
      for (const toml::node& x : *a) {
        auto s = x.value<std::string>();
        const auto arrow = s ? s->find("->") : std::string::npos;
        if (arrow == std::string::npos)
          fail(file, x, key, "expected \"client ip:port -> server ip:port\" (e.g. \"10.1.0.11:51332 -> 192.0.2.22:22\")");
        e.client = trim(s->substr(0, arrow));
        e.server = trim(s->substr(arrow + 2));
        if (e.client.empty() || e.server.empty() || e.client.find(':') == std::string::npos ||
            e.server.find(':') == std::string::npos)
          fail(file, x, key, fmt::format("'{}': expected \"client ip:port -> server ip:port\"", *s));
        e.line = x.source().begin.line;
        parsing->push_back(e);
      }
    } else {
      fail(file, v, key, "unknown key (allowed: name, max_broken, no_cause, survive, max_peak_sessions)");
    }
  }
  if (parsing->size() == before)
    throw config_error(fmt::format("{}:{}: expect: no expectation (use max_broken, no_cause, survive or max_peak_sessions)",
                                   file, t.source().begin.line));
}

/// The outcome of one expectation.
struct outcome {
  expectation e;
  bool pass = false;
  std::string message;  ///< what was observed
};

/// The result of one scenario file.
struct scenario_result {
  std::string file, trace;
  run_summary summary;
  std::vector<outcome> outcomes;
  double seconds = 0;
  std::exception_ptr error;
  bool pass() const {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const outcome& o) { return o.pass; });
  }
};

/// Follows the connections the expectations name, and the first broken connection per cause.
class check_sink final : public replay_sink {
 public:
  explicit check_sink(const std::vector<expectation>& ex) {
    for (const auto& e : ex)
      if (e.k == expectation::kind::survive) named_[e.client + " -> " + e.server];
  }
  void on_connection(const connection& c) override {
    if (c.broken) {
      auto& first = first_[static_cast<std::size_t>(c.brk.cause)];
      if (first.empty() || c.id < first_id_[static_cast<std::size_t>(c.brk.cause)]) {
        first = describe(c);
        first_id_[static_cast<std::size_t>(c.brk.cause)] = c.id;
      }
    }
    if (named_.empty()) return;
    for (const std::string& name : {c.client() + " -> " + c.server(), c.server() + " -> " + c.client()}) {
      auto it = named_.find(name);
      if (it == named_.end()) continue;
      ++it->second.seen;
      if (c.broken && (it->second.broken_desc.empty() || c.id < it->second.broken_id)) {
        it->second.broken_desc = describe(c);
        it->second.broken_id = c.id;
      }
    }
  }
  struct named_state {
    std::uint64_t seen = 0;
    std::string broken_desc;
    std::uint64_t broken_id = 0;
  };
  const named_state& named(const expectation& e) const { return named_.at(e.client + " -> " + e.server); }
  const std::string& first_broken(break_cause c) const { return first_[static_cast<std::size_t>(c)]; }
  std::string rel(sim_time t) const { return format_rel_time(t, base_); }
  sim_time base_ = 0;
  bool started_ = false;
  void on_verdict(const packet_view& p, std::string_view, verdict, std::string_view) override {
    if (!started_) {
      base_ = p.ts;
      started_ = true;
    }
  }

 private:
  std::string describe(const connection& c) const {
    const auto& b = c.brk;
    const std::string where = b.frame ? fmt::format("frame {}, t={} s", b.frame, rel(b.time)) : fmt::format("t={} s", rel(b.time));
    return fmt::format("#{} {} -> {} broke at {} on {}: {}", c.id, c.client(), c.server(), where, b.device, cause_name(b.cause));
  }
  std::map<std::string, named_state> named_;
  std::array<std::string, static_cast<std::size_t>(break_cause::count_)> first_{};
  std::array<std::uint64_t, static_cast<std::size_t>(break_cause::count_)> first_id_{};
};

std::string causes_text(const run_summary& s) {
  std::string t;
  for (std::size_t i = 1; i < s.broken_by_cause.size(); ++i)
    if (s.broken_by_cause[i])
      t += fmt::format("{}{} {}", t.empty() ? "" : ", ", cause_name(static_cast<break_cause>(i)), s.broken_by_cause[i]);
  return t;
}

/// Parses a scenario file, collecting its [[expect]] tables into `ex`.
scenario::scenario load_scenario(const std::string& file, std::vector<expectation>& ex) {
  register_expect_section();
  parsing = &ex;
  try {
    scenario::scenario sc = scenario::load(file);
    parsing = nullptr;
    // TOML tables iterate in key order: report in file order instead.
    std::stable_sort(ex.begin(), ex.end(), [](const expectation& a, const expectation& b) { return a.line < b.line; });
    return sc;
  } catch (...) {
    parsing = nullptr;
    throw;
  }
}

scenario_result run_one(const std::string& file) {
  scenario_result r;
  r.file = file;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<expectation> ex;
  scenario::scenario sc = load_scenario(file, ex);
  if (ex.empty()) throw config_error(fmt::format("{}: no [[expect]] table (nothing to check)", file));
  if (sc.trace.empty()) throw config_error(fmt::format("{}: no trace (add `trace = \"FILE.pcap\"`)", file));
  r.trace = sc.trace;
  replay_options ropt;
  ropt.log.cold_start = sc.cold_start;
  ropt.log.warm_window = seconds(sc.warm_window);
  trace_reader reader(sc.trace);
  replay rp(std::move(sc.topo), ropt);
  check_sink sink(ex);
  r.summary = rp.run(reader, sink);
  const run_summary& s = r.summary;
  for (const auto& e : ex) {
    outcome o;
    o.e = e;
    switch (e.k) {
      case expectation::kind::max_broken: {
        o.pass = s.broken <= e.n;
        const std::string c = causes_text(s);
        o.message = fmt::format("{} broken{}", s.broken, c.empty() ? "" : " (" + c + ")");
        break;
      }
      case expectation::kind::max_peak_sessions: {
        o.pass = s.peak_sessions <= e.n;
        std::string per;
        for (const auto& d : s.devices) per += fmt::format("{}{} {}", per.empty() ? "" : ", ", d.name, d.peak_sessions);
        o.message = fmt::format("peak {} sessions ({})", s.peak_sessions, per);
        break;
      }
      case expectation::kind::no_cause: {
        const std::uint64_t n = s.broken_by_cause[static_cast<std::size_t>(e.cause)];
        o.pass = n == 0;
        o.message = n == 0 ? fmt::format("no {}", cause_name(e.cause))
                           : fmt::format("{} connection(s) broke with {}; first: {}", n, cause_name(e.cause),
                                         sink.first_broken(e.cause));
        break;
      }
      case expectation::kind::survive: {
        const auto& st = sink.named(e);
        o.pass = st.seen > 0 && st.broken_desc.empty();
        o.message = st.seen == 0 ? "no such connection in the trace"
                    : st.broken_desc.empty() ? "survived"
                                             : st.broken_desc;
        break;
      }
    }
    r.outcomes.push_back(std::move(o));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string classname(const std::string& file) {
  std::string c = file;
  if (c.size() > 5 && c.compare(c.size() - 5, 5, ".toml") == 0) c.resize(c.size() - 5);
  while (c.rfind("./", 0) == 0) c.erase(0, 2);
  for (char& ch : c)
    if (ch == '/') ch = '.';
  return c;
}

void write_junit(std::ostream& o, const std::vector<scenario_result>& rs, double total) {
  std::size_t tests = 0, failures = 0;
  for (const auto& r : rs)
    for (const auto& x : r.outcomes) {
      ++tests;
      failures += !x.pass;
    }
  using report::xml_escape;
  fmt::print(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sessim check\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
             tests, failures, total);
  for (const auto& r : rs) {
    std::size_t f = 0;
    for (const auto& x : r.outcomes) f += !x.pass;
    fmt::print(o, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\">\n",
               xml_escape(r.file), r.outcomes.size(), f, r.seconds);
    const auto& s = r.summary;
    fmt::print(o,
               "    <properties>\n      <property name=\"trace\" value=\"{}\"/>\n      <property name=\"connections\" value=\"{}\"/>\n"
               "      <property name=\"broken\" value=\"{}\"/>\n      <property name=\"peak_sessions\" value=\"{}\"/>\n    </properties>\n",
               xml_escape(r.trace), s.connections, s.broken, s.peak_sessions);
    for (const auto& x : r.outcomes) {
      const std::string name = (x.e.block.empty() ? "" : x.e.block + ": ") + x.e.name();
      fmt::print(o, "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"0\"", xml_escape(classname(r.file)),
                 xml_escape(name), xml_escape(r.file), x.e.line);
      if (x.pass) {
        o << "/>\n";
      } else {
        fmt::print(o, ">\n      <failure type=\"expectation\" message=\"{}\">{}:{}: {}: {}</failure>\n    </testcase>\n",
                   xml_escape(x.message), xml_escape(r.file), x.e.line, xml_escape(name), xml_escape(x.message));
      }
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
}

}  // namespace

std::string expectation::name() const {
  switch (k) {
    case kind::max_broken: return fmt::format("max_broken <= {}", n);
    case kind::max_peak_sessions: return fmt::format("max_peak_sessions <= {}", n);
    case kind::no_cause: return fmt::format("no {}", cause_name(cause));
    case kind::survive: return fmt::format("survives {} -> {}", client, server);
  }
  return "?";
}

void register_expect_section() {
  static std::once_flag once;
  std::call_once(once, [] {
    scenario::register_section("expect", [](const toml::table& t, scenario::scenario&, const std::string& file) {
      parse_expect(t, file);
    });
  });
}

std::vector<expectation> load_expectations(const std::string& file) {
  std::vector<expectation> ex;
  (void)load_scenario(file, ex);
  return ex;
}

void add_check_command(CLI::App& app, check_options& opt, int* rc) {
  register_expect_section();
  auto* cmd = app.add_subcommand("check",
                                 "Replay scenario files with [[expect]] tables (in parallel); exit 1 when an expectation fails");
  cmd->add_option("files", opt.files, "scenario files (TOML, docs/scenario.md) with [[expect]] tables")->required();
  cmd->add_option("--junit", opt.junit, "write JUnit XML (one test case per expectation)");
  cmd->add_option("--threads", opt.threads, "scenarios replayed at once (default: the number of cores)");
  cmd->callback([&opt, rc] { *rc = check(opt); });
}

int check(const check_options& opt) {
  register_expect_section();
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<std::ofstream> junit;
  if (!opt.junit.empty()) {
    junit = std::make_unique<std::ofstream>(opt.junit, std::ios::binary | std::ios::trunc);
    if (!*junit) throw output_error(fmt::format("{}: cannot open for writing", opt.junit));
  }
  std::vector<scenario_result> results(opt.files.size());
  unsigned workers = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min<unsigned>(workers, static_cast<unsigned>(std::max<std::size_t>(opt.files.size(), 1)));
  {
    boost::asio::thread_pool pool(workers);
    for (std::size_t i = 0; i < opt.files.size(); ++i)
      boost::asio::post(pool, [&, i] {
        try {
          results[i] = run_one(opt.files[i]);
        } catch (...) {
          results[i].file = opt.files[i];
          results[i].error = std::current_exception();
        }
      });
    pool.join();
  }
  // Bad input in any file: its one-line error (the first in file order), nothing else.
  for (const auto& r : results)
    if (r.error) std::rethrow_exception(r.error);

  std::size_t failed_files = 0, expectations = 0, failed = 0;
  for (const auto& r : results) {
    std::vector<const outcome*> bad;
    for (const auto& o : r.outcomes) {
      ++expectations;
      if (!o.pass) bad.push_back(&o);
    }
    failed += bad.size();
    const std::string causes = causes_text(r.summary);
    if (bad.empty()) {
      fmt::print("PASS  {}  ({} expectation(s); {} connections, {} broken{})\n", r.file, r.outcomes.size(),
                 r.summary.connections, r.summary.broken, causes.empty() ? "" : " (" + causes + ")");
    } else {
      ++failed_files;
      const outcome& o = *bad.front();
      fmt::print("FAIL  {}:{}  {}{}: {}{}\n", r.file, o.e.line, o.e.block.empty() ? "" : o.e.block + ": ", o.e.name(), o.message,
                 bad.size() > 1 ? fmt::format("  (+{} more failing)", bad.size() - 1) : "");
    }
  }
  fmt::print("check: {} scenario(s), {} passed, {} failed; {} expectation(s), {} failed\n", results.size(),
             results.size() - failed_files, failed_files, expectations, failed);
  std::cout.flush();
  if (junit) {
    write_junit(*junit, results, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    junit->flush();
    if (!*junit) throw output_error(fmt::format("{}: write failed", opt.junit));
  }
  return failed ? 1 : 0;
}

}  // namespace sessim::cli
