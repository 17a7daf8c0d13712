#pragma once
/// nq: never queue (ip_vs_nq.c): the first usable server with no active connection; otherwise
/// as sed, the smallest (active + 1) / weight.
#include "sessim/lb/schedulers/sed.hpp"

namespace sessim::lb {

/// Never queue.
class nq_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "nq"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    // ip_vs_nq takes the first usable server with no active connection as soon as its loop
    // meets it; the loop only matters when there is none.
    for (std::size_t i = 0; i < d.size(); ++i)
      if (!d[i].unusable() && d[i].active == 0) return i;
    return least_loaded(d, expected_delay_overhead, true);
  }
};

}  // namespace sessim::lb
