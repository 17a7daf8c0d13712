#pragma once
/// run_summary: the totals of one replay (frames by outcome, connections, breaks by cause,
/// per-device counters).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sessim/core/packet.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/lb/report.hpp"
#include "sessim/report/connection.hpp"

namespace sessim {

/// Sync and path-correction counters of one device.
struct device_sync_stats {
  std::uint64_t sync_sent = 0, sync_received = 0, sync_lost = 0, sync_retransmitted = 0;
  std::uint64_t races = 0;
  std::uint64_t redirected_pkts = 0, redirected_bytes = 0;
  std::uint64_t deferred = 0;
  std::uint64_t down_events = 0, sessions_lost_down = 0;
};

/// One device's totals.
struct device_summary {
  std::string name;
  std::string preset;
  device_stats stats;
  std::size_t peak_sessions = 0;
  std::size_t sessions_at_end = 0;
  device_sync_stats sync;
};

/// Totals of a replay.
struct run_summary {
  std::string trace;
  std::uint64_t frames = 0;
  std::uint64_t parsed = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(skip_reason::count_)> skipped{};
  std::uint64_t truncated = 0;       ///< frames with caplen < len (still parsed when headers fit)
  std::uint64_t time_backwards = 0;  ///< frames whose timestamp went backwards (clamped)
  sim_time first_ts = 0, last_ts = 0;
  std::uint64_t connections = 0;
  std::uint64_t broken = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(break_cause::count_)> broken_by_cause{};
  std::uint64_t frames_dropped = 0;  ///< IP frames some device dropped or rejected
  std::uint64_t rsts_injected = 0;
  std::size_t peak_sessions = 0;     ///< largest table of any device
  std::vector<device_summary> devices;
  std::shared_ptr<const lb::lb_report> lb;  ///< load balancers (null: none configured)

  std::uint64_t unparsed() const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < skipped.size(); ++i)
      if (static_cast<skip_reason>(i) != skip_reason::not_ip) n += skipped[i];
    return n;
  }
};

}  // namespace sessim
