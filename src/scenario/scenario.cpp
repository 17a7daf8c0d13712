// Scenario parser: TOML → sessim::topology. Unknown keys and bad values are errors naming the
// file, the line and the key (docs/scenario.md lists every key).
#include "scenario/scenario.hpp"

#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sessim/core/error.hpp"
#include "sessim/policy/presets/all.hpp"

namespace sessim::scenario {

namespace {

std::map<std::string, section_handler>& extra_sections() {
  static std::map<std::string, section_handler> m;
  return m;
}

/// Error context: file and the line of a node.
struct ctx {
  const std::string& file;

  [[noreturn]] void fail(const toml::node& n, std::string_view key, const std::string& msg) const {
    throw config_error(fmt::format("{}:{}: {}: {}", file, n.source().begin.line, key, msg));
  }
  [[noreturn]] void fail_line(std::uint32_t line, std::string_view key, const std::string& msg) const {
    throw config_error(fmt::format("{}:{}: {}: {}", file, line, key, msg));
  }

  /// Rejects keys of `t` not in `allowed`.
  void only(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> allowed) const {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto a : allowed) ok = ok || k.str() == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(v, where.empty() ? std::string(k.str()) : fmt::format("{}.{}", where, k.str()),
             fmt::format("unknown key (allowed: {})", list));
      }
    }
  }

  std::string str(const toml::table& t, std::string_view where, std::string_view key, bool required,
                  std::string def = "") const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail_line(t.source().begin.line, fmt::format("{}.{}", where, key), "missing");
      return def;
    }
    if (auto s = n->value<std::string>()) return *s;
    fail(*n, fmt::format("{}.{}", where, key), "expected a string");
  }

  double number(const toml::table& t, std::string_view where, std::string_view key, double def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (auto d = n->value<double>()) return *d;
    fail(*n, fmt::format("{}.{}", where, key), "expected a number");
  }

  bool boolean(const toml::table& t, std::string_view where, std::string_view key, bool def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (auto b = n->value<bool>()) return *b;
    fail(*n, fmt::format("{}.{}", where, key), "expected true or false");
  }

  sim_time duration(const toml::table& t, std::string_view where, std::string_view key, sim_time def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    return duration_of(*n, fmt::format("{}.{}", where, key));
  }

  sim_time duration_of(const toml::node& n, const std::string& key) const {
    if (auto d = n.value<double>()) {
      if (*d < 0) fail(n, key, "must not be negative");
      return seconds(*d);
    }
    if (auto s = n.value<std::string>()) {
      try {
        return parse_duration(*s, key);
      } catch (const config_error& e) {
        fail(n, key, e.what());
      }
    }
    fail(n, key, "expected a duration (seconds, or a string like \"5ms\")");
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view where, std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    if (auto s = n->value<std::string>()) return {*s};
    const toml::array* a = n->as_array();
    if (!a) fail(*n, fmt::format("{}.{}", where, key), "expected a string or a list of strings");
    for (auto& e : *a) {
      auto s = e.value<std::string>();
      if (!s) fail(e, fmt::format("{}.{}", where, key), "expected strings");
      out.push_back(*s);
    }
    return out;
  }

  std::size_t device(const topology& topo, const toml::node& n, const std::string& key, const std::string& name) const {
    auto i = topo.device_index(name);
    if (!i) fail(n, key, fmt::format("unknown device '{}'", name));
    return *i;
  }

  std::vector<std::size_t> devices(const topology& topo, const toml::table& t, std::string_view where,
                                   std::string_view key) const {
    std::vector<std::size_t> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    for (const auto& name : strings(t, where, key)) out.push_back(device(topo, *n, fmt::format("{}.{}", where, key), name));
    return out;
  }

  std::optional<std::pair<std::uint16_t, std::uint16_t>> port_range(const toml::table& t, std::string_view where,
                                                                    std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string k = fmt::format("{}.{}", where, key);
    auto port = [&](const toml::node& x) -> std::uint16_t {
      auto v = x.value<std::int64_t>();
      if (!v || *v < 0 || *v > 65535) fail(x, k, "expected a port 0..65535");
      return static_cast<std::uint16_t>(*v);
    };
    if (n->is_integer()) {
      std::uint16_t p = port(*n);
      return std::make_pair(p, p);
    }
    const toml::array* a = n->as_array();
    if (!a || a->size() != 2) fail(*n, k, "expected a port or [low, high]");
    auto lo = port(*a->get(0)), hi = port(*a->get(1));
    if (lo > hi) fail(*n, k, "low port above high port");
    return std::make_pair(lo, hi);
  }
};

