/// options: the `--opt KEY=VALUE` table.
#include "util.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace sessim::tracegen {

void options::add(std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw usage_error(fmt::format("bad --opt '{}' (expected KEY=VALUE)", kv));
  std::string key(kv.substr(0, eq));
  if (kv_.count(key)) throw usage_error(fmt::format("--opt {} given twice", key));
  kv_.emplace(std::move(key), std::string(kv.substr(eq + 1)));
}

std::uint64_t options::u64(const std::string& key, std::uint64_t def, std::uint64_t lo,
                           std::uint64_t hi) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return def;
  const std::string& v = it->second;
  bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, hex ? 16 : 10);
  if (v.empty() || v[0] == '-' || *end != '\0' || errno != 0 || n < lo || n > hi)
    throw usage_error(fmt::format("bad --opt {}={} (expected an integer in [{}, {}])", key, v, lo, hi));
  return n;
}

sim_time options::secs(const std::string& key, double def, double lo, double hi) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return seconds(def);
  const std::string& v = it->second;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d) || d < lo || d > hi)
    throw usage_error(fmt::format("bad --opt {}={} (expected seconds in [{}, {}])", key, v, lo, hi));
  return seconds(d);
}

std::string options::word(const std::string& key, const std::string& def,
                          const std::vector<std::string>& allowed) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return def;
  if (std::find(allowed.begin(), allowed.end(), it->second) != allowed.end()) return it->second;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  throw usage_error(fmt::format("bad --opt {}={} (expected {})", key, it->second, list));
}

void options::check_keys(std::string_view scenario, const std::vector<std::string>& accepted) const {
  for (const auto& [k, v] : kv_) {
    if (std::find(accepted.begin(), accepted.end(), k) != accepted.end()) continue;
    std::string list;
    for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
    throw usage_error(fmt::format("scenario {} has no option '{}' (options: {})", scenario, k,
                                  list.empty() ? "none" : list));
  }
}

}  // namespace sessim::tracegen
