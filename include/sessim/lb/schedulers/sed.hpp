#pragma once
/// sed: shortest expected delay (ip_vs_sed.c): the usable server with the smallest
/// (active + 1) / weight, compared as loh*dw > doh*lw; ties go to the first in list order.
#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Shortest expected delay.
class sed_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "sed"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    std::size_t least = no_dest;
    std::uint64_t loh = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].unusable()) continue;
      const std::uint64_t doh = std::uint64_t{d[i].active} + 1;
      if (least == no_dest || loh * d[i].weight > doh * d[least].weight) { least = i; loh = doh; }
    }
    return least;
  }
};

}  // namespace sessim::lb