void parse_device(const ctx& c, const toml::table& t, topology& topo) {
  c.only(t, "device", {"name", "preset", "set"});
  device_spec d;
  d.name = c.str(t, "device", "name", true);
  if (d.name.empty()) c.fail_line(t.source().begin.line, "device.name", "must not be empty");
  if (topo.device_index(d.name)) c.fail(*t.get("name"), "device.name", fmt::format("device '{}' defined twice", d.name));
  std::string preset = c.str(t, "device", "preset", false, "linux");
  try {
    d.config = find_preset(preset).make();
  } catch (const config_error& e) {
    c.fail(*t.get("preset"), "device.preset", e.what());
  }
  if (const toml::node* s = t.get("set")) {
    const toml::table* st = s->as_table();
    if (!st) c.fail(*s, "device.set", "expected a table of KEY = VALUE");
    for (auto&& [k, v] : *st) {
      std::string value;
      if (auto x = v.value<std::string>()) value = *x;
      else if (v.is_boolean()) value = *v.value<bool>() ? "1" : "0";
      else if (v.is_integer()) value = std::to_string(*v.value<std::int64_t>());
      else if (v.is_floating_point()) value = fmt::format("{}", *v.value<double>());
      else c.fail(v, fmt::format("device.set.{}", k.str()), "expected a number, string or boolean");
      try {
        apply_setting(d.config, k.str(), value);
      } catch (const config_error& e) {
        c.fail(v, fmt::format("device.set.{}", k.str()), e.what());
      }
    }
  }
  topo.devices.push_back(std::move(d));
}

void parse_path(const ctx& c, const toml::table& t, topology& topo) {
  c.only(t, "path", {"name", "direction", "src", "dst", "sport", "dport", "proto", "devices", "ecmp", "offset", "backup"});
  path_spec p;
  p.name = c.str(t, "path", "name", false, fmt::format("path{}", topo.paths.size() + 1));
  std::string dir = c.str(t, "path", "direction", false, "any");
  if (dir == "any") p.match.direction = path_direction::any;
  else if (dir == "client-to-server") p.match.direction = path_direction::client_to_server;
  else if (dir == "server-to-client") p.match.direction = path_direction::server_to_client;
  else c.fail(*t.get("direction"), "path.direction", "expected any, client-to-server or server-to-client");
  for (const char* side : {"src", "dst"}) {
    for (const auto& s : c.strings(t, "path", side)) {
      auto pfx = ip_prefix::parse(s);
      if (!pfx) c.fail(*t.get(side), fmt::format("path.{}", side), fmt::format("bad prefix '{}'", s));
      (std::string_view(side) == "src" ? p.match.src : p.match.dst).push_back(*pfx);
    }
  }
  p.match.sport = c.port_range(t, "path", "sport");
  p.match.dport = c.port_range(t, "path", "dport");
  if (const toml::node* n = t.get("proto")) {
    if (auto s = n->value<std::string>()) {
      if (*s == "tcp") p.match.proto = 6;
      else if (*s == "udp") p.match.proto = 17;
      else if (*s == "icmp") p.match.proto = 1;
      else if (*s == "icmp6") p.match.proto = 58;
      else c.fail(*n, "path.proto", "expected tcp, udp, icmp, icmp6 or a protocol number");
    } else if (auto v = n->value<std::int64_t>(); v && *v >= 0 && *v <= 255) {
      p.match.proto = static_cast<std::uint8_t>(*v);
    } else {
      c.fail(*n, "path.proto", "expected tcp, udp, icmp, icmp6 or a protocol number");
    }
  }
  std::vector<std::size_t> devs = c.devices(topo, t, "path", "devices");
  if (devs.empty()) c.fail_line(t.source().begin.line, "path.devices", "missing: a path needs at least one device");
  std::string ecmp = c.str(t, "path", "ecmp", false, "none");
  if (ecmp == "none") p.devices = devs;
  else if (ecmp == "per-flow" || ecmp == "per-packet") {
    p.ecmp = ecmp == "per-flow" ? ecmp_mode::per_flow : ecmp_mode::per_packet;
    p.ecmp_devices = devs;
  } else {
    c.fail(*t.get("ecmp"), "path.ecmp", "expected none, per-flow or per-packet");
  }
  p.offset = c.duration(t, "path", "offset", 0);
  p.backup = c.devices(topo, t, "path", "backup");
  topo.paths.push_back(std::move(p));
}

