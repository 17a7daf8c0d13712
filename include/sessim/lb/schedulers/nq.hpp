#pragma once
/// nq: never queue (ip_vs_nq.c): the first usable server with no active connection; otherwise
/// as sed, the smallest (active + 1) / weight.
#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Never queue.
class nq_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "nq"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    std::size_t least = no_dest;
    std::uint64_t loh = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].unusable()) continue;
      const std::uint64_t doh = std::uint64_t{d[i].active} + 1;
      if (d[i].active == 0) return i;  // an idle server: no queueing
      if (least == no_dest || loh * d[i].weight > doh * d[least].weight) { least = i; loh = doh; }
    }
    return least;
  }
};

}  // namespace sessim::lb
