#pragma once
/// health_check: when a periodic check (keepalived TCP_CHECK / HTTP_GET) notices that a real
/// server went down or came back. Checks run at trace start + k*interval. A check of a dead
/// server fails `timeout` after it starts; the server is marked down by the `fall`-th consecutive
/// failure and up by the `rise`-th consecutive success (a success completes at once). So a
/// failure at t is detected at t0 + (k + fall - 1)*interval + timeout, k the first check at or
/// after t — exact, no sampling.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "sessim/core/time.hpp"
#include "sessim/lb/virtual_server.hpp"

namespace sessim::lb {

/// One change of a real server's truth and when the health check noticed it.
struct health_change {
  sim_time truth_at = 0;     ///< when the server failed or recovered
  bool up = false;
  sim_time detected_at = 0;  ///< when the check marked it (max: never, e.g. it changed back first)
  bool detected() const { return detected_at != std::numeric_limits<sim_time>::max(); }
};

/// Index of the first check at or after `t`.
inline std::int64_t first_check_at_or_after(sim_time t0, sim_time interval, sim_time t) {
  if (t <= t0 || interval <= 0) return 0;
  return (t - t0 + interval - 1) / interval;
}

/// When the check marks a server that failed at `t` down (assuming it stays down).
inline sim_time detect_down_at(const health_spec& h, sim_time t0, sim_time t) {
  if (h.kind == health_kind::none) return std::numeric_limits<sim_time>::max();
  const std::int64_t k = first_check_at_or_after(t0, h.interval, t);
  return t0 + (k + static_cast<std::int64_t>(std::max<std::uint32_t>(h.fall, 1)) - 1) * h.interval + h.timeout;
}

/// When the check marks a server that recovered at `t` up (assuming it stays up).
inline sim_time detect_up_at(const health_spec& h, sim_time t0, sim_time t) {
  if (h.kind == health_kind::none) return t;  // no check: traffic resumes at once
  const std::int64_t k = first_check_at_or_after(t0, h.interval, t);
  return t0 + (k + static_cast<std::int64_t>(std::max<std::uint32_t>(h.rise, 1)) - 1) * h.interval;
}

/** A real server's truth and health-check view over time, built from its events (sorted by
 *  time). `up(t)` and `seen_up(t)` answer for any time. */
struct health_timeline {
  std::vector<health_change> changes;

  /// Builds the timeline for events (time, up) of one server.
  static health_timeline build(const health_spec& h, sim_time t0, std::vector<std::pair<sim_time, bool>> ev) {
    std::stable_sort(ev.begin(), ev.end(), [](auto& a, auto& b) { return a.first < b.first; });
    health_timeline tl;
    bool truth = true;
    for (std::size_t i = 0; i < ev.size(); ++i) {
      if (ev[i].second == truth) continue;
      truth = ev[i].second;
      health_change c{ev[i].first, truth, truth ? detect_up_at(h, t0, ev[i].first) : detect_down_at(h, t0, ev[i].first)};
      // Flipping back before the check's last needed probe: never noticed.
      for (std::size_t j = i + 1; j < ev.size(); ++j)
        if (ev[j].second != truth) {
          const sim_time last_probe = truth ? c.detected_at : c.detected_at - h.timeout;
          if (c.detected() && ev[j].first <= last_probe) c.detected_at = std::numeric_limits<sim_time>::max();
          break;
        }
      tl.changes.push_back(c);
    }
    return tl;
  }
  /// Whether the server really works at t.
  bool up(sim_time t) const {
    bool u = true;
    for (const auto& c : changes) { if (c.truth_at > t) break; u = c.up; }
    return u;
  }
  /// Whether the health check has it in service at t.
  bool seen_up(sim_time t) const {
    bool u = true;
    for (const auto& c : changes)
      if (c.detected() && c.detected_at <= t) u = c.up;
    return u;
  }
  /// The latest failure at or before t (nullptr when none or it has recovered).
  const health_change* failure_at(sim_time t) const {
    const health_change* f = nullptr;
    for (const auto& c : changes) { if (c.truth_at > t) break; f = c.up ? nullptr : &c; }
    return f;
  }
};

}  // namespace sessim::lb