latency_model parse_latency(const ctx& c, const toml::node& n, const std::string& key) {
  latency_model m;
  if (!n.is_table()) {
    m.k = latency_model::kind::constant;
    m.a = c.duration_of(n, key);
    return m;
  }
  const toml::table& t = *n.as_table();
  std::string dist = c.str(t, key, "dist", true);
  if (dist == "constant") {
    c.only(t, key, {"dist", "value"});
    m.a = c.duration(t, key, "value", 0);
  } else if (dist == "uniform") {
    c.only(t, key, {"dist", "min", "max"});
    m.k = latency_model::kind::uniform;
    m.a = c.duration(t, key, "min", 0);
    m.b = c.duration(t, key, "max", 0);
    if (m.b < m.a) c.fail(n, key, "max below min");
  } else if (dist == "normal") {
    c.only(t, key, {"dist", "mean", "stddev"});
    m.k = latency_model::kind::normal;
    m.a = c.duration(t, key, "mean", 0);
    m.b = c.duration(t, key, "stddev", 0);
  } else if (dist == "empirical") {
    c.only(t, key, {"dist", "values"});
    m.k = latency_model::kind::empirical;
    const toml::node* v = t.get("values");
    const toml::array* a = v ? v->as_array() : nullptr;
    if (!a || a->empty()) c.fail(n, key + ".values", "expected a non-empty list of durations");
    for (auto& e : *a) m.values.push_back(c.duration_of(e, key + ".values"));
  } else {
    c.fail(*t.get("dist"), key + ".dist", "expected constant, uniform, normal or empirical");
  }
  return m;
}

double parse_bandwidth(const ctx& c, const toml::node& n, const std::string& key) {
  if (auto d = n.value<double>()) {
    if (*d < 0) c.fail(n, key, "must not be negative");
    return *d;
  }
  auto s = n.value<std::string>();
  if (!s) c.fail(n, key, "expected bits per second, or a string like \"100Mbit\"");
  std::string v = *s;
  double mult = 1;
  for (auto [suf, m] : {std::pair{"Gbit", 1e9}, {"Mbit", 1e6}, {"kbit", 1e3}, {"bit", 1.0}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}}) {
    std::string_view sv(suf);
    if (v.size() > sv.size() && v.compare(v.size() - sv.size(), sv.size(), sv) == 0) {
      mult = m;
      v.resize(v.size() - sv.size());
      break;
    }
  }
  try {
    std::size_t pos = 0;
    double d = std::stod(v, &pos);
    if (pos != v.size() || d < 0) throw std::invalid_argument("x");
    return d * mult;
  } catch (const std::exception&) {
    c.fail(n, key, fmt::format("bad bandwidth '{}'", *s));
  }
}

