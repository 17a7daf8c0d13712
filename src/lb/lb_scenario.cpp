// Parses [[virtual_server]] and [[server_event]] (docs/load-balancing.md lists every key).
#include "lb/lb_scenario.hpp"

#include <memory>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "scenario/scenario.hpp"
#include "sessim/core/error.hpp"
#include "sessim/lb/schedulers/all.hpp"
#include "sessim/lb/virtual_server.hpp"

namespace sessim::lb {

namespace {

[[noreturn]] void fail(const std::string& file, const toml::node& n, const std::string& key, const std::string& msg) {
  throw config_error(fmt::format("{}:{}: {}: {}", file, n.source().begin.line, key, msg));
}

void only(const std::string& file, const toml::table& t, const std::string& where, std::initializer_list<std::string_view> allowed) {
  for (auto&& [k, v] : t) {
    bool ok = false;
    for (auto a : allowed) ok = ok || k.str() == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(file, v, fmt::format("{}.{}", where, k.str()), fmt::format("unknown key (allowed: {})", list));
    }
  }
}

std::string str(const std::string& file, const toml::table& t, const std::string& where, std::string_view key, bool required, std::string def = "") {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) throw config_error(fmt::format("{}:{}: {}.{}: missing", file, t.source().begin.line, where, key));
    return def;
  }
  if (auto s = n->value<std::string>()) return *s;
  fail(file, *n, fmt::format("{}.{}", where, key), "expected a string");
}

std::int64_t integer(const std::string& file, const toml::table& t, const std::string& where, std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  auto v = n->value<std::int64_t>();
  if (!v || *v < lo || *v > hi) fail(file, *n, fmt::format("{}.{}", where, key), fmt::format("expected an integer in {}..{}", lo, hi));
  return *v;
}

sim_time duration(const std::string& file, const toml::table& t, const std::string& where, std::string_view key, sim_time def) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const std::string k = fmt::format("{}.{}", where, key);
  try {
    if (auto d = n->value<double>()) return scenario::parse_duration(fmt::format("{}", *d), k);
    if (auto s = n->value<std::string>()) return scenario::parse_duration(*s, k);
  } catch (const config_error& e) {
    fail(file, *n, k, e.what());
  }
  fail(file, *n, k, "expected a duration");
}

ip_addr address(const std::string& file, const toml::node& n, const std::string& key, const std::string& text) {
  auto p = ip_prefix::parse(text);
  if (!p || p->len != (p->net.v6 ? 128 : 32)) fail(file, n, key, fmt::format("bad address '{}'", text));
  return p->net;
}

/// "ip:port" (IPv6: "[addr]:port").
std::pair<ip_addr, std::uint16_t> endpoint(const std::string& file, const toml::node& n, const std::string& key, const std::string& text) {
  auto c = text.rfind(':');
  if (c == std::string::npos || c + 1 >= text.size()) fail(file, n, key, fmt::format("expected ip:port, got '{}'", text));
  std::string host = text.substr(0, c);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = text.substr(c + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoul(port) > 65535)
    fail(file, n, key, fmt::format("bad port in '{}'", text));
  return {address(file, n, key, host), static_cast<std::uint16_t>(std::stoul(port))};
}

real_server_spec real(const std::string& file, const toml::table& t, const std::string& where, std::uint16_t def_port) {
  only(file, t, where, {"ip", "port", "weight", "max_conns"});
  real_server_spec r;
  r.ip = address(file, t, where + ".ip", str(file, t, where, "ip", true));
  r.port = static_cast<std::uint16_t>(integer(file, t, where, "port", def_port, 1, 65535));
  r.weight = static_cast<std::uint32_t>(integer(file, t, where, "weight", 1, 0, 65535));
  r.max_conns = static_cast<std::uint32_t>(integer(file, t, where, "max_conns", 0, 0, 1 << 30));
  return r;
}

std::shared_ptr<lb_config> config_of(scenario::scenario& s) {
  auto cfg = s.topo.lb ? std::make_shared<lb_config>(*s.topo.lb) : std::make_shared<lb_config>();
  s.topo.lb = cfg;
  return cfg;
}

