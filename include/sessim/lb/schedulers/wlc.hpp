#pragma once
/// wlc: weighted least connection (ip_vs_wlc.c): the usable server with the smallest
/// overhead/weight, compared as loh*dw > doh*lw; ties go to the first in list order.
#include "sessim/lb/schedulers/lc.hpp"

namespace sessim::lb {

/// Weighted least connection.
class wlc_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "wlc"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    std::size_t least = no_dest;
    std::uint64_t loh = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].unusable()) continue;
      const std::uint64_t doh = conn_overhead(d[i]);
      if (least == no_dest || loh * d[i].weight > doh * d[least].weight) { least = i; loh = doh; }
    }
    return least;
  }
};

}  // namespace sessim::lb