void parse_sync(const ctx& c, const toml::table& t, topology& topo) {
  c.only(t, "sync", {"name", "members", "mode", "latency", "jitter", "loss", "bandwidth", "message_bytes", "refresh",
                     "resend", "max_delay", "batch", "defer", "defer_timeout", "threshold", "period"});
  sync_spec g;
  g.name = c.str(t, "sync", "name", false, fmt::format("sync{}", topo.groups.size() + 1));
  g.members = c.devices(topo, t, "sync", "members");
  if (g.members.size() < 2) c.fail_line(t.source().begin.line, "sync.members", "a sync group needs two or more devices");
  std::set<std::size_t> seen;
  for (std::size_t m : g.members) {
    if (!seen.insert(m).second) c.fail(*t.get("members"), "sync.members", "a device is listed twice");
    for (const auto& other : topo.groups)
      for (std::size_t o : other.members)
        if (o == m) c.fail(*t.get("members"), "sync.members",
                           fmt::format("device '{}' is already in sync group '{}'", topo.devices[m].name, other.name));
  }
  std::string mode = c.str(t, "sync", "mode", false, "notrack");
  if (mode == "notrack") g.mode = sync_mode::notrack;
  else if (mode == "alarm") g.mode = sync_mode::alarm;
  else if (mode == "ftfw") g.mode = sync_mode::ftfw;
  else if (mode == "pfsync") g.mode = sync_mode::pfsync;
  else if (mode == "ipvs") g.mode = sync_mode::ipvs;
  else c.fail(*t.get("mode"), "sync.mode", "expected notrack, alarm, ftfw, pfsync or ipvs");
  if (const toml::node* n = t.get("latency")) g.latency = parse_latency(c, *n, "sync.latency");
  g.latency.jitter = c.duration(t, "sync", "jitter", 0);
  g.loss = c.number(t, "sync", "loss", 0);
  if (g.loss < 0 || g.loss > 1) c.fail(*t.get("loss"), "sync.loss", "expected a probability 0..1");
  if (const toml::node* n = t.get("bandwidth")) g.bandwidth_bps = parse_bandwidth(c, *n, "sync.bandwidth");
  double mb = c.number(t, "sync", "message_bytes", g.message_bytes);
  if (mb < 1 || mb > 65535) c.fail(*t.get("message_bytes"), "sync.message_bytes", "expected 1..65535");
  g.message_bytes = static_cast<std::uint32_t>(mb);
  g.refresh = c.duration(t, "sync", "refresh", g.refresh);
  g.resend = c.duration(t, "sync", "resend", g.resend);
  g.max_delay = c.duration(t, "sync", "max_delay", g.max_delay);
  double batch = c.number(t, "sync", "batch", g.batch);
  if (batch < 1) c.fail(*t.get("batch"), "sync.batch", "expected a positive integer");
  g.batch = static_cast<std::uint32_t>(batch);
  g.defer = c.boolean(t, "sync", "defer", false);
  if (g.defer && g.mode != sync_mode::pfsync) c.fail(*t.get("defer"), "sync.defer", "defer exists only in mode pfsync");
  g.defer_timeout = c.duration(t, "sync", "defer_timeout", g.defer_timeout);
  double th = c.number(t, "sync", "threshold", g.threshold), pe = c.number(t, "sync", "period", g.period);
  if (th < 1) c.fail(*t.get("threshold"), "sync.threshold", "expected a positive integer");
  if (pe < 0) c.fail(*t.get("period"), "sync.period", "expected a non-negative integer");
  g.threshold = static_cast<std::uint32_t>(th);
  g.period = static_cast<std::uint32_t>(pe);
  if ((g.mode == sync_mode::alarm && g.refresh <= 0) || (g.mode == sync_mode::ftfw && g.resend <= 0))
    c.fail_line(t.source().begin.line, "sync", "refresh/resend must be positive");
  topo.groups.push_back(std::move(g));
}

void parse_redirect(const ctx& c, const toml::table& t, topology& topo) {
  c.only(t, "redirect", {"group", "method", "latency", "overhead", "ownership"});
  std::string group = c.str(t, "redirect", "group", topo.groups.size() != 1, topo.groups.empty() ? "" : topo.groups[0].name);
  bool found = false;
  for (std::size_t g = 0; g < topo.groups.size(); ++g)
    if (topo.groups[g].name == group) { topo.redirect.group = g; found = true; }
  if (!found) c.fail_line(t.source().begin.line, "redirect.group", fmt::format("unknown sync group '{}'", group));
  std::string method = c.str(t, "redirect", "method", false, "mac");
  if (method == "mac") topo.redirect.method = redirect_method::mac;
  else if (method == "tunnel") topo.redirect.method = redirect_method::tunnel;
  else if (method == "none") topo.redirect.method = redirect_method::none;
  else c.fail(*t.get("method"), "redirect.method", "expected mac, tunnel or none");
  topo.redirect.latency = c.duration(t, "redirect", "latency",
                                     topo.redirect.method == redirect_method::tunnel ? seconds(0.0002) : seconds(0.00005));
  double ov = c.number(t, "redirect", "overhead", topo.redirect.method == redirect_method::tunnel ? 50 : 0);
  if (ov < 0 || ov > 1000) c.fail(*t.get("overhead"), "redirect.overhead", "expected 0..1000 bytes");
  topo.redirect.overhead_bytes = static_cast<std::uint32_t>(ov);
  std::string own = c.str(t, "redirect", "ownership", false, "first-packet");
  if (own == "first-packet") topo.redirect.ownership = ownership_rule::first_packet;
  else if (own == "hash") topo.redirect.ownership = ownership_rule::hash;
  else c.fail(*t.get("ownership"), "redirect.ownership", "expected first-packet or hash");
}