void parse_virtual_server(const toml::table& t, scenario::scenario& s, const std::string& file) {
  const std::string w = "virtual_server";
  only(file, t, w, {"name", "device", "vip", "port", "proto", "scheduler", "forwarding", "tun_type", "tun_port",
                    "tun_csum", "tun_overhead", "mtu", "persistence", "persistence_netmask", "real", "sorry", "health", "rule"});
  virtual_server_spec vs;
  vs.device = str(file, t, w, "device", true);
  if (!s.topo.device_index(vs.device)) fail(file, *t.get("device"), w + ".device", fmt::format("unknown device '{}'", vs.device));
  const std::string vip = str(file, t, w, "vip", true);
  vs.vip = address(file, *t.get("vip"), w + ".vip", vip);
  vs.port = static_cast<std::uint16_t>(integer(file, t, w, "port", 0, 0, 65535));
  const std::string proto = str(file, t, w, "proto", false, "tcp");
  if (proto == "tcp") vs.proto = 6;
  else if (proto == "udp") vs.proto = 17;
  else fail(file, *t.get("proto"), w + ".proto", "expected \"tcp\" or \"udp\"");
  vs.scheduler = str(file, t, w, "scheduler", false, "wlc");
  if (!make_scheduler(vs.scheduler, 1)) fail(file, *t.get("scheduler"), w + ".scheduler", "expected rr, wrr, lc, wlc, sh, dh, sed, nq or mh");
  const std::string fw = str(file, t, w, "forwarding", false, "nat");
  if (fw == "nat") vs.fwd = forwarding::nat;
  else if (fw == "dr") vs.fwd = forwarding::dr;
  else if (fw == "tun") vs.fwd = forwarding::tun;
  else fail(file, *t.get("forwarding"), w + ".forwarding", "expected nat, dr or tun");
  const std::string tt = str(file, t, w, "tun_type", false, "ipip");
  if (tt == "ipip") vs.tun_type = tunnel_type::ipip;
  else if (tt == "gue") vs.tun_type = tunnel_type::gue;
  else if (tt == "gre") vs.tun_type = tunnel_type::gre;
  else fail(file, *t.get("tun_type"), w + ".tun_type", "expected ipip, gue or gre");
  vs.tun_port = static_cast<std::uint16_t>(integer(file, t, w, "tun_port", 6080, 1, 65535));
  if (const toml::node* n = t.get("tun_csum")) {
    auto b = n->value<bool>();
    if (!b) fail(file, *n, w + ".tun_csum", "expected true or false");
    vs.tun_csum = *b;
  }
  vs.tun_overhead = static_cast<std::uint32_t>(integer(file, t, w, "tun_overhead", 0, 0, 1000));
  for (const char* k : {"tun_type", "tun_port", "tun_csum", "tun_overhead"})
    if (vs.fwd != forwarding::tun && t.get(k)) fail(file, *t.get(k), fmt::format("{}.{}", w, k), "only with forwarding = \"tun\"");
  vs.mtu = static_cast<std::uint32_t>(integer(file, t, w, "mtu", 1500, 68, 65535));
  vs.persistence = duration(file, t, w, "persistence", 0);
  vs.persistence_prefix = static_cast<int>(integer(file, t, w, "persistence_netmask", 32, 0, 128));
  vs.name = str(file, t, w, "name", false, flow_key::endpoint_str(vs.vip, vs.port));
  if (const toml::node* n = t.get("real")) {
    const toml::array* a = n->as_array();
    if (!a) fail(file, *n, w + ".real", "expected [[virtual_server.real]] tables");
    for (const auto& x : *a) {
      if (!x.is_table()) fail(file, x, w + ".real", "expected a table");
      vs.reals.push_back(real(file, *x.as_table(), w + ".real", vs.port));
    }
  }
  if (vs.reals.empty()) throw config_error(fmt::format("{}:{}: {}.real: at least one real server", file, t.source().begin.line, w));
  // IPVS NAT and DR keep the address family; only tunnels may cross it (IPv4 in IPv6 and back).
  if (vs.fwd != forwarding::tun)
    for (const auto& r : vs.reals)
      if (r.ip.v6 != vs.vip.v6)
        throw config_error(fmt::format("{}:{}: {}.real: {} is {} but the VIP is {}: {} forwarding keeps the address family (use tun)",
                                       file, t.source().begin.line, w, r.name(), r.ip.v6 ? "IPv6" : "IPv4",
                                       vs.vip.v6 ? "IPv6" : "IPv4", forwarding_name(vs.fwd)));
  if (const toml::node* n = t.get("sorry")) {
    if (!n->is_table()) fail(file, *n, w + ".sorry", "expected a table");
    vs.sorry = real(file, *n->as_table(), w + ".sorry", vs.port);
    if (vs.fwd != forwarding::tun && vs.sorry->ip.v6 != vs.vip.v6)
      fail(file, *n, w + ".sorry", fmt::format("{} forwarding keeps the address family of the VIP (use tun)", forwarding_name(vs.fwd)));
  }
  if (const toml::node* n = t.get("health")) {
    if (!n->is_table()) fail(file, *n, w + ".health", "expected a table");
    const toml::table& h = *n->as_table();
    const std::string hw = w + ".health";
    only(file, h, hw, {"kind", "interval", "timeout", "rise", "fall", "path"});
    const std::string kind = str(file, h, hw, "kind", false, "tcp");
    if (kind == "tcp") vs.health.kind = health_kind::tcp;
    else if (kind == "http") vs.health.kind = health_kind::http;
    else if (kind == "none") vs.health.kind = health_kind::none;
    else fail(file, *h.get("kind"), hw + ".kind", "expected tcp, http or none");
    vs.health.interval = duration(file, h, hw, "interval", seconds(5));
    if (vs.health.interval <= 0) fail(file, *h.get("interval"), hw + ".interval", "must be > 0");
    vs.health.timeout = duration(file, h, hw, "timeout", seconds(2));
    vs.health.rise = static_cast<std::uint32_t>(integer(file, h, hw, "rise", 2, 1, 1000));
    vs.health.fall = static_cast<std::uint32_t>(integer(file, h, hw, "fall", 3, 1, 1000));
    vs.health.http_path = str(file, h, hw, "path", false, "/");
  }
  if (const toml::node* n = t.get("rule")) {
    const toml::array* a = n->as_array();
    if (!a) fail(file, *n, w + ".rule", "expected [[virtual_server.rule]] tables");
    for (const auto& x : *a) {
      if (!x.is_table()) fail(file, x, w + ".rule", "expected a table");
      const toml::table& r = *x.as_table();
      const std::string rw = w + ".rule";
      only(file, r, rw, {"host", "sni", "path_prefix", "header", "pool"});
      l7_rule rule;
      rule.host = str(file, r, rw, "host", false, str(file, r, rw, "sni", false));
      for (auto& ch : rule.host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      rule.path_prefix = str(file, r, rw, "path_prefix", false);
      rule.header = str(file, r, rw, "header", false);
      const toml::node* pn = r.get("pool");
      const toml::array* pa = pn ? pn->as_array() : nullptr;
      if (!pa || pa->empty()) throw config_error(fmt::format("{}:{}: {}.pool: expected a non-empty list of \"ip:port\"", file, r.source().begin.line, rw));
      for (const auto& e : *pa) {
        auto sv = e.value<std::string>();
        if (!sv) fail(file, e, rw + ".pool", "expected \"ip:port\"");
        auto [ip, port] = endpoint(file, e, rw + ".pool", *sv);
        bool found = false;
        for (std::size_t i = 0; i < vs.reals.size(); ++i)
          if (vs.reals[i].ip == ip && vs.reals[i].port == port) { rule.pool.push_back(i); found = true; }
        if (!found) fail(file, e, rw + ".pool", fmt::format("'{}' is not a real server of this virtual server", *sv));
      }
      vs.rules.push_back(std::move(rule));
    }
  }
  config_of(s)->servers.push_back(std::move(vs));
}

void parse_server_event(const toml::table& t, scenario::scenario& s, const std::string& file) {
  const std::string w = "server_event";
  only(file, t, w, {"at", "real_server", "action", "virtual_server"});
  server_event_spec e;
  e.at = duration(file, t, w, "at", 0);
  const std::string rs = str(file, t, w, "real_server", true);
  auto [ip, port] = endpoint(file, *t.get("real_server"), w + ".real_server", rs);
  e.ip = ip;
  e.port = port;
  const std::string action = str(file, t, w, "action", true);
  if (action == "down" || action == "fail") e.up = false;
  else if (action == "up" || action == "recover") e.up = true;
  else fail(file, *t.get("action"), w + ".action", "expected \"down\" or \"up\"");
  e.virtual_server = str(file, t, w, "virtual_server", false);
  config_of(s)->events.push_back(std::move(e));
}

void parse_remap(const toml::table& t, scenario::scenario& s, const std::string& file) {
  const std::string w = "lb_remap";
  only(file, t, w, {"scheduler", "add_server"});
  remap_spec r;
  r.scheduler = str(file, t, w, "scheduler", false, "mh");
  if (!make_scheduler(r.scheduler, 1)) fail(file, *t.get("scheduler"), w + ".scheduler", "expected rr, wrr, lc, wlc, sh, dh, sed, nq or mh");
  if (const toml::node* n = t.get("add_server")) {
    if (n->is_table()) {
      r.add = real(file, *n->as_table(), w + ".add_server", 0);
      if (!r.add->port) fail(file, *n, w + ".add_server.port", "missing");
    } else if (auto sv = n->value<std::string>()) {
      auto [ip, port] = endpoint(file, *n, w + ".add_server", *sv);
      real_server_spec rs;
      rs.ip = ip;
      rs.port = port;
      r.add = rs;
    } else {
      fail(file, *n, w + ".add_server", "expected \"ip:port\" or a table {ip, port, weight}");
    }
  }
  config_of(s)->remap = std::move(r);
}

}  // namespace

void register_scenario_sections() {
  static const bool done = [] {
    scenario::register_section("virtual_server", parse_virtual_server);
    scenario::register_section("server_event", parse_server_event);
    scenario::register_section("lb_remap", parse_remap);
    return true;
  }();
  (void)done;
}

}  // namespace sessim::lb