void parse_event(const ctx& c, const toml::table& t, topology& topo) {
  c.only(t, "event", {"at", "device", "action"});
  event_spec e;
  if (!t.get("at")) c.fail_line(t.source().begin.line, "event.at", "missing");
  e.at = c.duration(t, "event", "at", 0);
  std::string dev = c.str(t, "event", "device", true);
  e.device = c.device(topo, *t.get("device"), "event.device", dev);
  std::string action = c.str(t, "event", "action", true);
  if (action == "down") e.up = false;
  else if (action == "up") e.up = true;
  else c.fail(*t.get("action"), "event.action", "expected down or up");
  topo.events.push_back(e);
}

template <class F>
void each_table(const ctx& c, const toml::node& n, std::string_view key, F&& f) {
  if (const toml::array* a = n.as_array()) {
    for (auto& e : *a) {
      if (!e.is_table()) c.fail(e, key, "expected tables ([[" + std::string(key) + "]])");
      f(*e.as_table());
    }
  } else if (const toml::table* t = n.as_table()) {
    f(*t);
  } else {
    c.fail(n, key, "expected a table");
  }
}

}  // namespace

void register_section(std::string name, section_handler h) { extra_sections()[std::move(name)] = std::move(h); }

sim_time parse_duration(std::string_view text, const std::string& where) {
  device_config scratch;
  double s = 0;
  try {
    s = detail::parse_number(where, text);
  } catch (const config_error&) {
    throw config_error(fmt::format("bad duration '{}' (expected e.g. 30, \"5ms\", \"2m\")", text));
  }
  if (s < 0) throw config_error(fmt::format("bad duration '{}': must not be negative", text));
  return seconds(s);
}

scenario parse(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw config_error(fmt::format("{}:{}: {}", name, e.source().begin.line, e.description()));
  }
  ctx c{name};
  scenario s;
  s.path = name;
  // Known sections first, in dependency order: devices before everything that names them.
  static const std::set<std::string_view> known = {"trace", "seed", "cold_start", "warm_window", "device",
                                                   "path",  "sync", "redirect",   "event"};
  for (auto&& [k, v] : root) {
    if (known.count(k.str()) || extra_sections().count(std::string(k.str()))) continue;
    std::string list;
    for (auto a : known) list += (list.empty() ? "" : ", ") + std::string(a);
    for (auto& [x, h] : extra_sections()) list += ", " + x;
    c.fail(v, k.str(), fmt::format("unknown key (allowed: {})", list));
  }
  if (const toml::node* n = root.get("trace")) {
    auto t = n->value<std::string>();
    if (!t) c.fail(*n, "trace", "expected a file name");
    std::filesystem::path p(*t);
    if (p.is_relative()) p = std::filesystem::path(name).parent_path() / p;
    s.trace = p.lexically_normal().string();
  }
  if (const toml::node* n = root.get("seed")) {
    auto v = n->value<std::int64_t>();
    if (!v || *v < 0) c.fail(*n, "seed", "expected a non-negative integer");
    s.topo.seed = static_cast<std::uint64_t>(*v);
  }
  if (root.get("cold_start")) {
    s.cold_start = c.boolean(root, "", "cold_start", false);
    s.has_cold_start = true;
  }
  if (const toml::node* n = root.get("warm_window")) {
    s.warm_window = to_seconds(c.duration_of(*n, "warm_window"));
    s.has_warm_window = true;
  }
  if (const toml::node* n = root.get("device")) each_table(c, *n, "device", [&](const toml::table& t) { parse_device(c, t, s.topo); });
  if (s.topo.devices.empty()) {
    device_spec d{"fw", find_preset("linux").make()};
    s.topo.devices.push_back(d);
  }
  if (const toml::node* n = root.get("path")) each_table(c, *n, "path", [&](const toml::table& t) { parse_path(c, t, s.topo); });
  if (const toml::node* n = root.get("sync")) each_table(c, *n, "sync", [&](const toml::table& t) { parse_sync(c, t, s.topo); });
  if (const toml::node* n = root.get("redirect")) {
    if (!n->is_table()) c.fail(*n, "redirect", "expected a table [redirect]");
    parse_redirect(c, *n->as_table(), s.topo);
  }
  if (const toml::node* n = root.get("event")) each_table(c, *n, "event", [&](const toml::table& t) { parse_event(c, t, s.topo); });
  for (auto& [key, h] : extra_sections())
    if (const toml::node* n = root.get(key)) each_table(c, *n, key, [&](const toml::table& t) { h(t, s, name); });
  return s;
}

scenario load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw config_error(fmt::format("{}: cannot open scenario file", path));
  toml::table root;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw config_error(fmt::format("{}: cannot open scenario file", path));
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return parse(text, path);
}

}  // namespace sessim::scenario
